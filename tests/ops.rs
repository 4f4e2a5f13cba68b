//! Every znode operation and result code against a real single-member etcd.

mod common;

use common::{shared_single, zk};
use kafka_etcd::{multi_code, Acl, Code, CreateMode, MultiOp, OpResult, Reply, Request, ZkClient};

const P: CreateMode = CreateMode::Persistent;

fn open() -> Vec<Acl> {
    Acl::open_unsafe()
}

/// Wall-clock milliseconds, as ctime and mtime count them.
fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

fn code<T: std::fmt::Debug>(r: Result<T, kafka_etcd::ZkError>) -> Code {
    r.unwrap_err().code
}

async fn client(name: &str) -> ZkClient {
    zk::chrooted(&shared_single().connect_string(), name).await.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_get_set_delete_and_stat_fields() {
    let c = client("crud").await;
    let before = now_ms();
    let (path, st) = c.create("/a", Some(b"hello"), open(), P).await.unwrap();
    assert_eq!(path, "/a");
    assert_eq!((st.version, st.cversion, st.aversion, st.num_children, st.data_length), (0, 0, 0, 0, 5));
    assert_eq!(st.czxid, st.mzxid);
    assert_eq!(st.pzxid, st.czxid);
    assert_eq!(st.ephemeral_owner, 0);
    assert!(st.ctime >= before && st.mtime == st.ctime);

    let (data, got) = c.get_data("/a", false).await.unwrap();
    assert_eq!(data.as_deref(), Some(&b"hello"[..]));
    assert_eq!(got, st);

    let s2 = c.set_data("/a", Some(b"world!"), 0).await.unwrap();
    assert_eq!(s2.version, 1);
    assert!(s2.mzxid > st.mzxid, "mzxid must grow");
    assert_eq!(s2.czxid, st.czxid);
    assert_eq!(s2.ctime, st.ctime);
    assert_eq!(s2.data_length, 6);
    let s3 = c.set_data("/a", None, -1).await.unwrap();
    assert_eq!(s3.version, 2);
    assert_eq!(s3.data_length, 0);

    // Children move cversion, pzxid and numChildren of the parent only.
    let (_, child) = c.create("/a/b", None, open(), P).await.unwrap();
    let (_, pst) = c.get_data("/a", false).await.unwrap();
    assert_eq!((pst.cversion, pst.num_children, pst.version), (1, 1, 2));
    assert_eq!(pst.pzxid, child.czxid);
    assert_eq!(pst.mzxid, s3.mzxid, "a child create is not a data change");
    c.delete("/a/b", 0).await.unwrap();
    let (_, pst) = c.get_data("/a", false).await.unwrap();
    assert_eq!((pst.cversion, pst.num_children), (2, 0));
    assert!(pst.pzxid > child.czxid);

    assert!(c.exists("/a", false).await.unwrap().is_some());
    c.delete("/a", 2).await.unwrap();
    assert!(c.exists("/a", false).await.unwrap().is_none());
    c.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_result_code() {
    let c = client("codes").await;
    assert_eq!(code(c.get_data("/missing", false).await), Code::NoNode);
    assert_eq!(code(c.set_data("/missing", None, -1).await), Code::NoNode);
    assert_eq!(code(c.delete("/missing", -1).await), Code::NoNode);
    assert_eq!(code(c.get_children("/missing", false).await), Code::NoNode);
    assert_eq!(code(c.get_acl("/missing").await), Code::NoNode);
    assert_eq!(code(c.create("/missing/child", None, open(), P).await), Code::NoNode);

    c.create("/n", Some(b"x"), open(), P).await.unwrap();
    assert_eq!(code(c.create("/n", None, open(), P).await), Code::NodeExists);
    assert_eq!(code(c.create("/", None, open(), P).await), Code::NodeExists);
    assert_eq!(code(c.set_data("/n", None, 7).await), Code::BadVersion);
    assert_eq!(code(c.delete("/n", 7).await), Code::BadVersion);
    c.create("/n/kid", None, open(), P).await.unwrap();
    assert_eq!(code(c.delete("/n", -1).await), Code::NotEmpty);
    assert_eq!(code(c.delete("/n", 5).await), Code::BadVersion, "ZooKeeper checks the version before emptiness");

    c.create("/eph", None, open(), CreateMode::Ephemeral).await.unwrap();
    assert_eq!(code(c.create("/eph/kid", None, open(), P).await), Code::NoChildrenForEphemerals);

    for bad in ["", "x", "/n/", "//n", "/n/./x", "/n/../x", "/n\u{0}x", "/n\u{1}"] {
        assert_eq!(code(c.get_data(bad, false).await), Code::BadArguments, "{bad:?}");
        assert_eq!(code(c.create(bad, None, open(), P).await), Code::BadArguments, "{bad:?}");
    }
    assert_eq!(code(c.delete("/", -1).await), Code::BadArguments);
    let big = vec![7u8; 1024 * 1024 + 1];
    let e = c.create("/big", Some(&big), open(), P).await.unwrap_err();
    assert_eq!(e.code, Code::BadArguments);
    assert!(e.message.contains("exceeds the limit"), "{}", e.message);
    assert_eq!(code(c.set_data("/n", Some(&big), -1).await), Code::BadArguments);
    assert_eq!(code(c.create("/acl", None, vec![], P).await), Code::InvalidAcl);
    assert_eq!(code(c.set_acl("/n", vec![], -1).await), Code::InvalidAcl);

    c.close().await;
    assert_eq!(code(c.get_data("/n", false).await), Code::SessionExpired, "use after close");
    assert_eq!(code(c.create("/z", None, open(), P).await), Code::SessionExpired);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn null_and_empty_data_stay_apart() {
    let c = client("null").await;
    c.create("/null", None, open(), P).await.unwrap();
    c.create("/empty", Some(b""), open(), P).await.unwrap();
    assert_eq!(c.get_data("/null", false).await.unwrap().0, None);
    assert_eq!(c.get_data("/empty", false).await.unwrap().0, Some(vec![]));
    c.set_data("/null", Some(b""), -1).await.unwrap();
    c.set_data("/empty", None, -1).await.unwrap();
    assert_eq!(c.get_data("/null", false).await.unwrap().0, Some(vec![]));
    assert_eq!(c.get_data("/empty", false).await.unwrap().0, None);
    // Data that looks like a marker is just data.
    c.set_data("/null", Some(b"[null]"), -1).await.unwrap();
    assert_eq!(c.get_data("/null", false).await.unwrap().0.as_deref(), Some(&b"[null]"[..]));
    c.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sequential_names_count_child_creates() {
    let c = client("seq").await;
    c.create("/q", None, open(), P).await.unwrap();
    let (a, _) = c.create("/q/item-", Some(b"1"), open(), CreateMode::PersistentSequential).await.unwrap();
    assert_eq!(a, "/q/item-0000000000");
    c.create("/q/plain", None, open(), P).await.unwrap(); // 2 creates
    c.delete("/q/plain", -1).await.unwrap(); // cversion 3, still 2 creates
                                             // ZooKeeper names from the count of child creates, not creates + deletes.
    let (b, _) = c.create("/q/item-", None, open(), CreateMode::PersistentSequential).await.unwrap();
    assert_eq!(b, "/q/item-0000000002");
    let (e, st) = c.create("/q/e-", None, open(), CreateMode::EphemeralSequential).await.unwrap();
    assert_eq!(e, "/q/e-0000000003");
    assert_eq!(st.ephemeral_owner, c.session_id());
    let (d, _) = c.create("/q/", None, open(), CreateMode::PersistentSequential).await.unwrap();
    assert_eq!(d, "/q/0000000004");
    // Names sort as strings in creation order, as Kafka expects.
    let (mut kids, st) = c.get_children("/q", false).await.unwrap();
    kids.sort();
    assert_eq!(kids, vec!["0000000004", "e-0000000003", "item-0000000000", "item-0000000002"]);
    assert_eq!(st.cversion, 6, "reported cversion counts 5 creates and 1 delete");

    // Concurrent sequential creates get distinct, gap-free names.
    let futs: Vec<_> = (0..20)
        .map(|_| {
            c.submit(Request::Create {
                path: "/q/c-".into(),
                data: None,
                acl: open(),
                mode: CreateMode::PersistentSequential,
            })
        })
        .collect();
    let mut names = Vec::new();
    for f in futs {
        match f.await.unwrap() {
            Reply::Created { path, .. } => names.push(path),
            r => panic!("{r:?}"),
        }
    }
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 20);
    assert_eq!(names, sorted, "submission order is creation order");
    c.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chroots_isolate_tenants() {
    let cs = shared_single().connect_string();
    let (a, _, ra) = zk::chrooted(&cs, "tenant-a").await;
    let (b, _, rb) = zk::chrooted(&cs, "tenant-b").await;
    a.create("/brokers", Some(b"a"), open(), P).await.unwrap();
    b.create("/brokers", Some(b"b"), open(), P).await.unwrap();
    assert_eq!(a.get_data("/brokers", false).await.unwrap().0.unwrap(), b"a");
    assert_eq!(b.get_data("/brokers", false).await.unwrap().0.unwrap(), b"b");
    assert_eq!(a.get_children("/", false).await.unwrap().0, vec!["brokers"]);
    let root = ZkClient::connect(&cs, zk::opts()).await.unwrap();
    assert_eq!(root.get_data(&format!("{ra}/brokers"), false).await.unwrap().0.unwrap(), b"a");
    assert_eq!(root.get_data(&format!("{rb}/brokers"), false).await.unwrap().0.unwrap(), b"b");
    // Paths a chrooted client gets back are relative to its chroot.
    let (p, _) = a.create("/s-", None, open(), CreateMode::PersistentSequential).await.unwrap();
    assert!(p.starts_with("/s-"), "{p}");
    // A chroot that does not exist behaves like ZooKeeper's: NONODE.
    let ghost = ZkClient::connect(&format!("{cs}/no-such-chroot-{}", std::process::id()), zk::opts()).await.unwrap();
    assert_eq!(ghost.create("/x", None, open(), P).await.unwrap_err().code, Code::NoNode);
    for c in [a, b, root, ghost] {
        c.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn children_lists_only_direct_children() {
    let c = client("kids").await;
    c.create("/p", None, open(), P).await.unwrap();
    c.create("/p2", None, open(), P).await.unwrap();
    for k in ["a", "b", "c"] {
        c.create(&format!("/p/{k}"), None, open(), P).await.unwrap();
    }
    c.create("/p/a/deep", None, open(), P).await.unwrap();
    c.create("/p2/other", None, open(), P).await.unwrap();
    let (mut kids, st) = c.get_children("/p", false).await.unwrap();
    kids.sort();
    assert_eq!(kids, vec!["a", "b", "c"]);
    assert_eq!(st.num_children, 3);
    // setData's Stat counts children too (it skips the count only for nodes that never had any).
    let st = c.set_data("/p", Some(b"x"), 0).await.unwrap();
    assert_eq!((st.num_children, st.cversion, st.version), (3, 3, 1));
    let st = c.set_data("/p/b", Some(b"x"), 0).await.unwrap();
    assert_eq!((st.num_children, st.cversion, st.version, st.data_length), (0, 0, 1, 1));
    c.delete("/p/a/deep", -1).await.unwrap();
    let st = c.set_data("/p/a", None, -1).await.unwrap();
    assert_eq!((st.num_children, st.cversion), (0, 2), "children gone, cversion kept");
    let (root_kids, _) = c.get_children("/", false).await.unwrap();
    assert_eq!(root_kids.len(), 2);
    c.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acls_are_stored_with_aversion() {
    let c = client("acl").await;
    let digest = vec![Acl { perms: 31, scheme: "digest".into(), id: "kafka:abc=".into() }];
    c.create("/secured", None, digest.clone(), P).await.unwrap();
    let (acl, st) = c.get_acl("/secured").await.unwrap();
    assert_eq!((acl, st.aversion), (digest, 0));
    let st = c.set_acl("/secured", Acl::read_unsafe(), 0).await.unwrap();
    assert_eq!(st.aversion, 1);
    assert_eq!(c.set_acl("/secured", open(), 0).await.unwrap_err().code, Code::BadVersion);
    let (acl, st) = c.get_acl("/secured").await.unwrap();
    assert_eq!((acl, st.aversion, st.version), (Acl::read_unsafe(), 1, 0));
    c.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_commits_all_or_nothing_with_per_op_results() {
    let c = client("multi").await;
    c.create("/controller_epoch", Some(b"1"), open(), P).await.unwrap();
    // Kafka's shapes: check + write; create + set of the same node; parent + child; siblings.
    let r = c
        .multi(vec![
            MultiOp::Check { path: "/controller_epoch".into(), version: 0 },
            MultiOp::Create { path: "/topics".into(), data: None, acl: open(), mode: P },
            MultiOp::Create { path: "/topics/t".into(), data: Some(b"{}".to_vec()), acl: open(), mode: P },
            MultiOp::Create { path: "/topics/u".into(), data: None, acl: open(), mode: P },
            MultiOp::Create { path: "/broker".into(), data: None, acl: open(), mode: CreateMode::Ephemeral },
            MultiOp::SetData { path: "/broker".into(), data: Some(b"b1".to_vec()), version: 0 },
            MultiOp::Create {
                path: "/topics/s-".into(),
                data: None,
                acl: open(),
                mode: CreateMode::PersistentSequential,
            },
        ])
        .await
        .unwrap();
    assert_eq!(multi_code(&r), Code::Ok);
    assert_eq!(r[0], OpResult::Check);
    let commit = match &r[1] {
        OpResult::Create { path, stat } => {
            assert_eq!(path, "/topics");
            stat.czxid
        }
        o => panic!("{o:?}"),
    };
    match &r[5] {
        OpResult::SetData { stat } => {
            assert_eq!(
                (stat.version, stat.czxid, stat.mzxid, stat.ephemeral_owner),
                (1, commit, commit, c.session_id())
            );
        }
        o => panic!("{o:?}"),
    }
    match &r[6] {
        OpResult::Create { path, .. } => assert_eq!(path, "/topics/s-0000000002"),
        o => panic!("{o:?}"),
    }
    let (data, st) = c.get_data("/broker", false).await.unwrap();
    assert_eq!((data.unwrap(), st.version), (b"b1".to_vec(), 1));
    let (_, st) = c.get_data("/topics", false).await.unwrap();
    assert_eq!((st.cversion, st.num_children), (3, 3));
    // The version offset the multi recorded keeps versioned writes exact.
    assert_eq!(c.set_data("/broker", Some(b"b2"), 0).await.unwrap_err().code, Code::BadVersion);
    assert_eq!(c.set_data("/broker", Some(b"b2"), 1).await.unwrap().version, 2);
    assert_eq!(c.delete("/broker", 1).await.unwrap_err().code, Code::BadVersion);

    // Kafka's controller shapes touch unrelated nodes: one txn each.
    let r = c
        .multi(vec![
            MultiOp::Check { path: "/controller_epoch".into(), version: 0 },
            MultiOp::SetData { path: "/topics/t".into(), data: Some(b"{\"v\":2}".to_vec()), version: 0 },
        ])
        .await
        .unwrap();
    assert_eq!(r[0], OpResult::Check);
    match &r[1] {
        OpResult::SetData { stat } => assert_eq!((stat.version, stat.data_length), (1, 7)),
        o => panic!("{o:?}"),
    }
    let r = c
        .multi(vec![
            MultiOp::Check { path: "/controller_epoch".into(), version: 0 },
            MultiOp::Create { path: "/topics/v".into(), data: Some(b"x".to_vec()), acl: open(), mode: P },
            MultiOp::SetData { path: "/broker".into(), data: Some(b"b3".to_vec()), version: 2 },
        ])
        .await
        .unwrap();
    assert_eq!(multi_code(&r), Code::Ok, "a node with a version offset is handled too: {r:?}");
    match (&r[1], &r[2]) {
        (OpResult::Create { path, stat }, OpResult::SetData { stat: s2 }) => {
            assert_eq!((path.as_str(), stat.version, stat.data_length), ("/topics/v", 0, 1));
            assert_eq!(s2.version, 3);
            assert_eq!(stat.czxid, s2.mzxid, "one commit revision for the whole multi");
        }
        o => panic!("{o:?}"),
    }
    assert_eq!(c.get_data("/broker", false).await.unwrap().1.version, 3);
    let r = c
        .multi(vec![
            MultiOp::Check { path: "/controller_epoch".into(), version: 0 },
            MultiOp::Delete { path: "/topics/v".into(), version: 0 },
        ])
        .await
        .unwrap();
    assert_eq!(r, vec![OpResult::Check, OpResult::Delete]);
    assert!(c.exists("/topics/v", false).await.unwrap().is_none());

    // A failing multi changes nothing and reports per op.
    let r = c
        .multi(vec![
            MultiOp::Create { path: "/x".into(), data: None, acl: open(), mode: P },
            MultiOp::Check { path: "/controller_epoch".into(), version: 9 },
            MultiOp::Delete { path: "/topics/t".into(), version: -1 },
        ])
        .await
        .unwrap();
    assert_eq!(
        r,
        vec![OpResult::Error(Code::Ok), OpResult::Error(Code::BadVersion), OpResult::Error(Code::RuntimeInconsistency)]
    );
    assert_eq!(multi_code(&r), Code::BadVersion);
    assert!(c.exists("/x", false).await.unwrap().is_none());
    assert!(c.exists("/topics/t", false).await.unwrap().is_some());

    for (ops, want) in [
        (vec![MultiOp::Delete { path: "/topics".into(), version: -1 }], Code::NotEmpty),
        (vec![MultiOp::SetData { path: "/nope".into(), data: None, version: -1 }], Code::NoNode),
        (vec![MultiOp::Create { path: "/topics".into(), data: None, acl: open(), mode: P }], Code::NodeExists),
        (
            vec![MultiOp::Create { path: "/broker/kid".into(), data: None, acl: open(), mode: P }],
            Code::NoChildrenForEphemerals,
        ),
    ] {
        assert_eq!(multi_code(&c.multi(ops).await.unwrap()), want);
    }
    // Delete then create of one path (Kafka's KRaft controller claim): a new node.
    c.set_data("/topics/u", Some(b"old"), -1).await.unwrap();
    c.set_acl("/topics/u", Acl::read_unsafe(), -1).await.unwrap();
    c.create("/topics/u/kid", None, open(), P).await.unwrap();
    c.delete("/topics/u/kid", -1).await.unwrap();
    let (_, old) = c.get_data("/topics/u", false).await.unwrap();
    let (_, parent_before) = c.get_data("/topics", false).await.unwrap();
    let r = c
        .multi(vec![
            MultiOp::SetData { path: "/controller_epoch".into(), data: Some(b"2".to_vec()), version: 0 },
            MultiOp::Delete { path: "/topics/u".into(), version: 1 },
            MultiOp::Create {
                path: "/topics/u".into(),
                data: Some(b"new".to_vec()),
                acl: open(),
                mode: CreateMode::Ephemeral,
            },
        ])
        .await
        .unwrap();
    assert_eq!(multi_code(&r), Code::Ok, "{r:?}");
    let created = match &r[2] {
        OpResult::Create { path, stat } => {
            assert_eq!(path, "/topics/u");
            *stat
        }
        o => panic!("{o:?}"),
    };
    let (data, st) = c.get_data("/topics/u", false).await.unwrap();
    assert_eq!(data.unwrap(), b"new");
    assert_eq!(st, created, "the create's Stat is what a read shows");
    assert!(st.czxid > old.czxid && st.czxid == st.mzxid && st.czxid == st.pzxid);
    assert_eq!((st.version, st.cversion, st.aversion, st.num_children), (0, 0, 0, 0));
    assert_eq!(st.ephemeral_owner, c.session_id());
    assert_eq!(c.get_acl("/topics/u").await.unwrap().0, open());
    let (_, parent) = c.get_data("/topics", false).await.unwrap();
    assert_eq!((parent.num_children, parent.cversion), (parent_before.num_children, parent_before.cversion + 2));
    assert_eq!(parent.pzxid, st.czxid);
    // Versioned writes see the new node's versions.
    assert_eq!(c.set_data("/topics/u", None, 1).await.unwrap_err().code, Code::BadVersion);
    assert_eq!(c.set_data("/topics/u", None, 0).await.unwrap().version, 1);
    assert_eq!(c.set_acl("/topics/u", open(), 0).await.unwrap().aversion, 1);
    c.delete("/topics/u", 1).await.unwrap();
    c.create("/topics/u", None, open(), P).await.unwrap();
    // Invalid paths are refused before anything runs.
    let e = c.multi(vec![MultiOp::Check { path: "bad".into(), version: -1 }]).await.unwrap_err();
    assert_eq!(e.code, Code::BadArguments);
    // Deletes in a multi, and an empty multi.
    let r = c.multi(vec![MultiOp::Delete { path: "/topics/u".into(), version: 0 }]).await.unwrap();
    assert_eq!(r, vec![OpResult::Delete]);
    assert!(c.multi(vec![]).await.unwrap().is_empty());
    c.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_requests_keep_their_order() {
    let c = client("order").await;
    let f1 = c.submit(Request::Create { path: "/o".into(), data: Some(b"1".to_vec()), acl: open(), mode: P });
    let f2 = c.submit(Request::SetData { path: "/o".into(), data: Some(b"2".to_vec()), version: 0 });
    let f3 = c.submit(Request::GetData { path: "/o".into(), watch: false });
    let f4 = c.submit(Request::Delete { path: "/o".into(), version: 1 });
    let f5 = c.submit(Request::Exists { path: "/o".into(), watch: false });
    assert!(matches!(f1.await.unwrap(), Reply::Created { .. }));
    assert!(matches!(f2.await.unwrap(), Reply::Stat(s) if s.version == 1));
    assert!(matches!(f3.await.unwrap(), Reply::Data { data: Some(d), .. } if d == b"2"));
    assert!(matches!(f4.await.unwrap(), Reply::Deleted));
    assert!(matches!(f5.await.unwrap(), Reply::Exists(None)));

    // Many reads at once are batched into few txns and all answered.
    c.create("/many", None, open(), P).await.unwrap();
    let creates: Vec<_> = (0..300)
        .map(|i| {
            c.submit(Request::Create { path: format!("/many/{i}"), data: Some(vec![i as u8]), acl: open(), mode: P })
        })
        .collect();
    for f in creates {
        f.await.unwrap();
    }
    let reads: Vec<_> = (0..300).map(|i| Request::GetData { path: format!("/many/{i}"), watch: false }).collect();
    let answers = c.submit_all(reads).await;
    for (i, a) in answers.into_iter().enumerate() {
        match a.unwrap() {
            Reply::Data { data, .. } => assert_eq!(data.unwrap(), vec![i as u8]),
            r => panic!("{r:?}"),
        }
    }
    let (_, st) = c.get_data("/many", false).await.unwrap();
    assert_eq!((st.num_children, st.cversion), (300, 300));
    c.close().await;
}

/// setData works its Stat out of the write's own txn (no read-back): every
/// field must equal what a read right after reports, for persistent and
/// ephemeral nodes, versioned and not, with children, after setAcl, after a
/// multi gave the node a version offset, and for a node re-created by a multi.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_data_stat_equals_the_stat_read_back() {
    let c = client("setstat").await;
    c.create("/p", Some(b"p"), open(), P).await.unwrap();
    c.create("/e", Some(b"e"), open(), CreateMode::Ephemeral).await.unwrap();
    c.create("/p/kid", None, open(), P).await.unwrap();
    c.create("/gone", None, open(), P).await.unwrap();
    c.create("/gone/kid", None, open(), P).await.unwrap();
    c.delete("/gone/kid", -1).await.unwrap();
    c.set_acl("/p", open(), -1).await.unwrap();
    // A multi that changes /twice twice: etcd sees one put, ZooKeeper two versions (a version offset).
    c.create("/twice", None, open(), P).await.unwrap();
    c.multi(vec![
        MultiOp::SetData { path: "/twice".into(), data: Some(b"1".to_vec()), version: 0 },
        MultiOp::SetData { path: "/twice".into(), data: Some(b"2".to_vec()), version: 1 },
    ])
    .await
    .unwrap();
    // A multi that deletes and re-creates /again (a re-creation mark).
    c.create("/again", None, open(), P).await.unwrap();
    c.multi(vec![
        MultiOp::Delete { path: "/again".into(), version: -1 },
        MultiOp::Create { path: "/again".into(), data: None, acl: open(), mode: P },
    ])
    .await
    .unwrap();
    for path in ["/p", "/e", "/p/kid", "/gone", "/twice", "/again"] {
        for versioned in [false, true] {
            let version = if versioned { c.exists(path, false).await.unwrap().unwrap().version } else { -1 };
            let written = c.set_data(path, Some(b"new"), version).await.unwrap();
            let read = c.exists(path, false).await.unwrap().unwrap();
            assert_eq!(written, read, "{path}, version {version}");
        }
    }
    let e = c.exists("/e", false).await.unwrap().unwrap();
    assert_ne!(e.ephemeral_owner, 0);
    assert_eq!(code(c.set_data("/twice", None, 2).await), Code::BadVersion, "a stale version is still refused");
    c.close().await;
}

/// A client's versioned setData first asserts the node key as it last saw
/// it (engine/known.rs). Whatever happened since, through another client
/// or its own multi, the answer must be ZooKeeper's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_data_from_a_seen_state_is_exact_after_other_writes() {
    let ep = common::shared_single().connect_string();
    let (a, _rx, chroot) = zk::chrooted(&ep, "seen").await;
    let b = ZkClient::connect(&format!("{ep}{chroot}"), zk::opts()).await.unwrap();

    // Another client's setData since A's create: A's version 0 is stale.
    a.create("/n", Some(b"0"), open(), P).await.unwrap();
    b.set_data("/n", Some(b"b"), 0).await.unwrap();
    assert_eq!(code(a.set_data("/n", Some(b"a"), 0).await), Code::BadVersion);
    let st = a.set_data("/n", Some(b"a"), 1).await.unwrap();
    assert_eq!(st.version, 2);
    assert_eq!(st, b.exists("/n", false).await.unwrap().unwrap());

    // Deleted and created again by B: A's version 0 is the new node's.
    let old = a.exists("/n", false).await.unwrap().unwrap();
    a.create("/r", None, open(), P).await.unwrap();
    b.delete("/r", 0).await.unwrap();
    let (_, fresh) = b.create("/r", Some(b"x"), open(), P).await.unwrap();
    let st = a.set_data("/r", Some(b"y"), 0).await.unwrap();
    assert_eq!((st.version, st.czxid), (1, fresh.czxid), "the new node's Stat");
    assert!(st.czxid > old.czxid);
    // ... and A's own delete forgets it: the next create starts at 0.
    a.delete("/r", 1).await.unwrap();
    a.create("/r", None, open(), P).await.unwrap();
    assert_eq!(code(a.set_data("/r", None, 1).await), Code::BadVersion);
    assert_eq!(a.set_data("/r", None, 0).await.unwrap().version, 1);

    // A multi that changed the node twice gives it a version offset: the
    // versions A saw before and after stay ZooKeeper's.
    a.create("/m", None, open(), P).await.unwrap();
    let set = |v: i32| MultiOp::SetData { path: "/m".into(), data: Some(b"m".to_vec()), version: v };
    a.multi(vec![set(0), set(1)]).await.unwrap();
    assert_eq!(code(a.set_data("/m", None, 0).await), Code::BadVersion);
    assert_eq!(code(a.set_data("/m", None, 1).await), Code::BadVersion);
    let st = a.set_data("/m", None, 2).await.unwrap();
    assert_eq!(st.version, 3);
    assert_eq!(st, b.exists("/m", false).await.unwrap().unwrap());
    assert_eq!(a.set_data("/m", None, 3).await.unwrap().version, 4, "from the state the last setData left");

    // Kafka's [check, setData] multis take the same path: stale state seen
    // by A gives ZooKeeper's per-op failure, fresh state commits.
    a.create("/epoch", None, open(), P).await.unwrap();
    a.create("/state", Some(b"s0"), open(), P).await.unwrap();
    let pair = |e: i32, v: i32| {
        vec![
            MultiOp::Check { path: "/epoch".into(), version: e },
            MultiOp::SetData { path: "/state".into(), data: Some(b"s".to_vec()), version: v },
        ]
    };
    b.set_data("/epoch", None, 0).await.unwrap();
    let r = a.multi(pair(0, 0)).await.unwrap();
    assert_eq!(r, vec![OpResult::Error(Code::BadVersion), OpResult::Error(Code::RuntimeInconsistency)]);
    let r = a.multi(pair(1, 0)).await.unwrap();
    let OpResult::SetData { stat } = &r[1] else { panic!("{r:?}") };
    assert_eq!(*stat, b.exists("/state", false).await.unwrap().unwrap());
    b.set_data("/state", None, 1).await.unwrap();
    let r = a.multi(pair(1, 1)).await.unwrap();
    assert_eq!(r, vec![OpResult::Error(Code::Ok), OpResult::Error(Code::BadVersion)]);
    let r = a.multi(pair(1, 2)).await.unwrap();
    assert!(matches!(&r[1], OpResult::SetData { stat } if stat.version == 3), "{r:?}");

    // Ephemeral nodes keep their owner's lease, whoever writes them.
    a.create("/ea", None, open(), CreateMode::Ephemeral).await.unwrap();
    b.create("/eb", None, open(), CreateMode::Ephemeral).await.unwrap();
    a.exists("/eb", false).await.unwrap();
    assert_eq!(a.set_data("/ea", Some(b"1"), 0).await.unwrap().ephemeral_owner, a.session_id());
    assert_eq!(a.set_data("/eb", Some(b"1"), 0).await.unwrap().ephemeral_owner, b.session_id());
    let set_eb = vec![MultiOp::SetData { path: "/eb".into(), data: None, version: 1 }];
    assert!(
        matches!(&a.multi(set_eb).await.unwrap()[0], OpResult::SetData { stat } if stat.ephemeral_owner == b.session_id())
    );
    b.close().await;
    assert!(a.exists("/eb", false).await.unwrap().is_none(), "B's node went with B's session");
    assert_eq!(a.exists("/ea", false).await.unwrap().unwrap().ephemeral_owner, a.session_id());
    a.close().await;
}

/// A create under a parent this client saw persistent asks etcd one
/// compare of the parent: its node key unchanged (engine/known.rs). When
/// another client changed, deleted or re-created the parent since, the
/// answer must still be ZooKeeper's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_under_a_seen_parent_is_exact_after_other_writes() {
    let ep = common::shared_single().connect_string();
    let (a, _rx, chroot) = zk::chrooted(&ep, "seen-parent").await;
    let b = ZkClient::connect(&format!("{ep}{chroot}"), zk::opts()).await.unwrap();

    a.create("/p", None, open(), P).await.unwrap();
    a.create("/p/c0", None, open(), P).await.unwrap();
    // B's setData moved the parent's node key: A's create still succeeds.
    b.set_data("/p", Some(b"b"), 0).await.unwrap();
    a.create("/p/c1", None, open(), P).await.unwrap();
    a.create("/p/c2", None, open(), P).await.unwrap();
    let st = a.exists("/p", false).await.unwrap().unwrap();
    assert_eq!((st.num_children, st.cversion, st.version), (3, 3, 1));
    assert_eq!(code(a.create("/p/c2", None, open(), P).await), Code::NodeExists);

    // B deleted the parent: NONODE, not a child under nothing.
    a.create("/q", None, open(), P).await.unwrap();
    b.delete("/q", 0).await.unwrap();
    assert_eq!(code(a.create("/q/c", None, open(), P).await), Code::NoNode);
    assert!(b.exists("/q/c", false).await.unwrap().is_none());

    // B re-created it as an ephemeral: ZooKeeper's NOCHILDRENFOREPHEMERALS.
    a.create("/e", None, open(), P).await.unwrap();
    b.delete("/e", 0).await.unwrap();
    b.create("/e", None, open(), CreateMode::Ephemeral).await.unwrap();
    assert_eq!(code(a.create("/e/c", None, open(), P).await), Code::NoChildrenForEphemerals);
    assert_eq!(
        code(a.create("/e/s-", None, open(), CreateMode::PersistentSequential).await),
        Code::NoChildrenForEphemerals
    );

    // Re-created persistent by B: creates go under the new node.
    a.create("/r", None, open(), P).await.unwrap();
    a.create("/r/old", None, open(), P).await.unwrap();
    b.delete("/r/old", 0).await.unwrap();
    b.delete("/r", 0).await.unwrap();
    b.create("/r", None, open(), P).await.unwrap();
    let (name, _) = a.create("/r/s-", None, open(), CreateMode::PersistentSequential).await.unwrap();
    assert_eq!(name, "/r/s-0000000000", "the new parent's count");
    a.create("/r/n", None, open(), P).await.unwrap();
    let st = b.exists("/r", false).await.unwrap().unwrap();
    assert_eq!((st.num_children, st.cversion), (2, 2));
    b.close().await;
    a.close().await;
}

/// Batched reads ask etcd for the child count only of nodes that ever had
/// a child (engine/batch.rs): every Stat in a mixed batch must still count
/// exactly, whether the node never had a child, has some, or had them all
/// deleted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batched_reads_count_children_exactly() {
    let c = client("batched-counts").await;
    c.create("/leaf", Some(b"x"), open(), P).await.unwrap();
    c.create("/parent", None, open(), P).await.unwrap();
    for i in 0..3 {
        c.create(&format!("/parent/k{i}"), None, open(), P).await.unwrap();
    }
    c.create("/emptied", None, open(), P).await.unwrap();
    c.create("/emptied/k", None, open(), P).await.unwrap();
    c.delete("/emptied/k", 0).await.unwrap();
    let expected = [("/leaf", 0, 0), ("/parent", 3, 3), ("/emptied", 0, 2), ("/gone", -1, 0)];
    let mut reqs = Vec::new();
    for i in 0..240 {
        let path = expected[i % expected.len()].0.to_string();
        reqs.push(match i % 3 {
            0 => Request::GetData { path, watch: false },
            1 => Request::Exists { path, watch: false },
            _ => Request::GetChildren { path, watch: false },
        });
    }
    for (i, r) in c.submit_all(reqs).await.into_iter().enumerate() {
        let (path, kids, cversion) = expected[i % expected.len()];
        let stat = match r {
            Ok(Reply::Data { stat, .. }) | Ok(Reply::Children { stat, .. }) | Ok(Reply::Exists(Some(stat))) => stat,
            Ok(Reply::Exists(None)) | Err(_) if kids < 0 => continue,
            other => panic!("{path}: {other:?}"),
        };
        assert_eq!((stat.num_children, stat.cversion), (kids, cversion), "{path} (request {i})");
    }
}

/// Reads that no earlier request holds up are answered by the read batcher
/// itself, with no task of their own (`ZkClient::submit`): their answers
/// and their place in line must not depend on anyone awaiting them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_run_in_order_whether_or_not_they_are_awaited() {
    use std::time::Duration;
    let (c, mut events, _) = zk::chrooted(&shared_single().connect_string(), "unawaited").await;
    c.create("/r", Some(b"one"), open(), P).await.unwrap();
    let get = |watch| c.submit(Request::GetData { path: "/r".into(), watch });
    let data = |r: Result<Reply, kafka_etcd::ZkError>| match r.unwrap() {
        Reply::Data { data, stat } => (data.unwrap(), stat.version),
        other => panic!("not a getData answer: {other:?}"),
    };

    // Reads, then a write of the same node awaited first: the write waits
    // for the reads, which must end without being polled.
    let reads: Vec<_> = (0..50).map(|_| get(false)).collect();
    let write = c.submit(Request::SetData { path: "/r".into(), data: Some(b"two".to_vec()), version: 0 });
    let written =
        tokio::time::timeout(Duration::from_secs(10), write).await.expect("the write waited on unpolled reads");
    assert!(matches!(written, Ok(Reply::Stat(ref s)) if s.version == 1), "{written:?}");
    for r in reads {
        assert_eq!(data(r.await), (b"one".to_vec(), 0), "a read submitted before the write does not see it");
    }

    // A read queued behind a write (not yet awaited) sees it.
    let write = c.submit(Request::SetData { path: "/r".into(), data: Some(b"three".to_vec()), version: 1 });
    let read = get(false);
    assert_eq!(data(read.await), (b"three".to_vec(), 2));
    write.await.unwrap();

    // A read whose future is dropped still runs: its watch is armed.
    drop(get(true));
    let t = std::time::Instant::now();
    while c.armed_watches() != (1, 0) {
        assert!(t.elapsed() < Duration::from_secs(10), "the dropped read never armed its watch");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    c.set_data("/r", Some(b"four"), -1).await.unwrap();
    let e = zk::next_watch_event(&mut events).await;
    assert_eq!((e.event_type, e.path.as_deref()), (kafka_etcd::EventType::NodeDataChanged, Some("/r")));
    c.close().await;
}

/// Creates keep their place in line and run whether or not anyone awaits
/// them: requests queued behind one, awaited first, do not wait for its
/// future to be polled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_run_in_order_whether_or_not_they_are_awaited() {
    use std::time::Duration;
    let c = client("unawaited-creates").await;
    let create =
        |p: &str, mode| c.submit(Request::Create { path: p.into(), data: Some(b"x".to_vec()), acl: open(), mode });
    // A create, then a read of it and a create of the same path awaited
    // first: the read sees the node, the second create fails (after its
    // compare failed) with NODEEXISTS; the first, awaited last, succeeded.
    let first = create("/c", P);
    let read = c.submit(Request::GetData { path: "/c".into(), watch: false });
    let again = create("/c", P);
    let wait = |f| tokio::time::timeout(Duration::from_secs(10), f);
    assert_eq!(code(wait(again).await.expect("the second create hung")), Code::NodeExists);
    assert!(
        matches!(wait(read).await.unwrap(), Ok(Reply::Data { ref data, .. }) if data.as_deref() == Some(&b"x"[..]))
    );
    let created = wait(first).await.unwrap();
    assert!(matches!(created, Ok(Reply::Created { ref path, .. }) if path == "/c"), "{created:?}");

    // Under a missing parent and under an ephemeral: the errors a lone create gives.
    assert_eq!(code(create("/none/c", P).await), Code::NoNode);
    c.create("/e", None, open(), CreateMode::Ephemeral).await.unwrap();
    assert_eq!(code(create("/e/c", P).await), Code::NoChildrenForEphemerals);

    // Dropped at once, a create still runs; a getChildren after it sees it.
    drop(create("/d", CreateMode::Ephemeral));
    let kids = c.submit(Request::GetChildren { path: "/".into(), watch: false }).await.unwrap();
    assert!(matches!(kids, Reply::Children { ref children, .. } if children.contains(&"d".to_string())), "{kids:?}");
    c.close().await;
}
