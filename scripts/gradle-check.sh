#!/usr/bin/env bash
# Builds the broker jar with Gradle (build.gradle at the repository root, which
# drives `cargo build --release --lib`) and checks that it holds what Maven's
# kafka/adapter/target/kafka-etcd-kafka.jar holds: the same class files, byte
# for byte, all Java 11 (major version 55), and the same native library.
# Only META-INF/ may differ (Maven's pom.xml/pom.properties, the manifests).
# Also: a build including this one (a Kafka fork's includeBuild) resolves
# io.kafkaetcd:kafka-etcd-kafka:0.1.0 to that jar alone.
#
# usage: scripts/gradle-check.sh [MAVEN_JAR]
#   MAVEN_JAR  default: $KAFKA_ETCD_JAR, else built by scripts/lib/kafka-adapter.sh
# Env: KAFKA_ETCD_GRADLE  gradle command (default: gradle; Debian: apt-get install gradle)
#
# Run by scripts/test.sh; exits non-zero on any difference, naming it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/lib/common.sh"

gradle_cmd="${KAFKA_ETCD_GRADLE:-gradle}"
command -v "${gradle_cmd%% *}" >/dev/null || ke_die "gradle not found (Debian: apt-get install gradle; .ci/run installs it)"

[[ -n "${1:-}" ]] && KAFKA_ETCD_JAR="$1"
. "$ROOT/scripts/lib/kafka-adapter.sh"
kafka_adapter_jar
maven_jar="$KAFKA_ETCD_JAR"

work="$(mktemp -d "${TMPDIR:-/tmp}/kafka-etcd-gradle-check.XXXXXX")"
trap 'rm -rf "$work"' EXIT

ke_log "gradle-check: $($gradle_cmd --version 2>/dev/null | sed -n 's/^Gradle //p') on $(java -version 2>&1 | head -1)"
gradle_jar="$ROOT/build/libs/kafka-etcd-kafka-0.1.0.jar"
rm -f "$gradle_jar"
start=$(ke_now_ms)
# --no-daemon: nothing keeps running after the check.
if ! (cd "$ROOT" && $gradle_cmd --no-daemon --console=plain -q jar) >"$work/gradle.log" 2>&1; then
  tail -n 40 "$work/gradle.log" >&2
  ke_die "gradle jar failed"
fi
[[ -f "$gradle_jar" ]] || ke_die "gradle built no $gradle_jar"
ke_log "gradle-check: Gradle built $gradle_jar in $(( ($(ke_now_ms) - start) / 1000 )) s"

# A Kafka fork's way in: a build that includes this one (includeBuild) and
# depends on io.kafkaetcd:kafka-etcd-kafka:0.1.0 must get exactly this jar.
mkdir -p "$work/fork"
printf "rootProject.name = 'fork'\nincludeBuild '%s'\n" "$ROOT" >"$work/fork/settings.gradle"
cat >"$work/fork/build.gradle" <<'GRADLE'
configurations { kafkaEtcd }
dependencies { kafkaEtcd 'io.kafkaetcd:kafka-etcd-kafka:0.1.0' }
task distKafkaEtcd(type: Copy) {
    from configurations.kafkaEtcd
    into "$buildDir/dist/kafka-etcd"
}
GRADLE
if ! (cd "$work/fork" && $gradle_cmd --no-daemon --console=plain -q distKafkaEtcd) >"$work/fork.log" 2>&1; then
  tail -n 40 "$work/fork.log" >&2
  ke_die "a build including this one (includeBuild) failed"
fi
resolved="$(cd "$work/fork/build/dist/kafka-etcd" && ls)"
[[ "$resolved" == kafka-etcd-kafka-0.1.0.jar ]] || ke_die "includeBuild resolved to: $resolved (expected kafka-etcd-kafka-0.1.0.jar alone)"
cmp -s "$work/fork/build/dist/kafka-etcd/$resolved" "$gradle_jar" || ke_die "includeBuild resolved a different jar"
ke_log "gradle-check: a build with includeBuild gets the same jar ($(( ($(ke_now_ms) - start) / 1000 )) s so far)"

mkdir -p "$work/maven" "$work/gradle"
(cd "$work/maven" && unzip -q "$maven_jar")
(cd "$work/gradle" && unzip -q "$gradle_jar")

# The files each jar holds, META-INF/ aside.
list_files() { (cd "$1" && find . -type f ! -path './META-INF/*' | sed 's|^\./||' | LC_ALL=C sort); }
list_files "$work/maven" >"$work/maven.files"
list_files "$work/gradle" >"$work/gradle.files"

fail=0
if ! diff -u "$work/maven.files" "$work/gradle.files" >"$work/files.diff"; then
  ke_warn "the jars hold different files (- Maven, + Gradle):"
  grep '^[-+][^-+]' "$work/files.diff" >&2 || true
  fail=1
fi

classes=0 differing=0 wrong_version=0
while IFS= read -r f; do
  [[ -f "$work/gradle/$f" ]] || continue
  case "$f" in
    *.class)
      classes=$(( classes + 1 ))
      if ! cmp -s "$work/maven/$f" "$work/gradle/$f"; then
        ke_warn "class differs: $f"
        differing=$(( differing + 1 ))
      fi
      # Bytes 6-7 of a class file: its major version (55 = Java 11).
      major="$(od -An -j6 -N2 -tu1 "$work/gradle/$f" | awk '{print $1 * 256 + $2}')"
      if [[ "$major" != 55 ]]; then
        ke_warn "$f: class file major version $major, not 55 (Java 11)"
        wrong_version=$(( wrong_version + 1 ))
      fi
      ;;
    *)
      if ! cmp -s "$work/maven/$f" "$work/gradle/$f"; then
        ke_warn "$f differs: Maven $(stat -c %s "$work/maven/$f") bytes, Gradle $(stat -c %s "$work/gradle/$f") bytes"
        fail=1
      fi
      ;;
  esac
done <"$work/maven.files"

native="native/linux-x86_64/libkafka_etcd.so"
[[ -f "$work/gradle/$native" ]] || { ke_warn "no $native in the Gradle jar"; fail=1; }
(( classes > 0 )) || { ke_warn "no class files compared"; fail=1; }
(( differing == 0 && wrong_version == 0 )) || fail=1

if (( fail )); then
  ke_die "gradle-check: the Gradle jar differs from Maven's ($maven_jar)"
fi
echo "gradle-check: OK: $classes class files identical (Java 11), $native identical ($(stat -c %s "$work/gradle/$native") bytes)"
