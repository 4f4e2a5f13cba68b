#!/usr/bin/env bash
# A single Apache ZooKeeper 3.8 server for the benchmarks (bench/), from the
# jars of the bench/zookeeper Maven project (no tarball).
#
# Sourced:
#   . scripts/lib/zk-server.sh
#   zk_server_start "$WORKDIR"      # zoo.cfg, data, logs, pid under $WORKDIR/zk-server/
#   echo "$ZK_SERVER_CONNECT"       # 127.0.0.1:PORT
#   zk_server_stop
# Run:
#   scripts/lib/zk-server.sh start WORKDIR   # prints 127.0.0.1:PORT, leaves the server running
#   scripts/lib/zk-server.sh stop WORKDIR    # kills the PID recorded in WORKDIR/zk-server/zk-server.pid
#
# zoo.cfg keeps ZooKeeper's defaults where they matter for speed: forceSync
# (fsync of the txn log before acking) stays on, tickTime=2000 (so session
# timeouts negotiate into 4 s .. 40 s), default snapCount/preAllocSize/
# globalOutstandingLimit. Changed, none of them on the request path:
#   clientPortAddress=127.0.0.1     listen on loopback only
#   maxClientCnxns=0                default 60 per client IP; W5 opens 1000 sessions from 127.0.0.1
#   admin.enableServer=false        no Jetty AdminServer on port 8080
#   4lw.commands.whitelist=srvr,ruok  for the readiness probe
# jute.maxbuffer is NOT raised: the largest reply in W1-W7 is getChildren of
# 10k short names (~100 KB), well under the 1 MB default.
# Server JVM: -Xmx1000m, the heap zkServer.sh gives it by default (ZK_SERVER_HEAP).
#
# Env: ZK_SERVER_START_TIMEOUT (s, default 60), ZK_SERVER_HEAP_MB (default 1000),
#      ZK_BENCH_MVN (maven command, default mvn)

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ZK_BENCH_DIR="$KE_ROOT/bench/zookeeper"

# zk_bench_ensure: build bench/zookeeper (ZkBench + the ZooKeeper jars) through
# the root Maven reactor, which builds what it needs first (the native library
# through cargo, the Java API) as far as it is stale. Exports ZK_BENCH_CLASSPATH.
zk_bench_ensure() {
  ke_log "zk-server: building bench/zookeeper (mvn -pl bench/zookeeper -am package)"
  (cd "$KE_ROOT" && ${ZK_BENCH_MVN:-mvn} -B -q -Dstyle.color=never -pl bench/zookeeper -am package -DskipTests >&2) || {
    ke_warn "zk-server: the Maven build of bench/zookeeper failed"; return 1; }
  ZK_BENCH_CLASSPATH="$ZK_BENCH_DIR/target/zk-bench.jar:$ZK_BENCH_DIR/target/libs/*"
  export ZK_BENCH_CLASSPATH
}

# _zk_4lw PORT WORD: send a four-letter word, print the answer.
_zk_4lw() {
  local r
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf '%s' "$2" >&3
  r="$(timeout 2 cat <&3)"
  exec 3<&- 3>&-
  printf '%s' "$r"
}

_zk_server_serving() {
  [[ "$(_zk_4lw "$1" ruok)" == imok ]] && [[ "$(_zk_4lw "$1" srvr)" == *"Mode: standalone"* ]]
}

zk_server_start() {
  local workdir="$1"
  [[ -n "$workdir" ]] || { ke_warn "zk_server_start WORKDIR"; return 1; }
  zk_bench_ensure || return 1
  local d="$workdir/zk-server"
  mkdir -p "$d/data"
  d="$(cd "$d" && pwd)"
  ZK_SERVER_PORT="$(ke_free_port)" || return 1
  cat >"$d/zoo.cfg" <<EOF
tickTime=2000
dataDir=$d/data
clientPort=$ZK_SERVER_PORT
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=srvr,ruok
EOF
  cat >"$d/logback.xml" <<EOF
<configuration>
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>$d/zookeeper-server.log</file>
    <encoder><pattern>%d{ISO8601} %-5level [%thread] %logger{30} - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="FILE"/></root>
</configuration>
EOF
  ke_spawn zk-server "$d/zk-server.log" \
    java "-Xmx${ZK_SERVER_HEAP_MB:-1000}m" \
      -Dlogback.configurationFile="$d/logback.xml" \
      -Dzookeeper.jmx.log4j.disable=true \
      -cp "$ZK_BENCH_CLASSPATH" org.apache.zookeeper.server.ZooKeeperServerMain "$d/zoo.cfg"
  ZK_SERVER_DIR="$d"
  ke_wait_until "${ZK_SERVER_START_TIMEOUT:-60}" "ZooKeeper serving on 127.0.0.1:$ZK_SERVER_PORT" \
      _zk_server_serving "$ZK_SERVER_PORT" || {
    tail -20 "$d/zk-server.log" "$d/zookeeper-server.log" >&2 2>/dev/null
    zk_server_stop
    return 1
  }
  ZK_SERVER_CONNECT="127.0.0.1:$ZK_SERVER_PORT"
  ke_log "zk-server: ZooKeeper $(_zk_4lw "$ZK_SERVER_PORT" srvr | sed -n 's/^Zookeeper version: \([^-,]*\).*/\1/p') on $ZK_SERVER_CONNECT (pid $(ke_pid zk-server))"
  export ZK_SERVER_CONNECT ZK_SERVER_PORT ZK_SERVER_DIR
}

zk_server_stop() { ke_stop zk-server "${1:-15}"; }

# _zk_stop_pidfile PIDFILE SECS: SIGTERM the recorded PID, SIGKILL after SECS.
_zk_stop_pidfile() {
  local f="$1" secs="$2" pid
  [[ -f "$f" ]] || { ke_warn "no pid file $f"; return 0; }
  pid="$(cat "$f")"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$(( $(date +%s) + secs ))
    while kill -0 "$pid" 2>/dev/null && (( $(date +%s) < deadline )); do sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && { ke_warn "pid $pid did not stop in ${secs}s, SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; }
  fi
  rm -f "$f"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  case "${1:-}" in
    start) zk_server_start "${2:?WORKDIR}"; echo "$ZK_SERVER_CONNECT" ;;
    stop) _zk_stop_pidfile "${2:?WORKDIR}/zk-server/zk-server.pid" 15 ;;
    build) zk_bench_ensure; echo "$ZK_BENCH_CLASSPATH" ;;
    *) echo "usage: $0 start|stop WORKDIR | build" >&2; exit 2 ;;
  esac
fi
