//! kafka-etcd: ZooKeeper's znode semantics on etcd v3, for Kafka brokers.
//!
//! Layers, each using only those above it in this list (all private; what
//! the crate offers is the re-exports below):
//! - `znode`: path rules, chroot, the etcd key layout, Stat, result codes.
//! - `engine`: operations as etcd txns, sessions, watches, failover.
//! - `jni`: the native methods of the Java API (`io.kafkaetcd.NativeClient`),
//!   exported from the cdylib by their JNI names.
//!
//! The API: [`ZkClient`] opened with [`ClientOptions`] (TLS, credentials,
//! a watcher); the operations as methods or as [`Request`]s answered by
//! [`Reply`]s; ZooKeeper's [`Stat`], [`Acl`], [`CreateMode`], multi ops and
//! results, watch events and session states; errors as [`ZkError`] with a
//! ZooKeeper [`Code`].

mod engine;
mod jni;
mod znode;

/// Test-only native bodies, for the testing library `jni-testing/` (not API).
#[doc(hidden)]
pub use jni::testing as jni_testing;

pub use engine::{
    multi_code, ClientOptions, CreateMode, Credentials, Done, EventSink, EventType, KeeperState, MultiOp, OpResult,
    Reply, Request, SessionState, TlsOptions, WatchedEvent, ZkClient,
};
/// The etcd key layout version this build writes, and every version it
/// reads (a store of any other is refused at connect; see `znode::keys`).
pub use znode::keys::{LAYOUT_VERSION, READABLE_LAYOUTS};
pub use znode::{Acl, Code, Stat, ZkError, ZkResult};

/// A zxid is etcd revision * `ZXIDS_PER_REVISION` + the write's place in
/// the etcd txn that carried it (writes batched into one txn get distinct,
/// ordered zxids): `zxid / ZXIDS_PER_REVISION` is its etcd revision.
pub use znode::keys::ZXIDS_PER_REVISION;
