//! The etcd key layout: where every znode lives in etcd. This is the only
//! file that knows it.
//!
//! Every key starts with a namespace (default `zk`, one per metastore) and a
//! one-letter kind. A namespace is 1 to 128 characters from `A-Z a-z 0-9
//! . _ -` ([`validate_namespace`]): with no `/` in it, the first `/` of a
//! key ends its namespace, so no two namespaces can share a key (`t/n001/x`
//! would have written into namespace `t`'s tree). For the znode at `path` (full server path, chroot
//! included) there are:
//!
//! ```text
//! zk/n<DDD><path>     node key. DDD = depth of path, 3 decimal digits
//!                     ("/" is 000, "/a" 001, "/a/b" 002).
//!                     value = [1 byte: sub << 1 | 1 if data, 0 if null
//!                     data][8 bytes mtime ms BE][data] (sub: Zxids, below)
//!                     czxid = zxid(create_revision (unless \0r, below),
//!                     the attribute key's sub),
//!                     mzxid = zxid(mod_revision, this value's sub),
//!                     version = etcd version - 1 (+ version offset, below),
//!                     ephemeralOwner = the key's lease (= session id).
//! zk/a<path>          attribute key: [8 bytes BE: top byte the sub of
//!                     the write that created the node, low 56 bits ctime
//!                     ms][ACL list]. setAcl rewrites it keeping that sub;
//!                     a restore keeps the one it finds (0 for a new node).
//!                     aversion = etcd version - 1 (+ \0r's offset, below).
//!                     Put in the same txn as the node key and under the
//!                     same lease, so its create_revision and lease are
//!                     the node key's (setData's Stat reads them here).
//! zk/a<path>\0c       child counter key: counts child CREATES, as
//!                     ZooKeeper's DataNode does, together with its shards
//!                     (next entry). Absent on a node created by a plain
//!                     create (layout 2: one put less per create); put by a
//!                     multi or restore that must give the count an offset,
//!                     and by stores of layout 1, where every child create
//!                     bumped it (with ignore_value). Its own count is etcd
//!                     version - 1 + the decimal offset in its value (empty
//!                     = 0). A sequential child's suffix is creates; the
//!                     reported cversion (creates + deletes) is 2 * creates
//!                     - numChildren (ZooKeeper's DataNode.copyStat), exact
//!                     even when lease expiry removed children (that
//!                     touches no counter). Its value is an offset, not a
//!                     sub: only multis and restores (sub 0) put it, so its
//!                     part of pzxid is zxid(mod_revision, 0).
//! zk/a<path>\0c<i>    counter shard i (decimal, 1 to MAX_COUNTER_SHARDS):
//!                     every child create puts one (a plain put, no lease: a
//!                     parent is never ephemeral; value = the create's sub,
//!                     decimal, empty = 0): a create sent alone shard 1,
//!                     the i-th create under one parent in one batched etcd
//!                     txn shard i (etcd allows one put per key per txn).
//!                     Each counts by its etcd version: creates = \0c's
//!                     count + the sum of the shards' versions. The counter
//!                     range `[\0c, \0d)` holds \0c and every shard (empty
//!                     for a node that never had a child).
//! zk/a<path>\0p       pzxid mark: a multi's child delete puts it (value =
//!                     a sub, decimal, empty = 0). pzxid = the largest
//!                     zxid(mod_revision, sub) of \0c (sub 0), \0p and
//!                     their shards, and never below czxid (a node no child
//!                     was created or deleted under has none of them).
//! zk/a<path>\0p<i>    pzxid mark shard i (1 and up): a child delete sent
//!                     alone puts shard 1, the i-th child delete under one
//!                     parent in one batched etcd txn shard i; value as
//!                     \0p's. The mark range `[\0p, \0q)` holds \0p and
//!                     its shards.
//! zk/a<path>\0v       version offset, present only when a multi changed the
//!                     node more than once in one etcd txn (etcd allows one
//!                     put per key per txn) or re-created it, or a restore
//!                     (engine/restore.rs: an import) gave the node its
//!                     version: decimal (may be negative), added to the
//!                     version.
//! zk/a<path>\0r       re-creation mark, present once a multi deleted the
//!                     node and created it again, or a restore gave it its
//!                     aversion (until the node is deleted;
//!                     a later such multi puts it again): etcd cannot delete and
//!                     put one key in one txn, and a put on a live key keeps
//!                     its create_revision. czxid = zxid(this key's
//!                     mod_revision, the attribute key's sub): it is put
//!                     only by that multi or restore, which put the
//!                     attribute key too (a multi with sub 0, a restore
//!                     keeping the sub); value = decimal offset
//!                     added to aversion (the attribute key's etcd version
//!                     went on counting).
//! zk/n~events         a multi that changes one path more than once (delete
//!                     then create it, create then delete, ...) also puts
//!                     the ordered list of its changes here (znode::events):
//!                     its node keys show only the net result, and watches
//!                     must fire as for each op in turn. Inside the prefix
//!                     the watch stream follows, outside every node and
//!                     children range (those start with a digit).
//! ```
//!
//! Every key of an ephemeral node carries the session's lease, so lease
//! expiry removes the whole node in one etcd revision.
//!
//! Stores written before \0p existed counted creates and deletes on \0c;
//! read as creates, those counts still give unique, increasing sequential
//! names and a cversion that only grows (it is higher than ZooKeeper's).
//! Stores written before the shards (\0c<i>, \0p<i>) existed have none and
//! are read as they are. The other way round is not safe: a build from
//! before the shards reads a store written with them with counts too low,
//! and, being older than the layout version key (below), does not check
//! it: upgrade every client of a namespace together.
//!
//! One more key per namespace says which layout its store holds:
//!
//! ```text
//! zk/L                layout version key: decimal layout version ("2").
//!                     Outside every node key and the watched prefix
//!                     (`zk/n`) and every attribute range (`zk/a`): no
//!                     znode, child listing or watch ever sees it.
//! ```
//!
//! Layout versions ([`LAYOUT_VERSION`] is the one this build writes,
//! [`READABLE_LAYOUTS`] the ones it reads):
//! - 1: every store written before the key existed (no `L` key; stores
//!   with and without counter and mark shards are both read as they are).
//! - 2: the layout with the key: everything above. What layout 1 builds
//!   would misread: a node created without \0c (they report it as
//!   DATAINCONSISTENCY and their child creates, which bump \0c with
//!   ignore_value, fail on it), and zxid places (subs) in node values,
//!   stored ctimes and shard values (a node value's first byte above 1).
//!   Layout 1 values read here with place 0.
//!
//! Connecting (engine/layout.rs) reads the key in the txn that creates the
//! root: absent, it is put to [`LAYOUT_VERSION`] (create-if-absent, so
//! racing clients agree); a readable older version is raised to it (a
//! compare on the old value); any other value (a newer layout, or not a
//! version) fails the connect with DATAINCONSISTENCY naming it. A version
//! is never written down. A change that older builds would misread adds a
//! version here and raises [`LAYOUT_VERSION`].
//!
//! Zxids: etcd gives a txn one revision, but the write batcher
//! (engine/write_batch.rs) sends up to `MAX_WRITES_PER_TXN` independent
//! writes as one txn of nested txns, applied in order, where ZooKeeper
//! gives each its own zxid. So a zxid is [`zxid`]`(revision, sub)` =
//! revision * [`ZXIDS_PER_REVISION`] + sub, sub = the write's position in
//! its batch: 0 for a write sent alone (a multi, setAcl, a restore, an op
//! of a batch etcd refused and that was sent again alone). Each sub is
//! stored with what the write put (node value: mzxid; attribute key:
//! czxid; counter shards and marks: pzxid). Inside the engine (watches,
//! stream resume, compares) everything stays in etcd revisions; only the
//! zxids a Stat reports are built this way. A zxid's revision is zxid /
//! ZXIDS_PER_REVISION.
//!
//! Stores written before subs existed hold none (node value's first byte
//! 0 or 1, a plain ctime, empty shard and mark values): they read with sub
//! 0, zxid = revision * ZXIDS_PER_REVISION. A build from before subs
//! refuses a node value with a sub as not in its format and reads a
//! ctime with a sub as far in the future.
//!
//! Why this shape:
//! - The depth in the node key makes "direct children of /a" one contiguous
//!   range (`zk/n002/a/`), so listing or counting children costs
//!   O(children), never O(subtree) (zetcd's trick).
//! - The attribute keys of a path share the prefix `zk/a<path>` followed by
//!   nothing or `\0` (a byte no path may hold), so one range read
//!   `[zk/a<path>, zk/a<path>\x01)` returns the ACL, ctime, counter, marks
//!   and version offset together: a full Stat costs three range ops in one
//!   txn (node, attributes, child count). A create puts 2 keys of its own
//!   and one shard of its parent; a setData puts 1 key and reads the
//!   attribute range.
//! - Counters are plain etcd key versions bumped by blind puts, so creates
//!   under one parent never conflict with each other (zetcd's early
//!   read-modify-write counter caused retry storms).
//! - Watches need only the `zk/n` prefix: one etcd watch sees every create,
//!   data change and delete, and the change lists of multis.

use super::code::{Code, ZkError, ZkResult};
use super::path;

/// Deepest path the layout can hold (three decimal digits of depth).
pub const MAX_DEPTH: usize = 999;

/// How many counter shards (1 to this) creates under one parent may use
/// in one etcd txn; deletes use as many mark shards. As many as a batch
/// holds ops (`MAX_WRITES_PER_TXN`): with 32, creates under one parent
/// (Kafka's partitions, sequential notifications) went 32 to a txn and
/// etcd's cost per create was ~15% higher. A parent keeps at most this
/// many shard keys, read with its attribute range.
pub const MAX_COUNTER_SHARDS: usize = 120;

/// Zxids per etcd revision: one for each write a batch can hold (a sub is
/// 0 to ZXIDS_PER_REVISION - 1; it must fit 7 bits beside a node value's
/// data flag).
pub const ZXIDS_PER_REVISION: i64 = 128;

/// The zxid of the write at position `sub` of the txn that committed at
/// etcd revision `revision` (see the module doc).
pub fn zxid(revision: i64, sub: u8) -> i64 {
    revision * ZXIDS_PER_REVISION + sub as i64
}

/// Longest namespace accepted.
pub const MAX_NAMESPACE: usize = 128;

/// The layout version this build writes (see the module doc).
pub const LAYOUT_VERSION: u32 = 2;

/// Every layout version this build reads, oldest first.
pub const READABLE_LAYOUTS: &[u32] = &[1, 2];

/// Reads the value of a namespace's layout version key: a version in
/// [`READABLE_LAYOUTS`], or DATAINCONSISTENCY naming what the store holds,
/// what this build reads, and what to do about it.
pub fn check_layout_version(keys: &Keys, stored: &[u8]) -> ZkResult<u32> {
    let text = String::from_utf8_lossy(stored);
    // Canonical decimal only: the connect compares the stored bytes exactly.
    let version = text.parse::<u32>().ok().filter(|v| v.to_string() == text);
    if let Some(v) = version.filter(|v| READABLE_LAYOUTS.contains(v)) {
        return Ok(v);
    }
    let readable = READABLE_LAYOUTS.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
    let this_build = format!("this kafka-etcd reads layout versions {readable} and writes {LAYOUT_VERSION}");
    let key = String::from_utf8_lossy(&keys.layout_version()).into_owned();
    let ns = keys.namespace();
    let msg = match version {
        Some(v) if v > LAYOUT_VERSION => format!(
            "the store in etcd namespace \"{ns}\" has key layout version {v} (etcd key {key}); {this_build}: \
             it was written by a newer kafka-etcd: upgrade this client to a kafka-etcd that reads layout {v}"
        ),
        _ => format!(
            "the store in etcd namespace \"{ns}\" has \"{}\" in its layout version key {key}, not a layout \
             version kafka-etcd ever wrote ({this_build}): the key is corrupt or was written by another \
             program; restore it or use another namespace",
            text.escape_debug()
        ),
    };
    Err(ZkError::new(Code::DataInconsistency, msg))
}

/// Checks a namespace: 1 to [`MAX_NAMESPACE`] characters, each an ASCII
/// letter, digit, `.`, `_` or `-`.
pub fn validate_namespace(ns: &str) -> ZkResult<()> {
    let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if ns.is_empty() || ns.len() > MAX_NAMESPACE || !ns.chars().all(ok) {
        return Err(ZkError::bad_arguments(format!(
            "namespace \"{}\" is not 1 to {MAX_NAMESPACE} characters from A-Z a-z 0-9 . _ - (no '/': namespaces must not nest)",
            ns.escape_debug()
        )));
    }
    Ok(())
}

/// Key builder for one namespace.
#[derive(Clone, Debug)]
pub struct Keys {
    ns: String,
}

impl Keys {
    /// Keys of a namespace that passed [`validate_namespace`].
    pub fn new(namespace: &str) -> Keys {
        Keys { ns: namespace.to_string() }
    }

    /// The node key of `path`.
    pub fn node(&self, path: &str) -> Vec<u8> {
        self.node_key(path::depth(path), path, "")
    }

    /// Prefix of the node keys of the direct children of `path`.
    pub fn children_prefix(&self, path: &str) -> Vec<u8> {
        let sep = if path == "/" { "" } else { "/" };
        self.node_key(path::depth(path) + 1, path, sep)
    }

    /// Prefix of every node key (what the watch stream follows).
    pub fn all_nodes_prefix(&self) -> Vec<u8> {
        format!("{}/n", self.ns).into_bytes()
    }

    /// Where a multi records its ordered changes (see the module doc).
    pub fn multi_events(&self) -> Vec<u8> {
        format!("{}/n~events", self.ns).into_bytes()
    }

    /// The attribute key (ctime + ACL) of `path`.
    pub fn attrs(&self, path: &str) -> Vec<u8> {
        self.attr_key(path, b"", None)
    }

    /// The child counter key of `path`.
    pub fn counter(&self, path: &str) -> Vec<u8> {
        self.attr_key(path, b"\0c", None)
    }

    /// Counter shard `i` (1 and up) of `path`; shard 0 is [`Self::counter`].
    pub fn counter_shard(&self, path: &str, i: usize) -> Vec<u8> {
        match i {
            0 => self.counter(path),
            _ => self.attr_key(path, b"\0c", Some(i)),
        }
    }

    /// End (exclusive) of the counter range `[counter(path), counter_end(path))`:
    /// the counter and all its shards.
    pub fn counter_end(&self, path: &str) -> Vec<u8> {
        self.attr_key(path, b"\0d", None)
    }

    /// Start of the range holding only the shards (ends at [`Self::counter_end`]).
    pub fn counter_shards_start(&self, path: &str) -> Vec<u8> {
        self.attr_key(path, b"\0c0", None)
    }

    /// The version offset key of `path`.
    pub fn version_offset(&self, path: &str) -> Vec<u8> {
        self.attr_key(path, b"\0v", None)
    }

    /// The pzxid mark of `path`.
    pub fn pzxid_mark(&self, path: &str) -> Vec<u8> {
        self.attr_key(path, b"\0p", None)
    }

    /// Pzxid mark shard `i` (1 and up) of `path`; shard 0 is [`Self::pzxid_mark`].
    pub fn pzxid_mark_shard(&self, path: &str, i: usize) -> Vec<u8> {
        match i {
            0 => self.pzxid_mark(path),
            _ => self.attr_key(path, b"\0p", Some(i)),
        }
    }

    /// End (exclusive) of the mark range `[pzxid_mark(path), pzxid_marks_end(path))`.
    pub fn pzxid_marks_end(&self, path: &str) -> Vec<u8> {
        self.attr_key(path, b"\0q", None)
    }

    /// The re-creation mark of `path`.
    pub fn recreated(&self, path: &str) -> Vec<u8> {
        self.attr_key(path, b"\0r", None)
    }

    /// End (exclusive) of the range holding every attribute key of `path`.
    pub fn attrs_end(&self, path: &str) -> Vec<u8> {
        self.attr_key(path, b"\x01", None)
    }

    /// `<ns>/n<DDD><path><sep>`, built without the formatting machinery
    /// (every op builds several keys: this is on the hot path).
    fn node_key(&self, depth: usize, path: &str, sep: &str) -> Vec<u8> {
        debug_assert!(depth <= MAX_DEPTH, "paths deeper than MAX_DEPTH are refused before keys are built");
        let mut k = Vec::with_capacity(self.ns.len() + 5 + path.len() + sep.len());
        k.extend_from_slice(self.ns.as_bytes());
        k.extend_from_slice(b"/n");
        k.extend_from_slice(&[b'0' + (depth / 100) as u8, b'0' + (depth / 10 % 10) as u8, b'0' + (depth % 10) as u8]);
        k.extend_from_slice(path.as_bytes());
        k.extend_from_slice(sep.as_bytes());
        k
    }

    /// `<ns>/a<path><suffix>[<shard>]`.
    fn attr_key(&self, path: &str, suffix: &[u8], shard: Option<usize>) -> Vec<u8> {
        let mut k = Vec::with_capacity(self.ns.len() + 2 + path.len() + suffix.len() + 3);
        k.extend_from_slice(self.ns.as_bytes());
        k.extend_from_slice(b"/a");
        k.extend_from_slice(path.as_bytes());
        k.extend_from_slice(suffix);
        if let Some(i) = shard {
            k.extend_from_slice(i.to_string().as_bytes());
        }
        k
    }

    /// The layout version key of the namespace (see the module doc).
    pub fn layout_version(&self) -> Vec<u8> {
        format!("{}/L", self.ns).into_bytes()
    }

    /// The namespace these keys are in.
    pub fn namespace(&self) -> &str {
        &self.ns
    }

    /// The znode path of a node key, or `None` for any other key.
    pub fn path_of_node_key<'k>(&self, key: &'k [u8]) -> Option<&'k str> {
        let rest = key.strip_prefix(self.ns.as_bytes())?.strip_prefix(b"/n")?;
        let path = std::str::from_utf8(rest.get(3..)?).ok()?;
        path.starts_with('/').then_some(path)
    }

    /// Which attribute a key of `attrs(path)..attrs_end(path)` is.
    pub fn attr_kind(&self, path: &str, key: &[u8]) -> AttrKind {
        let base = self.attrs(path);
        match key.strip_prefix(base.as_slice()) {
            Some(b"") => AttrKind::Attrs,
            Some(b"\0c") => AttrKind::Counter,
            Some(b"\0v") => AttrKind::VersionOffset,
            Some(b"\0r") => AttrKind::Recreated,
            Some(b"\0p") => AttrKind::PzxidMark,
            Some(k) if k.len() > 2 && k.starts_with(b"\0c") && k[2..].iter().all(u8::is_ascii_digit) => {
                AttrKind::CounterShard
            }
            Some(k) if k.len() > 2 && k.starts_with(b"\0p") && k[2..].iter().all(u8::is_ascii_digit) => {
                AttrKind::PzxidMarkShard
            }
            _ => AttrKind::Other,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttrKind {
    Attrs,
    Counter,
    CounterShard,
    VersionOffset,
    Recreated,
    PzxidMark,
    PzxidMarkShard,
    Other,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        let k = Keys::new("zk");
        assert_eq!(k.node("/"), b"zk/n000/");
        assert_eq!(k.node("/a/b"), b"zk/n002/a/b");
        let deep = "/x".repeat(123);
        assert_eq!(k.node(&deep), format!("zk/n123{deep}").into_bytes());
        assert_eq!(k.children_prefix(&deep), format!("zk/n124{deep}/").into_bytes());
        assert_eq!(k.counter_shard("/a", 17), b"zk/a/a\0c17");
        assert_eq!(k.pzxid_mark_shard("/a", 3), b"zk/a/a\0p3");
        assert_eq!(k.children_prefix("/"), b"zk/n001/");
        assert_eq!(k.children_prefix("/a"), b"zk/n002/a/");
        assert!(k.node("/a/b").starts_with(&k.children_prefix("/a")));
        assert!(!k.node("/a/b/c").starts_with(&k.children_prefix("/a")));
        assert!(!k.node("/ab").starts_with(&k.children_prefix("/a")));
        assert_eq!(k.path_of_node_key(b"zk/n002/a/b"), Some("/a/b"));
        assert_eq!(k.path_of_node_key(b"zk/a/a/b"), None);
        assert_eq!(k.path_of_node_key(&k.multi_events()), None);
        assert!(k.multi_events().starts_with(&k.all_nodes_prefix()));
        // Node keys go on with three digits: "zk/n:" ('9' + 1) is past them all.
        assert!(k.multi_events().as_slice() > &b"zk/n:"[..], "after every node key");
        let (lo, hi) = (k.attrs("/a"), k.attrs_end("/a"));
        for key in [k.attrs("/a"), k.counter("/a"), k.version_offset("/a"), k.recreated("/a"), k.pzxid_mark("/a")] {
            assert!(key >= lo && key < hi);
        }
        for key in [k.attrs("/a/b"), k.attrs("/ab"), k.attrs("/")] {
            assert!(!(key >= lo && key < hi));
        }
        assert_eq!(k.attr_kind("/a", &k.counter("/a")), AttrKind::Counter);
        for i in 1..MAX_COUNTER_SHARDS {
            let shard = k.counter_shard("/a", i);
            assert_eq!(k.attr_kind("/a", &shard), AttrKind::CounterShard);
            assert!(shard >= k.counter_shards_start("/a") && shard < k.counter_end("/a"));
            assert!(shard > lo && shard < hi);
        }
        assert_eq!(k.counter_shard("/a", 0), k.counter("/a"));
        assert!(k.counter("/a") < k.counter_shards_start("/a"));
        assert!(k.pzxid_mark("/a") >= k.counter_end("/a"));
        for i in 1..MAX_COUNTER_SHARDS {
            let shard = k.pzxid_mark_shard("/a", i);
            assert_eq!(k.attr_kind("/a", &shard), AttrKind::PzxidMarkShard);
            assert!(shard > k.pzxid_mark("/a") && shard < k.pzxid_marks_end("/a") && shard < hi);
        }
        assert!(k.recreated("/a") >= k.pzxid_marks_end("/a") && k.version_offset("/a") >= k.pzxid_marks_end("/a"));
    }

    #[test]
    fn layout_version_key_is_outside_nodes_attributes_and_watches() {
        let k = Keys::new("zk");
        assert_eq!(k.layout_version(), b"zk/L");
        assert!(!k.layout_version().starts_with(&k.all_nodes_prefix()));
        assert!(!k.layout_version().starts_with(&k.attrs("")));
        assert_eq!(k.path_of_node_key(&k.layout_version()), None);
        assert!(READABLE_LAYOUTS.contains(&LAYOUT_VERSION));
        assert_eq!(READABLE_LAYOUTS.last(), Some(&LAYOUT_VERSION), "oldest first, this build's last");
    }

    #[test]
    fn layout_versions_read_or_refused() {
        let k = Keys::new("ns1");
        for v in READABLE_LAYOUTS {
            assert_eq!(check_layout_version(&k, v.to_string().as_bytes()).unwrap(), *v);
        }
        let newer = check_layout_version(&k, b"99").unwrap_err();
        assert_eq!(newer.code, Code::DataInconsistency);
        for part in ["layout version 99", "ns1/L", "reads layout versions 1, 2", "newer kafka-etcd", "upgrade"] {
            assert!(newer.message.contains(part), "{part}: {}", newer.message);
        }
        for bad in [&b"abc"[..], b"", b"0", b"02", b" 2", b"-1", b"2\0", b"\xff"] {
            let e = check_layout_version(&k, bad).unwrap_err();
            assert_eq!(e.code, Code::DataInconsistency, "{bad:?}");
            assert!(e.message.contains("corrupt") && e.message.contains("1, 2"), "{bad:?}: {}", e.message);
        }
    }

    #[test]
    fn namespaces_cannot_nest() {
        for ok in ["zk", "other-ns", "prod.kafka_1", &"x".repeat(MAX_NAMESPACE)] {
            assert!(validate_namespace(ok).is_ok(), "{ok}");
        }
        for bad in ["", "t/n001/x", "zk/", "a b", "ü", "n\0", &"x".repeat(MAX_NAMESPACE + 1)] {
            assert!(validate_namespace(bad).is_err(), "{bad}");
        }
    }
}
