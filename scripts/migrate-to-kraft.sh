#!/usr/bin/env bash
# ZooKeeper -> KRaft migration (KIP-866) of a Kafka 3.9 cluster whose metadata is in
#   default       etcd (3 members) through our kafka.zookeeper.ZooKeeperClient jar
#   --zookeeper   a real Apache ZooKeeper 3.8 server, stock Kafka (the reference run)
# run step by step as docs/kraft-migration.md documents it, with the checks between
# the steps (the run fails at the first check that does not hold):
#   1. 3 ZooKeeper-mode brokers (AclAuthorizer) with data: topics, topic configs, two
#      ACLs, a SCRAM user (ConfigCommand --zookeeper), records produced with acks=all
#   2. the cluster id from /cluster/id; KRaft controllers (--controllers N, default 1)
#      formatted with it, started with zookeeper.metadata.migration.enable=true, the
#      brokers' zookeeper.connect and (etcd) the adapter jar on their classpath
#   3. the brokers rolled into migration mode while a producer runs; then: /controller
#      names the KRaft controller (kraftControllerEpoch set), its ZkMigrationState metric
#      is MIGRATION, its log says "Completed migration" and the driver reached DUAL_WRITE
#   4. the brokers rolled into KRaft mode (process.roles=broker) while producing
#   5. the controllers restarted without the migration settings: ZkMigrationState is
#      POST_MIGRATION (KRaft only)
#   6. topics (same topic ids), topic configs, ACLs and SCRAM users as before the
#      migration (Admin API), and every record acknowledged before, during and after
#      the migration consumed
#
# usage: scripts/migrate-to-kraft.sh [--etcd | --zookeeper] [--controllers N]
#                                    [--workdir DIR] [--keep-workdir]
#        scripts/migrate-to-kraft.sh check snapshot BOOTSTRAP
#        scripts/migrate-to-kraft.sh check kraft-controller ZOOKEEPER_CONNECT [SECS]
#        scripts/migrate-to-kraft.sh check migration-state JMX_HOST:PORT MIGRATION|POST_MIGRATION [SECS]
#
# The `check` forms run one check against a real installation (docs/kraft-migration.md
# says when): with KAFKA_ETCD_JAR set, ZOOKEEPER_CONNECT is read through that adapter
# jar (etcd), else from ZooKeeper; KAFKA_HOME selects the Kafka libs (default: the
# Maven ones of scripts/lib/kafka-runtime.sh).
#
# Everything runs on 127.0.0.1 free ports; every wait is bounded; every process the
# script starts is stopped on exit, success or failure. Run by scripts/test.sh; about
# 4-5 minutes on 2 cores. Env: KAFKA_ETCD_JAR, KAFKA_ETCD_ETCD_BIN as for scripts/demo.sh.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/lib/metastore.sh"   # story.sh and scripts/lib/kafka-cluster.sh (the launchers)

# ZkMigrationState values (org.apache.kafka.metadata.migration.ZkMigrationState), as the
# controller metric kafka.controller:type=KafkaController,name=ZkMigrationState reports them.
declare -A MIGRATION_STATE_VALUE=([MIGRATION]=1 [POST_MIGRATION]=3)
MIGRATION_METRIC="kafka.controller:type=KafkaController,name=ZkMigrationState"

# --- check: one check against a real installation --------------------------------
if [[ "${1:-}" == check ]]; then
  shift
  if [[ -n "${KAFKA_HOME:-}" ]]; then
    KAFKA_CLASSPATH="$KAFKA_HOME/libs/*"; export KAFKA_CLASSPATH
  else
    kafka_runtime_ensure
  fi
  KB_WORKDIR="$(mktemp -d "${TMPDIR:-/tmp}/kafka-migration-check.XXXXXX")"
  trap 'rm -rf "$KB_WORKDIR"' EXIT
  KB_EXTRA_CP="${KAFKA_ETCD_JAR:-}"
  case "${1:-}" in
    snapshot) kafka_migration_check snapshot "${2:?BOOTSTRAP}" ;;
    kraft-controller)
      kafka_migration_check znode "${2:?ZOOKEEPER_CONNECT}" /controller '"kraftControllerEpoch":[0-9]+' "${3:-60}" ;;
    migration-state)
      v="${MIGRATION_STATE_VALUE[${3:?MIGRATION|POST_MIGRATION}]:?MIGRATION or POST_MIGRATION}"
      kafka_migration_check jmx "${2:?JMX_HOST:PORT}" "$MIGRATION_METRIC" Value "$v" "${4:-60}" ;;
    *) ke_die "usage: $0 check snapshot|kraft-controller|migration-state ... (see --help)" ;;
  esac
  exit
fi

MODE=etcd
WORK=""
KEEP_WORK=0
CONTROLLERS=1
while (($#)); do
  case "$1" in
    --zookeeper) MODE=zookeeper ;;
    --etcd) MODE=etcd ;;
    --controllers) CONTROLLERS="$2"; shift ;;
    *) kafka_cluster_option "$@"; shift $(( KC_OPTION_WORDS - 1 )) ;;
  esac
  shift
done
[[ "$CONTROLLERS" =~ ^[13]$ ]] || ke_die "--controllers must be 1 or 3"

BROKERS=3
CHROOT=/kafka
TOPIC=orders          # created by `MigrationCheck seed`: 3 partitions, RF 3
RECORDS_BEFORE=300
RECORDS_AFTER=300

story_workdir kafka-kraft-migration
ACKED="$WORK/acked"     # one file per phase: the values the producer got acknowledged
mkdir -p "$ACKED"

# The authorizers: AclAuthorizer (ACLs in ZooKeeper) while the brokers are in ZooKeeper
# mode, StandardAuthorizer (ACLs in the metadata log) on the controllers and KRaft brokers.
# ANONYMOUS (every PLAINTEXT client here) is a super user: the ACLs exist to be migrated.
ZK_AUTHORIZER=$'authorizer.class.name=kafka.security.authorizer.AclAuthorizer\nsuper.users=User:ANONYMOUS'
KRAFT_AUTHORIZER=$'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer\nsuper.users=User:ANONYMOUS'
KB_MODE_PROPS=([zk]="$ZK_AUTHORIZER" [migration]="$ZK_AUTHORIZER" [kraft]="$KRAFT_AUTHORIZER")
KC_MODE_PROPS=([migration]="$KRAFT_AUTHORIZER" [kraft]="$KRAFT_AUTHORIZER")

on_exit_report() {
  local rc="${KE_EXIT_RC:-0}"
  if (( rc != 0 )); then
    story_failure_logs "KRAFT MIGRATION" "$WORK"/kafka/c*/logs/server.log "$WORK"/kafka/b*/logs/server.log \
      "$WORK"/kafka/*/logs/kafka.out.log
  fi
  story_timing_table "$MODE, $CONTROLLERS KRaft controller(s)"
  return 0
}
cleanup_hook() {
  on_exit_report
  # producers first, then brokers (they need the controllers and the metastore), then controllers
  local p; for p in "${PRODUCERS[@]}"; do ke_stop "$p" 10; done
  kafka_brokers_stop
  kafka_controllers_stop
}
KE_CLEANUP_HOOKS=(cleanup_hook)
KE_FINAL_HOOKS=(story_remove_workdir)
ke_install_cleanup_trap

check() { kafka_migration_check "$@"; }
# A znode's data as Kafka stored it (ZooKeeper, or etcd through the adapter jar).
znode_data() { check znode "$METASTORE_CONNECT" "$@"; }
json_field() { python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

# --- producers running while the cluster is rolled --------------------------------
declare -a PRODUCERS=()
# producer_start PHASE: records "PHASE-seq" to $TOPIC until producer_stop PHASE; returns
# once the first record was acknowledged.
producer_start() {
  local phase="$1" log="$WORK/producer-$1.log"
  PRODUCERS+=("producer-$phase")
  ke_spawn "producer-$phase" "$log" java "${KB_TOOL_JAVA_OPTS[@]}" -Dlog4j.configuration="file:$(_kb_tools_log4j)" \
    -cp "$(_kb_info_classes):$KAFKA_CLASSPATH" MigrationCheck produce-until "$(kafka_bootstrap)" "$TOPIC" "$phase" \
    "$WORK/stop-$phase" "$ACKED/$phase"
  ke_wait_until 60 "first acknowledged record of phase $phase" grep -q '^first ack' "$log" || { show <"$log"; return 1; }
  say "producing '$phase-NNNNNN' records to $TOPIC in the background (acks=all)"
}
# producer_stop PHASE: stop sending, wait for the outstanding acks; at least one record acknowledged.
producer_stop() {
  local phase="$1" name="producer-$1" pid rc=0
  pid="$(ke_pid "$name")"
  touch "$WORK/stop-$phase"
  ke_wait_until 150 "producer $phase to finish" bash -c "! kill -0 $pid" || return 1
  wait "$pid" || rc=$?
  unset "KE_PIDS[$name]"
  # its summary line; the client's retry warnings (NOT_LEADER_OR_FOLLOWER during a roll) stay in the log
  grep "^$phase: " "$WORK/producer-$phase.log" | show
  (( rc == 0 )) || { say "producer $phase exited with $rc"; return 1; }
  [[ -s "$ACKED/$phase" ]] || { say "no record of phase $phase was acknowledged"; return 1; }
}

wait_healthy() {
  local out
  out="$(check wait-healthy "$(kafka_bootstrap)" "$BROKERS" "${1:-120}")" || return 1
  say "cluster: $out"
}

# --- steps -----------------------------------------------------------------------

do_metastore() { metastore_start "$MODE" "$WORK" "$CHROOT"; }

do_brokers() {
  KB_EXTRA_CP="$METASTORE_EXTRA_CP"
  KB_EXTRA_JAVA_OPTS="$METASTORE_JAVA_OPTS"
  say "metastore: $METASTORE_DESC; zookeeper.connect=$METASTORE_CONNECT"
  kafka_brokers_start "$WORK" "$BROKERS" "$METASTORE_CONNECT" || return 1
  if [[ -n "$METASTORE_BANNER" ]]; then
    grep -qF "$METASTORE_BANNER" "$(_kb_dir 1)/logs/server.log" || { say "broker 1 does not run our ZooKeeperClient"; return 1; }
  fi
  say "brokers 1..$BROKERS on $(kafka_bootstrap), ZooKeeper mode, AclAuthorizer; controller: broker $(kafka_controller_id)"
}

do_seed() {
  check seed "$(kafka_bootstrap)" | show || return 1
  say "SCRAM credentials for User:alice, written to ${CHROOT}/config/users/alice by ConfigCommand --zookeeper:"
  kafka_tool_on_metastore kafka.admin.ConfigCommand --zookeeper "$METASTORE_CONNECT" --alter \
    --add-config 'SCRAM-SHA-256=[iterations=8192,password=alice-secret],SCRAM-SHA-512=[password=alice-secret]' \
    --entity-type users --entity-name alice 2>&1 | show || return 1
  wait_healthy
}

# ConfigCommand --zookeeper talks to the metastore itself: it needs the adapter jar first.
kafka_tool_on_metastore() {
  local main="$1"; shift
  timeout --kill-after=5 "$KB_TOOL_TIMEOUT" java "${KB_TOOL_JAVA_OPTS[@]}" \
    -Dlog4j.configuration="file:$(_kb_tools_log4j)" -cp "$(_kb_classpath)" "$main" "$@"
}

do_produce() {
  local phase="$1" n="$2"
  check produce "$(kafka_bootstrap)" "$TOPIC" "$phase" "$n" "$ACKED/$phase" | show
}

do_snapshot_before() {
  check snapshot "$(kafka_bootstrap)" >"$WORK/metadata-before.txt" || return 1
  show <"$WORK/metadata-before.txt"
  local want
  for want in '^topic orders id=.* partitions=3 replicas=3$' '^topic customers id=' \
      '^config topic/orders retention.ms=86400000$' '^config topic/customers cleanup.policy=compact$' \
      '^acl TOPIC:LITERAL:orders User:alice host=\* READ ALLOW$' '^acl GROUP:PREFIXED:billing- User:alice host=\* READ ALLOW$' \
      '^scram alice SCRAM_SHA_256 iterations=8192$' '^scram alice SCRAM_SHA_512 iterations=4096$'; do
    grep -q "$want" "$WORK/metadata-before.txt" || { say "missing before the migration: /$want/"; return 1; }
  done
}

CLUSTER_ID=""
do_controllers() {
  local json
  json="$(znode_data /cluster/id)" || return 1
  CLUSTER_ID="$(json_field "$json" id)" || return 1
  say "/cluster/id: $json"
  KC_FIRST_ID=3000
  kafka_controllers_start "$CONTROLLERS" "$CLUSTER_ID" migration || return 1
  say "KRaft controller(s) ${KC_IDS[*]} formatted with cluster id $CLUSTER_ID, quorum $KB_CONTROLLER_VOTERS"
  say "zookeeper.metadata.migration.enable=true, zookeeper.connect=$METASTORE_CONNECT"
  [[ -z "$METASTORE_EXTRA_CP" ]] || say "adapter jar first on their classpath: $METASTORE_EXTRA_CP"
  local nid="${KC_IDS[0]}"
  ke_wait_until 60 "controller $nid waiting for the ZooKeeper brokers" \
    grep -q 'transitioning from [A-Z_]* to WAIT_FOR_BROKERS state' "$(_kc_dir "$nid")/logs/server.log" || return 1
  say "migration driver: $(grep -o 'transitioning from [A-Z_]* to WAIT_FOR_BROKERS state' "$(_kc_dir "$nid")/logs/server.log" | tail -1)"
}

# do_roll MODE PHASE: every broker in turn restarted in MODE while PHASE's producer runs;
# the next one only once every partition is fully replicated again.
do_roll() {
  local mode="$1" phase="$2" id
  producer_start "$phase" || return 1
  for (( id=1; id<=BROKERS; id++ )); do
    say "broker $id -> $mode mode"
    kafka_broker_roll "$id" "$mode" || return 1
    wait_healthy 180 || return 1
  done
  producer_stop "$phase"
}

# The controller that /controller names, once it is a KRaft controller.
ACTIVE_CONTROLLER=""
do_wait_migrated() {
  local json log
  json="$(znode_data /controller '"kraftControllerEpoch":[0-9]+' 120)" || return 1
  say "/controller: $json"
  ACTIVE_CONTROLLER="$(json_field "$json" brokerid)"
  [[ " ${KC_IDS[*]} " == *" $ACTIVE_CONTROLLER "* ]] || { say "/controller names $ACTIVE_CONTROLLER, not a KRaft controller"; return 1; }
  log="$(_kc_dir "$ACTIVE_CONTROLLER")/logs/server.log"
  ke_wait_until 120 "'Completed migration of metadata' in $log" grep -q 'Completed migration of metadata from ZooKeeper to KRaft' "$log" || return 1
  grep -o 'Completed migration of metadata from ZooKeeper to KRaft.*' "$log" | tail -1 | cut -c1-420 | show
  ke_wait_until 120 "migration driver in DUAL_WRITE" grep -q 'transitioning from [A-Z_]* to DUAL_WRITE state' "$log" || return 1
  say "driver: $(grep -o 'transitioning from [A-Z_]* to DUAL_WRITE state' "$log" | tail -1)"
  wait_migration_state "$ACTIVE_CONTROLLER" MIGRATION || return 1
  say "/migration: $(znode_data /migration)"
  wait_healthy
}

# wait_migration_state NODE_ID STATE: the controller's ZkMigrationState metric (JMX).
wait_migration_state() {
  local v
  v="$(check jmx "127.0.0.1:${KC_JMX_PORTS[$1]}" "$MIGRATION_METRIC" Value "${MIGRATION_STATE_VALUE[$2]}" 120)" || return 1
  say "controller $1: ZkMigrationState=$v ($2)"
}

do_controllers_kraft() {
  local nid
  producer_start controller-restart || return 1
  for nid in "${KC_IDS[@]}"; do
    say "controller $nid -> KRaft only (no zookeeper.connect, no migration)"
    kafka_controller_roll "$nid" kraft || return 1
  done
  wait_migration_state "${KC_IDS[0]}" POST_MIGRATION || return 1
  wait_healthy || return 1
  producer_stop controller-restart
}

do_snapshot_after() {
  check snapshot "$(kafka_bootstrap)" >"$WORK/metadata-after.txt" || return 1
  if ! diff -u "$WORK/metadata-before.txt" "$WORK/metadata-after.txt" | show; then :; fi
  cmp -s "$WORK/metadata-before.txt" "$WORK/metadata-after.txt" || { say "the metadata differs (- before, + after)"; return 1; }
  say "the same $(wc -l <"$WORK/metadata-before.txt") lines as before the migration: topic ids, configs, ACLs, SCRAM users"
}

do_verify() {
  # shellcheck disable=SC2046
  check verify "$(kafka_bootstrap)" "$TOPIC" 120 $(ls -tr "$ACKED"/* ) | show || return 1
  say "total acknowledged: $(cat "$ACKED"/* | wc -l) records, none lost"
}

do_stop() {
  kafka_brokers_stop
  kafka_controllers_stop
  ke_stop_all
}

cat <<EOF
ZooKeeper -> KRaft migration ($MODE metastore): 3 Kafka 3.9 brokers in ZooKeeper mode with
data, $CONTROLLERS KRaft controller(s); brokers rolled into migration mode, then KRaft mode,
then the controllers leave migration mode. Work dir: $WORK
EOF

step "Kafka runtime from Maven Central" metastore_runtime
[[ "$MODE" == etcd ]] && step "Build kafka-etcd: native library, Java API, adapter jar" metastore_build
step "Start the metastore ($MODE)" do_metastore
step "1. Start $BROKERS ZooKeeper-mode brokers" do_brokers
step "1. Topics, topic configs, ACLs, a SCRAM user" do_seed
step "1. Produce $RECORDS_BEFORE records (acks=all)" do_produce before "$RECORDS_BEFORE"
step "1. The metadata before the migration (Admin API)" do_snapshot_before
step "2. KRaft controller(s) in migration mode, formatted with /cluster/id" do_controllers
step "3. Roll the brokers into migration mode, producing" do_roll migration roll-to-migration
step "3. The KRaft controller took over: /controller, migration done, DUAL_WRITE" do_wait_migrated
step "4. Roll the brokers into KRaft mode, producing" do_roll kraft roll-to-kraft
step "5. Restart the controller(s) without migration: KRaft only, producing" do_controllers_kraft
step "6. Produce $RECORDS_AFTER records after the migration" do_produce after "$RECORDS_AFTER"
step "6. Topics (same ids), configs, ACLs, SCRAM users survived" do_snapshot_after
step "6. Every acknowledged record is consumed" do_verify
step "Stop the brokers, the controller(s) and the metastore" do_stop
CURRENT_STEP=""
printf '\nKRAFT MIGRATION PASSED (%s metastore, %s controller(s))\n' "$MODE" "$CONTROLLERS"
