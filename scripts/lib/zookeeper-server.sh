#!/usr/bin/env bash
# A standalone Apache ZooKeeper 3.8 server from the Maven libs (reference metastore).
#
#   . scripts/lib/zookeeper-server.sh
#   zookeeper_start "$WORKDIR"     # zoo.cfg, data and log under $WORKDIR/zookeeper/
#   echo "$ZK_CONNECT"             # 127.0.0.1:PORT
#   zookeeper_stop
#
# tickTime=1000 lets brokers use session timeouts from 2 s to 20 s.

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/kafka-runtime.sh"

_zk_ruok() {
  local r
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'ruok' >&3
  r="$(timeout 2 cat <&3)"
  exec 3<&- 3>&-
  [[ "$r" == imok ]]
}

# zk_srvr_mode: "standalone" when the server answers srvr
_zk_serving() {
  local r
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'srvr' >&3
  r="$(timeout 2 cat <&3)"
  exec 3<&- 3>&-
  [[ "$r" == *"Mode: standalone"* ]]
}

zookeeper_start() {
  local workdir="$1"
  kafka_runtime_ensure || return 1
  local d="$workdir/zookeeper"
  mkdir -p "$d/data"
  d="$(cd "$d" && pwd)"
  ZK_PORT="$(ke_free_port)" || return 1
  cat >"$d/zoo.cfg" <<EOF
tickTime=1000
initLimit=10
syncLimit=5
dataDir=$d/data
clientPort=$ZK_PORT
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr,stat,mntr
EOF
  cat >"$d/log4j.properties" <<EOF
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$d/zookeeper-server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
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
