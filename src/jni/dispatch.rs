//! One client's outgoing queue to its Java dispatcher thread
//! (`io.kafkaetcd.Dispatcher`), which drains it with the blocking `poll`.
//!
//! Completions and watch events go into ONE queue, in the order they happen
//! on the runtime: the engine fires a watch event into the sink before the
//! future of a read that sees the change resolves, so the event is queued
//! first and Java sees it first. Completions are additionally released in
//! request order (ZooKeeper's FIFO callbacks) through a reorder buffer keyed
//! by the per-client sequence number; events are never held back.

use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::engine::{Done, WatchedEvent};

use super::codec::Writer;

#[derive(Default)]
pub struct Dispatch {
    state: Mutex<State>,
    /// Signalled on every change: wakes `poll` and `wait_delivered`.
    changed: Condvar,
}

#[derive(Default)]
struct State {
    /// The next sequence number to release into `out`.
    next_out: i64,
    /// Completions that arrived before an earlier request's.
    held: BTreeMap<i64, Vec<u8>>,
    /// Encoded records ready for Java.
    out: Vec<u8>,
    /// CLOSED is queued: nothing more is accepted.
    closed: bool,
    /// CLOSED has been handed to Java.
    finished: bool,
}

impl Dispatch {
    pub fn new() -> Arc<Dispatch> {
        Arc::new(Dispatch::default())
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave State half-updated in
        // a way that matters more than losing the client; keep serving.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues request `seq`'s encoded completion record.
    pub fn complete(&self, seq: i64, record: Vec<u8>) {
        let mut s = self.lock();
        if s.closed {
            return;
        }
        if seq != s.next_out {
            s.held.insert(seq, record);
            return;
        }
        s.out.extend_from_slice(&record);
        s.next_out += 1;
        loop {
            let next = s.next_out;
            let Some(r) = s.held.remove(&next) else { break };
            s.out.extend_from_slice(&r);
            s.next_out += 1;
        }
        drop(s);
        self.changed.notify_all();
    }

    /// Queues a watch event or session state change (the engine's sink).
    pub fn event(&self, e: &WatchedEvent) {
        let mut s = self.lock();
        if s.closed {
            return;
        }
        Writer(&mut s.out).event(e);
        drop(s);
        self.changed.notify_all();
    }

    /// Waits until every request numbered below `end` has been released, or
    /// until `timeout`; used by close so earlier requests get real answers.
    pub fn wait_delivered(&self, end: i64, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let mut s = self.lock();
        while s.next_out < end && !s.closed {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            s = self.changed.wait_timeout(s, left).unwrap_or_else(|e| e.into_inner()).0;
        }
    }

    /// Queues the final CLOSED record; later completions and events are
    /// dropped (Java fails whatever is still pending). Idempotent.
    pub fn close(&self) {
        let mut s = self.lock();
        if s.closed {
            return;
        }
        s.closed = true;
        s.held.clear();
        Writer(&mut s.out).closed();
        drop(s);
        self.changed.notify_all();
    }

    /// Takes everything queued, waiting up to `max_wait` for something.
    /// Returns `None` on timeout; the flag says CLOSED is in the batch
    /// (or was handed out before), so the client can be forgotten.
    pub fn poll(&self, max_wait: Duration) -> (Option<Vec<u8>>, bool) {
        let deadline = Instant::now() + max_wait;
        let mut s = self.lock();
        loop {
            if s.finished {
                let mut v = Vec::new();
                Writer(&mut v).closed();
                return (Some(v), true);
            }
            if !s.out.is_empty() {
                s.finished = s.closed;
                return (Some(std::mem::take(&mut s.out)), s.finished);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return (None, false);
            }
            s = self.changed.wait_timeout(s, left).unwrap_or_else(|e| e.into_inner()).0;
        }
    }
}

/// Where the answer to request `seq` goes: its completion record, queued
/// for Java from the task that ends the request. A `Done` dropped
/// unanswered (a panic, the runtime dropping a task) answers SYSTEMERROR,
/// so the reorder buffer never stalls on a missing seq.
pub fn completion(dispatch: &Arc<Dispatch>, seq: i64) -> Done {
    let dispatch = dispatch.clone();
    Done::new(move |result| {
        let mut record = Vec::with_capacity(128);
        Writer(&mut record).completion(seq, &result);
        dispatch.complete(seq, record);
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{EventType, KeeperState};
    use crate::jni::codec;
    use crate::znode::{Code, ZkError};

    fn rec(seq: i64) -> Vec<u8> {
        let mut v = Vec::new();
        Writer(&mut v).completion(seq, &Err(ZkError::new(Code::NoNode, "x")));
        v
    }

    /// The seqs of a run of error completions: kind, seq, code, message, reply type.
    fn seqs(mut buf: &[u8]) -> Vec<i64> {
        let mut v = Vec::new();
        while !buf.is_empty() {
            v.push(i64::from_be_bytes(buf[1..9].try_into().unwrap()));
            let len = i32::from_be_bytes(buf[13..17].try_into().unwrap()) as usize;
            buf = &buf[17 + len + 1..];
        }
        v
    }

    #[test]
    fn completions_are_released_in_request_order() {
        let d = Dispatch::new();
        d.complete(2, rec(2));
        d.complete(1, rec(1));
        assert_eq!(d.poll(Duration::ZERO).0, None);
        d.complete(0, rec(0));
        assert_eq!(seqs(&d.poll(Duration::ZERO).0.unwrap()), vec![0, 1, 2]);
    }

    #[test]
    fn events_are_not_held_back_and_close_is_last() {
        let d = Dispatch::new();
        d.complete(1, rec(1));
        d.event(&WatchedEvent {
            event_type: EventType::NodeCreated,
            state: KeeperState::SyncConnected,
            path: Some("/a".into()),
        });
        let (b, fin) = d.poll(Duration::ZERO);
        assert_eq!(b.unwrap()[0], codec::REC_EVENT);
        assert!(!fin);
        d.close();
        d.complete(0, rec(0));
        let (b, fin) = d.poll(Duration::from_millis(10));
        assert_eq!(b.unwrap(), vec![codec::REC_CLOSED]);
        assert!(fin);
    }

    #[test]
    fn an_unanswered_completion_is_answered_on_drop() {
        let d = Dispatch::new();
        drop(completion(&d, 0));
        drop(completion(&d, 1));
        assert_eq!(seqs(&d.poll(Duration::ZERO).0.unwrap()), vec![0, 1]);
    }
}
