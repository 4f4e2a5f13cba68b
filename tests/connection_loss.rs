//! CONNECTIONLOSS: a write whose outcome is unknown is reported as such and
//! never applied twice; an unreachable etcd fails within the time bounds.

mod common;

use std::time::{Duration, Instant};

use common::EtcdCluster;
use kafka_etcd::{Acl, ClientOptions, Code, CreateMode, ZkClient};

fn signal(pid: u32, sig: &str) {
    let ok = std::process::Command::new("kill").args([sig, &pid.to_string()]).status().unwrap().success();
    assert!(ok, "kill {sig} {pid}");
}

/// Resumes a stopped process even if the test fails half way.
struct Resume(u32);
impl Drop for Resume {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill").args(["-CONT", &self.0.to_string()]).status();
    }
}

/// Waits (bounded) until a resumed etcd answers a new request and has answered
/// every request it had received while stopped: what it applies, it has applied.
async fn settled(cluster: &EtcdCluster, c: &ZkClient) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let answers = c.exists("/p", false).await.is_ok();
        if answers && cluster.unary_requests_in_flight(0) == Some(0) {
            return;
        }
        assert!(Instant::now() < deadline, "etcd still busy 10 s after SIGCONT:\n{}", cluster.logs(0));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_outcome_is_connection_loss_and_applied_at_most_once() {
    let cluster = EtcdCluster::start(1);
    let opts = ClientOptions {
        request_timeout: Duration::from_secs(1),
        session_timeout: Duration::from_secs(30),
        ..Default::default()
    };
    let c = ZkClient::connect(&cluster.connect_string(), opts).await.unwrap();
    c.create("/p", None, Acl::open_unsafe(), CreateMode::Persistent).await.unwrap();
    let pid = cluster.pid(0).unwrap();
    // Freeze etcd: the request reaches its socket but no answer comes back.
    signal(pid, "-STOP");
    let guard = Resume(pid);
    let t = Instant::now();
    let e = c.create("/p/x", Some(b"v"), Acl::open_unsafe(), CreateMode::Persistent).await.unwrap_err();
    assert_eq!(e.code, Code::ConnectionLoss, "{e}");
    assert!(t.elapsed() < Duration::from_secs(5), "bounded by the request timeout: {:?}", t.elapsed());
    let e = c.set_data("/p", Some(b"w"), -1).await.unwrap_err();
    assert_eq!(e.code, Code::ConnectionLoss, "{e}");
    drop(guard); // etcd resumes and may now apply what it had received
    settled(&cluster, &c).await;
    // Whatever etcd did, it did once: the node exists at most once, at version 0,
    // and the parent's cversion moved by at most one.
    let (kids, parent) = c.get_children("/p", false).await.unwrap();
    assert!(kids.len() <= 1);
    assert_eq!(parent.cversion as usize, kids.len());
    assert!(parent.version <= 1);
    if let Some(st) = c.exists("/p/x", false).await.unwrap() {
        assert_eq!(st.version, 0);
        // Kafka's retry after CONNECTIONLOSS sees NODEEXISTS, not a second create.
        let again = c.create("/p/x", Some(b"v"), Acl::open_unsafe(), CreateMode::Persistent).await.unwrap_err();
        assert_eq!(again.code, Code::NodeExists);
    }
    c.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_etcd_fails_within_bounds() {
    let mut cluster = EtcdCluster::start(1);
    let cs = cluster.connect_string();
    let opts = ClientOptions {
        request_timeout: Duration::from_secs(1),
        connect_timeout: Duration::from_secs(2),
        ..Default::default()
    };
    let c = ZkClient::connect(&cs, opts.clone()).await.unwrap();
    cluster.stop_member(0);
    let t = Instant::now();
    assert_eq!(c.get_data("/", false).await.unwrap_err().code, Code::ConnectionLoss);
    assert_eq!(
        c.create("/y", None, Acl::open_unsafe(), CreateMode::Persistent).await.unwrap_err().code,
        Code::ConnectionLoss
    );
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    let t = Instant::now();
    let e = ZkClient::connect(&cs, opts).await.err().expect("connect must fail");
    assert_eq!(e.code, Code::ConnectionLoss);
    assert!(t.elapsed() < Duration::from_secs(4), "{:?}", t.elapsed());
    // Coming back, the same client works again.
    cluster.start_member(0);
    let mut ok = false;
    for _ in 0..50 {
        if c.create("/y", None, Acl::open_unsafe(), CreateMode::Persistent).await.is_ok() {
            ok = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ok, "client recovers after etcd returns");
    c.close().await;
}

/// With every endpoint refusing connections, ZooKeeper's client fails queued
/// requests with CONNECTIONLOSS at once; so do we after one round of connection
/// attempts, long before the request timeout (Kafka's
/// ZooKeeperClientTest.testConnectionLossRequestTermination counts on it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_endpoint_answering_is_connection_loss_at_once() {
    let mut cluster = EtcdCluster::start(1);
    let opts = ClientOptions { request_timeout: Duration::from_secs(10), ..Default::default() };
    let c = ZkClient::connect(&cluster.connect_string(), opts).await.unwrap();
    c.create("/z", None, Acl::open_unsafe(), CreateMode::Persistent).await.unwrap();
    cluster.stop_member(0);
    let t = Instant::now();
    let reads: Vec<_> = (0..10)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.get_data("/z", false).await })
        })
        .collect();
    for r in reads {
        assert_eq!(r.await.unwrap().unwrap_err().code, Code::ConnectionLoss);
    }
    assert_eq!(c.set_data("/z", Some(b"x"), -1).await.unwrap_err().code, Code::ConnectionLoss);
    assert!(t.elapsed() < Duration::from_secs(3), "10 reads and a write took {:?} (request timeout 10 s)", t.elapsed());
    cluster.start_member(0);
    c.close().await;
}
