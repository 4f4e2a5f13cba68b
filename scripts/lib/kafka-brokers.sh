#!/usr/bin/env bash
# ZooKeeper-mode Kafka 3.9 brokers from the Maven libs, on 127.0.0.1 free ports.
#
#   . scripts/lib/kafka-brokers.sh
#   ke_install_cleanup_trap
#   KB_EXTRA_CP="/path/our.jar"            # optional: put first on the broker classpath
#   KB_EXTRA_JAVA_OPTS="-Djava.library.path=..."   # optional, word-split
#   KB_EXTRA_PROPERTIES="zookeeper.ssl.client.enable=true..."  # optional, appended to server.properties
#   kafka_brokers_start "$WORKDIR" 3 "$ZK_CONNECT"  # ids 1..N, files under $WORKDIR/kafka/bN/
#   kafka_topic_create kafka-test 1 3 [--config min.insync.replicas=2 ...]
#   KB_JMX=1                               # optional: each broker serves JMX on 127.0.0.1:KB_JMX_PORTS[ID]
#   KB_SASL=1                              # optional, ZooKeeper mode: also a SASL_PLAINTEXT (SCRAM) listener on KB_SASL_PORTS[ID]
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
# ZooKeeper -> KRaft migration (scripts/migrate-to-kraft.sh, docs/kraft-migration.md):
#   kafka_controllers_start 1 CLUSTER_ID migration   # KRaft controllers, node ids 3000.., dirs kafka/cNODE/
#   kafka_broker_roll 1 migration                    # restart broker 1 as a migrating ZK broker
#   kafka_broker_roll 1 kraft                        # ... then as a KRaft broker (process.roles=broker)
#   kafka_controller_roll 3000 kraft                 # the controller without the migration settings
#   KB_MODE_PROPS[zk|migration|kraft], KC_MODE_PROPS[migration|kraft]: extra lines per mode
#
# Every helper JVM is bounded by KB_TOOL_TIMEOUT seconds (default 60).

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/kafka-runtime.sh"

declare -gA KB_PORTS=() KB_JMX_PORTS=() KB_SASL_PORTS=()
declare -gA KB_MODE=()        # broker id -> zk | migration | kraft
declare -gA KB_MODE_PROPS=()  # mode -> extra server.properties lines for brokers in that mode
declare -gA KC_PORTS=() KC_JMX_PORTS=() KC_MODE=()   # KRaft controllers, by node id
declare -gA KC_MODE_PROPS=()  # migration | kraft -> extra controller.properties lines
declare -ga KC_IDS=()
KB_CONTROLLER_VOTERS=""       # controller.quorum.voters once controllers exist
: "${KC_FIRST_ID:=3000}"
: "${KC_HEAP:=384m}"
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
: "${KB_JMX:=}"
: "${KB_SASL:=}"

# JVM flags for the short-lived CLI JVMs: start fast, stay small.
KB_TOOL_JAVA_OPTS=(-Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto)

_kb_dir() { echo "$KB_WORKDIR/kafka/b$1"; }

# The inter.broker.protocol.version of this Kafka (3.9.1 -> 3.9): a migration needs it explicit.
_kb_ibp() { echo "${KAFKA_VERSION%.*}"; }

# The properties that change with the broker's mode (docs/kraft-migration.md).
_kb_mode_props() {
  local id="$1" mode="${KB_MODE[$1]:-zk}"
  case "$mode" in
    zk|migration)
      cat <<EOF
broker.id=$id
zookeeper.connect=$KB_CONNECT
zookeeper.session.timeout.ms=$KB_ZK_SESSION_TIMEOUT_MS
zookeeper.connection.timeout.ms=30000
EOF
      [[ "$mode" == zk ]] && return 0
      cat <<EOF
zookeeper.metadata.migration.enable=true
inter.broker.protocol.version=$(_kb_ibp)
EOF
      ;;
    kraft)
      cat <<EOF
process.roles=broker
node.id=$id
EOF
      ;;
    *) ke_warn "unknown broker mode $mode"; return 1 ;;
  esac
  cat <<EOF
controller.quorum.voters=$KB_CONTROLLER_VOTERS
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
EOF
}

_kb_write_config() {
  local id="$1" d; d="$(_kb_dir "$id")"
  mkdir -p "$d/data" "$d/logs"
  { _kb_mode_props "$id" || return 1
    printf '%s\n' "${KB_MODE_PROPS[${KB_MODE[$id]:-zk}]:-}"
    cat <<EOF
listeners=$(_kb_listeners "$id")
advertised.listeners=$(_kb_listeners "$id")
log.dirs=$d/data
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
  if [[ -n "$KB_SASL" ]]; then
    cat <<EOF
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT
inter.broker.listener.name=PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
EOF
  fi
  if [[ -n "$KB_EXTRA_PROPERTIES" ]]; then printf '%s\n' "$KB_EXTRA_PROPERTIES"; fi
  } >"$d/server.properties"
  _kb_write_log4j "$d"
}

# The PLAINTEXT listener, and with KB_SASL the SASL_PLAINTEXT (SCRAM) one.
_kb_listeners() {
  printf 'PLAINTEXT://127.0.0.1:%s' "${KB_PORTS[$1]}"
  [[ -z "$KB_SASL" ]] || printf ',SASL_PLAINTEXT://127.0.0.1:%s' "${KB_SASL_PORTS[$1]}"
  echo
}

# The SASL_PLAINTEXT bootstrap list (KB_SASL=1) of the running brokers.
kafka_sasl_bootstrap() {
  local id out=()
  for (( id=1; id<=KB_COUNT; id++ )); do
    kafka_broker_alive "$id" && out+=("127.0.0.1:${KB_SASL_PORTS[$id]}")
  done
  (IFS=,; echo "${out[*]}")
}

# _kb_write_log4j DIR: server, controller and state-change logs under DIR/logs.
_kb_write_log4j() {
  local d="$1"
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
log4j.logger.org.apache.kafka.metadata.migration=INFO
EOF
  # KB_ZKCLIENT_DEBUG=1: the ZooKeeperClient's lines from DEBUG up (ours logs
  # each handleRequests' size and time) also in logs/zkclient.log; server.log
  # keeps INFO and up, as without it.
  if [[ -n "${KB_ZKCLIENT_DEBUG:-}" ]]; then
    cat >>"$d/log4j.properties" <<EOF
log4j.appender.server.Threshold=INFO
log4j.appender.zkclient=org.apache.log4j.FileAppender
log4j.appender.zkclient.File=$d/logs/zkclient.log
log4j.appender.zkclient.layout=org.apache.log4j.PatternLayout
log4j.appender.zkclient.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.zookeeper.ZooKeeperClient=DEBUG, zkclient
EOF
  fi
}

_kb_classpath() {
  if [[ -n "$KB_EXTRA_CP" ]]; then echo "$KB_EXTRA_CP:$KAFKA_CLASSPATH"; else echo "$KAFKA_CLASSPATH"; fi
}

# _jmx_opts PORT: remote JMX without auth on loopback only (one port for the
# registry and the RMI server).
_jmx_opts() {
  echo "-Dcom.sun.management.jmxremote -Dcom.sun.management.jmxremote.host=127.0.0.1" \
    "-Dcom.sun.management.jmxremote.port=$1 -Dcom.sun.management.jmxremote.rmi.port=$1" \
    "-Dcom.sun.management.jmxremote.authenticate=false -Dcom.sun.management.jmxremote.ssl=false" \
    "-Djava.rmi.server.hostname=127.0.0.1"
}

# Brokers serve JMX only with KB_JMX=1.
_kb_jmx_opts() { [[ -z "$KB_JMX" ]] || _jmx_opts "${KB_JMX_PORTS[$1]}"; }

_kb_launch() { _kb_launch_in "kafka-$1" "$(_kb_dir "$1")" "$KB_HEAP" server.properties $(_kb_jmx_opts "$1"); }

# _kb_launch_in NAME DIR HEAP CONFIG [JAVA_OPT...]: kafka.Kafka DIR/CONFIG, logs under DIR/logs.
_kb_launch_in() {
  local name="$1" d="$2" heap="$3" config="$4"; shift 4
  # shellcheck disable=SC2086
  ke_spawn "$name" "$d/logs/kafka.out.log" \
    java -Xms256m "-Xmx$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 "$@" \
      -XX:TieredStopAtLevel=1 -Xshare:auto \
      -Djava.awt.headless=true \
      -Dlog4j.configuration="file:$d/log4j.properties" \
      -Dkafka.logs.dir="$d/logs" \
      $KB_EXTRA_JAVA_OPTS \
      -cp "$(_kb_classpath)" kafka.Kafka "$d/$config"
}

# How often the server in DIR logged its start: ZooKeeper mode (KafkaServer) or KRaft (KafkaRaftServer).
_kb_started_count_in() {
  local n; n="$(grep -cE 'started \(kafka\.server\.Kafka(Raft)?Server\)' "$1/logs/server.log" 2>/dev/null)"
  echo "${n:-0}"
}
_kb_started_count() { _kb_started_count_in "$(_kb_dir "$1")"; }

_kb_wait_started() { _kb_wait_started_in "kafka-$1" "$(_kb_dir "$1")" "${KB_PORTS[$1]}" "$2"; }

# _kb_wait_started_in NAME DIR PORT BEFORE: the server logged one more start than BEFORE and listens.
_kb_wait_started_in() {
  local name="$1" d="$2" port="$3" before="$4"
  local deadline=$(( $(date +%s) + KB_START_TIMEOUT ))
  while true; do
    if (( $(_kb_started_count_in "$d") > before )) && ke_port_open "$port"; then return 0; fi
    if ! ke_alive "$name"; then
      ke_warn "$name exited during startup; last lines of $d/logs:"
      tail -n 15 "$d/logs/kafka.out.log" "$d/logs/server.log" >&2 2>/dev/null
      return 1
    fi
    if (( $(date +%s) >= deadline )); then
      ke_warn "$name not started after ${KB_START_TIMEOUT}s; see $d/logs/server.log"
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
    if [[ -n "$KB_JMX" ]]; then KB_JMX_PORTS[$id]="$(ke_free_port)" || return 1; fi
    if [[ -n "$KB_SASL" ]]; then KB_SASL_PORTS[$id]="$(ke_free_port)" || return 1; fi
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

# kafka_broker_roll ID MODE: controlled shutdown, rewrite server.properties for MODE
# (zk | migration | kraft), start again with the same port and log dir.
kafka_broker_roll() {
  local id="$1" mode="$2"
  ke_stop "kafka-$id" 60
  KB_MODE[$id]="$mode"
  _kb_write_config "$id" || return 1
  kafka_broker_restart "$id"
}

# --- KRaft controllers (ZooKeeper -> KRaft migration) -------------------------

_kc_dir() { echo "$KB_WORKDIR/kafka/c$1"; }

# Controllers always serve JMX, so the checks can read the migration metrics
# (kafka.controller:...,name=ZkMigrationState).
_kc_jmx_opts() { _jmx_opts "${KC_JMX_PORTS[$1]}"; }

_kc_write_config() {
  local nid="$1" mode="${KC_MODE[$1]}" d; d="$(_kc_dir "$nid")"
  mkdir -p "$d/data" "$d/logs"
  {
    cat <<EOF
process.roles=controller
node.id=$nid
controller.quorum.voters=$KB_CONTROLLER_VOTERS
controller.listener.names=CONTROLLER
listeners=CONTROLLER://127.0.0.1:${KC_PORTS[$nid]}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$d/data
num.network.threads=2
num.io.threads=2
background.threads=2
EOF
    if [[ "$mode" == migration ]]; then
      cat <<EOF
zookeeper.metadata.migration.enable=true
zookeeper.connect=$KB_CONNECT
zookeeper.session.timeout.ms=$KB_ZK_SESSION_TIMEOUT_MS
zookeeper.connection.timeout.ms=30000
inter.broker.listener.name=PLAINTEXT
EOF
    fi
    printf '%s\n' "${KC_MODE_PROPS[$mode]:-}"
  } >"$d/controller.properties"
  _kb_write_log4j "$d"
}

_kc_launch() {
  local nid="$1"
  # shellcheck disable=SC2046
  _kb_launch_in "kafka-c$nid" "$(_kc_dir "$nid")" "$KC_HEAP" controller.properties $(_kc_jmx_opts "$nid")
}

# kafka_controllers_start N CLUSTER_ID MODE: N KRaft controllers (node ids KC_FIRST_ID..), storage
# formatted with the cluster's id, MODE migration (zookeeper.connect of the brokers) or kraft.
# Call after kafka_brokers_start (same work dir and zookeeper.connect).
kafka_controllers_start() {
  local n="$1" cluster_id="$2" mode="$3" i nid voters=()
  KC_IDS=()
  for (( i=0; i<n; i++ )); do
    nid=$(( KC_FIRST_ID + i ))
    KC_IDS+=("$nid")
    KC_PORTS[$nid]="$(ke_free_port)" && KC_JMX_PORTS[$nid]="$(ke_free_port)" || return 1
    voters+=("$nid@127.0.0.1:${KC_PORTS[$nid]}")
  done
  KB_CONTROLLER_VOTERS="$(IFS=,; echo "${voters[*]}")"
  for nid in "${KC_IDS[@]}"; do
    KC_MODE[$nid]="$mode"
    _kc_write_config "$nid" || return 1
    # "--cluster-id=ID", not "--cluster-id ID": a Kafka id is URL-safe base64 and can start with "-",
    # which argparse4j would take for an option (CI hit "-Aymh2BnRMKUtdlP5VAAlA").
    kafka_tool kafka.tools.StorageTool format --cluster-id="$cluster_id" \
      --config "$(_kc_dir "$nid")/controller.properties" >"$(_kc_dir "$nid")/logs/format.log" 2>&1 || {
      ke_warn "formatting controller $nid failed:"; cat "$(_kc_dir "$nid")/logs/format.log" >&2; return 1; }
  done
  for nid in "${KC_IDS[@]}"; do _kc_launch "$nid"; done
  for nid in "${KC_IDS[@]}"; do
    _kb_wait_started_in "kafka-c$nid" "$(_kc_dir "$nid")" "${KC_PORTS[$nid]}" 0 || return 1
  done
}

# kafka_controller_roll NODE_ID MODE: restart one controller with the settings of MODE.
kafka_controller_roll() {
  local nid="$1" mode="$2" before d; d="$(_kc_dir "$1")"
  ke_stop "kafka-c$nid" 60
  KC_MODE[$nid]="$mode"
  _kc_write_config "$nid" || return 1
  before="$(_kb_started_count_in "$d")"
  _kc_launch "$nid"
  _kb_wait_started_in "kafka-c$nid" "$d" "${KC_PORTS[$nid]}" "$before"
}

kafka_controllers_stop() {
  local names=() nid
  for nid in "${KC_IDS[@]}"; do names+=("kafka-c$nid"); done
  ((${#names[@]})) && ke_stop_many 30 "${names[@]}"
  return 0
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
  shift 3 2>/dev/null || shift $#
  kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$(kafka_bootstrap)" \
    --create --topic "$topic" --partitions "$parts" --replication-factor "$rf" "$@"
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

# kafka_java_classes NAME...: the classes of scripts/lib/java (a module of the
# root Maven build, compiled against Kafka 3.9.1 and ZooKeeper), compiled by
# Maven once per cluster work dir; prints the classes dir. NAME: the programs needed.
kafka_java_classes() {
  local cls_dir="$KE_ROOT/scripts/lib/java/target/classes" built="$KB_WORKDIR/kafka/script-clients.built" name
  if [[ ! -f "$built" ]]; then
    (cd "$KE_ROOT" && mvn -B -q -Dstyle.color=never -pl scripts/lib/java compile >&2) || return 1
    mkdir -p "${built%/*}" && touch "$built"
  fi
  for name in "$@"; do
    [[ -f "$cls_dir/$name.class" ]] || { echo "kafka-brokers: no $name.class in $cls_dir" >&2; return 1; }
  done
  echo "$cls_dir"
}

_kb_info_classes() { kafka_java_classes KafkaClusterInfo MigrationCheck KafkaClients; }

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

# kafka_migration_check COMMAND ARGS...: see scripts/lib/java/MigrationCheck.java. KB_EXTRA_CP
# (the adapter jar) comes first, so its znode reads go where the brokers' metadata is.
kafka_migration_check() {
  local cls; cls="$(_kb_info_classes)" || return 1
  timeout --kill-after=5 "$(( KB_TOOL_TIMEOUT + ${KB_WAIT_EXTRA:-120} ))" \
    java "${KB_TOOL_JAVA_OPTS[@]}" -Dlog4j.configuration="file:$(_kb_tools_log4j)" \
      -cp "$cls:$(_kb_classpath)" MigrationCheck "$@"
}

kafka_controller_id()     { kafka_cluster_info controller; }
kafka_partition_state()   { kafka_cluster_info partition "$1" "$2"; }
kafka_partition_leader()  { kafka_partition_state "$1" "$2" | sed -n 's/^leader=\([^ ]*\).*/\1/p'; }
kafka_wait_isr()          { kafka_cluster_info wait-isr "$1" "$2" "$3" "${4:-60}"; }
kafka_wait_leader_not()   { kafka_cluster_info wait-leader-not "$1" "$2" "$3" "${4:-60}"; }
kafka_wait_controller_not() { kafka_cluster_info wait-controller-not "$1" "${2:-60}"; }
