#!/usr/bin/env bash
# Side-by-side benchmark: the Rust engine, raw etcd, the Java API over the JNI
# bridge, Apache ZooKeeper 3.8 and zetcd, all running workloads W1-W7
# (examples/bench.rs for the first two, bench/zookeeper's ZkBench for the
# others: KafkaEtcdClient for "bridge", the ZooKeeper Java client for
# "zookeeper" and "zetcd"). scripts/bench.sh runs this and writes the report.
#
#   bench/run.sh [--quick] [--only W1,W2] [--targets engine,raw-etcd,bridge,zookeeper,zetcd] [--out DIR]
#   (also --targets engine-tls: the engine over TLS with a client certificate, not in the default set)
#
# Every target gets fresh servers, started by the scripts' launchers (bench/lib.sh):
# a single-member etcd (scripts/lib/etcd-cluster.sh: the vendored etcd binary,
# default fsync, revision auto-compaction) for engine, raw-etcd, bridge and zetcd;
# a standalone ZooKeeper (scripts/lib/zookeeper-server.sh, bench profile:
# ZooKeeper's defaults, forceSync on) for zookeeper. Everything listens on
# 127.0.0.1 and is stopped on exit.
# Output in DIR (default bench/results/<time>/):
#   results.jsonl   one JSON line per result (the drivers' stdout)
#   targets.jsonl   one line per target: status (ok / failed / skipped), why,
#                   load average before and after, wall time
#   table.md        python3 bench/table.py DIR/results.jsonl
#   <target>/       server and driver logs
# A target that fails is recorded and the others still run; the exit status
# is non-zero if any target other than zetcd failed. zetcd (a 2018 proxy
# built from the Go module proxy) is "skipped" when it cannot be built and
# never fails the run.
# Env: BENCH_WARMUP   N: every driver first runs an unreported create/getData/
#                     setData/exists/delete of N znodes (JIT warm-up for the JVMs; the
#                     same work for all targets). Default 0; scripts/bench.sh sets 100000.
#      ZKBENCH_ARGS   extra ZkBench arguments
#      KAFKA_ETCD_ETCD_BIN  etcd binary (default: the etcd-bin-vendored crate's)
#      BENCH_TIMEOUT  seconds one target may take (default 3600, quick 300)
#      BENCH_LOCK_WAIT  seconds a --quick run waits for another run to end
#                     before it goes ahead anyway (default 600; full runs wait)
#      KEEP_DATA=1    keep the servers' data dirs under DIR

set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
. "$HERE/lib.sh"
. "$ROOT/scripts/lib/zetcd.sh"

quick=() only=() targets="engine,raw-etcd,bridge,zookeeper,zetcd" out=""
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
tstatus="$out/targets.jsonl"
: >>"$results"
timeout_s="${BENCH_TIMEOUT:-$([[ ${#quick[@]} -gt 0 ]] && echo 300 || echo 3600)}"
ke_install_cleanup_trap

# One benchmark at a time on this machine: two runs on 2 cores make both
# meaningless (scripts/test.sh runs a --quick one). A full run waits for the
# lock; a --quick run waits BENCH_LOCK_WAIT seconds, then goes ahead and says so.
mkdir -p "$HERE/.tools"
exec 8>>"$HERE/.tools/run.lock"
if [[ -n "${BENCH_LOCK_HELD:-}" ]]; then
  : # scripts/bench.sh holds it for the whole run (W8 included)
elif ! flock -n 8; then
  ke_log "another benchmark run holds $HERE/.tools/run.lock (pid $(cat "$HERE/.tools/run.pid" 2>/dev/null || echo ?)): waiting"
  if (( ${#quick[@]} )); then
    flock -w "${BENCH_LOCK_WAIT:-600}" 8 || ke_warn "still running after ${BENCH_LOCK_WAIT:-600}s: going ahead (figures disturbed)"
  else
    flock 8
  fi
fi
[[ -n "${BENCH_LOCK_HELD:-}" ]] || echo $$ >"$HERE/.tools/run.pid"

# Server data dirs (etcd preallocates 64 MB WAL segments) go once their server
# stopped; logs stay. KEEP_DATA=1 keeps them.
_bench_rm_data() { [[ -n "${KEEP_DATA:-}" ]] || rm -rf "$out"/*/data "$out"/*/*/data "$out"/*/etcd/*.data; }
KE_FINAL_HOOKS+=(_bench_rm_data)

etcd_find_bin || ke_die "no etcd binary (see scripts/lib/etcd-cluster.sh)"

RUST_BENCH="$ROOT/target/release/examples/bench"
rust_bench_ensure() {
  (cd "$ROOT" && cargo build --release --example bench >&2)
}

zkbench() { # zkbench TARGET CONNECT SERVER_PIDS
  run_driver java -Xmx2g -cp "$ZK_BENCH_CLASSPATH" io.kafkaetcd.bench.ZkBench --target "$1" --connect "$2" \
    --server-pids "$3" --warmup "${BENCH_WARMUP:-0}" "${quick[@]}" "${only[@]}" ${ZKBENCH_ARGS:-}
}

# run_driver CMD...: the driver under a time limit; JSON lines to results, the rest to the log.
run_driver() {
  timeout --kill-after=20 "$timeout_s" "$@" 2>>"$tdir/driver.log" | tee -a "$results"
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# run_target TARGET: starts its servers and runs its driver. Called as
# `run_target || rc=$?`, where errexit is off: every step returns on failure.
run_target() {
  local t="$1"
  case "$t" in
    engine|raw-etcd)
      rust_bench_ensure || return
      bench_etcd_start "$tdir" || return
      run_driver "$RUST_BENCH" --target "$t" --endpoints "$ETCD_EP" --warmup "${BENCH_WARMUP:-0}" \
        --server-pids "etcd=$(ke_pid etcd-1)" "${quick[@]}" "${only[@]}" ;;
    engine-tls)
      rust_bench_ensure || return
      etcd_tls_make_certs "$tdir/tls" kafka || return
      bench_etcd_start "$tdir" "$tdir/tls" || return
      run_driver "$RUST_BENCH" --target "$t" --endpoints "$ETCD_EP" --tls-dir "$tdir/tls" \
        --warmup "${BENCH_WARMUP:-0}" --server-pids "etcd=$(ke_pid etcd-1)" "${quick[@]}" "${only[@]}" ;;
    bridge)
      zk_bench_ensure || return
      bench_etcd_start "$tdir" || return
      zkbench bridge "$ETCD_EP" "etcd=$(ke_pid etcd-1)" ;;
    zookeeper)
      bench_zookeeper_start "$tdir" || return
      zkbench zookeeper "$ZK_CONNECT" "zookeeper=$(ke_pid zookeeper)" ;;
    zetcd)
      zetcd_ensure 2>>"$tdir/zetcd-build.log" || return 3
      zk_bench_ensure || return
      bench_etcd_start "$tdir" || return
      zetcd_start "$ETCD_EP" "$tdir" || return
      zkbench zetcd "$ZETCD_CONNECT" "zetcd=$(ke_pid zetcd),etcd=$(ke_pid etcd-1)" ;;
    *) ke_warn "unknown target $t"; return 1 ;;
  esac
}

stop_target_servers() {
  ke_stop zetcd 15
  zookeeper_stop
  etcd_cluster_stop
}

IFS=, read -r -a tlist <<<"$targets"
failed=0
for t in "${tlist[@]}"; do
  tdir="$out/$t"
  rm -rf "$tdir"; mkdir -p "$tdir"
  ke_log "=== $t (logs: $tdir)"
  load_before="$(loadavg)"
  t0="$(date +%s)"
  rc=0
  run_target "$t" || rc=$?
  stop_target_servers
  secs=$(( $(date +%s) - t0 ))
  status=ok why=""
  if (( rc == 3 )) && [[ "$t" == zetcd ]]; then
    status=skipped why="zetcd could not be built from the Go module proxy (see $tdir/zetcd-build.log)"
  elif (( rc != 0 )); then
    status=failed why="exit status $rc (see $tdir/driver.log)"
    [[ "$t" == zetcd ]] || failed=1
    ke_warn "$t failed: $why"
    tail -5 "$tdir/driver.log" >&2 || true
  fi
  python3 - "$t" "$status" "$why" "$load_before" "$(loadavg)" "$secs" >>"$tstatus" <<'EOF'
import json, sys
t, status, why, lb, la, secs = sys.argv[1:]
print(json.dumps({"target": t, "status": status, "why": why, "load_before": lb, "load_after": la, "wall_s": int(secs)}))
EOF
done
echo
python3 "$HERE/table.py" "$results" | tee "$out/table.md"
exit "$failed"
