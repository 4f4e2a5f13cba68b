//! The one etcd watch stream a client follows, resumed after every break.

use std::sync::Arc;
use std::time::Duration;

use etcd_client::{Event, EventType as EtcdEvent, Txn, WatchOptions};
use tokio::sync::watch as signal;

use super::core::Core;
use super::state::{mark_ops, NodeState};
use super::transport::Retry;
use super::watch::Change;
use crate::znode::events::decode_changes;

/// Follows every node key from the hub's last delivered revision + 1 until
/// `stop` fires. Streams end when their etcd member restarts or dies; each
/// time we move to the next endpoint and resume where we left off.
pub async fn follow(core: Arc<Core>, mut stop: signal::Receiver<bool>) {
    tokio::select! {
        _ = core.hub.stream_needed() => {}
        _ = stop.changed() => return,
    }
    let prefix = core.keys.all_nodes_prefix();
    let mut failures = 0u32;
    loop {
        let start = core.hub.begin_stream();
        let (i, client) = core.transport.current();
        let opts = WatchOptions::new().with_prefix().with_start_revision(start).with_progress_notify();
        // Catching up after a pause can bring many large values in one
        // message: accept what a txn may answer.
        let mut watch_client = client.watch_client().max_decoding_message_size(core.transport.decode_limit());
        let opened = tokio::select! {
            r = tokio::time::timeout(core.transport.request_timeout(), watch_client.watch(prefix.clone(), Some(opts))) => r,
            _ = stop.changed() => return,
        };
        let mut stream = match opened {
            Ok(Ok(s)) => s,
            other => {
                log::debug!("watch stream on {} did not open: {other:?}", core.transport.endpoint_name(i));
                core.transport.rotate_from(i);
                failures += 1;
                pause(failures).await;
                continue;
            }
        };
        loop {
            let msg = tokio::select! {
                m = stream.message() => m,
                _ = core.hub.verify_needed() => {
                    verify(&core).await;
                    continue;
                }
                _ = stop.changed() => return,
            };
            let resp = match msg {
                Ok(Some(resp)) => resp,
                other => {
                    log::info!(
                        "watch stream on {} ended ({other:?}); resuming from revision {}",
                        core.transport.endpoint_name(i),
                        core.hub.delivered() + 1
                    );
                    core.transport.rotate_from(i);
                    break;
                }
            };
            failures = 0;
            if resp.canceled() {
                if resp.compact_revision() > 0 {
                    log::warn!(
                        "watch history compacted at {} (needed {}); re-checking armed watches",
                        resp.compact_revision(),
                        core.hub.delivered() + 1
                    );
                    resync(&core).await;
                } else {
                    log::info!("watch canceled by etcd: {}", resp.cancel_reason());
                }
                break;
            }
            if resp.events().is_empty() {
                if !resp.created() {
                    if let Some(h) = resp.header() {
                        core.hub.stream_progress(h.revision());
                    }
                }
                continue;
            }
            // etcd never splits one revision's events across responses.
            for txn in resp.events().chunk_by(|a, b| revision(a) == revision(b)) {
                deliver(&core, txn);
            }
        }
        failures += 1;
        pause(failures).await;
    }
}

fn revision(ev: &Event) -> i64 {
    ev.kv().map_or(0, |kv| kv.mod_revision())
}

/// Hands the events of one etcd txn to the hub: the multi's recorded
/// change list when it wrote one (its node keys show only the net result),
/// else one change per node key.
fn deliver(core: &Core, txn: &[Event]) {
    let events_key = core.keys.multi_events();
    let recorded = txn.iter().find_map(|ev| {
        let kv = ev.kv().filter(|kv| kv.key() == events_key.as_slice() && ev.event_type() == EtcdEvent::Put)?;
        match decode_changes(kv.value()) {
            Ok(changes) => Some((kv.mod_revision(), changes)),
            Err(e) => {
                log::warn!("ignoring a multi's change list at revision {}: {e}", kv.mod_revision());
                None
            }
        }
    });
    if let Some((rev, changes)) = recorded {
        for (path, change) in changes {
            core.hub.stream_change(&path, rev, change);
        }
        return;
    }
    for ev in txn {
        let Some(kv) = ev.kv() else { continue };
        let Some(path) = core.keys.path_of_node_key(kv.key()) else { continue };
        let change = match ev.event_type() {
            EtcdEvent::Put if kv.version() == 1 => Change::Created,
            EtcdEvent::Put => Change::DataChanged,
            EtcdEvent::Delete => Change::Deleted,
        };
        core.hub.stream_change(path, kv.mod_revision(), change);
    }
}

async fn pause(failures: u32) {
    let ms = (25u64 << failures.min(5)).min(500);
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

/// The stream's history is gone: read every watched node at one revision
/// and fire the watches whose node differs from what they were armed on.
/// Only revisions and counts are read, in txns of at most 42 nodes, so the
/// re-check stays small whatever the nodes hold.
async fn resync(core: &Core) {
    loop {
        match try_resync(core).await {
            Ok(()) => return,
            Err(e) => {
                log::warn!("re-checking watches after compaction failed: {e}; retrying");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

async fn try_resync(core: &Core) -> crate::znode::ZkResult<()> {
    let (states, rev) = read_marks(core, &core.hub.armed_paths()).await?;
    core.hub.resync(&states, rev);
    Ok(())
}

/// Watches armed by reads older than the changes the hub remembers: read
/// their nodes' revisions now and fire those that changed since. If etcd
/// cannot be read, they fire (an extra event rather than a lost one).
async fn verify(core: &Core) {
    let paths = core.hub.take_unverified();
    match read_marks(core, &paths).await {
        Ok((states, _)) => core.hub.verified(&states),
        Err(e) => {
            log::warn!("re-checking {} late-armed watches failed: {e}; firing them", paths.len());
            core.hub.fire_unverifiable(&paths);
        }
    }
}

/// What watches compare of `paths` (revisions and counts, no data), all
/// at one revision, in txns of at most 42 nodes; and that revision.
async fn read_marks(core: &Core, paths: &[String]) -> crate::znode::ZkResult<(Vec<NodeState>, i64)> {
    let probe = core.transport.txn(Txn::new(), Retry::Anywhere).await?;
    let rev = probe.header().map_or(0, |h| h.revision());
    let mut states = Vec::with_capacity(paths.len());
    for chunk in paths.chunks(super::batch::MAX_READS_PER_TXN) {
        let ops: Vec<_> = chunk.iter().flat_map(|p| mark_ops(&core.keys, p, rev)).collect();
        let resp = core.transport.txn(Txn::new().and_then(ops), Retry::Anywhere).await?;
        let mut it = resp.op_responses().into_iter();
        for p in chunk {
            states.push(NodeState::parse(&core.keys, p, rev, &mut it)?);
        }
    }
    Ok((states, rev))
}
