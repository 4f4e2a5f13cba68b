//! What a caller can ask of the engine and what it answers: ZooKeeper's
//! operations, create modes, replies and per-op multi results.

use crate::znode::{Acl, Code, Stat, ZkError, ZkResult};

/// ZooKeeper's `CreateMode`, with its `toFlag()` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreateMode {
    Persistent = 0,
    Ephemeral = 1,
    PersistentSequential = 2,
    EphemeralSequential = 3,
}

impl CreateMode {
    pub fn from_flag(flag: i32) -> ZkResult<CreateMode> {
        Ok(match flag {
            0 => CreateMode::Persistent,
            1 => CreateMode::Ephemeral,
            2 => CreateMode::PersistentSequential,
            3 => CreateMode::EphemeralSequential,
            4..=6 => {
                return Err(ZkError::new(
                    Code::Unimplemented,
                    format!("create mode {flag} (container/TTL) is not supported"),
                ))
            }
            _ => return Err(ZkError::bad_arguments(format!("unknown create mode {flag}"))),
        })
    }

    pub fn is_ephemeral(self) -> bool {
        matches!(self, CreateMode::Ephemeral | CreateMode::EphemeralSequential)
    }

    pub fn is_sequential(self) -> bool {
        matches!(self, CreateMode::PersistentSequential | CreateMode::EphemeralSequential)
    }
}

/// One request. Paths are client paths (relative to the chroot).
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    Create {
        path: String,
        data: Option<Vec<u8>>,
        acl: Vec<Acl>,
        mode: CreateMode,
    },
    Delete {
        path: String,
        version: i32,
    },
    SetData {
        path: String,
        data: Option<Vec<u8>>,
        version: i32,
    },
    GetData {
        path: String,
        watch: bool,
    },
    Exists {
        path: String,
        watch: bool,
    },
    GetChildren {
        path: String,
        watch: bool,
    },
    GetAcl {
        path: String,
    },
    SetAcl {
        path: String,
        acl: Vec<Acl>,
        version: i32,
    },
    Multi(Vec<MultiOp>),
    /// Not ZooKeeper's: writes a node with given counters (see `restore.rs`).
    Restore(Box<RestoreNode>),
}

/// A znode as copied from another store, counters included: `version` and
/// `aversion` as ZooKeeper's Stat says, `child_creates` the parent-side
/// count of child creates (the next sequential suffix; ZooKeeper's
/// `(cversion + numChildren) / 2`).
#[derive(Clone, Debug, PartialEq)]
pub struct RestoreNode {
    pub path: String,
    pub data: Option<Vec<u8>>,
    pub acl: Vec<Acl>,
    pub ctime: i64,
    pub mtime: i64,
    pub version: i32,
    pub aversion: i32,
    pub child_creates: i64,
}

/// One operation of a multi (ZooKeeper's `Op`).
#[derive(Clone, Debug, PartialEq)]
pub enum MultiOp {
    Create { path: String, data: Option<Vec<u8>>, acl: Vec<Acl>, mode: CreateMode },
    Delete { path: String, version: i32 },
    SetData { path: String, data: Option<Vec<u8>>, version: i32 },
    Check { path: String, version: i32 },
}

impl MultiOp {
    pub fn path(&self) -> &str {
        match self {
            MultiOp::Create { path, .. }
            | MultiOp::Delete { path, .. }
            | MultiOp::SetData { path, .. }
            | MultiOp::Check { path, .. } => path,
        }
    }
}

/// A successful request's answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// create: the actual path (sequential suffix included) and the new Stat.
    Created {
        path: String,
        stat: Stat,
    },
    Deleted,
    /// setData, setAcl.
    Stat(Stat),
    Data {
        data: Option<Vec<u8>>,
        stat: Stat,
    },
    /// exists: `None` when the node does not exist (not an error).
    Exists(Option<Stat>),
    Children {
        children: Vec<String>,
        stat: Stat,
    },
    Acl {
        acl: Vec<Acl>,
        stat: Stat,
    },
    /// multi: one result per op. When the multi failed, every result is an
    /// `Error` (ZooKeeper's shape) and [`multi_code`] gives the first failure.
    Multi(Vec<OpResult>),
}

/// One op's outcome in a multi (ZooKeeper's `OpResult`).
#[derive(Clone, Debug, PartialEq)]
pub enum OpResult {
    Create { path: String, stat: Stat },
    Delete,
    SetData { stat: Stat },
    Check,
    Error(Code),
}

/// A multi's overall code: the first op error, or OK.
pub fn multi_code(results: &[OpResult]) -> Code {
    results
        .iter()
        .find_map(|r| match r {
            OpResult::Error(c) if *c != Code::Ok && *c != Code::RuntimeInconsistency => Some(*c),
            _ => None,
        })
        .unwrap_or(Code::Ok)
}

/// ZooKeeper's `Watcher.Event.EventType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventType {
    None = -1,
    NodeCreated = 1,
    NodeDeleted = 2,
    NodeDataChanged = 3,
    NodeChildrenChanged = 4,
}

/// ZooKeeper's `Watcher.Event.KeeperState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeeperState {
    Disconnected = 0,
    SyncConnected = 3,
    AuthFailed = 4,
    Expired = -112,
    Closed = 7,
}

/// A watch event or a session state change (then `event_type` is `None`
/// and `path` is `None`), as ZooKeeper's `WatchedEvent`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatchedEvent {
    pub event_type: EventType,
    pub state: KeeperState,
    pub path: Option<String>,
}

/// Where a request's answer goes ([`ZkClient::submit_then`]): called once,
/// on the task that ends the request (the read batch's for a read, the
/// write batch's for a plain create that succeeded at once, else the
/// request's own task). Dropped unanswered (a panic in the engine, the
/// runtime shutting down) it answers SYSTEMERROR, so no caller waits
/// forever.
pub struct Done(Option<Box<dyn FnOnce(ZkResult<Reply>) + Send + Sync>>);

impl Done {
    pub fn new(f: impl FnOnce(ZkResult<Reply>) + Send + Sync + 'static) -> Done {
        Done(Some(Box::new(f)))
    }

    pub fn answer(mut self, answer: ZkResult<Reply>) {
        if let Some(f) = self.0.take() {
            f(answer)
        }
    }

    /// A bug, not a lost session: SYSTEMERROR, never SESSIONEXPIRED.
    pub fn unanswered() -> ZkError {
        ZkError::new(Code::SystemError, "the request ended without an answer (a panic in kafka-etcd?)")
    }
}

impl Drop for Done {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            f(Err(Done::unanswered()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    fn recorder() -> (Arc<Mutex<Vec<ZkResult<Reply>>>>, Done) {
        let got = Arc::new(Mutex::new(Vec::new()));
        let g = got.clone();
        (got, Done::new(move |a| g.lock().unwrap().push(a)))
    }

    #[test]
    fn done_answers_once_and_a_dropped_one_answers_systemerror() {
        let (got, done) = recorder();
        done.answer(Ok(Reply::Deleted));
        assert!(matches!(got.lock().unwrap().as_slice(), [Ok(Reply::Deleted)]), "answered exactly once");

        // A task that panics or is dropped with the runtime drops its Done.
        let (got, done) = recorder();
        drop(done);
        let answers = got.lock().unwrap();
        assert!(matches!(answers.as_slice(), [Err(e)] if e.code == Code::SystemError), "{answers:?}");
    }
}
