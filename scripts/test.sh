#!/usr/bin/env bash
# Runs every test: Rust unit and integration tests against real etcd
# servers that the tests start themselves (etcd-bin-vendored).
set -euo pipefail
cd "$(dirname "$0")/.."
export RUST_BACKTRACE=1
echo "== cargo test (znode model, engine against real etcd)"
cargo test --all-targets -- --test-threads=4
