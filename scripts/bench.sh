#!/usr/bin/env bash
# The side-by-side benchmark of issue 5, in one invocation on this machine:
# workloads W1-W7 against
#   engine     the Rust engine talking to etcd (the floor the bridge adds to)
#   raw-etcd   plain etcd keys (what etcd itself does)
#   bridge     the Java API io.kafkaetcd.KafkaEtcdClient through JNI
#   zookeeper  Apache ZooKeeper 3.8.4 (Maven Central jars, defaults) via its Java client's async API
#   zetcd      zetcd v0.0.5 built from the Go module proxy (skipped, and said so, if it does not build)
# each on freshly started single-member servers with default durability
# (bench/run.sh), then W8 (Kafka controller failover) through
# scripts/bench-w8.sh when that exists, then the report.
#
#   scripts/bench.sh [--quick] [--only W1,W2] [--targets engine,bridge,...] [--w8|--no-w8]
#                    [--warmup N] [--out DIR] [--report FILE]
#
#   --quick    small sizes (a smoke run of a few minutes); the report goes to
#              DIR/benchmarks.md only, never to docs/benchmarks.md
#   --w8       run W8 (default in full mode); --no-w8 skips it
#   --warmup   before W1, every target runs an unreported create/getData/setData/
#              exists/delete of N znodes, so the JVMs (clients and ZooKeeper) are past
#              their JIT warm-up as in a long-running broker (default 100000, quick 0;
#              20000 left the bridge's W2 10-20% short of the engine, still compiling)
#   --out      results dir (default bench/results/<time>)
#   --report   where the report goes (full default: docs/benchmarks.md)
#
# A full run takes 35-45 minutes on 2 cores (zetcd alone ~17). The report's
# hand-written notes come from bench/notes.md. Exit status: non-zero if a
# target other than zetcd failed, or W8 failed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/lib/common.sh"
. "$ROOT/scripts/lib/etcd-cluster.sh"

cmdline="scripts/bench.sh${*:+ $*}"
quick="" only="" targets="" out="" report="" w8="" warmup=""
while (( $# )); do
  case "$1" in
    --quick) quick=1 ;;
    --only) only="$2"; shift ;;
    --targets) targets="$2"; shift ;;
    --out) out="$2"; shift ;;
    --report) report="$2"; shift ;;
    --w8) w8=1 ;;
    --no-w8) w8=0 ;;
    --warmup) warmup="$2"; shift ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) ke_die "unknown argument $1 (see --help)" ;;
  esac
  shift
done
[[ -n "$w8" ]] || w8=$([[ -n "$quick" ]] && echo 0 || echo 1)
[[ -n "$warmup" ]] || warmup=$([[ -n "$quick" ]] && echo 0 || echo 100000)
export BENCH_WARMUP="$warmup"
out="${out:-$ROOT/bench/results/$(date +%Y%m%d-%H%M%S)${quick:+-quick}}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
if [[ -z "$report" ]]; then
  report=$([[ -n "$quick" ]] && echo "$out/benchmarks.md" || echo "$ROOT/docs/benchmarks.md")
fi
: >"$out/results.jsonl"; : >"$out/targets.jsonl"

etcd_find_bin || ke_die "no etcd binary (see scripts/lib/etcd-cluster.sh)"

# One benchmark at a time (bench/run.sh explains); held for W8 too.
mkdir -p "$ROOT/bench/.tools"
exec 8>>"$ROOT/bench/.tools/run.lock"
if ! flock -n 8; then
  ke_log "another benchmark run holds bench/.tools/run.lock (pid $(cat "$ROOT/bench/.tools/run.pid" 2>/dev/null || echo ?)): waiting"
  if [[ -n "$quick" ]]; then
    flock -w "${BENCH_LOCK_WAIT:-600}" 8 || ke_warn "still running after ${BENCH_LOCK_WAIT:-600}s: going ahead (figures disturbed)"
  else
    flock 8
  fi
fi
echo $$ >"$ROOT/bench/.tools/run.pid"
export BENCH_LOCK_HELD=1

load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
date_s="$(date -u '+%Y-%m-%d %H:%M UTC')"
ke_log "benchmark ($([[ -n "$quick" ]] && echo quick || echo full)) -> $out; report -> $report"

run_args=(--out "$out")
[[ -n "$quick" ]] && run_args+=(--quick)
[[ -n "$only" ]] && run_args+=(--only "$only")
[[ -n "$targets" ]] && run_args+=(--targets "$targets")
rc=0
"$ROOT/bench/run.sh" "${run_args[@]}" || rc=$?

# W8: Kafka 3.9, 3 brokers, 2,000 partitions RF 3, kill the controller, time
# until every partition has a live leader; once on ZooKeeper, once on etcd
# through our jar. Contract: scripts/bench-w8.sh --out DIR [--quick] prints
# JSON lines like the drivers' with "workload":"W8","case":"failover",
# "target":"zookeeper"|"bridge", "ops" = partitions, "secs" = the time.
w8_note="not run: \`scripts/bench-w8.sh\` does not exist yet (the Kafka adapter is in progress)."
if [[ "$w8" == 1 && ( -z "$only" || ",$only," == *",W8,"* ) ]]; then
  if [[ -x "$ROOT/scripts/bench-w8.sh" ]]; then
    ke_log "=== W8 (scripts/bench-w8.sh)"
    mkdir -p "$out/w8"
    w8_t0="$(date +%s)"
    w8_lb="$(cut -d' ' -f1-3 /proc/loadavg)"
    w8_rc=0
    "$ROOT/scripts/bench-w8.sh" --out "$out/w8" ${quick:+--quick} 2>>"$out/w8/driver.log" | tee -a "$out/results.jsonl" || w8_rc=$?
    st=$([[ $w8_rc == 0 ]] && echo ok || echo failed)
    python3 -c 'import json,sys; print(json.dumps({"target":"W8","status":sys.argv[1],"why":sys.argv[2],"load_before":sys.argv[3],"load_after":sys.argv[4],"wall_s":int(sys.argv[5])}))' \
      "$st" "$([[ $w8_rc == 0 ]] || echo "exit status $w8_rc (see $out/w8/driver.log)")" "$w8_lb" \
      "$(cut -d' ' -f1-3 /proc/loadavg)" "$(( $(date +%s) - w8_t0 ))" >>"$out/targets.jsonl"
    (( w8_rc == 0 )) || { ke_warn "W8 failed (exit $w8_rc)"; rc=1; }
    w8_note="scripts/bench-w8.sh ran but printed no W8 result (see $out/w8/driver.log)."
  fi
elif [[ "$w8" == 0 ]]; then
  w8_note="not run (--no-w8${quick:+, the default with --quick})."
fi

# Machine, versions, command: meta.json for the report.
zk_jar="$(ls "$ROOT"/bench/zookeeper/target/libs/zookeeper-3*.jar 2>/dev/null | head -1)"
kafka_jar="$(ls "$ROOT"/kafka/runtime/target/libs/kafka_2.13-*.jar 2>/dev/null | head -1)"
zetcd_v="$(awk '$1=="github.com/coreos/zetcd"{print $2}' "$ROOT/bench/zetcd/go.mod" 2>/dev/null)"
M_DATE="$date_s" M_CMD="$cmdline" M_QUICK="$quick" M_LOAD_START="$load_start" \
M_LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)" M_NPROC="$(nproc)" \
M_CPU="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" \
M_MEM="$(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)" M_KERNEL="$(uname -sr)" \
V_ETCD="$("$ETCD_BIN" --version 2>/dev/null | sed -n 's/^etcd Version: //p') (etcd-bin-vendored crate)" \
V_ZK="$(basename "${zk_jar:-zookeeper-?.jar}" .jar | sed 's/^zookeeper-//') (server and Java client, Maven Central jars)" \
V_KAFKA="$([[ -n "$kafka_jar" && "$w8" == 1 ]] && basename "$kafka_jar" .jar | sed 's/^kafka_2.13-//' || echo 'not used (W8 not run)')" \
V_RUST="$(rustc --version 2>/dev/null)" V_JAVA="$(java -version 2>&1 | head -1)" \
V_GO="$(go version 2>/dev/null || echo 'not installed')" \
V_ZETCD="${zetcd_v:-?} (github.com/coreos/zetcd, pinned in bench/zetcd/go.mod)" M_W8="$w8_note" M_WARMUP="$warmup" \
python3 - "$out/meta.json" <<'EOF'
import json, os, sys
e = os.environ
meta = {
    "date": e["M_DATE"], "command": e["M_CMD"], "quick": bool(e["M_QUICK"]),
    "load_start": e["M_LOAD_START"], "load_end": e["M_LOAD_END"],
    "machine": {"nproc": e["M_NPROC"], "cpu": e["M_CPU"], "mem": e["M_MEM"], "kernel": e["M_KERNEL"]},
    "versions": {"etcd": e["V_ETCD"], "ZooKeeper": e["V_ZK"], "Kafka": e["V_KAFKA"], "Rust": e["V_RUST"],
                 "Java": e["V_JAVA"], "Go": e["V_GO"], "zetcd": e["V_ZETCD"]},
    "w8": e["M_W8"], "warmup": int(e["M_WARMUP"]),
}
json.dump(meta, open(sys.argv[1], "w"), indent=1)
EOF
mkdir -p "$(dirname "$report")"
python3 "$ROOT/bench/report.py" "$out" --notes "$ROOT/bench/notes.md" >"$report.tmp"
mv "$report.tmp" "$report"
ke_log "report: $report (results: $out)"
exit "$rc"
