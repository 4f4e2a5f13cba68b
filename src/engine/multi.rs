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
//! The ops are played in `multi_play.rs`. A node deleted and created again
//! keeps its etcd keys (one txn cannot delete and put a key): they are
//! overwritten with offsets back to a new node's counts and a re-creation
//! mark that makes the commit its czxid (`recreate_ops`). A multi that
//! changes one path more than once also records its ordered changes for
//! other clients' watch streams (see `znode::keys`).
//!
//! The common case needs no play: when the ops touch unrelated nodes
//! (Kafka's `[check /controller_epoch, setData state]`), they compile to one
//! txn directly, and only a failure is played, on the state read after
//! it, to name the failing op.

use std::collections::HashMap;

use etcd_client::{Compare, CompareOp, DeleteOptions, PutOptions, Txn, TxnOp};

use super::batch::MAX_READS_PER_TXN;
use super::core::Core;
use super::limits::ETCD_MAX_TXN_OPS as MAX_TXN_OPS;
use super::multi_play::{changes, changes_a_path_twice, failure_results, named_paths, play, Pending, Played, Sim};
use super::request::{MultiOp, OpResult, Reply};
use super::state::{read_ops, ChildRead, NodeState};
use super::transport::Retry;
use super::write::{
    absent, counter_unchanged, create_footprint, create_writes, data_put, delete_footprint, delete_writes,
    existing_with_version, exists, mark_child_deleted, marks_unchanged, new_node_stat, node_deletes, node_puts,
    set_data_ops, version_guard, NodeContent, Put, MAX_RACES, NO_OFFSET, WRITE_OVERHEAD,
};
use super::write_batch::{Footprint, Written, MAX_NESTED_WIDTH};
use crate::znode::events::{encode_changes, Change};
use crate::znode::keys::{zxid, Keys};
use crate::znode::stat::{encode_offset, now_ms, Sub};
use crate::znode::{path, Acl, Code, ZkError, ZkResult};

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

/// One op's share of a direct multi's success branch, built when the
/// multi's place in its batch is known: its sub (what its puts carry) and
/// the parent's counter or mark shard its create or delete puts.
enum Write {
    /// setData's put and its read of the attribute keys (`set_data_ops`).
    SetData(String, Option<Vec<u8>>, Put),
    /// A create's node and attribute puts and a parent counter shard.
    Create { path: String, data: Option<Vec<u8>>, acl: Vec<Acl>, lease: i64 },
    /// A delete's node and attribute deletes and a parent mark shard.
    Delete(String),
}

impl Write {
    /// Its ops in the success branch.
    fn len(&self) -> usize {
        match self {
            Write::SetData(..) => 2,
            Write::Create { .. } | Write::Delete(_) => 3,
        }
    }

    /// Whether it puts a parent's counter or mark shard (a create or a
    /// delete): those take the batch's shards in op order.
    fn bumps(&self) -> bool {
        !matches!(self, Write::SetData(..))
    }

    fn ops(&self, k: &Keys, now: i64, shard: usize, sub: Sub, ok: &mut Vec<TxnOp>) {
        match self {
            Write::SetData(p, data, put) => ok.extend(set_data_ops(k, p, data.as_deref(), now, sub, *put)),
            Write::Create { path: p, data, acl, lease } => {
                ok.extend(create_writes(k, p, data.as_deref(), acl, *lease, now, shard, sub))
            }
            Write::Delete(p) => ok.extend(delete_writes(k, p, shard, sub)),
        }
    }
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
            // A multi is one etcd txn of its own: one zxid, sub 0.
            let zxid = zxid(commit, 0);
            let mut results = Vec::with_capacity(pending.len());
            for (op, r) in ops.iter().zip(pending) {
                results.push(match r {
                    Pending::Create(p, sim) => {
                        self.hub.local_create(&p, commit);
                        OpResult::Create { path: p, stat: sim.stat(zxid) }
                    }
                    Pending::Delete => {
                        self.hub.local_delete(op.path(), commit);
                        OpResult::Delete
                    }
                    Pending::SetData(sim) => {
                        self.hub.local_change(op.path(), commit);
                        OpResult::SetData { stat: sim.stat(zxid) }
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
                let _permit =
                    self.permits.acquire().await.map_err(|_| ZkError::new(Code::SessionExpired, "client closed"))?;
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
                MultiOp::Create { path: p, .. } | MultiOp::Delete { path: p, .. } if p != "/" => {
                    parents.push(path::parent(p))
                }
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
        let (mut cmp, mut writes) = (Vec::new(), Vec::new());
        let (mut footprint, mut bumps) = (Footprint::default(), Vec::new());
        // Checks and setData of nodes last seen at the version asked assert
        // the node key's mod revision alone (known.rs), as setData does.
        let mut seen_any = false;
        for op in ops {
            match op {
                MultiOp::Check { path: p, version } | MultiOp::SetData { path: p, version, .. } => {
                    let seen = self.known.at_version(p, *version);
                    seen_any |= seen.is_some();
                    let (guard, put) = version_guard(k, p, *version, seen, NO_OFFSET);
                    cmp.extend(guard);
                    if let MultiOp::SetData { data, .. } = op {
                        writes.push(Write::SetData(p.clone(), data.clone(), put));
                    }
                }
                MultiOp::Create { path: p, data, acl, mode } => {
                    let parent = path::parent(p);
                    cmp.push(exists(k.node(parent)));
                    cmp.push(Compare::lease(k.node(parent), CompareOp::Equal, 0));
                    cmp.push(absent(k.node(p)));
                    let lease = if mode.is_ephemeral() { lease } else { 0 };
                    let f = create_footprint(k, p);
                    footprint.puts.extend(f.puts);
                    bumps.extend(f.bumps);
                    writes.push(Write::Create { path: p.clone(), data: data.clone(), acl: acl.clone(), lease });
                }
                MultiOp::Delete { path: p, version } => {
                    cmp.extend(existing_with_version(k, p, *version, NO_OFFSET));
                    cmp.push(absent(k.children_prefix(p)).with_prefix());
                    let f = delete_footprint(k, p);
                    footprint.deletes.extend(f.deletes);
                    bumps.extend(f.bumps);
                    writes.push(Write::Delete(p.clone()));
                }
            }
        }
        // Each op's count of success-branch ops.
        let lens: Vec<usize> = writes.iter().map(Write::len).collect();
        let ok_len: usize = lens.iter().sum();
        if cmp.len() > MAX_TXN_OPS || ok_len > MAX_TXN_OPS {
            return Ok(None);
        }
        // A batch picks a shard for each parent counter or mark bumped
        // (distinct parents: a parent of two ops is played, above).
        let batchable = cmp.len().max(ok_len) <= MAX_NESTED_WIDTH;
        footprint.bumps = bumps;
        footprint.puts.extend(writes.iter().filter_map(|w| {
            if let Write::SetData(p, ..) = w {
                Some(k.node(p))
            } else {
                None
            }
        }));
        let keys = self.keys.clone();
        // The ops' writes in op order (the watch stream sees them so), each
        // setData's followed by its read of the attribute keys (its Stat);
        // the puts carry the multi's sub (its place in a batch, 0 alone),
        // a create or delete puts the parent's counter or mark shard the
        // batch gave it (the first, alone). No `else` branch: etcd decodes
        // and logs a request's every op, taken or not; a failure is read
        // after (below).
        let build = move |shards: &[usize], sub: Sub| {
            let mut ok: Vec<TxnOp> = Vec::with_capacity(ok_len);
            // Creates and deletes take the shards in op order, as their
            // bumps were listed.
            let mut shards = shards.iter().copied();
            for w in &writes {
                let shard = if w.bumps() { shards.next().unwrap_or(0) } else { 0 };
                w.ops(&keys, now, shard, sub, &mut ok);
            }
            Txn::new().when(cmp.clone()).and_then(ok)
        };
        // Kafka's controller sends thousands of `[check, setData]`, `[check,
        // create]` and `[check, delete]` multis at once: those narrow
        // enough for a batch (compares and writes at most
        // MAX_NESTED_WIDTH each) go through the write batcher like single
        // writes, each create or delete on the shard the batch gave its
        // parent; a wider multi is a txn of its own.
        let (commit, sub, resp) = if batchable {
            let bytes = ops
                .iter()
                .map(|op| match op {
                    MultiOp::SetData { data, .. } | MultiOp::Create { data, .. } => {
                        data.as_ref().map_or(0, Vec::len) + WRITE_OVERHEAD
                    }
                    _ => WRITE_OVERHEAD,
                })
                .sum();
            let Written { revision, sub, resp } = self.batched_write(Box::new(build), footprint, bytes).await?;
            (revision, sub, resp)
        } else {
            let resp = self.etcd_write(build(&[], 0)).await?;
            (resp.header().map_or(0, |h| h.revision()), 0, resp)
        };
        if !resp.succeeded() {
            if seen_any {
                for op in ops {
                    self.known.forget(op.path());
                }
            }
            // Named on the state now: a failure gone meanwhile (or a version
            // offset not assumed) takes the full path, which plays again.
            let read = self.read_all(all.iter().map(|p| p.to_string()).collect()).await?;
            return Ok(match play(ops, &read, lease, now)? {
                Played::Failed(i, code) => Some(Reply::Multi(failure_results(ops.len(), i, code))),
                _ => None,
            });
        }
        let mut answers = resp.op_responses().into_iter();
        let mut results = Vec::with_capacity(ops.len());
        let mut lens = lens.into_iter();
        for op in ops {
            if !matches!(op, MultiOp::Check { .. }) {
                let n = lens.next().expect("one write per op but checks");
                if !matches!(op, MultiOp::SetData { .. }) {
                    answers.by_ref().take(n).for_each(drop);
                }
            }
            results.push(match op {
                MultiOp::Check { .. } => OpResult::Check,
                MultiOp::SetData { path: p, data, version } => {
                    let stat =
                        self.set_data_stat(p, (commit, sub), &mut answers, now, data.as_deref(), *version).await?;
                    self.known.wrote(p, commit, &stat);
                    self.hub.local_change(p, commit);
                    OpResult::SetData { stat }
                }
                MultiOp::Create { path: p, data, mode, .. } => {
                    self.hub.local_create(p, commit);
                    let owner = if mode.is_ephemeral() { lease } else { 0 };
                    let stat = new_node_stat(zxid(commit, sub), now, owner, data.as_deref());
                    self.known.wrote(p, commit, &stat);
                    OpResult::Create { path: p.clone(), stat }
                }
                MultiOp::Delete { path: p, .. } => {
                    self.known.forget(p);
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
        // After the put: the counter's etcd version = old + 1; creates =
        // version - 1 + offset (the shards of the old node go).
        let counter = encode_offset(n.creates - etcd_version(st.counter.as_ref()));
        let mut ops = node_puts(k, p, n.content(), counter, n.lease).to_vec();
        ops.extend([
            TxnOp::delete(k.counter_shards_start(p), Some(DeleteOptions::new().with_range(k.counter_end(p)))),
            TxnOp::put(k.recreated(p), encode_offset(-etcd_version(st.attrs.as_ref())), leased()),
        ]);
        if st.mark_rev() > 0 {
            // The counter put makes this commit the pzxid.
            ops.push(TxnOp::delete(k.pzxid_mark(p), Some(DeleteOptions::new().with_range(k.pzxid_marks_end(p)))));
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
    fn plan(
        &self,
        read: &HashMap<String, NodeState>,
        nodes: &HashMap<String, Sim>,
        changes: &[(String, Change)],
    ) -> ZkResult<Txn> {
        let k = &self.keys;
        let mut cmp = Vec::new();
        for (p, st) in read {
            cmp.push(match &st.node {
                Some(kv) => Compare::mod_revision(k.node(p), CompareOp::Equal, kv.mod_revision()),
                None => Compare::create_revision(k.node(p), CompareOp::Equal, 0),
            });
            // Over the whole counter range, even when it is empty (a new
            // node has no counter key until a child is created).
            cmp.push(counter_unchanged(k, p, st.counter_rev()));
            let recreated = nodes.get(p).is_some_and(|n| n.recreated);
            let reported = changes.iter().any(|(q, c)| q == p && *c == Change::DataChanged);
            if let Some(kv) = st.attrs.as_ref().filter(|_| recreated || reported) {
                // A concurrent setAcl would make the re-creation's aversion offset, or a reported aversion, stale.
                cmp.push(Compare::mod_revision(k.attrs(p), CompareOp::Equal, kv.mod_revision()));
            }
            if reported {
                // A concurrent child delete moves a reported Stat's numChildren, cversion and pzxid.
                cmp.push(marks_unchanged(k, p, st.mark_rev()));
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
            match (st.exists(), n.exists) {
                (false, true) => {
                    ops.extend(node_puts(k, p, n.content(), encode_offset(n.creates), n.lease));
                    if n.version != 0 {
                        ops.push(self.offset_put(p, n.version, n.lease));
                    }
                }
                (true, false) => {
                    ops.extend(node_deletes(k, p));
                }
                (true, true) if n.recreated => ops.extend(self.recreate_ops(p, st, n)),
                (true, true) => {
                    if n.data_puts > 0 {
                        ops.push(data_put(k, p, n.data.as_deref(), n.mtime, 0));
                        let old = st.version_offset_value()?;
                        if n.data_puts > 1 {
                            ops.push(self.offset_put(p, old + n.data_puts - 1, n.lease));
                        }
                    }
                    if n.child_deletes > 0 {
                        ops.push(mark_child_deleted(k, p));
                    }
                    if n.child_creates > 0 {
                        // \0c's creates after the put (etcd version v + 1, v
                        // = 0 when absent): v + offset = before + child_creates.
                        let before = st.counter_key_creates()?;
                        let v = st.counter.as_ref().map_or(0, etcd_client::KeyValue::version);
                        let offset = before + n.child_creates - v;
                        // A plain put: \0c may be absent, and a node with
                        // children is never ephemeral (no lease to keep).
                        ops.push(TxnOp::put(k.counter(p), encode_offset(offset), None));
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

impl Sim {
    /// The node's content as its final state writes it.
    fn content(&self) -> NodeContent<'_> {
        NodeContent { data: self.data.as_deref(), acl: &self.acl, ctime: self.ctime, mtime: self.mtime, sub: 0 }
    }
}
