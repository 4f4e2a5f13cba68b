#!/usr/bin/env bash
# The kafka-etcd operator shell, run the Kafka way: kafka-run-class.sh with the
# adapter jar on CLASSPATH, so it uses the broker's own Kafka and ZooKeeper jars.
#
#   bin/kafka-etcd-shell.sh CONNECT COMMAND [ARGS] [OPTIONS]     (--help lists them)
#   bin/kafka-etcd-shell.sh 127.0.0.1:2379/kafka tree
#   bin/kafka-etcd-shell.sh 127.0.0.1:2379/kafka import-zookeeper --from zk1:2181/kafka
#
# KAFKA_HOME    the Kafka installation (default: this script's ../ when it sits in a
#               Kafka bin/ directory)
# KAFKA_ETCD_JAR  the adapter jar (default: $KAFKA_HOME/libs/kafka-etcd-kafka.jar, else
#               kafka/adapter/target/kafka-etcd-kafka.jar of this checkout)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ -z "${KAFKA_HOME:-}" && -x "$here/kafka-run-class.sh" ]]; then KAFKA_HOME="$(dirname "$here")"; fi
[[ -n "${KAFKA_HOME:-}" && -x "$KAFKA_HOME/bin/kafka-run-class.sh" ]] \
  || { echo "kafka-etcd-shell: set KAFKA_HOME to a Kafka 3.9 installation" >&2; exit 2; }
jar="${KAFKA_ETCD_JAR:-}"
if [[ -z "$jar" ]]; then
  for jar in "$KAFKA_HOME/libs/kafka-etcd-kafka.jar" "$here/../kafka/adapter/target/kafka-etcd-kafka.jar"; do
    [[ -f "$jar" ]] && break
  done
fi
[[ -f "$jar" ]] || { echo "kafka-etcd-shell: no adapter jar (set KAFKA_ETCD_JAR)" >&2; exit 2; }
CLASSPATH="$jar${CLASSPATH:+:$CLASSPATH}" exec "$KAFKA_HOME/bin/kafka-run-class.sh" io.kafkaetcd.kafka.tool.EtcdZkShell "$@"
