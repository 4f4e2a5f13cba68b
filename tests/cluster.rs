//! Three-member etcd: endpoint failover, watch resume across a member
//! restart, and compaction while a watcher was away.

mod common;

use std::time::Duration;

use common::{unique_chroot, zk, EtcdCluster};
use kafka_etcd::{Acl, ClientOptions, Code, CreateMode, EventType, Request, SessionState, ZkClient};

const P: CreateMode = CreateMode::Persistent;

fn opts() -> ClientOptions {
    ClientOptions {
        session_timeout: Duration::from_secs(10),
        request_timeout: Duration::from_secs(8),
        ..Default::default()
    }
}

/// Runs the whole file's scenarios on one cluster, in order (they stop
/// and start members, so they must not overlap).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_member_cluster() {
    let _ = env_logger::builder().is_test(true).try_init();
    let mut cluster = EtcdCluster::start(3);
    failover_with_one_member_stopped(&mut cluster).await;
    watch_resumes_after_member_restart(&mut cluster).await;
    compaction_while_away_fires_conservatively(&mut cluster).await;
}

async fn failover_with_one_member_stopped(cluster: &mut EtcdCluster) {
    let all = cluster.connect_string();
    let chroot = unique_chroot("failover");
    let c = ZkClient::connect(&all, opts()).await.unwrap();
    c.create(&chroot, None, Acl::open_unsafe(), P).await.unwrap();
    c.create(&format!("{chroot}/eph"), None, Acl::open_unsafe(), CreateMode::Ephemeral).await.unwrap();
    // The client talks to member 0 first; kill it under the client.
    cluster.stop_member(0);
    let mut failed = Vec::new();
    for i in 0..50 {
        let p = format!("{chroot}/n{i}");
        if let Err(e) = c.create(&p, Some(b"v"), Acl::open_unsafe(), P).await {
            failed.push((p.clone(), e));
        }
        if let Err(e) = c.get_data(&format!("{chroot}/eph"), false).await {
            failed.push((p, e));
        }
    }
    eprintln!("calls failed after the member stopped: {}", failed.len());
    // A write in flight when its member died may end as CONNECTIONLOSS
    // (outcome unknown); nothing else may fail.
    assert!(failed.iter().all(|(_, e)| e.code == Code::ConnectionLoss), "{failed:?}");
    assert!(failed.len() <= 1, "a dead endpoint must not keep failing calls: {failed:?}");
    // Pipelined reads after the switch all succeed.
    let reads: Vec<_> = (0..50).map(|i| Request::Exists { path: format!("{chroot}/n{i}"), watch: false }).collect();
    for r in c.submit_all(reads).await {
        r.unwrap();
    }
    // The session (lease) survived the member loss; its ephemeral is still there.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(c.state(), SessionState::Connected);
    assert!(c.exists(&format!("{chroot}/eph"), false).await.unwrap().is_some());
    // A client whose first endpoint is the dead one still connects.
    let late = ZkClient::connect(&all, opts()).await.expect("connect with one endpoint down");
    assert!(late.exists(&chroot, false).await.unwrap().is_some());
    late.close().await;
    cluster.start_member(0);
    c.close().await;
}

async fn watch_resumes_after_member_restart(cluster: &mut EtcdCluster) {
    let chroot = unique_chroot("resume");
    let writer = ZkClient::connect(&cluster.endpoint(1), opts()).await.unwrap();
    writer.create(&chroot, None, Acl::open_unsafe(), P).await.unwrap();
    writer.create(&format!("{chroot}/w"), Some(b"0"), Acl::open_unsafe(), P).await.unwrap();
    // The watcher knows only member 0: its stream must resume there after the restart.
    let (o, mut rx) = opts().with_event_channel();
    let w = ZkClient::connect(&format!("{}{chroot}", cluster.endpoint(0)), o).await.unwrap();
    w.get_data("/w", true).await.unwrap();
    w.get_children("/", true).await.unwrap();
    cluster.stop_member(0);
    writer.set_data(&format!("{chroot}/w"), Some(b"1"), -1).await.unwrap();
    writer.create(&format!("{chroot}/new"), None, Acl::open_unsafe(), P).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    cluster.start_member(0);
    let mut got = [zk::next_watch_event(&mut rx).await, zk::next_watch_event(&mut rx).await];
    got.sort_by_key(|e| e.path.clone());
    assert_eq!((got[0].event_type, got[0].path.as_deref()), (EventType::NodeChildrenChanged, Some("/")));
    assert_eq!((got[1].event_type, got[1].path.as_deref()), (EventType::NodeDataChanged, Some("/w")));
    zk::no_watch_event(&mut rx, 500).await;
    w.close().await;
    writer.close().await;
}

async fn compaction_while_away_fires_conservatively(cluster: &mut EtcdCluster) {
    let chroot = unique_chroot("compact");
    let writer = ZkClient::connect(&cluster.endpoint(1), opts()).await.unwrap();
    writer.create(&chroot, None, Acl::open_unsafe(), P).await.unwrap();
    for n in ["changed", "same", "gone"] {
        writer.create(&format!("{chroot}/{n}"), Some(b"0"), Acl::open_unsafe(), P).await.unwrap();
    }
    let (o, mut rx) = opts().with_event_channel();
    let w = ZkClient::connect(&format!("{}{chroot}", cluster.endpoint(0)), o).await.unwrap();
    for n in ["/changed", "/same", "/gone"] {
        w.get_data(n, true).await.unwrap();
    }
    assert!(w.exists("/born", true).await.unwrap().is_none());
    cluster.stop_member(0);
    writer.set_data(&format!("{chroot}/changed"), Some(b"1"), -1).await.unwrap();
    writer.set_data(&format!("{chroot}/changed"), Some(b"2"), -1).await.unwrap();
    writer.delete(&format!("{chroot}/gone"), -1).await.unwrap();
    writer.create(&format!("{chroot}/born"), None, Acl::open_unsafe(), P).await.unwrap();
    let mut raw = etcd_client::Client::connect([cluster.endpoint(1)], None).await.unwrap();
    let rev = raw.get("x", None).await.unwrap().header().unwrap().revision();
    raw.compact(rev, Some(etcd_client::CompactionOptions::new().with_physical())).await.unwrap();
    cluster.start_member(0);
    let mut got: Vec<_> = Vec::new();
    for _ in 0..3 {
        let e = zk::next_watch_event(&mut rx).await;
        got.push((e.path.unwrap(), format!("{:?}", e.event_type)));
    }
    got.sort();
    assert_eq!(
        got,
        vec![
            ("/born".to_string(), "NodeCreated".to_string()),
            ("/changed".to_string(), "NodeDataChanged".to_string()),
            ("/gone".to_string(), "NodeDeleted".to_string()),
        ]
    );
    // The untouched node's watch stays armed and silent, and still works.
    zk::no_watch_event(&mut rx, 500).await;
    writer.set_data(&format!("{chroot}/same"), Some(b"1"), -1).await.unwrap();
    let e = zk::next_watch_event(&mut rx).await;
    assert_eq!((e.event_type, e.path.as_deref()), (EventType::NodeDataChanged, Some("/same")));
    w.close().await;
    writer.close().await;
}
