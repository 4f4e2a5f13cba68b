#!/usr/bin/env bash
# Kafka 3.9.1's own ZooKeeper-layer test suites (its published test jars),
# run unmodified twice with JUnit's console launcher:
#   zookeeper  Kafka's classpath as is: kafka.zk.EmbeddedZookeeper starts a real
#              ZooKeeper 3.8 server (the baseline)
#   etcd       our kafka.zk.EmbeddedZookeeper (kafka/kafka-tests) and our adapter
#              jar first: every test's ZooKeeperClient talks to a throwaway etcd
# Prints passed/failed per class for both, then fails if the baseline is not
# all green, if etcd passes fewer than KAFKA_TESTS_MIN_ETCD tests, or if a test
# fails on etcd without being listed in kafka/kafka-tests/exclusions.txt
# (each listed test with its reason; a listed test that passes is reported).
#
# Env: KAFKA_ETCD_JAR          the adapter jar to test (default: built by scripts/lib/kafka-adapter.sh)
#      KAFKA_ETCD_ETCD_BIN     the etcd binary (default: scripts/lib/etcd-cluster.sh bin)
#      KAFKA_TESTS_OUT         reports and logs (default: kafka/kafka-tests/target/runs)
#      KAFKA_TESTS_ONLY        run only this backend: zookeeper or etcd
# Takes about 6 minutes (the two backends in parallel, one JVM per test class).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
module="$root/kafka/kafka-tests"
out="${KAFKA_TESTS_OUT:-$module/target/runs}"

# Kafka's test classes that drive a ZooKeeperClient: first its ZooKeeper
# layer's own (216 tests), then other classes on Kafka's ZooKeeper test
# harness that run in seconds (39 tests).
classes=(
  kafka.zookeeper.ZooKeeperClientTest
  kafka.zk.KafkaZkClientTest
  kafka.zk.migration.ZkMigrationClientTest
  kafka.zk.migration.ZkAclMigrationClientTest
  kafka.zk.migration.ZkConfigMigrationClientTest
  kafka.admin.AdminZkClientTest
  kafka.security.authorizer.AuthorizerTest
  kafka.utils.ReplicationUtilsTest
  kafka.common.ZkNodeChangeNotificationListenerTest
  kafka.security.authorizer.AuthorizerInterfaceDefaultTest
  kafka.security.token.delegation.DelegationTokenManagerTest
  kafka.server.DynamicConfigTest
  kafka.server.FinalizedFeatureChangeListenerTest
  kafka.server.ServerGenerateClusterIdTest
)
# The etcd pass mark: at least 207 of the first 216, and all 39 others.
min_etcd="${KAFKA_TESTS_MIN_ETCD:-246}"

KAFKA_ETCD_ETCD_BIN="$(scripts/lib/etcd-cluster.sh bin)" || { echo "kafka-tests: no etcd binary (set KAFKA_ETCD_ETCD_BIN)" >&2; exit 1; }
export KAFKA_ETCD_ETCD_BIN

jar="${KAFKA_ETCD_JAR:-}"
if [[ -z "$jar" ]]; then
  # shellcheck source=lib/kafka-adapter.sh
  . scripts/lib/kafka-adapter.sh
  kafka_adapter_ensure
  jar="$KAFKA_ETCD_ADAPTER_JAR"
fi

echo "kafka-tests: fetching Kafka 3.9.1's test jars, building our EmbeddedZookeeper (root reactor, profile kafka-tests)"
# -am: java/ too, whose test-jar (EtcdServer) the module copies; no tests run.
mvn -B -q -Dstyle.color=never -Pkafka-tests -pl kafka/kafka-tests -am package -DskipTests
echo

rm -rf "$out" && mkdir -p "$out"

# run_backend NAME CLASSPATH: each class in its own JVM (a test that fails can
# leave a client's threads behind, and Kafka's harness then fails every later
# class at its leaked-thread check). The console launcher's test feed (one
# line per test and class: "JUnit Jupiter > Class > test() :: SUCCESSFUL") and
# the tests' output go to $out/NAME/CLASS.log, which report.py reads; JUnit's
# XML reports to $out/NAME/CLASS/.
run_backend() {
  local name="$1" cp="$2" c
  mkdir -p "$out/$name"
  for c in "${classes[@]}"; do
    # JUnit fails a hanging test after 3 minutes; timeout(1) bounds the JVM.
    timeout 600 java -Xmx1g -cp "$cp" \
      org.junit.platform.console.ConsoleLauncher execute --disable-banner --disable-ansi-colors \
      --details=testfeed --config junit.jupiter.execution.timeout.default=180s \
      --reports-dir "$out/$name/$c" --select-class "$c" >"$out/$name/$c.log" 2>&1 || true
  done
}

only="${KAFKA_TESTS_ONLY:-}"
libs="$module/target/libs/*"
start=$SECONDS
pids=()
if [[ -z "$only" || "$only" == zookeeper ]]; then
  run_backend zookeeper "$libs" & pids+=($!)
fi
if [[ -z "$only" || "$only" == etcd ]]; then
  run_backend etcd "$module/target/classes:$module/target/etcd-libs/*:$jar:$libs" & pids+=($!)
fi
wait "${pids[@]}"
echo "kafka-tests: the runs took $((SECONDS - start)) s (logs and reports in $out/zookeeper, $out/etcd)"

python3 "$module/report.py" --out "$out" --exclusions "$module/exclusions.txt" --min-etcd "$min_etcd" \
  ${only:+--only "$only"} "${classes[@]}"
