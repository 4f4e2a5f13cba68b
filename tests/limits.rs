//! Byte and op bounds (issue 8): large answers never fail their
//! neighbours, oversized requests are refused at once with a clear error.

mod common;

use std::time::{Duration, Instant};

use common::{zk, EtcdCluster};
use kafka_etcd::{Acl, ClientOptions, Code, CreateMode, MultiOp, Reply, Request, ZkClient};

fn create(path: String, data: Option<Vec<u8>>) -> Request {
    Request::Create { path, data, acl: Acl::open_unsafe(), mode: CreateMode::Persistent }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_pipelined_reads_of_one_megabyte_nodes_all_succeed() {
    let etcd = EtcdCluster::start(1);
    let (c, _rx, _) = zk::chrooted(&etcd.connect_string(), "big-reads").await;
    let n = 60;
    let writes: Vec<_> = (0..n).map(|i| create(format!("/n{i}"), Some(vec![i as u8; 1_000_000]))).collect();
    for r in c.submit_all(writes).await {
        r.unwrap();
    }
    // Twice: once with sizes unknown (batches split after the fact), once known.
    for round in 0..2 {
        let mut reads: Vec<_> = (0..n).map(|i| Request::GetData { path: format!("/n{i}"), watch: false }).collect();
        // Small reads in the same burst must not suffer from their large neighbours.
        reads.push(Request::Exists { path: "/n0".into(), watch: false });
        let t0 = Instant::now();
        let answers = c.submit_all(reads).await;
        eprintln!("round {round}: {} reads in {:?}", answers.len(), t0.elapsed());
        for (i, a) in answers.into_iter().enumerate().take(n) {
            match a {
                Ok(Reply::Data { data: Some(d), stat }) => {
                    assert_eq!((d.len(), d[0], stat.data_length), (1_000_000, i as u8, 1_000_000));
                }
                other => panic!("getData /n{i}: {other:?}"),
            }
        }
    }
    c.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_pipelined_listings_of_ten_thousand_children_all_succeed() {
    let etcd = EtcdCluster::start(1);
    // What is checked here is size, not speed: 100 answers of ~500 KB each
    // may queue behind each other on a loaded machine, so the request
    // timeout is generous.
    let slow_ok = ClientOptions { request_timeout: Duration::from_secs(60), ..zk::opts() };
    let c = ZkClient::connect(&etcd.connect_string(), slow_ok).await.expect("connect");
    c.create("/wide", None, Acl::open_unsafe(), CreateMode::Persistent).await.unwrap();
    let kids = 10_000;
    let t0 = Instant::now();
    let creates: Vec<_> =
        (0..kids).map(|i| create(format!("/wide/child-with-a-kafka-like-name-{i:06}"), None)).collect();
    for r in c.submit_all(creates).await {
        r.unwrap();
    }
    eprintln!("{kids} pipelined creates in {:?}", t0.elapsed());
    let t0 = Instant::now();
    let reads: Vec<_> = (0..100).map(|_| Request::GetChildren { path: "/wide".into(), watch: false }).collect();
    let answers = c.submit_all(reads).await;
    eprintln!("100 pipelined getChildren in {:?}", t0.elapsed());
    for (i, a) in answers.into_iter().enumerate() {
        match a {
            Ok(Reply::Children { children, stat }) => {
                assert_eq!((children.len(), stat.num_children), (kids, kids as i32))
            }
            other => panic!("getChildren #{i}: {other:?}"),
        }
    }
    c.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_multi_is_refused_before_anything_is_read() {
    let cs = common::shared_single().connect_string();
    let (c, _rx, _) = zk::chrooted(&cs, "huge-multi").await;
    c.create("/p", None, Acl::open_unsafe(), CreateMode::Persistent).await.unwrap();
    for n in [2_000, 10_000] {
        let ops: Vec<_> = (0..n)
            .map(|i| MultiOp::Create {
                path: format!("/p/c{i}"),
                data: None,
                acl: Acl::open_unsafe(),
                mode: CreateMode::Persistent,
            })
            .collect();
        let t0 = Instant::now();
        let e = c.multi(ops).await.unwrap_err();
        assert_eq!(e.code, Code::BadArguments, "{e}");
        assert!(e.message.contains("max-txn-ops"), "{e}");
        assert!(t0.elapsed() < Duration::from_millis(500), "{n} creates refused in {:?}", t0.elapsed());
    }
    // Many ops on few nodes still fit and run.
    let ops: Vec<_> = (0..500).map(|_| MultiOp::Check { path: "/p".into(), version: 0 }).collect();
    assert_eq!(c.multi(ops).await.unwrap().len(), 500);
    assert_eq!(c.get_children("/p", false).await.unwrap().0.len(), 0);
    c.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etcds_request_limit_is_named() {
    let cs = common::shared_single().connect_string();
    let (c, _rx, chroot) = zk::chrooted(&cs, "etcd-limit").await;
    // Our own limit raised past etcd's default --max-request-bytes (1.5 MiB).
    let o = ClientOptions { max_data_bytes: 4 << 20, ..zk::opts() };
    let big = ZkClient::connect(&format!("{cs}{chroot}"), o).await.unwrap();
    let e =
        big.create("/x", Some(&vec![1u8; 2_000_000]), Acl::open_unsafe(), CreateMode::Persistent).await.unwrap_err();
    assert_eq!(e.code, Code::BadArguments, "{e}");
    assert!(e.message.contains("--max-request-bytes"), "{e}");
    assert!(big.exists("/x", false).await.unwrap().is_none());
    big.close().await;
    c.close().await;
}
