//! etcd's own cost for the txn shapes the engine sends, without the engine:
//! 100,000 ops as nested txns, BATCH per etcd txn, 8 txns in flight (the
//! write batcher's shape), with the key sizes and values of bench.rs's
//! partition states. Prints ops/s and etcd's CPU per op (from /proc). Run
//! it through `bench/floor.sh`, which gives each shape a fresh etcd.
//!
//! cargo run --release --example etcd_floor -- ENDPOINT ETCD_PID SHAPE BATCH
//!
//! Shapes (what each nested txn holds):
//! - `create1`: node absent -> put node (one key per create, the floor)
//! - `create2`: node absent -> put node and attribute key
//! - `create3`: node absent, parent exists -> node, attributes, a parent's
//!   counter shard (the engine's create less one compare)
//! - `create3x`: `create3` plus "parent not ephemeral" (the engine's create)
//! - `set1`: version -> put (raw etcd's compare-and-put)
//! - `set2`: version, no offset key -> put with ignore_lease
//! - `set3`: `set2` plus a read of the attribute range (setData before
//!   engine/known.rs)
//! - `set4`: `set3` with the put naming the lease (no ignore_lease)
//! - `seen`: node's mod revision -> put, read the attribute range (setData
//!   from a seen state)
//! - `get2`: node and attribute range (a read of a node without children)
//! - `get3`: `get2` plus the count-only range of its children

use std::sync::Arc;

use etcd_client::{Client, Compare, CompareOp, GetOptions, PutOptions, Txn, TxnOp};
use tokio::sync::Semaphore;

type MakeOp = Arc<dyn Fn(usize, usize) -> TxnOp + Send + Sync>;

const N: usize = 100_000;
const ACL: &str = "12345678\x01\x04world\x06anyone\x1f";

fn cpu_ticks(pid: &str) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("etcd's /proc stat");
    let f: Vec<&str> = s.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    f[11].parse::<u64>().unwrap_or(0) + f[12].parse::<u64>().unwrap_or(0)
}

async fn run(client: &Client, batch: usize, make: MakeOp) {
    let slots = Arc::new(Semaphore::new(8));
    let mut txns = Vec::new();
    for b in 0..N / batch {
        let slot = slots.clone().acquire_owned().await.expect("semaphore");
        let (mut kv, make) = (client.kv_client(), make.clone());
        txns.push(tokio::spawn(async move {
            let ops: Vec<TxnOp> = (0..batch).map(|j| make(b * batch + j, j)).collect();
            kv.txn(Txn::new().and_then(ops)).await.expect("txn");
            drop(slot);
        }));
    }
    for t in txns {
        t.await.expect("txn task");
    }
}

#[tokio::main]
async fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() != 5 {
        eprintln!("usage: etcd_floor ENDPOINT ETCD_PID SHAPE BATCH");
        std::process::exit(2);
    }
    let (pid, shape) = (a[2].clone(), a[3].clone());
    let batch: usize = a[4].parse().expect("BATCH");
    let client = Client::connect([a[1].as_str()], None).await.expect("connect");
    let r = std::process::id();
    let node = move |i: usize| format!("zk/n003/r{r}/partitions/p{i}");
    let attrs = move |i: usize| format!("zk/a/r{r}/partitions/p{i}");
    let parent = move || format!("zk/n002/r{r}/partitions");
    let val = |i: usize| {
        format!(
            "x{{\"controller_epoch\":1,\"leader\":1,\"version\":1,\"leader_epoch\":0,\"isr\":[1,2,3],\"p\":{i:06}}}"
        )
    };
    let attr_range = move |i: usize| Some(GetOptions::new().with_range(format!("{}\x01", attrs(i))));
    let offset_absent = move |i: usize| Compare::create_revision(format!("{}\0v", attrs(i)), CompareOp::Equal, 0);
    // The parent node key (creates compare it), untimed.
    client.kv_client().put(parent(), "", None).await.expect("put the parent");
    if !shape.starts_with("create") {
        // The nodes to set or read, untimed.
        let setup: MakeOp = Arc::new(move |i, _| {
            TxnOp::txn(Txn::new().and_then(vec![TxnOp::put(node(i), val(i), None), TxnOp::put(attrs(i), ACL, None)]))
        });
        run(&client, 120, setup).await;
    }
    let make: MakeOp = match shape.as_str() {
        "create1" | "create2" | "create3" | "create3x" => {
            let keys: usize = shape[6..7].parse().expect("key count");
            let not_ephemeral = shape.ends_with('x');
            Arc::new(move |i, j| {
                let mut puts = vec![TxnOp::put(node(i), val(i), None)];
                let mut cmps = vec![Compare::create_revision(node(i), CompareOp::Equal, 0)];
                if keys >= 2 {
                    puts.push(TxnOp::put(attrs(i), ACL, None));
                }
                if keys >= 3 {
                    puts.push(TxnOp::put(format!("zk/a/r{r}/partitions\0c{}", j + 1), "", None));
                    cmps.push(Compare::create_revision(parent(), CompareOp::Greater, 0));
                }
                if not_ephemeral {
                    cmps.push(Compare::lease(parent(), CompareOp::Equal, 0));
                }
                TxnOp::txn(Txn::new().when(cmps).and_then(puts))
            })
        }
        "set1" | "set2" | "set3" | "set4" => {
            let (offset, ignore_lease, read) = match shape.as_str() {
                "set1" => (false, false, false),
                "set2" => (true, true, false),
                "set3" => (true, true, true),
                _ => (true, false, true),
            };
            Arc::new(move |i, _| {
                let mut cmps = vec![Compare::version(node(i), CompareOp::Equal, 1)];
                if offset {
                    cmps.push(offset_absent(i));
                }
                let opts = if ignore_lease { Some(PutOptions::new().with_ignore_lease()) } else { None };
                let mut ops = vec![TxnOp::put(node(i), val(i + 1), opts)];
                if read {
                    ops.push(TxnOp::get(attrs(i), attr_range(i)));
                }
                TxnOp::txn(Txn::new().when(cmps).and_then(ops))
            })
        }
        "seen" => Arc::new(move |i, _| {
            // Every node was put at a revision > 0: "< the current revision
            // + a margin" stands in for "= the revision seen" at equal cost.
            TxnOp::txn(
                Txn::new()
                    .when(vec![Compare::mod_revision(node(i), CompareOp::Less, i64::MAX)])
                    .and_then(vec![TxnOp::put(node(i), val(i + 1), None), TxnOp::get(attrs(i), attr_range(i))]),
            )
        }),
        "get2" | "get3" => {
            let count = shape == "get3";
            Arc::new(move |i, _| {
                let mut ops = vec![TxnOp::get(node(i), None), TxnOp::get(attrs(i), attr_range(i))];
                if count {
                    let kids = GetOptions::new().with_prefix().with_count_only();
                    ops.push(TxnOp::get(format!("zk/n004/r{r}/partitions/p{i}/"), Some(kids)));
                }
                TxnOp::txn(Txn::new().and_then(ops))
            })
        }
        other => {
            eprintln!("unknown shape {other}");
            std::process::exit(2);
        }
    };
    let c0 = cpu_ticks(&pid);
    let t = std::time::Instant::now();
    run(&client, batch, make).await;
    let secs = t.elapsed().as_secs_f64();
    let ticks = cpu_ticks(&pid) - c0;
    println!("{shape} x{batch}: {:.0} ops/s, etcd {} us/op", N as f64 / secs, ticks * 10_000 / N as u64);
}
