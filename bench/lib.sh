#!/usr/bin/env bash
# What bench/run.sh and bench/profile.sh share (sourced): the ZkBench build and
# fresh servers through the scripts' launchers (scripts/lib/etcd-cluster.sh,
# scripts/lib/zookeeper-server.sh).
#
#   zk_bench_ensure            build bench/zookeeper when missing or stale; exports ZK_BENCH_CLASSPATH
#   bench_etcd_start DIR [TLS_DIR]   a fresh single-member etcd under DIR/etcd/ (process etcd-1);
#                              sets ETCD_EP=127.0.0.1:PORT. TLS_DIR (ca.crt, server.crt/.key):
#                              TLS only, client certificates required.
#   bench_zookeeper_start DIR  a fresh standalone ZooKeeper, bench profile (ZooKeeper's
#                              defaults, forceSync on), under DIR/zookeeper/; sets ZK_CONNECT
#
# Env: ZK_BENCH_MVN (maven command, default mvn)

_BENCH_LIB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$_BENCH_LIB_ROOT/scripts/lib/common.sh"
. "$_BENCH_LIB_ROOT/scripts/lib/etcd-cluster.sh"
. "$_BENCH_LIB_ROOT/scripts/lib/zookeeper-server.sh"

ZK_BENCH_DIR="$_BENCH_LIB_ROOT/bench/zookeeper"

zk_bench_ensure() {
  local jar="$ZK_BENCH_DIR/target/zk-bench.jar" src
  local stale=
  if [[ ! -f "$jar" ]] || ! compgen -G "$ZK_BENCH_DIR/target/libs/zookeeper-3.8*.jar" >/dev/null; then
    stale=1
  else
    for src in "$ZK_BENCH_DIR/pom.xml" $(find "$ZK_BENCH_DIR/src" -type f); do
      [[ "$src" -nt "$jar" ]] && { stale=1; break; }
    done
  fi
  if [[ -n "$stale" ]]; then
    ke_log "bench: building bench/zookeeper (ZkBench, ZooKeeper client/server jars from Maven Central)"
    (cd "$ZK_BENCH_DIR" && ${ZK_BENCH_MVN:-mvn} -B -q -Dstyle.color=never package >&2) || {
      ke_warn "bench: mvn package failed in $ZK_BENCH_DIR"; return 1; }
  fi
  ZK_BENCH_CLASSPATH="$jar:$ZK_BENCH_DIR/target/libs/*"
  export ZK_BENCH_CLASSPATH
}

bench_etcd_start() {
  local dir="$1"
  rm -rf "$dir/etcd"
  ETCD_TLS_DIR="${2:-}" etcd_cluster_start "$dir" 1 || return 1
  ETCD_EP="$ETCD_ENDPOINTS"
}

bench_zookeeper_start() {
  zk_bench_ensure || return 1
  ZK_CLASSPATH="$ZK_BENCH_CLASSPATH" zookeeper_start "$1" bench
}
