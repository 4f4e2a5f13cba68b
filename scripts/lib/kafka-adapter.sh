#!/usr/bin/env bash
# Builds what a broker needs to keep its metadata in etcd: the jar
# kafka/adapter/target/kafka-etcd-kafka.jar (our kafka.zookeeper.ZooKeeperClient,
# the io.kafkaetcd Java API and the native library, all in one).
#
# Source it:   . scripts/lib/kafka-adapter.sh ; kafka_adapter_ensure
# or run it:   scripts/lib/kafka-adapter.sh          (prints the jar's path)
#
# Each stage runs only when its output is missing or older than its inputs:
#   1. cargo build --release --lib      target/release/libkafka_etcd.so (cargo decides)
#   2. mvn install -DskipTests in java/  io.kafkaetcd:kafka-etcd:0.1.0 in the local repository
#   3. mvn package -DskipTests in kafka/adapter
# Exports KAFKA_ETCD_ADAPTER_JAR. kafka_adapter_jar: KAFKA_ETCD_JAR if set, else that jar.
#
# Env: KAFKA_ETCD_MVN       maven command (default: mvn)
#      KAFKA_ETCD_M2_REPO   local Maven repository (default: ~/.m2/repository)
#      KAFKA_ETCD_NO_CARGO  set to skip stage 1 (use the library already built)

_ka_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# _ka_mvn DIR GOALS...: quiet Maven build; its output is shown only when it fails.
_ka_mvn() {
  local dir="$1" log rc=0; shift
  log="$(mktemp "${TMPDIR:-/tmp}/kafka-adapter-mvn.XXXXXX")"
  (cd "$dir" && ${KAFKA_ETCD_MVN:-mvn} -B -Dstyle.color=never "$@" >"$log" 2>&1) || rc=$?
  (( rc == 0 )) || { tail -n 40 "$log" >&2; echo "kafka-adapter: mvn $* in $dir failed" >&2; }
  rm -f "$log"
  return "$rc"
}

# _ka_stale OUTPUT INPUT...: OUTPUT is missing or some INPUT (file or dir) has a newer file.
_ka_stale() {
  local out="$1"; shift
  [[ -f "$out" ]] || return 0
  [[ -n "$(find "$@" -newer "$out" -print -quit 2>/dev/null)" ]]
}

kafka_adapter_ensure() {
  local mvn="${KAFKA_ETCD_MVN:-mvn}"
  local so="$_ka_root/target/release/libkafka_etcd.so"
  local api_jar="${KAFKA_ETCD_M2_REPO:-$HOME/.m2/repository}/io/kafkaetcd/kafka-etcd/0.1.0/kafka-etcd-0.1.0.jar"
  local jar="$_ka_root/kafka/adapter/target/kafka-etcd-kafka.jar"
  command -v "${mvn%% *}" >/dev/null || { echo "kafka-adapter: maven ($mvn) not found" >&2; return 1; }
  if [[ -z "${KAFKA_ETCD_NO_CARGO:-}" || ! -f "$so" ]]; then
    command -v cargo >/dev/null || { echo "kafka-adapter: cargo not found (https://rustup.rs)" >&2; return 1; }
    [[ -f "$so" ]] || echo "kafka-adapter: building the native library (cargo build --release --lib; minutes on a fresh clone)" >&2
    (cd "$_ka_root" && cargo build --release --lib --quiet >&2) || { echo "kafka-adapter: cargo build failed" >&2; return 1; }
  fi
  if _ka_stale "$api_jar" "$_ka_root/java/src/main" "$_ka_root/java/pom.xml" "$so"; then
    echo "kafka-adapter: installing the Java API (java/, mvn install -DskipTests)" >&2
    _ka_mvn "$_ka_root/java" install -DskipTests || return 1
    touch "$api_jar"
  fi
  if _ka_stale "$jar" "$_ka_root/kafka/adapter/src/main" "$_ka_root/kafka/adapter/pom.xml" "$api_jar"; then
    echo "kafka-adapter: building the adapter jar (kafka/adapter, mvn package -DskipTests)" >&2
    _ka_mvn "$_ka_root/kafka/adapter" package -DskipTests || return 1
    touch "$jar"
  fi
  KAFKA_ETCD_ADAPTER_JAR="$jar"; export KAFKA_ETCD_ADAPTER_JAR
}

# kafka_adapter_jar: KAFKA_ETCD_JAR when set (a jar built earlier), else the one
# kafka_adapter_ensure builds; exported as KAFKA_ETCD_JAR, fails when the file is missing.
kafka_adapter_jar() {
  if [[ -z "${KAFKA_ETCD_JAR:-}" ]]; then
    kafka_adapter_ensure || return 1
    KAFKA_ETCD_JAR="$KAFKA_ETCD_ADAPTER_JAR"
  fi
  [[ -f "$KAFKA_ETCD_JAR" ]] || { echo "kafka-adapter: no jar at $KAFKA_ETCD_JAR" >&2; return 1; }
  export KAFKA_ETCD_JAR
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  kafka_adapter_ensure
  echo "$KAFKA_ETCD_ADAPTER_JAR"
fi
