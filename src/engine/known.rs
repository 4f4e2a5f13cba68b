//! What this client last saw of each znode's node key: its etcd mod
//! revision, the node's ZooKeeper version and the key's lease, learned from
//! its own creates, setData and reads.
//!
//! Why: a versioned setData must assert the version (a compare that reads
//! the node key), that no version offset applies (a compare on `\0v`) and
//! keep the node's lease (`ignore_lease`: etcd reads the key again). When
//! the caller's expected version is the one seen here, one compare says it
//! all: the node key's mod revision is the one seen. Every write to a node
//! puts its node key (a version offset, a lease or a re-creation never
//! changes without it), so an unchanged mod revision means the same node,
//! version, offset and lease; the put then names the lease itself. That
//! saves etcd about a quarter of a setData's cost.
//!
//! Stale entries are harmless: another client's write moves the mod
//! revision, the compare fails, and the write goes the full way (read,
//! classify, retry with the usual compares), giving the answer it would
//! have had. Bounded: two generations of [`GENERATION`] nodes; when the
//! newer is full it becomes the older and the older is dropped, so the
//! nodes touched most recently (at least the last [`GENERATION`]) stay.
//! A node is filed under a 128-bit digest of its path (two independent
//! 64-bit hashes), not the path itself: no allocation per node, and a
//! long-lived table of small strings slowed every malloc of the client.
//! Two paths sharing a digest (odds about 2^-95 with a full table) would
//! at worst lend one node's lease to the other's setData.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

use super::fast_hash::{FastHasher, FastMap};
use super::state::NodeState;
use crate::znode::Stat;

/// Nodes per generation (about 80 bytes each with the table's slack;
/// two generations: at most about 20 MiB, for a client that touched a
/// quarter million znodes).
const GENERATION: usize = 131_072;

/// One node key as seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seen {
    pub mod_rev: i64,
    /// ZooKeeper's version (version offset included).
    pub version: i64,
    pub lease: i64,
}

#[derive(Default)]
struct Generations {
    newer: FastMap<u128, Seen>,
    older: FastMap<u128, Seen>,
}

/// A path's digest: two unrelated 64-bit hashes (Fx-style and SipHash).
fn digest(path: &str) -> u128 {
    let mut fx = FastHasher::default();
    let mut sip = DefaultHasher::new();
    path.hash(&mut fx);
    path.hash(&mut sip);
    (fx.finish() as u128) << 64 | sip.finish() as u128
}

#[derive(Default)]
pub struct Known {
    nodes: Mutex<Generations>,
}

impl Known {
    /// Remembers `seen` for `path` unless a later state is known already.
    pub fn record(&self, path: &str, seen: Seen) {
        let d = digest(path);
        let mut g = self.nodes.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(old) = g.newer.get_mut(&d) {
            if old.mod_rev <= seen.mod_rev {
                *old = seen;
            }
            return;
        }
        // A node seen again moves to the newer generation.
        let seen = match g.older.remove(&d) {
            Some(old) if old.mod_rev > seen.mod_rev => old,
            _ => seen,
        };
        if g.newer.len() >= GENERATION {
            g.older = std::mem::take(&mut g.newer);
        }
        g.newer.insert(d, seen);
    }

    /// Remembers the node a write of this client left at revision `rev`
    /// (a create's, a setData's) from the Stat it answered.
    pub fn wrote(&self, path: &str, rev: i64, stat: &Stat) {
        self.record(path, Seen { mod_rev: rev, version: stat.version as i64, lease: stat.ephemeral_owner })
    }

    /// Remembers what a read found (a node that is gone is forgotten).
    pub fn saw(&self, st: &NodeState) {
        match (&st.node, st.version()) {
            (Some(kv), Ok(version)) => {
                self.record(&st.path, Seen { mod_rev: kv.mod_revision(), version, lease: kv.lease() })
            }
            _ => self.forget(&st.path),
        }
    }

    pub fn forget(&self, path: &str) {
        let d = digest(path);
        let mut g = self.nodes.lock().unwrap_or_else(|p| p.into_inner());
        g.newer.remove(&d);
        g.older.remove(&d);
    }

    /// The node key's mod revision as seen, if the node was then
    /// persistent (no lease). A compare that it is unchanged says the node
    /// still exists and is still persistent: what a create asks of its
    /// parent in one compare instead of two.
    pub fn persistent(&self, path: &str) -> Option<i64> {
        self.get(path).filter(|s| s.lease == 0).map(|s| s.mod_rev)
    }

    /// The node key as seen, if the node then had `version` (never for
    /// -1, "any version").
    pub fn at_version(&self, path: &str, version: i32) -> Option<Seen> {
        if version == -1 {
            return None;
        }
        self.get(path).filter(|s| s.version == version as i64)
    }

    fn get(&self, path: &str) -> Option<Seen> {
        let d = digest(path);
        let g = self.nodes.lock().unwrap_or_else(|p| p.into_inner());
        g.newer.get(&d).or_else(|| g.older.get(&d)).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_latest_state_and_matches_on_version() {
        let k = Known::default();
        k.record("/a", Seen { mod_rev: 10, version: 3, lease: 0 });
        k.record("/a", Seen { mod_rev: 9, version: 2, lease: 0 });
        assert_eq!(k.at_version("/a", 3).map(|s| s.mod_rev), Some(10), "an older state does not win");
        assert_eq!(k.at_version("/a", 2), None);
        k.record("/a", Seen { mod_rev: 12, version: 4, lease: 7 });
        assert_eq!(k.at_version("/a", 4), Some(Seen { mod_rev: 12, version: 4, lease: 7 }));
        assert_eq!(k.persistent("/a"), None, "an ephemeral is not a persistent parent");
        k.record("/a", Seen { mod_rev: 13, version: 5, lease: 0 });
        assert_eq!(k.persistent("/a"), Some(13));
        k.forget("/a");
        assert_eq!(k.at_version("/a", 4), None);
        assert_eq!(k.persistent("/a"), None);
    }

    #[test]
    fn keeps_the_most_recent_generations() {
        let k = Known::default();
        let seen = Seen { mod_rev: 1, version: 0, lease: 0 };
        for i in 0..2 * GENERATION {
            k.record(&format!("/n{i}"), seen);
        }
        assert!(k.at_version("/n0", 0).is_some(), "two full generations are kept");
        k.record("/last", seen);
        assert!(k.at_version("/n0", 0).is_none(), "the oldest generation went");
        assert!(k.at_version(&format!("/n{GENERATION}"), 0).is_some());
        let g = k.nodes.lock().unwrap();
        assert!(g.newer.len() <= GENERATION && g.older.len() <= GENERATION);
    }
}
