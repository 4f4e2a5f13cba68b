//! Layer 1, the znode model: path rules and chroot, the etcd key layout,
//! Stat and stored values, and ZooKeeper's result codes. No I/O here.

pub mod code;
pub mod events;
pub mod keys;
pub mod path;
pub mod stat;

pub use code::{Code, ZkError, ZkResult};
pub use stat::{Acl, Stat};
