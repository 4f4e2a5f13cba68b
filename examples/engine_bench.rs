//! The Rust side of the bridge benchmark (scripts/bench-bridge.sh): the
//! same getData loops as `io.kafkaetcd.bench.BridgeBench`, on the Rust API
//! alone, with a runtime shaped like the JNI one (2 worker threads).
//! Prints `RESULT <workload> <microseconds per call> <calls per second>`.
//!
//! cargo run --release --example engine_bench -- ENDPOINT [SEQUENTIAL_CALLS] [PIPELINED_CALLS]

use std::time::Instant;

use kafka_etcd::{Acl, ClientOptions, CreateMode, Request, ZkClient};

/// Requests submitted at once by the pipelined loop, then awaited in order.
const WINDOW: usize = 1000;
const NODE: &str = "/bridge-bench";

fn report(name: &str, calls: usize, started: Instant) {
    let secs = started.elapsed().as_secs_f64();
    println!("RESULT {name} {:.2} {:.0}", secs * 1e6 / calls as f64, calls as f64 / secs);
}

async fn sequential(c: &ZkClient, calls: usize) {
    for _ in 0..calls {
        c.get_data(NODE, false).await.expect("getData");
    }
}

async fn pipelined(c: &ZkClient, calls: usize) {
    let mut left = calls;
    while left > 0 {
        let n = left.min(WINDOW);
        let answers: Vec<_> = (0..n).map(|_| c.submit(Request::GetData { path: NODE.into(), watch: false })).collect();
        for a in answers {
            a.await.expect("getData");
        }
        left -= n;
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let endpoint = args.get(1).expect("usage: engine_bench ENDPOINT [SEQUENTIAL_CALLS] [PIPELINED_CALLS]");
    let seq_calls: usize = args.get(2).map_or(20_000, |s| s.parse().expect("a number"));
    let pipe_calls: usize = args.get(3).map_or(200_000, |s| s.parse().expect("a number"));
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(async {
        let c = ZkClient::connect(endpoint, ClientOptions::default()).await.expect("connect");
        if c.exists(NODE, false).await.expect("exists").is_none() {
            let _ = c.create(NODE, Some(&[7u8; 100]), Acl::open_unsafe(), CreateMode::Persistent).await;
        }
        // Warm-up: connections, batcher, caches.
        sequential(&c, seq_calls / 10).await;
        pipelined(&c, pipe_calls / 10).await;

        let t = Instant::now();
        sequential(&c, seq_calls).await;
        report("sequential", seq_calls, t);
        let t = Instant::now();
        pipelined(&c, pipe_calls).await;
        report("pipelined", pipe_calls, t);
        c.close().await;
    });
}
