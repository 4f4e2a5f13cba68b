//! Replays the op sequences of tests/data/zookeeper-reference.json against
//! real etcd and compares every answer with the one a real ZooKeeper 3.8
//! gave (the file is written by scripts/zk-reference.sh; see
//! tests/data/README.md): codes, paths, data, children, the comparable Stat
//! fields, zxids by rank, per-op multi results and the watch events each
//! session got.
//!
//! One known difference is left out: the pzxid of a parent whose ephemeral
//! children were removed by lease expiry (docs/zookeeper-differences.md).
//! The events a session close or expiry causes are compared as a set: both
//! ZooKeeper and etcd remove a session's ephemerals in an order of their
//! own (a hash set's, sorted keys).

mod common;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Duration;

use common::{shared_single, unique_chroot, zk};
use kafka_etcd::{
    multi_code, Acl, ClientOptions, CreateMode, MultiOp, OpResult, Stat, WatchedEvent, ZkClient, ZkError,
};
use serde_json::{json, Value};
use tokio::sync::mpsc::UnboundedReceiver;

const DATA: &str = include_str!("data/zookeeper-reference.json");
const DEADLINE: Duration = Duration::from_secs(30);

fn scenarios() -> Vec<Value> {
    let doc: Value = serde_json::from_str(DATA).expect("tests/data/zookeeper-reference.json is JSON");
    doc["scenarios"].as_array().expect("scenarios").clone()
}

macro_rules! scenario_tests {
    ($($test:ident => $name:literal),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                play($name).await;
            }
        )*

        #[test]
        fn every_scenario_has_a_test() {
            let tested: BTreeSet<&str> = [$($name),*].into_iter().collect();
            let recorded: BTreeSet<String> = scenarios().iter().map(|s| s["name"].as_str().unwrap().to_string()).collect();
            assert_eq!(recorded.iter().map(String::as_str).collect::<BTreeSet<_>>(), tested);
        }
    };
}

scenario_tests! {
    sequential_after_delete => "sequential-after-delete",
    sequential_after_close => "sequential-after-close",
    sequential_after_expiry => "sequential-after-expiry",
    multi_delete_then_create => "multi-delete-then-create",
    multi_create_then_delete => "multi-create-then-delete",
    multi_touches_paths_several_times => "multi-touches-paths-several-times",
    multi_failures => "multi-failures",
}

struct Session {
    client: ZkClient,
    events: UnboundedReceiver<WatchedEvent>,
}

struct Player {
    endpoints: String,
    chroot: String,
    sessions: HashMap<String, Session>,
    owners: HashMap<i64, String>,
    driver: ZkClient,
    barriers: usize,
}

fn text(v: &Value) -> Option<Vec<u8>> {
    v.as_str().map(|s| s.as_bytes().to_vec())
}

fn int(v: &Value) -> i32 {
    v.as_i64().expect("a number") as i32
}

fn mode(v: &Value) -> CreateMode {
    match v.as_str().unwrap() {
        "PERSISTENT" => CreateMode::Persistent,
        "EPHEMERAL" => CreateMode::Ephemeral,
        "PERSISTENT_SEQUENTIAL" => CreateMode::PersistentSequential,
        "EPHEMERAL_SEQUENTIAL" => CreateMode::EphemeralSequential,
        m => panic!("mode {m}"),
    }
}

fn failed(e: ZkError) -> Value {
    json!({ "code": e.code.name() })
}

impl Player {
    async fn new(name: &str) -> Player {
        let endpoints = shared_single().connect_string();
        let chroot = unique_chroot(name);
        let root = ZkClient::connect(&endpoints, zk::opts()).await.unwrap();
        root.create(&chroot, None, Acl::open_unsafe(), CreateMode::Persistent).await.unwrap();
        root.close().await;
        let driver = ZkClient::connect(&format!("{endpoints}{chroot}"), zk::opts()).await.unwrap();
        driver.create("/__barrier", None, Acl::open_unsafe(), CreateMode::Persistent).await.unwrap();
        Player { endpoints, chroot, sessions: HashMap::new(), owners: HashMap::new(), driver, barriers: 0 }
    }

    async fn session(&mut self, name: &str, timeout_ms: Option<i64>) -> &mut Session {
        if !self.sessions.contains_key(name) {
            let timeout = Duration::from_millis(timeout_ms.unwrap_or(10_000) as u64);
            let (o, events) = ClientOptions { session_timeout: timeout, ..zk::opts() }.with_event_channel();
            let client = ZkClient::connect(&format!("{}{}", self.endpoints, self.chroot), o).await.unwrap();
            self.owners.insert(client.session_id(), name.to_string());
            self.sessions.insert(name.to_string(), Session { client, events });
        }
        self.sessions.get_mut(name).unwrap()
    }

    /// A Stat as the reference records it; zxids stay raw until ranked.
    fn stat(&self, st: &Stat) -> Value {
        let owner =
            (st.ephemeral_owner != 0).then(|| self.owners.get(&st.ephemeral_owner).cloned().unwrap_or("?".into()));
        json!({
            "version": st.version, "cversion": st.cversion, "aversion": st.aversion,
            "numChildren": st.num_children, "dataLength": st.data_length, "owner": owner,
            "czxid": st.czxid, "mzxid": st.mzxid, "pzxid": st.pzxid,
        })
    }

    async fn run(&mut self, step: &Value, expected: &Value) -> Value {
        let name = step["session"].as_str().unwrap();
        let op = step["op"].as_str().unwrap();
        let p = step["path"].as_str().unwrap_or("");
        let watch = step["watch"].as_bool().unwrap_or(false);
        if op == "expire" {
            return self.expire(name, expected).await; // holds no handle of its own
        }
        let c = self.session(name, step["sessionTimeoutMs"].as_i64()).await.client.clone();
        match op {
            "open" => json!({ "code": "OK" }),
            "create" => {
                match c.create(p, text(&step["data"]).as_deref(), Acl::open_unsafe(), mode(&step["mode"])).await {
                    Ok((path, st)) => json!({ "code": "OK", "path": path, "stat": self.stat(&st) }),
                    Err(e) => failed(e),
                }
            }
            "delete" => match c.delete(p, int(&step["version"])).await {
                Ok(()) => json!({ "code": "OK" }),
                Err(e) => failed(e),
            },
            "setData" => match c.set_data(p, text(&step["data"]).as_deref(), int(&step["version"])).await {
                Ok(st) => json!({ "code": "OK", "stat": self.stat(&st) }),
                Err(e) => failed(e),
            },
            "exists" => match c.exists(p, watch).await {
                Ok(st) => json!({ "code": "OK", "stat": st.map(|s| self.stat(&s)) }),
                Err(e) => failed(e),
            },
            "getData" => match c.get_data(p, watch).await {
                Ok((data, st)) => {
                    let data = data.map(|d| String::from_utf8(d).unwrap());
                    json!({ "code": "OK", "data": data, "stat": self.stat(&st) })
                }
                Err(e) => failed(e),
            },
            "getChildren" => match c.get_children(p, watch).await {
                Ok((mut kids, st)) => {
                    kids.sort();
                    json!({ "code": "OK", "children": kids, "stat": self.stat(&st) })
                }
                Err(e) => failed(e),
            },
            "multi" => self.multi(&c, step).await,
            "close" => {
                c.close().await;
                json!({ "code": "OK" })
            }
            "events" => {
                let events = self.events(name).await;
                json!({ "code": "OK", "events": events })
            }
            _ => panic!("unknown op {op}"),
        }
    }

    async fn multi(&self, c: &ZkClient, step: &Value) -> Value {
        let ops: Vec<MultiOp> = step["ops"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                let path = o["path"].as_str().unwrap().to_string();
                match o["op"].as_str().unwrap() {
                    "create" => MultiOp::Create {
                        path,
                        data: text(&o["data"]),
                        acl: Acl::open_unsafe(),
                        mode: mode(&o["mode"]),
                    },
                    "delete" => MultiOp::Delete { path, version: int(&o["version"]) },
                    "setData" => MultiOp::SetData { path, data: text(&o["data"]), version: int(&o["version"]) },
                    "check" => MultiOp::Check { path, version: int(&o["version"]) },
                    other => panic!("multi op {other}"),
                }
            })
            .collect();
        let results = match c.multi(ops).await {
            Ok(r) => r,
            Err(e) => return failed(e),
        };
        let out: Vec<Value> = results
            .iter()
            .map(|r| match r {
                // ZooKeeper's Op.create answers a path, no Stat.
                OpResult::Create { path, .. } => json!({ "type": "create", "path": path }),
                OpResult::Delete => json!({ "type": "delete" }),
                OpResult::SetData { stat } => json!({ "type": "setData", "stat": self.stat(stat) }),
                OpResult::Check => json!({ "type": "check" }),
                OpResult::Error(code) => json!({ "type": "error", "code": code.name() }),
            })
            .collect();
        json!({ "code": multi_code(&results).name(), "results": out })
    }

    /// The process holding the session dies: its handles go away without
    /// close(), keep-alives stop, etcd expires the lease. Which ephemerals
    /// the session held is read from the tree, not from the reference.
    async fn expire(&mut self, name: &str, expected: &Value) -> Value {
        let s = self.sessions.remove(name).expect("expire an open session");
        let mine = self.ephemerals_of(s.client.session_id()).await;
        drop(s);
        let until = tokio::time::Instant::now() + DEADLINE;
        for p in &mine {
            while self.driver.exists(p, false).await.unwrap().is_some() {
                assert!(tokio::time::Instant::now() < until, "session {name} did not expire: {p} is still there");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        assert!(expected["ephemerals"].is_array(), "reference lists the expired ephemerals");
        json!({ "code": "OK", "ephemerals": mine })
    }

    /// Every node under the chroot whose ephemeral owner is `session`, sorted.
    async fn ephemerals_of(&self, session: i64) -> Vec<String> {
        let mut mine = Vec::new();
        let mut todo = vec!["/".to_string()];
        while let Some(p) = todo.pop() {
            let (kids, _) = self.driver.get_children(&p, false).await.unwrap();
            for k in kids {
                let child = if p == "/" { format!("/{k}") } else { format!("{p}/{k}") };
                let st =
                    self.driver.exists(&child, false).await.unwrap().expect("nothing else changes the tree meanwhile");
                if st.ephemeral_owner == session {
                    mine.push(child.clone());
                }
                todo.push(child);
            }
        }
        mine.sort();
        mine
    }

    /// The session's watch events up to a barrier: it watches a new node
    /// that the driver then creates; events arrive in revision order.
    async fn events(&mut self, name: &str) -> Vec<Value> {
        let barrier = format!("/__barrier/{}", self.barriers);
        self.barriers += 1;
        let s = self.sessions.get_mut(name).expect("events of an open session");
        assert!(s.client.exists(&barrier, true).await.unwrap().is_none());
        self.driver.create(&barrier, None, Acl::open_unsafe(), CreateMode::Persistent).await.unwrap();
        let mut out = Vec::new();
        loop {
            let e = tokio::time::timeout(DEADLINE, s.events.recv())
                .await
                .unwrap_or_else(|_| panic!("session {name} never saw {barrier}"))
                .expect("event channel open");
            match e.path {
                None => continue,
                Some(p) if p == barrier => return out,
                Some(p) => out.push(json!({ "type": format!("{:?}", e.event_type), "path": p })),
            }
        }
    }
}

/// Every Stat in a step's result, with the path it describes.
fn stats<'v>(step: &Value, result: &'v mut Value) -> Vec<(String, &'v mut Value)> {
    let p = step["path"].as_str().unwrap_or("").to_string();
    let mut out = Vec::new();
    match result {
        Value::Object(m) => {
            let created = m.get("path").and_then(Value::as_str).map(str::to_string);
            if m.contains_key("results") {
                let ops = step["ops"].as_array().unwrap();
                for (op, r) in ops.iter().zip(m["results"].as_array_mut().unwrap()) {
                    if let Some(st) = r.get_mut("stat").filter(|s| s.is_object()) {
                        out.push((op["path"].as_str().unwrap().to_string(), st));
                    }
                }
            } else if let Some(st) = m.get_mut("stat").filter(|s| s.is_object()) {
                out.push((created.unwrap_or(p), st));
            }
        }
        _ => panic!("result {result}"),
    }
    out
}

/// Replaces zxids by their rank among the distinct zxids left, after
/// leaving out the pzxids the known difference makes incomparable.
fn rank(steps: &[Value], results: &mut [Value], ignore_pzxid: &[HashSet<String>]) {
    let mut fields: Vec<&mut Value> = Vec::new();
    for ((step, result), ignore) in steps.iter().zip(results.iter_mut()).zip(ignore_pzxid) {
        for (p, st) in stats(step, result) {
            let m = st.as_object_mut().unwrap();
            if ignore.contains(&p) {
                m.insert("pzxid".into(), json!("ignored: pzxid after lease expiry"));
            }
            for (k, v) in m.iter_mut() {
                if k.ends_with("zxid") && v.is_number() {
                    fields.push(v);
                }
            }
        }
    }
    let distinct: BTreeSet<i64> = fields.iter().map(|v| v.as_i64().unwrap()).collect();
    let order: Vec<i64> = distinct.into_iter().collect();
    for v in fields {
        *v = json!(order.binary_search(&v.as_i64().unwrap()).unwrap());
    }
}

/// Whether a close or expiry ran between step `i` (an events report) and
/// the same session's previous report.
fn session_ended_since_last_report(steps: &[Value], i: usize) -> bool {
    steps[..i]
        .iter()
        .rev()
        .take_while(|s| !(s["op"] == "events" && s["session"] == steps[i]["session"]))
        .any(|s| s["op"] == "close" || s["op"] == "expire")
}

/// The parent of a node path.
fn parent(p: &str) -> &str {
    match p.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &p[..i],
    }
}

async fn play(name: &str) {
    let sc = scenarios().into_iter().find(|s| s["name"] == name).unwrap_or_else(|| panic!("no scenario {name}"));
    let steps = sc["steps"].as_array().unwrap();
    let mut player = Player::new(name).await;
    let mut got = Vec::with_capacity(steps.len());
    let mut ignore = Vec::with_capacity(steps.len());
    let mut expired_parents: HashSet<String> = HashSet::new();
    for step in steps {
        let r = player.run(step, &step["result"]).await;
        if step["op"] == "expire" {
            for p in r["ephemerals"].as_array().into_iter().flatten() {
                expired_parents.insert(parent(p.as_str().unwrap()).to_string());
            }
        }
        ignore.push(expired_parents.clone());
        got.push(r);
    }
    let mut want: Vec<Value> = steps.iter().map(|s| s["result"].clone()).collect();
    rank(steps, &mut got, &ignore);
    rank(steps, &mut want, &ignore);
    for i in 0..steps.len() {
        if steps[i]["op"] == "events" && session_ended_since_last_report(steps, i) {
            for r in [&mut want[i], &mut got[i]] {
                r["events"].as_array_mut().unwrap().sort_by_key(Value::to_string);
            }
        }
    }
    for (i, ((step, w), g)) in steps.iter().zip(&want).zip(&got).enumerate() {
        let mut shown = step.clone();
        shown.as_object_mut().unwrap().remove("result");
        assert_eq!(g, w, "scenario {name}, step {i}: {shown}\n  ZooKeeper: {w}\n  kafka-etcd: {g}");
    }
    for s in player.sessions.values() {
        s.client.close().await;
    }
    player.driver.close().await;
}
