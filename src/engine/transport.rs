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
use std::sync::Arc;
use std::time::Duration;

use etcd_client::{Client, ConnectOptions, Txn, TxnResponse};
use tokio::time::{timeout, Instant};

use super::limits::{self, SizeFailure};
use super::security::{self, Credentials, TlsOptions};
use super::tls_probe::TlsProbe;
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
    /// TLS is on: transport errors may be certificate problems.
    tls: bool,
    /// Asks an endpoint that closed on us whether it refuses our certificate.
    tls_probe: Option<TlsProbe>,
    /// An etcd user is configured: "user name is empty" then means "this
    /// endpoint's client has not logged in yet", not a refusal.
    auth: bool,
    /// Background log-ins hold a weak reference: they stop once the
    /// transport is gone.
    alive: Arc<()>,
    /// Byte bounds of requests and answers (`limits.rs`).
    encode_limit: usize,
    decode_limit: usize,
}

impl Transport {
    /// Builds one lazily connecting client per endpoint. With credentials,
    /// logs in to every reachable endpoint now (a wrong password fails here);
    /// endpoints down at connect log in from the background when they return.
    pub async fn new(
        endpoints: &[String],
        request_timeout: Duration,
        connect_timeout: Duration,
        tls: Option<&TlsOptions>,
        credentials: Option<&Credentials>,
    ) -> ZkResult<Transport> {
        let options = ConnectOptions::new()
            .with_connect_timeout(connect_timeout)
            .with_keep_alive(Duration::from_secs(2), Duration::from_secs(2))
            .with_keep_alive_while_idle(true)
            // A member cut off from the leader cancels our streams instead
            // of leaving them silently stale.
            .with_require_leader(true);
        let options = security::apply(options, tls, None)?.with_auto_token_refresh(credentials.is_some());
        let scheme = if tls.is_some() { "https" } else { "http" };
        let mut clients = Vec::with_capacity(endpoints.len());
        for e in endpoints {
            let client = Client::connect([format!("{scheme}://{e}")], Some(options.clone()))
                .await
                .map_err(|err| match tls {
                    // tonic checks the PEM here and says only "transport error".
                    Some(_) => ZkError::bad_arguments(format!(
                        "TLS settings for etcd {e} cannot be used ({err}): check that the CA and client certificates are PEM and the key is PKCS#8, PKCS#1 or SEC1 (an EC key must hold its public key)"
                    )),
                    None => ZkError::bad_arguments(format!("etcd endpoint {e}: {err}")),
                })?;
            clients.push(client);
        }
        let transport = Transport {
            endpoints: endpoints.to_vec(),
            clients,
            current: AtomicUsize::new(0),
            request_timeout,
            tls: tls.is_some(),
            tls_probe: tls.and_then(TlsProbe::new),
            auth: credentials.is_some(),
            alive: Arc::new(()),
            encode_limit: limits::encode_limit(0),
            decode_limit: limits::decode_limit(0),
        };
        if let Some(c) = credentials {
            transport.log_in(c, connect_timeout).await?;
        }
        Ok(transport)
    }

    /// Authenticates every endpoint's client at once. A refusal (wrong
    /// password, TLS) fails the connect when no endpoint accepted. Transient
    /// failures (a member down, a leader election under way: etcd runs each
    /// log-in through raft) are tried again until one endpoint has logged in
    /// or `within` is over; endpoints still not logged in then keep trying
    /// in the background.
    async fn log_in(&self, creds: &Credentials, within: Duration) -> ZkResult<()> {
        let deadline = Instant::now() + within;
        let mut pending: Vec<usize> = (0..self.clients.len()).collect();
        let mut last = String::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(50));
            let tasks: Vec<_> = pending
                .iter()
                .map(|&i| {
                    let mut c = self.clients[i].clone();
                    let user = Some((creds.user.clone(), creds.password.clone()));
                    tokio::spawn(async move { timeout(left, c.update_user(user)).await })
                })
                .collect();
            let mut refusal = None;
            let mut any_ok = false;
            let mut transient = Vec::new();
            let mut unreachable = 0;
            for (&i, t) in pending.iter().zip(tasks) {
                match t.await {
                    Ok(Ok(Ok(()))) => any_ok = true,
                    Ok(Ok(Err(e))) => match self.classify(&e, i) {
                        Failure::Fatal(err) | Failure::Refused(err) => refusal = Some(err),
                        Failure::NotSent(msg) | Failure::Unknown(msg) | Failure::AnswerTooLarge(msg) => {
                            unreachable += usize::from(is_connect_failure(&msg));
                            log::info!("etcd {}: cannot log in yet ({msg})", self.endpoints[i]);
                            last = msg;
                            transient.push(i);
                        }
                    },
                    _ => {
                        last = format!("no answer from etcd {} within {left:?}", self.endpoints[i]);
                        transient.push(i);
                    }
                }
            }
            if let Some(err) = refusal.filter(|_| !any_ok) {
                return Err(err);
            }
            // No endpoint accepts connections: the store is down, so fail now
            // as a connect without credentials does.
            let store_down = !any_ok && unreachable == self.clients.len();
            if any_ok || store_down || Instant::now() >= deadline {
                for &i in &transient {
                    self.log_in_later(i, creds.clone());
                }
                return match any_ok {
                    true => Ok(()),
                    false => Err(ZkError::connection_loss(format!(
                        "no etcd endpoint accepted a log-in within {within:?}: {last}"
                    ))),
                };
            }
            pending = transient;
            tokio::time::sleep(Duration::from_millis(200).min(deadline.saturating_duration_since(Instant::now())))
                .await;
        }
    }

    fn log_in_later(&self, i: usize, creds: Credentials) {
        let mut client = self.clients[i].clone();
        let endpoint = self.endpoints[i].clone();
        let alive = Arc::downgrade(&self.alive);
        tokio::spawn(async move {
            let mut pause = Duration::from_millis(200);
            loop {
                tokio::time::sleep(pause).await;
                if alive.strong_count() == 0 {
                    return;
                }
                match timeout(
                    Duration::from_secs(5),
                    client.update_user(Some((creds.user.clone(), creds.password.clone()))),
                )
                .await
                {
                    Ok(Ok(())) => {
                        log::info!("etcd {endpoint}: logged in as {}", creds.user);
                        return;
                    }
                    Ok(Err(e)) => log::debug!("etcd {endpoint}: log-in failed: {e}"),
                    Err(_) => {}
                }
                pause = (pause * 2).min(Duration::from_secs(5));
            }
        });
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
        if self.current.compare_exchange(failed, next, Ordering::Relaxed, Ordering::Relaxed).is_ok()
            && self.clients.len() > 1
        {
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
        // Endpoints in a row that refused us for good (TLS, certificates).
        let mut refused = 0;
        // Endpoints in a row that did not accept the connection. When every
        // endpoint did not (one round), the store is down: CONNECTIONLOSS now,
        // as ZooKeeper's client answers while disconnected, instead of
        // retrying until the deadline (the caller, e.g. Kafka, retries after it).
        let mut unreachable = 0;
        loop {
            let (i, client) = self.current();
            attempts += 1;
            let left = deadline.saturating_duration_since(Instant::now());
            // Give one endpoint at most half the budget when there are others
            // to try, so a silently dead member cannot eat the whole deadline.
            let slice = if self.clients.len() > 1 { left / 2 } else { left }.max(Duration::from_millis(50));
            let mut kv =
                client.kv_client().max_decoding_message_size(decode_limit).max_encoding_message_size(self.encode_limit);
            let outcome = timeout(slice, kv.txn(txn.clone())).await;
            let failure = match outcome {
                Ok(Ok(resp)) => return Ok(resp),
                Ok(Err(e)) => {
                    let f = self.classify(&e, i);
                    self.diagnose(f, &e, i).await
                }
                Err(_) => Failure::Unknown(format!("no answer from etcd {} within {:?}", self.endpoints[i], slice)),
            };
            if !matches!(failure, Failure::Refused(_)) {
                refused = 0;
            }
            if !matches!(failure, Failure::NotSent(_)) {
                unreachable = 0;
            }
            match failure {
                Failure::Fatal(err) => return Err(TxnError::Failed(err)),
                // Every endpoint refused us in turn (certificates): settled.
                Failure::Refused(err) if refused + 1 >= self.clients.len() => return Err(TxnError::Failed(err)),
                Failure::Refused(err) => {
                    refused += 1;
                    log::warn!("{}; trying the next endpoint", err.message);
                    self.rotate_from(i);
                }
                // A write whose answer we could not decode was applied or
                // not: only reads ask for answers that small.
                Failure::AnswerTooLarge(msg) if retry == Retry::Anywhere => return Err(TxnError::AnswerTooLarge(msg)),
                Failure::AnswerTooLarge(msg) => {
                    return Err(TxnError::Failed(ZkError::connection_loss(format!(
                        "outcome unknown, answer too large: {msg}"
                    ))))
                }
                Failure::NotSent(msg) | Failure::Unknown(msg) if Instant::now() >= deadline => {
                    self.rotate_from(i);
                    return Err(TxnError::Failed(ZkError::connection_loss(format!(
                        "etcd unreachable after {attempts} attempts: {msg}"
                    ))));
                }
                Failure::NotSent(msg) => {
                    self.rotate_from(i);
                    unreachable += 1;
                    if unreachable >= self.clients.len() {
                        return Err(TxnError::Failed(ZkError::connection_loss(format!(
                            "no etcd endpoint reachable ({unreachable} tried): {msg}"
                        ))));
                    }
                    log::debug!("etcd {}: request not sent ({msg}); retrying elsewhere", self.endpoints[i]);
                    backoff(attempts).await;
                }
                Failure::Unknown(msg) => {
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
    /// This endpoint refused the connection for good (TLS, certificates):
    /// another endpoint may still accept it; nothing was sent.
    Refused(ZkError),
    /// The answer was larger than the decode limit.
    AnswerTooLarge(String),
}

impl Transport {
    /// Sorts an etcd error on endpoint `i` into [`Failure`], naming
    /// security causes (authentication, TLS, certificates).
    fn classify(&self, e: &etcd_client::Error, i: usize) -> Failure {
        let endpoint = &self.endpoints[i];
        if let etcd_client::Error::GRpcStatus(s) = e {
            // Not logged in on this endpoint yet (it was down at connect):
            // refused before anything happened, so safe to send elsewhere.
            if self.auth && s.message().contains("user name is empty") {
                return Failure::NotSent(format!("not logged in to etcd {endpoint} yet"));
            }
            if let Some(err) = security::auth_refusal(s.message()) {
                return Failure::Fatal(err);
            }
        }
        let chain = error_chain(e);
        if let Some(what) = security::tls_failure(&chain, self.tls) {
            return Failure::Refused(security::tls_error(endpoint, &what));
        }
        classify(e)
    }

    /// A closed connection can hide a settled refusal: a plaintext client
    /// on a TLS-only port, or (TLS 1.3) etcd's alert refusing our client
    /// certificate losing the race with our first request. When a failure
    /// looks like that, ask the port directly.
    async fn diagnose(&self, failure: Failure, e: &etcd_client::Error, i: usize) -> Failure {
        let closed =
            matches!(failure, Failure::Unknown(_) | Failure::NotSent(_)) && security::may_be_tls_port(&error_chain(e));
        if !closed {
            return failure;
        }
        let endpoint = &self.endpoints[i];
        match &self.tls_probe {
            Some(probe) => {
                if let Some(what) = probe.refusal(endpoint).await {
                    return Failure::Refused(security::tls_error(endpoint, &what));
                }
            }
            None if !self.tls && security::closes_plaintext(endpoint).await => {
                return Failure::Refused(security::tls_required(endpoint));
            }
            None => {}
        }
        failure
    }
}

/// The error and all its sources, so a TLS cause deep in the chain shows.
fn error_chain(e: &etcd_client::Error) -> String {
    let mut out = format!("{e:?}");
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(" / ");
        out.push_str(&format!("{s:?}"));
        source = s.source();
    }
    out
}

/// Sorts an etcd error into [`Failure`] (transport and gRPC causes).
fn classify(e: &etcd_client::Error) -> Failure {
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
                G::PermissionDenied | G::Unauthenticated => Failure::Fatal(
                    security::auth_refusal(&msg)
                        .unwrap_or_else(|| ZkError::new(Code::AuthFailed, format!("etcd: {msg}"))),
                ),
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
