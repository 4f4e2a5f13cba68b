//! The one tokio runtime of the process, shared by every JNI client.
//!
//! Created lazily on first use, two worker threads named `kafka-etcd-io`.
//! Its threads never attach to the JVM: Java code only ever runs on Java
//! threads (the dispatcher and log threads poll native queues), so a slow
//! or re-entrant Java handler cannot stall I/O, and the JVM does not wait
//! for these threads when it exits.

use std::sync::OnceLock;

use tokio::runtime::{Builder, Runtime};

use super::error::BridgeError;

const WORKER_THREADS: usize = 2;

static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();

/// The shared runtime; an error if it could not be built (no threads left).
pub fn runtime() -> Result<&'static Runtime, BridgeError> {
    RUNTIME
        .get_or_init(|| {
            Builder::new_multi_thread()
                .worker_threads(WORKER_THREADS)
                .thread_name("kafka-etcd-io")
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start the kafka-etcd I/O runtime: {e}"))
        })
        .as_ref()
        .map_err(|e| BridgeError::Internal(e.clone()))
}
