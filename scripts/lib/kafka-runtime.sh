#!/usr/bin/env bash
# Kafka 3.9 runtime from Maven Central (no tarball).
#
# Source it:   . scripts/lib/kafka-runtime.sh ; kafka_runtime_ensure
# or run it:   scripts/lib/kafka-runtime.sh          (prints the libs dir)
#
# kafka_runtime_ensure runs `mvn -B -q package` in kafka/runtime only when the
# libs are missing (or the pom is newer than the marker), then exports
#   KAFKA_LIBS_DIR    absolute path of kafka/runtime/target/libs
#   KAFKA_VERSION     e.g. 3.9.1
#   KAFKA_CLASSPATH   "$KAFKA_LIBS_DIR/*"  (a java -cp wildcard entry)
#
# Env: KAFKA_ETCD_KAFKA_VERSION  force a version (default: 3.9.1, then 3.9.0)
#      KAFKA_ETCD_MVN            maven command (default: mvn)

_kr_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
KAFKA_RUNTIME_DIR="$_kr_root/kafka/runtime"

_kr_have_libs() {
  local d="$KAFKA_RUNTIME_DIR/target/libs" m="$KAFKA_RUNTIME_DIR/target/libs.ok"
  [[ -f "$m" && "$m" -nt "$KAFKA_RUNTIME_DIR/pom.xml" ]] || return 1
  compgen -G "$d/kafka_2.13-*.jar" >/dev/null || return 1
  compgen -G "$d/zookeeper-3.8*.jar" >/dev/null || return 1
  compgen -G "$d/kafka-tools-3.9*.jar" >/dev/null || return 1
  compgen -G "$d/slf4j-reload4j-*.jar" >/dev/null || return 1
}

kafka_runtime_ensure() {
  local mvn="${KAFKA_ETCD_MVN:-mvn}" v
  if ! _kr_have_libs; then
    command -v "${mvn%% *}" >/dev/null || { echo "kafka-runtime: maven ($mvn) not found" >&2; return 1; }
    local versions=("${KAFKA_ETCD_KAFKA_VERSION:-3.9.1}")
    [[ -z "${KAFKA_ETCD_KAFKA_VERSION:-}" ]] && versions+=(3.9.0)
    local ok=
    for v in "${versions[@]}"; do
      echo "kafka-runtime: fetching Kafka $v and its dependencies from Maven Central into $KAFKA_RUNTIME_DIR/target/libs" >&2
      rm -rf "$KAFKA_RUNTIME_DIR/target/libs"
      if (cd "$KAFKA_RUNTIME_DIR" && $mvn -B -q -Dstyle.color=never -Dkafka.version="$v" package >&2); then
        ok=1; break
      fi
      echo "kafka-runtime: Kafka $v failed" >&2
    done
    [[ -n "$ok" ]] || { echo "kafka-runtime: could not assemble the Kafka runtime" >&2; return 1; }
    touch "$KAFKA_RUNTIME_DIR/target/libs.ok"
    _kr_have_libs || { echo "kafka-runtime: libs incomplete after build" >&2; return 1; }
  fi
  KAFKA_LIBS_DIR="$KAFKA_RUNTIME_DIR/target/libs"
  v="$(cd "$KAFKA_LIBS_DIR" && ls kafka_2.13-*.jar | head -1)"
  v="${v#kafka_2.13-}"; KAFKA_VERSION="${v%.jar}"
  KAFKA_CLASSPATH="$KAFKA_LIBS_DIR/*"
  export KAFKA_LIBS_DIR KAFKA_VERSION KAFKA_CLASSPATH
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  kafka_runtime_ensure
  echo "$KAFKA_LIBS_DIR"
fi
