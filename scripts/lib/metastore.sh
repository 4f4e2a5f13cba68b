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
#
# METASTORE_TLS=1 (etcd only): etcd as in production, TLS only with client
# certificates and etcd auth with a user for this cluster's namespace; also sets
# TLS_DIR, METASTORE_PROPERTIES (the brokers' zookeeper.ssl.* lines) and
# ZNODE_OPTS (the same settings as system properties, for a tool's JVM).

. "$(dirname "${BASH_SOURCE[0]}")/story.sh"
. "$(dirname "${BASH_SOURCE[0]}")/kafka-cluster.sh"

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

# metastore_tls_prepare WORKDIR: certificates for loopback, the Kafka-style stores
# (PKCS12 keystore, JKS truststore), the JAAS file and the broker settings, under WORKDIR/tls.
TLS_DIR=""
METASTORE_PROPERTIES=""
ZNODE_OPTS=""
metastore_tls_prepare() {
  TLS_DIR="$1/tls"
  etcd_tls_make_certs "$TLS_DIR" kafka-broker gateway || return 1
  local store_pw
  store_pw="$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TLS_DIR/root.password"
  head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TLS_DIR/kafka.password"
  chmod 600 "$TLS_DIR"/*.password
  # A PKCS12 keystore (ciphers every JDK reads) and a JKS truststore, as a Kafka operator has them.
  openssl pkcs12 -export -in "$TLS_DIR/kafka-broker.crt" -inkey "$TLS_DIR/kafka-broker.key" \
    -certfile "$TLS_DIR/ca.crt" -name kafka-broker -out "$TLS_DIR/kafka-broker.p12" \
    -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1 -passout "pass:$store_pw" || return 1
  keytool -importcert -noprompt -alias etcd-ca -file "$TLS_DIR/ca.crt" -keystore "$TLS_DIR/truststore.jks" \
    -storetype JKS -storepass "$store_pw" >/dev/null 2>&1 || return 1
  cat "$TLS_DIR/kafka-broker.key" "$TLS_DIR/kafka-broker.crt" >"$TLS_DIR/kafka-broker.pem"
  # The broker settings, exactly what an operator writes for a TLS ZooKeeper.
  {
    echo "zookeeper.ssl.client.enable=true"
    echo "zookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty"
    echo "zookeeper.ssl.keystore.location=$TLS_DIR/kafka-broker.p12"
    echo "zookeeper.ssl.keystore.password=$store_pw"
    echo "zookeeper.ssl.keystore.type=PKCS12"
    echo "zookeeper.ssl.truststore.location=$TLS_DIR/truststore.jks"
    echo "zookeeper.ssl.truststore.password=$store_pw"
    echo "zookeeper.ssl.truststore.type=JKS"
  } >"$TLS_DIR/zk-tls.properties"
  chmod 600 "$TLS_DIR/zk-tls.properties"
  {
    echo "Client {"
    echo "  org.apache.zookeeper.server.auth.DigestLoginModule required"
    echo "  username=\"kafka\""
    echo "  password=\"$(cat "$TLS_DIR/kafka.password")\";"
    echo "};"
  } >"$TLS_DIR/jaas.conf"
  chmod 600 "$TLS_DIR/jaas.conf"
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
      if (( ${METASTORE_TLS:-0} )); then
        metastore_tls_prepare "$workdir" || return 1
        ETCD_TLS_DIR="$TLS_DIR"
      fi
      etcd_cluster_start "$workdir" 3 || return 1
      if (( ${METASTORE_TLS:-0} )); then
        # One etcd user for this Kafka cluster: readwrite on its namespace (zk/) only.
        "$KE_ROOT/scripts/etcd-cluster-user.sh" --endpoint "https://127.0.0.1:${ETCD_CLIENT_PORTS[1]}" \
          --cacert "$TLS_DIR/ca.crt" --cert "$TLS_DIR/gateway.crt" --key "$TLS_DIR/gateway.key" \
          --namespace zk --user kafka --password-file "$TLS_DIR/kafka.password" \
          --root-password-file "$TLS_DIR/root.password" --enable-auth | show || return 1
        METASTORE_PROPERTIES="$(cat "$TLS_DIR/zk-tls.properties")"
        # The znode reader uses ZooKeeper's system-property form of the same settings (PEM files).
        ZNODE_OPTS="-Dzookeeper.client.secure=true"
        ZNODE_OPTS+=" -Dzookeeper.ssl.keyStore.location=$TLS_DIR/kafka-broker.pem -Dzookeeper.ssl.keyStore.type=PEM"
        ZNODE_OPTS+=" -Dzookeeper.ssl.trustStore.location=$TLS_DIR/ca.crt -Dzookeeper.ssl.trustStore.type=PEM"
      fi
      METASTORE_DESC="etcd $("$ETCD_BIN" --version | sed -n 's/^etcd Version: //p'), 3 members at $ETCD_ENDPOINTS"
      # Plain host:port list + chroot: KafkaZkClient splits the string at its first '/'.
      METASTORE_CONNECT="$ETCD_ENDPOINTS$chroot"
      METASTORE_EXTRA_CP="$jar"
      METASTORE_JAVA_OPTS=""   # the jar carries the native library
      (( ${METASTORE_TLS:-0} == 0 )) || METASTORE_JAVA_OPTS="-Djava.security.auth.login.config=$TLS_DIR/jaas.conf"
      METASTORE_BANNER="kafka-etcd Java ZooKeeperClient"
      say "etcd is healthy on $ETCD_ENDPOINTS (data: $workdir/etcd)"
      (( ${METASTORE_TLS:-0} == 0 )) || say "TLS only, client certificates required, etcd auth on: user 'kafka' may touch zk/ only"
      say "Kafka will load kafka.zookeeper.ZooKeeperClient from $jar"
      ;;
    *) say "unknown metastore $mode"; return 1 ;;
  esac
}
