//! A ZooKeeper session as one etcd lease: granted at connect, kept alive on
//! the runtime, revoked on close. Its state changes reach the watcher as
//! ZooKeeper's None-type events, in order with watch events.
//!
//! Who decides Expired: etcd, never the client's clock alone (as in
//! ZooKeeper, where the client learns of expiry from the server when it
//! reconnects). The client tracks the lease's deadline (last keep-alive
//! answer + TTL); while it cannot reach etcd it is Disconnected, and the
//! first member that answers settles it: a keep-alive answer with TTL 0,
//! or "lease not found", is Expired at once; a renewed lease is Connected
//! again with nothing lost. Past the deadline the client asks every
//! endpoint in quick turns, so the answer comes within about a second of
//! etcd being back.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch as signal;

use super::core::Core;
use super::request::KeeperState;
use crate::znode::{Code, ZkError, ZkResult};

/// Connection state of a session, as ZooKeeper's `States`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionState {
    Connecting = 0,
    Connected = 1,
    Disconnected = 2,
    Expired = 3,
    Closed = 4,
}

impl SessionState {
    fn from_u8(v: u8) -> SessionState {
        match v {
            0 => SessionState::Connecting,
            1 => SessionState::Connected,
            2 => SessionState::Disconnected,
            3 => SessionState::Expired,
            _ => SessionState::Closed,
        }
    }

    /// ZooKeeper's `ZooKeeper.States` name.
    pub fn zk_name(self) -> &'static str {
        match self {
            SessionState::Connecting => "CONNECTING",
            SessionState::Connected => "CONNECTED",
            SessionState::Disconnected => "CONNECTING",
            SessionState::Expired | SessionState::Closed => "CLOSED",
        }
    }
}

pub struct Session {
    lease: AtomicI64,
    ttl_secs: i64,
    state: AtomicU8,
    closing: AtomicBool,
    /// When etcd lets the lease run out unless renewed before: the last
    /// keep-alive answer's time plus its TTL, in ms after `born`.
    deadline_ms: AtomicU64,
    born: Instant,
}

impl Session {
    /// A session whose lease was granted just now.
    pub fn new(lease: i64, ttl_secs: i64) -> Session {
        let s = Session {
            lease: AtomicI64::new(lease),
            ttl_secs,
            state: AtomicU8::new(SessionState::Connected as u8),
            closing: AtomicBool::new(false),
            deadline_ms: AtomicU64::new(0),
            born: Instant::now(),
        };
        s.renewed(ttl_secs);
        s
    }

    /// etcd renewed the lease for `ttl_secs` from now.
    pub fn renewed(&self, ttl_secs: i64) {
        let at = self.born.elapsed() + Duration::from_secs(ttl_secs.max(0) as u64);
        self.deadline_ms.store(at.as_millis() as u64, Ordering::Release);
    }

    /// When the lease runs out unless etcd renews it before.
    pub fn deadline(&self) -> Instant {
        self.born + Duration::from_millis(self.deadline_ms.load(Ordering::Acquire))
    }

    /// Has the lease's deadline passed without a renewal?
    pub fn past_deadline(&self) -> bool {
        Instant::now() >= self.deadline()
    }

    pub fn id(&self) -> i64 {
        self.lease.load(Ordering::Relaxed)
    }

    pub fn ttl_secs(&self) -> i64 {
        self.ttl_secs
    }

    pub fn state(&self) -> SessionState {
        SessionState::from_u8(self.state.load(Ordering::Acquire))
    }

    /// Fails once the session is over: SESSIONEXPIRED, as ZooKeeper.
    pub fn check_alive(&self) -> ZkResult<()> {
        match self.state() {
            SessionState::Expired => Err(ZkError::new(Code::SessionExpired, "session expired")),
            SessionState::Closed => Err(ZkError::new(Code::SessionExpired, "client is closed")),
            _ => Ok(()),
        }
    }

    /// The lease for a new ephemeral node.
    pub fn live_lease(&self) -> ZkResult<i64> {
        self.check_alive()?;
        Ok(self.id())
    }

    pub fn begin_close(&self) -> bool {
        !self.closing.swap(true, Ordering::AcqRel)
    }

    /// Moves to `next` unless the session already ended; true if it changed.
    pub fn transition(&self, next: SessionState) -> bool {
        let mut cur = self.state.load(Ordering::Acquire);
        loop {
            let from = SessionState::from_u8(cur);
            let allowed = match from {
                SessionState::Closed => false,
                SessionState::Expired => next == SessionState::Closed,
                _ => from != next,
            };
            if !allowed {
                return false;
            }
            match self.state.compare_exchange(cur, next as u8, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return true,
                Err(actual) => cur = actual,
            }
        }
    }
}

impl Core {
    /// Applies a state change and tells the watcher.
    pub(crate) fn set_state(&self, next: SessionState) {
        if self.session.transition(next) {
            let ks = match next {
                SessionState::Connected => KeeperState::SyncConnected,
                SessionState::Connecting | SessionState::Disconnected => KeeperState::Disconnected,
                SessionState::Expired => KeeperState::Expired,
                SessionState::Closed => KeeperState::Closed,
            };
            log::info!("session 0x{:x}: {:?}", self.session.id(), next);
            self.hub.emit_state(ks);
        }
    }

    /// Spots "lease not found" in an etcd answer: the session is gone.
    pub(crate) fn check_etcd_result<T>(&self, r: ZkResult<T>) -> ZkResult<T> {
        if let Err(e) = &r {
            if e.code == Code::SessionExpired {
                self.set_state(SessionState::Expired);
            }
        }
        r
    }
}

/// How keeping the lease alive over one endpoint ended.
enum Renewal {
    /// etcd says the lease is gone: the session expired.
    Gone(String),
    /// The endpoint failed or went silent: try the next one.
    Broken(String),
}

/// Keeps the session's lease alive until `stop`, moving between endpoints
/// when a keep-alive stream breaks, and reports Disconnected / Connected /
/// Expired as they happen.
pub async fn keep_alive(core: Arc<Core>, mut stop: signal::Receiver<bool>) {
    let ttl = Duration::from_secs(core.session.ttl_secs().max(1) as u64);
    let every = (ttl / 3).max(Duration::from_millis(200));
    loop {
        let (i, client) = core.transport.current();
        let outcome = tokio::select! {
            r = renew_on(&core, client, every) => r,
            _ = stop.changed() => return,
        };
        match outcome {
            Renewal::Gone(why) => {
                log::warn!(
                    "session 0x{:x}: etcd {} says its lease is gone ({why})",
                    core.session.id(),
                    core.transport.endpoint_name(i)
                );
                core.set_state(SessionState::Expired);
                return;
            }
            Renewal::Broken(why) => {
                if matches!(core.session.state(), SessionState::Expired | SessionState::Closed) {
                    return;
                }
                let late = Instant::now().saturating_duration_since(core.session.deadline());
                log::info!(
                    "lease keep-alive on {} broke ({why}){}; trying the next endpoint",
                    core.transport.endpoint_name(i),
                    if late.is_zero() {
                        String::new()
                    } else {
                        format!("; the lease deadline passed {late:?} ago, etcd decides")
                    }
                );
            }
        }
        core.set_state(SessionState::Disconnected);
        core.transport.rotate_from(i);
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Keeps the lease alive over one endpoint until that fails or etcd says
/// the lease is gone.
async fn renew_on(core: &Core, client: etcd_client::Client, every: Duration) -> Renewal {
    // Past the deadline the answer settles the session: ask each endpoint
    // briefly rather than wait a third of the TTL on a silent one.
    let patience = if core.session.past_deadline() { every.min(Duration::from_secs(1)) } else { every };
    let mut lease_client = client.lease_client();
    let (mut keeper, mut stream) =
        match tokio::time::timeout(patience, lease_client.keep_alive(core.session.id())).await {
            Err(_) => return Renewal::Broken(format!("no answer within {patience:?}")),
            Ok(Err(e)) if lease_gone(&e) => return Renewal::Gone(e.to_string()),
            Ok(Err(e)) => return Renewal::Broken(e.to_string()),
            Ok(Ok(opened)) => opened,
        };
    // etcd-client has read the first answer: TTL > 0, renewed just now.
    core.session.renewed(core.session.ttl_secs());
    core.set_state(SessionState::Connected);
    loop {
        tokio::time::sleep(every).await;
        if let Err(e) = keeper.keep_alive().await {
            return Renewal::Broken(e.to_string());
        }
        match tokio::time::timeout(every, stream.message()).await {
            Ok(Ok(Some(resp))) if resp.ttl() <= 0 => return Renewal::Gone("keep-alive answered TTL 0".to_string()),
            Ok(Ok(Some(resp))) => {
                core.session.renewed(resp.ttl());
                core.set_state(SessionState::Connected);
            }
            Ok(Err(e)) if lease_gone(&e) => return Renewal::Gone(e.to_string()),
            Ok(Err(e)) => return Renewal::Broken(e.to_string()),
            Ok(Ok(None)) => return Renewal::Broken("keep-alive stream ended".to_string()),
            Err(_) => return Renewal::Broken(format!("no keep-alive answer within {every:?}")),
        }
    }
}

/// Does this error say etcd no longer has the lease? etcd answers a
/// keep-alive for a missing lease with TTL 0, which etcd-client's
/// `keep_alive()` turns into this error when it is the first answer.
fn lease_gone(e: &etcd_client::Error) -> bool {
    match e {
        etcd_client::Error::LeaseKeepAliveError(msg) => msg.contains("lease not found"),
        etcd_client::Error::GRpcStatus(s) => {
            s.code() == tonic::Code::NotFound && s.message().contains("lease not found")
        }
        _ => false,
    }
}
