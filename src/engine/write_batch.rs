//! Write batching: single-op writes (create, setData, delete, setAcl, and
//! Kafka's direct multis: `multi.rs`) that are ready
//! while every write slot is busy go to etcd as ONE txn whose ops are their
//! own txns, nested, each with its own compares and branches. etcd then
//! spends one raft entry, one request decode and one WAL record on the lot
//! (the cost per write falls about 3x at 64 writes per txn).
//!
//! Why a batch answers each op as if it ran alone:
//! - etcd evaluates every nested txn's compares against the store as it was
//!   before the txn, then applies the chosen branches in order. The ops of
//!   one batch come from one client and were let run together by its
//!   [`super::order::Sequencer`], so none writes a key another one compares
//!   (a node's own ops and its children's creates/deletes conflict there);
//!   only creates under one parent share, and their counter bumps commute.
//! - etcd refuses a txn that puts one key twice or puts a key another op
//!   deletes, so a batch never holds two ops whose written keys meet
//!   ([`Footprint`]); such an op waits for the next batch. Creates under one
//!   parent would all bump the parent's child counter: they bump counter
//!   shards 1, 2, ... in batch order instead (`znode::keys`; a create sent
//!   alone shard 1), up to [`MAX_COUNTER_SHARDS`] per parent per batch;
//!   deletes under one parent put pzxid mark shards the same way.
//! - Zxids: the ops share the batch's revision, so each op learns its
//!   position in the batch, its sub (`znode::keys`: zxid = revision *
//!   [`ZXIDS_PER_REVISION`] + sub), and stores it with what it writes; etcd
//!   applies the nested txns in order, so subs follow the order of
//!   application. An op sent alone has sub 0. Shard values hold the sub
//!   (\0c, whose value is an offset, is never bumped by a create).
//! - A batch etcd refuses as a whole (a lease gone, too large, a duplicate
//!   key) was not applied: each op is sent again alone and gets its own
//!   answer. A batch whose outcome is unknown answers CONNECTIONLOSS to every
//!   op in it, and none is sent again.
//!
//! No timer: a batch is whatever is queued when a slot frees, so an idle
//! client sends each write at once.
//!
//! Bounds: etcd checks `--max-txn-ops` (128) per level: the outer txn's op
//! count plus the widest nested level below it must stay within it, so a
//! batch holds at most [`MAX_WRITES_PER_TXN`] ops (each op's own txn is at
//! most 4 wide: a create's 3 compares and 4 puts, a delete's 4 compares);
//! and about
//! [`BATCH_WRITE_BYTES`] of request, under etcd's 1.5 MiB request limit. An
//! op larger than that goes alone.

use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;

use etcd_client::{Txn, TxnOp, TxnOpResponse, TxnResponse};
use tokio::sync::{mpsc, oneshot, Semaphore};

use super::fast_hash::FastMap;
use super::transport::{Retry, Transport};
use crate::znode::keys::{MAX_COUNTER_SHARDS, ZXIDS_PER_REVISION};
use crate::znode::stat::Sub;
use crate::znode::{Code, ZkError, ZkResult};

/// Ops per batch (see the module doc for etcd's per-level rule).
pub const MAX_WRITES_PER_TXN: usize = 120;

// Every op of a batch gets a sub of its own.
const _: () = assert!(MAX_WRITES_PER_TXN as i64 <= ZXIDS_PER_REVISION);

/// The widest op txn (compares, or ops of a branch) a batch takes: etcd
/// allows the outer txn's op count plus the widest nested level below it
/// up to its `--max-txn-ops` (128).
pub const MAX_NESTED_WIDTH: usize = 128 - MAX_WRITES_PER_TXN;

/// Request bytes a batch is formed to stay under.
pub const BATCH_WRITE_BYTES: usize = 512 * 1024;

/// The keys an op may write, in either branch: what must not meet another
/// op's in one etcd txn.
#[derive(Default, Debug, Clone)]
pub struct Footprint {
    /// Keys it puts.
    pub puts: Vec<Vec<u8>>,
    /// Ranges `[start, end)` it deletes.
    pub deletes: Vec<(Vec<u8>, Vec<u8>)>,
    /// The parents' keys it puts that the batch may shard: the child
    /// counter (a create) or the pzxid mark (a delete), one per create or
    /// delete, in op order, of distinct parents; the batch picks each one's
    /// shard.
    pub bumps: Vec<Vec<u8>>,
}

/// Builds an op's txn given the shards its bumps go to (one per
/// [`Footprint::bumps`], in that order; empty for ops that bump nothing)
/// and its sub (its position in the batch).
pub type BuildTxn = Box<dyn Fn(&[usize], Sub) -> Txn + Send + Sync>;

/// What etcd answered to one op: its own txn's response, the revision the
/// batch committed at (a nested response carries no header) and the op's
/// sub in it.
pub struct Written {
    pub revision: i64,
    pub sub: Sub,
    pub resp: TxnResponse,
}

/// What becomes of a write's answer: called once, on the batch's task, as
/// soon as etcd answered; quick and non-blocking (see `ZkClient::submit_then`).
pub type WriteAnswer = Box<dyn FnOnce(ZkResult<Written>) + Send + Sync>;

pub struct WriteJob {
    pub build: BuildTxn,
    pub footprint: Footprint,
    /// About how many request bytes the op takes.
    pub bytes: usize,
    pub answer: WriteAnswer,
}

pub struct WriteBatcher {
    tx: mpsc::UnboundedSender<WriteJob>,
}

impl WriteBatcher {
    /// `slots`: write txns in flight at once; a batch forms while all are busy.
    pub fn start(transport: Arc<Transport>, slots: Arc<Semaphore>) -> WriteBatcher {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(rx, transport, slots));
        WriteBatcher { tx }
    }

    /// Sends one op (in a batch or alone) and returns etcd's answer to it.
    pub async fn write(&self, build: BuildTxn, footprint: Footprint, bytes: usize) -> ZkResult<Written> {
        let (reply, rx) = oneshot::channel();
        self.send(
            build,
            footprint,
            bytes,
            Box::new(move |w| {
                let _ = reply.send(w);
            }),
        );
        rx.await.map_err(|_| closed())?
    }

    /// Queues one op; `answer` gets etcd's answer to it (SESSIONEXPIRED at
    /// once if the client is closed).
    pub fn send(&self, build: BuildTxn, footprint: Footprint, bytes: usize, answer: WriteAnswer) {
        if let Err(mpsc::error::SendError(job)) = self.tx.send(WriteJob { build, footprint, bytes, answer }) {
            (job.answer)(Err(closed()));
        }
    }
}

fn closed() -> ZkError {
    ZkError::new(Code::SessionExpired, "client is closed")
}

/// A job placed in a batch, with the shards its bumps were given.
struct Placed {
    job: WriteJob,
    shards: Vec<usize>,
}

/// The keys written so far by a batch being formed.
#[derive(Default)]
struct Taken {
    puts: BTreeSet<Vec<u8>>,
    deletes: Vec<(Vec<u8>, Vec<u8>)>,
    shards: FastMap<Vec<u8>, usize>,
    bytes: usize,
}

impl Taken {
    fn hits(&self, key: &[u8]) -> bool {
        self.puts.contains(key) || self.deletes.iter().any(|(s, e)| key >= s.as_slice() && key < e.as_slice())
    }

    fn meets(&self, start: &[u8], end: &[u8]) -> bool {
        self.puts.range(start.to_vec()..end.to_vec()).next().is_some()
            || self.deletes.iter().any(|(s, e)| start < e.as_slice() && s.as_slice() < end)
    }

    /// Adds `job` if it fits beside what is taken: Some(its bumps'
    /// shards), or None.
    fn place(&mut self, job: &WriteJob, first: bool) -> Option<Vec<usize>> {
        if !first && self.bytes + job.bytes > BATCH_WRITE_BYTES {
            return None;
        }
        let f = &job.footprint;
        // The op's bumps are of distinct parents (Footprint::bumps), so
        // each takes the next free shard of its own parent.
        let shards: Vec<usize> = f.bumps.iter().map(|c| self.shards.get(c).copied().unwrap_or(0)).collect();
        if shards.iter().any(|&s| s >= MAX_COUNTER_SHARDS) {
            return None;
        }
        let shard_keys: Vec<Vec<u8>> = f.bumps.iter().zip(&shards).map(|(c, &s)| shard_key(c, s)).collect();
        if f.puts.iter().chain(shard_keys.iter()).any(|k| self.hits(k))
            || f.deletes.iter().any(|(s, e)| self.meets(s, e))
        {
            return None;
        }
        // Puts of one op must not fall in its own deletes either: true of
        // every op built here (its deletes are its own keys, its puts the
        // parent's), so only other ops' are checked.
        self.puts.extend(f.puts.iter().cloned());
        self.puts.extend(shard_keys);
        self.deletes.extend(f.deletes.iter().cloned());
        for (c, &s) in f.bumps.iter().zip(&shards) {
            self.shards.insert(c.clone(), s + 1);
        }
        self.bytes += job.bytes;
        Some(shards)
    }
}

/// The key the `i`-th bump of `counter` in a batch puts: shard `i + 1` (a
/// child counter or pzxid mark; the same as `write::bump_shard` and
/// `write::mark_shard`).
fn shard_key(counter: &[u8], i: usize) -> Vec<u8> {
    let mut k = counter.to_vec();
    k.extend_from_slice((i + 1).to_string().as_bytes());
    k
}

async fn run(mut rx: mpsc::UnboundedReceiver<WriteJob>, transport: Arc<Transport>, slots: Arc<Semaphore>) {
    // Jobs that did not fit the last batch start the next one, in order.
    let mut waiting: VecDeque<WriteJob> = VecDeque::new();
    loop {
        if waiting.is_empty() {
            match rx.recv().await {
                Some(j) => waiting.push_back(j),
                None => return,
            }
        }
        let Ok(slot) = slots.clone().acquire_owned().await else { return };
        while let Ok(j) = rx.try_recv() {
            waiting.push_back(j);
        }
        let mut taken = Taken::default();
        let mut batch: Vec<Placed> = Vec::new();
        let mut skipped = VecDeque::new();
        while let Some(job) = waiting.pop_front() {
            if batch.len() >= MAX_WRITES_PER_TXN {
                waiting.push_front(job);
                break;
            }
            match taken.place(&job, batch.is_empty()) {
                Some(shards) => batch.push(Placed { job, shards }),
                None => skipped.push_back(job),
            }
        }
        // Skipped jobs go first next time (they were queued before the rest).
        skipped.append(&mut waiting);
        waiting = skipped;
        let transport = transport.clone();
        tokio::spawn(async move {
            send_batch(&transport, batch).await;
            drop(slot);
        });
    }
}

/// Sends `batch` as one txn (one op: its own txn, not nested) and answers
/// every op.
async fn send_batch(transport: &Transport, mut batch: Vec<Placed>) {
    if batch.len() == 1 {
        let p = batch.pop().expect("one op");
        let answer = send_alone(transport, &p).await;
        (p.job.answer)(answer);
        return;
    }
    let ops: Vec<TxnOp> = batch.iter().zip(0..).map(|(p, sub)| TxnOp::txn((p.job.build)(&p.shards, sub))).collect();
    match transport.txn(Txn::new().and_then(ops), Retry::IfNotSent).await {
        Ok(resp) => {
            let revision = resp.header().map_or(0, |h| h.revision());
            let mut answers = resp.op_responses().into_iter();
            for (p, sub) in batch.into_iter().zip(0..) {
                let answer = match answers.next() {
                    Some(TxnOpResponse::Txn(resp)) => Ok(Written { revision, sub, resp }),
                    _ => Err(ZkError::new(
                        Code::SystemError,
                        "etcd answered a write batch with an unexpected response shape",
                    )),
                };
                (p.job.answer)(answer);
            }
        }
        // The outcome is unknown: never sent again.
        Err(e) if e.code == Code::ConnectionLoss => {
            for p in batch {
                (p.job.answer)(Err(e.clone()));
            }
        }
        // etcd refused the whole txn, so nothing in it was applied: each op
        // alone gets the answer it would have had.
        Err(e) => {
            log::debug!("etcd refused a batch of {} writes ({}); sending them one by one", batch.len(), e.message);
            for p in batch {
                let answer = send_alone(transport, &p).await;
                (p.job.answer)(answer);
            }
        }
    }
}

async fn send_alone(transport: &Transport, p: &Placed) -> ZkResult<Written> {
    // Alone, each bump goes to its parent's first shard.
    let resp = transport.txn((p.job.build)(&vec![0; p.shards.len()], 0), Retry::IfNotSent).await?;
    Ok(Written { revision: resp.header().map_or(0, |h| h.revision()), sub: 0, resp })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(f: Footprint) -> WriteJob {
        WriteJob { build: Box::new(|_, _| Txn::new()), footprint: f, bytes: 100, answer: Box::new(|_| {}) }
    }

    #[test]
    fn conflicting_keys_split_and_bumps_take_shards() {
        let mut t = Taken::default();
        let put = |k: &str| Footprint { puts: vec![k.into()], ..Default::default() };
        assert_eq!(t.place(&job(put("a")), true), Some(vec![]));
        assert_eq!(t.place(&job(put("a")), false), None, "one key put twice");
        let del = Footprint { deletes: vec![(b"a".to_vec(), b"b".to_vec())], ..Default::default() };
        assert_eq!(t.place(&job(del), false), None, "a delete over a put key");
        let bump = |parents: &[&str]| Footprint {
            bumps: parents.iter().map(|p| p.as_bytes().to_vec()).collect(),
            ..Default::default()
        };
        // The i-th bump of one parent takes shard index i (key shard i + 1);
        // an op bumping two parents takes the next shard of each.
        assert_eq!(t.place(&job(bump(&["c", "d"])), false), Some(vec![0, 0]));
        for i in 1..MAX_COUNTER_SHARDS {
            assert_eq!(t.place(&job(bump(&["c"])), false), Some(vec![i]));
        }
        assert_eq!(t.place(&job(bump(&["d", "e"])), false), Some(vec![1, 0]));
        assert_eq!(t.place(&job(bump(&["e", "c"])), false), None, "c is out of shards");
        assert_eq!(t.place(&job(bump(&["e"])), false), Some(vec![1]), "the refused op took nothing");
        assert_eq!(shard_key(b"c", 0), b"c1");
        assert_eq!(shard_key(b"c", 12), b"c13");
    }
}
