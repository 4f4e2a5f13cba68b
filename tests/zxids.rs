//! Zxids of batched writes against a real etcd: writes the engine sends as
//! one etcd txn share its revision, yet each gets a zxid of its own,
//! revision * ZXIDS_PER_REVISION + its place in the txn (see
//! src/znode/keys.rs), ordered as etcd applied them. The order of
//! application is read back from etcd itself: a raw watch delivers a txn's
//! events in the order its ops ran. The clients allow one write txn in
//! flight, so the writes queued behind it form batches.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{shared_single, unique_chroot, zk};
use etcd_client::{Client, EventType, GetOptions, WatchOptions};
use kafka_etcd::{Acl, ClientOptions, CreateMode, Reply, Request, Stat, ZkClient, ZkResult, ZXIDS_PER_REVISION};

const P: CreateMode = CreateMode::Persistent;
const N: usize = 150;

/// A client in a fresh chroot that batches every write queued behind the one in flight.
async fn batching_client(name: &str) -> (ZkClient, String) {
    let endpoints = shared_single().connect_string();
    let chroot = unique_chroot(name);
    let root = ZkClient::connect(&endpoints, zk::opts()).await.unwrap();
    root.create(&chroot, None, Acl::open_unsafe(), P).await.unwrap();
    root.close().await;
    let o = ClientOptions { max_write_txns: 1, ..zk::opts() };
    (ZkClient::connect(&format!("{endpoints}{chroot}"), o).await.unwrap(), chroot)
}

async fn raw_client() -> Client {
    Client::connect([format!("http://{}", shared_single().endpoints()[0])], None).await.unwrap()
}

async fn current_revision(raw: &mut Client) -> i64 {
    raw.get("x", None).await.unwrap().header().unwrap().revision()
}

/// The node key of the znode at `path` (full server path): the layout of
/// src/znode/keys.rs, namespace `zk`.
fn node_key(path: &str) -> String {
    format!("zk/n{:03}{path}", path.matches('/').count())
}

/// The attribute key of `path`.
fn attrs_key(path: &str) -> String {
    format!("zk/a{path}")
}

fn zxid(revision: i64, sub: usize) -> i64 {
    revision * ZXIDS_PER_REVISION + sub as i64
}

/// One change etcd applied to a node key under `under`, in the order etcd
/// applied it: the key's path, its revision, and how many changes under
/// `under` came before it in that revision.
#[derive(Debug)]
struct Applied {
    path: String,
    revision: i64,
    place: usize,
}

/// The changes (of type `kind`) to node keys below `under` after revision
/// `after`, in order, until `count` are seen (bounded wait).
async fn applied(raw: &mut Client, after: i64, under: &str, kind: EventType, count: usize) -> Vec<Applied> {
    let opts = WatchOptions::new().with_prefix().with_start_revision(after + 1);
    let mut stream = raw.watch("zk/n", Some(opts)).await.unwrap();
    let mut out: Vec<Applied> = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while out.len() < count {
        let resp = tokio::time::timeout_at(deadline, stream.message())
            .await
            .unwrap_or_else(|_| panic!("saw {} of {count} changes under {under}: {out:?}", out.len()))
            .unwrap()
            .expect("watch stream open");
        for ev in resp.events().iter().filter(|ev| ev.event_type() == kind) {
            let kv = ev.kv().unwrap();
            let key = std::str::from_utf8(kv.key()).unwrap();
            let Some(path) = key.get(7..).filter(|p| p.starts_with(under)) else { continue };
            let revision = kv.mod_revision();
            let place = out.iter().filter(|a| a.revision == revision).count();
            out.push(Applied { path: path.to_string(), revision, place });
        }
    }
    out
}

fn stat_of(r: &ZkResult<Reply>) -> (Option<String>, Stat) {
    match r {
        Ok(Reply::Created { path, stat }) => (Some(path.clone()), *stat),
        Ok(Reply::Stat(stat)) => (None, *stat),
        other => panic!("expected a create or setData, got {other:?}"),
    }
}

/// At least one etcd revision holds several of `applied`: a batch formed.
fn assert_batched(applied: &[Applied]) {
    let revisions: HashSet<i64> = applied.iter().map(|a| a.revision).collect();
    assert!(
        revisions.len() < applied.len() / 2,
        "{} writes took {} etcd revisions: not batched",
        applied.len(),
        revisions.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batched_writes_get_distinct_zxids_in_the_order_etcd_applied_them() {
    let (c, chroot) = batching_client("zxids").await;
    let mut raw = raw_client().await;
    c.create("/p", None, Acl::open_unsafe(), P).await.unwrap();

    // Creates under one parent.
    let before = current_revision(&mut raw).await;
    let reqs = (0..N)
        .map(|i| Request::Create {
            path: format!("/p/c{i:03}"),
            data: Some(vec![1; i]),
            acl: Acl::open_unsafe(),
            mode: P,
        })
        .collect();
    let created: Vec<(String, Stat)> =
        c.submit_all(reqs).await.iter().map(stat_of).map(|(p, st)| (p.unwrap(), st)).collect();
    let under = format!("{chroot}/p/");
    let order = applied(&mut raw, before, &under, EventType::Put, N).await;
    assert_batched(&order);
    let mut last = 0;
    for a in &order {
        let (_, st) = created.iter().find(|(p, _)| format!("{chroot}{p}") == a.path).unwrap();
        assert_eq!(st.czxid, zxid(a.revision, a.place), "{a:?}");
        assert!(st.czxid > last, "czxids follow the order of application: {a:?}");
        assert_eq!((st.mzxid, st.pzxid), (st.czxid, st.czxid), "a new node: one zxid");
        last = st.czxid;
    }
    // Reads report what the writes answered.
    for (p, st) in &created {
        assert_eq!(&c.exists(p, false).await.unwrap().unwrap(), st, "{p}");
    }
    let (_, parent) = c.get_data("/p", false).await.unwrap();
    assert_eq!(parent.pzxid, last, "the parent's pzxid is its last child create's czxid");
    assert_eq!((parent.num_children, parent.cversion), (N as i32, N as i32));

    // setData on those nodes, batched too.
    let before = current_revision(&mut raw).await;
    let reqs =
        (0..N).map(|i| Request::SetData { path: format!("/p/c{i:03}"), data: Some(vec![2; 3]), version: 0 }).collect();
    let set: Vec<Stat> = c.submit_all(reqs).await.iter().map(|r| stat_of(r).1).collect();
    let order = applied(&mut raw, before, &under, EventType::Put, N).await;
    assert_batched(&order);
    let mut last = 0;
    for a in &order {
        let i: usize = a.path[under.len() + 1..].parse().unwrap();
        let st = &set[i];
        assert_eq!(st.mzxid, zxid(a.revision, a.place), "{a:?}");
        assert!(st.mzxid > last, "mzxids follow the order of application: {a:?}");
        assert_eq!((st.czxid, st.pzxid, st.version), (created[i].1.czxid, created[i].1.czxid, 1));
        last = st.mzxid;
    }
    for (i, st) in set.iter().enumerate() {
        let p = format!("/p/c{i:03}");
        assert_eq!(&c.get_data(&p, false).await.unwrap().1, st, "{p}");
    }

    // Deletes: the parent's pzxid is the last one's zxid.
    let before = current_revision(&mut raw).await;
    let reqs = (0..N).map(|i| Request::Delete { path: format!("/p/c{i:03}"), version: 1 }).collect();
    for r in c.submit_all(reqs).await {
        r.unwrap();
    }
    let order = applied(&mut raw, before, &under, EventType::Delete, N).await;
    assert_batched(&order);
    let last = order.last().unwrap();
    let (_, parent) = c.get_data("/p", false).await.unwrap();
    assert_eq!(parent.pzxid, zxid(last.revision, last.place), "the parent's pzxid is its last child delete's zxid");
    assert_eq!((parent.num_children, parent.cversion), (0, 2 * N as i32));
    c.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_stored_before_zxid_subs_read_with_sub_zero() {
    let (c, chroot) = batching_client("zxids-old").await;
    let mut raw = raw_client().await;
    c.create("/p", None, Acl::open_unsafe(), P).await.unwrap();
    let reqs = (0..20)
        .map(|i| Request::Create {
            path: format!("/p/c{i}"),
            data: Some(b"d".to_vec()),
            acl: Acl::open_unsafe(),
            mode: P,
        })
        .collect();
    let results = c.submit_all(reqs).await;
    let (path, st) = results
        .iter()
        .map(stat_of)
        .find(|(_, st)| st.czxid % ZXIDS_PER_REVISION != 0)
        .expect("a create batched behind another");
    let (path, full) = (path.unwrap(), |p: &str| format!("{chroot}{p}"));
    let create_rev = st.czxid / ZXIDS_PER_REVISION;

    // The node value as written before subs: first byte 1 (data), mtime, data.
    let mut old = vec![1];
    old.extend_from_slice(&77i64.to_be_bytes());
    old.extend_from_slice(b"old");
    let put = raw.put(node_key(&full(&path)), old, None).await.unwrap();
    let rev = put.header().unwrap().revision();
    let (data, now) = c.get_data(&path, false).await.unwrap();
    assert_eq!(data.as_deref(), Some(&b"old"[..]));
    assert_eq!((now.mzxid, now.mtime, now.czxid, now.version), (zxid(rev, 0), 77, st.czxid, 1));

    // The attribute key as written before subs: a plain ctime.
    let attrs = raw.get(attrs_key(&full(&path)), None).await.unwrap().kvs()[0].value().to_vec();
    assert_eq!(attrs[0] as i64, st.czxid % ZXIDS_PER_REVISION, "the czxid's sub is the ctime's top byte");
    let mut plain = attrs.clone();
    plain[0] = 0;
    raw.put(attrs_key(&full(&path)), plain, None).await.unwrap();
    let now = c.exists(&path, false).await.unwrap().unwrap();
    assert_eq!((now.czxid, now.ctime, now.aversion), (zxid(create_rev, 0), st.ctime, 1));

    // A pzxid mark as written before subs: empty.
    let marks = raw.get(format!("{}\0p", attrs_key(&full("/p"))), Some(GetOptions::new().with_prefix())).await.unwrap();
    assert!(marks.kvs().is_empty(), "no child was deleted yet");
    let put = raw.put(format!("{}\0p", attrs_key(&full("/p"))), Vec::new(), None).await.unwrap();
    let rev = put.header().unwrap().revision();
    assert_eq!(c.exists("/p", false).await.unwrap().unwrap().pzxid, zxid(rev, 0));
    c.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_behind_other_writes_in_its_batch_sets_its_parents_pzxid() {
    // The child counter \0c cannot carry a sub: a create that is not first
    // in its batch must bump a counter shard instead, or its parent's pzxid
    // would fall below the child's czxid.
    let (c, _) = batching_client("zxids-pzxid").await;
    let mut reqs = Vec::new();
    for i in 0..30 {
        c.create(&format!("/a{i}"), None, Acl::open_unsafe(), P).await.unwrap();
        reqs.push(Request::SetData { path: format!("/a{i}"), data: None, version: -1 });
        reqs.push(Request::Create { path: format!("/a{i}/x"), data: None, acl: Acl::open_unsafe(), mode: P });
    }
    let results = c.submit_all(reqs).await;
    let mut behind = 0;
    for (i, r) in results.iter().skip(1).step_by(2).enumerate() {
        let (_, child) = stat_of(r);
        behind += usize::from(child.czxid % ZXIDS_PER_REVISION != 0);
        let parent = c.exists(&format!("/a{i}"), false).await.unwrap().unwrap();
        assert_eq!(parent.pzxid, child.czxid, "/a{i}");
        assert!(parent.mzxid < child.czxid, "/a{i}: its setData ran first");
    }
    assert!(behind > 0, "no create was placed behind another write in a batch");
    c.close().await;
}
