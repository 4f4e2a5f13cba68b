//! Shared helpers for integration tests. Include with `mod common;`.
//!
//! Everything here runs REAL etcd servers (see `etcd.rs`); nothing is mocked.
#![allow(dead_code, unused_imports)] // each test binary uses a different subset

mod etcd;
pub mod pki;

pub use etcd::{shared_single, EtcdCluster, ServerTls, Setup};

use std::sync::atomic::{AtomicUsize, Ordering};

/// A chroot path unique to this test process and call, e.g. `/t-my_test-1234-0`,
/// so tests sharing one cluster do not see each other's znodes.
pub fn unique_chroot(test_name: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let name: String =
        test_name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("/t-{}-{}-{}", name, std::process::id(), n)
}

/// Helpers for tests of the kafka_etcd engine.
pub mod zk {
    use kafka_etcd::{Acl, ClientOptions, CreateMode, WatchedEvent, ZkClient};
    use std::time::Duration;
    use tokio::sync::mpsc::UnboundedReceiver;

    pub fn opts() -> ClientOptions {
        ClientOptions {
            session_timeout: Duration::from_secs(4),
            request_timeout: Duration::from_secs(5),
            ..Default::default()
        }
    }

    /// A client on `endpoints` with a fresh chroot (created first), plus its event channel.
    pub async fn chrooted(endpoints: &str, name: &str) -> (ZkClient, UnboundedReceiver<WatchedEvent>, String) {
        let chroot = super::unique_chroot(name);
        let root = ZkClient::connect(endpoints, opts()).await.expect("connect root client");
        root.create(&chroot, None, Acl::open_unsafe(), CreateMode::Persistent).await.expect("create chroot");
        root.close().await;
        let (o, rx) = opts().with_event_channel();
        let c = ZkClient::connect(&format!("{endpoints}{chroot}"), o).await.expect("connect chrooted client");
        (c, rx, chroot)
    }

    /// Waits (bounded) for the next event that is not a session state event.
    pub async fn next_watch_event(rx: &mut UnboundedReceiver<WatchedEvent>) -> WatchedEvent {
        loop {
            let e = tokio::time::timeout(Duration::from_secs(10), rx.recv())
                .await
                .expect("no watch event within 10 s")
                .expect("event channel closed");
            if e.path.is_some() {
                return e;
            }
        }
    }

    /// Creates `<prefix>0`, `<prefix>1`, ... until one succeeds (failover in
    /// progress: CONNECTIONLOSS); panics with `what` after 20 s or on any other error.
    pub async fn create_until_ok(zk: &ZkClient, prefix: &str, what: &str) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        let mut n = 0;
        loop {
            match zk.create(&format!("{prefix}{n}"), None, Acl::open_unsafe(), CreateMode::Persistent).await {
                Ok(_) => return,
                Err(e) if e.code == kafka_etcd::Code::ConnectionLoss && tokio::time::Instant::now() < deadline => {
                    n += 1
                }
                Err(e) => panic!("{what}: {e:?}"),
            }
        }
    }

    /// Asserts that no watch event arrives within `ms`.
    pub async fn no_watch_event(rx: &mut UnboundedReceiver<WatchedEvent>, ms: u64) {
        let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
        loop {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Err(_) => return,
                Ok(Some(e)) if e.path.is_none() => continue,
                Ok(other) => panic!("unexpected event {other:?}"),
            }
        }
    }
}
