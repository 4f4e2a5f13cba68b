//! The engine's shared state and the request path: validate, take a place
//! in line, run, answer.

use std::sync::Arc;

use tokio::sync::{watch as signal, Semaphore};

use super::batch::ReadBatcher;
use super::known::Known;
use super::multi::fits_one_txn;
use super::order::{Mode, Sequencer};
use super::request::{MultiOp, OpResult, Reply, Request};
use super::session::Session;
use super::state::{ChildRead, NodeState};
use super::transport::Transport;
use super::watch::WatchHub;
use super::write_batch::WriteBatcher;
use crate::znode::keys::{Keys, MAX_DEPTH};
use crate::znode::path::{self, Chroot};
use crate::znode::stat::{validate_acl, MAX_CTIME};
use crate::znode::{Code, ZkError, ZkResult};

pub struct Core {
    pub keys: Keys,
    pub chroot: Chroot,
    pub transport: Arc<Transport>,
    pub session: Session,
    pub hub: WatchHub,
    pub permits: Arc<Semaphore>,
    pub reads: ReadBatcher,
    pub writes: WriteBatcher,
    pub seq: Arc<Sequencer>,
    /// Node keys as last seen (known.rs: setData's one-compare path).
    pub known: Known,
    pub max_data: usize,
    pub stop: signal::Sender<bool>,
}

impl Core {
    /// Checks a request as ZooKeeper's client would and maps its paths to
    /// server paths.
    pub fn prepare(&self, req: Request) -> ZkResult<Request> {
        Core::prepare_for(&self.chroot, self.max_data, req)
    }

    /// [`Self::prepare`] for a client under `chroot` that accepts
    /// `max_data` bytes of data (no I/O: unit-tested without etcd).
    pub fn prepare_for(chroot: &Chroot, max_data: usize, req: Request) -> ZkResult<Request> {
        // Like ZooKeeper's client, "/" means the real root for delete, even
        // under a chroot, and the root can never be deleted.
        let not_root = |s: String| -> ZkResult<String> {
            if s == chroot.as_str() {
                return Err(ZkError::bad_arguments("the root node cannot be deleted"));
            }
            if path::is_special(&s) {
                return Err(ZkError::bad_arguments(format!("{s} is ZooKeeper's own node and cannot be deleted")));
            }
            Ok(s)
        };
        // ZooKeeper's config node is READ-only for everyone; ZooKeeper
        // enforces that ACL even though kafka-etcd enforces no other.
        let writable = |s: String| -> ZkResult<String> {
            if s == path::READ_ONLY {
                return Err(ZkError::at(Code::NoAuth, &s));
            }
            Ok(s)
        };
        let creatable = |s: String| -> ZkResult<String> {
            if s != "/" && path::parent(&s) == path::READ_ONLY {
                return Err(ZkError::at(Code::NoAuth, &s));
            }
            Ok(s)
        };
        let srv = |p: &str, seq: bool| -> ZkResult<String> {
            path::validate(p, seq)?;
            let s = chroot.to_server(p);
            if path::depth(&s) >= MAX_DEPTH {
                return Err(ZkError::bad_arguments(format!("path {p} is deeper than {} levels", MAX_DEPTH - 1)));
            }
            Ok(s)
        };
        let data_ok = |d: &Option<Vec<u8>>| -> ZkResult<()> {
            let n = d.as_ref().map_or(0, Vec::len);
            if n > max_data {
                return Err(ZkError::bad_arguments(format!(
                    "data of {n} bytes exceeds the limit of {} bytes (etcd's request limit applies)",
                    max_data
                )));
            }
            Ok(())
        };
        Ok(match req {
            Request::Create { path, data, acl, mode } => {
                data_ok(&data)?;
                validate_acl(&acl)?;
                Request::Create { path: srv(&path, mode.is_sequential()).and_then(creatable)?, data, acl, mode }
            }
            Request::Delete { path, version } => {
                Request::Delete { path: srv(&path, false).and_then(not_root)?, version }
            }
            Request::SetData { path, data, version } => {
                data_ok(&data)?;
                Request::SetData { path: srv(&path, false).and_then(writable)?, data, version }
            }
            Request::GetData { path, watch } => Request::GetData { path: srv(&path, false)?, watch },
            Request::Exists { path, watch } => Request::Exists { path: srv(&path, false)?, watch },
            Request::GetChildren { path, watch } => Request::GetChildren { path: srv(&path, false)?, watch },
            Request::GetAcl { path } => Request::GetAcl { path: srv(&path, false)? },
            Request::SetAcl { path, acl, version } => {
                validate_acl(&acl)?;
                Request::SetAcl { path: srv(&path, false).and_then(writable)?, acl, version }
            }
            Request::Multi(ops) => {
                fits_one_txn(&ops)?;
                let mut out = Vec::with_capacity(ops.len());
                let mut total = 0;
                for op in ops {
                    out.push(match op {
                        MultiOp::Create { path, data, acl, mode } => {
                            data_ok(&data)?;
                            validate_acl(&acl)?;
                            total += data.as_ref().map_or(0, Vec::len);
                            MultiOp::Create {
                                path: srv(&path, mode.is_sequential()).and_then(creatable)?,
                                data,
                                acl,
                                mode,
                            }
                        }
                        MultiOp::Delete { path, version } => {
                            MultiOp::Delete { path: srv(&path, false).and_then(not_root)?, version }
                        }
                        MultiOp::SetData { path, data, version } => {
                            data_ok(&data)?;
                            total += data.as_ref().map_or(0, Vec::len);
                            MultiOp::SetData { path: srv(&path, false).and_then(writable)?, data, version }
                        }
                        MultiOp::Check { path, version } => MultiOp::Check { path: srv(&path, false)?, version },
                    });
                }
                if total > max_data {
                    return Err(ZkError::bad_arguments(format!(
                        "multi carries {total} bytes of data; the limit is {} bytes",
                        max_data
                    )));
                }
                Request::Multi(out)
            }
            Request::Restore(mut n) => {
                data_ok(&n.data)?;
                validate_acl(&n.acl)?;
                if n.version < 0 || n.aversion < 0 || n.child_creates < 0 {
                    return Err(ZkError::bad_arguments(format!("restore {}: negative version or counter", n.path)));
                }
                if !(0..=MAX_CTIME).contains(&n.ctime) {
                    return Err(ZkError::bad_arguments(format!(
                        "restore {}: ctime {} is outside 0 to {MAX_CTIME} (the attribute key keeps the czxid's sub in its top byte)",
                        n.path, n.ctime
                    )));
                }
                n.path = srv(&n.path, false)?;
                Request::Restore(n)
            }
        })
    }

    /// The paths a prepared request touches, for the [`Sequencer`].
    pub fn locks(req: &Request) -> Vec<(String, Mode)> {
        let child = |p: &str| vec![(p.to_string(), Mode::Write), (path::parent(p).to_string(), Mode::Bump)];
        match req {
            Request::Create { path, mode, .. } if mode.is_sequential() => {
                vec![(path::parent(path).to_string(), Mode::Write)]
            }
            Request::Create { path, .. } | Request::Delete { path, .. } => child(path),
            Request::SetData { path, .. } | Request::SetAcl { path, .. } => vec![(path.clone(), Mode::Write)],
            Request::GetData { path, .. }
            | Request::Exists { path, .. }
            | Request::GetChildren { path, .. }
            | Request::GetAcl { path } => {
                vec![(path.clone(), Mode::Read)]
            }
            // After the parent's own restore, when both are in flight.
            Request::Restore(n) => vec![(n.path.clone(), Mode::Write), (path::parent(&n.path).to_string(), Mode::Read)],
            // A multi is atomic in etcd by itself; its locks only order it
            // against this client's other requests, op by op as if alone.
            Request::Multi(ops) => ops
                .iter()
                .flat_map(|op| match op {
                    MultiOp::Check { path, .. } => vec![(path.clone(), Mode::Read)],
                    MultiOp::SetData { path, .. } => vec![(path.clone(), Mode::Write)],
                    MultiOp::Create { path, mode, .. } if mode.is_sequential() => {
                        vec![(path::parent(path).to_string(), Mode::Write)]
                    }
                    MultiOp::Create { path, .. } | MultiOp::Delete { path, .. } => child(path),
                })
                .collect(),
        }
    }

    /// Runs a prepared request. Answers carry client paths.
    pub async fn execute(&self, req: Request) -> ZkResult<Reply> {
        self.session.check_alive()?;
        let reply = match req {
            Request::Create { path, data, acl, mode } => self.create(&path, data.as_deref(), &acl, mode).await?,
            Request::Delete { path, version } => self.delete(&path, version).await?,
            Request::SetData { path, data, version } => self.set_data(&path, data.as_deref(), version).await?,
            // Rare ops with large futures go on the heap: every request's
            // task holds this future, and its size is the largest arm's.
            Request::SetAcl { path, acl, version } => Box::pin(self.set_acl(&path, &acl, version)).await?,
            Request::Multi(ops) => Box::pin(self.multi(&ops)).await?,
            Request::Restore(n) => Box::pin(self.restore_node(&n)).await?,
            read => {
                let Some((path, children)) = Self::read_of(&read) else {
                    return Err(ZkError::new(Code::SystemError, format!("unknown request {read:?}")));
                };
                let st = self.reads.read(path, children).await?;
                self.answer_read(read, st)?
            }
        };
        Ok(self.client_paths(reply))
    }

    /// The node a read request reads and what of its children it needs;
    /// `None` for writes.
    pub fn read_of(req: &Request) -> Option<(&str, ChildRead)> {
        match req {
            Request::GetData { path, .. } | Request::Exists { path, .. } | Request::GetAcl { path } => {
                Some((path, ChildRead::Count))
            }
            Request::GetChildren { path, .. } => Some((path, ChildRead::Names)),
            _ => None,
        }
    }

    /// A read request's answer from the state read: remembers what was
    /// seen and arms (or checks) watches first, so events never trail the
    /// answer that shows their change. Quick and non-blocking: it also runs
    /// on the read batcher's task (`ZkClient::submit_then`).
    pub fn answer_read(&self, req: Request, mut st: NodeState) -> ZkResult<Reply> {
        Ok(match req {
            Request::GetData { watch, .. } => {
                self.known.saw(&st);
                if st.exists() && watch {
                    self.hub.arm_data(&st);
                } else {
                    self.hub.observe(&st);
                }
                Reply::Data { data: st.data()?, stat: st.stat()? }
            }
            Request::Exists { watch, .. } => {
                self.known.saw(&st);
                if watch {
                    self.hub.arm_data(&st);
                } else {
                    self.hub.observe(&st);
                }
                Reply::Exists(if st.exists() { Some(st.stat()?) } else { None })
            }
            Request::GetChildren { watch, .. } => {
                if st.exists() && watch {
                    self.hub.arm_children(&st);
                } else {
                    self.hub.observe(&st);
                }
                let stat = st.stat()?;
                Reply::Children { children: std::mem::take(&mut st.children), stat }
            }
            Request::GetAcl { path } => {
                self.hub.observe(&st);
                Reply::Acl {
                    acl: st.attrs_value().map_err(|_| ZkError::at(Code::NoNode, &path))?.acl,
                    stat: st.stat()?,
                }
            }
            other => return Err(ZkError::new(Code::SystemError, format!("not a read: {other:?}"))),
        })
    }

    pub(crate) fn client_paths(&self, reply: Reply) -> Reply {
        let to_client = |p: String| self.chroot.to_client(&p).unwrap_or(p);
        match reply {
            Reply::Created { path, stat } => Reply::Created { path: to_client(path), stat },
            Reply::Multi(results) => Reply::Multi(
                results
                    .into_iter()
                    .map(|r| match r {
                        OpResult::Create { path, stat } => OpResult::Create { path: to_client(path), stat },
                        other => other,
                    })
                    .collect(),
            ),
            other => other,
        }
    }
}
