//! Workloads shaped like Kafka's metadata traffic, run against the Rust
//! engine ("engine") or against etcd directly with plain keys ("raw-etcd",
//! the floor any znode layer adds to). Prints one JSON object per result.
//!
//! cargo run --release --example bench -- --target engine|raw-etcd --endpoints 127.0.0.1:2379 [--quick] [--only W1,W2]
//!     [--server-pids etcd=PID] [--warmup N]
//!
//! --warmup N: before W1, an unreported pipelined create/getData/setData/exists/delete
//! of N znodes (raw-etcd: put/get/txn/delete of N keys), as ZkBench's
//! --warmup (which the JVM targets need for their JIT); default 0.
//! --server-pids: server processes whose CPU time and RSS each result
//! reports ("cpu_ms" since the workload's start, with "client" for this
//! process; "server_rss_mb"), as bench/zookeeper's ZkBench does.
//!
//! W1-W7 are issue 5's workloads; W9 adds getData one call at a time (the
//! round trip a blocking caller pays), which with ZkBench's bridge-only
//! results (W2 through submitBatch, W9 inside a callback) shows what the JNI
//! bridge costs per call next to this engine's figures.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use etcd_client::{Compare, CompareOp, GetOptions, PutOptions, Txn, TxnOp, WatchOptions};
use futures_util::stream::{FuturesUnordered, StreamExt};
use kafka_etcd::{Acl, ClientOptions, CreateMode, Request, ZkClient};
use tokio::sync::Semaphore;

/// Requests kept outstanding by a pipelining caller (Kafka's default
/// zookeeper.max.in.flight.requests is 10; controllers batch far more).
const WINDOW: usize = 1000;

struct Sizes {
    partitions: usize,
    children: usize,
    sessions: usize,
    watch_samples: usize,
    armed: usize,
    expiry_samples: usize,
    /// W9: getData calls made one at a time.
    one_at_a_time: usize,
}

fn sizes(quick: bool) -> Sizes {
    if quick {
        Sizes {
            partitions: 2_000,
            children: 1_000,
            sessions: 50,
            watch_samples: 50,
            armed: 2_000,
            expiry_samples: 1,
            one_at_a_time: 500,
        }
    } else {
        Sizes {
            partitions: 100_000,
            children: 10_000,
            sessions: 1_000,
            watch_samples: 500,
            armed: 100_000,
            expiry_samples: 5,
            one_at_a_time: 20_000,
        }
    }
}

fn state_json(i: usize) -> Vec<u8> {
    format!(
        "{{\"controller_epoch\":1,\"leader\":{},\"version\":1,\"leader_epoch\":0,\"isr\":[1,2,3],\"p\":{i:06}}}",
        i % 3 + 1
    )
    .into_bytes()
}

/// VmRSS of a process ("self" or a pid), in MB.
fn rss_of(pid: &str) -> f64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn rss_mb() -> f64 {
    rss_of("self")
}

/// User + system CPU time of a process ("self" or a pid), in ms (10 ms clock ticks).
fn cpu_ms(pid: &str) -> Option<f64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let f: Vec<&str> = s[s.rfind(')')? + 2..].split_whitespace().collect();
    Some((f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?) as f64 * 10.0)
}

/// Server processes from --server-pids (name, pid).
static SERVERS: OnceLock<Vec<(String, String)>> = OnceLock::new();
/// CPU times at the last mark(): "client" (this process) and each server.
static MARK: Mutex<Vec<(String, Option<f64>)>> = Mutex::new(Vec::new());

fn servers() -> &'static [(String, String)] {
    SERVERS.get().map_or(&[], |v| v.as_slice())
}

/// `"name":MB,...`: how much each server's RSS grew since `before` (one value per server).
fn server_watch_mem(before: &[f64]) -> String {
    let v: Vec<String> =
        servers().iter().zip(before).map(|((name, pid), b)| format!("\"{name}\":{:.1}", rss_of(pid) - b)).collect();
    v.join(",")
}

/// Starts the CPU accounting of the next result.
fn mark() {
    let mut m = MARK.lock().unwrap();
    m.clear();
    m.push(("client".into(), cpu_ms("self")));
    for (name, pid) in servers() {
        m.push((name.clone(), cpu_ms(pid)));
    }
}

/// `,"cpu_ms":{..},"server_rss_mb":{..}` since the last mark().
fn meter() -> String {
    let m = MARK.lock().unwrap();
    let cpu: Vec<String> = m
        .iter()
        .filter_map(|(name, before)| {
            let pid =
                if name == "client" { "self".to_string() } else { servers().iter().find(|s| &s.0 == name)?.1.clone() };
            Some(format!("\"{name}\":{:.0}", cpu_ms(&pid)? - (*before)?))
        })
        .collect();
    let rss: Vec<String> = servers().iter().map(|(name, pid)| format!("\"{name}\":{:.1}", rss_of(pid))).collect();
    format!(",\"cpu_ms\":{{{}}},\"server_rss_mb\":{{{}}}", cpu.join(","), rss.join(","))
}

fn pct(lat: &mut [f64], p: f64) -> f64 {
    if lat.is_empty() {
        return 0.0;
    }
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    lat[((lat.len() as f64 - 1.0) * p).round() as usize]
}

/// One JSON line; `case` tells results of one workload apart (W5's deaths).
#[allow(clippy::too_many_arguments)]
fn report(target: &str, w: &str, case: Option<&str>, what: &str, n: usize, secs: f64, lat: &mut [f64], extra: &str) {
    let p50 = pct(lat, 0.5);
    let p99 = pct(lat, 0.99);
    let case = case.map_or(String::new(), |c| format!("\"case\":\"{c}\","));
    println!(
        "{{\"target\":\"{target}\",\"workload\":\"{w}\",{case}\"what\":\"{what}\",\"ops\":{n},\"secs\":{secs:.3},\"ops_per_s\":{:.0},\"p50_ms\":{p50:.3},\"p99_ms\":{p99:.3},\"rss_mb\":{:.1}{extra}{}}}",
        n as f64 / secs,
        rss_mb(),
        meter()
    );
}

/// Options whose watcher stamps each watch event (not state events) the
/// moment the engine delivers it, as ZkBench stamps in its Watcher.
fn stamped(opts: &ClientOptions) -> (ClientOptions, tokio::sync::mpsc::UnboundedReceiver<Instant>) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let mut o = opts.clone();
    o.watcher = Some(Arc::new(move |e: kafka_etcd::WatchedEvent| {
        if e.path.is_some() {
            let _ = tx.send(Instant::now());
        }
    }));
    (o, rx)
}

/// Runs `n` requests made by `make`, at most WINDOW outstanding; returns
/// (seconds, per-request latencies in ms).
/// [`pipelined`] for engine requests: `req(i)` is submitted and must succeed.
async fn pipelined_requests(zk: &ZkClient, n: usize, req: impl Fn(usize) -> Request) -> (f64, Vec<f64>) {
    pipelined(n, |i| {
        let f = zk.submit(req(i));
        async move {
            f.await.unwrap();
        }
    })
    .await
}

async fn pipelined<F, Fut>(n: usize, make: F) -> (f64, Vec<f64>)
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    // The requests are polled from this one task, as ZkBench answers them
    // from its callbacks: a task per request
    // would add an allocation and two wake-ups per op that the product
    // does not pay, and bill them to the engine.
    let mut in_flight = FuturesUnordered::new();
    let mut lat = Vec::with_capacity(n);
    let start = Instant::now();
    for i in 0..n {
        if in_flight.len() >= WINDOW {
            lat.push(in_flight.next().await.unwrap());
        }
        // Stamp before submit: the engine starts work inside submit.
        let t = Instant::now();
        let fut = make(i);
        in_flight.push(async move {
            fut.await;
            t.elapsed().as_secs_f64() * 1000.0
        });
    }
    while let Some(ms) = in_flight.next().await {
        lat.push(ms);
    }
    (start.elapsed().as_secs_f64(), lat)
}

/// [`pipelined`] with every request on a task of its own, for raw etcd
/// (the driver every target had before `pipelined` kept its requests on
/// one task; raw etcd's figures stay comparable with earlier runs):
/// etcd-client encodes and decodes on the task that polls a call, so one
/// task for all would hold raw etcd to one core, while the engine's work
/// runs on tasks of its own (one per write, one per read batch).
async fn on_tasks<F, Fut>(n: usize, make: F) -> (f64, Vec<f64>)
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let window = Arc::new(Semaphore::new(WINDOW));
    let lat = Arc::new(Mutex::new(Vec::with_capacity(n)));
    let start = Instant::now();
    let mut handles = Vec::with_capacity(n);
    for i in 0..n {
        let permit = window.clone().acquire_owned().await.unwrap();
        let t = Instant::now();
        let fut = make(i);
        let lat = lat.clone();
        handles.push(tokio::spawn(async move {
            fut.await;
            lat.lock().unwrap().push(t.elapsed().as_secs_f64() * 1000.0);
            drop(permit);
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    let v = std::mem::take(&mut *lat.lock().unwrap());
    (secs, v)
}

/// W9: n calls, each awaited before the next starts (the latency of one round
/// trip, nothing pipelined); returns seconds and each call's latency in ms.
async fn one_at_a_time<F, Fut>(n: usize, make: F) -> (f64, Vec<f64>)
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut lat = Vec::with_capacity(n);
    let start = Instant::now();
    for i in 0..n {
        let t = Instant::now();
        make(i).await;
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    (start.elapsed().as_secs_f64(), lat)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let target = arg("--target").unwrap_or_else(|| "engine".into());
    let endpoints = arg("--endpoints").unwrap_or_else(|| "127.0.0.1:2379".into());
    let only = arg("--only");
    let want = |w: &str| only.as_ref().is_none_or(|o| o.split(',').any(|x| x == w));
    let s = sizes(args.iter().any(|a| a == "--quick"));
    let pids = arg("--server-pids").unwrap_or_default();
    SERVERS
        .set(pids.split(',').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect())
        .unwrap();
    let run = format!("/bench-{}", std::process::id());
    let warmup: usize = arg("--warmup").map_or(0, |v| v.parse().expect("--warmup N"));
    match target.as_str() {
        "engine" => engine("engine", ClientOptions::default(), &endpoints, &run, &s, warmup, &want).await,
        // The engine over TLS with a client certificate: ca.crt, kafka.crt, kafka.key in --tls-dir.
        "engine-tls" => {
            let dir = std::path::PathBuf::from(arg("--tls-dir").expect("engine-tls needs --tls-dir"));
            let read = |f: &str| std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
            let tls = kafka_etcd::TlsOptions {
                ca_pem: read("ca.crt"),
                cert_pem: Some(read("kafka.crt")),
                key_pem: Some(read("kafka.key")),
                server_name: None,
            };
            engine(
                "engine-tls",
                ClientOptions { tls: Some(tls), ..Default::default() },
                &endpoints,
                &run,
                &s,
                warmup,
                &want,
            )
            .await
        }
        "raw-etcd" => raw(&endpoints, &run, &s, warmup, &want).await,
        t => panic!("unknown target {t}"),
    }
}

async fn engine(
    t: &str,
    opts: ClientOptions,
    endpoints: &str,
    run: &str,
    s: &Sizes,
    warmup: usize,
    want: &dyn Fn(&str) -> bool,
) {
    let zk = ZkClient::connect(endpoints, opts.clone()).await.unwrap();
    let open = Acl::open_unsafe();
    zk.create(run, None, open.clone(), CreateMode::Persistent).await.unwrap();
    if warmup > 0 {
        let wu = format!("{run}/warmup");
        zk.create(&wu, None, open.clone(), CreateMode::Persistent).await.unwrap();
        let wp = |i: usize| format!("{wu}/p{i}");
        pipelined_requests(&zk, warmup, |i| Request::Create {
            path: wp(i),
            data: Some(state_json(i)),
            acl: open.clone(),
            mode: CreateMode::Persistent,
        })
        .await;
        pipelined_requests(&zk, warmup, |i| Request::GetData { path: wp(i), watch: false }).await;
        pipelined_requests(&zk, warmup, |i| Request::SetData {
            path: wp(i),
            data: Some(state_json(i + 1)),
            version: 0,
        })
        .await;
        pipelined_requests(&zk, warmup, |i| Request::Exists { path: wp(i), watch: false }).await;
        pipelined_requests(&zk, warmup, |i| Request::Delete { path: wp(i), version: 1 }).await;
        zk.delete(&wu, -1).await.unwrap();
        eprintln!("warm-up done");
    }
    let parts = format!("{run}/partitions");
    zk.create(&parts, None, open.clone(), CreateMode::Persistent).await.unwrap();
    let n = s.partitions;

    let path = |i: usize| format!("{parts}/p{i}");
    if want("W1") || want("W2") || want("W3") || want("W9") {
        mark();
        let (secs, mut lat) = pipelined_requests(&zk, n, |i| Request::Create {
            path: path(i),
            data: Some(state_json(i)),
            acl: open.clone(),
            mode: CreateMode::Persistent,
        })
        .await;
        report(t, "W1", None, "create partition-state znodes, pipelined", n, secs, &mut lat, "");
    }
    if want("W2") {
        mark();
        let (secs, mut lat) = pipelined_requests(&zk, n, |i| Request::GetData { path: path(i), watch: false }).await;
        report(t, "W2", None, "getData of every partition state, pipelined", n, secs, &mut lat, "");
    }
    if want("W9") {
        let k = s.one_at_a_time.min(n);
        mark();
        let (secs, mut lat) = one_at_a_time(k, |i| {
            let zk = &zk;
            let p = path(i);
            async move {
                zk.get_data(&p, false).await.unwrap();
            }
        })
        .await;
        report(t, "W9", None, "getData one at a time (await each)", k, secs, &mut lat, "");
    }
    if want("W3") {
        mark();
        let (secs, mut lat) = pipelined_requests(&zk, n, |i| Request::SetData {
            path: path(i),
            data: Some(state_json(i + 1)),
            version: 0,
        })
        .await;
        report(t, "W3", None, "setData with expected version, pipelined", n, secs, &mut lat, "");
    }
    if want("W4") {
        let kids = format!("{run}/kids");
        zk.create(&kids, None, open.clone(), CreateMode::Persistent).await.unwrap();
        pipelined_requests(&zk, s.children, |i| Request::Create {
            path: format!("{kids}/c{i}"),
            data: None,
            acl: open.clone(),
            mode: CreateMode::Persistent,
        })
        .await;
        let rounds = 20;
        let mut lat = Vec::new();
        mark();
        let start = Instant::now();
        for _ in 0..rounds {
            let t0 = Instant::now();
            let (c, _) = zk.get_children(&kids, false).await.unwrap();
            assert_eq!(c.len(), s.children);
            lat.push(t0.elapsed().as_secs_f64() * 1000.0);
        }
        report(
            t,
            "W4",
            None,
            &format!("getChildren of {} children", s.children),
            rounds,
            start.elapsed().as_secs_f64(),
            &mut lat,
            "",
        );
    }
    if want("W5") {
        let ids = format!("{run}/ids");
        zk.create(&ids, None, open.clone(), CreateMode::Persistent).await.unwrap();
        let short = ClientOptions { session_timeout: Duration::from_secs(6), ..opts.clone() };
        mark();
        let start = Instant::now();
        let mut sessions = Vec::new();
        for chunk in 0..s.sessions.div_ceil(50) {
            let mut batch = Vec::new();
            for j in 0..50.min(s.sessions - chunk * 50) {
                let i = chunk * 50 + j;
                let (eps, o, ids, open) = (endpoints.to_string(), short.clone(), ids.clone(), open.clone());
                batch.push(tokio::spawn(async move {
                    let c = ZkClient::connect(&eps, o).await.unwrap();
                    c.create(&format!("{ids}/{i}"), Some(b"broker".to_vec()).as_deref(), open, CreateMode::Ephemeral)
                        .await
                        .unwrap();
                    c
                }));
            }
            for b in batch {
                sessions.push(b.await.unwrap());
            }
        }
        let reg = start.elapsed().as_secs_f64();
        let mut lat = vec![reg * 1000.0 / s.sessions as f64];
        report(
            t,
            "W5",
            Some("register"),
            &format!("{} sessions each registering an ephemeral", s.sessions),
            s.sessions,
            reg,
            &mut lat,
            "",
        );
        // Death to child watch, three ways: a clean close, an admin kill
        // (lease revoked), and a process that just vanished (no close: the
        // lease expires after its TTL, as a ZooKeeper session expires).
        let (o, mut rx) = stamped(&opts);
        let watcher = ZkClient::connect(endpoints, o).await.unwrap();
        let samples = 20.min(sessions.len() / 3);
        let mut raw = etcd_client::Client::connect([endpoints.split(',').next().unwrap()], None).await.unwrap();
        let mut pool = sessions.into_iter();
        for (case, how, count) in [
            ("closed", "closed", samples),
            ("killed", "killed (lease revoked)", samples),
            ("vanished", "vanished (no close: lease expiry, 6 s TTL)", s.expiry_samples),
        ] {
            let mut lat = Vec::new();
            mark();
            for c in pool.by_ref().take(count) {
                watcher.get_children(&ids, true).await.unwrap();
                let t0 = Instant::now();
                match case {
                    "closed" => {
                        let c = c.clone();
                        tokio::spawn(async move { c.close().await });
                    }
                    "killed" => {
                        raw.lease_revoke(c.session_id()).await.unwrap();
                    }
                    _ => drop(c),
                }
                let fired = rx.recv().await.unwrap();
                lat.push(fired.duration_since(t0).as_secs_f64() * 1000.0);
            }
            report(
                t,
                "W5",
                Some(case),
                &format!("session {how} -> child watch fires elsewhere"),
                lat.len(),
                lat.iter().sum::<f64>() / 1000.0,
                &mut lat,
                "",
            );
        }
        let sessions: Vec<ZkClient> = pool.collect();
        for c in sessions.iter() {
            c.close().await;
        }
        watcher.close().await;
    }
    if want("W6") {
        let (o, mut rx) = stamped(&opts);
        let watcher = ZkClient::connect(endpoints, o).await.unwrap();
        let writer = ZkClient::connect(endpoints, opts.clone()).await.unwrap();
        let p = format!("{run}/w6");
        writer.create(&p, None, open.clone(), CreateMode::Persistent).await.unwrap();
        let mut lat = Vec::new();
        mark();
        let start = Instant::now();
        for i in 0..s.watch_samples {
            watcher.get_data(&p, true).await.unwrap();
            let t0 = Instant::now();
            let w = writer.submit(Request::SetData {
                path: p.clone(),
                data: Some(format!("{i}").into_bytes()),
                version: -1,
            });
            let fired = rx.recv().await.unwrap();
            w.await.unwrap();
            lat.push(fired.duration_since(t0).as_secs_f64() * 1000.0);
        }
        report(
            t,
            "W6",
            None,
            "write -> watch callback on another client",
            s.watch_samples,
            start.elapsed().as_secs_f64(),
            &mut lat,
            "",
        );
        watcher.close().await;
        writer.close().await;
    }
    if want("W7") {
        let before = rss_mb();
        let server_before: Vec<f64> = servers().iter().map(|(_, pid)| rss_of(pid)).collect();
        let c = ZkClient::connect(endpoints, opts.clone()).await.unwrap();
        let k = s.armed.min(n);
        mark();
        let (secs, mut lat) = pipelined_requests(&c, k, |i| Request::Exists { path: path(i), watch: true }).await;
        let after = rss_mb();
        assert_eq!(c.armed_watches().0, k);
        report(
            t,
            "W7",
            None,
            &format!("arm {k} watches on one client"),
            k,
            secs,
            &mut lat,
            &format!(
                ",\"watch_mem_mb\":{:.1},\"server_watch_mem_mb\":{{{}}}",
                after - before,
                server_watch_mem(&server_before)
            ),
        );
        c.close().await;
    }
    zk.close().await;
}

async fn raw(endpoints: &str, run: &str, s: &Sizes, warmup: usize, want: &dyn Fn(&str) -> bool) {
    let t = "raw-etcd";
    let eps: Vec<String> = endpoints.split(',').map(|e| format!("http://{e}")).collect();
    let client = etcd_client::Client::connect(&eps, None).await.unwrap();
    let n = s.partitions;
    if warmup > 0 {
        let wk = move |i: usize| format!("raw{run}/warmup/p{i}");
        on_tasks(warmup, |i| {
            let (mut kv, k) = (client.kv_client(), wk(i));
            async move {
                kv.put(k, state_json(i), None).await.unwrap();
            }
        })
        .await;
        on_tasks(warmup, |i| {
            let (mut kv, k) = (client.kv_client(), wk(i));
            async move {
                kv.get(k, None).await.unwrap();
            }
        })
        .await;
        on_tasks(warmup, |i| {
            let (mut kv, k) = (client.kv_client(), wk(i));
            async move {
                let txn = Txn::new()
                    .when(vec![Compare::version(k.clone(), CompareOp::Equal, 1)])
                    .and_then(vec![TxnOp::put(k, state_json(i + 1), None::<PutOptions>)]);
                assert!(kv.txn(txn).await.unwrap().succeeded());
            }
        })
        .await;
        on_tasks(warmup, |i| {
            let (mut kv, k) = (client.kv_client(), wk(i));
            async move {
                kv.delete(k, None).await.unwrap();
            }
        })
        .await;
        eprintln!("warm-up done");
    }
    let key = move |i: usize| format!("raw{run}/partitions/p{i}");
    if want("W1") || want("W2") || want("W3") || want("W9") {
        mark();
        let (secs, mut lat) = on_tasks(n, |i| {
            let mut kv = client.kv_client();
            let k = key(i);
            async move {
                kv.put(k, state_json(i), None).await.unwrap();
            }
        })
        .await;
        report(t, "W1", None, "put, pipelined", n, secs, &mut lat, "");
    }
    // One get of key i (W2 pipelines them, W9 awaits each).
    let get = |i: usize| {
        let mut kv = client.kv_client();
        let k = key(i);
        async move {
            kv.get(k, None).await.unwrap();
        }
    };
    if want("W2") {
        mark();
        let (secs, mut lat) = on_tasks(n, get).await;
        report(t, "W2", None, "get, pipelined", n, secs, &mut lat, "");
    }
    if want("W9") {
        let k = s.one_at_a_time.min(n);
        mark();
        let (secs, mut lat) = one_at_a_time(k, get).await;
        report(t, "W9", None, "get one at a time (await each)", k, secs, &mut lat, "");
    }
    if want("W3") {
        mark();
        let (secs, mut lat) = on_tasks(n, |i| {
            let mut kv = client.kv_client();
            let k = key(i);
            async move {
                let txn = Txn::new()
                    .when(vec![Compare::version(k.clone(), CompareOp::Equal, 1)])
                    .and_then(vec![TxnOp::put(k, state_json(i + 1), None::<PutOptions>)]);
                assert!(kv.txn(txn).await.unwrap().succeeded());
            }
        })
        .await;
        report(t, "W3", None, "txn compare version + put, pipelined", n, secs, &mut lat, "");
    }
    if want("W4") {
        let prefix = format!("raw{run}/kids/");
        on_tasks(s.children, |i| {
            let mut kv = client.kv_client();
            let k = format!("{prefix}c{i}");
            async move {
                kv.put(k, Vec::new(), None).await.unwrap();
            }
        })
        .await;
        let mut kv = client.kv_client();
        let rounds = 20;
        let mut lat = Vec::new();
        mark();
        let start = Instant::now();
        for _ in 0..rounds {
            let t0 = Instant::now();
            let r = kv.get(prefix.clone(), Some(GetOptions::new().with_prefix().with_keys_only())).await.unwrap();
            assert_eq!(r.kvs().len(), s.children);
            lat.push(t0.elapsed().as_secs_f64() * 1000.0);
        }
        report(
            t,
            "W4",
            None,
            &format!("range of {} keys (keys only)", s.children),
            rounds,
            start.elapsed().as_secs_f64(),
            &mut lat,
            "",
        );
    }
    if want("W6") || want("W5") {
        let mut kv = client.kv_client();
        let k = format!("raw{run}/w6");
        let mut lat = Vec::new();
        let mut stream = client.watch_client().watch(k.clone(), None::<WatchOptions>).await.unwrap();
        stream.message().await.unwrap(); // created
        mark();
        let start = Instant::now();
        for i in 0..s.watch_samples {
            let t0 = Instant::now();
            kv.put(k.clone(), format!("{i}"), None).await.unwrap();
            loop {
                let m = stream.message().await.unwrap().unwrap();
                if !m.events().is_empty() {
                    break;
                }
            }
            lat.push(t0.elapsed().as_secs_f64() * 1000.0);
        }
        report(t, "W6", None, "put -> watch event", s.watch_samples, start.elapsed().as_secs_f64(), &mut lat, "");
    }
    let mut kv = client.kv_client();
    kv.delete(format!("raw{run}/"), Some(etcd_client::DeleteOptions::new().with_prefix())).await.ok();
}
