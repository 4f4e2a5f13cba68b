//! One-shot watches: each kind, ZooKeeper's firing rules, ordering.

mod common;

use common::{shared_single, zk};
use kafka_etcd::{Acl, CreateMode, EventType, ZkClient};

const P: CreateMode = CreateMode::Persistent;

async fn pair(name: &str) -> (ZkClient, tokio::sync::mpsc::UnboundedReceiver<kafka_etcd::WatchedEvent>, ZkClient) {
    let cs = shared_single().connect_string();
    let (w, rx, chroot) = zk::chrooted(&cs, name).await;
    let writer = ZkClient::connect(&format!("{cs}{chroot}"), zk::opts()).await.unwrap();
    (w, rx, writer)
}

/// The next already-queued watch event, skipping session state events.
fn queued(rx: &mut tokio::sync::mpsc::UnboundedReceiver<kafka_etcd::WatchedEvent>) -> Option<kafka_etcd::WatchedEvent> {
    while let Ok(e) = rx.try_recv() {
        if e.path.is_some() {
            return Some(e);
        }
    }
    None
}

fn ev(e: &kafka_etcd::WatchedEvent) -> (EventType, &str) {
    (e.event_type, e.path.as_deref().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_watch_fires_once() {
    let (w, mut rx, writer) = pair("data-once").await;
    writer.create("/d", Some(b"0"), Acl::open_unsafe(), P).await.unwrap();
    w.get_data("/d", true).await.unwrap();
    w.exists("/d", true).await.unwrap(); // same watcher, same path: still one event
    writer.set_data("/d", Some(b"1"), -1).await.unwrap();
    writer.set_data("/d", Some(b"2"), -1).await.unwrap();
    assert_eq!(ev(&zk::next_watch_event(&mut rx).await), (EventType::NodeDataChanged, "/d"));
    zk::no_watch_event(&mut rx, 500).await;
    // Re-arming sees only later changes.
    w.get_data("/d", true).await.unwrap();
    writer.delete("/d", -1).await.unwrap();
    assert_eq!(ev(&zk::next_watch_event(&mut rx).await), (EventType::NodeDeleted, "/d"));
    assert_eq!(w.armed_watches(), (0, 0));
    w.close().await;
    writer.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exists_watch_on_missing_node_fires_created() {
    let (w, mut rx, writer) = pair("exists").await;
    assert!(w.exists("/later", true).await.unwrap().is_none());
    writer.create("/later", None, Acl::open_unsafe(), P).await.unwrap();
    assert_eq!(ev(&zk::next_watch_event(&mut rx).await), (EventType::NodeCreated, "/later"));
    // getData on a missing node sets no watch (ZooKeeper: NONODE, no watch).
    assert!(w.get_data("/never", true).await.is_err());
    writer.create("/never", None, Acl::open_unsafe(), P).await.unwrap();
    zk::no_watch_event(&mut rx, 500).await;
    w.close().await;
    writer.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_watch_follows_zookeeper_rules() {
    let (w, mut rx, writer) = pair("children").await;
    writer.create("/topics", None, Acl::open_unsafe(), P).await.unwrap();
    writer.create("/topics/a", Some(b"x"), Acl::open_unsafe(), P).await.unwrap();
    w.get_children("/topics", true).await.unwrap();
    // A child's data change is not a children change.
    writer.set_data("/topics/a", Some(b"y"), -1).await.unwrap();
    zk::no_watch_event(&mut rx, 400).await;
    // A grandchild is not a child.
    writer.create("/topics/a/p", None, Acl::open_unsafe(), P).await.unwrap();
    zk::no_watch_event(&mut rx, 400).await;
    writer.create("/topics/b", None, Acl::open_unsafe(), P).await.unwrap();
    assert_eq!(ev(&zk::next_watch_event(&mut rx).await), (EventType::NodeChildrenChanged, "/topics"));
    w.get_children("/topics", true).await.unwrap();
    writer.delete("/topics/b", -1).await.unwrap();
    assert_eq!(ev(&zk::next_watch_event(&mut rx).await), (EventType::NodeChildrenChanged, "/topics"));
    // Deleting a node with a child watch fires NodeDeleted on it.
    w.get_children("/topics/a/p", true).await.unwrap();
    writer.delete("/topics/a/p", -1).await.unwrap();
    assert_eq!(ev(&zk::next_watch_event(&mut rx).await), (EventType::NodeDeleted, "/topics/a/p"));
    w.close().await;
    writer.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_write_event_comes_before_its_response() {
    let (w, mut rx, writer) = pair("own").await;
    w.create("/mine", None, Acl::open_unsafe(), P).await.unwrap();
    for i in 0..20 {
        w.get_data("/mine", true).await.unwrap();
        w.set_data("/mine", Some(format!("{i}").as_bytes()), -1).await.unwrap();
        let e = queued(&mut rx).expect("the event is queued before the write returns");
        assert_eq!(ev(&e), (EventType::NodeDataChanged, "/mine"));
    }
    zk::no_watch_event(&mut rx, 300).await;
    w.close().await;
    writer.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_comes_before_a_read_that_sees_the_change() {
    let (w, mut rx, writer) = pair("read-order").await;
    writer.create("/x", Some(b"0"), Acl::open_unsafe(), P).await.unwrap();
    writer.create("/k", None, Acl::open_unsafe(), P).await.unwrap();
    for i in 1..=20 {
        w.get_data("/x", true).await.unwrap();
        w.get_children("/k", true).await.unwrap();
        writer.set_data("/x", Some(format!("{i}").as_bytes()), -1).await.unwrap();
        writer.create(&format!("/k/{i}"), None, Acl::open_unsafe(), P).await.unwrap();
        // Read right away: the watch stream may lag, the read may not.
        let (data, _) = w.get_data("/x", false).await.unwrap();
        assert_eq!(data.unwrap(), format!("{i}").as_bytes());
        let e = queued(&mut rx).expect("data event delivered before the read that shows the new data");
        assert_eq!(ev(&e), (EventType::NodeDataChanged, "/x"));
        let (kids, _) = w.get_children("/k", false).await.unwrap();
        assert_eq!(kids.len(), i);
        let e = queued(&mut rx).expect("child event delivered before the read that shows the new child");
        assert_eq!(ev(&e), (EventType::NodeChildrenChanged, "/k"));
    }
    zk::no_watch_event(&mut rx, 300).await;
    w.close().await;
    writer.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_watches_share_one_stream_and_each_fires() {
    let (w, mut rx, writer) = pair("many").await;
    writer.create("/m", None, Acl::open_unsafe(), P).await.unwrap();
    let n = 200;
    let creates: Vec<_> = (0..n)
        .map(|i| {
            writer.submit(kafka_etcd::Request::Create {
                path: format!("/m/{i}"),
                data: None,
                acl: Acl::open_unsafe(),
                mode: P,
            })
        })
        .collect();
    for f in creates {
        f.await.unwrap();
    }
    let reads: Vec<_> = (0..n).map(|i| kafka_etcd::Request::GetData { path: format!("/m/{i}"), watch: true }).collect();
    for r in w.submit_all(reads).await {
        r.unwrap();
    }
    assert_eq!(w.armed_watches(), (n, 0));
    let sets: Vec<_> = (0..n)
        .map(|i| {
            writer.submit(kafka_etcd::Request::SetData {
                path: format!("/m/{i}"),
                data: Some(b"v".to_vec()),
                version: 0,
            })
        })
        .collect();
    for f in sets {
        f.await.unwrap();
    }
    let mut seen = std::collections::HashSet::new();
    for _ in 0..n {
        let e = zk::next_watch_event(&mut rx).await;
        assert_eq!(e.event_type, EventType::NodeDataChanged);
        assert!(seen.insert(e.path.unwrap()), "each watch fires once");
    }
    zk::no_watch_event(&mut rx, 300).await;
    w.close().await;
    writer.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_of_another_session_fires_watches() {
    let (w, mut rx, writer) = pair("other-expiry").await;
    w.create("/ids", None, Acl::open_unsafe(), P).await.unwrap();
    writer.create("/ids/7", None, Acl::open_unsafe(), CreateMode::Ephemeral).await.unwrap();
    w.get_children("/ids", true).await.unwrap();
    w.exists("/ids/7", true).await.unwrap();
    let mut raw = etcd_client::Client::connect([shared_single().endpoint(0)], None).await.unwrap();
    raw.lease_revoke(writer.session_id()).await.unwrap();
    let mut got = [zk::next_watch_event(&mut rx).await, zk::next_watch_event(&mut rx).await];
    got.sort_by_key(|e| e.path.clone());
    assert_eq!(ev(&got[0]), (EventType::NodeChildrenChanged, "/ids"));
    assert_eq!(ev(&got[1]), (EventType::NodeDeleted, "/ids/7"));
    w.close().await;
    writer.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_touching_a_path_twice_fires_each_op_in_turn() {
    use kafka_etcd::MultiOp;
    let (w, mut rx, writer) = pair("multi-twice").await;
    let open = Acl::open_unsafe;
    writer.create("/x", None, open(), P).await.unwrap();
    writer.create("/controller", Some(b"zk"), open(), P).await.unwrap();
    // Create then delete: no node remains, yet the exists watch and the
    // parent's child watch fire (ZooKeeper runs the ops one after another).
    assert!(w.exists("/x/y", true).await.unwrap().is_none());
    w.get_children("/x", true).await.unwrap();
    let r = writer
        .multi(vec![
            MultiOp::Create { path: "/x/y".into(), data: None, acl: open(), mode: P },
            MultiOp::Delete { path: "/x/y".into(), version: -1 },
        ])
        .await
        .unwrap();
    assert_eq!(kafka_etcd::multi_code(&r), kafka_etcd::Code::Ok);
    let mut got = [zk::next_watch_event(&mut rx).await, zk::next_watch_event(&mut rx).await];
    got.sort_by_key(|e| e.path.clone());
    assert_eq!((ev(&got[0]), ev(&got[1])), ((EventType::NodeChildrenChanged, "/x"), (EventType::NodeCreated, "/x/y")));
    // Delete then create: the data watch hears NodeDeleted (not a data change).
    w.exists("/controller", true).await.unwrap();
    let r = writer
        .multi(vec![
            MultiOp::Delete { path: "/controller".into(), version: -1 },
            MultiOp::Create { path: "/controller".into(), data: Some(b"kraft".to_vec()), acl: open(), mode: P },
        ])
        .await
        .unwrap();
    assert_eq!(kafka_etcd::multi_code(&r), kafka_etcd::Code::Ok);
    assert_eq!(ev(&zk::next_watch_event(&mut rx).await), (EventType::NodeDeleted, "/controller"));
    // Nothing else was queued: a later plain write is the next event.
    w.exists("/x/z", true).await.unwrap();
    writer.create("/x/z", None, open(), P).await.unwrap();
    assert_eq!(ev(&zk::next_watch_event(&mut rx).await), (EventType::NodeCreated, "/x/z"));
    // A read of the re-created node also tells a deletion apart from a data change.
    w.get_data("/controller", true).await.unwrap();
    let before = w.exists("/controller", false).await.unwrap().unwrap();
    writer
        .multi(vec![
            MultiOp::Delete { path: "/controller".into(), version: -1 },
            MultiOp::Create { path: "/controller".into(), data: None, acl: open(), mode: P },
        ])
        .await
        .unwrap();
    let after = writer.exists("/controller", false).await.unwrap().unwrap();
    assert!(after.czxid > before.czxid);
    assert_eq!(ev(&zk::next_watch_event(&mut rx).await), (EventType::NodeDeleted, "/controller"));
    w.close().await;
    writer.close().await;
}
