#!/usr/bin/env bash
# Apache ZooKeeper 3.8 from Maven Central jars (no tarball): one standalone
# server, or an ensemble of N servers (QuorumPeerMain) on 127.0.0.1. The one
# ZooKeeper launcher of the tests, the scripts and the benchmarks.
#
#   . scripts/lib/zookeeper-server.sh
#   zookeeper_start "$WORKDIR" [bench]   # zoo.cfg, data and logs under $WORKDIR/zookeeper/
#   echo "$ZK_CONNECT"             # 127.0.0.1:PORT (process name "zookeeper" for ke_pid)
#   zookeeper_stop
#
#   zookeeper_ensemble_start "$WORKDIR" [N=3]   # server I under $WORKDIR/zookeeper/sI/
#   echo "$ZK_CONNECT"             # 127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3
#   zookeeper_member_leader        # I of the server in Mode: leader
#   zookeeper_member_kill9 I ; zookeeper_member_stop I ; zookeeper_member_restart I [wait]
#   zookeeper_ensemble_stop
#   (processes are named zookeeper-I for ke_signal/ke_pid; ports in ZK_CLIENT_PORTS[I],
#   ZK_QUORUM_PORTS[I], ZK_ELECTION_PORTS[I]; with ZK_RUN_AS_UID_BASE set, server I runs
#   as uid BASE+I, see ke_spawn_as)
#
# Two profiles:
#   default  tickTime=1000 (brokers may use session timeouts from 2 s to 20 s) and
#            a small JVM that starts fast (-Xmx256m, serial GC, C1 only): tests.
#   bench    ZooKeeper's own defaults where they matter for speed (bench/run.sh):
#            tickTime=2000 (session timeouts 4 s .. 40 s), forceSync on, default
#            snapCount/preAllocSize/globalOutstandingLimit, and the JVM zkServer.sh
#            gives it (-Xmx1000m, default GC and JIT). jute.maxbuffer is not raised
#            (the largest reply of W1-W7, 10k short names, is ~100 KB).
# Both: clientPortAddress=127.0.0.1 (loopback only), maxClientCnxns=0 (W5 opens
# 1000 sessions from one IP; the default is 60), no AdminServer (port 8080),
# four-letter words ruok/srvr/stat/mntr (the readiness probe asks srvr).
#
# Jars: $ZK_CLASSPATH when set (bench/run.sh passes bench/zookeeper's), else the
# Kafka runtime's (scripts/lib/kafka-runtime.sh: the ZooKeeper 3.8.4 that Kafka
# 3.9.1 ships). The server logs to zookeeper-server.log through either logging
# backend (reload4j in the Kafka runtime, logback in bench/zookeeper).
# Env: ZK_START_TIMEOUT (s; default 30 standalone, 60 per ensemble member),
#      ZK_HEAP_MB (heap of the bench profile, default 1000).

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/kafka-runtime.sh"

# _zk_ask PORT WORD: a four-letter word's answer (ruok, srvr, ...)
_zk_ask() {
  local r
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf '%s' "$2" >&3
  r="$(timeout 2 cat <&3)"
  exec 3<&- 3>&-
  printf '%s\n' "$r"
}

# _zk_mode PORT: the server's Mode (leader, follower, standalone), from srvr
_zk_mode() { _zk_ask "$1" srvr | sed -n 's/^Mode: //p'; }

# _zk_serving PORT: a standalone server answers srvr
_zk_serving() { [[ "$(_zk_mode "$1")" == standalone ]]; }

_zk_in_quorum() { local m; m="$(_zk_mode "$1")"; [[ "$m" == leader || "$m" == follower ]]; }

# _zk_classpath: $ZK_CLASSPATH, else the Kafka runtime's jars (fetched once).
_zk_classpath() {
  if [[ -z "${ZK_CLASSPATH:-}" ]]; then
    kafka_runtime_ensure || return 1
    ZK_CLASSPATH="$KAFKA_CLASSPATH"
  fi
}

# _zk_write_config DIR CLIENT_PORT TICK_MS [SERVER_LINES]: DIR/zoo.cfg (data in DIR/data),
# DIR/log4j.properties and DIR/logback.xml (both log to DIR/zookeeper-server.log);
# SERVER_LINES makes it a quorum member.
_zk_write_config() {
  local d="$1"
  cat >"$d/zoo.cfg" <<EOF
tickTime=$3
initLimit=10
syncLimit=5
dataDir=$d/data
clientPort=$2
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr,stat,mntr
${4:-}
EOF
  cat >"$d/log4j.properties" <<EOF
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$d/zookeeper-server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
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
}

# _zk_java DIR [bench]: the java command line (one word a line) of a server whose
# config is in DIR, up to the main class.
_zk_java() {
  local d="$1" jvm=(-Xms64m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData)
  [[ "${2:-}" == bench ]] && jvm=("-Xmx${ZK_HEAP_MB:-1000}m")
  printf '%s\n' java "${jvm[@]}" -Dlog4j.configuration="file:$d/log4j.properties" \
    -Dlogback.configurationFile="$d/logback.xml" -Dzookeeper.jmx.log4j.disable=true -cp "$ZK_CLASSPATH"
}

zookeeper_start() {
  local workdir="$1" profile="${2:-}" tick=1000 cmd=()
  [[ -n "$workdir" ]] || { ke_warn "zookeeper_start WORKDIR [bench]"; return 1; }
  [[ "$profile" == bench ]] && tick=2000
  _zk_classpath || return 1
  local d="$workdir/zookeeper"
  mkdir -p "$d/data"
  d="$(cd "$d" && pwd)"
  ZK_PORT="$(ke_free_port)" || return 1
  _zk_write_config "$d" "$ZK_PORT" "$tick"
  mapfile -t cmd < <(_zk_java "$d" "$profile")
  ke_spawn zookeeper "$d/zookeeper.out.log" "${cmd[@]}" org.apache.zookeeper.server.ZooKeeperServerMain "$d/zoo.cfg"
  ke_wait_until "${ZK_START_TIMEOUT:-30}" "ZooKeeper serving on 127.0.0.1:$ZK_PORT" _zk_serving "$ZK_PORT" || {
    tail -20 "$d/zookeeper.out.log" "$d/zookeeper-server.log" >&2 2>/dev/null; zookeeper_stop; return 1; }
  ZK_CONNECT="127.0.0.1:$ZK_PORT"
  ZK_DIR="$d"
  export ZK_CONNECT ZK_PORT ZK_DIR
}

zookeeper_stop() { ke_stop zookeeper 15; }

# --- ensemble -----------------------------------------------------------------

declare -ga ZK_CLIENT_PORTS=() ZK_QUORUM_PORTS=() ZK_ELECTION_PORTS=()
ZK_MEMBERS=0
ZK_ENSEMBLE_DIR=""

_zk_member_launch() {
  local i="$1" d="$ZK_ENSEMBLE_DIR/s$1" cmd=()
  mapfile -t cmd < <(_zk_java "$d")
  cmd+=(org.apache.zookeeper.server.quorum.QuorumPeerMain "$d/zoo.cfg")
  if [[ -n "${ZK_RUN_AS_UID_BASE:-}" ]]; then
    ke_spawn_as "$(( ZK_RUN_AS_UID_BASE + i ))" "zookeeper-$i" "$d/zookeeper.out.log" "${cmd[@]}"
  else
    ke_spawn "zookeeper-$i" "$d/zookeeper.out.log" "${cmd[@]}"
  fi
}

zookeeper_ensemble_start() {
  local workdir="$1" n="${2:-3}" i d servers="" eps=()
  _zk_classpath || return 1
  mkdir -p "$workdir/zookeeper"
  ZK_ENSEMBLE_DIR="$(cd "$workdir/zookeeper" && pwd)"; ZK_MEMBERS="$n"
  for (( i=1; i<=n; i++ )); do
    ZK_CLIENT_PORTS[$i]="$(ke_free_port)" && ZK_QUORUM_PORTS[$i]="$(ke_free_port)" \
      && ZK_ELECTION_PORTS[$i]="$(ke_free_port)" || return 1
    servers+="server.$i=127.0.0.1:${ZK_QUORUM_PORTS[$i]}:${ZK_ELECTION_PORTS[$i]}"$'\n'
    eps+=("127.0.0.1:${ZK_CLIENT_PORTS[$i]}")
  done
  for (( i=1; i<=n; i++ )); do
    d="$ZK_ENSEMBLE_DIR/s$i"
    mkdir -p "$d/data"
    echo "$i" >"$d/data/myid"
    _zk_write_config "$d" "${ZK_CLIENT_PORTS[$i]}" 1000 "$servers"
    if [[ -n "${ZK_RUN_AS_UID_BASE:-}" ]]; then chown -R "$(( ZK_RUN_AS_UID_BASE + i ))" "$d"; fi
  done
  for (( i=1; i<=n; i++ )); do _zk_member_launch "$i"; done
  for (( i=1; i<=n; i++ )); do
    ke_wait_until "${ZK_START_TIMEOUT:-60}" "ZooKeeper server $i in the quorum (127.0.0.1:${ZK_CLIENT_PORTS[$i]})" \
      _zk_in_quorum "${ZK_CLIENT_PORTS[$i]}" || { tail -20 "$ZK_ENSEMBLE_DIR/s$i/zookeeper-server.log" >&2; return 1; }
  done
  ZK_CONNECT="$(IFS=,; echo "${eps[*]}")"
  export ZK_CONNECT
}

zookeeper_member_leader() {
  local i
  for (( i=1; i<=ZK_MEMBERS; i++ )); do
    [[ "$(_zk_mode "${ZK_CLIENT_PORTS[$i]}" 2>/dev/null)" == leader ]] && { echo "$i"; return 0; }
  done
  return 1
}

zookeeper_member_kill9() { ke_kill9 "zookeeper-$1"; }
zookeeper_member_stop()  { ke_stop "zookeeper-$1" 10; }

# zookeeper_member_restart I [wait]: relaunch with the same config and data; with
# "wait", return once it serves in the quorum again.
zookeeper_member_restart() {
  _zk_member_launch "$1"
  [[ "${2:-}" == wait ]] || return 0
  ke_wait_until "${ZK_START_TIMEOUT:-60}" "ZooKeeper server $1 back in the quorum" _zk_in_quorum "${ZK_CLIENT_PORTS[$1]}"
}

zookeeper_ensemble_healthy() {
  local i
  for (( i=1; i<=ZK_MEMBERS; i++ )); do _zk_in_quorum "${ZK_CLIENT_PORTS[$i]}" || return 1; done
  zookeeper_member_leader >/dev/null
}

zookeeper_ensemble_stop() {
  local i names=()
  for (( i=ZK_MEMBERS; i>=1; i-- )); do names+=("zookeeper-$i"); done
  ((${#names[@]})) && ke_stop_many 10 "${names[@]}"
  return 0
}
