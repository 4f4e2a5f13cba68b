//! A ZooKeeper session as one etcd lease: granted at connect, kept alive on
//! the runtime, revoked on close. Its state changes reach the watcher as
//! ZooKeeper's None-type events, in order with watch events.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

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
}

impl Session {
    pub fn new(lease: i64, ttl_secs: i64) -> Session {
        Session {
            lease: AtomicI64::new(lease),
            ttl_secs,
            state: AtomicU8::new(SessionState::Connected as u8),
            closing: AtomicBool::new(false),
        }
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

/// Keeps the session's lease alive until `stop`, moving between endpoints
/// when a keep-alive stream breaks, and reports Disconnected / Connected /
/// Expired as they happen.
pub async fn keep_alive(core: Arc<Core>, mut stop: signal::Receiver<bool>) {
    let id = core.session.id();
    let ttl = Duration::from_secs(core.session.ttl_secs().max(1) as u64);
    let every = (ttl / 3).max(Duration::from_millis(200));
    loop {
        let (i, client) = core.transport.current();
        let mut lease_client = client.lease_client();
        let opened = tokio::select! {
            r = tokio::time::timeout(every, lease_client.keep_alive(id)) => r,
            _ = stop.changed() => return,
        };
        if let Ok(Ok((mut keeper, mut stream))) = opened {
            loop {
                if keeper.keep_alive().await.is_err() {
                    break;
                }
                let answer = tokio::select! {
                    a = tokio::time::timeout(every, stream.message()) => a,
                    _ = stop.changed() => return,
                };
                match answer {
                    Ok(Ok(Some(resp))) if resp.ttl() <= 0 => {
                        core.set_state(SessionState::Expired);
                        return;
                    }
                    Ok(Ok(Some(_))) => core.set_state(SessionState::Connected),
                    _ => break,
                }
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = stop.changed() => return,
                }
            }
        }
        if core.session.state() == SessionState::Expired || core.session.state() == SessionState::Closed {
            return;
        }
        log::info!("lease keep-alive on {} broke; trying the next endpoint", core.transport.endpoint_name(i));
        core.set_state(SessionState::Disconnected);
        core.transport.rotate_from(i);
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
            _ = stop.changed() => return,
        }
    }
}
