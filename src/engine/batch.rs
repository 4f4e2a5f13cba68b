//! Read batching: reads that are ready while every etcd slot is busy are
//! folded into one txn (up to etcd's 128-op limit), so a burst of reads
//! costs few round trips.

use std::sync::Arc;

use etcd_client::Txn;
use tokio::sync::{mpsc, oneshot, Semaphore};

use super::state::{read_ops, ChildRead, NodeState, READ_OPS};
use super::transport::{Retry, Transport};
use crate::znode::keys::Keys;
use crate::znode::{Code, ZkError, ZkResult};

/// etcd's default `--max-txn-ops` is 128; each read is [`READ_OPS`] ops.
pub const MAX_READS_PER_TXN: usize = 128 / READ_OPS;

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
        tokio::spawn(run(rx, keys, transport, permits));
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

async fn run(mut rx: mpsc::UnboundedReceiver<ReadJob>, keys: Keys, transport: Arc<Transport>, permits: Arc<Semaphore>) {
    while let Some(first) = rx.recv().await {
        let Ok(permit) = permits.clone().acquire_owned().await else { return };
        let mut jobs = vec![first];
        while jobs.len() < MAX_READS_PER_TXN {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let (keys, transport) = (keys.clone(), transport.clone());
        tokio::spawn(async move {
            let ops: Vec<_> = jobs.iter().flat_map(|j| read_ops(&keys, &j.path, j.children, 0)).collect();
            let result = transport.txn(Txn::new().and_then(ops), Retry::Anywhere).await;
            drop(permit);
            match result {
                Err(e) => {
                    for j in jobs {
                        let _ = j.reply.send(Err(e.clone()));
                    }
                }
                Ok(resp) => {
                    let rev = resp.header().map_or(0, |h| h.revision());
                    let mut it = resp.op_responses().into_iter();
                    for j in jobs {
                        let st = NodeState::parse(&keys, &j.path, rev, &mut it);
                        let _ = j.reply.send(st);
                    }
                }
            }
        });
    }
}
