#!/usr/bin/env bash
# Runs every test: Rust unit and integration tests against real etcd
# servers that the tests start themselves (etcd-bin-vendored).
set -euo pipefail
cd "$(dirname "$0")/.."
export RUST_BACKTRACE=1
echo "== cargo test (znode model, engine against real etcd)"
cargo test --all-targets -- --test-threads=4

echo "== Java binding: release native library, then mvn verify in java/ (JUnit against real etcd)"
cargo build --release --lib
if [[ -z "${KAFKA_ETCD_ETCD_BIN:-}" ]]; then
  # The etcd binary shipped by the etcd-bin-vendored dev-dependency (in the registry after cargo test).
  KAFKA_ETCD_ETCD_BIN="$(find "${CARGO_HOME:-$HOME/.cargo}/registry/src" -path '*etcd-bin-vendored-linux-amd64*' -name etcd -type f 2>/dev/null | sort | tail -1)"
  export KAFKA_ETCD_ETCD_BIN
fi
command -v mvn >/dev/null || { echo "mvn not found: apt-get install maven" >&2; exit 1; }
rm -rf java/target/surefire-reports
mvn_rc=0
(cd java && mvn -B -q verify) || mvn_rc=$?
echo # Maven's console leaves terminal escapes without a newline
# -q hides Surefire's totals: print them from its reports.
cat java/target/surefire-reports/TEST-*.xml 2>/dev/null | awk '
  /<testsuite / {
    for (i = 1; i <= NF; i++) {
      split($i, kv, "=")
      gsub(/[">]/, "", kv[2])
      if (kv[1] == "tests") t += kv[2]
      else if (kv[1] == "failures" || kv[1] == "errors") f += kv[2]
      else if (kv[1] == "skipped") s += kv[2]
    }
  }
  END { printf "java: %d passed, %d failed, %d skipped\n", t - f - s, f, s }'
exit "$mvn_rc"
