#!/usr/bin/env bash
# zetcd (the etcd project's ZooKeeper-protocol proxy, last release v0.0.5,
# 2018) in front of an etcd endpoint, for the benchmarks (bench/).
#
# Sourced:
#   . scripts/lib/zetcd.sh
#   zetcd_start 127.0.0.1:ETCDPORT "$WORKDIR"   # log and pid under $WORKDIR/zetcd/
#   echo "$ZETCD_CONNECT"                       # 127.0.0.1:PORT (ZooKeeper protocol)
#   zetcd_stop
# Run:
#   scripts/lib/zetcd.sh build                  # prints the binary path
#   scripts/lib/zetcd.sh start 127.0.0.1:ETCDPORT WORKDIR   # prints 127.0.0.1:PORT
#   scripts/lib/zetcd.sh stop WORKDIR
#
# Build: `go install github.com/etcd-io/zetcd/cmd/zetcd@latest` cannot work:
# zetcd has no go.mod (it predates modules, deps were pinned by glide), the
# Go module proxy answers 403 for its @latest/@master listing, and its
# packages import themselves as github.com/coreos/zetcd. Release v0.0.5 is
# served, so bench/zetcd/go.mod builds github.com/coreos/zetcd/cmd/zetcd
# v0.0.5 with the dependency versions pinned there (etcd clientv3
# v3.3.25+incompatible, grpc v1.26.0: newer grpc breaks the old clientv3;
# glide had etcd v3.2.6 / grpc v1.2.1). The v3.3 client speaks the same
# etcd v3 gRPC API as the v3.5+ server. Binary: bench/.tools/bin/zetcd (gitignored).
#
# Env: ZETCD_START_TIMEOUT (s, default 30)

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ZETCD_BIN="$KE_ROOT/bench/.tools/bin/zetcd"

zetcd_ensure() {
  local mod="$KE_ROOT/bench/zetcd"
  if [[ ! -x "$ZETCD_BIN" || "$mod/go.mod" -nt "$ZETCD_BIN" || "$mod/go.sum" -nt "$ZETCD_BIN" ]]; then
    command -v go >/dev/null || { ke_warn "zetcd: go not found"; return 1; }
    ke_log "zetcd: building github.com/coreos/zetcd/cmd/zetcd v0.0.5 into $ZETCD_BIN"
    mkdir -p "$(dirname "$ZETCD_BIN")"
    (cd "$mod" && GOFLAGS=-mod=mod go build -o "$ZETCD_BIN" github.com/coreos/zetcd/cmd/zetcd >&2) || {
      ke_warn "zetcd: build failed"; return 1; }
  fi
}

# zetcd_start ETCD_ENDPOINT WORKDIR
zetcd_start() {
  local etcd="$1" workdir="$2"
  [[ -n "$etcd" && -n "$workdir" ]] || { ke_warn "zetcd_start ETCD_ENDPOINT WORKDIR"; return 1; }
  zetcd_ensure || return 1
  local d="$workdir/zetcd"
  mkdir -p "$d"
  d="$(cd "$d" && pwd)"
  ZETCD_PORT="$(ke_free_port)" || return 1
  ke_spawn zetcd "$d/zetcd.log" \
    "$ZETCD_BIN" -zkaddr "127.0.0.1:$ZETCD_PORT" -endpoints "$etcd" -logtostderr
  ZETCD_DIR="$d"
  # zetcd dials etcd before it listens; a listening port means it is serving.
  ke_wait_until "${ZETCD_START_TIMEOUT:-30}" "zetcd listening on 127.0.0.1:$ZETCD_PORT" \
      ke_port_open "$ZETCD_PORT" || {
    tail -20 "$d/zetcd.log" >&2 2>/dev/null
    zetcd_stop
    return 1
  }
  ZETCD_CONNECT="127.0.0.1:$ZETCD_PORT"
  ke_log "zetcd: on $ZETCD_CONNECT -> etcd $etcd (pid $(ke_pid zetcd))"
  export ZETCD_CONNECT ZETCD_PORT ZETCD_DIR
}

zetcd_stop() { ke_stop zetcd "${1:-10}"; }

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  case "${1:-}" in
    build) zetcd_ensure; echo "$ZETCD_BIN" ;;
    start) zetcd_start "${2:?ETCD_ENDPOINT}" "${3:?WORKDIR}"; echo "$ZETCD_CONNECT" ;;
    stop)
      f="${2:?WORKDIR}/zetcd/zetcd.pid"
      if [[ -f "$f" ]]; then
        pid="$(cat "$f")"
        if kill -0 "$pid" 2>/dev/null; then
          kill -TERM "$pid"
          for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
          kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
        fi
        rm -f "$f"
      fi ;;
    *) echo "usage: $0 build | start ETCD_ENDPOINT WORKDIR | stop WORKDIR" >&2; exit 2 ;;
  esac
fi
