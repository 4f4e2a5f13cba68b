//! Znodes as a read from etcd finds them, built without etcd: inputs for
//! the unit tests of the planning code (multi play, Stat arithmetic).
//! etcd-client's `pub-response-field` feature (a dev-dependency) is what
//! lets a test build a `KeyValue`.

use etcd_client::proto::PbKeyValue;
use etcd_client::KeyValue;

use super::state::NodeState;
use crate::znode::keys::Keys;
use crate::znode::stat::{encode_attrs, encode_node};
use crate::znode::Acl;

/// The namespace every fixture lives in.
pub fn keys() -> Keys {
    Keys::new("zk")
}

/// One key as etcd returns it.
pub fn kv(key: Vec<u8>, value: Vec<u8>, create_revision: i64, mod_revision: i64, version: i64, lease: i64) -> KeyValue {
    KeyValue(PbKeyValue { key, value, create_revision, mod_revision, version, lease })
}

/// An existing znode, in ZooKeeper's terms; [`Node::state`] lays it out in
/// etcd keys as the engine writes them.
#[derive(Clone, Debug)]
pub struct Node {
    pub data: Option<Vec<u8>>,
    pub version: i64,
    /// Child creates ever (what names the next sequential child).
    pub creates: i64,
    pub num_children: i64,
    /// The session owning an ephemeral node; 0: persistent.
    pub lease: i64,
    /// czxid (the node key's create revision).
    pub created: i64,
    /// mzxid (the node key's last put).
    pub modified: i64,
    /// pzxid (the counter's last put).
    pub child_changed: i64,
    pub ctime: i64,
    pub mtime: i64,
}

impl Default for Node {
    fn default() -> Node {
        Node {
            data: None,
            version: 0,
            creates: 0,
            num_children: 0,
            lease: 0,
            created: 2,
            modified: 2,
            child_changed: 2,
            ctime: 1_000,
            mtime: 1_000,
        }
    }
}

impl Node {
    /// The node at `path` as a read at revision 10 finds it.
    pub fn state(&self, path: &str) -> NodeState {
        let k = keys();
        NodeState {
            path: path.to_string(),
            revision: 10,
            node: Some(kv(
                k.node(path),
                encode_node(0, self.mtime, self.data.as_deref()),
                self.created,
                self.modified,
                self.version + 1,
                self.lease,
            )),
            attrs: Some(kv(
                k.attrs(path),
                encode_attrs(self.ctime, 0, &Acl::open_unsafe()),
                self.created,
                self.created,
                1,
                self.lease,
            )),
            counter: Some(kv(
                k.counter(path),
                Vec::new(),
                self.created,
                self.child_changed,
                self.creates + 1,
                self.lease,
            )),
            num_children: self.num_children,
            ..NodeState::default()
        }
    }
}

/// No znode at `path`.
pub fn absent(path: &str) -> NodeState {
    NodeState { path: path.to_string(), revision: 10, ..NodeState::default() }
}
