//! Read batching: reads that are ready while every etcd slot is busy are
//! folded into one txn, so a burst of reads costs few round trips. A batch
//! holds at most 42 reads (etcd's 128-op limit) and about
//! [`BATCH_BYTES`] of expected answer: reads of nodes recently seen to be
//! large count for their size. A batch whose answer turns out too large
//! anyway is split in halves and retried, so one big node never fails
//! the reads beside it.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use etcd_client::Txn;
use tokio::sync::{mpsc, oneshot, Semaphore};

use super::limits::{BATCH_BYTES, BATCH_DECODE_LIMIT, ETCD_MAX_TXN_OPS};
use super::state::{read_ops, ChildRead, NodeState, READ_OPS};
use super::transport::{Retry, Transport, TxnError};
use crate::znode::keys::Keys;
use crate::znode::{Code, ZkError, ZkResult};

/// As many reads as one txn holds: each read is [`READ_OPS`] ops.
pub const MAX_READS_PER_TXN: usize = ETCD_MAX_TXN_OPS / READ_OPS;

pub struct ReadJob {
    pub path: String,
    pub children: ChildRead,
    pub reply: oneshot::Sender<ZkResult<NodeState>>,
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

    pub async fn read(&self, path: &str, children: ChildRead) -> ZkResult<NodeState> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(ReadJob { path: path.to_string(), children, reply })
            .map_err(|_| ZkError::new(Code::SessionExpired, "client is closed"))?;
        rx.await.map_err(|_| ZkError::new(Code::SessionExpired, "client is closed"))?
    }
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
        let mut jobs = vec![first];
        while jobs.len() < MAX_READS_PER_TXN {
            let Ok(j) = rx.try_recv() else { break };
            let more = reader.sizes.expected(&j);
            if bytes + more > BATCH_BYTES {
                carried = Some(j);
                break;
            }
            bytes += more;
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
    /// Runs `jobs` as one txn and answers each; splits the batch when its
    /// answer is too large. Boxed: it calls itself on the halves.
    fn run_batch(&self, mut jobs: Vec<ReadJob>) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            let single = jobs.len() == 1;
            let limit = if single { self.transport.decode_limit() } else { BATCH_DECODE_LIMIT };
            let ops: Vec<_> = jobs.iter().flat_map(|j| read_ops(&self.keys, &j.path, j.children, 0)).collect();
            match self.transport.txn_bounded(Txn::new().and_then(ops), Retry::Anywhere, limit).await {
                Ok(resp) => {
                    let rev = resp.header().map_or(0, |h| h.revision());
                    let mut it = resp.op_responses().into_iter();
                    for j in jobs {
                        let st = NodeState::parse(&self.keys, &j.path, rev, &mut it);
                        if let Ok(st) = &st {
                            self.sizes.learn(&j, st);
                        }
                        let _ = j.reply.send(st);
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
                        let _ = j.reply.send(Err(e));
                    }
                }
                Err(TxnError::Failed(e)) => {
                    for j in jobs {
                        let _ = j.reply.send(Err(e.clone()));
                    }
                }
            }
        })
    }
}
