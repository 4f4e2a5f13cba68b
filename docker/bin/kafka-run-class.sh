#!/usr/bin/env bash
# kafka-run-class.sh of the kafka-etcd image: runs a Kafka main class with the
# launch variables of Kafka's own script (KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS,
# KAFKA_GC_LOG_OPTS, KAFKA_JMX_OPTS, KAFKA_LOG4J_OPTS, KAFKA_OPTS, LOG_DIR, CLASSPATH).
# The class path is $CLASSPATH, then the kafka-etcd jar, then libs/*: our
# kafka.zookeeper.ZooKeeperClient shadows Kafka's, so every tool that takes
# --zookeeper talks to etcd as the broker does.
#
# usage: kafka-run-class.sh [-daemon is not supported] CLASS [ARGS...]
set -euo pipefail
[[ $# -ge 1 ]] || { echo "usage: $0 CLASS [ARGS...]" >&2; exit 1; }
KAFKA_HOME="${KAFKA_HOME:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"

# Named before the wildcard so it comes first whatever order the JVM expands libs/* in.
cp="$KAFKA_HOME/libs/kafka-etcd-kafka.jar:$KAFKA_HOME/libs/*"
[[ -n "${CLASSPATH:-}" ]] && cp="$CLASSPATH:$cp"

: "${LOG_DIR:=$KAFKA_HOME/logs}"
: "${KAFKA_HEAP_OPTS:=-Xmx256M}"
: "${KAFKA_JVM_PERFORMANCE_OPTS:=-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true}"
: "${KAFKA_LOG4J_OPTS:=-Dlog4j.configuration=file:$KAFKA_HOME/config/tools-log4j.properties}"

# Word splitting of the *_OPTS variables is intended, as in Kafka's script.
# shellcheck disable=SC2086
exec "${JAVA:-java}" $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS ${KAFKA_GC_LOG_OPTS:-} ${KAFKA_JMX_OPTS:-} \
  $KAFKA_LOG4J_OPTS "-Dkafka.logs.dir=$LOG_DIR" -cp "$cp" ${KAFKA_OPTS:-} "$@"
