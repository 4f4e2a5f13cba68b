//! Self-test of the etcd test harness in `tests/common`.

mod common;

use common::{shared_single, unique_chroot, EtcdCluster};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn port_open(endpoint: &str) -> bool {
    TcpStream::connect_timeout(&endpoint.parse().unwrap(), Duration::from_millis(300)).is_ok()
}

/// True once `pid` no longer runs (gone, or a zombie nobody has reaped yet).
fn process_gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        // Format: "pid (comm) STATE ..."; comm may contain spaces, so split after ')'.
        Ok(stat) => stat.rsplit(')').next().unwrap_or("").trim_start().starts_with('Z'),
    }
}

fn eventually(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn single_member_cluster() {
    let c = EtcdCluster::start(1);
    assert_eq!(c.endpoints().len(), 1);
    assert!(c.endpoint(0).starts_with("127.0.0.1:"));
    assert_eq!(c.connect_string(), c.endpoint(0));
    assert!(c.is_running(0));
    assert!(c.is_healthy(0));
    let _ = c.logs(0); // readable (may be empty at log level warn)
}

#[test]
fn three_members_stop_and_restart() {
    let mut c = EtcdCluster::start(3);
    assert_eq!(c.endpoints().len(), 3);
    assert_eq!(c.connect_string().split(',').count(), 3);
    for i in 0..3 {
        assert!(c.is_healthy(i), "member {i}:\n{}", c.all_logs());
    }

    let stopped = c.endpoint(1);
    c.stop_member(1);
    assert!(!c.is_running(1));
    assert!(!port_open(&stopped));
    // Two of three keep quorum (a new election may be needed if m1 was leader).
    eventually("remaining members healthy", Duration::from_secs(10), || c.is_healthy(0) && c.is_healthy(2));

    c.start_member(1);
    assert!(c.is_running(1));
    assert_eq!(c.endpoint(1), stopped, "same ports after restart");
    for i in 0..3 {
        assert!(c.is_healthy(i), "member {i}:\n{}", c.all_logs());
    }
}

#[test]
fn drop_kills_processes_and_closes_ports() {
    let c = EtcdCluster::start(1);
    let endpoint = c.endpoint(0);
    let pid = c.pid(0).unwrap();
    let dir = c.dir().to_path_buf();
    assert!(port_open(&endpoint));
    drop(c);
    assert!(process_gone(pid), "etcd pid {pid} still running after drop");
    assert!(!port_open(&endpoint));
    assert!(!dir.exists(), "temp dir not removed");
}

/// PDEATHSIG is tied to the forking thread: a cluster started on a thread that
/// then exits must keep running (the harness forks from a long-lived thread).
#[test]
fn cluster_outlives_the_thread_that_started_it() {
    let c = std::thread::spawn(|| EtcdCluster::start(1)).join().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(c.is_running(0), "{}", c.logs(0));
    assert!(c.is_healthy(0));
}

#[test]
fn shared_cluster_and_unique_chroots() {
    let a = shared_single();
    let b = shared_single();
    assert!(std::ptr::eq(a, b));
    assert!(a.is_healthy(0));

    let r1 = unique_chroot("my::test");
    let r2 = unique_chroot("my::test");
    assert_ne!(r1, r2);
    assert!(r1.starts_with(&format!("/t-my__test-{}-", std::process::id())), "{r1}");
    assert!(!r1[1..].contains('/'));
}

const CHILD_ENV: &str = "KAFKA_ETCD_HARNESS_ABORT_CHILD";

/// Helper for the test below: when run as its child, start a cluster, report
/// it, and abort (no Drop, no atexit). Does nothing in a normal test run.
#[test]
fn abort_child() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let c = shared_single();
    println!("ETCD {} {} {}", c.pid(0).unwrap(), c.endpoint(0), c.dir().display());
    std::process::abort();
}

/// If the test process dies abruptly, its etcd processes die too (PDEATHSIG).
#[test]
fn etcd_dies_with_aborted_test_process() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["abort_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        // libtest prints "test abort_child ... " before our output on the same line.
        .find_map(|l| l.split_once("ETCD ").map(|(_, rest)| rest))
        .unwrap_or_else(|| panic!("child printed no ETCD line: {stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
    let mut parts = line.split(' ');
    let pid: u32 = parts.next().unwrap().parse().unwrap();
    let endpoint = parts.next().unwrap().to_string();
    // Abort skipped every cleanup, so remove the child's temp dir here.
    let _ = std::fs::remove_dir_all(parts.next().unwrap());
    assert!(!out.status.success(), "child should have aborted");

    eventually("orphaned etcd killed", Duration::from_secs(5), || process_gone(pid));
    eventually("orphaned etcd port closed", Duration::from_secs(5), || !port_open(&endpoint));
}
