//! Layer 2, the engine: znode operations as etcd txns, ordering and read
//! batching, sessions as leases, watches on one stream, endpoint failover.

mod batch;
mod client;
mod core;
#[cfg(test)]
mod core_tests;
mod fast_hash;
#[cfg(test)]
mod fixtures;
mod known;
mod layout;
mod limits;
mod multi;
mod multi_play;
mod order;
mod request;
mod restore;
mod security;
mod session;
mod state;
mod stream;
mod tls_probe;
mod transport;
mod watch;
mod write;
mod write_batch;

pub use client::{ClientOptions, ZkClient};
pub use request::{
    multi_code, CreateMode, Done, EventType, KeeperState, MultiOp, OpResult, Reply, Request, RestoreNode, WatchedEvent,
};
pub use security::{Credentials, TlsOptions};
pub use session::SessionState;
pub use watch::EventSink;
