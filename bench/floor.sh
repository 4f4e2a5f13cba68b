#!/usr/bin/env bash
# etcd's own CPU per op for the txn shapes the engine sends, measured
# without the engine (examples/etcd_floor.rs says what each shape holds):
# each shape against a fresh single-member etcd (the launcher's defaults,
# fsync on). What the engine's figures in docs/benchmarks.md compare with.
#
#   bench/floor.sh [SHAPE,BATCH ...]    default: every shape, 120 per txn
#                                       (reads 40 per txn)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
. "$HERE/lib.sh"
ke_install_cleanup_trap
(cd "$ROOT" && cargo build --release --example etcd_floor >&2)
shapes=("$@")
(( ${#shapes[@]} )) || shapes=(create1,120 create2,120 create3,120 create3x,120 set1,120 set2,120 set3,120 set4,120 seen,120 get2,40 get3,40)
work="$(mktemp -d)"
_floor_rm() { rm -rf "$work"; }
KE_FINAL_HOOKS+=(_floor_rm)
for s in "${shapes[@]}"; do
  bench_etcd_start "$work/${s%%,*}" >&2
  "$ROOT/target/release/examples/etcd_floor" "$ETCD_EP" "$(ke_pid etcd-1)" "${s%%,*}" "${s##*,}"
  ke_stop etcd-1 >&2
done
