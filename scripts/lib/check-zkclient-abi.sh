#!/usr/bin/env bash
# Check that a replacement kafka.zookeeper.ZooKeeperClient keeps the binary
# interface Kafka 3.9 links against (kafka/abi/ZooKeeperClient.members).
#
# usage: scripts/lib/check-zkclient-abi.sh CLASSPATH_ENTRY [--strict]
#   CLASSPATH_ENTRY  jar or class dir holding kafka/zookeeper/ZooKeeperClient.class
#   --strict         also require the "test" tier (members only Kafka's tests use)
# Run with the real Kafka jar to self-test:
#   scripts/lib/check-zkclient-abi.sh kafka/runtime/target/libs/kafka_2.13-3.9.1.jar --strict
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
entry="${1:?usage: $0 JAR_OR_DIR [--strict]}"
strict="${2:-}"
members="$root/kafka/abi/ZooKeeperClient.members"

out="$(javap -p -s -cp "$entry" kafka.zookeeper.ZooKeeperClient)" || { echo "no kafka.zookeeper.ZooKeeperClient in $entry" >&2; exit 1; }
# flatten "signature line" + "descriptor: X" pairs into "static? public? name descriptor"
flat="$(printf '%s\n' "$out" | awk '
  /^  [^ ].*\(.*\);$/ { sig=$0; next }
  /descriptor:/ && sig != "" {
    d=$2; s=sig; sig="";
    pub = (s ~ /^  public /) ? "public" : "nonpublic";
    st  = (s ~ / static /) ? "static" : "instance";
    n = s; sub(/\(.*/, "", n); k = split(n, parts, " "); name = parts[k];
    if (name == "kafka.zookeeper.ZooKeeperClient") name = "<init>";
    print pub, st, name, d
  }')"
head="$(printf '%s\n' "$out" | sed -n '2p')"
fail=0; ok=0
if [[ "$head" != "public class kafka.zookeeper.ZooKeeperClient"* ]]; then
  echo "FAIL class header: '$head' (must be a public class, not an interface, with that exact name)"; fail=$((fail+1))
fi
while read -r tier kind name desc; do
  [[ -z "$tier" || "$tier" == \#* ]] && continue
  [[ "$tier" == test && "$strict" != --strict ]] && continue
  # A here-string, not a pipe: grep -q exits at the first match, and with
  # pipefail the writer's SIGPIPE would fail a member that is there.
  if grep -qxF "public $kind $name $desc" <<<"$flat"; then
    ok=$((ok+1))
  else
    echo "FAIL missing [$tier] public $kind $name $desc"; fail=$((fail+1))
  fi
done <"$members"
echo "$ok passed, $fail failed"
(( fail == 0 ))
