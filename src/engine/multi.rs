//! multi: all-or-nothing, with ZooKeeper's per-op results.
//!
//! etcd allows one put per key per txn, yet a multi may touch one node
//! several times (create it then set it; create several children under
//! one parent). So a multi runs in two round trips: read every node it
//! touches, play the ops on an in-memory copy (which also yields the exact
//! per-op results and the first failure), then write the final state in one
//! txn guarded by compares on everything read. If anything changed in
//! between, the txn fails and the multi is played again.
//!
//! The common case needs no play: when the ops touch unrelated nodes
//! (Kafka's `[check /controller_epoch, setData state]`), they compile to one
//! txn directly, and only a failure is played, on the state its `else`
//! branch read, to name the failing op.

use std::collections::HashMap;

use etcd_client::{Compare, CompareOp, DeleteOptions, PutOptions, Txn, TxnOp};

use super::batch::MAX_READS_PER_TXN;
use super::core::Core;
use super::transport::Retry;
use super::request::{MultiOp, OpResult, Reply};
use super::state::{read_ops, ChildRead, NodeState};
use super::write::{absent, bump, exists, mark_child_deleted, new_node_stat, sequential_name, version_compares, NO_OFFSET};
use crate::znode::events::{encode_changes, Change};
use crate::znode::stat::{encode_attrs, encode_node, encode_offset, now_ms};
use crate::znode::{path, Acl, Code, Stat, ZkError, ZkResult};

const MAX_RACES: usize = 64;
/// etcd's default `--max-txn-ops`.
const MAX_TXN_OPS: usize = 128;

/// A node as the ops leave it. Zxids that this multi sets are `None`
/// until the commit revision is known.
#[derive(Clone, Debug)]
struct Sim {
    exists: bool,
    data: Option<Vec<u8>>,
    acl: Vec<Acl>,
    lease: i64,
    version: i64,
    /// Child creates ever (the counter; see `NodeState::creates`).
    creates: i64,
    aversion: i64,
    ctime: i64,
    mtime: i64,
    czxid: Option<i64>,
    mzxid: Option<i64>,
    pzxid: Option<i64>,
    num_children: i64,
    data_puts: i64,
    child_creates: i64,
    child_deletes: i64,
    recreated: bool,
}

impl Sim {
    /// A node that does not exist (yet).
    fn absent() -> Sim {
        Sim {
            exists: false,
            data: None,
            acl: Vec::new(),
            lease: 0,
            version: 0,
            creates: 0,
            aversion: 0,
            ctime: 0,
            mtime: 0,
            czxid: None,
            mzxid: None,
            pzxid: None,
            num_children: 0,
            data_puts: 0,
            child_creates: 0,
            child_deletes: 0,
            recreated: false,
        }
    }

    fn from_state(st: &NodeState) -> ZkResult<Sim> {
        if !st.exists() {
            return Ok(Sim::absent());
        }
        let stat = st.stat()?;
        Ok(Sim {
            exists: true,
            data: st.data()?,
            acl: st.attrs_value()?.acl,
            lease: stat.ephemeral_owner,
            version: st.version()?,
            creates: st.creates()?,
            aversion: stat.aversion as i64,
            ctime: stat.ctime,
            mtime: stat.mtime,
            czxid: Some(stat.czxid),
            mzxid: Some(stat.mzxid),
            pzxid: Some(stat.pzxid),
            num_children: st.num_children,
            data_puts: 0,
            child_creates: 0,
            child_deletes: 0,
            recreated: false,
        })
    }

    /// The Stat as of now; zxids this multi sets become `commit`.
    fn stat(&self, commit: i64) -> Stat {
        Stat {
            czxid: self.czxid.unwrap_or(commit),
            mzxid: self.mzxid.unwrap_or(commit),
            ctime: self.ctime,
            mtime: self.mtime,
            version: self.version as i32,
            cversion: (2 * self.creates - self.num_children) as i32,
            aversion: self.aversion as i32,
            ephemeral_owner: self.lease,
            data_length: self.data.as_ref().map_or(0, Vec::len) as i32,
            num_children: self.num_children as i32,
            pzxid: self.pzxid.unwrap_or(commit),
        }
    }
}

/// A result whose Stat waits for the commit revision.
enum Pending {
    Create(String, Sim),
    Delete,
    SetData(Sim),
    Check,
}

enum Played {
    /// These paths must be read before the ops can be played.
    NeedRead(Vec<String>),
    /// Op `index` failed with `code`.
    Failed(usize, Code),
    Done(Vec<Pending>, HashMap<String, Sim>),
}

/// Plays the ops on copies of the read nodes.
fn play(ops: &[MultiOp], read: &HashMap<String, NodeState>, lease: i64, now: i64) -> ZkResult<Played> {
    let mut nodes: HashMap<String, Sim> = HashMap::new();
    let mut results = Vec::with_capacity(ops.len());
    for (i, op) in ops.iter().enumerate() {
        // Fetch the nodes this op looks at, or ask for them to be read.
        let p = op.path();
        let parent = path::parent(p).to_string();
        let mut want = Vec::with_capacity(2);
        if matches!(op, MultiOp::Create { .. } | MultiOp::Delete { .. }) {
            want.push(parent.clone());
        }
        if !matches!(op, MultiOp::Create { mode, .. } if mode.is_sequential()) {
            want.push(p.to_string());
        }
        let missing: Vec<String> = want.iter().filter(|w| !nodes.contains_key(*w) && !read.contains_key(*w)).cloned().collect();
        if !missing.is_empty() {
            return Ok(Played::NeedRead(missing));
        }
        for w in &want {
            if !nodes.contains_key(w) {
                nodes.insert(w.clone(), Sim::from_state(&read[w])?);
            }
        }
        let outcome = match op {
            MultiOp::Create { path: _, data, acl, mode } => {
                let ps = &nodes[&parent];
                if !ps.exists {
                    Err(Code::NoNode)
                } else if ps.lease != 0 {
                    Err(Code::NoChildrenForEphemerals)
                } else {
                    let target = if mode.is_sequential() { sequential_name(p, ps.creates) } else { p.to_string() };
                    if !nodes.contains_key(&target) {
                        match read.get(&target) {
                            Some(st) => {
                                nodes.insert(target.clone(), Sim::from_state(st)?);
                            }
                            None => return Ok(Played::NeedRead(vec![target])),
                        }
                    }
                    if target == "/" || nodes[&target].exists {
                        Err(Code::NodeExists)
                    } else {
                        let was_there = read.get(&target).is_some_and(NodeState::exists);
                        let node = nodes.get_mut(&target).unwrap();
                        *node = Sim {
                            exists: true,
                            data: data.clone(),
                            acl: acl.clone(),
                            lease: if mode.is_ephemeral() { lease } else { 0 },
                            ctime: now,
                            mtime: now,
                            recreated: was_there,
                            ..Sim::absent()
                        };
                        let created = node.clone();
                        touch_parent(nodes.get_mut(&parent).unwrap(), 1);
                        Ok(Pending::Create(target, created))
                    }
                }
            }
            MultiOp::Delete { path: _, version } => {
                let n = &nodes[p];
                if p == "/" {
                    Err(Code::BadArguments)
                } else if !n.exists {
                    Err(Code::NoNode)
                } else if *version != -1 && n.version != *version as i64 {
                    Err(Code::BadVersion)
                } else if n.num_children > 0 {
                    Err(Code::NotEmpty)
                } else {
                    nodes.get_mut(p).unwrap().exists = false;
                    touch_parent(nodes.get_mut(&parent).unwrap(), -1);
                    Ok(Pending::Delete)
                }
            }
            MultiOp::SetData { path: _, data, version } => {
                let n = nodes.get_mut(p).unwrap();
                if !n.exists {
                    Err(Code::NoNode)
                } else if *version != -1 && n.version != *version as i64 {
                    Err(Code::BadVersion)
                } else {
                    n.data = data.clone();
                    n.version += 1;
                    n.data_puts += 1;
                    n.mtime = now;
                    n.mzxid = None;
                    Ok(Pending::SetData(n.clone()))
                }
            }
            MultiOp::Check { path: _, version } => {
                let n = &nodes[p];
                if !n.exists {
                    Err(Code::NoNode)
                } else if *version != -1 && n.version != *version as i64 {
                    Err(Code::BadVersion)
                } else {
                    Ok(Pending::Check)
                }
            }
        };
        match outcome {
            Ok(r) => results.push(r),
            Err(code) => return Ok(Played::Failed(i, code)),
        }
    }
    Ok(Played::Done(results, nodes))
}

fn touch_parent(parent: &mut Sim, delta: i64) {
    if delta > 0 {
        parent.creates += 1;
        parent.child_creates += 1;
    } else {
        parent.child_deletes += 1;
    }
    parent.num_children += delta;
    parent.pzxid = None;
}

impl Core {
    pub(crate) async fn multi(&self, ops: &[MultiOp]) -> ZkResult<Reply> {
        let lease = if ops.iter().any(|o| matches!(o, MultiOp::Create { mode, .. } if mode.is_ephemeral())) {
            self.session.live_lease()?
        } else {
            0
        };
        if ops.is_empty() {
            return Ok(Reply::Multi(Vec::new()));
        }
        if let Some(reply) = self.multi_direct(ops, lease).await? {
            return Ok(reply);
        }
        for _ in 0..MAX_RACES {
            let now = now_ms();
            // Every path the ops name, read together; only sequential
            // targets (named by what the parent shows) need a later read.
            let mut read = self.read_all(named_paths(ops)).await?;
            let (pending, nodes) = loop {
                match play(ops, &read, lease, now)? {
                    Played::NeedRead(paths) => read.extend(self.read_all(paths).await?),
                    Played::Failed(i, code) => return Ok(Reply::Multi(failure_results(ops.len(), i, code))),
                    Played::Done(pending, nodes) => break (pending, nodes),
                }
            };
            let changes = changes(ops, &pending);
            let txn = self.plan(&read, &nodes, &changes)?;
            let resp = self.etcd_write(txn).await?;
            if !resp.succeeded() {
                continue; // something we read changed: play again
            }
            let commit = resp.header().map_or(0, |h| h.revision());
            let mut results = Vec::with_capacity(pending.len());
            for (op, r) in ops.iter().zip(pending) {
                results.push(match r {
                    Pending::Create(p, sim) => {
                        self.hub.local_create(&p, commit);
                        OpResult::Create { path: p, stat: sim.stat(commit) }
                    }
                    Pending::Delete => {
                        self.hub.local_delete(op.path(), commit);
                        OpResult::Delete
                    }
                    Pending::SetData(sim) => {
                        self.hub.local_change(op.path(), commit);
                        OpResult::SetData { stat: sim.stat(commit) }
                    }
                    Pending::Check => OpResult::Check,
                });
            }
            return Ok(Reply::Multi(results));
        }
        Err(ZkError::connection_loss("multi: lost too many races with concurrent writers"))
    }

    /// Reads the given znodes in as few txns as possible (one for up to
    /// 42 paths), each txn a consistent snapshot.
    async fn read_all(&self, paths: Vec<String>) -> ZkResult<HashMap<String, NodeState>> {
        let mut out = HashMap::with_capacity(paths.len());
        for chunk in paths.chunks(MAX_READS_PER_TXN) {
            let ops: Vec<TxnOp> = chunk.iter().flat_map(|p| read_ops(&self.keys, p, ChildRead::Count, 0)).collect();
            let resp = {
                let _permit = self.permits.acquire().await.map_err(|_| ZkError::new(Code::SessionExpired, "client closed"))?;
                self.transport.txn(Txn::new().and_then(ops), Retry::Anywhere).await?
            };
            let names: Vec<&str> = chunk.iter().map(String::as_str).collect();
            out.extend(chunk.iter().cloned().zip(self.states(resp, &names)?));
        }
        Ok(out)
    }

    /// One round trip for a multi whose ops touch unrelated nodes. `None`
    /// when the multi does not qualify or its failure needs the full path.
    async fn multi_direct(&self, ops: &[MultiOp], lease: i64) -> ZkResult<Option<Reply>> {
        let k = &self.keys;
        let mut touched: Vec<&str> = Vec::new();
        let mut parents: Vec<&str> = Vec::new();
        for op in ops {
            match op {
                MultiOp::Create { mode, .. } if mode.is_sequential() => return Ok(None),
                MultiOp::Create { path: p, .. } | MultiOp::Delete { path: p, .. } if p != "/" => parents.push(path::parent(p)),
                _ => {}
            }
            touched.push(op.path());
        }
        let mut all: Vec<&str> = touched.iter().chain(parents.iter()).copied().collect();
        all.sort_unstable();
        all.dedup();
        if all.len() != touched.len() + parents.len() || all.len() * 3 > MAX_TXN_OPS {
            return Ok(None); // some node is touched twice: play it
        }
        let now = now_ms();
        let (mut cmp, mut writes, mut reads) = (Vec::new(), Vec::new(), Vec::new());
        for op in ops {
            match op {
                MultiOp::Check { path: p, version } | MultiOp::SetData { path: p, version, .. } => {
                    cmp.push(exists(k.node(p)));
                    version_compares(self, p, *version, NO_OFFSET, &mut cmp);
                    if let MultiOp::SetData { data, .. } = op {
                        let keep = Some(PutOptions::new().with_ignore_lease());
                        writes.push(TxnOp::put(k.node(p), encode_node(now, data.as_deref()), keep));
                        reads.push(p.as_str());
                    }
                }
                MultiOp::Create { path: p, data, acl, mode } => {
                    let parent = path::parent(p);
                    cmp.push(exists(k.node(parent)));
                    cmp.push(Compare::lease(k.node(parent), CompareOp::Equal, 0));
                    cmp.push(absent(k.node(p)));
                    let l = if mode.is_ephemeral() { lease } else { 0 };
                    writes.extend(self.create_ops(p, data.as_deref(), acl, l, now));
                    writes.push(bump(k.counter(parent)));
                }
                MultiOp::Delete { path: p, version } => {
                    cmp.push(exists(k.node(p)));
                    version_compares(self, p, *version, NO_OFFSET, &mut cmp);
                    cmp.push(absent(k.children_prefix(p)).with_prefix());
                    writes.push(TxnOp::delete(k.node(p), None));
                    writes.push(TxnOp::delete(k.attrs(p), Some(DeleteOptions::new().with_range(k.attrs_end(p)))));
                    writes.push(mark_child_deleted(k, path::parent(p)));
                }
            }
        }
        let mut ok = writes;
        ok.extend(reads.iter().flat_map(|p| read_ops(k, p, ChildRead::Count, 0)));
        let fail: Vec<TxnOp> = all.iter().flat_map(|p| read_ops(k, p, ChildRead::Count, 0)).collect();
        if cmp.len() > MAX_TXN_OPS || ok.len() > MAX_TXN_OPS || fail.len() > MAX_TXN_OPS {
            return Ok(None);
        }
        let resp = self.etcd_write(Txn::new().when(cmp).and_then(ok).or_else(fail)).await?;
        if !resp.succeeded() {
            let states = self.states(resp, &all)?;
            let read: HashMap<String, NodeState> = all.iter().map(|p| p.to_string()).zip(states).collect();
            return Ok(match play(ops, &read, lease, now)? {
                Played::Failed(i, code) => Some(Reply::Multi(failure_results(ops.len(), i, code))),
                _ => None, // a version offset we did not assume: take the full path
            });
        }
        let commit = resp.header().map_or(0, |h| h.revision());
        let mut stats = self.states(resp, &reads)?.into_iter();
        let mut results = Vec::with_capacity(ops.len());
        for op in ops {
            results.push(match op {
                MultiOp::Check { .. } => OpResult::Check,
                MultiOp::SetData { path: p, .. } => {
                    self.hub.local_change(p, commit);
                    OpResult::SetData { stat: stats.next().expect("one read per setData").stat()? }
                }
                MultiOp::Create { path: p, data, mode, .. } => {
                    self.hub.local_create(p, commit);
                    let owner = if mode.is_ephemeral() { lease } else { 0 };
                    OpResult::Create { path: p.clone(), stat: new_node_stat(commit, now, owner, data.as_deref()) }
                }
                MultiOp::Delete { path: p, .. } => {
                    self.hub.local_delete(p, commit);
                    OpResult::Delete
                }
            });
        }
        Ok(Some(Reply::Multi(results)))
    }

    /// Puts that turn the live keys of `p` into a new node (deleted and
    /// created again by this multi): etcd cannot delete and put one key in
    /// one txn, so the keys are overwritten and every count etcd keeps on
    /// them is offset back to a new node's, and the re-creation mark makes
    /// this commit the czxid.
    fn recreate_ops(&self, p: &str, st: &NodeState, n: &Sim) -> Vec<TxnOp> {
        let k = &self.keys;
        let leased = || Some(PutOptions::new().with_lease(n.lease));
        let etcd_version = |kv: Option<&etcd_client::KeyValue>| kv.map_or(0, etcd_client::KeyValue::version);
        let mut ops = vec![
            TxnOp::put(k.node(p), encode_node(n.mtime, n.data.as_deref()), leased()),
            TxnOp::put(k.attrs(p), encode_attrs(n.ctime, &n.acl), leased()),
            // After the put: etcd version = old + 1; creates = version - 1 + offset.
            TxnOp::put(k.counter(p), encode_offset(n.creates - etcd_version(st.counter.as_ref())), leased()),
            TxnOp::put(k.recreated(p), encode_offset(-etcd_version(st.attrs.as_ref())), leased()),
        ];
        if st.pzxid_mark.is_some() {
            ops.push(TxnOp::delete(k.pzxid_mark(p), None)); // the counter put makes this commit the pzxid
        }
        let version_offset = n.version - etcd_version(st.node.as_ref());
        if version_offset != 0 {
            ops.push(self.offset_put(p, version_offset, n.lease));
        } else if st.version_offset.is_some() {
            ops.push(TxnOp::delete(k.version_offset(p), None));
        }
        ops
    }

    /// The one txn that moves every node from what was read to its final
    /// state. Node keys are written in the order the ops first changed them
    /// (the stream sees a txn's events in op order: deleting `/a/b` then
    /// `/a` must fire a child watch on `/a` as NodeChildrenChanged); a multi
    /// that changes one path more than once also records its changes.
    fn plan(&self, read: &HashMap<String, NodeState>, nodes: &HashMap<String, Sim>, changes: &[(String, Change)]) -> ZkResult<Txn> {
        let k = &self.keys;
        let mut cmp = Vec::new();
        for (p, st) in read {
            cmp.push(match &st.node {
                Some(kv) => Compare::mod_revision(k.node(p), CompareOp::Equal, kv.mod_revision()),
                None => Compare::create_revision(k.node(p), CompareOp::Equal, 0),
            });
            if let Some(kv) = &st.counter {
                cmp.push(Compare::mod_revision(k.counter(p), CompareOp::Equal, kv.mod_revision()));
            }
            let recreated = nodes.get(p).is_some_and(|n| n.recreated);
            let reported = changes.iter().any(|(q, c)| q == p && *c == Change::DataChanged);
            if let Some(kv) = st.attrs.as_ref().filter(|_| recreated || reported) {
                // A concurrent setAcl would make the re-creation's aversion offset, or a reported aversion, stale.
                cmp.push(Compare::mod_revision(k.attrs(p), CompareOp::Equal, kv.mod_revision()));
            }
            if reported {
                // A concurrent child delete moves a reported Stat's numChildren, cversion and pzxid.
                cmp.push(match &st.pzxid_mark {
                    Some(kv) => Compare::mod_revision(k.pzxid_mark(p), CompareOp::Equal, kv.mod_revision()),
                    None => Compare::create_revision(k.pzxid_mark(p), CompareOp::Equal, 0),
                });
            }
            cmp.push(match &st.version_offset {
                Some(kv) => Compare::mod_revision(k.version_offset(p), CompareOp::Equal, kv.mod_revision()),
                None => Compare::create_revision(k.version_offset(p), CompareOp::Equal, 0),
            });
        }
        let mut ops = Vec::new();
        let mut order: Vec<&str> = Vec::with_capacity(nodes.len());
        for p in changes.iter().map(|(p, _)| p.as_str()).chain(nodes.keys().map(String::as_str)) {
            if !order.contains(&p) {
                order.push(p);
            }
        }
        if changes_a_path_twice(changes) {
            ops.push(TxnOp::put(k.multi_events(), encode_changes(changes), None));
        }
        for p in order {
            let (n, st) = (&nodes[p], &read[p]);
            let leased = |lease: i64| Some(PutOptions::new().with_lease(lease));
            match (st.exists(), n.exists) {
                (false, true) => {
                    ops.push(TxnOp::put(k.node(p), encode_node(n.mtime, n.data.as_deref()), leased(n.lease)));
                    ops.push(TxnOp::put(k.attrs(p), encode_attrs(n.ctime, &n.acl), leased(n.lease)));
                    ops.push(TxnOp::put(k.counter(p), encode_offset(n.creates), leased(n.lease)));
                    if n.version != 0 {
                        ops.push(self.offset_put(p, n.version, n.lease));
                    }
                }
                (true, false) => {
                    ops.push(TxnOp::delete(k.node(p), None));
                    ops.push(TxnOp::delete(k.attrs(p), Some(DeleteOptions::new().with_range(k.attrs_end(p)))));
                }
                (true, true) if n.recreated => ops.extend(self.recreate_ops(p, st, n)),
                (true, true) => {
                    if n.data_puts > 0 {
                        let keep_lease = Some(PutOptions::new().with_ignore_lease());
                        ops.push(TxnOp::put(k.node(p), encode_node(n.mtime, n.data.as_deref()), keep_lease));
                        let old = st.version_offset_value()?;
                        if n.data_puts > 1 {
                            ops.push(self.offset_put(p, old + n.data_puts - 1, n.lease));
                        }
                    }
                    if n.child_deletes > 0 {
                        ops.push(mark_child_deleted(k, p));
                    }
                    if n.child_creates > 0 {
                        let offset = st.counter_offset()? + n.child_creates - 1;
                        ops.push(TxnOp::put(k.counter(p), encode_offset(offset), Some(PutOptions::new().with_ignore_lease())));
                    }
                }
                (false, false) => {}
            }
        }
        if cmp.len() > MAX_TXN_OPS || ops.len() > MAX_TXN_OPS {
            return Err(ZkError::bad_arguments(format!(
                "multi needs {} compares and {} writes in one etcd txn; etcd allows {MAX_TXN_OPS} of each",
                cmp.len(),
                ops.len()
            )));
        }
        Ok(Txn::new().when(cmp).and_then(ops))
    }
}

/// The nodes `play` looks at, except sequential targets: each op's path
/// and, for creates and deletes, the parent.
fn named_paths(ops: &[MultiOp]) -> Vec<String> {
    let mut paths: Vec<String> = Vec::new();
    for op in ops {
        let p = op.path();
        let mut add = |q: &str| {
            if !paths.iter().any(|x| x == q) {
                paths.push(q.to_string());
            }
        };
        if matches!(op, MultiOp::Create { .. } | MultiOp::Delete { .. }) {
            add(path::parent(p));
        }
        if !matches!(op, MultiOp::Create { mode, .. } if mode.is_sequential()) {
            add(p);
        }
    }
    paths
}

/// The ops' changes in order, as ZooKeeper's watches see them.
fn changes(ops: &[MultiOp], pending: &[Pending]) -> Vec<(String, Change)> {
    ops.iter()
        .zip(pending)
        .filter_map(|(op, r)| match r {
            Pending::Create(p, _) => Some((p.clone(), Change::Created)),
            Pending::Delete => Some((op.path().to_string(), Change::Deleted)),
            Pending::SetData(_) => Some((op.path().to_string(), Change::DataChanged)),
            Pending::Check => None,
        })
        .collect()
}

/// When the node keys show only a net change of some path, which the
/// watch stream would misread (a re-created node looks like a data change;
/// a node created and deleted leaves no key event at all).
fn changes_a_path_twice(changes: &[(String, Change)]) -> bool {
    changes.iter().enumerate().any(|(i, (p, _))| changes[..i].iter().any(|(q, _)| q == p))
}

/// ZooKeeper's failed-multi shape: OK before the failing op, its error,
/// RUNTIMEINCONSISTENCY after.
fn failure_results(n: usize, failed: usize, code: Code) -> Vec<OpResult> {
    (0..n)
        .map(|i| {
            OpResult::Error(match i.cmp(&failed) {
                std::cmp::Ordering::Less => Code::Ok,
                std::cmp::Ordering::Equal => code,
                std::cmp::Ordering::Greater => Code::RuntimeInconsistency,
            })
        })
        .collect()
}
