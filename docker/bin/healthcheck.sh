#!/usr/bin/env bash
# Health check of the kafka-etcd image (HEALTHCHECK in docker/Dockerfile): the
# broker answers on its first listener AND the cluster metadata it serves lists
# its own broker id, which it does only once it is registered in etcd and the
# controller (elected through etcd) has told it so. Exit 0 healthy, 1 not.
#
# Reads the server.properties the entry point wrote (KAFKA_CONFIG_DIR, default
# <home>/config). A listener whose protocol is not PLAINTEXT needs client
# settings: HEALTHCHECK_CLIENT_CONFIG=/path/client.properties.
set -uo pipefail
KAFKA_HOME="${KAFKA_HOME:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
props="${KAFKA_CONFIG_DIR:-$KAFKA_HOME/config}/server.properties"
[[ -f "$props" ]] || { echo "healthcheck: no $props (has the broker been started?)" >&2; exit 1; }

prop() { sed -n "s/^$1=//p" "$props" | tail -1; }
id="$(prop broker.id)"
listener="$(prop listeners | cut -d, -f1)"
hostport="${listener#*://}"
host="${hostport%:*}"; port="${hostport##*:}"
# A wildcard or empty host: ask on loopback.
[[ -z "$host" || "$host" == 0.0.0.0 || "$host" == "[::]" ]] && host=127.0.0.1

args=(--bootstrap-server "$host:$port")
[[ -n "${HEALTHCHECK_CLIENT_CONFIG:-}" ]] && args+=(--command-config "$HEALTHCHECK_CLIENT_CONFIG")
out="$(KAFKA_HEAP_OPTS="-Xmx64m" KAFKA_JVM_PERFORMANCE_OPTS="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto" \
  KAFKA_OPTS="" timeout 30 "$KAFKA_HOME/bin/kafka-run-class.sh" kafka.admin.BrokerApiVersionsCommand "${args[@]}" 2>&1)" || {
  echo "healthcheck: broker not answering on $host:$port" >&2; printf '%s\n' "$out" | tail -3 >&2; exit 1; }
if [[ -n "$id" && "$id" != -1 ]]; then
  grep -q "(id: $id rack:" <<<"$out" || { echo "healthcheck: broker $id is not in the cluster metadata yet" >&2; exit 1; }
fi
echo "healthcheck: broker ${id:-?} healthy on $host:$port"
