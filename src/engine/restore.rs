//! Restoring a znode with given counters: what an import from ZooKeeper (or
//! a restore from a dump) needs and no ZooKeeper operation can do. Kafka
//! fences on versions (`setData` with the version it read), so a copied
//! node must keep its data version, ACL version and child-create counter
//! (the next sequential suffix), not start again at 0.
//!
//! One etcd txn writes every key of the node so that the Stat read back
//! shows the given values, whether the node was absent (a fresh import) or
//! present (the root, or a resumed import writing a node again): the
//! offsets are worked out from the etcd versions the puts will leave.
//! Not part of ZooKeeper's API; run it with the brokers stopped.

use etcd_client::{Compare, CompareOp, DeleteOptions, KeyValue, Txn, TxnOp};

use super::core::Core;
use super::request::{Reply, RestoreNode};
use super::state::{read_ops, ChildRead, READ_OPS};
use super::write::{absent, counter_unchanged, exists, node_puts, NodeContent};
use crate::znode::stat::encode_offset;
use crate::znode::{path, Code, ZkError, ZkResult};

/// How many times the txn is retried when the node moved between read and write.
const MAX_RACES: usize = 16;

/// The compare that the key is still as it was read (or still absent).
fn unchanged(key: Vec<u8>, kv: &Option<KeyValue>) -> Compare {
    match kv {
        Some(kv) => Compare::mod_revision(key, CompareOp::Equal, kv.mod_revision()),
        None => absent(key),
    }
}

/// The ZooKeeper counter a key reads as after one more put: etcd version - 1.
fn after_put(kv: &Option<KeyValue>) -> i64 {
    kv.as_ref().map_or(0, KeyValue::version)
}

impl Core {
    pub(crate) async fn restore_node(&self, n: &RestoreNode) -> ZkResult<Reply> {
        let (p, k) = (n.path.as_str(), &self.keys);
        for _ in 0..MAX_RACES {
            let st = self.read_one(p, ChildRead::Count).await?;
            if st.is_ephemeral() {
                return Err(ZkError::new(Code::NodeExists, format!("{p} is an ephemeral node of a live session")));
            }
            let mut cmp = vec![
                unchanged(k.node(p), &st.node),
                unchanged(k.attrs(p), &st.attrs),
                unchanged(k.counter(p), &st.counter),
                // No child created meanwhile (their creates bump the shards).
                counter_unchanged(k, p, st.counter_rev()),
                unchanged(k.version_offset(p), &st.version_offset),
                unchanged(k.recreated(p), &st.recreated),
            ];
            if p != "/" {
                let parent = path::parent(p);
                cmp.push(exists(k.node(parent)));
                cmp.push(Compare::lease(k.node(parent), CompareOp::Equal, 0));
            }
            // A node's czxid sub stays (a restore is alone in its revision, so any sub is its own).
            let sub = st.czxid_sub();
            let content = NodeContent { data: n.data.as_deref(), acl: &n.acl, ctime: n.ctime, mtime: n.mtime, sub };
            let counter = encode_offset(n.child_creates - after_put(&st.counter));
            let mut ops = node_puts(k, p, content, counter, 0).to_vec();
            if st.shard_creates > 0 {
                // \0c alone now holds the whole count (the shards would add theirs).
                ops.push(TxnOp::delete(
                    k.counter_shards_start(p),
                    Some(DeleteOptions::new().with_range(k.counter_end(p))),
                ));
            }
            // The offsets live in optional keys: put when needed, else removed.
            let offset_key = |key: Vec<u8>, offset: i64, present: bool| match (offset, present) {
                (0, true) => Some(TxnOp::delete(key, None)),
                (0, false) => None,
                _ => Some(TxnOp::put(key, encode_offset(offset), None)),
            };
            ops.extend(offset_key(
                k.version_offset(p),
                n.version as i64 - after_put(&st.node),
                st.version_offset.is_some(),
            ));
            ops.extend(offset_key(k.recreated(p), n.aversion as i64 - after_put(&st.attrs), st.recreated.is_some()));
            let txn =
                Txn::new().when(cmp).and_then(ops).or_else(read_ops(k, path::parent(p), ChildRead::Count, 0).to_vec());
            let resp = self.etcd_write(txn).await?;
            if resp.succeeded() {
                let rev = resp.header().map_or(0, |h| h.revision());
                if st.exists() {
                    self.hub.local_change(p, rev);
                } else {
                    self.hub.local_create(p, rev);
                }
                let st = self.read_one(p, ChildRead::Count).await?;
                return Ok(Reply::Stat(st.stat()?));
            }
            let mut it = resp.op_responses().into_iter();
            let parent = super::state::NodeState::parse(k, path::parent(p), 0, &mut it.by_ref().take(READ_OPS))?;
            if p != "/" && !parent.exists() {
                return Err(ZkError::at(Code::NoNode, p));
            }
            if parent.is_ephemeral() {
                return Err(ZkError::at(Code::NoChildrenForEphemerals, p));
            }
        }
        Err(ZkError::connection_loss(format!("restore {p}: the node kept changing under concurrent writers")))
    }
}
