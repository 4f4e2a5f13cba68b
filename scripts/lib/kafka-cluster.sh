#!/usr/bin/env bash
# What every script that runs a whole Kafka cluster sources (scripts/demo.sh,
# scripts/e2e-kafka.sh through demo.sh, scripts/migrate-to-kraft.sh,
# scripts/migrate-from-zookeeper.sh, scripts/chaos.sh, scripts/bench-w8.sh): the one launcher per server kind and
# the options those scripts share. Sourced, never run.
#
#   scripts/lib/kafka-runtime.sh     the Kafka 3.9 jars (Maven Central)
#   scripts/lib/kafka-brokers.sh     ZooKeeper-mode brokers, KRaft controllers, client tools
#   scripts/lib/zookeeper-server.sh  ZooKeeper 3.8: standalone or an ensemble
#   scripts/lib/etcd-cluster.sh      etcd members (the one etcd-binary lookup)
#   scripts/lib/kafka-adapter.sh     our adapter jar
#
#   kafka_cluster_option "$@"        in a script's option loop, for what it does not
#                                    handle itself: --workdir DIR (WORK), --keep-workdir
#                                    (KEEP_WORK=1), -h/--help (the script's header
#                                    comment), else "unknown argument". Sets
#                                    KC_OPTION_WORDS: how many words it used.
#     while (($#)); do
#       case "$1" in
#         --mine) ... ;;
#         *) kafka_cluster_option "$@"; shift $(( KC_OPTION_WORDS - 1 )) ;;
#       esac
#       shift
#     done

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/kafka-runtime.sh"
. "$(dirname "${BASH_SOURCE[0]}")/kafka-brokers.sh"
. "$(dirname "${BASH_SOURCE[0]}")/zookeeper-server.sh"
. "$(dirname "${BASH_SOURCE[0]}")/etcd-cluster.sh"
. "$(dirname "${BASH_SOURCE[0]}")/kafka-adapter.sh"

kafka_cluster_option() {
  KC_OPTION_WORDS=1
  case "$1" in
    --workdir) [[ $# -ge 2 ]] || ke_die "--workdir needs a directory"; WORK="$2"; KC_OPTION_WORDS=2 ;;
    --keep-workdir) KEEP_WORK=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) ke_die "unknown argument: $1 (try --help)" ;;
  esac
}
