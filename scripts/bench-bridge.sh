#!/usr/bin/env bash
# What the JNI bridge adds per call: the same getData loops on the Rust API
# alone (examples/engine_bench.rs) and through Java
# (io.kafkaetcd.bench.BridgeBench), against one local single-member etcd,
# printed side by side. Figures: docs/bridge-benchmark.md.
#
#   scripts/bench-bridge.sh [SEQUENTIAL_CALLS] [PIPELINED_CALLS] [RUNS]   (default 20000 200000 3)
#
# Each side runs RUNS times, alternating; the table shows the best run of
# each workload (this 2-core machine is shared, so the best is the least
# disturbed). Both sides use 2 runtime worker threads and a window of 1000.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/etcd-cluster.sh
SEQ="${1:-20000}"
PIPE="${2:-200000}"
RUNS="${3:-3}"

ke_log "building the native library, the Rust example and the jar"
cargo build --release --lib --example engine_bench >&2
(cd java && mvn -B -q package -DskipTests >&2)
(cd java && mvn -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath >&2)
CP="java/target/kafka-etcd-0.1.0.jar:$(cat java/target/bench.classpath)"

WORK="$(mktemp -d -t kafka-etcd-bench-XXXXXX)"
_bench_cleanup() { rm -rf "$WORK"; }
KE_FINAL_HOOKS+=(_bench_cleanup)
ke_install_cleanup_trap
etcd_cluster_start "$WORK" 1
ke_log "etcd at $ETCD_ENDPOINTS; $SEQ sequential and $PIPE pipelined getData calls per workload"

RUST=""
JAVA=""
for (( run=1; run<=RUNS; run++ )); do
  ke_log "run $run of $RUNS"
  RUST+="$(target/release/examples/engine_bench "$ETCD_ENDPOINTS" "$SEQ" "$PIPE")"$'\n'
  JAVA+="$(java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" io.kafkaetcd.bench.BridgeBench "$ETCD_ENDPOINTS" "$SEQ" "$PIPE")"$'\n'
done
printf '%s' "$RUST" | sed 's/^/rust: /' >&2
printf '%s' "$JAVA" | sed 's/^/java: /' >&2

# The best (lowest) microseconds per call of workload $2 in results $1.
us() { awk -v w="$2" '$1=="RESULT" && $2==w && (best=="" || $3<best) {best=$3} END {print best}' <<<"$1"; }
row() { # label, java workload, rust workload
  local j r
  j="$(us "$JAVA" "$2")"; r="$(us "$RUST" "$3")"
  awk -v l="$1" -v j="$j" -v r="$r" 'BEGIN { printf "%-44s %10.2f %10.2f %+10.2f\n", l, r, j, j - r }'
}
printf '%-44s %10s %10s %10s\n' "getData, microseconds per call" "Rust API" "Java" "bridge"
row "sequential (blocking, application thread)" sequential sequential
row "sequential (blocking, inside a callback)" sequential-in-callback sequential
row "pipelined (1000 x submit, then wait)" pipelined pipelined
row "pipelined (1 x submitBatch of 1000)" pipelined-batch pipelined
