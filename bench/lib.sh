#!/usr/bin/env bash
# What bench/run.sh and bench/profile.sh share (sourced): the ZkBench build and
# fresh servers through the scripts' launchers (scripts/lib/etcd-cluster.sh,
# scripts/lib/zookeeper-server.sh).
#
#   zk_bench_ensure            build bench/zookeeper through the root Maven reactor (what it
#                              needs first, as far as stale); exports ZK_BENCH_CLASSPATH
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
  ke_log "bench: building bench/zookeeper (mvn -pl bench/zookeeper -am package)"
  (cd "$_BENCH_LIB_ROOT" && ${ZK_BENCH_MVN:-mvn} -B -q -Dstyle.color=never -pl bench/zookeeper -am package -DskipTests >&2) || {
    ke_warn "bench: the Maven build of bench/zookeeper failed"; return 1; }
  ZK_BENCH_CLASSPATH="$ZK_BENCH_DIR/target/zk-bench.jar:$ZK_BENCH_DIR/target/libs/*"
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
