//! Shared helpers for integration tests. Include with `mod common;`.
//!
//! Everything here runs REAL etcd servers (see `etcd.rs`); nothing is mocked.
#![allow(dead_code)] // each test binary uses a different subset

mod etcd;

pub use etcd::{shared_single, EtcdCluster};

use std::sync::atomic::{AtomicUsize, Ordering};

/// A chroot path unique to this test process and call, e.g. `/t-my_test-1234-0`,
/// so tests sharing one cluster do not see each other's znodes.
pub fn unique_chroot(test_name: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let name: String = test_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("/t-{}-{}-{}", name, std::process::id(), n)
}
