#!/usr/bin/env bash
# Lays out the kafka-etcd broker image's /opt/kafka in a plain directory: what
# docker/Dockerfile runs, and what scripts/docker-dir-test.sh starts brokers from.
#
#   DIR/libs/                 Kafka 3.9.1 and its runtime dependencies, from Maven
#                             Central (scripts/lib/kafka-runtime.sh; no tarball)
#   DIR/libs/kafka-etcd-kafka.jar  our jar (adapter + Java API + native library), put first
#                             on the class path by bin/kafka-run-class.sh
#   DIR/bin/kafka-etcd-shell.sh  the operator shell (bin/kafka-etcd-shell.sh)
#   DIR/bin/entrypoint.sh     environment -> server.properties -> broker (docker/entrypoint.sh)
#   DIR/bin/healthcheck.sh    the image's HEALTHCHECK
#   DIR/bin/kafka-run-class.sh, kafka-server-start.sh and the usual tools
#                             (kafka-topics.sh, kafka-configs.sh, ...), our jar first
#   DIR/config/tools-log4j.properties, DIR/logs/
#
# usage: docker/assemble.sh DIR
# Env: KAFKA_ETCD_JAR  the jar to ship (default: built by scripts/lib/kafka-adapter.sh,
#                      cargo + Maven). DIR must be empty, missing, or an earlier assembly.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/lib/common.sh"
. "$ROOT/scripts/lib/kafka-runtime.sh"

[[ $# -eq 1 ]] || ke_die "usage: $0 DIR"
dir="$1"
marker=".kafka-etcd-assembly"
if [[ -e "$dir" ]]; then
  [[ -d "$dir" ]] || ke_die "$dir is not a directory"
  if [[ -n "$(ls -A "$dir")" && ! -f "$dir/$marker" ]]; then
    ke_die "$dir is neither empty nor an earlier assembly: refusing to write into it"
  fi
  rm -rf "${dir:?}/bin" "${dir:?}/libs" "${dir:?}/config"
fi

. "$ROOT/scripts/lib/kafka-adapter.sh"
kafka_adapter_jar
jar="$KAFKA_ETCD_JAR"
kafka_runtime_ensure

mkdir -p "$dir"/{bin,libs,config,logs}
touch "$dir/$marker"
cp "$KAFKA_LIBS_DIR"/*.jar "$dir/libs/"
cp "$jar" "$dir/libs/kafka-etcd-kafka.jar"
cp "$ROOT/docker/entrypoint.sh" "$ROOT"/docker/bin/*.sh "$ROOT/bin/kafka-etcd-shell.sh" "$dir/bin/"

# Kafka's tool scripts: each runs one main class of Kafka 3.9.1 through kafka-run-class.sh.
while read -r script class; do
  cat >"$dir/bin/$script" <<TOOL
#!/usr/bin/env bash
# Kafka's bin/$script (written by docker/assemble.sh): $class
exec "\$(dirname "\${BASH_SOURCE[0]}")/kafka-run-class.sh" $class "\$@"
TOOL
done <<'TOOLS'
kafka-topics.sh org.apache.kafka.tools.TopicCommand
kafka-console-producer.sh kafka.tools.ConsoleProducer
kafka-console-consumer.sh org.apache.kafka.tools.consumer.ConsoleConsumer
kafka-consumer-groups.sh org.apache.kafka.tools.consumer.group.ConsumerGroupCommand
kafka-configs.sh kafka.admin.ConfigCommand
kafka-acls.sh kafka.admin.AclCommand
kafka-broker-api-versions.sh kafka.admin.BrokerApiVersionsCommand
kafka-reassign-partitions.sh org.apache.kafka.tools.reassign.ReassignPartitionsCommand
kafka-leader-election.sh org.apache.kafka.tools.LeaderElectionCommand
kafka-get-offsets.sh org.apache.kafka.tools.GetOffsetShell
kafka-log-dirs.sh org.apache.kafka.tools.LogDirsCommand
kafka-delete-records.sh org.apache.kafka.tools.DeleteRecordsCommand
kafka-dump-log.sh kafka.tools.DumpLogSegments
kafka-features.sh org.apache.kafka.tools.FeatureCommand
kafka-storage.sh kafka.tools.StorageTool
TOOLS
chmod 755 "$dir"/bin/*

cat >"$dir/config/tools-log4j.properties" <<'LOG4J'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.appender.stderr.Target=System.err
LOG4J

# The broker's, for kafka-server-start.sh run by hand (the entry point writes its own).
cat >"$dir/config/log4j.properties" <<'LOG4J'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
LOG4J

{
  echo "kafka $KAFKA_VERSION"
  echo "kafka-etcd-kafka.jar sha256 $(sha256sum "$jar" | cut -d' ' -f1)"
} >"$dir/VERSION"
ke_log "assembled $dir: Kafka $KAFKA_VERSION ($(ls "$dir/libs" | wc -l) jars) + $(basename "$jar")"
