//! kafka-etcd: ZooKeeper's znode semantics on etcd v3, for Kafka brokers.
//!
//! Layers, each using only those above it in this list:
//! - [`znode`]: path rules, chroot, the etcd key layout, Stat, result codes.
//! - [`engine`]: operations as etcd txns, sessions, watches, failover.

pub mod engine;
pub mod jni;
pub mod znode;

/// Test-only native bodies, for the testing library `jni-testing/` (not API).
#[doc(hidden)]
pub use jni::testing as jni_testing;

pub use engine::{multi_code, ClientOptions, CreateMode, Credentials, TlsOptions, EventType, KeeperState, MultiOp, OpResult, Reply, Request, SessionState, WatchedEvent, ZkClient};
pub use znode::{Acl, Code, Stat, ZkError, ZkResult};
