//! Real etcd clusters on 127.0.0.1 for integration tests.
//!
//! Process lifetime: every etcd is killed (SIGKILL) and reaped by `Drop`, and in
//! addition gets `PR_SET_PDEATHSIG = SIGKILL`, so it dies with the test process
//! even if that one aborts or is killed. PDEATHSIG fires when the *thread* that
//! forked the child exits, not the process; libtest runs each test on its own
//! short-lived thread, so all etcd processes are forked from one dedicated
//! spawner thread that lives as long as the test process.

use std::ffi::{c_int, c_ulong};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex, MutexGuard, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

/// How long a member may take to become healthy before the test panics.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(20);
/// Fresh-port attempts when a member dies at startup (e.g. a port was taken meanwhile).
const START_ATTEMPTS: usize = 3;

// std links libc anyway; declaring these two avoids a `libc` dev-dependency.
extern "C" {
    fn prctl(option: c_int, ...) -> c_int;
    fn getppid() -> c_int;
    fn atexit(cb: extern "C" fn()) -> c_int;
    fn kill(pid: c_int, sig: c_int) -> c_int;
}
const SIGSTOP: c_int = 19;
const SIGCONT: c_int = 18;
const PR_SET_PDEATHSIG: c_int = 1;
const SIGKILL: c_ulong = 9;

/// One etcd member: fixed name, ports and data dir across restarts.
struct Member {
    name: String,
    client_port: u16,
    peer_port: u16,
    /// Plain-HTTP port serving `/health` (the client port may be TLS-only).
    metrics_port: u16,
    data_dir: PathBuf,
    log_path: PathBuf,
    /// `None` while stopped. A Mutex so `&self` methods work on a shared `&'static` cluster.
    child: Mutex<Option<Child>>,
}

impl Member {
    fn child(&self) -> MutexGuard<'_, Option<Child>> {
        self.child.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// SIGKILL and reap the process, if any. Never panics (used from Drop and atexit).
    fn kill(&self) {
        if let Some(mut c) = self.child().take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// `Some(exit status)` if the process has exited on its own.
    fn exited(&self) -> Option<std::process::ExitStatus> {
        match self.child().as_mut() {
            Some(c) => c.try_wait().ok().flatten(),
            None => None,
        }
    }
}

/// A running etcd cluster of N members on loopback, owned by the test.
pub struct EtcdCluster {
    members: Vec<Member>,
    initial_cluster: String,
    token: String,
    setup: Setup,
    // Declared last: dropped after `Drop::drop` has killed the processes.
    dir: tempfile::TempDir,
}

/// How the members serve clients: TLS files and extra flags.
#[derive(Clone, Debug, Default)]
pub struct Setup {
    /// Serve clients over TLS only.
    pub tls: Option<ServerTls>,
    /// More etcd flags, e.g. `--auth-token-ttl 2`.
    pub extra_args: Vec<String>,
}

/// The server side of TLS for every member.
#[derive(Clone, Debug)]
pub struct ServerTls {
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    /// CA for client certificates: turns on `--client-cert-auth` (mTLS).
    pub client_ca_file: Option<PathBuf>,
}

impl EtcdCluster {
    /// Start `members` (1 or 3 typically) members and wait until all are healthy.
    /// Panics with the etcd logs if that does not happen within 20 s.
    pub fn start(members: usize) -> EtcdCluster {
        Self::start_with(members, Setup::default())
    }

    /// As `start`, with TLS and/or extra etcd flags.
    pub fn start_with(members: usize, setup: Setup) -> EtcdCluster {
        assert!(members >= 1, "an etcd cluster needs at least one member");
        for attempt in 1..=START_ATTEMPTS {
            let cluster = Self::create(members, setup.clone());
            for i in 0..members {
                cluster.spawn(i, "new");
            }
            let all: Vec<usize> = (0..members).collect();
            match cluster.wait_healthy(&all) {
                Ok(()) => return cluster,
                // A member died early: most likely a port clash; retry on fresh ports.
                Err(Failure::Exited(_)) if attempt < START_ATTEMPTS => {
                    eprintln!("etcd startup attempt {attempt} failed, retrying:\n{}", cluster.all_logs());
                }
                Err(f) => panic!("etcd cluster did not start ({f:?}):\n{}", cluster.all_logs()),
            }
        }
        unreachable!()
    }

    /// Client endpoints, "127.0.0.1:PORT" (no scheme), one per member.
    pub fn endpoints(&self) -> Vec<String> {
        (0..self.members.len()).map(|i| self.endpoint(i)).collect()
    }

    /// Client endpoint of member `i`, "127.0.0.1:PORT".
    pub fn endpoint(&self, i: usize) -> String {
        format!("127.0.0.1:{}", self.members[i].client_port)
    }

    /// All endpoints comma-joined, "127.0.0.1:P1,127.0.0.1:P2,...".
    pub fn connect_string(&self) -> String {
        self.endpoints().join(",")
    }

    /// Number of members.
    pub fn size(&self) -> usize {
        self.members.len()
    }

    /// Kill member `i` with SIGKILL and wait for it to exit. No-op if already stopped.
    pub fn stop_member(&mut self, i: usize) {
        self.members[i].kill();
    }

    /// Restart a stopped member `i` with the same data dir and ports, and wait
    /// until it is healthy (panics with its logs after 20 s).
    pub fn start_member(&mut self, i: usize) {
        assert!(!self.is_running(i), "member {i} is already running");
        self.members[i].kill(); // reap a process that exited on its own, if any
        self.spawn(i, "existing");
        if let Err(f) = self.wait_healthy(&[i]) {
            panic!("etcd member {i} did not restart ({f:?}):\n{}", self.logs(i));
        }
    }

    /// Freezes member `i` with SIGSTOP: its sockets stay open, nothing
    /// answers (a hung machine, not a dead one). `Drop` still kills it.
    pub fn freeze_member(&self, i: usize) {
        self.signal(i, SIGSTOP);
    }

    /// Resumes a frozen member `i` with SIGCONT.
    pub fn thaw_member(&self, i: usize) {
        self.signal(i, SIGCONT);
    }

    fn signal(&self, i: usize, sig: c_int) {
        let pid = self.pid(i).unwrap_or_else(|| panic!("etcd member {i} is not running"));
        // SAFETY: kill(2) on our own child's pid.
        let rc = unsafe { kill(pid as c_int, sig) };
        assert_eq!(rc, 0, "signal {sig} to etcd member {i}: {}", io::Error::last_os_error());
    }

    /// Whether member `i`'s process is alive (it may still be unhealthy).
    pub fn is_running(&self, i: usize) -> bool {
        let m = &self.members[i];
        m.child().is_some() && m.exited().is_none()
    }

    /// Whether member `i` answers `GET /health` with `"health":"true"` right now.
    pub fn is_healthy(&self, i: usize) -> bool {
        http_health(self.members[i].metrics_port)
    }

    /// Unary gRPC requests (KV, Lease grant/revoke, ...) member `i` has started
    /// and not yet answered, from its own metrics; None when it does not answer.
    pub fn unary_requests_in_flight(&self, i: usize) -> Option<u64> {
        let page = http_get(self.members[i].metrics_port, "/metrics")?;
        let started = unary_grpc_total(&page, "grpc_server_started_total");
        let handled = unary_grpc_total(&page, "grpc_server_handled_total");
        Some((started - handled).max(0.0) as u64)
    }

    /// OS pid of member `i`, if running.
    pub fn pid(&self, i: usize) -> Option<u32> {
        self.members[i].child().as_ref().map(|c| c.id())
    }

    /// Everything member `i` wrote to stdout/stderr so far (all its runs).
    pub fn logs(&self, i: usize) -> String {
        let bytes = fs::read(&self.members[i].log_path).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Logs of all members, each under a header; handy in panic messages.
    pub fn all_logs(&self) -> String {
        (0..self.members.len())
            .map(|i| format!("===== etcd member {i} ({}) =====\n{}", self.endpoint(i), self.logs(i)))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Temporary directory holding data dirs and logs (deleted on drop).
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Lay out a cluster (dirs, ports, names) without starting anything.
    fn create(n: usize, setup: Setup) -> EtcdCluster {
        static CLUSTERS: AtomicUsize = AtomicUsize::new(0);
        let dir = tempfile::Builder::new().prefix("kafka-etcd-test-").tempdir().expect("create temp dir");
        let ports = free_ports(3 * n);
        let members: Vec<Member> = (0..n)
            .map(|i| Member {
                name: format!("m{i}"),
                client_port: ports[3 * i],
                peer_port: ports[3 * i + 1],
                metrics_port: ports[3 * i + 2],
                data_dir: dir.path().join(format!("m{i}.etcd")),
                log_path: dir.path().join(format!("m{i}.log")),
                child: Mutex::new(None),
            })
            .collect();
        let initial_cluster = members
            .iter()
            .map(|m| format!("{}=http://127.0.0.1:{}", m.name, m.peer_port))
            .collect::<Vec<_>>()
            .join(",");
        // A unique token keeps members of different clusters apart should ports be reused.
        let token = format!("t-{}-{}", std::process::id(), CLUSTERS.fetch_add(1, Ordering::Relaxed));
        EtcdCluster { members, initial_cluster, token, setup, dir }
    }

    /// Spawn member `i`'s process; `state` is "new" or "existing".
    fn spawn(&self, i: usize, state: &str) {
        let m = &self.members[i];
        let scheme = if self.setup.tls.is_some() { "https" } else { "http" };
        let client = format!("{scheme}://127.0.0.1:{}", m.client_port);
        let peer = format!("http://127.0.0.1:{}", m.peer_port);
        let log = File::options().create(true).append(true).open(&m.log_path).expect("open etcd log file");
        let mut cmd = Command::new(etcd_bin());
        if let Some(tls) = &self.setup.tls {
            cmd.arg("--cert-file").arg(&tls.cert_file).arg("--key-file").arg(&tls.key_file);
            if let Some(ca) = &tls.client_ca_file {
                cmd.arg("--client-cert-auth").arg("--trusted-ca-file").arg(ca);
            }
        }
        cmd.arg("--name")
            .arg(&m.name)
            .arg("--data-dir")
            .arg(&m.data_dir)
            .args(["--listen-client-urls", &client, "--advertise-client-urls", &client])
            .args(["--listen-peer-urls", &peer, "--initial-advertise-peer-urls", &peer])
            .args(["--initial-cluster", &self.initial_cluster])
            .args(["--initial-cluster-token", &self.token])
            .args(["--initial-cluster-state", state])
            // Fast elections for tests; the minimum lease TTL becomes ~0.75 s.
            .args(["--heartbeat-interval", "50", "--election-timeout", "500"])
            .args(["--logger", "zap", "--log-level", "warn"])
            .args(["--listen-metrics-urls", &format!("http://127.0.0.1:{}", m.metrics_port)])
            .args(&self.setup.extra_args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("dup log file"))
            .stderr(log);
        let parent = std::process::id() as c_int;
        // SAFETY: only async-signal-safe syscalls between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                if prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 {
                    return Err(io::Error::last_os_error());
                }
                // The test process may have died before prctl took effect.
                if getppid() != parent {
                    return Err(io::Error::other("test process exited before etcd started"));
                }
                Ok(())
            });
        }
        let child =
            spawn_from_long_lived_thread(cmd).unwrap_or_else(|e| panic!("cannot spawn etcd {:?}: {e}", etcd_bin()));
        *m.child() = Some(child);
    }

    /// Poll `members` until all are healthy, one of their processes exits, or
    /// HEALTH_TIMEOUT passes.
    fn wait_healthy(&self, members: &[usize]) -> Result<(), Failure> {
        let deadline = Instant::now() + HEALTH_TIMEOUT;
        loop {
            // Check exits first: a dead member can keep the others from a quorum.
            if let Some(status) = members.iter().find_map(|&i| self.members[i].exited()) {
                return Err(Failure::Exited(status));
            }
            if members.iter().all(|&i| self.is_healthy(i)) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(Failure::Timeout);
            }
            thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for EtcdCluster {
    fn drop(&mut self) {
        for m in &self.members {
            m.kill();
        }
    }
}

#[derive(Debug)]
enum Failure {
    /// The etcd process exited by itself.
    Exited(std::process::ExitStatus),
    /// Still running, but not healthy in time.
    Timeout,
}

/// A single-member cluster shared by all tests of this test binary. Use
/// `unique_chroot` to keep tests apart. Statics are never dropped, so the
/// processes are killed and the temp dir removed by an `atexit` hook (and
/// PDEATHSIG covers an aborted or killed test process).
pub fn shared_single() -> &'static EtcdCluster {
    static SHARED: OnceLock<EtcdCluster> = OnceLock::new();
    extern "C" fn cleanup() {
        if let Some(c) = SHARED.get() {
            for m in &c.members {
                m.kill();
            }
            let _ = fs::remove_dir_all(c.dir.path());
        }
    }
    SHARED.get_or_init(|| {
        let c = EtcdCluster::start(1);
        // SAFETY: registering a plain extern "C" fn that never unwinds.
        unsafe { atexit(cleanup) };
        c
    })
}

/// Path of the etcd binary: `$KAFKA_ETCD_ETCD_BIN`, else the vendored one.
fn etcd_bin() -> PathBuf {
    match std::env::var_os("KAFKA_ETCD_ETCD_BIN") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => etcd_bin_vendored::etcd_bin_path()
            .expect("no vendored etcd for this platform; set KAFKA_ETCD_ETCD_BIN")
            .to_path_buf(),
    }
}

/// Spawn `cmd` from a thread that lives until the process exits (see module docs).
fn spawn_from_long_lived_thread(cmd: Command) -> io::Result<Child> {
    type Request = (Command, mpsc::Sender<io::Result<Child>>);
    static SPAWNER: OnceLock<Mutex<mpsc::Sender<Request>>> = OnceLock::new();
    let tx = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Request>();
        thread::Builder::new()
            .name("etcd-spawner".into())
            .spawn(move || {
                // The sender lives in a static, so this loop never ends.
                for (mut cmd, reply) in rx {
                    let _ = reply.send(cmd.spawn());
                }
            })
            .expect("start etcd spawner thread");
        Mutex::new(tx)
    });
    let (reply_tx, reply_rx) = mpsc::channel();
    tx.lock().unwrap_or_else(|e| e.into_inner()).send((cmd, reply_tx)).expect("etcd spawner thread is gone");
    reply_rx.recv().expect("etcd spawner thread is gone")
}

/// `n` distinct free TCP ports on 127.0.0.1. All listeners are held at once so
/// the ports differ, then released for etcd (a later clash is handled by retry).
fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> =
        (0..n).map(|_| TcpListener::bind("127.0.0.1:0").expect("bind a free port")).collect();
    listeners.iter().map(|l| l.local_addr().unwrap().port()).collect()
}

/// `GET /health`; true on 200 + `"health":"true"`.
fn http_health(port: u16) -> bool {
    http_get(port, "/health").is_some_and(|body| body.contains("\"health\":\"true\""))
}

/// `GET path` on 127.0.0.1:port with a hand-written HTTP/1.0 request (so the
/// body is never chunked): the whole response (headers included) when the
/// status is 200.
fn http_get(port: u16, path: &str) -> Option<String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_millis(500)).ok()?;
    let _ = s.set_read_timeout(Some(Duration::from_secs(3)));
    let _ = s.set_write_timeout(Some(Duration::from_secs(1)));
    let req = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    s.write_all(req.as_bytes()).ok()?;
    let mut resp = Vec::new();
    let _ = s.read_to_end(&mut resp); // an HTTP/1.0 server closes the connection after the answer
    let resp = String::from_utf8_lossy(&resp).into_owned();
    (resp.starts_with("HTTP/1.") && resp.split(' ').nth(1) == Some("200")).then_some(resp)
}

/// Sum of the unary gRPC samples named `metric` (`grpc_server_started_total`, ...)
/// in a Prometheus text page.
fn unary_grpc_total(page: &str, metric: &str) -> f64 {
    page.lines()
        .filter(|l| l.starts_with(metric) && l.contains("grpc_type=\"unary\""))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}
