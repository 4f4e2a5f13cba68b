#!/usr/bin/env bash
# Entry point of the kafka-etcd broker image (docker/Dockerfile), and of any
# directory docker/assemble.sh lays out: environment -> server.properties ->
# exec the broker, in the style of the common Kafka images.
#
# Broker settings: every KAFKA_<NAME> variable becomes the server.properties
# key <name>: lower case, "_" -> ".", "__" -> "_", "___" -> "-", e.g.
#   KAFKA_BROKER_ID=1                        broker.id=1
#   KAFKA_ZOOKEEPER_CONNECT=etcd1:2379,etcd2:2379,etcd3:2379/kafka
#                                            zookeeper.connect=... (the etcd endpoints; required)
#   KAFKA_LISTENERS / KAFKA_ADVERTISED_LISTENERS
#   KAFKA_LISTENER_SECURITY_PROTOCOL_MAP, KAFKA_INTER_BROKER_LISTENER_NAME, ...
# except the variables of the launch scripts (KAFKA_HEAP_OPTS, KAFKA_OPTS,
# KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_GC_LOG_OPTS, KAFKA_JMX_OPTS, KAFKA_LOG4J_OPTS,
# KAFKA_DEBUG, KAFKA_HOME, KAFKA_VERSION, KAFKA_LOG4J_ROOT_LOGLEVEL,
# KAFKA_LOG4J_LOGGERS, KAFKA_TOOLS_LOG4J_LOGLEVEL) and KAFKA_CONFIG_DIR.
# Adapter knobs: every KAFKAETCD_<NAME> becomes -Dkafkaetcd.<name> the same way
# (KAFKAETCD_NAMESPACE=prod1 -> -Dkafkaetcd.namespace=prod1).
#
# Defaults when not set: listeners=PLAINTEXT://0.0.0.0:9092,
# advertised.listeners=PLAINTEXT://<hostname>:9092 (only when listeners is
# defaulted too), log.dirs=/var/lib/kafka/data.
#
# KAFKA_CONFIG_DIR (default: <home>/config) is where server.properties is
# written. Arguments: none starts the broker; --config-only writes
# server.properties, prints its path and exits; anything else is run as a
# command (e.g. `kafka-topics.sh --bootstrap-server ...`, found in <home>/bin).
set -euo pipefail

KAFKA_HOME="${KAFKA_HOME:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
export KAFKA_HOME
PATH="$KAFKA_HOME/bin:$PATH"

die() { echo "entrypoint: $*" >&2; exit 1; }

# Not broker settings: read by kafka-run-class.sh, log4j or this script.
declare -A NOT_PROPERTIES=()
for var in KAFKA_HEAP_OPTS KAFKA_OPTS KAFKA_JVM_PERFORMANCE_OPTS KAFKA_GC_LOG_OPTS KAFKA_JMX_OPTS \
    KAFKA_LOG4J_OPTS KAFKA_DEBUG KAFKA_HOME KAFKA_VERSION KAFKA_LOG4J_ROOT_LOGLEVEL KAFKA_LOG4J_LOGGERS \
    KAFKA_TOOLS_LOG4J_LOGLEVEL KAFKA_CONFIG_DIR; do
  NOT_PROPERTIES[$var]=1
done

# env_to_key PREFIX VAR: VAR without PREFIX, lower case, ___ -> -, __ -> _, _ -> .
env_to_key() {
  local name="${2#"$1"}"
  name="${name,,}"
  name="${name//___/-}"
  name="${name//__/$'\x01'}"
  name="${name//_/.}"
  echo "${name//$'\x01'/_}"
}

write_server_properties() {
  local file="$1" var key
  declare -A props=()
  for var in $(compgen -e); do
    [[ "$var" == KAFKA_* ]] || continue
    [[ -z "${NOT_PROPERTIES[$var]:-}" ]] || continue
    key="$(env_to_key KAFKA_ "$var")"
    [[ -n "$key" ]] || continue
    props[$key]="${!var}"
  done
  [[ -n "${props[zookeeper.connect]:-}" ]] \
    || die "KAFKA_ZOOKEEPER_CONNECT is not set: give the etcd endpoints, e.g. etcd1:2379,etcd2:2379,etcd3:2379/kafka"
  if [[ -z "${props[listeners]:-}" ]]; then
    props[listeners]="PLAINTEXT://0.0.0.0:9092"
    [[ -n "${props[advertised.listeners]:-}" ]] || props[advertised.listeners]="PLAINTEXT://$(hostname):9092"
  fi
  [[ -n "${props[log.dirs]:-}" ]] || props[log.dirs]="/var/lib/kafka/data"
  mkdir -p "$(dirname "$file")"
  {
    echo "# Written by $0 from the KAFKA_* environment variables; rewritten at every start."
    for key in $(printf '%s\n' "${!props[@]}" | LC_ALL=C sort); do
      printf '%s=%s\n' "$key" "${props[$key]}"
    done
  } >"$file.tmp"
  mv "$file.tmp" "$file"
}

# The broker's log4j configuration: the console (docker logs), root level
# KAFKA_LOG4J_ROOT_LOGLEVEL (INFO), more loggers from KAFKA_LOG4J_LOGGERS
# ("kafka.controller=WARN,kafka.zookeeper=DEBUG").
write_log4j_properties() {
  local file="$1" logger
  {
    echo "log4j.rootLogger=${KAFKA_LOG4J_ROOT_LOGLEVEL:-INFO}, stdout"
    echo "log4j.appender.stdout=org.apache.log4j.ConsoleAppender"
    echo "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout"
    echo "log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n"
    echo "log4j.logger.kafka.request.logger=WARN"
    IFS=, read -ra loggers <<<"${KAFKA_LOG4J_LOGGERS:-}"
    for logger in "${loggers[@]}"; do
      [[ "$logger" == *=* ]] || die "KAFKA_LOG4J_LOGGERS: '$logger' is not logger=LEVEL"
      echo "log4j.logger.${logger%%=*}=${logger#*=}"
    done
  } >"$file"
}

# KAFKAETCD_* -> -Dkafkaetcd.* system properties, appended to KAFKA_OPTS.
adapter_system_properties() {
  local var opts=()
  for var in $(compgen -e); do
    [[ "$var" == KAFKAETCD_* ]] || continue
    opts+=("-Dkafkaetcd.$(env_to_key KAFKAETCD_ "$var")=${!var}")
  done
  if (( ${#opts[@]} )); then
    KAFKA_OPTS="${KAFKA_OPTS:+$KAFKA_OPTS }${opts[*]}"
    export KAFKA_OPTS
  fi
}

config_dir="${KAFKA_CONFIG_DIR:-$KAFKA_HOME/config}"
server_properties="$config_dir/server.properties"

case "${1:-}" in
  "")
    write_server_properties "$server_properties"
    write_log4j_properties "$config_dir/log4j.properties"
    : "${KAFKA_LOG4J_OPTS:=-Dlog4j.configuration=file:$config_dir/log4j.properties}"
    export KAFKA_LOG4J_OPTS
    adapter_system_properties
    exec "$KAFKA_HOME/bin/kafka-server-start.sh" "$server_properties"
    ;;
  --config-only)
    write_server_properties "$server_properties"
    echo "$server_properties"
    ;;
  *)
    exec "$@"
    ;;
esac
