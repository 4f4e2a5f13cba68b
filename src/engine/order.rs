//! Request ordering: ZooKeeper runs a session's requests in the order they
//! were sent. We get the same visible order while still running
//! independent requests concurrently: each request locks the paths it
//! touches, in submission order, and waits only for earlier requests whose
//! locks conflict with its own.
//!
//! Modes: `Read` (reads of a node), `Bump` (a child created or deleted under
//! a node: blind counter bumps commute with each other), `Write` (anything
//! else). Read-Read and Bump-Bump share; every other pair conflicts.
//! Per path the queue is a list of groups of sharing requests; a request
//! may run once its group is at the head of every queue it is in.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use super::fast_hash::FastMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Read,
    Bump,
    Write,
}

impl Mode {
    fn shares_with(self, other: Mode) -> bool {
        self == other && self != Mode::Write
    }

    fn merge(self, other: Mode) -> Mode {
        if self == other {
            self
        } else {
            Mode::Write
        }
    }
}

struct Group {
    mode: Mode,
    /// Identifies the group within its path's line, so leaving is a short
    /// search over groups, never over members.
    serial: u64,
    live: usize,
    /// Members that wait for this group to reach the head (none join a
    /// group that already is the head, so a long run of sharing requests
    /// keeps this empty).
    waiting: Vec<u64>,
}

struct Waiter {
    blocked_on: usize,
    wake: Option<oneshot::Sender<()>>,
}

#[derive(Default)]
struct Queues {
    next_id: u64,
    next_group: u64,
    paths: FastMap<String, VecDeque<Group>>,
    waiting: FastMap<u64, Waiter>,
}

#[derive(Default)]
pub struct Sequencer {
    q: Mutex<Queues>,
}

/// A request's place in line. Wait for it with [`Ticket::ready`]; dropping
/// it releases the request's locks.
pub struct Ticket {
    seq: Arc<Sequencer>,
    id: u64,
    /// (path, serial of the group joined there).
    locks: Vec<(String, u64)>,
    wait: Option<oneshot::Receiver<()>>,
}

impl Sequencer {
    /// Takes a place in line now (call order = request order).
    pub fn enter(self: &Arc<Self>, locks: Vec<(String, Mode)>) -> Ticket {
        let mut merged: Vec<(String, Mode)> = Vec::with_capacity(locks.len());
        for (p, m) in locks {
            match merged.iter_mut().find(|(q, _)| *q == p) {
                Some(e) => e.1 = e.1.merge(m),
                None => merged.push((p, m)),
            }
        }
        let mut guard = self.q.lock().unwrap_or_else(|p| p.into_inner());
        let q = &mut *guard;
        let id = q.next_id;
        q.next_id += 1;
        let mut blocked_on = 0;
        let mut joined = Vec::with_capacity(merged.len());
        for (p, m) in merged {
            let serial = q.next_group;
            let line = q.paths.entry(p.clone()).or_default();
            let head = line.len() <= 1;
            let serial = match line.back_mut() {
                Some(g) if g.mode.shares_with(m) => {
                    g.live += 1;
                    if !head {
                        g.waiting.push(id);
                        blocked_on += 1;
                    }
                    g.serial
                }
                back => {
                    let waiting = if back.is_some() {
                        blocked_on += 1;
                        vec![id]
                    } else {
                        Vec::new()
                    };
                    line.push_back(Group { mode: m, serial, live: 1, waiting });
                    q.next_group += 1;
                    serial
                }
            };
            joined.push((p, serial));
        }
        let wait = if blocked_on > 0 {
            let (tx, rx) = oneshot::channel();
            q.waiting.insert(id, Waiter { blocked_on, wake: Some(tx) });
            Some(rx)
        } else {
            None
        };
        Ticket { seq: self.clone(), id, locks: joined, wait }
    }

    fn leave(&self, id: u64, locks: &[(String, u64)]) {
        let mut q = self.q.lock().unwrap_or_else(|p| p.into_inner());
        let q = &mut *q;
        q.waiting.remove(&id);
        for (p, serial) in locks {
            let Some(line) = q.paths.get_mut(p) else { continue };
            // Normally our group is the head; after an abandoned wait it may not be.
            let Some(pos) = line.iter().position(|g| g.serial == *serial) else { continue };
            let g = &mut line[pos];
            g.live -= 1;
            if g.live > 0 {
                continue;
            }
            line.remove(pos);
            if pos == 0 {
                if let Some(next) = line.front() {
                    for nid in &next.waiting {
                        if let Some(w) = q.waiting.get_mut(nid) {
                            w.blocked_on -= 1;
                            if w.blocked_on == 0 {
                                if let Some(tx) = w.wake.take() {
                                    let _ = tx.send(());
                                }
                            }
                        }
                    }
                }
            }
            if line.is_empty() {
                q.paths.remove(p);
            }
        }
    }
}

impl Ticket {
    /// No earlier conflicting request holds this one up.
    pub fn is_ready(&self) -> bool {
        self.wait.is_none()
    }

    /// Resolves when every earlier conflicting request has finished.
    pub async fn ready(&mut self) {
        if let Some(rx) = self.wait.take() {
            let _ = rx.await;
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.seq.leave(self.id, &self.locks);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(p: &str, m: Mode) -> Vec<(String, Mode)> {
        vec![(p.to_string(), m)]
    }

    #[tokio::test]
    async fn conflicting_requests_wait_in_order() {
        let s = Arc::new(Sequencer::default());
        let w1 = s.enter(l("/a", Mode::Write));
        let mut r2 = s.enter(l("/a", Mode::Read));
        let mut r3 = s.enter(l("/a", Mode::Read));
        let mut other = s.enter(l("/b", Mode::Write));
        other.ready().await; // unrelated path: not blocked
        assert!(r2.wait.is_some() && r3.wait.is_some());
        drop(w1);
        r2.ready().await;
        r3.ready().await;
        let mut w4 = s.enter(l("/a", Mode::Write));
        assert!(w4.wait.is_some());
        drop(r2);
        assert!(w4.wait.as_mut().unwrap().try_recv().is_err());
        drop(r3);
        w4.ready().await;
    }

    #[tokio::test]
    async fn bumps_share_but_reads_wait_for_them() {
        let s = Arc::new(Sequencer::default());
        let b1 = s.enter(vec![("/p/x".into(), Mode::Write), ("/p".into(), Mode::Bump)]);
        let mut b2 = s.enter(vec![("/p/y".into(), Mode::Write), ("/p".into(), Mode::Bump)]);
        b2.ready().await;
        let mut r = s.enter(l("/p", Mode::Read));
        assert!(r.wait.is_some());
        drop(b2);
        assert!(r.wait.as_mut().unwrap().try_recv().is_err());
        drop(b1);
        r.ready().await;
    }
}
