//! Sessions as etcd leases: keep-alive, close, expiry, a new session after.

mod common;

use std::time::Duration;

use common::{shared_single, zk};
use kafka_etcd::{Acl, ClientOptions, Code, CreateMode, EventType, KeeperState, SessionState, ZkClient};

async fn revoke(endpoint: &str, lease: i64) {
    let mut raw = etcd_client::Client::connect([endpoint], None).await.unwrap();
    raw.lease_revoke(lease).await.expect("revoke lease");
}

async fn next_state(rx: &mut tokio::sync::mpsc::UnboundedReceiver<kafka_etcd::WatchedEvent>) -> KeeperState {
    loop {
        let e = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await.expect("no state event").unwrap();
        if e.event_type == EventType::None {
            return e.state;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_alive_holds_a_short_session() {
    let cs = shared_single().connect_string();
    let (c, _rx, _) = zk::chrooted(&cs, "keepalive").await;
    let short = ClientOptions { session_timeout: Duration::from_secs(2), ..zk::opts() };
    let c2 = ZkClient::connect(&cs, short).await.unwrap();
    assert_eq!(c2.session_timeout(), Duration::from_secs(2));
    let p = format!("/keepalive-{}", c2.session_id());
    c2.create(&p, None, Acl::open_unsafe(), CreateMode::Ephemeral).await.unwrap();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let st = c2.exists(&p, false).await.unwrap().expect("ephemeral survives well past its TTL");
    assert_eq!(st.ephemeral_owner, c2.session_id());
    assert_eq!(c2.state(), SessionState::Connected);
    c2.close().await;
    let root = ZkClient::connect(&cs, zk::opts()).await.unwrap();
    assert!(root.exists(&p, false).await.unwrap().is_none(), "close removes ephemerals at once");
    root.close().await;
    c.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_removes_ephemerals_and_tells_watchers() {
    let cs = shared_single().connect_string();
    let (c, mut rx, chroot) = zk::chrooted(&cs, "close").await;
    assert_eq!(next_state(&mut rx).await, KeeperState::SyncConnected);
    c.create("/ids", None, Acl::open_unsafe(), CreateMode::Persistent).await.unwrap();
    c.create("/ids/1", Some(b"b"), Acl::open_unsafe(), CreateMode::Ephemeral).await.unwrap();
    let (o, mut orx) = zk::opts().with_event_channel();
    let obs = ZkClient::connect(&format!("{cs}{chroot}"), o).await.unwrap();
    obs.get_children("/ids", true).await.unwrap();
    obs.get_data("/ids/1", true).await.unwrap();
    let (_, before) = obs.get_data("/ids", false).await.unwrap();

    c.close().await;
    c.close().await; // idempotent
    assert_eq!(next_state(&mut rx).await, KeeperState::Closed);
    assert_eq!(c.state(), SessionState::Closed);
    let mut got = [zk::next_watch_event(&mut orx).await, zk::next_watch_event(&mut orx).await];
    got.sort_by_key(|e| e.path.clone());
    assert_eq!((got[0].event_type, got[0].path.as_deref()), (EventType::NodeChildrenChanged, Some("/ids")));
    assert_eq!((got[1].event_type, got[1].path.as_deref()), (EventType::NodeDeleted, Some("/ids/1")));
    let (_, after) = obs.get_data("/ids", false).await.unwrap();
    assert_eq!(after.num_children, 0);
    assert_eq!(after.cversion, before.cversion + 1, "close deletes ephemerals like ZooKeeper: parent cversion moves");
    obs.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_is_reported_and_a_new_session_can_start() {
    let cs = shared_single().connect_string();
    let (c, mut rx, chroot) = zk::chrooted(&cs, "expiry").await;
    assert_eq!(next_state(&mut rx).await, KeeperState::SyncConnected);
    c.create("/brokers", None, Acl::open_unsafe(), CreateMode::Persistent).await.unwrap();
    c.create("/brokers/0", Some(b"b0"), Acl::open_unsafe(), CreateMode::Ephemeral).await.unwrap();
    c.get_data("/brokers/0", true).await.unwrap();
    let (o, mut orx) = zk::opts().with_event_channel();
    let obs = ZkClient::connect(&format!("{cs}{chroot}"), o).await.unwrap();
    obs.exists("/brokers/0", true).await.unwrap();

    revoke(&shared_single().endpoint(0), c.session_id()).await;
    assert_eq!(next_state(&mut rx).await, KeeperState::Expired);
    assert_eq!(c.state(), SessionState::Expired);
    let e = zk::next_watch_event(&mut orx).await;
    assert_eq!((e.event_type, e.path.as_deref()), (EventType::NodeDeleted, Some("/brokers/0")));
    assert!(obs.exists("/brokers/0", false).await.unwrap().is_none(), "ephemerals of an expired session are gone");
    assert_eq!(c.get_data("/brokers", false).await.unwrap_err().code, Code::SessionExpired);
    assert_eq!(
        c.create("/brokers/1", None, Acl::open_unsafe(), CreateMode::Ephemeral).await.unwrap_err().code,
        Code::SessionExpired
    );

    // Kafka's path after expiry: a new session, the same registration again.
    let c2 = ZkClient::connect(&format!("{cs}{chroot}"), zk::opts()).await.unwrap();
    assert_ne!(c2.session_id(), c.session_id());
    let (_, st) = c2.create("/brokers/0", Some(b"b0"), Acl::open_unsafe(), CreateMode::Ephemeral).await.unwrap();
    assert_eq!(st.ephemeral_owner, c2.session_id());
    c.close().await;
    c2.close().await;
    obs.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ephemeral_owner_and_czxid_identify_each_registration() {
    // KAFKA-7165 and the broker epoch: a re-registration has a new owner and a larger czxid.
    let cs = shared_single().connect_string();
    let (c, _rx, chroot) = zk::chrooted(&cs, "epoch").await;
    let (_, first) = c.create("/0", None, Acl::open_unsafe(), CreateMode::Ephemeral).await.unwrap();
    assert_eq!(first.ephemeral_owner, c.session_id());
    let e = c.create("/0", None, Acl::open_unsafe(), CreateMode::Ephemeral).await.unwrap_err();
    assert_eq!(e.code, Code::NodeExists);
    c.close().await;
    let c2 = ZkClient::connect(&format!("{cs}{chroot}"), zk::opts()).await.unwrap();
    let (_, second) = c2.create("/0", None, Acl::open_unsafe(), CreateMode::Ephemeral).await.unwrap();
    assert!(second.czxid > first.czxid);
    assert_eq!(second.ephemeral_owner, c2.session_id());
    c2.close().await;
}
