//! Talking to etcd: one etcd client per endpoint, failover between them,
//! a time bound on every call, and the rule for writes whose outcome is
//! unknown.
//!
//! `etcd-client` given several endpoints spreads calls over all of them and
//! keeps sending a share to a dead one. So we hold one client per endpoint
//! and stick to the one that last worked; on a failure we move on.
//! A read may be retried anywhere. A write is retried only when the failure
//! proves the request never left (the connection could not be made);
//! otherwise its outcome is unknown and the caller gets CONNECTIONLOSS, so
//! it is never applied twice.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use etcd_client::{Client, ConnectOptions, Txn, TxnResponse};
use tokio::time::{timeout, Instant};

use super::limits::{self, SizeFailure};
use crate::znode::{Code, ZkError, ZkResult};

/// May a failed call be sent again?
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retry {
    /// Reads: retry on any endpoint until the deadline (but see `txn`: not
    /// once every endpoint refused the connection).
    Anywhere,
    /// Writes: retry only if the request provably never reached a server.
    IfNotSent,
}

pub struct Transport {
    endpoints: Vec<String>,
    clients: Vec<Client>,
    current: AtomicUsize,
    request_timeout: Duration,
    /// Byte bounds of requests and answers (`limits.rs`).
    encode_limit: usize,
    decode_limit: usize,
}

impl Transport {
    /// Builds one lazily connecting client per endpoint.
    pub async fn new(endpoints: &[String], request_timeout: Duration, connect_timeout: Duration) -> ZkResult<Transport> {
        let options = ConnectOptions::new()
            .with_connect_timeout(connect_timeout)
            .with_keep_alive(Duration::from_secs(2), Duration::from_secs(2))
            .with_keep_alive_while_idle(true)
            // A member cut off from the leader cancels our streams instead
            // of leaving them silently stale.
            .with_require_leader(true);
        let mut clients = Vec::with_capacity(endpoints.len());
        for e in endpoints {
            let client = Client::connect([format!("http://{e}")], Some(options.clone()))
                .await
                .map_err(|err| ZkError::bad_arguments(format!("etcd endpoint {e}: {err}")))?;
            clients.push(client);
        }
        let (encode_limit, decode_limit) = (limits::encode_limit(0), limits::decode_limit(0));
        Ok(Transport { endpoints: endpoints.to_vec(), clients, current: AtomicUsize::new(0), request_timeout, encode_limit, decode_limit })
    }

    /// Sets the byte bounds for znodes of up to `max_data` bytes.
    pub fn with_max_data(mut self, max_data: usize) -> Transport {
        self.encode_limit = limits::encode_limit(max_data);
        self.decode_limit = limits::decode_limit(max_data);
        self
    }

    /// The largest answer one txn may have.
    pub fn decode_limit(&self) -> usize {
        self.decode_limit
    }

    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// The endpoint calls currently go to, and its client.
    pub fn current(&self) -> (usize, Client) {
        let i = self.current.load(Ordering::Relaxed) % self.clients.len();
        (i, self.clients[i].clone())
    }

    /// Moves off endpoint `failed` (if no one else already did).
    pub fn rotate_from(&self, failed: usize) {
        let next = (failed + 1) % self.clients.len();
        if self.current.compare_exchange(failed, next, Ordering::Relaxed, Ordering::Relaxed).is_ok() && self.clients.len() > 1 {
            log::warn!("etcd endpoint {} failed; switching to {}", self.endpoints[failed], self.endpoints[next]);
        }
    }

    pub fn endpoint_name(&self, i: usize) -> &str {
        &self.endpoints[i]
    }

    /// Runs one txn with failover under the request deadline. Gives up with
    /// CONNECTIONLOSS early when one round of connection attempts found no
    /// endpoint accepting connections.
    pub async fn txn(&self, txn: Txn, retry: Retry) -> ZkResult<TxnResponse> {
        self.txn_bounded(txn, retry, self.decode_limit).await.map_err(|e| match e {
            TxnError::AnswerTooLarge(msg) => ZkError::bad_arguments(format!("etcd's answer is too large: {msg}")),
            TxnError::Failed(e) => e,
        })
    }

    /// Runs one txn whose answer may be at most `decode_limit` bytes; a
    /// larger answer is [`TxnError::AnswerTooLarge`], at once (a read can
    /// then be split).
    pub async fn txn_bounded(&self, txn: Txn, retry: Retry, decode_limit: usize) -> Result<TxnResponse, TxnError> {
        let deadline = Instant::now() + self.request_timeout;
        let mut attempts = 0;
        // Endpoints in a row that refused the connection. When every endpoint
        // did (one round), the store is down: CONNECTIONLOSS now, as
        // ZooKeeper's client answers while disconnected, instead of retrying
        // until the deadline (the caller, e.g. Kafka, retries after it).
        let mut refused = 0;
        loop {
            let (i, client) = self.current();
            attempts += 1;
            let left = deadline.saturating_duration_since(Instant::now());
            // Give one endpoint at most half the budget when there are others
            // to try, so a silently dead member cannot eat the whole deadline.
            let slice = if self.clients.len() > 1 { left / 2 } else { left }.max(Duration::from_millis(50));
            let mut kv = client.kv_client().max_decoding_message_size(decode_limit).max_encoding_message_size(self.encode_limit);
            let outcome = timeout(slice, kv.txn(txn.clone())).await;
            let failure = match outcome {
                Ok(Ok(resp)) => return Ok(resp),
                Ok(Err(e)) => classify(&e),
                Err(_) => Failure::Unknown(format!("no answer from etcd {} within {:?}", self.endpoints[i], slice)),
            };
            match failure {
                Failure::Fatal(err) => return Err(TxnError::Failed(err)),
                // A write whose answer we could not decode was applied or
                // not: only reads ask for answers that small.
                Failure::AnswerTooLarge(msg) if retry == Retry::Anywhere => return Err(TxnError::AnswerTooLarge(msg)),
                Failure::AnswerTooLarge(msg) => {
                    return Err(TxnError::Failed(ZkError::connection_loss(format!("outcome unknown, answer too large: {msg}"))))
                }
                Failure::NotSent(msg) | Failure::Unknown(msg) if Instant::now() >= deadline => {
                    self.rotate_from(i);
                    return Err(TxnError::Failed(ZkError::connection_loss(format!(
                        "etcd unreachable after {attempts} attempts: {msg}"
                    ))));
                }
                Failure::NotSent(msg) => {
                    self.rotate_from(i);
                    refused += 1;
                    if refused >= self.clients.len() {
                        return Err(TxnError::Failed(ZkError::connection_loss(format!(
                            "no etcd endpoint reachable ({refused} tried): {msg}"
                        ))));
                    }
                    log::debug!("etcd {}: request not sent ({msg}); retrying elsewhere", self.endpoints[i]);
                    backoff(attempts).await;
                }
                Failure::Unknown(msg) => {
                    refused = 0;
                    self.rotate_from(i);
                    if retry == Retry::IfNotSent {
                        return Err(TxnError::Failed(ZkError::connection_loss(format!(
                            "outcome unknown, etcd {}: {msg}",
                            self.endpoints[i]
                        ))));
                    }
                    backoff(attempts).await;
                }
            }
        }
    }
}

async fn backoff(attempt: u32) {
    let ms = (10u64 << attempt.min(5)).min(250);
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

/// Why [`Transport::txn_bounded`] gave up.
#[derive(Debug)]
pub enum TxnError {
    /// The answer exceeded the decode limit asked for.
    AnswerTooLarge(String),
    Failed(ZkError),
}

/// How a failed etcd call ended.
pub enum Failure {
    /// The request never reached a server: safe to send again.
    NotSent(String),
    /// It may or may not have been applied.
    Unknown(String),
    /// etcd answered with a definite refusal: sending again will not help.
    Fatal(ZkError),
    /// The answer was larger than the decode limit.
    AnswerTooLarge(String),
}

/// Sorts an etcd error into [`Failure`].
pub fn classify(e: &etcd_client::Error) -> Failure {
    use etcd_client::Error as E;
    match e {
        E::GRpcStatus(s) => {
            match limits::size_failure(s) {
                Some(SizeFailure::AnswerTooLarge(msg)) => return Failure::AnswerTooLarge(msg),
                Some(SizeFailure::RequestTooLarge(err)) => return Failure::Fatal(err),
                None => {}
            }
            let msg = s.message().to_string();
            use tonic::Code as G;
            match s.code() {
                G::InvalidArgument | G::FailedPrecondition | G::OutOfRange => {
                    Failure::Fatal(ZkError::bad_arguments(format!("etcd rejected the request: {msg}")))
                }
                G::ResourceExhausted => Failure::Fatal(ZkError::new(Code::SystemError, format!("etcd: {msg}"))),
                G::PermissionDenied | G::Unauthenticated => {
                    Failure::Fatal(ZkError::new(Code::AuthFailed, format!("etcd: {msg}")))
                }
                G::NotFound if msg.contains("lease not found") => {
                    Failure::Fatal(ZkError::new(Code::SessionExpired, format!("session lease is gone: {msg}")))
                }
                G::Unavailable if is_connect_failure(&msg) => Failure::NotSent(msg),
                _ => Failure::Unknown(format!("{:?}: {msg}", s.code())),
            }
        }
        E::TransportError(t) => {
            let msg = format!("{t:?}");
            if is_connect_failure(&msg) {
                Failure::NotSent(msg)
            } else {
                Failure::Unknown(msg)
            }
        }
        E::IoError(io) => Failure::Unknown(io.to_string()),
        other => Failure::Unknown(other.to_string()),
    }
}

/// tonic reports a refused or failed TCP connect like this; such a request
/// was never written to the wire.
fn is_connect_failure(msg: &str) -> bool {
    let m = msg.to_ascii_lowercase();
    m.contains("tcp connect error") || m.contains("error trying to connect") || m.contains("connection refused")
}
