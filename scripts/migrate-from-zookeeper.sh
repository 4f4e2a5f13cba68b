#!/usr/bin/env bash
# Move a running Kafka 3.9 cluster from ZooKeeper to etcd and back, on real processes,
# with the operator shell (io.kafkaetcd.kafka.tool.EtcdZkShell), as the README's
# "Move an existing cluster to etcd" section tells it:
#   1. 3 brokers on Apache ZooKeeper 3.8 (AclAuthorizer, a SASL_PLAINTEXT SCRAM listener):
#      topics, topic configs, two ACLs, a SCRAM user, records produced with acks=all
#   2. the brokers stopped; import-zookeeper into a 3-member etcd (verification included)
#   3. the same brokers (ids, log dirs) started on etcd with the adapter jar: the same
#      topic ids, configs, ACLs and SCRAM users (Admin API); alice logs in with SCRAM, may
#      read 'orders' and is denied 'customers' (ACLs enforced); every acknowledged record
#      consumed; a config change and a new ACL written now are new sequential znodes
#      (/config/changes, /kafka-acl-changes) that continue ZooKeeper's numbering and that
#      every broker processes (its log says so)
#   4. the way back: brokers stopped; export-zookeeper into a fresh ZooKeeper; the brokers
#      started on it: the same metadata, alice's SCRAM login and ACLs, every record
#
# usage: scripts/migrate-from-zookeeper.sh [--workdir DIR] [--keep-workdir]
#
# Everything runs on 127.0.0.1 free ports; every wait is bounded; every process the
# script starts is stopped on exit. Run by scripts/test.sh; about 2.5 minutes on 2 cores (152 s).
# Env: KAFKA_ETCD_JAR, KAFKA_ETCD_ETCD_BIN as for scripts/demo.sh.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/lib/metastore.sh"   # story.sh and scripts/lib/kafka-cluster.sh (the launchers)

WORK=""
KEEP_WORK=0
while (($#)); do
  case "$1" in
    *) kafka_cluster_option "$@"; shift $(( KC_OPTION_WORDS - 1 )) ;;
  esac
  shift
done

BROKERS=3
CHROOT=/kafka
TOPIC=orders
story_workdir kafka-zk-to-etcd
ACKED="$WORK/acked"
mkdir -p "$ACKED"

KB_SASL=1
KB_MODE_PROPS=([zk]=$'authorizer.class.name=kafka.security.authorizer.AclAuthorizer\nsuper.users=User:ANONYMOUS')

on_exit_report() {
  if (( ${KE_EXIT_RC:-0} != 0 )); then
    story_failure_logs "MIGRATION FROM ZOOKEEPER" "$WORK"/kafka/b*/logs/server.log
  fi
  story_timing_table "ZooKeeper -> etcd -> ZooKeeper"
  return 0
}
cleanup_hook() { on_exit_report; kafka_brokers_stop; }
KE_CLEANUP_HOOKS=(cleanup_hook)
KE_FINAL_HOOKS=(story_remove_workdir)
ke_install_cleanup_trap

check() { kafka_migration_check "$@"; }
adapter_jar() { echo "${KAFKA_ETCD_JAR:-$KAFKA_ETCD_ADAPTER_JAR}"; }
# The operator shell, as bin/kafka-etcd-shell.sh runs it (the adapter jar before Kafka's libs).
etcd_shell() {
  timeout --kill-after=5 300 java "${KB_TOOL_JAVA_OPTS[@]}" -Dlog4j.configuration="file:$(_kb_tools_log4j)" \
    -cp "$(adapter_jar):$KAFKA_CLASSPATH" io.kafkaetcd.kafka.tool.EtcdZkShell "$@"
}
scram_acl_check() {
  local cls; cls="$(kafka_java_classes ScramAclCheck)" || return 1
  timeout --kill-after=5 120 java "${KB_TOOL_JAVA_OPTS[@]}" -Dlog4j.configuration="file:$(_kb_tools_log4j)" \
    -cp "$cls:$KAFKA_CLASSPATH" ScramAclCheck "$(kafka_sasl_bootstrap)" alice alice-secret orders "$@" \
    2>>"$WORK/scram-acl-check.log"   # the client's own ERROR lines for the expected denials
}

wait_healthy() {
  local out
  out="$(check wait-healthy "$(kafka_bootstrap)" "$BROKERS" "${1:-120}")" || return 1
  say "cluster: $out"
}

# --- steps -----------------------------------------------------------------------

ZK_SOURCE=""
do_zookeeper() {
  zookeeper_start "$WORK/zk-source" || return 1
  ZK_SOURCE="$ZK_CONNECT$CHROOT"
  say "Apache ZooKeeper 3.8 on $ZK_CONNECT; the brokers use zookeeper.connect=$ZK_SOURCE"
}

# start_brokers CONNECT EXTRA_CP: the brokers 1..3 (same ids and log dirs every time)
start_brokers() {
  KB_EXTRA_CP="$2"
  kafka_brokers_start "$WORK" "$BROKERS" "$1" || return 1
  say "brokers 1..$BROKERS on $(kafka_bootstrap) (SCRAM on $(kafka_sasl_bootstrap)), zookeeper.connect=$1"
  if [[ -n "$2" ]]; then
    grep -qF "kafka-etcd Java ZooKeeperClient" "$(_kb_dir 1)/logs/server.log" || { say "broker 1 does not run our ZooKeeperClient"; return 1; }
    say "their classpath starts with $2"
  fi
  wait_healthy
}

do_seed() {
  check seed "$(kafka_bootstrap)" | show || return 1
  timeout --kill-after=5 "$KB_TOOL_TIMEOUT" java "${KB_TOOL_JAVA_OPTS[@]}" -Dlog4j.configuration="file:$(_kb_tools_log4j)" \
    -cp "$KAFKA_CLASSPATH" kafka.admin.ConfigCommand --zookeeper "$ZK_SOURCE" --alter \
    --add-config 'SCRAM-SHA-256=[iterations=8192,password=alice-secret],SCRAM-SHA-512=[password=alice-secret]' \
    --entity-type users --entity-name alice 2>&1 | show || return 1
  check produce "$(kafka_bootstrap)" "$TOPIC" before 300 "$ACKED/before" | show || return 1
  check snapshot "$(kafka_bootstrap)" >"$WORK/metadata-zookeeper.txt" || return 1
  show <"$WORK/metadata-zookeeper.txt"
  scram_acl_check customers | show
  (( PIPESTATUS[0] == 0 ))
}

do_stop_brokers() { kafka_brokers_stop; say "brokers stopped (their sessions closed: no ephemeral left)"; }

ETCD_TARGET=""
do_import() {
  etcd_cluster_start "$WORK" 3 || return 1
  ETCD_TARGET="$ETCD_ENDPOINTS$CHROOT"
  say "etcd: 3 members at $ETCD_ENDPOINTS"
  etcd_shell "$ETCD_TARGET" import-zookeeper --from "$ZK_SOURCE" 2>&1 | show
  (( PIPESTATUS[0] == 0 )) || return 1
  etcd_shell "$ETCD_TARGET" tree /config | tail -1 | show
  etcd_shell "$ETCD_TARGET" ls /config/changes >"$WORK/config-changes-imported" || return 1
  etcd_shell "$ETCD_TARGET" ls /kafka-acl-changes >"$WORK/acl-changes-imported" || return 1
  say "imported notifications: $(tr '\n' ' ' <"$WORK/config-changes-imported")$(tr '\n' ' ' <"$WORK/acl-changes-imported")"
  zookeeper_stop
}

# same_metadata FILE: the Admin API's view equals FILE (topic ids, configs, ACLs, SCRAM users).
same_metadata() {
  check snapshot "$(kafka_bootstrap)" >"$WORK/metadata-now.txt" || return 1
  if ! cmp -s "$1" "$WORK/metadata-now.txt"; then
    diff -u "$1" "$WORK/metadata-now.txt" | show || true
    say "the metadata differs (- before, + now)"; return 1
  fi
  say "the same $(wc -l <"$1") lines as before: topic ids, configs, ACLs, SCRAM users"
}

verify_records() {
  # shellcheck disable=SC2046
  check verify "$(kafka_bootstrap)" "$TOPIC" 120 $(ls -tr "$ACKED"/*) | show || return 1
  say "every one of $(cat "$ACKED"/* | wc -l) acknowledged records consumed"
}

# next_name FILE PREFIX: the name ZooKeeper would give the next sequential child after FILE's.
next_name() {
  local last; last="$(sort "$1" | tail -1)"
  printf '%s%010d\n' "$2" "$(( 10#${last#"$2"} + 1 ))"
}

do_new_notifications() {
  local want_cfg want_acl id
  want_cfg="$(next_name "$WORK/config-changes-imported" config_change_)"
  want_acl="$(next_name "$WORK/acl-changes-imported" acl_changes_)"
  timeout 60 java "${KB_TOOL_JAVA_OPTS[@]}" -Dlog4j.configuration="file:$(_kb_tools_log4j)" -cp "$KAFKA_CLASSPATH" \
      kafka.admin.ConfigCommand --bootstrap-server "$(kafka_bootstrap)" --alter --entity-type topics \
      --entity-name customers --add-config min.compaction.lag.ms=4242 2>&1 | show
  timeout 60 java "${KB_TOOL_JAVA_OPTS[@]}" -Dlog4j.configuration="file:$(_kb_tools_log4j)" -cp "$KAFKA_CLASSPATH" \
    kafka.admin.AclCommand --bootstrap-server "$(kafka_bootstrap)" --add --allow-principal User:bob \
    --operation Read --topic customers 2>&1 | tail -2 | show
  etcd_shell "$ETCD_TARGET" ls /config/changes | grep -qx "$want_cfg" \
    || { say "no $want_cfg under /config/changes"; etcd_shell "$ETCD_TARGET" ls /config/changes | show; return 1; }
  etcd_shell "$ETCD_TARGET" ls /kafka-acl-changes | grep -qx "$want_acl" \
    || { say "no $want_acl under /kafka-acl-changes"; etcd_shell "$ETCD_TARGET" ls /kafka-acl-changes | show; return 1; }
  say "new notifications $want_cfg and $want_acl continue ZooKeeper's numbering"
  for (( id=1; id<=BROKERS; id++ )); do
    ke_wait_until 60 "broker $id to process $want_cfg" \
      grep -qE "Processing override for entityPath: topics/customers with config: .*min.compaction.lag.ms -> 4242" \
      "$(_kb_dir "$id")/logs/server.log" || return 1
    ke_wait_until 60 "broker $id to process $want_acl" \
      grep -qE "Processing Acl change notification for ResourcePattern\(resourceType=TOPIC, name=customers.*User:bob" \
      "$(_kb_dir "$id")/logs/server.log" || return 1
  done
  say "every broker processed both (its server.log says so)"
  check snapshot "$(kafka_bootstrap)" >"$WORK/metadata-etcd.txt" || return 1
}

do_on_etcd() {
  same_metadata "$WORK/metadata-zookeeper.txt" || return 1
  scram_acl_check customers | show
  (( PIPESTATUS[0] == 0 )) || return 1
  check produce "$(kafka_bootstrap)" "$TOPIC" on-etcd 300 "$ACKED/on-etcd" | show || return 1
  verify_records
}

ZK_BACK=""
do_export() {
  zookeeper_start "$WORK/zk-back" || return 1
  ZK_BACK="$ZK_CONNECT$CHROOT"
  say "a fresh ZooKeeper on $ZK_CONNECT"
  etcd_shell "$ETCD_TARGET" export-zookeeper --to "$ZK_BACK" 2>&1 | show
  (( PIPESTATUS[0] == 0 ))
}

do_back_on_zookeeper() {
  same_metadata "$WORK/metadata-etcd.txt" || return 1
  scram_acl_check customers | show
  (( PIPESTATUS[0] == 0 )) || return 1
  check produce "$(kafka_bootstrap)" "$TOPIC" back 200 "$ACKED/back" | show || return 1
  verify_records
}

do_stop() {
  kafka_brokers_stop
  ke_stop_all
}

cat <<EOF
Kafka 3.9 on ZooKeeper 3.8 -> etcd (import-zookeeper) -> ZooKeeper again (export-zookeeper),
3 brokers with topics, configs, ACLs, a SCRAM user and records. Work dir: $WORK
EOF

step "Kafka runtime from Maven Central" metastore_runtime
step "Build kafka-etcd: native library, Java API, adapter jar" metastore_build
step "1. ZooKeeper 3.8" do_zookeeper
step "1. $BROKERS brokers on ZooKeeper" start_brokers "$ZK_SOURCE" ""
step "1. Topics, configs, ACLs, a SCRAM user, 300 records" do_seed
step "2. Stop the brokers" do_stop_brokers
step "2. import-zookeeper into etcd (and verify)" do_import
step "3. The same brokers on etcd" start_brokers "$ETCD_TARGET" "$(adapter_jar)"
step "3. Metadata, SCRAM login, ACLs, records" do_on_etcd
step "3. New sequential znodes processed by every broker" do_new_notifications
step "4. Stop the brokers" do_stop_brokers
step "4. export-zookeeper into a fresh ZooKeeper (and verify)" do_export
step "4. The brokers back on ZooKeeper" start_brokers "$ZK_BACK" ""
step "4. Metadata, SCRAM login, ACLs, records" do_back_on_zookeeper
step "Stop everything" do_stop
CURRENT_STEP=""
printf '\nMIGRATION FROM ZOOKEEPER PASSED (ZooKeeper -> etcd -> ZooKeeper)\n'
