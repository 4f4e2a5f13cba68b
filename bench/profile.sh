#!/usr/bin/env bash
# Where the time goes in one workload: CPU profiles of the server and of the
# client while it runs (the notes of docs/benchmarks.md come from these).
#
#   bench/profile.sh TARGET WORKLOAD [SECS] [--out DIR]
#     TARGET    engine | raw-etcd | bridge | zookeeper
#     WORKLOAD  W1 | W2 | W3 | W7 | W9 (the full-size ones; W2 lasts ~3 s, use SECS 2)
#     SECS      profile length (default 10), taken inside the workload
#
# etcd: its own pprof CPU profile (--enable-pprof; the vendored binary is
# stripped, so perf cannot name Go functions), printed by `go tool pprof -top`.
# ZooKeeper server and the Java drivers: a JFR recording (execution samples
# of Java code, top frames) and perf (native code: the JVM, libkafka_etcd.so,
# libc, kernel; JIT code shows as one "[JIT]" bucket). The Rust driver: perf
# (symbols kept in release builds). Output: DIR/*.txt (default
# bench/results/profile-TARGET-WORKLOAD).
# Env: PROFILE_WARMUP  the drivers' --warmup (default 100000, as scripts/bench.sh)
#      ZKBENCH_ARGS    extra ZkBench arguments (e.g. --max-in-flight 32)
#      PERF_CG         perf call graphs for the Rust driver (e.g. "--call-graph dwarf,16384")
#      PROFILE_JFR     0: no JFR recording of the Java driver (attaching JFR's "profile"
#                      settings makes HotSpot recompile hot code, which then fills the
#                      window: the bridge's W1 ran at half speed under it). perf still
#                      names JIT code: the JVM writes /tmp/perf-PID.map when it exits.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
. "$HERE/lib.sh"

target="${1:?usage: bench/profile.sh TARGET WORKLOAD [SECS] [--out DIR]}"
workload="${2:?workload}"
secs="${3:-10}"
out="$HERE/results/profile-$target-$workload"
[[ "${4:-}" == --out ]] && out="$5"
rm -rf "$out"; mkdir -p "$out"; out="$(cd "$out" && pwd)"
ke_install_cleanup_trap
_prof_rm_data() { rm -rf "$out"/etcd/*.data "$out/zookeeper/data"; }
KE_FINAL_HOOKS+=(_prof_rm_data)
command -v perf >/dev/null || ke_die "perf not found (apt-get install linux-perf)"

SO="$ROOT/target/release/libkafka_etcd.so"

# The driver's result line that comes right before WORKLOAD starts (none: W1).
case "$workload" in
  W1) before="" only=W1 ;;
  W2) before=W1 only=W2 ;;
  W3) before=W1 only=W3 ;;
  W7) before=W1 only=W1,W7 ;;
  W9) before=W1 only=W9 ;;
  *) ke_die "workload must be W1, W2, W3, W7 or W9" ;;
esac

server_pid="" server_kind=""
case "$target" in
  engine|raw-etcd|bridge)
    ETCD_EXTRA_ARGS=--enable-pprof bench_etcd_start "$out"
    connect="$ETCD_EP"; server_pid="$(ke_pid etcd-1)"; server_kind=etcd ;;
  zookeeper)
    bench_zookeeper_start "$out"
    connect="$ZK_CONNECT"; server_pid="$(ke_pid zookeeper)"; server_kind=jvm ;;
  *) ke_die "unknown target $target" ;;
esac

case "$target" in
  engine|raw-etcd)
    (cd "$ROOT" && cargo build --release --example bench >&2)
    ke_spawn driver "$out/driver.log" "$ROOT/target/release/examples/bench" --target "$target" \
      --endpoints "$connect" --only "$only" --warmup "${PROFILE_WARMUP:-100000}" ;;
  bridge|zookeeper)
    zk_bench_ensure
    ke_spawn driver "$out/driver.log" java -Xmx2g -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit \
      -Dkafkaetcd.native.path="$SO" \
      -cp "$ZK_BENCH_CLASSPATH" io.kafkaetcd.bench.ZkBench --target "$target" --connect "$connect" --only "$only" \
      --warmup "${PROFILE_WARMUP:-100000}" ${ZKBENCH_ARGS:-} ;;
esac
driver_pid="$(ke_pid driver)"

# Wait for the workload to start.
if [[ -n "$before" ]]; then
  ke_wait_until 600 "$before done" grep -q "\"workload\":\"$before\"" "$out/driver.log"
  sleep 0.5
elif (( ${PROFILE_WARMUP:-100000} > 0 )); then
  ke_wait_until 600 "warm-up done" grep -q "warm-up done" "$out/driver.log"
  sleep 1
else
  sleep 2
fi
ke_log "profiling $target $workload for ${secs}s (driver pid $driver_pid, server pid $server_pid)"

jfr_start() { jcmd "$1" JFR.start name=p settings=profile filename="$2" >/dev/null; }
jfr_stop() { jcmd "$1" JFR.stop name=p >/dev/null || true; }

pids=()
perf record -e cpu-clock -F 999 ${PERF_CG:-} -p "$driver_pid" -o "$out/client.perf" -- sleep "$secs" 2>"$out/client.perf.log" & pids+=($!)
java_jfr=0
[[ ( "$target" == bridge || "$target" == zookeeper ) && "${PROFILE_JFR:-1}" != 0 ]] && java_jfr=1
if (( java_jfr )); then jfr_start "$driver_pid" "$out/client.jfr"; fi
if [[ "$server_kind" == etcd ]]; then
  curl -s "http://$connect/debug/pprof/profile?seconds=$secs" -o "$out/etcd.pprof" & pids+=($!)
else
  perf record -e cpu-clock -F 999 -p "$server_pid" -o "$out/server.perf" -- sleep "$secs" 2>"$out/server.perf.log" & pids+=($!)
  jfr_start "$server_pid" "$out/server.jfr"
fi
ticks() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
c0="$(ticks "$driver_pid")" s0="$(ticks "$server_pid")"
wait "${pids[@]}"
c1="$(ticks "$driver_pid")" s1="$(ticks "$server_pid")"
(( c1 >= c0 )) || ke_warn "the driver ended before the profile did: use a shorter SECS"
if (( java_jfr )); then jfr_stop "$driver_pid"; fi
if [[ "$server_kind" == jvm ]]; then jfr_stop "$server_pid"; fi
ke_log "CPU in the window: client $(( (c1 - c0) * 10 )) ms, server $(( (s1 - s0) * 10 )) ms (of ${secs}s x $(nproc) CPUs)"
echo "CPU during ${secs}s: client $(( (c1 - c0) * 10 )) ms, server $(( (s1 - s0) * 10 )) ms" >"$out/cpu.txt"

# Let the driver finish the workload (its result line has the op count).
ke_wait_until 900 "$workload done" grep -q "\"workload\":\"$workload\"" "$out/driver.log" || true
ke_stop driver 30

perf_top() { # FILE: by shared object, then top symbols
  { echo "## by shared object"; perf report -i "$1" --stdio --sort dso 2>/dev/null | grep -v '^#' | grep -v '^$' | head -15
    echo "## top symbols"; perf report -i "$1" --stdio --sort dso,symbol 2>/dev/null | grep -v '^#' | grep -v '^$' | head -60; }
}
jfr_top() { # FILE: top frames and top 'package.Class' of Java execution samples
  jfr print --json --events jdk.ExecutionSample "$1" | python3 -c '
import json, sys, collections
ev = json.load(sys.stdin)["recording"]["events"]
top, cls, thr = collections.Counter(), collections.Counter(), collections.Counter()
for e in ev:
    fr = e["values"]["stackTrace"]["frames"] if e["values"].get("stackTrace") else []
    if not fr:
        continue
    m = fr[0]["method"]
    top[m["type"]["name"] + "." + m["name"]] += 1
    seen = set()
    for f in fr:
        c = f["method"]["type"]["name"].rsplit(".", 1)[0]
        if c not in seen:
            seen.add(c); cls[c] += 1
    thr[(e["values"].get("sampledThread") or {}).get("javaName", "?").rstrip("0123456789-")] += 1
n = sum(top.values()) or 1
print(f"{n} Java execution samples")
print("## by thread"); [print(f"{v*100/n:5.1f}% {k}") for k, v in thr.most_common(10)]
print("## top frames"); [print(f"{v*100/n:5.1f}% {k}") for k, v in top.most_common(30)]
print("## packages on the stack (inclusive)"); [print(f"{v*100/n:5.1f}% {k}") for k, v in cls.most_common(25)]
'
}

set +o pipefail # the reports are cut with head
perf_top "$out/client.perf" >"$out/client-perf.txt"
if [[ -f "$out/client.jfr" ]]; then jfr_top "$out/client.jfr" >"$out/client-jfr.txt"; fi
if [[ "$server_kind" == etcd ]]; then
  go tool pprof -top -nodecount=45 "$out/etcd.pprof" >"$out/etcd-top.txt" 2>/dev/null
  go tool pprof -top -cum -nodecount=60 "$out/etcd.pprof" >"$out/etcd-cum.txt" 2>/dev/null
else
  perf_top "$out/server.perf" >"$out/server-perf.txt"
  jfr_top "$out/server.jfr" >"$out/server-jfr.txt"
fi
grep "\"workload\":\"$workload\"" "$out/driver.log" >"$out/result.json" || true
ke_log "profiles in $out: $(cd "$out" && ls *.txt | tr '\n' ' ')"
