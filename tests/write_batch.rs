//! Write batching against a real etcd: writes ready at once travel as one
//! etcd txn of nested txns (see src/engine/write_batch.rs), and each keeps
//! the answer it would have had alone. The clients here allow one write txn
//! in flight, so everything submitted behind the first write is batched.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{shared_single, unique_chroot, zk};
use kafka_etcd::{Acl, ClientOptions, Code, CreateMode, Reply, Request, ZkClient, ZkResult, ZXIDS_PER_REVISION};

const P: CreateMode = CreateMode::Persistent;

fn open() -> Vec<Acl> {
    Acl::open_unsafe()
}

/// A client in a fresh chroot that batches every write queued behind the one in flight.
async fn batching_client(name: &str, session: Duration) -> (ZkClient, String) {
    let endpoints = shared_single().connect_string();
    let chroot = unique_chroot(name);
    let root = ZkClient::connect(&endpoints, zk::opts()).await.unwrap();
    root.create(&chroot, None, open(), P).await.unwrap();
    root.close().await;
    let o = ClientOptions { max_write_txns: 1, session_timeout: session, ..zk::opts() };
    (ZkClient::connect(&format!("{endpoints}{chroot}"), o).await.unwrap(), chroot)
}

fn create(path: &str, mode: CreateMode) -> Request {
    Request::Create { path: path.into(), data: Some(path.as_bytes().to_vec()), acl: open(), mode }
}

fn created(r: &ZkResult<Reply>) -> (String, i64) {
    match r {
        Ok(Reply::Created { path, stat }) => (path.clone(), stat.czxid),
        other => panic!("expected a create, got {other:?}"),
    }
}

fn code(r: &ZkResult<Reply>) -> Code {
    match r {
        Ok(_) => Code::Ok,
        Err(e) => e.code,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_creates_under_one_parent_batch_with_exact_names_and_counts() {
    let (c, _) = batching_client("batch-creates", Duration::from_secs(4)).await;
    c.create("/p", None, open(), P).await.unwrap();
    // 300 plain creates with a sequential one after every 30th: the
    // sequential suffix counts every create before it, as in ZooKeeper.
    let mut reqs = Vec::new();
    let mut expected_seq = Vec::new();
    let mut creates = 0;
    for i in 0..300 {
        reqs.push(create(&format!("/p/c{i:03}"), P));
        creates += 1;
        if i % 30 == 29 {
            reqs.push(create("/p/s-", CreateMode::PersistentSequential));
            expected_seq.push(format!("/p/s-{creates:010}"));
            creates += 1;
        }
    }
    let results = c.submit_all(reqs).await;
    let mut plain_revisions = HashSet::new();
    let mut seq_names = Vec::new();
    for r in &results {
        let (path, czxid) = created(r);
        if path.starts_with("/p/s-") {
            seq_names.push(path);
        } else {
            plain_revisions.insert(czxid / ZXIDS_PER_REVISION);
        }
    }
    assert_eq!(seq_names, expected_seq);
    assert!(plain_revisions.len() < 100, "300 creates took {} etcd revisions: not batched", plain_revisions.len());

    let (_, st) = c.get_data("/p", false).await.unwrap();
    assert_eq!((st.num_children, st.cversion), (creates, creates));
    // setData reads the child count only for nodes that ever had children.
    let st2 = c.set_data("/p", Some(b"x"), 0).await.unwrap();
    assert_eq!((st2.num_children, st2.cversion, st2.version), (creates, creates, 1));

    // Deletes under one parent are batched too (their pzxid marks split them).
    let dels: Vec<Request> = (0..100).map(|i| Request::Delete { path: format!("/p/c{i:03}"), version: 0 }).collect();
    for r in c.submit_all(dels).await {
        assert_eq!(code(&r), Code::Ok);
    }
    let (kids, st3) = c.get_children("/p", false).await.unwrap();
    assert_eq!(kids.len() as i32, creates - 100);
    assert_eq!((st3.num_children, st3.cversion), (creates - 100, creates + 100));
    let (next, _) = c.create("/p/s-", None, open(), CreateMode::PersistentSequential).await.unwrap();
    assert_eq!(next, format!("/p/s-{creates:010}"));
    let (_, st4) = c.get_data("/p", false).await.unwrap();
    assert_eq!(st4.pzxid, c.exists(&next, false).await.unwrap().unwrap().czxid);
    c.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_mixing_successes_and_failures_answers_each_op_as_alone() {
    let (c, _) = batching_client("batch-mixed", Duration::from_secs(4)).await;
    c.create("/x", None, open(), P).await.unwrap();
    c.create("/v", None, open(), P).await.unwrap();
    c.create("/v2", None, open(), P).await.unwrap();
    c.create("/full", None, open(), P).await.unwrap();
    c.create("/full/k", None, open(), P).await.unwrap();
    c.create("/gone", None, open(), P).await.unwrap();
    c.create("/e", None, open(), CreateMode::Ephemeral).await.unwrap();
    let mut reqs = vec![
        create("/lead", P), // takes the one write slot; the rest queue behind it
        create("/x", P),
        create("/missing/a", P),
        Request::SetData { path: "/v".into(), data: Some(b"v".to_vec()), version: 5 },
        Request::Delete { path: "/full".into(), version: -1 },
        create("/e/child", P),
        Request::Delete { path: "/nope".into(), version: -1 },
        Request::Delete { path: "/gone".into(), version: 3 },
        Request::SetData { path: "/v2".into(), data: Some(b"v2".to_vec()), version: 0 },
    ];
    let expected = [
        Code::Ok,
        Code::NodeExists,
        Code::NoNode,
        Code::BadVersion,
        Code::NotEmpty,
        Code::NoChildrenForEphemerals,
        Code::NoNode,
        Code::BadVersion,
        Code::Ok,
    ];
    for i in 0..20 {
        reqs.push(create(&format!("/new{i}"), P));
    }
    let results = c.submit_all(reqs).await;
    let codes: Vec<Code> = results.iter().map(code).collect();
    assert_eq!(&codes[..expected.len()], &expected[..], "{results:?}");
    let revisions: HashSet<i64> = results[expected.len()..].iter().map(|r| created(r).1 / ZXIDS_PER_REVISION).collect();
    assert!(revisions.len() < 20, "20 creates in {} revisions: not batched", revisions.len());
    match &results[8] {
        Ok(Reply::Stat(st)) => assert_eq!((st.version, st.data_length), (1, 2)),
        other => panic!("setData /v2: {other:?}"),
    }
    // Nothing a failed op would have written was written.
    assert_eq!(c.get_data("/v", false).await.unwrap().1.version, 0);
    assert_eq!(c.get_data("/x", false).await.unwrap().1.version, 0);
    assert!(c.exists("/gone", false).await.unwrap().is_some());
    assert_eq!(c.get_children("/full", false).await.unwrap().0, vec!["k".to_string()]);
    assert!(c.get_children("/e", false).await.unwrap().0.is_empty());
    // The root counted exactly the creates that succeeded (lead, /new0-19
    // and the six made before the batch, the chroot's own children).
    let (kids, st) = c.get_children("/", false).await.unwrap();
    assert_eq!(kids.len(), 6 + 1 + 20);
    assert_eq!(st.cversion, 6 + 1 + 20);
    c.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_etcd_refuses_is_split_and_no_op_applies_twice() {
    // A long session, so only the revoked lease (not the keep-alive) ends it.
    let (c, chroot) = batching_client("batch-refused", Duration::from_secs(30)).await;
    c.create("/p", None, open(), P).await.unwrap();
    // Revoke the session's lease behind the engine's back: a batch holding an
    // ephemeral create is then refused by etcd as a whole (lease not found).
    let endpoints = shared_single().endpoints();
    let mut etcd = etcd_client::Client::connect([format!("http://{}", endpoints[0])], None).await.unwrap();
    etcd.lease_revoke(c.session_id()).await.unwrap();
    let mut reqs = vec![create("/p/lead", P), create("/p/eph", CreateMode::Ephemeral)];
    for i in 0..20 {
        reqs.push(create(&format!("/p/n{i}"), P));
    }
    let results = c.submit_all(reqs).await;
    assert_eq!(code(&results[1]), Code::SessionExpired, "{:?}", results[1]);
    for (i, r) in results.iter().enumerate().filter(|(i, _)| *i != 1) {
        // Applied by a refused batch and then sent again, a create would answer NODEEXISTS.
        assert_eq!(code(r), Code::Ok, "request {i}: {r:?}");
    }
    // Read with a fresh client (the first one's session is gone).
    let root = ZkClient::connect(&shared_single().connect_string(), zk::opts()).await.unwrap();
    let (kids, st) = root.get_children(&format!("{chroot}/p"), false).await.unwrap();
    assert_eq!(kids.len(), 21, "{kids:?}");
    assert_eq!((st.num_children, st.cversion), (21, 21));
    root.close().await;
}

/// Kafka's controller writes partition states as `[check /controller_epoch,
/// setData state]` multis, thousands at once: they fold into batches like
/// single writes, each with its own per-op results (a stale epoch check
/// fails only its own multi) and its own mzxid.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_and_set_multis_batch_with_their_own_results_and_zxids() {
    use kafka_etcd::{MultiOp, OpResult};
    let (c, _) = batching_client("batch-multis", Duration::from_secs(4)).await;
    c.create("/epoch", Some(b"1"), open(), P).await.unwrap();
    let n = 300;
    let mut reqs = Vec::new();
    for i in 0..n {
        c.create(&format!("/s{i:03}"), Some(b"0"), open(), P).await.unwrap();
        // Every 10th multi checks a stale epoch version.
        let epoch_version = if i % 10 == 7 { 5 } else { 0 };
        reqs.push(Request::Multi(vec![
            MultiOp::Check { path: "/epoch".into(), version: epoch_version },
            MultiOp::SetData { path: format!("/s{i:03}"), data: Some(format!("{i}").into_bytes()), version: 0 },
        ]));
    }
    let results = c.submit_all(reqs).await;
    let mut revisions = HashSet::new();
    let mut mzxids = HashSet::new();
    for (i, r) in results.iter().enumerate() {
        let ops = match r {
            Ok(Reply::Multi(ops)) => ops,
            other => panic!("multi {i}: {other:?}"),
        };
        let (data, stat) = c.get_data(&format!("/s{i:03}"), false).await.unwrap();
        if i % 10 == 7 {
            assert_eq!(kafka_etcd::multi_code(ops), Code::BadVersion, "multi {i}: {ops:?}");
            assert_eq!((data.as_deref(), stat.version), (Some(&b"0"[..]), 0), "a failed multi wrote nothing");
            continue;
        }
        assert_eq!(ops[0], OpResult::Check);
        let OpResult::SetData { stat: written } = &ops[1] else { panic!("multi {i}: {ops:?}") };
        assert_eq!(*written, stat, "multi {i}: the Stat in the result is the node's");
        assert_eq!((data, stat.version), (Some(format!("{i}").into_bytes()), 1));
        revisions.insert(stat.mzxid / ZXIDS_PER_REVISION);
        assert!(mzxids.insert(stat.mzxid), "multi {i}: mzxid {} also another multi's", stat.mzxid);
    }
    assert!(revisions.len() < n / 3, "{} multis took {} etcd revisions: not batched", n, revisions.len());
    c.close().await;
}

/// Kafka's controller also creates and deletes znodes in `[check
/// /controller_epoch, create]` and `[check, delete]` multis, hundreds at
/// once (a topic's partitions): they batch like single creates and deletes,
/// creates under one parent on distinct counter shards, each multi with its
/// own results and zxid, and the parent's counts exact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_and_create_or_delete_multis_batch_with_exact_counts() {
    use kafka_etcd::{MultiOp, OpResult};
    let (c, _) = batching_client("batch-create-multis", Duration::from_secs(4)).await;
    c.create("/epoch", Some(b"1"), open(), P).await.unwrap();
    c.create("/p", None, open(), P).await.unwrap();
    let n = 240;
    let stale = |i: usize| i % 10 == 7;
    let check = |i: usize| MultiOp::Check { path: "/epoch".into(), version: if stale(i) { 5 } else { 0 } };
    let reqs: Vec<Request> = (0..n)
        .map(|i| {
            let mode = if i % 4 == 1 { CreateMode::Ephemeral } else { P };
            let create = MultiOp::Create { path: format!("/p/c{i:03}"), data: Some(vec![i as u8]), acl: open(), mode };
            Request::Multi(vec![check(i), create])
        })
        .collect();
    let results = c.submit_all(reqs).await;
    let (mut revisions, mut czxids, mut made) = (HashSet::new(), HashSet::new(), 0);
    for (i, r) in results.iter().enumerate() {
        let Ok(Reply::Multi(ops)) = r else { panic!("multi {i}: {r:?}") };
        let path = format!("/p/c{i:03}");
        if stale(i) {
            assert_eq!(kafka_etcd::multi_code(ops), Code::BadVersion, "multi {i}: {ops:?}");
            assert!(c.exists(&path, false).await.unwrap().is_none(), "a failed multi created nothing");
            continue;
        }
        let OpResult::Create { path: created, stat } = &ops[1] else { panic!("multi {i}: {ops:?}") };
        assert_eq!(created, &path);
        let (data, now) = c.get_data(&path, false).await.unwrap();
        assert_eq!((data, *stat), (Some(vec![i as u8]), now), "multi {i}: the Stat in the result is the node's");
        let owner = if i % 4 == 1 { c.session_id() } else { 0 };
        assert_eq!(stat.ephemeral_owner, owner, "multi {i}");
        revisions.insert(stat.czxid / ZXIDS_PER_REVISION);
        assert!(czxids.insert(stat.czxid), "multi {i}: czxid {} also another multi's", stat.czxid);
        made += 1;
    }
    assert!(revisions.len() < n / 3, "{n} multis took {} etcd revisions: not batched", revisions.len());
    let parent = c.exists("/p", false).await.unwrap().unwrap();
    assert_eq!((parent.num_children, parent.cversion), (made, made));
    assert_eq!(parent.pzxid, *czxids.iter().max().unwrap(), "pzxid: the last child created");

    // The same children deleted by `[check, delete]` multis, also batched.
    let reqs: Vec<Request> = (0..n)
        .filter(|&i| !stale(i))
        .map(|i| Request::Multi(vec![check(0), MultiOp::Delete { path: format!("/p/c{i:03}"), version: 0 }]))
        .collect();
    let before = c.exists("/epoch", false).await.unwrap().unwrap().mzxid;
    for (i, r) in c.submit_all(reqs).await.iter().enumerate() {
        let Ok(Reply::Multi(ops)) = r else { panic!("delete multi {i}: {r:?}") };
        assert_eq!(ops.as_slice(), &[OpResult::Check, OpResult::Delete], "delete multi {i}");
    }
    let parent = c.exists("/p", false).await.unwrap().unwrap();
    assert_eq!((parent.num_children, parent.cversion), (0, 2 * made));
    assert!(parent.pzxid > *czxids.iter().max().unwrap() && parent.pzxid > before);
    let (kids, _) = c.get_children("/p", false).await.unwrap();
    assert!(kids.is_empty(), "{kids:?}");
    c.close().await;
}

/// setAcl goes through the write batcher too (Kafka's ACL and delegation
/// token paths set ACLs on many znodes at once): hundreds submitted together
/// share few etcd revisions, and each keeps the answer it would have had
/// alone: the new aversion and the node's own Stat, or BADVERSION / NONODE
/// with nothing written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_acls_batch_with_their_own_results() {
    let (c, _) = batching_client("batch-setacl", Duration::from_secs(4)).await;
    let n = 200;
    for i in 0..n {
        c.create(&format!("/a{i:03}"), Some(b"x"), open(), P).await.unwrap();
    }
    let read_only = || vec![Acl { perms: 1, scheme: "world".into(), id: "anyone".into() }];
    let before = c.create("/mark-before", None, open(), P).await.unwrap().1.czxid / ZXIDS_PER_REVISION;
    let reqs: Vec<Request> = (0..n)
        .map(|i| {
            // Every 10th asks a stale aversion, one a node that is not there.
            let (path, version) = match i % 10 {
                3 => (format!("/a{i:03}"), 4),
                7 => (format!("/missing{i:03}"), -1),
                _ => (format!("/a{i:03}"), 0),
            };
            Request::SetAcl { path, acl: read_only(), version }
        })
        .collect();
    let results = c.submit_all(reqs).await;
    let after = c.create("/mark-after", None, open(), P).await.unwrap().1.czxid / ZXIDS_PER_REVISION;
    for (i, r) in results.iter().enumerate() {
        match i % 10 {
            3 => assert_eq!(code(r), Code::BadVersion, "setAcl {i}: {r:?}"),
            7 => assert_eq!(code(r), Code::NoNode, "setAcl {i}: {r:?}"),
            _ => {
                let Ok(Reply::Stat(stat)) = r else { panic!("setAcl {i}: {r:?}") };
                let (acl, now) = c.get_acl(&format!("/a{i:03}")).await.unwrap();
                assert_eq!(acl, read_only(), "setAcl {i}");
                assert_eq!(*stat, now, "setAcl {i}: the Stat in the answer is the node's");
                assert_eq!((stat.aversion, stat.version), (1, 0), "setAcl {i}");
            }
        }
        if i % 10 == 3 {
            let (acl, stat) = c.get_acl(&format!("/a{i:03}")).await.unwrap();
            assert_eq!((acl, stat.aversion), (open(), 0), "a refused setAcl {i} wrote nothing");
        }
    }
    // 160 successful setAcls (and the reads before them) in few revisions.
    let revisions = after - before - 1;
    assert!(revisions < 40, "{revisions} etcd revisions for {n} setAcls: not batched");
    c.close().await;
}

/// A small multi that creates (or deletes) under two parents at once also
/// batches: each of its creates and deletes puts its own parent's counter or
/// mark shard, so the parents' counts and pzxids stay exact, and a multi that
/// fails on its second create writes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multis_of_two_creates_or_deletes_batch_with_exact_counts() {
    use kafka_etcd::{MultiOp, OpResult};
    let (c, _) = batching_client("batch-two-creates", Duration::from_secs(4)).await;
    c.create("/x", None, open(), P).await.unwrap();
    c.create("/y", None, open(), P).await.unwrap();
    let n = 200;
    let taken = |i: usize| i % 10 == 3;
    let mut pre = 0;
    for i in (0..n).filter(|&i| taken(i)) {
        c.create(&format!("/y/b{i:03}"), None, open(), P).await.unwrap();
        pre += 1;
    }
    let make = |p: String| MultiOp::Create { path: p, data: None, acl: open(), mode: P };
    let reqs: Vec<Request> =
        (0..n).map(|i| Request::Multi(vec![make(format!("/x/a{i:03}")), make(format!("/y/b{i:03}"))])).collect();
    let (mut revisions, mut czxids, mut made) = (HashSet::new(), Vec::new(), 0);
    for (i, r) in c.submit_all(reqs).await.iter().enumerate() {
        let Ok(Reply::Multi(ops)) = r else { panic!("multi {i}: {r:?}") };
        if taken(i) {
            assert_eq!(kafka_etcd::multi_code(ops), Code::NodeExists, "multi {i}: {ops:?}");
            assert!(c.exists(&format!("/x/a{i:03}"), false).await.unwrap().is_none(), "multi {i} created nothing");
            continue;
        }
        for (op, path) in ops.iter().zip([format!("/x/a{i:03}"), format!("/y/b{i:03}")]) {
            let OpResult::Create { path: created, stat } = op else { panic!("multi {i}: {ops:?}") };
            assert_eq!(created, &path);
            assert_eq!(Some(*stat), c.exists(&path, false).await.unwrap(), "multi {i}: {path}'s Stat");
            revisions.insert(stat.czxid / ZXIDS_PER_REVISION);
            czxids.push(stat.czxid);
        }
        made += 1;
    }
    assert!(revisions.len() < n / 3, "{n} multis took {} etcd revisions: not batched", revisions.len());
    let (x, y) = (c.exists("/x", false).await.unwrap().unwrap(), c.exists("/y", false).await.unwrap().unwrap());
    assert_eq!((x.num_children, x.cversion), (made, made));
    assert_eq!((y.num_children, y.cversion), (made + pre, made + pre));
    assert_eq!(x.pzxid.max(y.pzxid), *czxids.iter().max().unwrap());

    let reqs: Vec<Request> = (0..n)
        .filter(|&i| !taken(i))
        .map(|i| {
            let delete = |p: String| MultiOp::Delete { path: p, version: 0 };
            Request::Multi(vec![delete(format!("/x/a{i:03}")), delete(format!("/y/b{i:03}"))])
        })
        .collect();
    for (i, r) in c.submit_all(reqs).await.iter().enumerate() {
        let Ok(Reply::Multi(ops)) = r else { panic!("delete multi {i}: {r:?}") };
        assert_eq!(ops.as_slice(), &[OpResult::Delete, OpResult::Delete], "delete multi {i}");
    }
    let (x2, y2) = (c.exists("/x", false).await.unwrap().unwrap(), c.exists("/y", false).await.unwrap().unwrap());
    assert_eq!((x2.num_children, x2.cversion), (0, 2 * made));
    assert_eq!((y2.num_children, y2.cversion), (pre, 2 * made + pre));
    assert!(x2.pzxid > x.pzxid && y2.pzxid > y.pzxid);
    c.close().await;
}
