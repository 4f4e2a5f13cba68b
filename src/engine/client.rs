//! `ZkClient`: a ZooKeeper handle (one session) over etcd, async.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use etcd_client::{LeaseGrantOptions, LeaseTimeToLiveOptions};
use tokio::sync::{oneshot, watch as signal, Semaphore};

use super::batch::ReadBatcher;
use super::core::Core;
use super::order::Sequencer;
use super::request::{CreateMode, Done, MultiOp, OpResult, Reply, Request, WatchedEvent};
use super::security::{Credentials, TlsOptions};
use super::session::{Session, SessionState};
use super::transport::Transport;
use super::watch::{EventSink, WatchHub};
use super::write_batch::WriteBatcher;
use crate::znode::keys::{validate_namespace, Keys};
use crate::znode::path::parse_connect_string;
use crate::znode::{Acl, Code, Stat, ZkError, ZkResult};

/// Settings of one client. `Default` gives Kafka-like values.
#[derive(Clone)]
pub struct ClientOptions {
    /// Session timeout; the lease TTL is this rounded up to whole seconds.
    pub session_timeout: Duration,
    /// How long `connect` may take.
    pub connect_timeout: Duration,
    /// Bound on one request, failover included; past it: CONNECTIONLOSS.
    pub request_timeout: Duration,
    /// Key prefix of the metastore in etcd (see `znode::keys`).
    pub namespace: String,
    /// Largest znode data accepted (etcd's default request limit is 1.5 MiB).
    pub max_data_bytes: usize,
    /// Writes (and unbatched reads) in flight at once in the engine: a
    /// bound on memory, not on etcd (see `max_write_txns`).
    pub max_in_flight: usize,
    /// Write txns in flight at once; writes that queue behind them are
    /// folded into one txn each (up to 120 writes, see `write_batch.rs`).
    pub max_write_txns: usize,
    /// Read txns in flight at once; reads that queue behind them are folded
    /// into one txn each (up to 64 reads).
    pub max_read_txns: usize,
    /// Receives watch events and session state changes, in order.
    pub watcher: Option<EventSink>,
    /// TLS to etcd (CA bundle, client certificate, server name); `None`: plaintext.
    pub tls: Option<TlsOptions>,
    /// etcd user and password, when etcd authentication is enabled.
    pub credentials: Option<Credentials>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            session_timeout: Duration::from_secs(18),
            connect_timeout: Duration::from_secs(15),
            request_timeout: Duration::from_secs(10),
            namespace: "zk".to_string(),
            max_data_bytes: 1024 * 1024,
            max_in_flight: 1000,
            max_write_txns: 8,
            max_read_txns: 8,
            watcher: None,
            tls: None,
            credentials: None,
        }
    }
}

impl ClientOptions {
    /// Sends every event into a channel; returns the receiving end.
    pub fn with_event_channel(mut self) -> (ClientOptions, tokio::sync::mpsc::UnboundedReceiver<WatchedEvent>) {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        self.watcher = Some(Arc::new(move |e| {
            let _ = tx.send(e);
        }));
        (self, rx)
    }
}

/// A ZooKeeper-style client: one session, requests run in ZooKeeper's
/// order, one-shot watches. Cheap to clone; all clones share the session.
#[derive(Clone)]
pub struct ZkClient {
    owner: Arc<Owner>,
}

/// Ends the background tasks when the last handle goes away.
struct Owner {
    core: Arc<Core>,
}

impl Drop for Owner {
    fn drop(&mut self) {
        let _ = self.core.stop.send(true);
    }
}

impl ZkClient {
    /// Connects to `host:port[,host:port...][/chroot]` and opens a session.
    pub async fn connect(connect_string: &str, options: ClientOptions) -> ZkResult<ZkClient> {
        let (endpoints, chroot) = parse_connect_string(connect_string)?;
        validate_namespace(&options.namespace)?;
        let deadline = options.connect_timeout;
        match tokio::time::timeout(deadline, Self::open(endpoints, chroot, options)).await {
            Ok(r) => r,
            Err(_) => {
                Err(ZkError::connection_loss(format!("could not reach etcd at {connect_string} within {deadline:?}")))
            }
        }
    }

    async fn open(endpoints: Vec<String>, chroot: crate::znode::path::Chroot, o: ClientOptions) -> ZkResult<ZkClient> {
        let transport = Arc::new(
            Transport::new(&endpoints, o.request_timeout, o.connect_timeout, o.tls.as_ref(), o.credentials.as_ref())
                .await?
                .with_max_data(o.max_data_bytes),
        );
        let keys = Keys::new(&o.namespace);
        let start_rev = super::layout::open_store(&transport, &keys).await?;
        let ttl = o.session_timeout.as_millis().div_ceil(1000).max(1) as i64;
        let lease = grant(&transport, ttl).await?;
        let permits = Arc::new(Semaphore::new(o.max_in_flight.max(1)));
        let read_permits = Arc::new(Semaphore::new(o.max_read_txns.max(1)));
        let write_slots = Arc::new(Semaphore::new(o.max_write_txns.max(1)));
        let (stop, _) = signal::channel(false);
        let sink = o.watcher.clone().unwrap_or_else(|| Arc::new(|_| {}));
        let core = Arc::new(Core {
            keys: keys.clone(),
            chroot: chroot.clone(),
            transport: transport.clone(),
            session: Session::new(lease, ttl),
            hub: WatchHub::new(sink, chroot, start_rev),
            permits: permits.clone(),
            reads: ReadBatcher::start(keys, transport.clone(), read_permits),
            writes: WriteBatcher::start(transport, write_slots),
            seq: Arc::new(Sequencer::default()),
            known: Default::default(),
            max_data: o.max_data_bytes,
            stop,
        });
        tokio::spawn(super::stream::follow(core.clone(), core.stop.subscribe()));
        tokio::spawn(super::session::keep_alive(core.clone(), core.stop.subscribe()));
        core.hub.emit_state(super::request::KeeperState::SyncConnected);
        log::info!("session 0x{lease:x} opened (ttl {ttl}s) on {}", endpoints.join(","));
        Ok(ZkClient { owner: Arc::new(Owner { core }) })
    }

    fn core(&self) -> &Arc<Core> {
        &self.owner.core
    }

    /// The session id (the etcd lease id), as `ZooKeeper.getSessionId()`.
    pub fn session_id(&self) -> i64 {
        self.core().session.id()
    }

    /// The session timeout etcd granted (the lease TTL).
    pub fn session_timeout(&self) -> Duration {
        Duration::from_secs(self.core().session.ttl_secs() as u64)
    }

    pub fn state(&self) -> SessionState {
        self.core().session.state()
    }

    /// Watches armed right now: (data/exists, children).
    pub fn armed_watches(&self) -> (usize, usize) {
        self.core().hub.armed_count()
    }

    /// Queues a request now (the call order is the execution order for
    /// requests that touch the same nodes) and returns its answer later.
    /// The request runs even if the future is dropped.
    pub fn submit(&self, req: Request) -> impl Future<Output = ZkResult<Reply>> + Send + 'static {
        let (tx, rx) = oneshot::channel();
        self.submit_then(
            req,
            Done::new(move |answer| {
                let _ = tx.send(answer);
            }),
        );
        async move { rx.await.unwrap_or_else(|_| Err(Done::unanswered())) }
    }

    /// [`Self::submit`] with the answer handed to `done` instead, on the
    /// task that ends the request: the JNI bridge queues it for Java from
    /// there, with no task of its own per request.
    pub fn submit_then(&self, req: Request, done: Done) {
        let core = self.core().clone();
        let req = match core.prepare(req) {
            Ok(req) => req,
            Err(e) => return done.answer(Err(e)),
        };
        let ticket = core.seq.enter(Core::locks(&req));
        match Core::read_of(&req) {
            // A read that waits for no earlier request goes to the read
            // batcher now and is answered on the batch's task: no task of
            // its own, whose start and wake-ups cost about as much as the
            // rest of a batched read on the client.
            Some((path, children)) if ticket.is_ready() => {
                if let Err(e) = core.session.check_alive() {
                    drop(ticket);
                    return done.answer(Err(e));
                }
                let path = path.to_string();
                let c = core.clone();
                core.reads.send(
                    path,
                    children,
                    Box::new(move |st| {
                        let answer = st.and_then(|st| c.answer_read(req, st));
                        drop(ticket);
                        done.answer(answer);
                    }),
                );
            }
            // A plain create likewise goes to the write batcher now and,
            // when its txn succeeds, is answered on the batch's task
            // (`Core::create_then`); a permit is free in the common case.
            Some(_) => core.run_on_task(req, ticket, done),
            None => match Core::may_create_at_once(&req, &ticket).then(|| core.permits.clone().try_acquire_owned()) {
                Some(Ok(permit)) => core.create_then(req, ticket, permit, done),
                _ => core.run_on_task(req, ticket, done),
            },
        }
    }

    /// Submits many requests at once; answers come back in request order.
    pub async fn submit_all(&self, reqs: Vec<Request>) -> Vec<ZkResult<Reply>> {
        let futures: Vec<_> = reqs.into_iter().map(|r| self.submit(r)).collect();
        let mut out = Vec::with_capacity(futures.len());
        for f in futures {
            out.push(f.await);
        }
        out
    }

    pub async fn create(
        &self,
        path: &str,
        data: Option<&[u8]>,
        acl: Vec<Acl>,
        mode: CreateMode,
    ) -> ZkResult<(String, Stat)> {
        let req = Request::Create { path: path.into(), data: data.map(<[u8]>::to_vec), acl, mode };
        match self.submit(req).await? {
            Reply::Created { path, stat } => Ok((path, stat)),
            other => Err(unexpected(other)),
        }
    }

    pub async fn delete(&self, path: &str, version: i32) -> ZkResult<()> {
        self.submit(Request::Delete { path: path.into(), version }).await.map(|_| ())
    }

    pub async fn set_data(&self, path: &str, data: Option<&[u8]>, version: i32) -> ZkResult<Stat> {
        match self.submit(Request::SetData { path: path.into(), data: data.map(<[u8]>::to_vec), version }).await? {
            Reply::Stat(s) => Ok(s),
            other => Err(unexpected(other)),
        }
    }

    pub async fn get_data(&self, path: &str, watch: bool) -> ZkResult<(Option<Vec<u8>>, Stat)> {
        match self.submit(Request::GetData { path: path.into(), watch }).await? {
            Reply::Data { data, stat } => Ok((data, stat)),
            other => Err(unexpected(other)),
        }
    }

    pub async fn exists(&self, path: &str, watch: bool) -> ZkResult<Option<Stat>> {
        match self.submit(Request::Exists { path: path.into(), watch }).await? {
            Reply::Exists(s) => Ok(s),
            other => Err(unexpected(other)),
        }
    }

    pub async fn get_children(&self, path: &str, watch: bool) -> ZkResult<(Vec<String>, Stat)> {
        match self.submit(Request::GetChildren { path: path.into(), watch }).await? {
            Reply::Children { children, stat } => Ok((children, stat)),
            other => Err(unexpected(other)),
        }
    }

    pub async fn get_acl(&self, path: &str) -> ZkResult<(Vec<Acl>, Stat)> {
        match self.submit(Request::GetAcl { path: path.into() }).await? {
            Reply::Acl { acl, stat } => Ok((acl, stat)),
            other => Err(unexpected(other)),
        }
    }

    pub async fn set_acl(&self, path: &str, acl: Vec<Acl>, aversion: i32) -> ZkResult<Stat> {
        match self.submit(Request::SetAcl { path: path.into(), acl, version: aversion }).await? {
            Reply::Stat(s) => Ok(s),
            other => Err(unexpected(other)),
        }
    }

    /// Runs the ops atomically. Always answers one result per op; when the
    /// multi failed they are ZooKeeper's error results (see `multi_code`).
    pub async fn multi(&self, ops: Vec<MultiOp>) -> ZkResult<Vec<OpResult>> {
        match self.submit(Request::Multi(ops)).await? {
            Reply::Multi(r) => Ok(r),
            other => Err(unexpected(other)),
        }
    }

    /// Ends the session: deletes this session's ephemeral nodes (bumping
    /// their parents' cversion, as ZooKeeper does), revokes the lease,
    /// tells the watcher `Closed`, stops background work. Idempotent.
    pub async fn close(&self) {
        let core = self.core().clone();
        if !core.session.begin_close() {
            return;
        }
        if core.session.check_alive().is_ok() {
            let id = core.session.id();
            let (_, client) = core.transport.current();
            let ttl = tokio::time::timeout(
                core.transport.request_timeout(),
                client.lease_client().time_to_live(id, Some(LeaseTimeToLiveOptions::new().with_keys())),
            )
            .await;
            if let Ok(Ok(info)) = ttl {
                let paths: Vec<String> =
                    info.keys().iter().filter_map(|k| core.keys.path_of_node_key(k).map(str::to_string)).collect();
                let deletes: Vec<_> = paths.iter().map(|p| core.delete(p, -1)).collect();
                for d in deletes {
                    let _ = d.await;
                }
            }
            let _ = tokio::time::timeout(core.transport.request_timeout(), client.lease_client().revoke(id)).await;
        }
        core.set_state(SessionState::Closed);
        let _ = core.stop.send(true);
    }
}

fn unexpected(r: Reply) -> ZkError {
    ZkError::new(Code::SystemError, format!("unexpected reply {r:?}"))
}

async fn grant(transport: &Transport, ttl: i64) -> ZkResult<i64> {
    loop {
        let (i, client) = transport.current();
        match tokio::time::timeout(
            transport.request_timeout(),
            client.lease_client().grant(ttl, None::<LeaseGrantOptions>),
        )
        .await
        {
            Ok(Ok(resp)) => return Ok(resp.id()),
            Ok(Err(e)) => log::debug!("lease grant on {} failed: {e}", transport.endpoint_name(i)),
            Err(_) => log::debug!("lease grant on {} timed out", transport.endpoint_name(i)),
        }
        transport.rotate_from(i);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
