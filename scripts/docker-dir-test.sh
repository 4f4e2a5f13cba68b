#!/usr/bin/env bash
# The broker image's steps without a container engine (run by scripts/test.sh):
# docker/assemble.sh lays out the image's /opt/kafka in a plain directory, and
# brokers start from it through its entry point, configured ONLY through the
# environment variables the image takes (env -i: nothing else leaks in).
#
#   1. assemble the directory; the entry point's environment -> properties
#      mapping (--config-only) and its refusal without KAFKA_ZOOKEEPER_CONNECT
#   2. 3 etcd members (scripts/lib/etcd-cluster.sh), 2 brokers from the directory
#   3. the health check passes on both; a topic (RF 2) created, 20 records
#      produced and consumed with the directory's own bin/ tools
#   4. the metadata is in etcd under the KAFKAETCD_NAMESPACE prefix
#   5. broker 2 stopped: its health check fails
# Everything started is stopped on exit, also on failure.
#
# usage: scripts/docker-dir-test.sh [--keep-workdir]
# Env: KAFKA_ETCD_JAR  the jar to ship (default: built by scripts/lib/kafka-adapter.sh)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/lib/etcd-cluster.sh"

keep=""
[[ "${1:-}" == --keep-workdir ]] && keep=1
WORK="$(mktemp -d "${TMPDIR:-/tmp}/kafka-etcd-docker-dir.XXXXXX")"
HOME_DIR="$WORK/opt-kafka"
NAMESPACE="dockertest"
BROKERS=2

on_exit() {
  if [[ "${KE_EXIT_RC:-0}" != 0 ]]; then
    local f
    for f in "$WORK"/b*/console.log "$WORK"/etcd/m*.log; do
      [[ -s "$f" ]] || continue
      printf '\n----- last lines of %s\n' "$f" >&2
      tail -n 25 "$f" >&2
    done
    echo "docker-dir-test: FAILED; files kept in $WORK" >&2
  elif [[ -z "$keep" ]]; then
    rm -rf "$WORK"
  else
    echo "docker-dir-test: files kept in $WORK" >&2
  fi
}
KE_FINAL_HOOKS+=(on_exit)
ke_install_cleanup_trap
t0=$(ke_now_ms)
step() { ke_log "[$(( ($(ke_now_ms) - t0) / 1000 ))s] $*"; }

step "assembling the image directory with docker/assemble.sh"
"$ROOT/docker/assemble.sh" "$HOME_DIR"
for f in bin/entrypoint.sh bin/healthcheck.sh bin/kafka-run-class.sh bin/kafka-topics.sh \
         libs/kafka-etcd-kafka.jar libs/kafka_2.13-3.9.1.jar bin/kafka-etcd-shell.sh; do
  [[ -f "$HOME_DIR/$f" ]] || ke_die "assembled directory lacks $f"
done

# image_env VAR=VALUE...: the command prefix that runs a program with the
# image's environment and only the given variables.
image_env() {
  IMAGE_ENV=(env -i PATH="/usr/local/bin:/usr/bin:/bin" HOME="$WORK" KAFKA_HOME="$HOME_DIR" "$@")
}
# in_image VAR=VALUE... -- CMD...
in_image() {
  local vars=()
  while [[ "$1" != -- ]]; do vars+=("$1"); shift; done
  shift
  image_env "${vars[@]}"
  "${IMAGE_ENV[@]}" "$@"
}

step "entry point: environment -> server.properties"
props="$(in_image KAFKA_CONFIG_DIR="$WORK/mapping" KAFKA_ZOOKEEPER_CONNECT="127.0.0.1:1/x" \
  KAFKA_BROKER_ID=7 KAFKA_LOG_RETENTION_HOURS=5 KAFKA_LISTENER_NAME_INTERNAL_SSL_CLIENT__AUTH=required \
  KAFKA_HEAP_OPTS=-Xmx1g KAFKA_SOME___DASHED_NAME=x -- "$HOME_DIR/bin/entrypoint.sh" --config-only)"
expect_line() { grep -qxF "$2" "$1" || { cat "$1" >&2; ke_die "$1 lacks the line: $2"; }; }
for line in "zookeeper.connect=127.0.0.1:1/x" "broker.id=7" "log.retention.hours=5" \
            "listener.name.internal.ssl.client_auth=required" "some-dashed.name=x" \
            "listeners=PLAINTEXT://0.0.0.0:9092" "log.dirs=/var/lib/kafka/data"; do
  expect_line "$props" "$line"
done
if grep -q '^heap' "$props"; then ke_die "KAFKA_HEAP_OPTS became a broker property"; fi
if out="$(in_image KAFKA_CONFIG_DIR="$WORK/mapping2" KAFKA_BROKER_ID=1 -- "$HOME_DIR/bin/entrypoint.sh" 2>&1)"; then
  ke_die "the entry point started without KAFKA_ZOOKEEPER_CONNECT"
fi
grep -q 'KAFKA_ZOOKEEPER_CONNECT is not set' <<<"$out" || ke_die "unclear error without KAFKA_ZOOKEEPER_CONNECT: $out"

step "starting 3 etcd members"
etcd_cluster_start "$WORK" 3

declare -A PORT=()
# broker_env ID: the environment of broker ID, as a compose file would give it.
broker_env() {
  local id="$1"
  printf '%s\n' \
    "KAFKA_BROKER_ID=$id" \
    "KAFKA_ZOOKEEPER_CONNECT=$ETCD_ENDPOINTS/kafka" \
    "KAFKA_LISTENERS=PLAINTEXT://127.0.0.1:${PORT[$id]}" \
    "KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://127.0.0.1:${PORT[$id]}" \
    "KAFKA_LOG_DIRS=$WORK/b$id/data" \
    "KAFKA_CONFIG_DIR=$WORK/b$id/config" \
    "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR=$BROKERS" \
    "KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS=3" \
    "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS=0" \
    "KAFKA_ZOOKEEPER_SESSION_TIMEOUT_MS=6000" \
    "KAFKA_NUM_NETWORK_THREADS=2" \
    "KAFKA_NUM_IO_THREADS=2" \
    "KAFKA_HEAP_OPTS=-Xms128m -Xmx384m" \
    "KAFKA_JVM_PERFORMANCE_OPTS=-XX:+UseG1GC -XX:TieredStopAtLevel=1 -Xshare:auto -Djava.awt.headless=true" \
    "KAFKAETCD_NAMESPACE=$NAMESPACE"
}
# broker_image_env ID: IMAGE_ENV = the container environment of broker ID.
broker_image_env() { local vars; mapfile -t vars < <(broker_env "$1"); image_env "${vars[@]}"; }
# as_broker ID CMD...: CMD in broker ID's container environment.
as_broker() { broker_image_env "$1"; shift; "${IMAGE_ENV[@]}" "$@"; }

for (( id=1; id<=BROKERS; id++ )); do PORT[$id]="$(ke_free_port)"; done
step "starting $BROKERS brokers from $HOME_DIR/bin/entrypoint.sh (configuration from the environment only)"
for (( id=1; id<=BROKERS; id++ )); do
  mkdir -p "$WORK/b$id"
  broker_image_env "$id"
  ke_spawn "broker-$id" "$WORK/b$id/console.log" "${IMAGE_ENV[@]}" "$HOME_DIR/bin/entrypoint.sh"
done
broker_started() { grep -q 'started (kafka.server.KafkaServer)' "$WORK/b$1/console.log" && ke_port_open "${PORT[$1]}"; }
for (( id=1; id<=BROKERS; id++ )); do
  ke_wait_until 120 "broker $id started" broker_started "$id" || ke_die "broker $id did not start"
  grep -q 'kafka-etcd Java ZooKeeperClient (backend: etcd)' "$WORK/b$id/console.log" \
    || ke_die "broker $id did not log the kafka-etcd client (is our jar first on the class path?)"
  expect_line "$WORK/b$id/config/server.properties" "zookeeper.connect=$ETCD_ENDPOINTS/kafka"
done

step "health check of each broker (bin/healthcheck.sh, as the image's HEALTHCHECK runs it)"
for (( id=1; id<=BROKERS; id++ )); do
  ke_wait_until 60 "broker $id healthy" as_broker "$id" "$HOME_DIR/bin/healthcheck.sh" \
    || { as_broker "$id" "$HOME_DIR/bin/healthcheck.sh" || true; ke_die "broker $id never became healthy"; }
done

bootstrap="127.0.0.1:${PORT[1]},127.0.0.1:${PORT[2]}"
# tool CMD...: a bin/ tool, in broker 1's environment with a smaller heap, bounded in time.
tool() { broker_image_env 1; timeout --kill-after=5 90 "${IMAGE_ENV[@]}" KAFKA_HEAP_OPTS=-Xmx256m "$@"; }
step "topic docker-test (2 partitions, RF 2), 20 records produced and consumed with bin/ tools"
tool "$HOME_DIR/bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --create --topic docker-test \
  --partitions 2 --replication-factor 2 --config min.insync.replicas=2
seq 1 20 | sed 's/^/record-/' >"$WORK/sent.txt"
tool "$HOME_DIR/bin/kafka-console-producer.sh" --bootstrap-server "$bootstrap" --topic docker-test \
  --producer-property acks=all <"$WORK/sent.txt"
tool "$HOME_DIR/bin/kafka-console-consumer.sh" --bootstrap-server "$bootstrap" --topic docker-test \
  --from-beginning --max-messages 20 --timeout-ms 30000 >"$WORK/received.txt"
if ! diff <(sort "$WORK/sent.txt") <(sort "$WORK/received.txt"); then
  ke_die "consumed records differ from the produced ones (< sent, > received)"
fi

step "the metadata is in etcd under the namespace $NAMESPACE/ (KAFKAETCD_NAMESPACE)"
# Count of the keys with the prefix "$NAMESPACE/" (range_end: the prefix with its last byte + 1).
b64() { printf '%s' "$1" | base64 -w0; }
count="$(curl -fsS --max-time 5 -X POST "http://127.0.0.1:${ETCD_CLIENT_PORTS[1]}/v3/kv/range" \
  -d "{\"key\":\"$(b64 "$NAMESPACE/")\",\"range_end\":\"$(b64 "$NAMESPACE""0")\",\"count_only\":true}" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin).get("count", 0))')"
(( count > 0 )) || ke_die "no key under $NAMESPACE/ in etcd"
step "$count etcd keys under $NAMESPACE/"

step "broker 2 stopped: its health check must fail"
ke_stop broker-2 60
if as_broker 2 "$HOME_DIR/bin/healthcheck.sh" >/dev/null 2>&1; then
  ke_die "the health check of a stopped broker passed"
fi
step "docker-dir-test: OK"
