//! Read batching: reads that are ready while every etcd slot is busy are
//! folded into one txn, so a burst of reads costs few round trips. A batch
//! holds at most 128 range ops (etcd's limit: 64 reads for a Stat, 42
//! with children's names) and about
//! [`BATCH_BYTES`] of expected answer: reads of nodes recently seen to be
//! large count for their size. A batch whose answer turns out too large
//! anyway is split in halves and retried, so one big node never fails
//! the reads beside it.
//!
//! A read for a Stat (getData, exists) asks etcd for the node and attribute
//! keys only; the child count, a count-only range that costs etcd about a
//! third of such a read, is read after, at the batch's revision and in one
//! txn for the whole batch, only for nodes that ever had a child
//! (`NodeState::ever_had_children`: the attribute range shows it). Most
//! znodes Kafka reads (partition states, configs, broker registrations)
//! never had one; a parent's read takes a second round trip.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use etcd_client::{Txn, TxnOp};
use tokio::sync::{mpsc, oneshot, Semaphore};

use super::limits::{BATCH_BYTES, BATCH_DECODE_LIMIT, ETCD_MAX_TXN_OPS};
use super::state::{count_op, read_ops, ChildRead, NodeState, NODE_OPS, READ_OPS};
use super::transport::{Retry, Transport, TxnError};
use crate::znode::keys::Keys;
use crate::znode::{Code, ZkError, ZkResult};

/// As many whole reads (node, attributes, children: [`READ_OPS`] ops each)
/// as one txn holds.
pub const MAX_READS_PER_TXN: usize = ETCD_MAX_TXN_OPS / READ_OPS;

/// The ops a job's first txn holds: a count waits (see the module doc).
fn job_ops(keys: &Keys, job: &ReadJob) -> Vec<TxnOp> {
    let ops = read_ops(keys, &job.path, job.children, 0);
    match job.children {
        ChildRead::Count => ops.into_iter().take(NODE_OPS).collect(),
        ChildRead::Names => ops.to_vec(),
    }
}

fn job_op_count(job: &ReadJob) -> usize {
    match job.children {
        ChildRead::Count => NODE_OPS,
        ChildRead::Names => READ_OPS,
    }
}

/// What becomes of a read's answer. Called on the batch's task as soon
/// as the answer is in, so it must be quick and must not block; a request
/// answered here needs no task of its own (see `ZkClient::submit_then`).
pub type Answer = Box<dyn FnOnce(ZkResult<NodeState>) + Send + Sync>;

pub struct ReadJob {
    pub path: String,
    pub children: ChildRead,
    pub answer: Answer,
}

pub struct ReadBatcher {
    tx: mpsc::UnboundedSender<ReadJob>,
}

impl ReadBatcher {
    pub fn start(keys: Keys, transport: Arc<Transport>, permits: Arc<Semaphore>) -> ReadBatcher {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(rx, Arc::new(Reader { keys, transport, sizes: AnswerSizes::default() }), permits));
        ReadBatcher { tx }
    }

    /// Queues a read of `path`; `answer` gets its result (SESSIONEXPIRED
    /// at once if the client is closed).
    pub fn send(&self, path: String, children: ChildRead, answer: Answer) {
        if let Err(mpsc::error::SendError(job)) = self.tx.send(ReadJob { path, children, answer }) {
            (job.answer)(Err(closed()));
        }
    }

    pub async fn read(&self, path: &str, children: ChildRead) -> ZkResult<NodeState> {
        let (reply, rx) = oneshot::channel();
        self.send(
            path.to_string(),
            children,
            Box::new(move |st| {
                let _ = reply.send(st);
            }),
        );
        rx.await.map_err(|_| closed())?
    }
}

/// What a read of a closed client gets.
fn closed() -> ZkError {
    ZkError::new(Code::SessionExpired, "client is closed")
}

/// Answer sizes of reads seen to be large lately, so later batches can
/// leave room for them. Small answers are not remembered.
#[derive(Default)]
struct AnswerSizes {
    large: Mutex<HashMap<(String, bool), usize>>,
}

/// What a read whose size is unknown is expected to cost.
const SMALL_ANSWER: usize = 1024;
/// Answers from this size on are remembered.
const REMEMBER_FROM: usize = 32 * 1024;
/// Bound on the table; it starts over when full.
const REMEMBERED: usize = 4096;

impl AnswerSizes {
    fn key(job: &ReadJob) -> (String, bool) {
        (job.path.clone(), job.children == ChildRead::Names)
    }

    fn expected(&self, job: &ReadJob) -> usize {
        let t = self.large.lock().unwrap_or_else(|p| p.into_inner());
        t.get(&Self::key(job)).copied().unwrap_or(SMALL_ANSWER)
    }

    fn learn(&self, job: &ReadJob, st: &NodeState) {
        let bytes = answer_bytes(st);
        let mut t = self.large.lock().unwrap_or_else(|p| p.into_inner());
        if bytes >= REMEMBER_FROM {
            if t.len() >= REMEMBERED {
                t.clear();
            }
            t.insert(Self::key(job), bytes);
        } else if !t.is_empty() {
            t.remove(&Self::key(job));
        }
    }
}

/// About how many bytes etcd's answer to one read took.
fn answer_bytes(st: &NodeState) -> usize {
    let kv = |k: &Option<etcd_client::KeyValue>| k.as_ref().map_or(0, |kv| kv.key().len() + kv.value().len() + 32);
    let names: usize = st.children.iter().map(|c| st.path.len() + c.len() + 40).sum();
    kv(&st.node) + kv(&st.attrs) + kv(&st.counter) + names + 64
}

struct Reader {
    keys: Keys,
    transport: Arc<Transport>,
    sizes: AnswerSizes,
}

async fn run(mut rx: mpsc::UnboundedReceiver<ReadJob>, reader: Arc<Reader>, permits: Arc<Semaphore>) {
    // A read that did not fit the last batch starts the next one.
    let mut carried: Option<ReadJob> = None;
    loop {
        let first = match carried.take() {
            Some(j) => j,
            None => match rx.recv().await {
                Some(j) => j,
                None => return,
            },
        };
        let Ok(permit) = permits.clone().acquire_owned().await else { return };
        let mut bytes = reader.sizes.expected(&first);
        let mut ops = job_op_count(&first);
        let mut jobs = vec![first];
        while ops + NODE_OPS <= ETCD_MAX_TXN_OPS {
            let Ok(j) = rx.try_recv() else { break };
            let more = reader.sizes.expected(&j);
            if bytes + more > BATCH_BYTES || ops + job_op_count(&j) > ETCD_MAX_TXN_OPS {
                carried = Some(j);
                break;
            }
            bytes += more;
            ops += job_op_count(&j);
            jobs.push(j);
        }
        let reader = reader.clone();
        tokio::spawn(async move {
            reader.run_batch(jobs).await;
            drop(permit);
        });
    }
}

impl Reader {
    /// Reads the child count of every counted node that ever had a child,
    /// at `rev` (the revision the rest of its state was read at), in one
    /// txn. Should that read fail (the revision compacted away in
    /// between, say), those nodes are read again whole, at a new revision.
    async fn count_children(&self, jobs: &[ReadJob], states: &mut [ZkResult<NodeState>], rev: i64) {
        let wanted: Vec<usize> = (0..jobs.len())
            .filter(|&i| jobs[i].children == ChildRead::Count)
            .filter(|&i| matches!(&states[i], Ok(st) if st.exists() && st.ever_had_children().unwrap_or(true)))
            .collect();
        if wanted.is_empty() {
            return;
        }
        let ops: Vec<TxnOp> = wanted.iter().map(|&i| count_op(&self.keys, &jobs[i].path, rev)).collect();
        if let Ok(resp) = self.transport.txn(Txn::new().and_then(ops), Retry::Anywhere).await {
            let mut it = resp.op_responses().into_iter();
            for &i in &wanted {
                if let Ok(st) = &mut states[i] {
                    if let Err(e) = st.set_count(it.next()) {
                        states[i] = Err(e);
                    }
                }
            }
            return;
        }
        for chunk in wanted.chunks(MAX_READS_PER_TXN) {
            let ops: Vec<TxnOp> =
                chunk.iter().flat_map(|&i| read_ops(&self.keys, &jobs[i].path, ChildRead::Count, 0)).collect();
            match self.transport.txn(Txn::new().and_then(ops), Retry::Anywhere).await {
                Ok(resp) => {
                    let rev = resp.header().map_or(0, |h| h.revision());
                    let mut it = resp.op_responses().into_iter();
                    for &i in chunk {
                        states[i] = NodeState::parse(&self.keys, &jobs[i].path, rev, &mut it);
                    }
                }
                Err(e) => {
                    for &i in chunk {
                        states[i] = Err(e.clone());
                    }
                }
            }
        }
    }

    /// Runs `jobs` as one txn and answers each; splits the batch when its
    /// answer is too large. Boxed: it calls itself on the halves.
    fn run_batch(&self, mut jobs: Vec<ReadJob>) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            let single = jobs.len() == 1;
            let limit = if single { self.transport.decode_limit() } else { BATCH_DECODE_LIMIT };
            let ops: Vec<_> = jobs.iter().flat_map(|j| job_ops(&self.keys, j)).collect();
            match self.transport.txn_bounded(Txn::new().and_then(ops), Retry::Anywhere, limit).await {
                Ok(resp) => {
                    let rev = resp.header().map_or(0, |h| h.revision());
                    let mut it = resp.op_responses().into_iter();
                    let mut states: Vec<ZkResult<NodeState>> = jobs
                        .iter()
                        .map(|j| match j.children {
                            ChildRead::Count => NodeState::parse_node(&self.keys, &j.path, rev, &mut it),
                            ChildRead::Names => NodeState::parse(&self.keys, &j.path, rev, &mut it),
                        })
                        .collect();
                    self.count_children(&jobs, &mut states, rev).await;
                    for (j, st) in jobs.into_iter().zip(states) {
                        if let Ok(st) = &st {
                            self.sizes.learn(&j, st);
                        }
                        (j.answer)(st);
                    }
                }
                Err(TxnError::AnswerTooLarge(msg)) if !single => {
                    log::debug!("a batch of {} reads answered too much ({msg}); splitting it", jobs.len());
                    let second = jobs.split_off(jobs.len() / 2);
                    self.run_batch(jobs).await;
                    self.run_batch(second).await;
                }
                Err(TxnError::AnswerTooLarge(msg)) => {
                    let e = ZkError::bad_arguments(format!(
                        "the answer to reading {} exceeds {limit} bytes: {msg}",
                        jobs[0].path
                    ));
                    if let Some(j) = jobs.pop() {
                        (j.answer)(Err(e));
                    }
                }
                Err(TxnError::Failed(e)) => {
                    for j in jobs {
                        (j.answer)(Err(e.clone()));
                    }
                }
            }
        })
    }
}
