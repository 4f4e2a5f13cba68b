//! One-shot watches on top of one etcd watch stream.
//!
//! Every client follows all node keys (`zk/n...`) with ONE etcd watch, from
//! the revision it connected at, and keeps its armed watches in a table
//! here. A watch is armed at the revision of the read that set it and
//! fires for the first change after that revision. Three sources feed it,
//! and a watch fires once whichever comes first:
//! - the stream (the source of truth, in revision order);
//! - this client's own writes, the moment they commit (ZooKeeper delivers a
//!   watch event before the response of the write that caused it);
//! - reads: a read that sees a node changed since a watch on it was armed
//!   fires that watch before its own response is returned (ZooKeeper never
//!   shows new data before the event).
//!
//! The stream resumes after a break from the revision after the last one
//! it delivered. When that revision has been compacted, every armed watch is checked
//! against the current state and fired if anything changed: a conservative
//! event rather than a lost one.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use super::request::{EventType, KeeperState, WatchedEvent};
use super::state::NodeState;
use crate::znode::path::{self, Chroot};

/// Where watch events and session state changes go. Called with the hub's
/// lock held, in order: it must be quick and must not call the client.
pub type EventSink = Arc<dyn Fn(WatchedEvent) + Send + Sync>;

/// What a watch remembers of the node at the read that armed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeMark {
    pub create_rev: i64,
    pub mod_rev: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChildrenMark {
    pub counter_rev: i64,
    pub count: i64,
}

#[derive(Clone, Copy, Debug)]
struct Armed<M> {
    rev: i64,
    mark: M,
}

/// A change to one node, as seen on the stream or made by this client.
pub use crate::znode::events::Change;

#[derive(Debug)]
struct Seen {
    rev: i64,
    path: String,
    change: Change,
}

/// How many stream changes are remembered for watches armed by reads that
/// raced ahead of the stream.
const RECENT: usize = 16_384;

#[derive(Default)]
struct Table {
    /// Data and exists watches: `None` mark = armed on a missing node.
    data: HashMap<String, Armed<Option<NodeMark>>>,
    children: HashMap<String, Armed<ChildrenMark>>,
    /// Every change with revision <= `delivered` has been applied.
    delivered: i64,
    recent: VecDeque<Seen>,
    /// Changes at or below this revision may be missing from `recent`.
    recent_floor: i64,
    closed: bool,
    /// The stream starts with the first armed watch: a client that never
    /// watches (most of Kafka's short-lived admin clients) costs etcd no
    /// watcher at all.
    stream_wanted: bool,
    /// The stream has taken its start revision (`delivered + 1`); until
    /// then an arming read at a lower revision may still move it back.
    stream_started: bool,
    /// Watches armed below `recent_floor`: what changed between their read
    /// and the oldest remembered change is unknown, so the stream task
    /// re-reads their nodes' revisions (`take_unverified`) and fires only
    /// those that did change.
    unverified: Vec<String>,
}

pub struct WatchHub {
    table: Mutex<Table>,
    start_stream: tokio::sync::Notify,
    verify: tokio::sync::Notify,
    sink: EventSink,
    chroot: Chroot,
}

impl WatchHub {
    pub fn new(sink: EventSink, chroot: Chroot, start_rev: i64) -> WatchHub {
        let table = Table { delivered: start_rev, recent_floor: start_rev, ..Default::default() };
        WatchHub {
            table: Mutex::new(table),
            start_stream: tokio::sync::Notify::new(),
            verify: tokio::sync::Notify::new(),
            sink,
            chroot,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Resolves once some watch has been armed (the stream is needed).
    pub async fn stream_needed(&self) {
        loop {
            let notified = self.start_stream.notified();
            if self.lock().stream_wanted {
                return;
            }
            notified.await;
        }
    }

    /// Before the stream runs, nothing is armed, so every revision up to
    /// the first arming read is trivially delivered.
    ///
    /// Reads run concurrently, so a read at a lower revision may arm after
    /// the first one. Until the stream has taken its start revision, such a
    /// read moves the start back to its own revision: its watch then hears
    /// the changes in between from the stream instead of firing blindly
    /// (nothing has been applied from the stream yet, and watches armed
    /// later ignore changes at or below their own revision).
    fn want_stream(&self, t: &mut Table, rev: i64) {
        if !t.stream_wanted {
            t.stream_wanted = true;
            t.delivered = t.delivered.max(rev);
            t.recent_floor = t.delivered;
            self.start_stream.notify_one();
        } else if !t.stream_started && rev < t.delivered {
            t.delivered = rev;
            t.recent_floor = rev;
        }
    }

    /// The revision the stream (re)starts from. Once it has started, an
    /// arming read at a lower revision is replayed from `recent`, or
    /// re-checked when `recent` no longer reaches back that far.
    pub fn begin_stream(&self) -> i64 {
        let mut t = self.lock();
        t.stream_started = true;
        t.delivered + 1
    }

    pub fn delivered(&self) -> i64 {
        self.lock().delivered
    }

    pub fn armed_count(&self) -> (usize, usize) {
        let t = self.lock();
        (t.data.len(), t.children.len())
    }

    fn emit(&self, t: &Table, event_type: EventType, server_path: &str) {
        if t.closed {
            return;
        }
        if let Some(path) = self.chroot.to_client(server_path) {
            (self.sink)(WatchedEvent { event_type, state: KeeperState::SyncConnected, path: Some(path) });
        }
    }

    /// A session state change (event type None), delivered in order with watch events.
    pub fn emit_state(&self, state: KeeperState) {
        let mut t = self.lock();
        if t.closed {
            return;
        }
        if matches!(state, KeeperState::Expired | KeeperState::Closed) {
            // ZooKeeper drops every watch when its session ends.
            t.data.clear();
            t.children.clear();
        }
        (self.sink)(WatchedEvent { event_type: EventType::None, state, path: None });
        if state == KeeperState::Closed {
            t.closed = true;
        }
    }

    /// Applies one change at `rev` to the armed watches.
    fn apply(&self, t: &mut Table, p: &str, rev: i64, change: Change) {
        let mut deleted_fired = false;
        if t.data.get(p).is_some_and(|a| a.rev < rev) {
            t.data.remove(p);
            let ty = match change {
                Change::Created => EventType::NodeCreated,
                Change::DataChanged => EventType::NodeDataChanged,
                Change::Deleted => EventType::NodeDeleted,
            };
            deleted_fired = change == Change::Deleted;
            self.emit(t, ty, p);
        }
        if change == Change::Deleted && t.children.get(p).is_some_and(|a| a.rev < rev) {
            t.children.remove(p);
            // One watcher registered for both kinds hears NodeDeleted once.
            if !deleted_fired {
                self.emit(t, EventType::NodeDeleted, p);
            }
        }
        if change != Change::DataChanged && p != "/" {
            let parent = path::parent(p);
            if t.children.get(parent).is_some_and(|a| a.rev < rev) {
                t.children.remove(parent);
                self.emit(t, EventType::NodeChildrenChanged, parent);
            }
        }
    }

    /// A change seen on the etcd stream, in revision order.
    pub fn stream_change(&self, p: &str, rev: i64, change: Change) {
        let mut t = self.lock();
        self.apply(&mut t, p, rev, change);
        t.recent.push_back(Seen { rev, path: p.to_string(), change });
        if t.recent.len() > RECENT {
            if let Some(old) = t.recent.pop_front() {
                t.recent_floor = t.recent_floor.max(old.rev);
            }
        }
        t.delivered = t.delivered.max(rev);
    }

    /// The stream has delivered everything up to `rev` (progress notify).
    pub fn stream_progress(&self, rev: i64) {
        let mut t = self.lock();
        t.delivered = t.delivered.max(rev);
    }

    pub fn local_create(&self, p: &str, rev: i64) {
        let mut t = self.lock();
        self.apply(&mut t, p, rev, Change::Created);
    }

    pub fn local_change(&self, p: &str, rev: i64) {
        let mut t = self.lock();
        self.apply(&mut t, p, rev, Change::DataChanged);
    }

    pub fn local_delete(&self, p: &str, rev: i64) {
        let mut t = self.lock();
        self.apply(&mut t, p, rev, Change::Deleted);
    }

    /// Called with every read of a node: fires watches that the read shows
    /// to be stale, before the read's answer is handed out.
    pub fn observe(&self, st: &NodeState) {
        let mut t = self.lock();
        self.observe_locked(&mut t, st);
    }

    fn observe_locked(&self, t: &mut Table, st: &NodeState) {
        let p = st.path.as_str();
        if let Some(a) = t.data.get(p).copied() {
            if a.rev < st.revision {
                if let Some(ty) = data_event(a.mark, node_mark(st)) {
                    t.data.remove(p);
                    if ty == EventType::NodeDeleted {
                        t.children.remove(p);
                    }
                    self.emit(t, ty, p);
                }
            }
        }
        if let Some(a) = t.children.get(p).copied() {
            if a.rev < st.revision {
                let ty = match children_mark(st) {
                    None => Some(EventType::NodeDeleted),
                    Some(m) if m != a.mark => Some(EventType::NodeChildrenChanged),
                    Some(_) => None,
                };
                if let Some(ty) = ty {
                    t.children.remove(p);
                    self.emit(t, ty, p);
                }
            }
        }
    }

    /// Arms a data watch (getData, or exists) at the read's revision.
    pub fn arm_data(&self, st: &NodeState) {
        let mut t = self.lock();
        if t.closed {
            return;
        }
        self.observe_locked(&mut t, st);
        self.want_stream(&mut t, st.revision);
        let p = st.path.clone();
        if t.data.contains_key(&p) {
            return; // the earlier arming covers this one
        }
        t.data.insert(p.clone(), Armed { rev: st.revision, mark: node_mark(st) });
        self.replay(&mut t, &p, st.revision, false);
    }

    /// Arms a child watch (getChildren) at the read's revision.
    pub fn arm_children(&self, st: &NodeState) {
        let mut t = self.lock();
        if t.closed {
            return;
        }
        self.observe_locked(&mut t, st);
        let Some(mark) = children_mark(st) else { return };
        self.want_stream(&mut t, st.revision);
        let p = st.path.clone();
        if t.children.contains_key(&p) {
            return;
        }
        t.children.insert(p.clone(), Armed { rev: st.revision, mark });
        self.replay(&mut t, &p, st.revision, true);
    }

    /// A watch armed at `rev` below what the stream already delivered must
    /// still hear the changes in between: replay them from `recent`, and
    /// have the node re-read when `recent` does not reach back that far.
    fn replay(&self, t: &mut Table, p: &str, rev: i64, children: bool) {
        if rev >= t.delivered {
            return;
        }
        if rev < t.recent_floor {
            // Changes in (rev, recent_floor] are not remembered: have the
            // node's revisions read again (the stream covers the rest).
            t.unverified.push(p.to_string());
            self.verify.notify_one();
        }
        let hits: Vec<(i64, String, Change)> = t
            .recent
            .iter()
            .filter(|s| s.rev > rev && (s.path == p || (children && s.path != "/" && path::parent(&s.path) == p)))
            .map(|s| (s.rev, s.path.clone(), s.change))
            .collect();
        for (r, sp, c) in hits {
            self.apply(t, &sp, r, c);
        }
    }

    /// Resolves when watches armed below the remembered changes wait for
    /// their re-check.
    pub async fn verify_needed(&self) {
        loop {
            let notified = self.verify.notified();
            if !self.lock().unverified.is_empty() {
                return;
            }
            notified.await;
        }
    }

    /// The paths waiting for a re-check (see `Table::unverified`).
    pub fn take_unverified(&self) -> Vec<String> {
        let mut v = std::mem::take(&mut self.lock().unverified);
        v.sort();
        v.dedup();
        v
    }

    /// Fresh states of re-checked nodes (read after the watches were
    /// armed): fires the watches they show to be stale.
    pub fn verified(&self, states: &[NodeState]) {
        let mut t = self.lock();
        for st in states {
            self.observe_locked(&mut t, st);
        }
    }

    /// Re-checks that could not be read: fire what is still armed there,
    /// as the events that could have been missed.
    pub fn fire_unverifiable(&self, paths: &[String]) {
        let mut t = self.lock();
        for p in paths {
            if t.data.remove(p).is_some() {
                self.emit(&t, EventType::NodeDataChanged, p);
            }
            if t.children.remove(p).is_some() {
                self.emit(&t, EventType::NodeChildrenChanged, p);
            }
        }
    }

    /// Paths with armed watches, for re-checking after a compaction.
    pub fn armed_paths(&self) -> Vec<String> {
        let t = self.lock();
        let mut v: Vec<String> = t.data.keys().chain(t.children.keys()).cloned().collect();
        v.sort();
        v.dedup();
        v
    }

    /// After a compaction: re-check the given fresh states (all read at
    /// `rev`) and restart the stream bookkeeping from `rev`.
    pub fn resync(&self, states: &[NodeState], rev: i64) {
        let mut t = self.lock();
        for st in states {
            self.observe_locked(&mut t, st);
        }
        t.recent.clear();
        t.recent_floor = rev;
        t.delivered = rev;
    }
}

fn node_mark(st: &NodeState) -> Option<NodeMark> {
    st.node.as_ref().map(|kv| NodeMark { create_rev: st.create_rev(), mod_rev: kv.mod_revision() })
}

fn children_mark(st: &NodeState) -> Option<ChildrenMark> {
    st.node.as_ref()?;
    Some(ChildrenMark { counter_rev: st.child_rev(), count: st.num_children })
}

/// The event a data watch owes when the node went from `was` to `now`.
fn data_event(was: Option<NodeMark>, now: Option<NodeMark>) -> Option<EventType> {
    match (was, now) {
        (None, None) => None,
        (None, Some(_)) => Some(EventType::NodeCreated),
        (Some(_), None) => Some(EventType::NodeDeleted),
        (Some(a), Some(b)) if a.create_rev != b.create_rev => Some(EventType::NodeDeleted),
        (Some(a), Some(b)) if a.mod_rev != b.mod_rev => Some(EventType::NodeDataChanged),
        _ => None,
    }
}
