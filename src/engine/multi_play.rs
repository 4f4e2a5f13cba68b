//! The in-memory half of a played multi: the ops run one after another on
//! copies of the nodes read from etcd, each seeing what the earlier ops
//! left (as in ZooKeeper), which yields ZooKeeper's per-op results, the
//! first failure, the final state to write, and the ordered changes
//! watches must hear.

use std::collections::HashMap;

use super::request::{MultiOp, OpResult};
use super::state::NodeState;
use super::write::sequential_name;
use crate::znode::events::Change;
use crate::znode::{path, Acl, Code, Stat, ZkResult};

/// A node as the ops leave it. Zxids that this multi sets are `None`
/// until the commit revision is known.
#[derive(Clone, Debug)]
pub struct Sim {
    pub exists: bool,
    pub data: Option<Vec<u8>>,
    pub acl: Vec<Acl>,
    pub lease: i64,
    pub version: i64,
    /// Child creates ever (the counter; see `NodeState::creates`).
    pub creates: i64,
    pub aversion: i64,
    pub ctime: i64,
    pub mtime: i64,
    pub czxid: Option<i64>,
    pub mzxid: Option<i64>,
    pub pzxid: Option<i64>,
    pub num_children: i64,
    pub data_puts: i64,
    pub child_creates: i64,
    pub child_deletes: i64,
    pub recreated: bool,
}

impl Sim {
    /// A node that does not exist (yet).
    fn absent() -> Sim {
        Sim {
            exists: false,
            data: None,
            acl: Vec::new(),
            lease: 0,
            version: 0,
            creates: 0,
            aversion: 0,
            ctime: 0,
            mtime: 0,
            czxid: None,
            mzxid: None,
            pzxid: None,
            num_children: 0,
            data_puts: 0,
            child_creates: 0,
            child_deletes: 0,
            recreated: false,
        }
    }

    fn from_state(st: &NodeState) -> ZkResult<Sim> {
        if !st.exists() {
            return Ok(Sim::absent());
        }
        let stat = st.stat()?;
        Ok(Sim {
            exists: true,
            data: st.data()?,
            acl: st.attrs_value()?.acl,
            lease: stat.ephemeral_owner,
            version: st.version()?,
            creates: st.creates()?,
            aversion: stat.aversion as i64,
            ctime: stat.ctime,
            mtime: stat.mtime,
            czxid: Some(stat.czxid),
            mzxid: Some(stat.mzxid),
            pzxid: Some(stat.pzxid),
            num_children: st.num_children,
            data_puts: 0,
            child_creates: 0,
            child_deletes: 0,
            recreated: false,
        })
    }

    /// The Stat as of now; zxids this multi sets become `commit` (the zxid
    /// of its etcd txn).
    pub fn stat(&self, commit: i64) -> Stat {
        Stat {
            czxid: self.czxid.unwrap_or(commit),
            mzxid: self.mzxid.unwrap_or(commit),
            ctime: self.ctime,
            mtime: self.mtime,
            version: self.version as i32,
            cversion: (2 * self.creates - self.num_children) as i32,
            aversion: self.aversion as i32,
            ephemeral_owner: self.lease,
            data_length: self.data.as_ref().map_or(0, Vec::len) as i32,
            num_children: self.num_children as i32,
            pzxid: self.pzxid.unwrap_or(commit),
        }
    }
}

/// A result whose Stat waits for the commit revision.
#[derive(Debug)]
pub enum Pending {
    Create(String, Sim),
    Delete,
    SetData(Sim),
    Check,
}

#[derive(Debug)]
pub enum Played {
    /// These paths must be read before the ops can be played.
    NeedRead(Vec<String>),
    /// Op `index` failed with `code`.
    Failed(usize, Code),
    Done(Vec<Pending>, HashMap<String, Sim>),
}

/// Plays the ops on copies of the read nodes.
pub fn play(ops: &[MultiOp], read: &HashMap<String, NodeState>, lease: i64, now: i64) -> ZkResult<Played> {
    let mut nodes: HashMap<String, Sim> = HashMap::new();
    let mut results = Vec::with_capacity(ops.len());
    for (i, op) in ops.iter().enumerate() {
        // Fetch the nodes this op looks at, or ask for them to be read.
        let p = op.path();
        let parent = path::parent(p).to_string();
        let want = looks_at(op);
        let missing: Vec<String> =
            want.iter().filter(|w| !nodes.contains_key(*w) && !read.contains_key(*w)).cloned().collect();
        if !missing.is_empty() {
            return Ok(Played::NeedRead(missing));
        }
        for w in &want {
            if !nodes.contains_key(w) {
                nodes.insert(w.clone(), Sim::from_state(&read[w])?);
            }
        }
        let outcome = match op {
            MultiOp::Create { path: _, data, acl, mode } => {
                let ps = &nodes[&parent];
                if !ps.exists {
                    Err(Code::NoNode)
                } else if ps.lease != 0 {
                    Err(Code::NoChildrenForEphemerals)
                } else {
                    let target = if mode.is_sequential() { sequential_name(p, ps.creates) } else { p.to_string() };
                    if !nodes.contains_key(&target) {
                        match read.get(&target) {
                            Some(st) => {
                                nodes.insert(target.clone(), Sim::from_state(st)?);
                            }
                            None => return Ok(Played::NeedRead(vec![target])),
                        }
                    }
                    if target == "/" || nodes[&target].exists {
                        Err(Code::NodeExists)
                    } else {
                        let was_there = read.get(&target).is_some_and(NodeState::exists);
                        let node = nodes.get_mut(&target).unwrap();
                        *node = Sim {
                            exists: true,
                            data: data.clone(),
                            acl: acl.clone(),
                            lease: if mode.is_ephemeral() { lease } else { 0 },
                            ctime: now,
                            mtime: now,
                            recreated: was_there,
                            ..Sim::absent()
                        };
                        let created = node.clone();
                        touch_parent(nodes.get_mut(&parent).unwrap(), 1);
                        Ok(Pending::Create(target, created))
                    }
                }
            }
            MultiOp::Delete { path: _, version } => {
                let n = &nodes[p];
                if p == "/" {
                    Err(Code::BadArguments)
                } else if !n.exists {
                    Err(Code::NoNode)
                } else if *version != -1 && n.version != *version as i64 {
                    Err(Code::BadVersion)
                } else if n.num_children > 0 {
                    Err(Code::NotEmpty)
                } else {
                    nodes.get_mut(p).unwrap().exists = false;
                    touch_parent(nodes.get_mut(&parent).unwrap(), -1);
                    Ok(Pending::Delete)
                }
            }
            MultiOp::SetData { path: _, data, version } => {
                let n = nodes.get_mut(p).unwrap();
                if !n.exists {
                    Err(Code::NoNode)
                } else if *version != -1 && n.version != *version as i64 {
                    Err(Code::BadVersion)
                } else {
                    n.data = data.clone();
                    n.version += 1;
                    n.data_puts += 1;
                    n.mtime = now;
                    n.mzxid = None;
                    Ok(Pending::SetData(n.clone()))
                }
            }
            MultiOp::Check { path: _, version } => {
                let n = &nodes[p];
                if !n.exists {
                    Err(Code::NoNode)
                } else if *version != -1 && n.version != *version as i64 {
                    Err(Code::BadVersion)
                } else {
                    Ok(Pending::Check)
                }
            }
        };
        match outcome {
            Ok(r) => results.push(r),
            Err(code) => return Ok(Played::Failed(i, code)),
        }
    }
    Ok(Played::Done(results, nodes))
}

fn touch_parent(parent: &mut Sim, delta: i64) {
    if delta > 0 {
        parent.creates += 1;
        parent.child_creates += 1;
    } else {
        parent.child_deletes += 1;
    }
    parent.num_children += delta;
    parent.pzxid = None;
}

/// The nodes `play` looks at, except sequential targets: each op's path
/// and, for creates and deletes, the parent.
pub fn named_paths(ops: &[MultiOp]) -> Vec<String> {
    let mut paths: Vec<String> = Vec::new();
    for q in ops.iter().flat_map(looks_at) {
        if !paths.contains(&q) {
            paths.push(q);
        }
    }
    paths
}

/// The nodes one op looks at: the parent of a create or delete, and the
/// op's own path unless a sequential create names it from the parent.
fn looks_at(op: &MultiOp) -> Vec<String> {
    let p = op.path();
    let mut want = Vec::with_capacity(2);
    if matches!(op, MultiOp::Create { .. } | MultiOp::Delete { .. }) {
        want.push(path::parent(p).to_string());
    }
    if !matches!(op, MultiOp::Create { mode, .. } if mode.is_sequential()) {
        want.push(p.to_string());
    }
    want
}

/// The ops' changes in order, as ZooKeeper's watches see them.
pub fn changes(ops: &[MultiOp], pending: &[Pending]) -> Vec<(String, Change)> {
    ops.iter()
        .zip(pending)
        .filter_map(|(op, r)| match r {
            Pending::Create(p, _) => Some((p.clone(), Change::Created)),
            Pending::Delete => Some((op.path().to_string(), Change::Deleted)),
            Pending::SetData(_) => Some((op.path().to_string(), Change::DataChanged)),
            Pending::Check => None,
        })
        .collect()
}

/// When the node keys show only a net change of some path, which the
/// watch stream would misread (a re-created node looks like a data change;
/// a node created and deleted leaves no key event at all).
pub fn changes_a_path_twice(changes: &[(String, Change)]) -> bool {
    changes.iter().enumerate().any(|(i, (p, _))| changes[..i].iter().any(|(q, _)| q == p))
}

/// ZooKeeper's failed-multi shape: OK before the failing op, its error,
/// RUNTIMEINCONSISTENCY after.
pub fn failure_results(n: usize, failed: usize, code: Code) -> Vec<OpResult> {
    (0..n)
        .map(|i| {
            OpResult::Error(match i.cmp(&failed) {
                std::cmp::Ordering::Less => Code::Ok,
                std::cmp::Ordering::Equal => code,
                std::cmp::Ordering::Greater => Code::RuntimeInconsistency,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fixtures::{absent, Node};
    use crate::engine::request::{multi_code, CreateMode};
    use crate::znode::keys::zxid;

    const NOW: i64 = 5_000;
    const LEASE: i64 = 0x77;
    const COMMIT: i64 = 100;

    fn read(states: Vec<(&str, NodeState)>) -> HashMap<String, NodeState> {
        states.into_iter().map(|(p, st)| (p.to_string(), st)).collect()
    }

    fn create(p: &str, data: &str, mode: CreateMode) -> MultiOp {
        MultiOp::Create { path: p.into(), data: Some(data.as_bytes().to_vec()), acl: Acl::open_unsafe(), mode }
    }

    fn set(p: &str, data: &str, version: i32) -> MultiOp {
        MultiOp::SetData { path: p.into(), data: Some(data.as_bytes().to_vec()), version }
    }

    fn delete(p: &str, version: i32) -> MultiOp {
        MultiOp::Delete { path: p.into(), version }
    }

    fn check(p: &str, version: i32) -> MultiOp {
        MultiOp::Check { path: p.into(), version }
    }

    fn done(ops: &[MultiOp], read: &HashMap<String, NodeState>) -> (Vec<Pending>, HashMap<String, Sim>) {
        match play(ops, read, LEASE, NOW).unwrap() {
            Played::Done(pending, nodes) => (pending, nodes),
            other => panic!("{ops:?} did not play through: {other:?}"),
        }
    }

    fn failure(ops: &[MultiOp], read: &HashMap<String, NodeState>) -> (usize, Code) {
        match play(ops, read, LEASE, NOW).unwrap() {
            Played::Failed(i, code) => (i, code),
            other => panic!("{ops:?} did not fail: {other:?}"),
        }
    }

    /// `/` with one child `/a` (version 2, data "old"); `/e` ephemeral.
    fn tree() -> HashMap<String, NodeState> {
        read(vec![
            ("/", Node { num_children: 2, creates: 2, ..Node::default() }.state("/")),
            (
                "/a",
                Node { data: Some(b"old".to_vec()), version: 2, created: 3, modified: 7, ..Node::default() }
                    .state("/a"),
            ),
            ("/e", Node { lease: 9, created: 4, modified: 4, ..Node::default() }.state("/e")),
            ("/a/x", absent("/a/x")),
            ("/b", absent("/b")),
            ("/b/c", absent("/b/c")),
            ("/e/c", absent("/e/c")),
        ])
    }

    #[test]
    fn each_op_sees_what_the_earlier_ones_left() {
        let ops = [create("/b", "1", CreateMode::Persistent), set("/b", "2", 0), check("/b", 1), set("/a", "new", 2)];
        let (pending, nodes) = done(&ops, &tree());
        match &pending[..] {
            [Pending::Create(p, created), Pending::SetData(b), Pending::Check, Pending::SetData(a)] => {
                assert_eq!(p, "/b");
                let st = created.stat(COMMIT);
                assert_eq!(
                    (st.czxid, st.mzxid, st.pzxid, st.version, st.ctime, st.data_length),
                    (COMMIT, COMMIT, COMMIT, 0, NOW, 1)
                );
                let st = b.stat(COMMIT);
                assert_eq!((st.czxid, st.mzxid, st.version, st.mtime), (COMMIT, COMMIT, 1, NOW));
                let st = a.stat(COMMIT);
                assert_eq!(
                    (st.czxid, st.mzxid, st.version, st.data_length),
                    (zxid(3, 0), COMMIT, 3, 3),
                    "an existing node keeps its czxid (created alone at revision 3)"
                );
            }
            other => panic!("{other:?}"),
        }
        let b = &nodes["/b"];
        assert!(b.exists && !b.recreated);
        assert_eq!((b.data.as_deref(), b.version, b.data_puts, b.lease), (Some(&b"2"[..]), 1, 1, 0));
        let root = &nodes["/"];
        assert_eq!(
            (root.num_children, root.creates, root.child_creates, root.child_deletes, root.pzxid),
            (3, 3, 1, 0, None)
        );
        assert_eq!(root.stat(COMMIT).cversion, 3, "creates + deletes");
        assert_eq!(
            changes(&ops, &pending),
            vec![
                ("/b".into(), Change::Created),
                ("/b".into(), Change::DataChanged),
                ("/a".into(), Change::DataChanged)
            ]
        );
        assert!(changes_a_path_twice(&changes(&ops, &pending)));
        assert!(!changes_a_path_twice(&changes(&ops[3..], &pending[3..])));
    }

    #[test]
    fn the_first_failing_op_is_named_with_its_code() {
        let p = CreateMode::Persistent;
        let cases: Vec<(Vec<MultiOp>, (usize, Code))> = vec![
            (vec![check("/a", 2), set("/b", "x", -1)], (1, Code::NoNode)),
            (vec![check("/a", 1)], (0, Code::BadVersion)),
            (vec![set("/a", "x", 2), check("/a", 2)], (1, Code::BadVersion)),
            (vec![create("/a", "", p)], (0, Code::NodeExists)),
            (vec![create("/b", "", p), create("/b", "", p)], (1, Code::NodeExists)),
            (vec![create("/", "", p)], (0, Code::NodeExists)),
            (vec![create("/b/c", "", p)], (0, Code::NoNode)),
            (vec![create("/e/c", "", p)], (0, Code::NoChildrenForEphemerals)),
            (vec![delete("/", -1)], (0, Code::BadArguments)),
            (vec![delete("/b", -1)], (0, Code::NoNode)),
            (vec![delete("/a", 1)], (0, Code::BadVersion)),
            (vec![create("/a/x", "", p), delete("/a", -1)], (1, Code::NotEmpty)),
            (vec![delete("/a", 2), set("/a", "x", -1)], (1, Code::NoNode)),
            (vec![delete("/a", 2), create("/a/x", "", p)], (1, Code::NoNode)),
        ];
        for (ops, want) in cases {
            assert_eq!(failure(&ops, &tree()), want, "{ops:?}");
        }
    }

    #[test]
    fn a_node_deleted_and_created_again_is_a_new_node() {
        let ops = [delete("/a", 2), create("/a", "again", CreateMode::Persistent)];
        let (pending, nodes) = done(&ops, &tree());
        let a = &nodes["/a"];
        assert!(a.exists && a.recreated, "the keys stay: written over as a new node");
        assert_eq!((a.version, a.creates, a.czxid, a.data.as_deref()), (0, 0, None, Some(&b"again"[..])));
        let root = &nodes["/"];
        assert_eq!((root.num_children, root.child_creates, root.child_deletes), (2, 1, 1));
        assert!(changes_a_path_twice(&changes(&ops, &pending)));
    }

    #[test]
    fn a_node_created_and_deleted_leaves_only_its_parent_changed() {
        let ops = [create("/b", "", CreateMode::Ephemeral), delete("/b", 0)];
        let (pending, nodes) = done(&ops, &tree());
        assert!(!nodes["/b"].exists && !nodes["/b"].recreated);
        let root = &nodes["/"];
        assert_eq!((root.num_children, root.creates, root.child_creates, root.child_deletes), (2, 3, 1, 1));
        assert_eq!(root.stat(COMMIT).cversion, 4, "a create and a delete: +2");
        assert_eq!(changes(&ops, &pending), vec![("/b".into(), Change::Created), ("/b".into(), Change::Deleted)]);
    }

    #[test]
    fn sequential_names_count_the_parents_creates_and_are_read_first() {
        let q = Node { creates: 7, num_children: 2, ..Node::default() };
        let mut read = read(vec![("/", Node::default().state("/")), ("/q", q.state("/q"))]);
        let ops = [
            create("/q/s-", "", CreateMode::EphemeralSequential),
            create("/q/s-", "", CreateMode::PersistentSequential),
        ];
        assert_eq!(named_paths(&ops), vec!["/q".to_string()], "the targets are named by what /q shows");
        for name in ["/q/s-0000000007", "/q/s-0000000008"] {
            match play(&ops, &read, LEASE, NOW).unwrap() {
                Played::NeedRead(paths) => assert_eq!(paths, vec![name.to_string()]),
                other => panic!("{other:?}"),
            }
            read.insert(name.to_string(), absent(name));
        }
        let (pending, nodes) = done(&ops, &read);
        match &pending[..] {
            [Pending::Create(a, first), Pending::Create(b, second)] => {
                assert_eq!((a.as_str(), b.as_str()), ("/q/s-0000000007", "/q/s-0000000008"));
                assert_eq!((first.lease, second.lease), (LEASE, 0), "only the ephemeral one has the session's lease");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!((nodes["/q"].creates, nodes["/q"].num_children), (9, 4));
    }

    #[test]
    fn a_taken_sequential_name_fails_as_node_exists() {
        let q = Node { creates: 1, ..Node::default() };
        let read = read(vec![("/q", q.state("/q")), ("/q/s-0000000001", Node::default().state("/q/s-0000000001"))]);
        assert_eq!(failure(&[create("/q/s-", "", CreateMode::PersistentSequential)], &read), (0, Code::NodeExists));
    }

    /// Stores written before the pzxid mark existed counted deletes on the
    /// child counter too (keys.rs): read as creates, they still name the
    /// next child above every earlier one, and cversion only grows.
    #[test]
    fn counters_of_the_old_layout_still_give_unique_increasing_names() {
        // /q/s-0000000000 was created, then deleted: the old layout put the counter twice.
        let q = Node { creates: 2, num_children: 0, ..Node::default() };
        assert_eq!(q.state("/q").creates().unwrap(), 2);
        let before = q.state("/q").stat().unwrap();
        let mut read = read(vec![("/q", q.state("/q")), ("/q/s-0000000002", absent("/q/s-0000000002"))]);
        read.insert("/q/s-0000000003".into(), absent("/q/s-0000000003"));
        let ops = [
            create("/q/s-", "", CreateMode::PersistentSequential),
            create("/q/s-", "", CreateMode::PersistentSequential),
        ];
        let (pending, nodes) = done(&ops, &read);
        let names: Vec<&str> = pending
            .iter()
            .map(|r| match r {
                Pending::Create(p, _) => p.as_str(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(names, ["/q/s-0000000002", "/q/s-0000000003"]);
        assert!("/q/s-0000000000" < names[0] && names[0] < names[1]);
        assert!(nodes["/q"].stat(COMMIT).cversion > before.cversion);
    }

    #[test]
    fn nodes_not_read_yet_are_asked_for() {
        let ops = [
            create("/a/b", "", CreateMode::Persistent),
            set("/a", "", -1),
            delete("/a/c", -1),
            create("/a/s-", "", CreateMode::PersistentSequential),
        ];
        assert_eq!(named_paths(&ops), ["/a", "/a/b", "/a/c"]);
        match play(&ops, &HashMap::new(), LEASE, NOW).unwrap() {
            Played::NeedRead(paths) => assert_eq!(paths, ["/a", "/a/b"]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_failed_multi_answers_ok_then_the_error_then_runtime_inconsistency() {
        let results = failure_results(4, 1, Code::BadVersion);
        let codes: Vec<Code> = results
            .iter()
            .map(|r| match r {
                OpResult::Error(c) => *c,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(codes, [Code::Ok, Code::BadVersion, Code::RuntimeInconsistency, Code::RuntimeInconsistency]);
        assert_eq!(multi_code(&results), Code::BadVersion);
        assert_eq!(failure_results(1, 0, Code::NoNode), [OpResult::Error(Code::NoNode)]);
    }
}
