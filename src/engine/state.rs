//! A znode as read from etcd in one txn (node key, attribute keys, child
//! count or names), and how it becomes a ZooKeeper `Stat`.

use etcd_client::{GetOptions, GetResponse, KeyValue, TxnOp, TxnOpResponse};

use crate::znode::keys::{zxid, AttrKind, Keys};
use crate::znode::stat::{
    decode_attrs, decode_ctime, decode_node, decode_offset, decode_sub, node_data_len, AttrsValue, Sub,
};
use crate::znode::{Code, Stat, ZkError, ZkResult};

/// How much of the children to read alongside a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChildRead {
    Count,
    Names,
}

/// Range ops reading one znode. Always [`READ_OPS`] ops, in this order.
/// (The read batcher reads only the first [`NODE_OPS`] of them for a
/// count, and the count itself only for a node that ever had a child:
/// [`count_op`].)
pub fn read_ops(keys: &Keys, path: &str, children: ChildRead, revision: i64) -> [TxnOp; 3] {
    let at = |o: GetOptions| if revision > 0 { o.with_revision(revision) } else { o };
    let kids = match children {
        ChildRead::Count => GetOptions::new().with_prefix().with_count_only(),
        ChildRead::Names => GetOptions::new().with_prefix().with_keys_only(),
    };
    [
        TxnOp::get(keys.node(path), Some(at(GetOptions::new()))),
        TxnOp::get(keys.attrs(path), Some(at(GetOptions::new().with_range(keys.attrs_end(path))))),
        TxnOp::get(keys.children_prefix(path), Some(at(kids))),
    ]
}

pub const READ_OPS: usize = 3;

/// The node and attribute reads that begin [`read_ops`].
pub const NODE_OPS: usize = 2;

/// The child count of `path` at `revision`: the third op of [`read_ops`]
/// (count), read on its own. A count-only range still costs etcd about as
/// much as a read of a key (~19 us of ~60 per read on 2 cores), and most
/// znodes Kafka reads never had a child.
pub fn count_op(keys: &Keys, path: &str, revision: i64) -> TxnOp {
    let [_, _, count] = read_ops(keys, path, ChildRead::Count, revision);
    count
}

/// Like [`read_ops`], but only what a watch compares (revisions, the
/// child counter and count): no data, no ACL, so the answer stays small
/// however large the nodes are. Parsed by [`NodeState::parse`].
pub fn mark_ops(keys: &Keys, path: &str, revision: i64) -> [TxnOp; 3] {
    let at = |o: GetOptions| o.with_revision(revision).with_keys_only();
    [
        TxnOp::get(keys.node(path), Some(at(GetOptions::new()))),
        TxnOp::get(keys.attrs(path), Some(at(GetOptions::new().with_range(keys.attrs_end(path))))),
        TxnOp::get(
            keys.children_prefix(path),
            Some(GetOptions::new().with_revision(revision).with_prefix().with_count_only()),
        ),
    ]
}

/// The node key's share of a Stat.
pub struct NodeFields {
    pub create_rev: i64,
    pub mod_rev: i64,
    /// The sub of the node key's last put (the mzxid's).
    pub mod_sub: Sub,
    pub etcd_version: i64,
    pub lease: i64,
    pub mtime: i64,
    pub data_len: i32,
}

/// One znode's keys as seen at `revision`.
#[derive(Clone, Debug, Default)]
pub struct NodeState {
    pub path: String,
    pub revision: i64,
    pub node: Option<KeyValue>,
    pub attrs: Option<KeyValue>,
    pub counter: Option<KeyValue>,
    pub version_offset: Option<KeyValue>,
    pub recreated: Option<KeyValue>,
    pub pzxid_mark: Option<KeyValue>,
    /// Creates counted on counter shards (the sum of their etcd versions).
    pub shard_creates: i64,
    /// The latest mod_revision among the counter shards (0: none).
    pub shard_rev: i64,
    /// The latest zxid among the counter shards (0: none).
    pub shard_zxid: i64,
    /// The latest mod_revision among the pzxid mark shards (0: none).
    pub mark_shard_rev: i64,
    /// The latest zxid among the pzxid mark shards (0: none).
    pub mark_shard_zxid: i64,
    pub num_children: i64,
    /// Child names, when read with [`ChildRead::Names`].
    pub children: Vec<String>,
}

fn take_get(resp: Option<TxnOpResponse>) -> ZkResult<GetResponse> {
    match resp {
        Some(TxnOpResponse::Get(g)) => Ok(g),
        _ => Err(ZkError::new(Code::SystemError, "etcd txn answered with an unexpected response shape")),
    }
}

impl NodeState {
    /// Parses the three responses of [`read_ops`].
    pub fn parse(
        keys: &Keys,
        path: &str,
        revision: i64,
        responses: &mut impl Iterator<Item = TxnOpResponse>,
    ) -> ZkResult<NodeState> {
        let mut st = Self::parse_node(keys, path, revision, responses)?;
        let mut kids = take_get(responses.next())?;
        let prefix = keys.children_prefix(path);
        let kvs = kids.take_kvs();
        st.num_children = if kvs.is_empty() { kids.count() } else { kvs.len() as i64 };
        st.children = kvs
            .iter()
            .filter_map(|kv| kv.key().strip_prefix(prefix.as_slice()))
            .filter_map(|name| std::str::from_utf8(name).ok().map(str::to_string))
            .collect();
        Ok(st)
    }

    /// Parses the first [`NODE_OPS`] responses of [`read_ops`]: the child
    /// count is left 0 ([`Self::ever_had_children`] says whether it must
    /// be read, [`Self::set_count`] files it).
    pub fn parse_node(
        keys: &Keys,
        path: &str,
        revision: i64,
        responses: &mut impl Iterator<Item = TxnOpResponse>,
    ) -> ZkResult<NodeState> {
        let mut node = take_get(responses.next())?;
        let mut attrs = take_get(responses.next())?;
        let mut st = NodeState { path: path.to_string(), revision, ..Default::default() };
        st.node = node.take_kvs().into_iter().next();
        st.take_attrs(keys, attrs.take_kvs());
        Ok(st)
    }

    /// Files the answer to [`count_op`].
    pub fn set_count(&mut self, resp: Option<TxnOpResponse>) -> ZkResult<()> {
        self.num_children = take_get(resp)?.count();
        Ok(())
    }

    /// Files the keys of one attribute-range read.
    pub fn take_attrs(&mut self, keys: &Keys, kvs: Vec<KeyValue>) {
        for kv in kvs {
            match keys.attr_kind(&self.path, kv.key()) {
                AttrKind::Attrs => self.attrs = Some(kv),
                AttrKind::Counter => self.counter = Some(kv),
                AttrKind::CounterShard => {
                    self.shard_creates += kv.version();
                    self.shard_rev = self.shard_rev.max(kv.mod_revision());
                    self.shard_zxid = self.shard_zxid.max(put_zxid(&kv));
                }
                AttrKind::VersionOffset => self.version_offset = Some(kv),
                AttrKind::Recreated => self.recreated = Some(kv),
                AttrKind::PzxidMark => self.pzxid_mark = Some(kv),
                AttrKind::PzxidMarkShard => {
                    self.mark_shard_rev = self.mark_shard_rev.max(kv.mod_revision());
                    self.mark_shard_zxid = self.mark_shard_zxid.max(put_zxid(&kv));
                }
                AttrKind::Other => {}
            }
        }
    }

    pub fn exists(&self) -> bool {
        self.node.is_some()
    }

    /// ZooKeeper's version: etcd's put count minus one plus the offset.
    pub fn version(&self) -> ZkResult<i64> {
        let node = self.node.as_ref().map_or(0, KeyValue::version);
        Ok(node - 1 + self.version_offset_value()?)
    }

    pub fn version_offset_value(&self) -> ZkResult<i64> {
        self.version_offset.as_ref().map_or(Ok(0), |kv| decode_offset(kv.value()))
    }

    /// The child counter: how many children were ever created (the next
    /// sequential suffix): \0c's count plus its shards'.
    pub fn creates(&self) -> ZkResult<i64> {
        Ok(self.counter_key_creates()? + self.shard_creates)
    }

    /// The latest mod_revision of the counter range (\0c and its shards):
    /// moves with every child create.
    pub fn counter_rev(&self) -> i64 {
        self.counter.as_ref().map_or(0, KeyValue::mod_revision).max(self.shard_rev)
    }

    /// False only for a node no child was ever created under: its counter
    /// counts no create and it has no shard, so its child count is 0
    /// without reading it.
    pub fn ever_had_children(&self) -> ZkResult<bool> {
        Ok(self.creates()? != 0 || self.shard_rev != 0)
    }

    /// ZooKeeper's reported cversion, creates + deletes: every child still
    /// here was created once, every other one also deleted once.
    pub fn cversion(&self) -> ZkResult<i64> {
        Ok(2 * self.creates()? - self.num_children)
    }

    /// The revision of the last child create or delete (0 when none moved
    /// a counter or mark key).
    pub fn child_rev(&self) -> i64 {
        self.counter_rev().max(self.mark_rev())
    }

    /// ZooKeeper's pzxid: the zxid of the last child create or delete, and
    /// never below the czxid (a new node's pzxid is its czxid). \0c carries
    /// no sub (see `znode::keys`).
    pub fn pzxid(&self) -> i64 {
        let counter = self.counter.as_ref().map_or(0, |kv| zxid(kv.mod_revision(), 0));
        let mark = self.pzxid_mark.as_ref().map_or(0, put_zxid);
        counter.max(self.shard_zxid).max(mark).max(self.mark_shard_zxid).max(self.czxid())
    }

    /// The latest mod_revision of the mark range (\0p and its shards): moves
    /// with every child delete (0: no child was ever deleted).
    pub fn mark_rev(&self) -> i64 {
        self.pzxid_mark.as_ref().map_or(0, KeyValue::mod_revision).max(self.mark_shard_rev)
    }

    /// The creates \0c itself counts (etcd version - 1 + its offset; 0
    /// when absent), without the shards'.
    pub fn counter_key_creates(&self) -> ZkResult<i64> {
        self.counter.as_ref().map_or(Ok(0), |kv| Ok(kv.version() - 1 + decode_offset(kv.value())?))
    }

    /// The czxid's revision given the node key's create_revision: a node a
    /// multi deleted and re-created keeps its key, so the re-creation mark
    /// tells.
    pub fn create_rev_of(&self, create_rev: i64) -> i64 {
        self.recreated.as_ref().map_or(create_rev, KeyValue::mod_revision)
    }

    /// The revision that created an existing node (0 when there is none).
    pub fn create_rev(&self) -> i64 {
        self.create_rev_of(self.node.as_ref().map_or(0, KeyValue::create_revision))
    }

    /// The sub of the write that created the node (0 without an attribute
    /// key, or one that does not decode).
    pub fn czxid_sub(&self) -> Sub {
        self.attrs.as_ref().and_then(|kv| decode_ctime(kv.value()).ok()).map_or(0, |(_, sub)| sub)
    }

    /// The czxid of an existing node (0 when there is none).
    pub fn czxid(&self) -> i64 {
        match self.create_rev() {
            0 => 0,
            rev => zxid(rev, self.czxid_sub()),
        }
    }

    /// ZooKeeper's aversion (the attribute key's put count, less what it
    /// counted before a re-creation).
    pub fn aversion(&self) -> ZkResult<i64> {
        let attrs = self.attrs.as_ref().ok_or_else(|| self.inconsistent("attribute key"))?;
        let offset = self.recreated.as_ref().map_or(Ok(0), |kv| decode_offset(kv.value()))?;
        Ok(attrs.version() - 1 + offset)
    }

    pub fn is_ephemeral(&self) -> bool {
        self.node.as_ref().is_some_and(|kv| kv.lease() != 0)
    }

    pub fn attrs_value(&self) -> ZkResult<AttrsValue> {
        match &self.attrs {
            Some(kv) => decode_attrs(kv.value()),
            None => Err(self.inconsistent("attribute key")),
        }
    }

    pub fn data(&self) -> ZkResult<Option<Vec<u8>>> {
        match &self.node {
            Some(kv) => Ok(decode_node(kv.value())?.data),
            None => Err(ZkError::at(Code::NoNode, &self.path)),
        }
    }

    /// The Stat of an existing node.
    pub fn stat(&self) -> ZkResult<Stat> {
        let node = self.node.as_ref().ok_or_else(|| ZkError::at(Code::NoNode, &self.path))?;
        let value = decode_node(node.value())?;
        self.stat_with(NodeFields {
            create_rev: node.create_revision(),
            mod_rev: node.mod_revision(),
            mod_sub: value.sub,
            etcd_version: node.version(),
            lease: node.lease(),
            mtime: value.mtime,
            data_len: node_data_len(node.value()),
        })
    }

    /// The Stat with the node key's part given (e.g. worked out from a
    /// put's previous value instead of read back).
    pub fn stat_with(&self, n: NodeFields) -> ZkResult<Stat> {
        let attrs = self.attrs.as_ref().ok_or_else(|| self.inconsistent("attribute key"))?;
        let (ctime, czxid_sub) = decode_ctime(attrs.value())?;
        let czxid = zxid(self.create_rev_of(n.create_rev), czxid_sub);
        Ok(Stat {
            czxid,
            mzxid: zxid(n.mod_rev, n.mod_sub),
            ctime,
            mtime: n.mtime,
            version: (n.etcd_version - 1 + self.version_offset_value()?) as i32,
            cversion: self.cversion()? as i32,
            aversion: self.aversion()? as i32,
            ephemeral_owner: n.lease,
            data_length: n.data_len,
            num_children: self.num_children as i32,
            // A node no child was created or deleted under has no counter
            // key moved since its create: its pzxid is its czxid.
            pzxid: self.pzxid().max(czxid),
        })
    }

    fn inconsistent(&self, what: &str) -> ZkError {
        ZkError::new(Code::DataInconsistency, format!("{} has a node key but no {what}", self.path))
    }
}

/// The zxid of a counter shard's or mark's last put: its value holds the sub.
fn put_zxid(kv: &KeyValue) -> i64 {
    zxid(kv.mod_revision(), decode_sub(kv.value()))
}
