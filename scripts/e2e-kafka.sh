#!/usr/bin/env bash
# End-to-end test of kafka-etcd with real Kafka 3.9.1 brokers (run by scripts/test.sh):
# the demo's walkthrough with its assertions (3-member etcd, 3 brokers on our jar,
# topic kafka-test RF 3, the 8 words consumed twice, the partition state read back
# from etcd, leader kill -9, ISR shrink and recovery, re-registration under a new
# broker epoch), plus a controller failover: kill -9 the controller broker, a new
# controller must be elected, produce/consume must still work, and the old
# controller must rejoin under a new epoch. See scripts/demo.sh --e2e.
#
# usage: scripts/e2e-kafka.sh [demo.sh options, e.g. --keep-workdir]
# On failure, prints the tail of every broker and etcd log before exiting non-zero.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/kafka-etcd-e2e.XXXXXX")"
rc=0
"$HERE/demo.sh" --etcd --e2e --workdir "$WORK" "$@" || rc=$?
if (( rc != 0 )); then
  for f in "$WORK"/kafka/b*/logs/server.log "$WORK"/kafka/b*/logs/kafka.out.log "$WORK"/etcd/m*.log; do
    [[ -s "$f" ]] || continue
    printf '\n----- last lines of %s\n' "$f"
    tail -n 25 "$f"
  done
  echo "e2e-kafka: FAILED (exit $rc); logs kept in $WORK" >&2
fi
exit "$rc"
