#!/usr/bin/env bash
# kafka-server-start.sh of the kafka-etcd image: the broker in the foreground,
# logging to the console (config/log4j.properties), 1 GB heap unless
# KAFKA_HEAP_OPTS says otherwise (Kafka's defaults).
set -euo pipefail
[[ $# -ge 1 ]] || { echo "usage: $0 server.properties [--override key=value]..." >&2; exit 1; }
KAFKA_HOME="${KAFKA_HOME:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${KAFKA_HEAP_OPTS:=-Xmx1G -Xms1G}"
: "${KAFKA_LOG4J_OPTS:=-Dlog4j.configuration=file:$KAFKA_HOME/config/log4j.properties}"
export KAFKA_HEAP_OPTS KAFKA_LOG4J_OPTS
exec "$KAFKA_HOME/bin/kafka-run-class.sh" kafka.Kafka "$@"
