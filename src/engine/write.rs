//! Single-op writes, each one etcd txn in the common case: the compares
//! decide, the success branch writes and reads what the Stat needs. create,
//! setData, delete and setAcl go through the write batcher (`write_batch.rs`): their
//! txn may travel nested in one etcd txn with other ops'. They carry no
//! failure branch (etcd decodes and logs every op of a request, taken or
//! not): only when a compare fails is the node read, to tell the error
//! apart, and a state that shows no error is a lost race, tried again.
//!
//! A plain create that waits for no earlier request is sent from
//! `submit` and answered on the write batch's task when it succeeds
//! ([`Core::create_then`]); every other write runs as a task of its own.
//!
//! Those reads are boxed (`Box::pin`): a write's task holds its whole
//! future, sized by the largest path through it. Inline,
//! a create's or setData's future was about 8 KiB (the etcd client's
//! request futures); boxed, the common path stays small and the reads pay
//! one allocation only when they happen.

use std::sync::Arc;

use etcd_client::{Compare, CompareOp, DeleteOptions, GetOptions, PutOptions, Txn, TxnOp, TxnOpResponse, TxnResponse};
use tokio::sync::OwnedSemaphorePermit;

use super::core::Core;
use super::known::Seen;
use super::order::Ticket;
use super::request::{CreateMode, Done, Reply, Request};
use super::state::{read_ops, ChildRead, NodeFields, NodeState, READ_OPS};
use super::transport::Retry;
use super::write_batch::{BuildTxn, Footprint, Written};
use crate::znode::keys::{zxid, Keys};
use crate::znode::stat::{encode_attrs, encode_node, encode_offset, encode_sub, now_ms, Sub};
use crate::znode::{path, Acl, Code, Stat, ZkError, ZkResult};

/// How many times an optimistic txn (a write, a multi) is retried after
/// losing a race.
pub const MAX_RACES: usize = 64;

pub fn exists(key: Vec<u8>) -> Compare {
    Compare::create_revision(key, CompareOp::Greater, 0)
}

pub fn absent(key: Vec<u8>) -> Compare {
    Compare::create_revision(key, CompareOp::Equal, 0)
}

/// A child create's bump of `parent`'s child counter: the `shard`-th
/// create under one parent in a batched txn (0 alone) puts counter shard
/// `shard + 1`, a plain put counted by its etcd version (a shard may not
/// exist yet), its value the create's sub (pzxid's place in its
/// revision). \0c itself is never bumped by a create: since layout 2 it
/// exists only to carry an offset (keys.rs), so a new node has none.
pub fn bump_shard(keys: &Keys, parent: &str, shard: usize, sub: Sub) -> TxnOp {
    TxnOp::put(keys.counter_shard(parent, shard + 1), encode_sub(sub), None)
}

/// A child delete's move of `parent`'s pzxid: mark shard `shard + 1`, as
/// [`bump_shard`] does for creates, its value the delete's sub.
pub fn mark_shard(keys: &Keys, parent: &str, shard: usize, sub: Sub) -> TxnOp {
    TxnOp::put(keys.pzxid_mark_shard(parent, shard + 1), encode_sub(sub), None)
}

/// True while no key of `p`'s counter range (\0c and its shards) moved
/// after revision `rev` (the latest one read): no child was created since.
pub fn counter_unchanged(keys: &Keys, p: &str, rev: i64) -> Compare {
    Compare::mod_revision(keys.counter(p), CompareOp::Less, rev + 1).with_range(keys.counter_end(p))
}

/// True while no key of `p`'s mark range (\0p and its shards) moved after
/// revision `rev` (0: while there is none): no child was deleted since.
pub fn marks_unchanged(keys: &Keys, p: &str, rev: i64) -> Compare {
    Compare::mod_revision(keys.pzxid_mark(p), CompareOp::Less, rev + 1).with_range(keys.pzxid_marks_end(p))
}

/// Request bytes of a write beyond its data and ACL (keys, compares, reads).
pub const WRITE_OVERHEAD: usize = 512;

/// About how many request bytes an ACL list takes (for batching).
fn acl_bytes(acl: &[Acl]) -> usize {
    acl.iter().map(|a| a.id.len() + a.scheme.len() + 8).sum()
}

/// What a whole-znode write puts: data, ACL, times, and the write's sub
/// (stored as the czxid's and mzxid's, see `znode::keys`).
pub struct NodeContent<'a> {
    pub data: Option<&'a [u8]>,
    pub acl: &'a [Acl],
    pub ctime: i64,
    pub mtime: i64,
    pub sub: Sub,
}

/// The one shape of a whole-znode write: node key, attribute key and child
/// counter (`counter`: its value, a decimal offset or empty), all under
/// `lease` (0: none). Creates, a multi's creates and re-creations, the
/// root's own nodes and restores all write this (keys.rs says why).
pub fn node_puts(keys: &Keys, p: &str, c: NodeContent<'_>, counter: Vec<u8>, lease: i64) -> [TxnOp; 3] {
    let with_lease = || Some(PutOptions::new().with_lease(lease));
    [
        TxnOp::put(keys.node(p), encode_node(c.sub, c.mtime, c.data), with_lease()),
        TxnOp::put(keys.attrs(p), encode_attrs(c.ctime, c.sub, c.acl), with_lease()),
        TxnOp::put(keys.counter(p), counter, with_lease()),
    ]
}

/// The deletes that remove the znode `p`: its node key and every key of its
/// attribute range (attributes, counters, marks, offsets).
pub fn node_deletes(keys: &Keys, p: &str) -> [TxnOp; 2] {
    [
        TxnOp::delete(keys.node(p), None),
        TxnOp::delete(keys.attrs(p), Some(DeleteOptions::new().with_range(keys.attrs_end(p)))),
    ]
}

/// A multi's setData put: new data and mtime, by a multi at `sub` (0 unless
/// it went in a batch); the node keeps its lease.
pub fn data_put(keys: &Keys, p: &str, data: Option<&[u8]>, mtime: i64, sub: Sub) -> TxnOp {
    TxnOp::put(keys.node(p), encode_node(sub, mtime, data), Some(PutOptions::new().with_ignore_lease()))
}

/// Puts that create the znode `p` with the given content, by a write at
/// `sub`: its node and attribute keys only (a new node's child counter
/// starts absent, keys.rs).
pub fn create_ops(k: &Keys, p: &str, data: Option<&[u8]>, acl: &[Acl], lease: i64, now: i64, sub: Sub) -> Vec<TxnOp> {
    let with_lease = || Some(PutOptions::new().with_lease(lease));
    vec![
        TxnOp::put(k.node(p), encode_node(sub, now, data), with_lease()),
        TxnOp::put(k.attrs(p), encode_attrs(now, sub, acl), with_lease()),
    ]
}

/// A create's success branch, sent alone or in a batch: the new node's
/// puts at `sub` and the parent's counter shard `shard` (write_batch.rs).
#[allow(clippy::too_many_arguments)]
pub fn create_writes(
    k: &Keys,
    p: &str,
    data: Option<&[u8]>,
    acl: &[Acl],
    lease: i64,
    now: i64,
    shard: usize,
    sub: Sub,
) -> Vec<TxnOp> {
    let mut ok = create_ops(k, p, data, acl, lease, now, sub);
    ok.push(bump_shard(k, path::parent(p), shard, sub));
    ok
}

/// The keys a create of `p` writes, for batching (`write_batch::Footprint`).
pub fn create_footprint(k: &Keys, p: &str) -> Footprint {
    Footprint { puts: vec![k.node(p), k.attrs(p)], deletes: Vec::new(), bumps: vec![k.counter(path::parent(p))] }
}

/// A delete's success branch, sent alone or in a batch: the node's keys go
/// and the parent's mark shard `shard` takes `sub` (its pzxid).
pub fn delete_writes(k: &Keys, p: &str, shard: usize, sub: Sub) -> Vec<TxnOp> {
    let mut ok = node_deletes(k, p).to_vec();
    ok.push(mark_shard(k, path::parent(p), shard, sub));
    ok
}

/// The keys a delete of `p` writes, for batching (`write_batch::Footprint`).
pub fn delete_footprint(k: &Keys, p: &str) -> Footprint {
    let mut node_end = k.node(p);
    node_end.push(0);
    Footprint {
        puts: Vec::new(),
        deletes: vec![(k.node(p), node_end), (k.attrs(p), k.attrs_end(p))],
        bumps: vec![k.pzxid_mark(path::parent(p))],
    }
}

impl Core {
    pub(crate) fn states(&self, resp: TxnResponse, paths: &[&str]) -> ZkResult<Vec<NodeState>> {
        let rev = resp.header().map_or(0, |h| h.revision());
        self.states_at(rev, resp, paths)
    }

    /// [`Self::states`] of a response with no header of its own (one op of
    /// a batch), read at revision `rev`.
    pub(crate) fn states_at(&self, rev: i64, resp: TxnResponse, paths: &[&str]) -> ZkResult<Vec<NodeState>> {
        let mut it = resp.op_responses().into_iter();
        // Skip write responses: reads are always the trailing ops.
        let skip = it.len() - paths.len() * READ_OPS;
        let mut it = it.by_ref().skip(skip);
        paths.iter().map(|p| NodeState::parse(&self.keys, p, rev, &mut it)).collect()
    }

    /// A create's txn for the write batcher: the parent exists and may
    /// have children, `target` is absent (and, for a sequential name, the
    /// parent's counter is still at `counter_rev`); then the node's keys
    /// and the parent's counter shard are put.
    pub(crate) fn create_txn(
        &self,
        target: &str,
        data: Option<&[u8]>,
        acl: &[Acl],
        lease: i64,
        now: i64,
        counter_rev: Option<i64>,
    ) -> (BuildTxn, Footprint, usize) {
        let parent = path::parent(target);
        // A parent this client saw persistent: one compare (its node key
        // unchanged, known.rs) says it exists and may have children.
        let parent_seen = self.known.persistent(parent);
        let (keys, parent_s, target_s) = (self.keys.clone(), parent.to_string(), target.to_string());
        let (data_v, acl_v) = (data.map(<[u8]>::to_vec), acl.to_vec());
        let build = move |shards: &[usize], sub: Sub| {
            let shard = shards.first().copied().unwrap_or(0);
            let (k, parent, target) = (&keys, parent_s.as_str(), target_s.as_str());
            let mut cmp = match parent_seen {
                Some(rev) => vec![Compare::mod_revision(k.node(parent), CompareOp::Equal, rev)],
                None => vec![exists(k.node(parent)), Compare::lease(k.node(parent), CompareOp::Equal, 0)],
            };
            cmp.push(absent(k.node(target)));
            if let Some(rev) = counter_rev {
                cmp.push(counter_unchanged(k, parent, rev));
            }
            Txn::new().when(cmp).and_then(create_writes(k, target, data_v.as_deref(), &acl_v, lease, now, shard, sub))
        };
        let bytes = data.map_or(0, <[u8]>::len) + acl_bytes(acl) + WRITE_OVERHEAD;
        (Box::new(build), create_footprint(&self.keys, target), bytes)
    }

    /// Whether [`Self::create_then`] may take `req` now: a create that is
    /// not sequential (its name needs a read first) and not of "/", with
    /// no earlier request to wait for.
    pub(crate) fn may_create_at_once(req: &Request, ticket: &Ticket) -> bool {
        matches!(req, Request::Create { path, mode, .. } if !mode.is_sequential() && path != "/") && ticket.is_ready()
    }

    /// Runs a request on a task of its own, after the earlier requests it
    /// waits for, and hands its answer to `done`.
    pub(crate) fn run_on_task(self: &Arc<Self>, req: Request, mut ticket: Ticket, done: Done) {
        let core = self.clone();
        tokio::spawn(async move {
            ticket.ready().await;
            let answer = core.execute(req).await;
            drop(ticket);
            done.answer(answer);
        });
    }

    /// A create ([`Self::may_create_at_once`]) sent to the write batcher
    /// now, with no task of its own: when its txn succeeds it is answered
    /// on the batch's task. When a compare fails nothing was written, and
    /// the whole create (which tells the error apart, or tries again after
    /// a lost race) runs on a task of its own, still holding its place in
    /// line; an error (connection loss: outcome unknown) is the answer.
    pub(crate) fn create_then(
        self: &Arc<Self>,
        req: Request,
        ticket: Ticket,
        permit: OwnedSemaphorePermit,
        done: Done,
    ) {
        let Request::Create { path, data, acl, mode } = req else {
            return done.answer(Err(ZkError::new(Code::SystemError, "create_then got another request")));
        };
        let lease = match self.session.check_alive().and_then(|_| {
            if mode.is_ephemeral() {
                self.session.live_lease()
            } else {
                Ok(0)
            }
        }) {
            Ok(lease) => lease,
            Err(e) => return done.answer(Err(e)),
        };
        let now = now_ms();
        let (build, footprint, bytes) = self.create_txn(&path, data.as_deref(), &acl, lease, now, None);
        let core = self.clone();
        self.writes.send(
            build,
            footprint,
            bytes,
            Box::new(move |written| {
                drop(permit);
                match core.check_etcd_result(written) {
                    Ok(w) if w.resp.succeeded() => {
                        let answer = core.client_paths(core.created(path, &w, now, lease, data.as_deref()));
                        drop(ticket);
                        done.answer(Ok(answer));
                    }
                    Ok(_) => core.run_on_task(Request::Create { path, data, acl, mode }, ticket, done),
                    Err(e) => {
                        drop(ticket);
                        done.answer(Err(e));
                    }
                }
            }),
        );
    }

    /// The answer to a create whose txn succeeded (and what this client
    /// now knows of the node).
    pub(crate) fn created(&self, target: String, w: &Written, now: i64, lease: i64, data: Option<&[u8]>) -> Reply {
        let stat = new_node_stat(zxid(w.revision, w.sub), now, lease, data);
        self.known.wrote(&target, w.revision, &stat);
        self.hub.local_create(&target, w.revision);
        Reply::Created { path: target, stat }
    }

    pub(crate) async fn create(&self, p: &str, data: Option<&[u8]>, acl: &[Acl], mode: CreateMode) -> ZkResult<Reply> {
        if p == "/" && !mode.is_sequential() {
            return Err(ZkError::at(Code::NodeExists, p));
        }
        let lease = if mode.is_ephemeral() { self.session.live_lease()? } else { 0 };
        let parent = path::parent(p);
        let mut race = 0;
        loop {
            // A sequential name needs the parent's cversion first (the one
            // extra round trip); the txn then checks it did not move.
            let (target, counter_rev) = if mode.is_sequential() {
                let ps = Box::pin(self.read_one(parent, ChildRead::Count)).await?;
                check_parent(&ps, parent)?;
                let name = sequential_name(p, ps.creates()?);
                (name, Some(ps.counter_rev()))
            } else {
                (p.to_string(), None)
            };
            let now = now_ms();
            let (build, footprint, bytes) = self.create_txn(&target, data, acl, lease, now, counter_rev);
            let written = self.batched_write(build, footprint, bytes).await?;
            if written.resp.succeeded() {
                return Ok(self.created(target, &written, now, lease, data));
            }
            let mut states = Box::pin(self.read_now(&[parent, &target])).await?;
            let node = states.pop().unwrap();
            let ps = states.pop().unwrap();
            // The parent as it is now: a stale entry must not fail the retry.
            self.known.saw(&ps);
            check_parent(&ps, parent)?;
            // A sequential name taken by another client's create that also
            // moved the counter is a lost race (next name), not NODEEXISTS.
            let counter_moved = counter_rev.is_some_and(|r| ps.counter_rev() != r);
            if node.exists() && !counter_moved {
                return Err(ZkError::at(Code::NodeExists, &target));
            }
            race += 1;
            if race > MAX_RACES {
                return Err(lost_races("create", p));
            }
        }
    }

    pub(crate) async fn set_data(&self, p: &str, data: Option<&[u8]>, version: i32) -> ZkResult<Reply> {
        let mut offset = NO_OFFSET;
        // First try: the node key as last seen at this version, if it was.
        let mut seen = self.known.at_version(p, version);
        for _ in 0..MAX_RACES {
            let now = now_ms();
            let (keys, path, data_v) = (self.keys.clone(), p.to_string(), data.map(<[u8]>::to_vec));
            let build = move |_: &[usize], sub| {
                let (cmp, put) = version_guard(&keys, &path, version, seen, offset);
                Txn::new().when(cmp).and_then(set_data_ops(&keys, &path, data_v.as_deref(), now, sub, put))
            };
            let footprint = Footprint { puts: vec![self.keys.node(p)], ..Default::default() };
            let bytes = data.map_or(0, <[u8]>::len) + WRITE_OVERHEAD;
            let Written { revision: rev, sub, resp } = self.batched_write(Box::new(build), footprint, bytes).await?;
            if resp.succeeded() {
                let mut answers = resp.op_responses().into_iter();
                let stat = self.set_data_stat(p, (rev, sub), &mut answers, now, data, version).await?;
                self.known.wrote(p, rev, &stat);
                self.hub.local_change(p, rev);
                return Ok(Reply::Stat(stat));
            }
            if seen.take().is_some() {
                self.known.forget(p);
            }
            let st = Box::pin(self.read_one(p, ChildRead::Count)).await?;
            offset = check_version(&st, p, version)?;
        }
        Err(lost_races("setData", p))
    }

    pub(crate) async fn delete(&self, p: &str, version: i32) -> ZkResult<Reply> {
        if p == "/" {
            return Err(ZkError::bad_arguments("the root node cannot be deleted"));
        }
        let mut offset = NO_OFFSET;
        for _ in 0..MAX_RACES {
            let (keys, path) = (self.keys.clone(), p.to_string());
            let build = move |shards: &[usize], sub: Sub| {
                let shard = shards.first().copied().unwrap_or(0);
                let (k, p) = (&keys, path.as_str());
                let mut cmp = existing_with_version(k, p, version, offset);
                cmp.push(absent(k.children_prefix(p)).with_prefix());
                Txn::new().when(cmp).and_then(delete_writes(k, p, shard, sub))
            };
            let footprint = delete_footprint(&self.keys, p);
            let Written { revision: rev, resp, .. } =
                self.batched_write(Box::new(build), footprint, WRITE_OVERHEAD).await?;
            if resp.succeeded() {
                self.known.forget(p);
                self.hub.local_delete(p, rev);
                return Ok(Reply::Deleted);
            }
            let st = Box::pin(self.read_one(p, ChildRead::Count)).await?;
            offset = check_version(&st, p, version)?;
            if st.num_children > 0 {
                return Err(ZkError::at(Code::NotEmpty, p));
            }
        }
        Err(lost_races("delete", p))
    }

    pub(crate) async fn set_acl(&self, p: &str, acl: &[Acl], aversion: i32) -> ZkResult<Reply> {
        for _ in 0..MAX_RACES {
            let st = Box::pin(self.read_one(p, ChildRead::Count)).await?;
            if !st.exists() {
                return Err(ZkError::at(Code::NoNode, p));
            }
            let attrs = st
                .attrs
                .as_ref()
                .ok_or_else(|| ZkError::new(Code::DataInconsistency, format!("{p} has no attribute key")))?;
            if aversion != -1 && st.aversion()? != aversion as i64 {
                return Err(ZkError::at(Code::BadVersion, p));
            }
            let old = st.attrs_value()?;
            let (keys, path, value, attrs_rev) =
                (self.keys.clone(), p.to_string(), encode_attrs(old.ctime, old.czxid_sub, acl), attrs.mod_revision());
            // Through the write batcher like setData: it puts only the
            // attribute key, and the reads after the put give the Stat.
            let build = move |_: &[usize], _| {
                let cmp = vec![Compare::mod_revision(keys.attrs(&path), CompareOp::Equal, attrs_rev)];
                let mut ok =
                    vec![TxnOp::put(keys.attrs(&path), value.clone(), Some(PutOptions::new().with_ignore_lease()))];
                ok.extend(read_ops(&keys, &path, ChildRead::Count, 0));
                Txn::new().when(cmp).and_then(ok)
            };
            let footprint = Footprint { puts: vec![self.keys.attrs(p)], ..Default::default() };
            let bytes = acl_bytes(acl) + WRITE_OVERHEAD;
            let Written { revision, resp, .. } = self.batched_write(Box::new(build), footprint, bytes).await?;
            if resp.succeeded() {
                return Ok(Reply::Stat(self.states_at(revision, resp, &[p])?.remove(0).stat()?));
            }
        }
        Err(lost_races("setAcl", p))
    }

    /// The Stat after [`set_data_ops`] succeeded at revision `rev` with
    /// `sub`, from the attribute range read in the same txn: ctime,
    /// aversion, counters; czxid and ephemeralOwner too (the attribute key
    /// is put with the node key, under its lease, and only the re-creation
    /// mark can move a czxid). The version is the one the compare asserted
    /// plus one; only an unversioned setData (-1) asks etcd for the
    /// previous node key to learn it. The child count is known without a
    /// read for a node that never had a child (most setData targets are
    /// leaves); any other node's is read at `rev`, so the Stat is the one
    /// at the write.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn set_data_stat(
        &self,
        p: &str,
        (rev, sub): (i64, Sub),
        it: &mut (impl Iterator<Item = TxnOpResponse> + Send),
        now: i64,
        data: Option<&[u8]>,
        version: i32,
    ) -> ZkResult<Stat> {
        let shape = || ZkError::new(Code::SystemError, "etcd txn answered with an unexpected response shape");
        let prev = match it.next() {
            Some(TxnOpResponse::Put(mut put)) if version == -1 => Some(put.take_prev_key().ok_or_else(shape)?),
            Some(TxnOpResponse::Put(_)) => None,
            _ => return Err(shape()),
        };
        let mut st = NodeState { path: p.to_string(), revision: rev, ..Default::default() };
        match it.next() {
            Some(TxnOpResponse::Get(mut g)) => st.take_attrs(&self.keys, g.take_kvs()),
            _ => return Err(shape()),
        }
        if st.ever_had_children()? {
            st.num_children = Box::pin(self.count_children_at(p, rev)).await?;
        }
        let attrs = st
            .attrs
            .as_ref()
            .ok_or_else(|| ZkError::new(Code::DataInconsistency, format!("{p} has no attribute key")))?;
        let etcd_version = match &prev {
            Some(kv) => kv.version() + 1,
            // ZooKeeper version after = version + 1 = etcd version - 1 +
            // offset (the offset key is in the attribute range read at the
            // write, the one the compares asserted).
            None => version as i64 + 2 - st.version_offset_value()?,
        };
        st.stat_with(NodeFields {
            create_rev: attrs.create_revision(),
            mod_rev: rev,
            mod_sub: sub,
            etcd_version,
            lease: attrs.lease(),
            mtime: now,
            data_len: data.map_or(0, <[u8]>::len) as i32,
        })
    }

    /// How many children `p` had at revision `rev` (one count-only range).
    /// Should etcd have compacted `rev` away meanwhile, the count now is
    /// the best answer left (the write itself succeeded).
    async fn count_children_at(&self, p: &str, rev: i64) -> ZkResult<i64> {
        let count = |at: i64| {
            let opts = GetOptions::new().with_prefix().with_count_only();
            let opts = if at > 0 { opts.with_revision(at) } else { opts };
            Txn::new().and_then(vec![TxnOp::get(self.keys.children_prefix(p), Some(opts))])
        };
        let _permit = self.permits.acquire().await.map_err(|_| ZkError::new(Code::SessionExpired, "client closed"))?;
        let resp = match self.transport.txn(count(rev), Retry::Anywhere).await {
            Err(e) if e.code != Code::ConnectionLoss => self.transport.txn(count(0), Retry::Anywhere).await?,
            r => r?,
        };
        match resp.op_responses().into_iter().next() {
            Some(TxnOpResponse::Get(g)) => Ok(g.count()),
            _ => Err(ZkError::new(Code::SystemError, "etcd txn answered with an unexpected response shape")),
        }
    }

    /// Sends one op's txn through the write batcher (one in-flight slot
    /// per op); sent at most once unless provably never delivered.
    pub(crate) async fn batched_write(
        &self,
        build: super::write_batch::BuildTxn,
        footprint: Footprint,
        bytes: usize,
    ) -> ZkResult<Written> {
        let _permit = self.permits.acquire().await.map_err(|_| ZkError::new(Code::SessionExpired, "client closed"))?;
        let r = self.writes.write(build, footprint, bytes).await;
        self.check_etcd_result(r)
    }

    /// Writes are sent at most once unless provably never delivered.
    pub(crate) async fn etcd_write(&self, txn: Txn) -> ZkResult<TxnResponse> {
        let _permit = self.permits.acquire().await.map_err(|_| ZkError::new(Code::SessionExpired, "client closed"))?;
        let r = self.transport.txn(txn, Retry::IfNotSent).await;
        self.check_etcd_result(r)
    }

    /// Reads nodes together in one txn of their own (no batching).
    pub(crate) async fn read_now(&self, paths: &[&str]) -> ZkResult<Vec<NodeState>> {
        let ops: Vec<TxnOp> = paths.iter().flat_map(|p| read_ops(&self.keys, p, ChildRead::Count, 0)).collect();
        let _permit = self.permits.acquire().await.map_err(|_| ZkError::new(Code::SessionExpired, "client closed"))?;
        let resp = self.transport.txn(Txn::new().and_then(ops), Retry::Anywhere).await?;
        self.states(resp, paths)
    }

    /// Reads one znode in its own txn (no batching).
    pub(crate) async fn read_one(&self, p: &str, children: ChildRead) -> ZkResult<NodeState> {
        let txn = Txn::new().and_then(read_ops(&self.keys, p, children, 0).to_vec());
        let _permit = self.permits.acquire().await.map_err(|_| ZkError::new(Code::SessionExpired, "client closed"))?;
        let resp = self.transport.txn(txn, Retry::Anywhere).await?;
        Ok(self.states(resp, &[p])?.remove(0))
    }

    /// Version offset bookkeeping for multi: sets the offset key of `p`.
    pub(crate) fn offset_put(&self, p: &str, offset: i64, lease: i64) -> TxnOp {
        let opts = if lease != 0 { PutOptions::new().with_lease(lease) } else { PutOptions::new() };
        TxnOp::put(self.keys.version_offset(p), encode_offset(offset), Some(opts))
    }
}

/// What a check or setData of `p` expecting `version` asserts, and how a
/// setData's put keeps the node's lease. The node key as this client last
/// saw it at that version (`seen`, known.rs): its mod revision alone, the
/// lease named. Otherwise the version (or existence, for -1) with the
/// offset state believed, and etcd keeps the lease (`ignore_lease`).
pub fn version_guard(k: &Keys, p: &str, version: i32, seen: Option<Seen>, offset: OffsetState) -> (Vec<Compare>, Put) {
    match seen {
        Some(s) => (vec![Compare::mod_revision(k.node(p), CompareOp::Equal, s.mod_rev)], Put::WithLease(s.lease)),
        None => (existing_with_version(k, p, version, offset), Put::KeepLease { want_prev: version == -1 }),
    }
}

/// How setData's put keeps the node's lease.
#[derive(Clone, Copy)]
pub enum Put {
    /// etcd keeps it (reading the key again); `want_prev`: and returns the
    /// previous key (an unversioned write learns its version from it).
    KeepLease { want_prev: bool },
    /// The lease is known (known.rs): named, no read.
    WithLease(i64),
}

/// setData's writes plus just what its Stat needs: the attribute range
/// (ctime, aversion, child counters, pzxid marks, version offset, and the
/// node's create revision and lease on the attribute key). The previous
/// node key only for an unversioned write (`want_prev`), whose new version
/// the compares do not fix. The counters tell whether the node ever had a
/// child; only then is the child count read (after).
pub fn set_data_ops(k: &Keys, p: &str, data: Option<&[u8]>, now: i64, sub: Sub, put: Put) -> Vec<TxnOp> {
    let put = match put {
        Put::KeepLease { want_prev: true } => PutOptions::new().with_ignore_lease().with_prev_key(),
        Put::KeepLease { want_prev: false } => PutOptions::new().with_ignore_lease(),
        Put::WithLease(lease) => PutOptions::new().with_lease(lease),
    };
    vec![
        TxnOp::put(k.node(p), encode_node(sub, now, data), Some(put)),
        TxnOp::get(k.attrs(p), Some(GetOptions::new().with_range(k.attrs_end(p)))),
    ]
}

/// The put that moves `parent`'s pzxid when a multi deletes a child (a
/// parent is never ephemeral: no lease).
pub fn mark_child_deleted(keys: &Keys, parent: &str) -> TxnOp {
    TxnOp::put(keys.pzxid_mark(parent), Vec::new(), None)
}

/// ZooKeeper's sequential name: the parent's count of child creates as a
/// signed 32-bit number, `%010d` (it wraps after 2^31 creates, as there).
pub fn sequential_name(prefix: &str, creates: i64) -> String {
    format!("{prefix}{:010}", creates as i32)
}

/// Everything in a new node's Stat is known when its create commits with
/// zxid `zxid`: no read-back needed.
pub fn new_node_stat(zxid: i64, now: i64, lease: i64, data: Option<&[u8]>) -> Stat {
    Stat {
        czxid: zxid,
        mzxid: zxid,
        pzxid: zxid,
        ctime: now,
        mtime: now,
        ephemeral_owner: lease,
        data_length: data.map_or(0, <[u8]>::len) as i32,
        ..Stat::default()
    }
}

/// NONODE / NOCHILDRENFOREPHEMERALS for a would-be parent.
pub fn check_parent(ps: &NodeState, parent: &str) -> ZkResult<()> {
    if !ps.exists() {
        return Err(ZkError::at(Code::NoNode, parent));
    }
    if ps.is_ephemeral() {
        return Err(ZkError::at(Code::NoChildrenForEphemerals, parent));
    }
    Ok(())
}

/// The version offset key as a versioned compare must name it:
/// (mod_revision, offset); (0, 0) when the key does not exist.
pub type OffsetState = (i64, i64);
pub const NO_OFFSET: OffsetState = (0, 0);

/// Compares asserting that `p` exists and has ZooKeeper version `version`
/// (any, -1). A version compare that wants an etcd version of 1 or more
/// already fails on a missing key, so the existence compare is left out
/// then (one compare less on every versioned write).
pub fn existing_with_version(keys: &Keys, p: &str, version: i32, offset: OffsetState) -> Vec<Compare> {
    let mut cmp = Vec::with_capacity(3);
    if version == -1 || (version as i64 + 1 - offset.1) < 1 {
        cmp.push(exists(keys.node(p)));
    }
    version_compares(keys, p, version, offset, &mut cmp);
    cmp
}

/// Compares asserting that `p` has ZooKeeper version `version`, given the
/// offset key state we believe in (first try: no offset key, the common case).
pub fn version_compares(keys: &Keys, p: &str, version: i32, offset: OffsetState, cmp: &mut Vec<Compare>) {
    if version == -1 {
        return;
    }
    let (rev, off) = offset;
    cmp.push(Compare::version(keys.node(p), CompareOp::Equal, version as i64 + 1 - off));
    cmp.push(if rev == 0 {
        absent(keys.version_offset(p))
    } else {
        Compare::mod_revision(keys.version_offset(p), CompareOp::Equal, rev)
    });
}

/// After a failed versioned write: NONODE, BADVERSION, or the offset state
/// to try again with.
pub fn check_version(st: &NodeState, p: &str, version: i32) -> ZkResult<OffsetState> {
    if !st.exists() {
        return Err(ZkError::at(Code::NoNode, p));
    }
    if version != -1 && st.version()? != version as i64 {
        return Err(ZkError::at(Code::BadVersion, p));
    }
    Ok((st.version_offset.as_ref().map_or(0, |kv| kv.mod_revision()), st.version_offset_value()?))
}

fn lost_races(op: &str, p: &str) -> ZkError {
    ZkError::connection_loss(format!("{op} {p}: lost {MAX_RACES} races with concurrent writers"))
}
