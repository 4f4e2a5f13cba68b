#!/usr/bin/env bash
# Regenerates tests/data/zookeeper-reference.json: the fixed op sequences of
# scripts/lib/java/ZkReference.java played against a real ZooKeeper 3.8
# server (Maven Central jars, via scripts/lib/zookeeper-server.sh) with the
# real ZooKeeper client. tests/zookeeper_reference.rs replays the same
# sequences against etcd and compares. Not part of scripts/test.sh: the data
# is committed; run this after changing the sequences (about 30 s).
#
# usage: scripts/zk-reference.sh [OUT.json]   (default tests/data/zookeeper-reference.json)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/lib/common.sh"
. "$HERE/lib/zookeeper-server.sh"
OUT="${1:-$KE_ROOT/tests/data/zookeeper-reference.json}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/kafka-etcd-zk-reference.XXXXXX")"
remove_work() { rm -rf "$WORK"; }
KE_FINAL_HOOKS+=(remove_work)
ke_install_cleanup_trap

zookeeper_start "$WORK"
ke_log "ZooKeeper at $ZK_CONNECT; playing the sequences"
printf '%s\n' 'log4j.rootLogger=WARN, err' 'log4j.appender.err=org.apache.log4j.ConsoleAppender' \
  'log4j.appender.err.Target=System.err' 'log4j.appender.err.layout=org.apache.log4j.PatternLayout' \
  'log4j.appender.err.layout.ConversionPattern=[%d] %p %m (%c)%n' >"$WORK/client-log4j.properties"
java -Dlog4j.configuration="file:$WORK/client-log4j.properties" \
  -cp "$KAFKA_CLASSPATH" "$HERE/lib/java/ZkReference.java" "$ZK_CONNECT" "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
ke_log "wrote $OUT"
