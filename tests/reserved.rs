//! What every tree holds or refuses as ZooKeeper 3.8 does (checked against
//! a real ZooKeeper 3.8.4 server): its own `/zookeeper` nodes, and
//! namespaces that cannot alias each other.

mod common;

use common::{shared_single, zk};
use kafka_etcd::{Acl, ClientOptions, Code, CreateMode, MultiOp, ZkClient};

const P: CreateMode = CreateMode::Persistent;

fn in_namespace(ns: &str) -> ClientOptions {
    ClientOptions { namespace: ns.to_string(), ..zk::opts() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zookeepers_own_nodes_exist_and_are_guarded() {
    let cs = shared_single().connect_string();
    let ns = format!("reserved-{}", std::process::id());
    let c = ZkClient::connect(&cs, in_namespace(&ns)).await.unwrap();
    let open = Acl::open_unsafe();

    let (kids, root) = c.get_children("/", false).await.unwrap();
    assert_eq!((kids, root.num_children), (vec!["zookeeper".to_string()], 1));
    let (mut kids, _) = c.get_children("/zookeeper", false).await.unwrap();
    kids.sort();
    assert_eq!(kids, vec!["config", "quota"]);
    for p in ["/zookeeper", "/zookeeper/quota", "/zookeeper/config"] {
        assert_eq!(c.get_data(p, false).await.unwrap().0, Some(Vec::new()), "{p} holds empty data");
        assert_eq!(c.create(p, None, open.clone(), P).await.unwrap_err().code, Code::NodeExists, "create {p}");
        assert_eq!(c.delete(p, -1).await.unwrap_err().code, Code::BadArguments, "delete {p}");
        let e = c.multi(vec![MultiOp::Delete { path: p.into(), version: -1 }]).await.unwrap_err();
        assert_eq!(e.code, Code::BadArguments, "multi delete {p}");
    }
    // /zookeeper/config is READ-only for everyone, and ZooKeeper enforces it.
    assert_eq!(c.get_acl("/zookeeper/config").await.unwrap().0[0].perms, 1);
    assert_eq!(c.set_data("/zookeeper/config", Some(b"x"), -1).await.unwrap_err().code, Code::NoAuth);
    assert_eq!(c.set_acl("/zookeeper/config", open.clone(), -1).await.unwrap_err().code, Code::NoAuth);
    assert_eq!(c.create("/zookeeper/config/x", None, open.clone(), P).await.unwrap_err().code, Code::NoAuth);
    // The others are ordinary, writable nodes on ZooKeeper too.
    assert_eq!(c.set_data("/zookeeper", Some(b"d"), -1).await.unwrap().version, 1);
    c.create("/zookeeper/quota/x", None, open.clone(), P).await.unwrap();
    c.delete("/zookeeper/quota/x", -1).await.unwrap();

    // A second client of the namespace finds them as they were.
    let again = ZkClient::connect(&cs, in_namespace(&ns)).await.unwrap();
    assert_eq!(again.get_data("/zookeeper", false).await.unwrap().1.version, 1);
    assert_eq!(again.get_children("/", false).await.unwrap().0.len(), 1);

    // Under a chroot, /zookeeper is just a path, as on ZooKeeper.
    let (chrooted, _rx, _) = zk::chrooted(&cs, "not-special").await;
    chrooted.create("/zookeeper", None, open.clone(), P).await.unwrap();
    chrooted.delete("/zookeeper", -1).await.unwrap();
    for client in [c, again, chrooted] {
        client.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespaces_that_could_alias_are_refused() {
    let cs = shared_single().connect_string();
    for bad in ["t/n001/x", "zk/", "", "a b", "ns\u{fc}"] {
        let e = ZkClient::connect(&cs, in_namespace(bad))
            .await
            .err()
            .unwrap_or_else(|| panic!("namespace {bad:?} accepted"));
        assert_eq!(e.code, Code::BadArguments, "{bad:?}: {e}");
        assert!(e.message.contains("namespace"), "{e}");
    }
    let ok = ZkClient::connect(&cs, in_namespace("other-ns.2_b")).await.unwrap();
    ok.close().await;
}
