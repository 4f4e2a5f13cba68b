#!/usr/bin/env bash
# Apache ZooKeeper 3.8 from the Maven libs (reference metastore): one standalone
# server, or an ensemble of N servers (QuorumPeerMain) on 127.0.0.1.
#
#   . scripts/lib/zookeeper-server.sh
#   zookeeper_start "$WORKDIR"     # zoo.cfg, data and log under $WORKDIR/zookeeper/
#   echo "$ZK_CONNECT"             # 127.0.0.1:PORT
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
# tickTime=1000 lets brokers use session timeouts from 2 s to 20 s.

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

# _zk_serving PORT: a standalone server answers srvr (_zk_mode is below)
_zk_serving() { [[ "$(_zk_mode "$1")" == standalone ]]; }

# _zk_write_config DIR CLIENT_PORT [SERVER_LINES]: DIR/zoo.cfg (data in DIR/data) and
# DIR/log4j.properties (log to DIR/zookeeper-server.log); SERVER_LINES makes it a quorum member.
_zk_write_config() {
  local d="$1"
  cat >"$d/zoo.cfg" <<EOF
tickTime=1000
initLimit=10
syncLimit=5
dataDir=$d/data
clientPort=$2
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr,stat,mntr
${3:-}
EOF
  cat >"$d/log4j.properties" <<EOF
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$d/zookeeper-server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
}

zookeeper_start() {
  local workdir="$1"
  kafka_runtime_ensure || return 1
  local d="$workdir/zookeeper"
  mkdir -p "$d/data"
  d="$(cd "$d" && pwd)"
  ZK_PORT="$(ke_free_port)" || return 1
  _zk_write_config "$d" "$ZK_PORT"
  ke_spawn zookeeper "$d/zookeeper.out.log" \
    java -Xms64m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
      -Dlog4j.configuration="file:$d/log4j.properties" \
      -Dzookeeper.jmx.log4j.disable=true \
      -cp "$KAFKA_CLASSPATH" org.apache.zookeeper.server.ZooKeeperServerMain "$d/zoo.cfg"
  ke_wait_until "${ZK_START_TIMEOUT:-30}" "ZooKeeper serving on 127.0.0.1:$ZK_PORT" _zk_serving "$ZK_PORT" || {
    tail -20 "$d/zookeeper.out.log" "$d/zookeeper-server.log" >&2 2>/dev/null; return 1; }
  ZK_CONNECT="127.0.0.1:$ZK_PORT"
  export ZK_CONNECT ZK_PORT
}

zookeeper_stop() { ke_stop zookeeper 10; }

# --- ensemble -----------------------------------------------------------------

declare -ga ZK_CLIENT_PORTS=() ZK_QUORUM_PORTS=() ZK_ELECTION_PORTS=()
ZK_MEMBERS=0
ZK_ENSEMBLE_DIR=""

# _zk_mode PORT: the server's Mode (leader, follower, standalone), from srvr
_zk_mode() { _zk_ask "$1" srvr | sed -n 's/^Mode: //p'; }

_zk_in_quorum() { local m; m="$(_zk_mode "$1")"; [[ "$m" == leader || "$m" == follower ]]; }

_zk_member_launch() {
  local i="$1" d="$ZK_ENSEMBLE_DIR/s$1"
  local cmd=(java -Xms64m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData
    -Dlog4j.configuration="file:$d/log4j.properties" -Dzookeeper.jmx.log4j.disable=true
    -cp "$KAFKA_CLASSPATH" org.apache.zookeeper.server.quorum.QuorumPeerMain "$d/zoo.cfg")
  if [[ -n "${ZK_RUN_AS_UID_BASE:-}" ]]; then
    ke_spawn_as "$(( ZK_RUN_AS_UID_BASE + i ))" "zookeeper-$i" "$d/zookeeper.out.log" "${cmd[@]}"
  else
    ke_spawn "zookeeper-$i" "$d/zookeeper.out.log" "${cmd[@]}"
  fi
}

zookeeper_ensemble_start() {
  local workdir="$1" n="${2:-3}" i d servers="" eps=()
  kafka_runtime_ensure || return 1
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
    _zk_write_config "$d" "${ZK_CLIENT_PORTS[$i]}" "$servers"
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
