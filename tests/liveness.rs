//! Session liveness against etcd faults (issue 8): a session expires when,
//! and only when, etcd says its lease is gone; watches catch up after the
//! client's member was away and history was compacted.
//!
//! Members are frozen with SIGSTOP (a hung machine: sockets open, no
//! answers). Each test owns its cluster; TTLs are short to keep them quick.

mod common;

use std::time::{Duration, Instant};

use common::{zk, EtcdCluster};
use kafka_etcd::{Acl, ClientOptions, Code, CreateMode, EventType, KeeperState, SessionState, WatchedEvent, ZkClient};
use tokio::sync::mpsc::UnboundedReceiver;

fn opts(ttl_secs: u64) -> ClientOptions {
    ClientOptions {
        session_timeout: Duration::from_secs(ttl_secs),
        request_timeout: Duration::from_secs(5),
        ..Default::default()
    }
}

/// The next session state event within `within`, skipping watch events.
async fn state_within(rx: &mut UnboundedReceiver<WatchedEvent>, within: Duration) -> Option<KeeperState> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(e)) if e.event_type == EventType::None => return Some(e.state),
            Ok(Some(_)) => continue,
            _ => return None,
        }
    }
}

/// Waits for `want`, failing on Expired when something else is wanted.
async fn wait_state(rx: &mut UnboundedReceiver<WatchedEvent>, want: KeeperState, within: Duration) -> Duration {
    let t0 = Instant::now();
    loop {
        let left = within.saturating_sub(t0.elapsed());
        match state_within(rx, left).await {
            Some(s) if s == want => return t0.elapsed(),
            Some(KeeperState::Expired) => panic!("session expired while waiting for {want:?}"),
            Some(_) => continue,
            None => panic!("no {want:?} within {within:?}"),
        }
    }
}

/// A connected session (its SyncConnected event consumed) holding one
/// ephemeral node, like a registered broker.
async fn registered(etcd: &EtcdCluster, ttl_secs: u64) -> (ZkClient, UnboundedReceiver<WatchedEvent>, String) {
    let (o, mut rx) = opts(ttl_secs).with_event_channel();
    let c = ZkClient::connect(&etcd.connect_string(), o).await.unwrap();
    assert_eq!(state_within(&mut rx, Duration::from_secs(1)).await, Some(KeeperState::SyncConnected));
    let p = format!("/registered-{}", c.session_id());
    c.create(&p, None, Acl::open_unsafe(), CreateMode::Ephemeral).await.unwrap();
    (c, rx, p)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_member_frozen_past_the_ttl_expires_on_the_first_answer() {
    let etcd = EtcdCluster::start(1);
    let ttl = 2;
    let (c, mut rx, p) = registered(&etcd, ttl).await;

    etcd.freeze_member(0);
    // Well past the TTL: ZooKeeper's client too stays Disconnected until a
    // server answers; it never expires the session on its own clock.
    let frozen = Duration::from_secs(ttl + 3);
    let t0 = Instant::now();
    while t0.elapsed() < frozen {
        match state_within(&mut rx, frozen - t0.elapsed()).await {
            Some(KeeperState::Disconnected) | None => {}
            Some(other) => panic!("while etcd was frozen the session became {other:?}"),
        }
    }
    assert_ne!(c.state(), SessionState::Expired);
    etcd.thaw_member(0);
    let resumed = Instant::now();

    let waited = wait_state(&mut rx, KeeperState::Expired, Duration::from_secs(ttl + 2)).await;
    eprintln!("Expired {waited:?} after SIGCONT (ttl {ttl}s)");
    assert_eq!(c.state(), SessionState::Expired);
    assert!(resumed.elapsed() <= Duration::from_secs(ttl + 2));
    assert_eq!(c.exists("/", false).await.unwrap_err().code, Code::SessionExpired);

    // Kafka's way on: a new session, its ephemeral registered again.
    let c2 = ZkClient::connect(&etcd.connect_string(), opts(ttl)).await.unwrap();
    assert!(c2.exists(&p, false).await.unwrap().is_none(), "the expired session's ephemeral is gone");
    let (_, st) = c2.create(&p, None, Acl::open_unsafe(), CreateMode::Ephemeral).await.unwrap();
    assert_eq!(st.ephemeral_owner, c2.session_id());
    c.close().await;
    c2.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_member_frozen_shorter_than_the_ttl_loses_nothing() {
    let etcd = EtcdCluster::start(1);
    let ttl = 6;
    let (c, mut rx, p) = registered(&etcd, ttl).await;

    etcd.freeze_member(0);
    tokio::time::sleep(Duration::from_secs(3)).await;
    etcd.thaw_member(0);

    // Watch the session for a full TTL and more: never Expired.
    let t0 = Instant::now();
    let watch_for = Duration::from_secs(ttl + 2);
    while t0.elapsed() < watch_for {
        if let Some(KeeperState::Expired) = state_within(&mut rx, watch_for - t0.elapsed()).await {
            panic!("session expired although etcd was frozen for less than its TTL");
        }
    }
    assert_eq!(c.state(), SessionState::Connected);
    let st = c.exists(&p, false).await.unwrap().expect("ephemeral kept");
    assert_eq!(st.ephemeral_owner, c.session_id());
    c.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lease_revoked_while_the_clients_member_is_away_expires() {
    // The keep-alive moves to another member, whose FIRST answer says TTL 0:
    // etcd-client reports that as an error, which once looked like a broken
    // connection to retry forever.
    let etcd = EtcdCluster::start(3);
    let (c, mut rx, p) = registered(&etcd, 4).await;

    etcd.freeze_member(0);
    let mut raw = etcd_client::Client::connect([format!("http://{}", etcd.endpoint(1))], None).await.unwrap();
    // Member 0 may have been the leader: the others elect a new one first.
    let t0 = Instant::now();
    while let Err(e) = raw.lease_revoke(c.session_id()).await {
        assert!(t0.elapsed() < Duration::from_secs(10), "revoke the session's lease: {e}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let waited = wait_state(&mut rx, KeeperState::Expired, Duration::from_secs(8)).await;
    eprintln!("Expired {waited:?} after the revoke");
    etcd.thaw_member(0);
    assert_eq!(c.state(), SessionState::Expired);
    let other = ZkClient::connect(&etcd.connect_string(), opts(4)).await.unwrap();
    assert!(other.exists(&p, false).await.unwrap().is_none());
    other.close().await;
    c.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compaction_while_the_member_was_away_delivers_every_event_of_large_nodes() {
    let etcd = EtcdCluster::start(3);
    let cs = etcd.connect_string();
    let (watcher, mut rx, chroot) = zk::chrooted(&cs, "compact-big").await;
    let big = vec![7u8; 1_000_000];
    let paths: Vec<String> = (0..8).map(|i| format!("/big{i}")).collect();
    for p in &paths {
        watcher.create(p, Some(&big), Acl::open_unsafe(), CreateMode::Persistent).await.unwrap();
        watcher.get_data(p, true).await.unwrap();
    }

    // The watcher's first endpoint is member 0; the writer avoids it.
    etcd.freeze_member(0);
    let writer =
        ZkClient::connect(&format!("{},{}{chroot}", etcd.endpoint(1), etcd.endpoint(2)), zk::opts()).await.unwrap();
    let changed = vec![8u8; 1_000_000];
    for p in &paths {
        writer.set_data(p, Some(&changed), -1).await.unwrap();
    }
    let mut raw = etcd_client::Client::connect([format!("http://{}", etcd.endpoint(1))], None).await.unwrap();
    let rev = raw.get("x", None).await.unwrap().header().unwrap().revision();
    raw.compact(rev, Some(etcd_client::CompactionOptions::new().with_physical())).await.unwrap();

    // Member 0 stays away: the watcher's stream breaks, resumes on another
    // member from a compacted revision, and must re-check all 8 nodes.
    let mut seen = std::collections::HashSet::new();
    while seen.len() < paths.len() {
        let e = zk::next_watch_event(&mut rx).await;
        assert_eq!(e.event_type, EventType::NodeDataChanged, "{e:?}");
        seen.insert(e.path.unwrap());
    }
    etcd.thaw_member(0);
    let (data, _) = watcher.get_data("/big3", false).await.unwrap();
    assert_eq!(data.unwrap()[0], 8);
    watcher.close().await;
    writer.close().await;
}
