#!/usr/bin/env bash
# etcd's own cost per znode write: WAL bytes and etcd CPU per op for W1
# (create) and W3 (setData with version), engine and raw etcd, each from a
# fresh single-member etcd (the launcher's defaults: fsync on, revision
# auto-compaction). W3 needs W1's nodes, so W3's figures are the
# "--only W1,W3" run less the "--only W1" run. WAL bytes come from etcd's
# own etcd_disk_wal_write_bytes_total, CPU from /proc (10 ms ticks).
#
#   bench/wal.sh [--targets engine,raw-etcd] [--out DIR]
#
# Prints one line per target and workload: ops/s of the driver, etcd µs/op,
# WAL bytes/op. docs/benchmarks.md records the output with this command.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
. "$HERE/lib.sh"

targets="engine,raw-etcd" out=""
while (( $# )); do
  case "$1" in
    --targets) targets="$2"; shift ;;
    --out) out="$2"; shift ;;
    *) ke_die "unknown argument $1" ;;
  esac
  shift
done
out="${out:-$HERE/results/wal-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"; out="$(cd "$out" && pwd)"
ke_install_cleanup_trap
(cd "$ROOT" && cargo build --release --example bench >&2)

ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
wal_bytes() { curl -s "http://$ETCD_EP/metrics" | awk '/^etcd_disk_wal_write_bytes_total /{printf "%d", $2}'; }

# run TARGET ONLY -> "wal_bytes etcd_cpu_ms ops_per_s_of_last_result"
run() {
  local target="$1" only="$2" dir="$out/$1-${2//,/-}"
  mkdir -p "$dir"
  bench_etcd_start "$dir" >&2
  local pid w0 c0
  pid="$(ke_pid etcd-1)"; w0="$(wal_bytes)"; c0="$(ticks "$pid")"
  "$ROOT/target/release/examples/bench" --target "$target" --endpoints "$ETCD_EP" --only "$only" --warmup 0 \
    >"$dir/results.jsonl" 2>"$dir/driver.log"
  local w1 c1
  w1="$(wal_bytes)"; c1="$(ticks "$pid")"
  ke_stop etcd-1 >&2
  local rate
  rate="$(tail -1 "$dir/results.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ops_per_s"])')"
  echo "$(( w1 - w0 )) $(( (c1 - c0) * 10 )) $rate"
}

n=100000
for t in ${targets//,/ }; do
  read -r w1 c1 r1 < <(run "$t" W1)
  read -r w13 c13 r3 < <(run "$t" W1,W3)
  python3 - "$t" "$n" "$w1" "$c1" "$r1" "$w13" "$c13" "$r3" <<'PY'
import sys
t, n, w1, c1, r1, w13, c13, r3 = sys.argv[1], int(sys.argv[2]), *map(float, sys.argv[3:])
print(f"{t} W1: {r1:,.0f}/s, etcd {c1 * 1000 / n:.0f} us/op, WAL {w1 / n:.0f} B/op")
print(f"{t} W3: {r3:,.0f}/s, etcd {(c13 - c1) * 1000 / n:.0f} us/op, WAL {(w13 - w1) / n:.0f} B/op")
PY
done
