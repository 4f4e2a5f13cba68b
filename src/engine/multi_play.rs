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

    /// The Stat as of now; zxids this multi sets become `commit`.
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
pub enum Pending {
    Create(String, Sim),
    Delete,
    SetData(Sim),
    Check,
}

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
        let missing: Vec<String> = want.iter().filter(|w| !nodes.contains_key(*w) && !read.contains_key(*w)).cloned().collect();
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
