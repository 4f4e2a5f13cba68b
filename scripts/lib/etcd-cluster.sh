#!/usr/bin/env bash
# A local etcd cluster (default 3 members) on 127.0.0.1 free ports.
#
# Sourced:
#   . scripts/lib/etcd-cluster.sh
#   ke_install_cleanup_trap              # stops everything on exit
#   etcd_cluster_start "$WORKDIR" [N]    # data dirs + logs under $WORKDIR/etcd/
#   echo "$ETCD_ENDPOINTS"               # 127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3
#   etcd_member_kill9 2 ; etcd_member_restart 2 [nowait]
#   etcd_member_stop 2 ; etcd_member_leader     # index of the member that is the raft leader
#   etcd_cluster_stop
# Run:
#   scripts/lib/etcd-cluster.sh run WORKDIR [N]   # start, print endpoints, wait for Ctrl-C
#
# Binary (the one etcd-binary lookup of the repo; `scripts/lib/etcd-cluster.sh bin`
# prints it, EtcdServer.java runs that): $KAFKA_ETCD_ETCD_BIN, else bin/etcd of the
# etcd-bin-vendored-linux-amd64 crate at the version Cargo.lock pins (asked of
# `cargo metadata`, which downloads the crate when it is not in ~/.cargo yet).
#
# Compaction: every member runs with --auto-compaction-mode=revision
# --auto-compaction-retention=$ETCD_COMPACTION_RETENTION (default 10000; 0 turns
# it off): etcd keeps the last N revisions and compacts the older ones every
# 5 minutes, so the store stays far below its space quota
# (--quota-backend-bytes, 2 GiB by default). Sizing: README.md, "Compaction and
# the space quota".
# ETCD_EXTRA_ARGS: more etcd flags, space-separated (bench/profile.sh: --enable-pprof).
#
# ETCD_RUN_AS_UID_BASE set: member I runs as uid BASE+I (ke_spawn_as; root only), from
# a copy of the binary in WORKDIR/etcd/ (the cargo registry is not readable by them).
#
# TLS mode: set ETCD_TLS_DIR to a directory holding ca.crt, server.crt and
# server.key (etcd_tls_make_certs DIR makes them with openssl, plus client
# certificates): clients then need TLS and a client certificate signed by
# ca.crt (--client-cert-auth). Health is checked on a plaintext metrics port.
#
# Exports: ETCD_BIN ETCD_ENDPOINTS (host:port,...) ETCD_CLIENT_URLS (http(s)://...,...)
#          ETCD_CLIENT_PORTS[i] ETCD_PEER_PORTS[i] ETCD_HEALTH_PORTS[i] (arrays, 1-based)

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

declare -ga ETCD_CLIENT_PORTS=() ETCD_PEER_PORTS=() ETCD_HEALTH_PORTS=()
: "${ETCD_TLS_DIR:=}"
ETCD_WORKDIR=""
ETCD_MEMBERS=0
ETCD_INITIAL_CLUSTER=""

# etcd_find_bin: sets and exports ETCD_BIN and KAFKA_ETCD_ETCD_BIN (so the Rust and
# Java tests a script starts use the same binary).
etcd_find_bin() {
  if [[ -n "${KAFKA_ETCD_ETCD_BIN:-}" ]]; then
    [[ -x "$KAFKA_ETCD_ETCD_BIN" ]] || { ke_warn "KAFKA_ETCD_ETCD_BIN=$KAFKA_ETCD_ETCD_BIN is not executable"; return 1; }
    ETCD_BIN="$KAFKA_ETCD_ETCD_BIN"; export ETCD_BIN; return 0
  fi
  local crate b
  crate="$(cd "$KE_ROOT" && cargo metadata --format-version 1 --locked 2>/dev/null | python3 -c '
import json, os, sys
for p in json.load(sys.stdin)["packages"]:
    if p["name"] == "etcd-bin-vendored-linux-amd64":
        print(os.path.dirname(p["manifest_path"]))')" || true
  b="$crate/bin/etcd"
  [[ -n "$crate" && -f "$b" ]] || { ke_warn "no etcd binary: the etcd-bin-vendored-linux-amd64 crate is not in Cargo.lock's packages (or cargo metadata failed); set KAFKA_ETCD_ETCD_BIN"; return 1; }
  [[ -x "$b" ]] || chmod +x "$b" 2>/dev/null || true
  ETCD_BIN="$b"; KAFKA_ETCD_ETCD_BIN="$b"; export ETCD_BIN KAFKA_ETCD_ETCD_BIN
}

_etcd_healthy() { curl -fsS --max-time 2 "http://127.0.0.1:$1/health" 2>/dev/null | grep -q '"health":"true"'; }

_etcd_scheme() { [[ -n "$ETCD_TLS_DIR" ]] && echo https || echo http; }

_etcd_member_launch() {
  local i="$1" state="$2"
  local cp="${ETCD_CLIENT_PORTS[$i]}" pp="${ETCD_PEER_PORTS[$i]}" scheme tls=() spawn=(ke_spawn)
  local compaction=() extra=()
  read -r -a extra <<<"${ETCD_EXTRA_ARGS:-}"
  scheme="$(_etcd_scheme)"
  if (( ${ETCD_COMPACTION_RETENTION:-10000} > 0 )); then
    compaction=(--auto-compaction-mode=revision --auto-compaction-retention="${ETCD_COMPACTION_RETENTION:-10000}")
  fi
  if [[ -n "$ETCD_TLS_DIR" ]]; then
    tls=(--cert-file "$ETCD_TLS_DIR/server.crt" --key-file "$ETCD_TLS_DIR/server.key"
         --client-cert-auth --trusted-ca-file "$ETCD_TLS_DIR/ca.crt"
         --listen-metrics-urls "http://127.0.0.1:${ETCD_HEALTH_PORTS[$i]}")
  fi
  [[ -n "${ETCD_RUN_AS_UID_BASE:-}" ]] && spawn=(ke_spawn_as "$(( ETCD_RUN_AS_UID_BASE + i ))")
  "${spawn[@]}" "etcd-$i" "$ETCD_WORKDIR/etcd/m$i.log" \
    "$ETCD_BIN" --name "m$i" \
      --data-dir "$ETCD_WORKDIR/etcd/m$i.data" \
      --listen-client-urls "$scheme://127.0.0.1:$cp" \
      --advertise-client-urls "$scheme://127.0.0.1:$cp" \
      "${tls[@]}" \
      --listen-peer-urls "http://127.0.0.1:$pp" \
      --initial-advertise-peer-urls "http://127.0.0.1:$pp" \
      --initial-cluster "$ETCD_INITIAL_CLUSTER" \
      --initial-cluster-token "kafka-etcd-$$" \
      --initial-cluster-state "$state" \
      --heartbeat-interval 100 --election-timeout 1000 \
      "${compaction[@]}" "${extra[@]}" \
      --log-level warn
}

etcd_cluster_start() {
  local workdir="$1" n="${2:-3}" i
  [[ -n "$workdir" ]] || { ke_warn "etcd_cluster_start WORKDIR [N]"; return 1; }
  etcd_find_bin || return 1
  mkdir -p "$workdir/etcd"
  ETCD_WORKDIR="$(cd "$workdir" && pwd)"; ETCD_MEMBERS="$n"
  ETCD_INITIAL_CLUSTER=""
  local eps=() urls=()
  if [[ -n "${ETCD_RUN_AS_UID_BASE:-}" ]]; then
    cp "$ETCD_BIN" "$ETCD_WORKDIR/etcd/etcd" && chmod 755 "$ETCD_WORKDIR/etcd" "$ETCD_WORKDIR/etcd/etcd" || return 1
    ETCD_BIN="$ETCD_WORKDIR/etcd/etcd"
    for (( i=1; i<=n; i++ )); do
      mkdir -p "$ETCD_WORKDIR/etcd/m$i.data" && chmod 700 "$ETCD_WORKDIR/etcd/m$i.data" \
        && touch "$ETCD_WORKDIR/etcd/m$i.log" \
        && chown "$(( ETCD_RUN_AS_UID_BASE + i ))" "$ETCD_WORKDIR/etcd/m$i.data" || return 1
    done
  fi
  for (( i=1; i<=n; i++ )); do
    ETCD_CLIENT_PORTS[$i]="$(ke_free_port)" && ETCD_PEER_PORTS[$i]="$(ke_free_port)" || return 1
    ETCD_HEALTH_PORTS[$i]="${ETCD_CLIENT_PORTS[$i]}"
    if [[ -n "$ETCD_TLS_DIR" ]]; then ETCD_HEALTH_PORTS[$i]="$(ke_free_port)" || return 1; fi
    ETCD_INITIAL_CLUSTER+="${ETCD_INITIAL_CLUSTER:+,}m$i=http://127.0.0.1:${ETCD_PEER_PORTS[$i]}"
    eps+=("127.0.0.1:${ETCD_CLIENT_PORTS[$i]}"); urls+=("$(_etcd_scheme)://127.0.0.1:${ETCD_CLIENT_PORTS[$i]}")
  done
  for (( i=1; i<=n; i++ )); do _etcd_member_launch "$i" new; done
  for (( i=1; i<=n; i++ )); do
    ke_wait_until "${ETCD_START_TIMEOUT:-30}" "etcd member m$i healthy on port ${ETCD_CLIENT_PORTS[$i]}" \
      _etcd_healthy "${ETCD_HEALTH_PORTS[$i]}" || { ke_warn "see $ETCD_WORKDIR/etcd/m$i.log"; tail -5 "$ETCD_WORKDIR/etcd/m$i.log" >&2; return 1; }
  done
  ETCD_ENDPOINTS="$(IFS=,; echo "${eps[*]}")"
  ETCD_CLIENT_URLS="$(IFS=,; echo "${urls[*]}")"
  export ETCD_ENDPOINTS ETCD_CLIENT_URLS
  echo "$ETCD_ENDPOINTS" >"$ETCD_WORKDIR/etcd/endpoints"
}

# Kill one member hard (data dir kept), and bring it back later.
etcd_member_kill9()   { ke_kill9 "etcd-$1"; }
etcd_member_stop()    { ke_stop "etcd-$1" 10; }
etcd_member_restart() {
  local i="$1"
  _etcd_member_launch "$i" existing
  [[ "${2:-}" == nowait ]] && return 0
  ke_wait_until "${ETCD_START_TIMEOUT:-30}" "etcd member m$i healthy again" _etcd_healthy "${ETCD_HEALTH_PORTS[$i]}"
}

# etcd_member_leader: the index of the member that is the raft leader (asked of each
# member's maintenance status through the gRPC gateway; fails when none answers so).
etcd_member_leader() {
  local i st
  for (( i=1; i<=ETCD_MEMBERS; i++ )); do
    st="$(curl -fsS --max-time 2 -X POST -d '{}' "http://127.0.0.1:${ETCD_CLIENT_PORTS[$i]}/v3/maintenance/status" 2>/dev/null)" || continue
    python3 -c 'import json, sys
s = json.loads(sys.argv[1])
sys.exit(0 if s.get("leader") and s["leader"] == s["header"]["member_id"] else 1)' "$st" && { echo "$i"; return 0; }
  done
  return 1
}

etcd_cluster_healthy() {
  local i
  for (( i=1; i<=ETCD_MEMBERS; i++ )); do _etcd_healthy "${ETCD_HEALTH_PORTS[$i]}" || return 1; done
}

etcd_cluster_stop() {
  local i
  for (( i=ETCD_MEMBERS; i>=1; i-- )); do ke_stop "etcd-$i" 10; done
}

# etcd_tls_make_certs DIR [CLIENT_CN...]: with openssl, a CA (ca.crt/ca.key), a
# server certificate for localhost and 127.0.0.1 (server.crt/server.key), and a
# client certificate per CN (<cn>.crt/<cn>.key; "root" makes root.crt). EC P-256.
# The name "gateway" makes a client certificate WITHOUT a CN: with auth enabled,
# etcd refuses JSON-gateway requests from certificates that carry a CN
# (scripts/etcd-cluster-user.sh needs one of these).
etcd_tls_make_certs() {
  local dir="$1" cn; shift
  command -v openssl >/dev/null || { ke_warn "openssl not found (apt-get install openssl)"; return 1; }
  mkdir -p "$dir" && chmod 700 "$dir"
  (
    set -e
    cd "$dir"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.crt \
      -days 2 -subj "/CN=kafka-etcd demo CA" -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    _etcd_tls_issue server "/CN=localhost" "subjectAltName=DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth,clientAuth"
    for cn in "$@"; do
      if [[ "$cn" == gateway ]]; then _etcd_tls_issue gateway "/O=kafka-etcd gateway" "extendedKeyUsage=clientAuth"
      else _etcd_tls_issue "$cn" "/CN=$cn" "extendedKeyUsage=clientAuth"; fi
    done
  )
}

_etcd_tls_issue() {
  local name="$1" subj="$2" ext="$3"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$name.key" -out "$name.csr" \
    -subj "$subj" 2>/dev/null
  printf '%s\n' "$ext" >"$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
    -extfile "$name.ext" -out "$name.crt" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  case "${1:-}" in
    run)
      [[ -n "${2:-}" ]] || ke_die "usage: $0 run WORKDIR [N]"
      ke_install_cleanup_trap
      etcd_cluster_start "$2" "${3:-3}"
      ke_log "etcd ($ETCD_BIN) up: $ETCD_ENDPOINTS  (logs: $ETCD_WORKDIR/etcd/). Ctrl-C stops it."
      echo "$ETCD_ENDPOINTS"
      while etcd_cluster_healthy; do sleep 2; done
      ke_die "a member became unhealthy"
      ;;
    bin) etcd_find_bin && echo "$ETCD_BIN" ;;
    *) echo "usage: $0 run WORKDIR [N] | bin" >&2; exit 2 ;;
  esac
fi
