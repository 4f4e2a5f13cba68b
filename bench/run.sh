#!/usr/bin/env bash
# Side-by-side benchmark: the Rust engine, raw etcd, Apache ZooKeeper 3.8 and
# zetcd, all running workloads W1-W7 (examples/bench.rs for the first two,
# bench/zookeeper's ZkBench through the ZooKeeper Java client for the others).
#
#   bench/run.sh [--quick] [--only W1,W2] [--targets engine,raw-etcd,zookeeper,zetcd] [--out DIR]
#
# Every target gets fresh servers: a single-member etcd (the vendored etcd
# binary of the etcd-bin-vendored crate, default fsync) for engine, raw-etcd
# and zetcd; a standalone ZooKeeper (scripts/lib/zk-server.sh) for zookeeper.
# Everything listens on 127.0.0.1 and is stopped on exit. Results: DIR/results.jsonl
# (default bench/results/<time>/), the table: python3 bench/table.py DIR/results.jsonl
# Env: ZKBENCH_ARGS  extra ZkBench arguments, e.g. "--warmup 20000 --expiry-samples 20"
#      ETCD_BIN      etcd binary (default: the etcd-bin-vendored crate's)
#      KEEP_DATA=1   keep the servers' data dirs under DIR

set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
. "$ROOT/scripts/lib/common.sh"
. "$ROOT/scripts/lib/zk-server.sh"
. "$ROOT/scripts/lib/zetcd.sh"

quick=() only=() targets="engine,raw-etcd,zookeeper,zetcd" out=""
while (( $# )); do
  case "$1" in
    --quick) quick=(--quick) ;;
    --only) only=(--only "$2"); shift ;;
    --targets) targets="$2"; shift ;;
    --out) out="$2"; shift ;;
    *) ke_die "unknown argument $1" ;;
  esac
  shift
done
out="${out:-$HERE/results/$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
results="$out/results.jsonl"
ke_install_cleanup_trap
# Server data dirs (etcd preallocates 64 MB WAL segments) go once their server
# stopped; logs stay. KEEP_DATA=1 keeps them.
_bench_rm_data() { [[ -n "${KEEP_DATA:-}" ]] || rm -rf "$out"/*/data; }
KE_FINAL_HOOKS+=(_bench_rm_data)

ETCD_BIN="${ETCD_BIN:-$(find "$HOME/.cargo/registry/src" -path '*etcd-bin-vendored-linux-amd64*' -type f -name etcd 2>/dev/null | sort | tail -1)}"
[[ -x "$ETCD_BIN" ]] || ke_die "no etcd binary (set ETCD_BIN or build the crate once: cargo build)"

# bench_etcd_start NAME: fresh single-member etcd; sets ETCD_EP=127.0.0.1:PORT
bench_etcd_start() {
  local name="$1" d="$out/$1" cp pp
  rm -rf "$d"; mkdir -p "$d"
  cp="$(ke_free_port)"; pp="$(ke_free_port)"
  ke_spawn "$name" "$d/etcd.log" "$ETCD_BIN" --name "$name" --data-dir "$d/data" \
    --listen-client-urls "http://127.0.0.1:$cp" --advertise-client-urls "http://127.0.0.1:$cp" \
    --listen-peer-urls "http://127.0.0.1:$pp" --initial-advertise-peer-urls "http://127.0.0.1:$pp" \
    --initial-cluster "$name=http://127.0.0.1:$pp" --log-level warn
  ke_wait_until 30 "etcd $name healthy" curl -sf "http://127.0.0.1:$cp/health" || return 1
  ETCD_EP="127.0.0.1:$cp"
}

RUST_BENCH="$ROOT/target/release/examples/bench"
rust_bench_ensure() {
  if [[ ! -x "$RUST_BENCH" ]]; then
    (cd "$ROOT" && cargo build --release --example bench >&2)
  fi
}

zkbench() { # zkbench TARGET CONNECT
  java -Xmx2g -cp "$ZK_BENCH_CLASSPATH" io.kafkaetcd.bench.ZkBench --target "$1" --connect "$2" \
    "${quick[@]}" "${only[@]}" ${ZKBENCH_ARGS:-}
}

IFS=, read -r -a tlist <<<"$targets"
for t in "${tlist[@]}"; do
  ke_log "=== $t"
  case "$t" in
    engine|raw-etcd)
      rust_bench_ensure
      bench_etcd_start "etcd-$t"
      "$RUST_BENCH" --target "$t" --endpoints "$ETCD_EP" "${quick[@]}" "${only[@]}" | tee -a "$results"
      ke_stop "etcd-$t" ;;
    zookeeper)
      zk_bench_ensure
      zk_server_start "$out"
      zkbench zookeeper "$ZK_SERVER_CONNECT" | tee -a "$results"
      zk_server_stop ;;
    zetcd)
      zk_bench_ensure
      bench_etcd_start "etcd-zetcd"
      zetcd_start "$ETCD_EP" "$out"
      zkbench zetcd "$ZETCD_CONNECT" | tee -a "$results"
      zetcd_stop
      ke_stop etcd-zetcd ;;
    *) ke_die "unknown target $t" ;;
  esac
done
echo
python3 "$HERE/table.py" "$results" | tee "$out/table.md"
