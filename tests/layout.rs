//! The store's layout version key (`<namespace>/L`, see `src/znode/keys.rs`):
//! stamped on a fresh namespace, a store of the layout before the key
//! (layout 1) read as it is and stamped, and a store of a layout this build
//! does not read refused at connect, untouched.
//!
//! Old stores are written here byte by byte with a raw etcd client, not
//! through the crate's encoders, so a change of the encoders cannot hide a
//! store the crate no longer reads.

mod common;

use common::{shared_single, zk};
use etcd_client::{Client, GetOptions};
use kafka_etcd::{Acl, ClientOptions, Code, CreateMode, ZkClient, LAYOUT_VERSION, READABLE_LAYOUTS};

fn in_namespace(ns: &str) -> ClientOptions {
    ClientOptions { namespace: ns.to_string(), ..zk::opts() }
}

/// A namespace of its own per test and process.
fn namespace(test: &str) -> String {
    format!("layout-{test}-{}", std::process::id())
}

async fn raw() -> Client {
    Client::connect([shared_single().endpoint(0)], None).await.expect("raw etcd client")
}

async fn value(raw: &mut Client, key: &str) -> Option<Vec<u8>> {
    raw.get(key, None).await.unwrap().kvs().first().map(|kv| kv.value().to_vec())
}

/// How many keys the namespace holds.
async fn key_count(raw: &mut Client, ns: &str) -> i64 {
    raw.get(format!("{ns}/"), Some(GetOptions::new().with_prefix().with_count_only())).await.unwrap().count()
}

/// Layout 1's node value: [0 null / 1 data][8 bytes mtime BE][data].
fn node_value(mtime: i64, data: Option<&[u8]>) -> Vec<u8> {
    let mut v = vec![u8::from(data.is_some())];
    v.extend_from_slice(&mtime.to_be_bytes());
    v.extend_from_slice(data.unwrap_or_default());
    v
}

/// Layout 1's attribute value: [8 bytes ctime BE] then per ACL entry
/// [perms i32 BE][u32 BE len][scheme][u32 BE len][id]; here world:anyone, all.
fn attrs_value(ctime: i64) -> Vec<u8> {
    let mut v = ctime.to_be_bytes().to_vec();
    v.extend_from_slice(&31i32.to_be_bytes());
    for s in ["world", "anyone"] {
        v.extend_from_slice(&(s.len() as u32).to_be_bytes());
        v.extend_from_slice(s.as_bytes());
    }
    v
}

/// Writes a znode as a layout-1 build did: node key, attribute key and an
/// empty child counter, then (a child create; not for the root's own nodes)
/// one counter put more on the parent, each its own etcd write.
async fn put_node(raw: &mut Client, ns: &str, depth: usize, path: &str, data: Option<&[u8]>, time: i64) {
    raw.put(format!("{ns}/n{depth:03}{path}"), node_value(time, data), None).await.unwrap();
    raw.put(format!("{ns}/a{path}"), attrs_value(time), None).await.unwrap();
    raw.put(format!("{ns}/a{path}\0c"), "", None).await.unwrap();
    if path != "/" && path != "/zookeeper" {
        let parent = path.rsplit_once('/').map(|(p, _)| if p.is_empty() { "/" } else { p }).unwrap();
        raw.put(format!("{ns}/a{parent}\0c"), "", None).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_namespace_gets_this_builds_layout_version() {
    let ns = namespace("fresh");
    let mut raw = raw().await;
    assert_eq!(key_count(&mut raw, &ns).await, 0);
    // Clients racing on the empty namespace all connect and agree.
    let racers: Vec<_> = (0..4)
        .map(|_| {
            let o = in_namespace(&ns);
            tokio::spawn(async move { ZkClient::connect(&shared_single().connect_string(), o).await })
        })
        .collect();
    let mut clients = Vec::new();
    for r in racers {
        clients.push(r.await.unwrap().expect("racing connect"));
    }
    assert_eq!(value(&mut raw, &format!("{ns}/L")).await, Some(LAYOUT_VERSION.to_string().into_bytes()));
    assert_eq!(LAYOUT_VERSION, 2);
    assert_eq!(READABLE_LAYOUTS, &[1, 2]);
    // The key is no znode: the root lists only ZooKeeper's own node.
    let (kids, stat) = clients[0].get_children("/", false).await.unwrap();
    // cversion -1: ZooKeeper's fresh root (its DataNode.copyStat, 2 x 0 - 1 child).
    assert_eq!((kids, stat.version, stat.cversion), (vec!["zookeeper".to_string()], 0, -1));
    for c in clients {
        c.close().await;
    }
    // Connecting again finds the key and leaves it be.
    let rev = raw.get(format!("{ns}/L"), None).await.unwrap().kvs()[0].mod_revision();
    ZkClient::connect(&shared_single().connect_string(), in_namespace(&ns)).await.unwrap().close().await;
    assert_eq!(raw.get(format!("{ns}/L"), None).await.unwrap().kvs()[0].mod_revision(), rev);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_layout_1_store_is_read_as_it_is_and_stamped() {
    let ns = namespace("v1");
    let mut raw = raw().await;
    let t = 1_700_000_000_000i64;
    put_node(&mut raw, &ns, 0, "/", None, t).await;
    put_node(&mut raw, &ns, 1, "/zookeeper", Some(b""), t).await;
    put_node(&mut raw, &ns, 1, "/p", Some(b"first"), t + 1).await;
    // setData on /p (version 1), setAcl on /p (aversion 1).
    raw.put(format!("{ns}/n001/p"), node_value(t + 2, Some(b"second")), None).await.unwrap();
    raw.put(format!("{ns}/a/p"), attrs_value(t + 1), None).await.unwrap();
    // A sequential child (suffix = the parent's creates so far: 0), then a plain one.
    put_node(&mut raw, &ns, 2, "/p/s0000000000", Some(b"seq"), t + 3).await;
    put_node(&mut raw, &ns, 2, "/p/c", None, t + 4).await;
    assert_eq!(value(&mut raw, &format!("{ns}/L")).await, None, "layout 1 has no key");

    let c = ZkClient::connect(&shared_single().connect_string(), in_namespace(&ns)).await.unwrap();
    assert_eq!(value(&mut raw, &format!("{ns}/L")).await, Some(LAYOUT_VERSION.to_string().into_bytes()));

    let (data, p) = c.get_data("/p", false).await.unwrap();
    assert_eq!(data.as_deref(), Some(&b"second"[..]));
    assert_eq!((p.version, p.aversion, p.cversion, p.num_children), (1, 1, 2, 2));
    assert_eq!((p.ctime, p.mtime, p.data_length, p.ephemeral_owner), (t + 1, t + 2, 6, 0));
    assert!(p.czxid < p.mzxid && p.mzxid < p.pzxid, "{p:?}");
    let (mut kids, _) = c.get_children("/p", false).await.unwrap();
    kids.sort();
    assert_eq!(kids, vec!["c", "s0000000000"]);
    let (data, s) = c.get_data("/p/s0000000000", false).await.unwrap();
    assert_eq!((data.as_deref(), s.version, s.num_children, s.ctime), (Some(&b"seq"[..]), 0, 0, t + 3));
    assert!(s.czxid > p.czxid);
    assert_eq!(c.get_data("/p/c", false).await.unwrap().0, None, "null data stays null");
    let (_, root) = c.get_children("/", false).await.unwrap();
    assert_eq!((root.num_children, root.cversion), (2, 0), "ZooKeeper's: 2 x 1 create - 2 children");
    assert_eq!(c.get_acl("/p").await.unwrap().0, Acl::open_unsafe());

    // The next sequential name goes on from the stored count.
    let (next, _) = c.create("/p/s", None, Acl::open_unsafe(), CreateMode::PersistentSequential).await.unwrap();
    assert_eq!(next, "/p/s0000000002");
    let (_, p) = c.get_data("/p", false).await.unwrap();
    assert_eq!((p.cversion, p.num_children), (3, 3));
    c.set_data("/p", Some(b"third"), 1).await.unwrap();
    assert_eq!(c.set_data("/p", Some(b"x"), 1).await.unwrap_err().code, Code::BadVersion);
    c.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_readable_version_is_raised() {
    let ns = namespace("raise");
    let mut raw = raw().await;
    raw.put(format!("{ns}/L"), "1", None).await.unwrap();
    let c = ZkClient::connect(&shared_single().connect_string(), in_namespace(&ns)).await.unwrap();
    assert_eq!(value(&mut raw, &format!("{ns}/L")).await, Some(LAYOUT_VERSION.to_string().into_bytes()));
    assert!(c.exists("/zookeeper", false).await.unwrap().is_some(), "the root's nodes are created too");
    c.close().await;
}

/// Connecting to a store whose key holds `stored` fails with
/// DATAINCONSISTENCY; nothing is written to the store.
async fn refused(test: &str, stored: &str) -> String {
    let ns = namespace(test);
    let mut raw = raw().await;
    raw.put(format!("{ns}/L"), stored, None).await.unwrap();
    let e = ZkClient::connect(&shared_single().connect_string(), in_namespace(&ns))
        .await
        .err()
        .unwrap_or_else(|| panic!("a store of layout {stored:?} was accepted"));
    assert_eq!(e.code, Code::DataInconsistency, "{e}");
    assert_eq!(value(&mut raw, &format!("{ns}/L")).await, Some(stored.as_bytes().to_vec()), "never rewritten");
    assert_eq!(key_count(&mut raw, &ns).await, 1, "no root created in a refused store");
    assert!(e.message.contains(&format!("{ns}/L")), "names the key: {e}");
    assert!(e.message.contains("reads layout versions 1, 2"), "names what this build reads: {e}");
    e.message
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_layout_is_refused() {
    let message = refused("newer", "99").await;
    assert!(message.contains("layout version 99"), "{message}");
    assert!(message.contains("newer kafka-etcd") && message.contains("upgrade"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_layout_key_that_is_not_a_version_is_refused() {
    for (test, stored) in [("text", "abc"), ("zero", "0"), ("padded", "02")] {
        let message = refused(test, stored).await;
        assert!(message.contains(&format!("\"{stored}\"")) && message.contains("corrupt"), "{message}");
    }
}
