#!/usr/bin/env bash
# ZooKeeper-mode Kafka 3.9 brokers from the Maven libs, on 127.0.0.1 free ports.
#
#   . scripts/lib/kafka-brokers.sh
#   ke_install_cleanup_trap
#   KB_EXTRA_CP="/path/our.jar"            # optional: put first on the broker classpath
#   KB_EXTRA_JAVA_OPTS="-Djava.library.path=..."   # optional, word-split
#   KB_EXTRA_PROPERTIES="zookeeper.ssl.client.enable=true..."  # optional, appended to server.properties
#   kafka_brokers_start "$WORKDIR" 3 "$ZK_CONNECT"  # ids 1..N, files under $WORKDIR/kafka/bN/
#   kafka_topic_create kafka-test 1 3
#   printf '%s\n' a b c | kafka_produce kafka-test
#   kafka_consume kafka-test 3                       # prints the values, one per line
#   kafka_topic_describe kafka-test                  # TopicCommand --describe output
#   kafka_partition_state kafka-test 0               # leader=1 replicas=1,2,3 isr=1,2,3
#   kafka_partition_leader kafka-test 0              # 1
#   kafka_controller_id                              # 2
#   kafka_broker_kill9 1 ; kafka_broker_restart 1
#   kafka_wait_isr kafka-test 0 3 60                 # bounded waits, exit 1 on timeout
#   kafka_brokers_stop
#
# Every helper JVM is bounded by KB_TOOL_TIMEOUT seconds (default 60).

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/kafka-runtime.sh"

declare -gA KB_PORTS=()
KB_WORKDIR=""
KB_COUNT=0
KB_CONNECT=""
: "${KB_EXTRA_CP:=}"
: "${KB_EXTRA_JAVA_OPTS:=}"
: "${KB_EXTRA_PROPERTIES:=}"   # more server.properties lines (e.g. zookeeper.ssl.*)
: "${KB_HEAP:=512m}"
: "${KB_TOOL_TIMEOUT:=60}"
: "${KB_START_TIMEOUT:=90}"
: "${KB_ZK_SESSION_TIMEOUT_MS:=6000}"

# JVM flags for the short-lived CLI JVMs: start fast, stay small.
KB_TOOL_JAVA_OPTS=(-Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto)

_kb_dir() { echo "$KB_WORKDIR/kafka/b$1"; }

_kb_write_config() {
  local id="$1" d; d="$(_kb_dir "$id")"
  mkdir -p "$d/data" "$d/logs"
  cat >"$d/server.properties" <<EOF
broker.id=$id
listeners=PLAINTEXT://127.0.0.1:${KB_PORTS[$id]}
advertised.listeners=PLAINTEXT://127.0.0.1:${KB_PORTS[$id]}
log.dirs=$d/data
zookeeper.connect=$KB_CONNECT
zookeeper.session.timeout.ms=$KB_ZK_SESSION_TIMEOUT_MS
zookeeper.connection.timeout.ms=30000
num.partitions=1
default.replication.factor=3
min.insync.replicas=1
offsets.topic.replication.factor=3
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
transaction.state.log.num.partitions=3
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
unclean.leader.election.enable=false
num.network.threads=2
num.io.threads=4
num.replica.fetchers=1
num.recovery.threads.per.data.dir=1
background.threads=4
log.retention.check.interval.ms=300000
controlled.shutdown.max.retries=1
controlled.shutdown.retry.backoff.ms=500
EOF
  if [[ -n "$KB_EXTRA_PROPERTIES" ]]; then printf '%s\n' "$KB_EXTRA_PROPERTIES" >>"$d/server.properties"; fi
  cat >"$d/log4j.properties" <<EOF
log4j.rootLogger=INFO, server
log4j.appender.server=org.apache.log4j.FileAppender
log4j.appender.server.File=$d/logs/server.log
log4j.appender.server.layout=org.apache.log4j.PatternLayout
log4j.appender.server.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.appender.controller=org.apache.log4j.FileAppender
log4j.appender.controller.File=$d/logs/controller.log
log4j.appender.controller.layout=org.apache.log4j.PatternLayout
log4j.appender.controller.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.appender.state=org.apache.log4j.FileAppender
log4j.appender.state.File=$d/logs/state-change.log
log4j.appender.state.layout=org.apache.log4j.PatternLayout
log4j.appender.state.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.controller=TRACE, controller
log4j.additivity.kafka.controller=false
log4j.logger.state.change.logger=INFO, state
log4j.additivity.state.change.logger=false
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.org.apache.zookeeper=INFO
log4j.logger.kafka.zookeeper=INFO
log4j.logger.kafka.zk=INFO
EOF
}

_kb_classpath() {
  if [[ -n "$KB_EXTRA_CP" ]]; then echo "$KB_EXTRA_CP:$KAFKA_CLASSPATH"; else echo "$KAFKA_CLASSPATH"; fi
}

_kb_launch() {
  local id="$1" d; d="$(_kb_dir "$id")"
  # shellcheck disable=SC2086
  ke_spawn "kafka-$id" "$d/logs/kafka.out.log" \
    java -Xms256m "-Xmx$KB_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      -XX:TieredStopAtLevel=1 -Xshare:auto \
      -Djava.awt.headless=true \
      -Dlog4j.configuration="file:$d/log4j.properties" \
      -Dkafka.logs.dir="$d/logs" \
      $KB_EXTRA_JAVA_OPTS \
      -cp "$(_kb_classpath)" kafka.Kafka "$d/server.properties"
}

_kb_started_count() {
  local n; n="$(grep -c 'started (kafka.server.KafkaServer)' "$(_kb_dir "$1")/logs/server.log" 2>/dev/null)"
  echo "${n:-0}"
}

_kb_wait_started() {
  local id="$1" before="$2" d; d="$(_kb_dir "$id")"
  local deadline=$(( $(date +%s) + KB_START_TIMEOUT ))
  while true; do
    if (( $(_kb_started_count "$id") > before )) && ke_port_open "${KB_PORTS[$id]}"; then return 0; fi
    if ! ke_alive "kafka-$id"; then
      ke_warn "broker $id exited during startup; last lines of $d/logs:"
      tail -n 15 "$d/logs/kafka.out.log" "$d/logs/server.log" >&2 2>/dev/null
      return 1
    fi
    if (( $(date +%s) >= deadline )); then
      ke_warn "broker $id not started after ${KB_START_TIMEOUT}s; see $d/logs/server.log"
      tail -n 15 "$d/logs/server.log" >&2 2>/dev/null
      return 1
    fi
    sleep 0.3
  done
}

# kafka_brokers_start WORKDIR N CONNECT
kafka_brokers_start() {
  local workdir="$1" n="$2" connect="$3" id
  kafka_runtime_ensure || return 1
  mkdir -p "$workdir/kafka"
  KB_WORKDIR="$(cd "$workdir" && pwd)"; KB_COUNT="$n"; KB_CONNECT="$connect"
  for (( id=1; id<=n; id++ )); do
    KB_PORTS[$id]="$(ke_free_port)" || return 1
    _kb_write_config "$id"
  done
  for (( id=1; id<=n; id++ )); do _kb_launch "$id"; done
  for (( id=1; id<=n; id++ )); do _kb_wait_started "$id" 0 || return 1; done
  kafka_cluster_info wait-brokers "$n" 60 >/dev/null || return 1
}

kafka_brokers_stop() {
  local id names=()
  for (( id=KB_COUNT; id>=1; id-- )); do names+=("kafka-$id"); done
  ((${#names[@]})) && ke_stop_many 30 "${names[@]}"
  return 0
}

kafka_broker_alive() { ke_alive "kafka-$1"; }

# Bootstrap list of the brokers that are running now.
kafka_bootstrap() {
  local id out=()
  for (( id=1; id<=KB_COUNT; id++ )); do
    kafka_broker_alive "$id" && out+=("127.0.0.1:${KB_PORTS[$id]}")
  done
  (IFS=,; echo "${out[*]}")
}

# Bootstrap list of the running brokers other than ID (a probe that must not wait on ID).
kafka_bootstrap_except() {
  local id out=()
  for (( id=1; id<=KB_COUNT; id++ )); do
    [[ "$id" == "$1" ]] && continue
    kafka_broker_alive "$id" && out+=("127.0.0.1:${KB_PORTS[$id]}")
  done
  (IFS=,; echo "${out[*]}")
}

kafka_broker_kill9() {
  local id="$1"
  kafka_broker_alive "$id" || { ke_warn "broker $id is not running"; return 1; }
  ke_kill9 "kafka-$id"
}

# Restart a stopped/killed broker with the same id, port, config and log dir.
# After a kill -9, its old session must have expired first (KB_ZK_SESSION_TIMEOUT_MS),
# or the registration of /brokers/ids/ID fails with NodeExists; the controller
# having moved leadership away is a sign that it has.
kafka_broker_restart() {
  local id="$1" before
  kafka_broker_alive "$id" && { ke_warn "broker $id is still running"; return 1; }
  before="$(_kb_started_count "$id")"
  _kb_launch "$id"
  _kb_wait_started "$id" "$before"
}

# --- CLI tools (each a bounded JVM) -------------------------------------------

_kb_tools_log4j() {
  local f="$KB_WORKDIR/kafka/tools-log4j.properties"
  [[ -f "$f" ]] || cat >"$f" <<'EOF'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.appender.stderr.Target=System.err
log4j.logger.org.apache.kafka.clients.NetworkClient=ERROR
EOF
  echo "$f"
}

# kafka_tool MAINCLASS ARGS...: run a Kafka CLI main class against the libs.
kafka_tool() {
  local main="$1"; shift
  timeout --kill-after=5 "$KB_TOOL_TIMEOUT" \
    java "${KB_TOOL_JAVA_OPTS[@]}" -Dlog4j.configuration="file:$(_kb_tools_log4j)" \
      -cp "$KAFKA_CLASSPATH" "$main" "$@"
}

kafka_topic_create() {
  local topic="$1" parts="${2:-1}" rf="${3:-3}"
  kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$(kafka_bootstrap)" \
    --create --topic "$topic" --partitions "$parts" --replication-factor "$rf"
}

kafka_topic_describe() {
  kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$(kafka_bootstrap)" \
    --describe --topic "$1"
}

# stdin: one record value per line
kafka_produce() {
  kafka_tool kafka.tools.ConsoleProducer --bootstrap-server "$(kafka_bootstrap)" --topic "$1" \
    --producer-property acks=all --producer-property linger.ms=0 \
    --producer-property delivery.timeout.ms=30000 --producer-property request.timeout.ms=10000
}

# kafka_consume TOPIC N [TIMEOUT_MS]: read N values from the beginning and print them.
kafka_consume() {
  kafka_tool org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$(kafka_bootstrap)" \
    --topic "$1" --from-beginning --max-messages "$2" --timeout-ms "${3:-30000}" \
    --consumer-property auto.offset.reset=earliest
}

_kb_info_classes() {
  local cls_dir="$KB_WORKDIR/kafka/tools-classes"
  local src="$KE_ROOT/scripts/lib/java/KafkaClusterInfo.java"
  if [[ ! -f "$cls_dir/KafkaClusterInfo.class" || "$src" -nt "$cls_dir/KafkaClusterInfo.class" ]]; then
    mkdir -p "$cls_dir"
    javac -nowarn -d "$cls_dir" -cp "$KAFKA_CLASSPATH" "$src" >&2 || return 1
  fi
  echo "$cls_dir"
}

# kafka_cluster_info COMMAND ARGS...: see scripts/lib/java/KafkaClusterInfo.java
kafka_cluster_info() {
  local cls; cls="$(_kb_info_classes)" || return 1
  timeout --kill-after=5 "$(( KB_TOOL_TIMEOUT + ${KB_WAIT_EXTRA:-120} ))" \
    java "${KB_TOOL_JAVA_OPTS[@]}" -Dlog4j.configuration="file:$(_kb_tools_log4j)" \
      -cp "$cls:$KAFKA_CLASSPATH" KafkaClusterInfo "$(kafka_bootstrap)" "$@"
}

# kafka_cluster_info_at BOOTSTRAP COMMAND ARGS...: the same, against the given brokers.
kafka_cluster_info_at() {
  local bs="$1" cls; shift
  cls="$(_kb_info_classes)" || return 1
  timeout --kill-after=5 "$(( KB_TOOL_TIMEOUT + ${KB_WAIT_EXTRA:-120} ))" \
    java "${KB_TOOL_JAVA_OPTS[@]}" -Dlog4j.configuration="file:$(_kb_tools_log4j)" \
      -cp "$cls:$KAFKA_CLASSPATH" KafkaClusterInfo "$bs" "$@"
}

kafka_controller_id()     { kafka_cluster_info controller; }
kafka_partition_state()   { kafka_cluster_info partition "$1" "$2"; }
kafka_partition_leader()  { kafka_partition_state "$1" "$2" | sed -n 's/^leader=\([^ ]*\).*/\1/p'; }
kafka_wait_isr()          { kafka_cluster_info wait-isr "$1" "$2" "$3" "${4:-60}"; }
kafka_wait_leader_not()   { kafka_cluster_info wait-leader-not "$1" "$2" "$3" "${4:-60}"; }
kafka_wait_controller_not() { kafka_cluster_info wait-controller-not "$1" "${2:-60}"; }
