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

use super::core::Core;
use super::request::{MultiOp, OpResult, Reply};
use super::state::{read_ops, ChildRead, NodeState};
use super::write::{absent, bump, exists, new_node_stat, version_compares, NO_OFFSET};
use crate::znode::stat::{encode_attrs, encode_node, encode_offset, now_ms};
use crate::znode::{path, Acl, Code, Stat, ZkError, ZkResult};

const MAX_RACES: usize = 64;
/// etcd's default `--max-txn-ops`.
const MAX_TXN_OPS: usize = 128;

/// Refuses at once a multi that cannot fit one etcd txn, before anything
/// is read: every node it touches (each op's node, and the parent of each
/// create and delete) is read and then guarded by at least two compares
/// (its node key and its version offset), and a txn holds at most
/// [`MAX_TXN_OPS`] compares.
pub fn fits_one_txn(ops: &[MultiOp]) -> ZkResult<()> {
    let mut nodes = std::collections::HashSet::new();
    let mut sequential = 0;
    for op in ops {
        match op {
            // Each sequential create makes a node of its own.
            MultiOp::Create { mode, .. } if mode.is_sequential() => sequential += 1,
            _ => {
                nodes.insert(op.path());
            }
        }
        if matches!(op, MultiOp::Create { .. } | MultiOp::Delete { .. }) {
            nodes.insert(path::parent(op.path()));
        }
    }
    let touched = nodes.len() + sequential;
    if touched * 2 > MAX_TXN_OPS {
        return Err(ZkError::bad_arguments(format!(
            "multi of {} ops touches {touched} nodes; one etcd txn can guard at most {} (etcd's --max-txn-ops is {MAX_TXN_OPS})",
            ops.len(),
            MAX_TXN_OPS / 2
        )));
    }
    Ok(())
}

/// A node as the ops leave it. Zxids that this multi sets are `None`
/// until the commit revision is known.
#[derive(Clone, Debug)]
struct Sim {
    exists: bool,
    data: Option<Vec<u8>>,
    acl: Vec<Acl>,
    lease: i64,
    version: i64,
    cversion: i64,
    aversion: i64,
    ctime: i64,
    mtime: i64,
    czxid: Option<i64>,
    mzxid: Option<i64>,
    pzxid: Option<i64>,
    num_children: i64,
    data_puts: i64,
    child_changes: i64,
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
            cversion: 0,
            aversion: 0,
            ctime: 0,
            mtime: 0,
            czxid: None,
            mzxid: None,
            pzxid: None,
            num_children: 0,
            data_puts: 0,
            child_changes: 0,
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
            cversion: st.cversion()?,
            aversion: stat.aversion as i64,
            ctime: stat.ctime,
            mtime: stat.mtime,
            czxid: Some(stat.czxid),
            mzxid: Some(stat.mzxid),
            pzxid: Some(stat.pzxid),
            num_children: st.num_children,
            data_puts: 0,
            child_changes: 0,
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
            cversion: self.cversion as i32,
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
                    let target = if mode.is_sequential() { format!("{p}{:010}", ps.cversion as i32) } else { p.to_string() };
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
    parent.cversion += 1;
    parent.child_changes += 1;
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
            let mut read: HashMap<String, NodeState> = HashMap::new();
            let (pending, nodes) = loop {
                match play(ops, &read, lease, now)? {
                    Played::NeedRead(paths) => {
                        for p in paths {
                            let st = self.reads.read(&p, ChildRead::Count).await?;
                            read.insert(p, st);
                        }
                    }
                    Played::Failed(i, code) => return Ok(Reply::Multi(failure_results(ops.len(), i, code))),
                    Played::Done(pending, nodes) => break (pending, nodes),
                }
            };
            if nodes.values().any(|n| n.recreated) {
                return Err(ZkError::new(
                    Code::Unimplemented,
                    "a multi that deletes and re-creates the same node cannot be expressed as one etcd txn",
                ));
            }
            let txn = self.plan(&read, &nodes)?;
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
                    writes.push(bump(k.counter(path::parent(p))));
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

    /// The one txn that moves every node from what was read to its final state.
    fn plan(&self, read: &HashMap<String, NodeState>, nodes: &HashMap<String, Sim>) -> ZkResult<Txn> {
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
            cmp.push(match &st.version_offset {
                Some(kv) => Compare::mod_revision(k.version_offset(p), CompareOp::Equal, kv.mod_revision()),
                None => Compare::create_revision(k.version_offset(p), CompareOp::Equal, 0),
            });
        }
        let mut ops = Vec::new();
        for (p, n) in nodes {
            let st = &read[p];
            let leased = |lease: i64| Some(PutOptions::new().with_lease(lease));
            match (st.exists(), n.exists) {
                (false, true) => {
                    ops.push(TxnOp::put(k.node(p), encode_node(n.mtime, n.data.as_deref()), leased(n.lease)));
                    ops.push(TxnOp::put(k.attrs(p), encode_attrs(n.ctime, &n.acl), leased(n.lease)));
                    ops.push(TxnOp::put(k.counter(p), encode_offset(n.cversion), leased(n.lease)));
                    if n.version != 0 {
                        ops.push(self.offset_put(p, n.version, n.lease));
                    }
                }
                (true, false) => {
                    ops.push(TxnOp::delete(k.node(p), None));
                    ops.push(TxnOp::delete(k.attrs(p), Some(DeleteOptions::new().with_range(k.attrs_end(p)))));
                }
                (true, true) => {
                    if n.data_puts > 0 {
                        let keep_lease = Some(PutOptions::new().with_ignore_lease());
                        ops.push(TxnOp::put(k.node(p), encode_node(n.mtime, n.data.as_deref()), keep_lease));
                        let old = st.version_offset_value()?;
                        if n.data_puts > 1 {
                            ops.push(self.offset_put(p, old + n.data_puts - 1, n.lease));
                        }
                    }
                    if n.child_changes > 0 {
                        let offset = st.counter_offset()? + n.child_changes - 1;
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
