#!/usr/bin/env bash
# The metastore of a ZooKeeper-mode Kafka cluster, for the story scripts
# (scripts/demo.sh, scripts/migrate-to-kraft.sh). Sourced, never run.
#
#   metastore_runtime                       the Kafka libs from Maven Central (kafka-runtime.sh)
#   metastore_build                         the adapter jar (kafka-adapter.sh), unless KAFKA_ETCD_JAR is set
#   metastore_start MODE WORKDIR CHROOT     MODE: etcd (3 members, our adapter jar) | zookeeper (3.8)
#
# Sets METASTORE_CONNECT (the brokers' zookeeper.connect, chroot included),
# METASTORE_EXTRA_CP (put first on the Kafka classpath: the adapter jar, or ""),
# METASTORE_JAVA_OPTS, METASTORE_DESC and METASTORE_BANNER (what a broker on our
# jar logs, "" for ZooKeeper). The adapter jar is $KAFKA_ETCD_JAR when set, else
# the one kafka_adapter_ensure built ($KAFKA_ETCD_ADAPTER_JAR).

. "$(dirname "${BASH_SOURCE[0]}")/story.sh"
. "$(dirname "${BASH_SOURCE[0]}")/zookeeper-server.sh"
. "$(dirname "${BASH_SOURCE[0]}")/etcd-cluster.sh"
. "$(dirname "${BASH_SOURCE[0]}")/kafka-runtime.sh"
. "$(dirname "${BASH_SOURCE[0]}")/kafka-adapter.sh"

metastore_runtime() {
  kafka_runtime_ensure || return 1
  say "Kafka $KAFKA_VERSION, $(ls "$KAFKA_LIBS_DIR" | wc -l) jars from Maven Central in $KAFKA_LIBS_DIR"
}

metastore_build() {
  if [[ -n "${KAFKA_ETCD_JAR:-}" ]]; then say "using KAFKA_ETCD_JAR=$KAFKA_ETCD_JAR"; return 0; fi
  kafka_adapter_ensure || return 1
  say "$KAFKA_ETCD_ADAPTER_JAR ($(du -h "$KAFKA_ETCD_ADAPTER_JAR" | cut -f1)):"
  say "  kafka.zookeeper.ZooKeeperClient over the io.kafkaetcd Java API, native library inside"
}

metastore_start() {
  local mode="$1" workdir="$2" chroot="$3"
  case "$mode" in
    zookeeper)
      zookeeper_start "$workdir" || return 1
      METASTORE_DESC="Apache ZooKeeper 3.8 standalone server at $ZK_CONNECT"
      METASTORE_CONNECT="$ZK_CONNECT$chroot"
      METASTORE_EXTRA_CP=""
      METASTORE_JAVA_OPTS=""
      METASTORE_BANNER=""
      say "ZooKeeper is serving on $ZK_CONNECT (data: $workdir/zookeeper)"
      ;;
    etcd)
      local jar="${KAFKA_ETCD_JAR:-${KAFKA_ETCD_ADAPTER_JAR:-}}"
      [[ -f "$jar" ]] || { say "no adapter jar at '$jar'"; return 1; }
      etcd_cluster_start "$workdir" 3 || return 1
      METASTORE_DESC="etcd $("$ETCD_BIN" --version | sed -n 's/^etcd Version: //p'), 3 members at $ETCD_ENDPOINTS"
      # Plain host:port list + chroot: KafkaZkClient splits the string at its first '/'.
      METASTORE_CONNECT="$ETCD_ENDPOINTS$chroot"
      METASTORE_EXTRA_CP="$jar"
      METASTORE_JAVA_OPTS=""   # the jar carries the native library
      METASTORE_BANNER="kafka-etcd Java ZooKeeperClient"
      say "etcd is healthy on $ETCD_ENDPOINTS (data: $workdir/etcd)"
      say "Kafka will load kafka.zookeeper.ZooKeeperClient from $jar"
      ;;
    *) say "unknown metastore $mode"; return 1 ;;
  esac
}
