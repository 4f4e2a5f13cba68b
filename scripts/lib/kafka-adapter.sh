#!/usr/bin/env bash
# Builds what a broker needs to keep its metadata in etcd: the jar
# kafka/adapter/target/kafka-etcd-kafka.jar (our kafka.zookeeper.ZooKeeperClient,
# the io.kafkaetcd Java API and the native library, all in one).
#
# Source it:   . scripts/lib/kafka-adapter.sh ; kafka_adapter_ensure
# or run it:   scripts/lib/kafka-adapter.sh          (prints the jar's path)
#
# One build through the root Maven reactor (pom.xml), which runs cargo for the
# native library and builds the Java API and the adapter, each only as far as
# it is stale (cargo and Maven decide, not this script):
#   mvn -pl kafka/adapter -am package -DskipTests
# Exports KAFKA_ETCD_ADAPTER_JAR. kafka_adapter_jar: KAFKA_ETCD_JAR if set, else that jar.
#
# Env: KAFKA_ETCD_MVN       maven command (default: mvn)
#      KAFKA_ETCD_NO_CARGO  set to skip cargo (use target/release/libkafka_etcd.so as built)

_ka_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

kafka_adapter_ensure() {
  local mvn="${KAFKA_ETCD_MVN:-mvn}" log rc=0
  local jar="$_ka_root/kafka/adapter/target/kafka-etcd-kafka.jar"
  command -v "${mvn%% *}" >/dev/null || { echo "kafka-adapter: maven ($mvn) not found" >&2; return 1; }
  [[ -n "${KAFKA_ETCD_NO_CARGO:-}" ]] || command -v cargo >/dev/null \
    || { echo "kafka-adapter: cargo not found (https://rustup.rs)" >&2; return 1; }
  echo "kafka-adapter: building the adapter jar (mvn -pl kafka/adapter -am package; cargo takes minutes on a fresh clone)" >&2
  # Quiet unless it fails: then the end of Maven's output.
  log="$(mktemp "${TMPDIR:-/tmp}/kafka-adapter-mvn.XXXXXX")"
  (cd "$_ka_root" && $mvn -B -Dstyle.color=never -pl kafka/adapter -am package -DskipTests \
      ${KAFKA_ETCD_NO_CARGO:+-Dcargo.skip=true} >"$log" 2>&1) || rc=$?
  (( rc == 0 )) || { tail -n 40 "$log" >&2; echo "kafka-adapter: the Maven build failed" >&2; }
  rm -f "$log"
  (( rc == 0 )) || return "$rc"
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
