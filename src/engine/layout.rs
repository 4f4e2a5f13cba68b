//! Opening a namespace's store: the layout version check and the root's
//! nodes, in the one txn a connect makes (see `znode::keys` for the
//! layout version key and what each version means).

use etcd_client::{Compare, CompareOp, Txn, TxnOp, TxnOpResponse, TxnResponse};

use super::transport::{Retry, Transport};
use super::write::{absent, node_puts, NodeContent};
use crate::znode::keys::{check_layout_version, Keys, LAYOUT_VERSION};
use crate::znode::path;
use crate::znode::stat::now_ms;
use crate::znode::{Acl, Code, ZkError, ZkResult};

/// Rounds before giving up when the layout key changes under the connect
/// (only another client raising it, or a hand edit, moves it).
const ROUNDS: usize = 4;

/// Checks the store's layout version, stamps it on a store that has none
/// (or an older readable one), and creates the root znode and ZooKeeper's
/// own nodes where they are missing; returns the revision to watch from.
///
/// One txn in the common case: absent key -> put it and the root's nodes;
/// else read it, and create the root's nodes only if it holds this build's
/// version. A store of a layout this build cannot read is refused before
/// anything is written to it.
pub async fn open_store(transport: &Transport, keys: &Keys) -> ZkResult<i64> {
    let key = keys.layout_version();
    let ours = LAYOUT_VERSION.to_string().into_bytes();
    for _ in 0..ROUNDS {
        let root = root_nodes(keys);
        let txn = Txn::new()
            .when(vec![absent(key.clone())])
            .and_then([vec![TxnOp::put(key.clone(), ours.clone(), None)], root.clone()].concat())
            .or_else(vec![
                TxnOp::get(key.clone(), None),
                TxnOp::txn(Txn::new().when(vec![holds(&key, &ours)]).and_then(root)),
            ]);
        let resp = transport.txn(txn, Retry::Anywhere).await?;
        let rev = resp.header().map_or(0, |h| h.revision());
        if resp.succeeded() {
            log::info!("namespace {}: no layout version key, stamped layout {LAYOUT_VERSION}", keys.namespace());
            return Ok(rev);
        }
        let Some(stored) = stored_value(&resp) else {
            continue; // deleted between the compare and the read: look again
        };
        let version = check_layout_version(keys, &stored)?;
        if version == LAYOUT_VERSION {
            return Ok(rev);
        }
        // An older layout this build reads: from now on it holds this
        // build's writes, so raise it (only from the value just read).
        let raise =
            Txn::new().when(vec![holds(&key, &stored)]).and_then(vec![TxnOp::put(key.clone(), ours.clone(), None)]);
        transport.txn(raise, Retry::Anywhere).await?;
        log::info!("namespace {}: layout {version} raised to {LAYOUT_VERSION}", keys.namespace());
    }
    Err(ZkError::new(
        Code::DataInconsistency,
        format!("the layout version key {} kept changing while connecting", String::from_utf8_lossy(&key)),
    ))
}

fn holds(key: &[u8], value: &[u8]) -> Compare {
    Compare::value(key.to_vec(), CompareOp::Equal, value.to_vec())
}

/// The layout key's value from the `else` branch's read.
fn stored_value(resp: &TxnResponse) -> Option<Vec<u8>> {
    resp.op_responses().into_iter().find_map(|r| match r {
        TxnOpResponse::Get(g) => g.kvs().first().map(|kv| kv.value().to_vec()),
        _ => None,
    })
}

/// Create-if-absent txns of the root znode and ZooKeeper's own nodes
/// (`/zookeeper`, `/zookeeper/quota`, `/zookeeper/config`). Like
/// ZooKeeper's, they do not count as changes of their parent's children
/// (no cversion bump).
fn root_nodes(keys: &Keys) -> Vec<TxnOp> {
    let now = now_ms();
    let read_only = [Acl { perms: 1, scheme: "world".into(), id: "anyone".into() }];
    let create_if_absent = |p: &str| {
        let acl = if p == path::READ_ONLY { &read_only[..] } else { &Acl::open_unsafe()[..] };
        // ZooKeeper's own nodes hold empty data, not null.
        let data: Option<&[u8]> = if p == "/" { None } else { Some(&[]) };
        let content = NodeContent { data, acl, ctime: now, mtime: now, sub: 0 };
        TxnOp::txn(
            Txn::new().when(vec![absent(keys.node(p))]).and_then(node_puts(keys, p, content, Vec::new(), 0).to_vec()),
        )
    };
    std::iter::once("/").chain(path::SPECIAL).map(create_if_absent).collect()
}
