#!/usr/bin/env bash
# kafka-etcd end-to-end demo: an unmodified Kafka 3.9 (ZooKeeper mode) cluster of
# three brokers survives the loss of a partition leader, with its metadata in
#   default           etcd (3 members) through our kafka.zookeeper.ZooKeeperClient jar
#   --zookeeper       a real Apache ZooKeeper 3.8 server, stock Kafka (the reference run)
# The metastore is the only thing that differs: see metastore_start_*.
#
# usage: scripts/demo.sh [--zookeeper | --etcd] [--tls] [--e2e | --kraft-migration] [--workdir DIR] [--keep-workdir]
#
#   --tls   etcd as in production: TLS only, client certificates required
#           (--client-cert-auth), etcd authentication on with a user for this
#           cluster's namespace only (scripts/etcd-cluster-user.sh); certificates
#           generated for loopback with openssl. The brokers are configured only
#           through server.properties (zookeeper.ssl.*: PKCS12 keystore, JKS
#           truststore) and a JAAS file (Client section: the etcd user); SCRAM
#           credentials are bootstrapped with kafka-configs --zookeeper
#           --zk-tls-config-file.
#   --e2e   the end-to-end test (scripts/e2e-kafka.sh): after the story, also kill -9
#           the controller broker (a new one must be elected, produce/consume must
#           still work) and restart it; in etcd mode every restart must re-register
#           the broker under a new broker epoch (czxid of /brokers/ids/N, read from etcd)
#   --kraft-migration  another story: the same cluster with data leaves its metastore through
#           the ZooKeeper -> KRaft migration (KIP-866), step by step with the checks between
#           the steps (scripts/migrate-to-kraft.sh, docs/kraft-migration.md)
#
# Everything runs on 127.0.0.1 free ports; every wait is bounded; every process
# the demo starts is stopped on exit, success or failure. Exit status 0 only if
# every step passed. Kafka comes from Maven Central (scripts/lib/kafka-runtime.sh);
# etcd from the etcd-bin-vendored crate; in etcd mode the jar
# kafka/adapter/target/kafka-etcd-kafka.jar is built when missing or stale
# (scripts/lib/kafka-adapter.sh: cargo, then Maven).
#
# Env (etcd mode): KAFKA_ETCD_JAR  use this jar instead of building one
#                  KAFKA_ETCD_ETCD_BIN  etcd binary (default: the vendored one)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/lib/metastore.sh"   # story.sh and scripts/lib/kafka-cluster.sh (the launchers)

MODE=etcd
WORK=""
KEEP_WORK=0
E2E=0
KRAFT_MIGRATION=0
TLS=0
while (($#)); do
  case "$1" in
    --zookeeper) MODE=zookeeper ;;
    --etcd) MODE=etcd ;;
    --e2e) E2E=1 ;;
    --kraft-migration) KRAFT_MIGRATION=1 ;;
    --tls) TLS=1 ;;
    *) kafka_cluster_option "$@"; shift $(( KC_OPTION_WORDS - 1 )) ;;
  esac
  shift
done
(( KRAFT_MIGRATION == 0 || TLS == 0 )) || ke_die "--kraft-migration runs without --tls"
if (( KRAFT_MIGRATION )); then
  args=("--$MODE")
  [[ -n "$WORK" ]] && args+=(--workdir "$WORK")
  (( KEEP_WORK )) && args+=(--keep-workdir)
  exec "$HERE/migrate-to-kraft.sh" "${args[@]}"
fi

(( TLS == 0 )) || [[ "$MODE" == etcd ]] || ke_die "--tls needs etcd mode"

TOPIC=kafka-test
WORDS=(welcome kafka on etcd good you are here)
BROKERS=3
CHROOT=/kafka

story_workdir kafka-etcd-demo

# --- narration and timing: scripts/lib/story.sh ------------------------------
timing_table() { story_timing_table "$MODE mode"; }

on_exit_report() {
  local rc="${KE_EXIT_RC:-0}"
  if (( rc != 0 )); then
    printf '\nDEMO FAILED%s. Logs are under %s\n' "${CURRENT_STEP:+ at step: $CURRENT_STEP}" "$WORK"
    KEEP_WORK=1
  fi
  timing_table
  return 0
}

cleanup_hook() {
  on_exit_report
  # brokers first (they need the metastore for a clean shutdown), all at once
  kafka_brokers_stop
}
KE_CLEANUP_HOOKS=(cleanup_hook)
KE_FINAL_HOOKS=(story_remove_workdir)
ke_install_cleanup_trap

# --- the metastore: the only thing that differs between the modes -------------
# (scripts/lib/metastore.sh: METASTORE_CONNECT, METASTORE_EXTRA_CP, METASTORE_JAVA_OPTS)

# --- reading znodes straight from etcd (etcd mode) ---------------------------

# znode CMD PATH...: get|data|stat|ls through our Java API (io.kafkaetcd.kafka.ZnodeTool),
# with the brokers' zookeeper.connect (chroot included): what Kafka stored in etcd.
znode() {
  timeout --kill-after=5 "$KB_TOOL_TIMEOUT" java "${KB_TOOL_JAVA_OPTS[@]}" \
    -Dlog4j.configuration="file:$(_kb_tools_log4j)" $METASTORE_JAVA_OPTS $ZNODE_OPTS \
    -cp "$METASTORE_EXTRA_CP:$KAFKA_CLASSPATH" io.kafkaetcd.kafka.ZnodeTool "$METASTORE_CONNECT" "$@"
}

# json_field JSON NAME: a field of a JSON object; lists come out comma separated
json_field() {
  python3 -c 'import json, sys
v = json.loads(sys.argv[1])[sys.argv[2]]
print(",".join(map(str, v)) if isinstance(v, list) else v)' "$1" "$2"
}

sorted_csv() { tr ',' '\n' <<<"$1" | sort -n | paste -sd,; }

STATE_ZNODE="/brokers/topics/$TOPIC/partitions/0/state"
# etcd_read_state: show the partition state znode; sets ETCD_LEADER, ETCD_ISR (sorted)
etcd_read_state() {
  local out json
  out="$(znode get "$STATE_ZNODE")" || return 1
  show <<<"$out"
  json="$(head -1 <<<"$out")"
  ETCD_LEADER="$(json_field "$json" leader)" && ETCD_ISR="$(sorted_csv "$(json_field "$json" isr)")" || return 1
}

# etcd_broker_epoch ID: czxid of /brokers/ids/ID in etcd (Kafka's broker epoch)
etcd_broker_epoch() {
  znode stat "/brokers/ids/$1" | sed -n 's/^czxid=\([0-9]*\) .*/\1/p' | grep .
}

# etcd_wait_broker_gone ID SECS: its ephemeral registration disappeared (session expired)
etcd_wait_broker_gone() {
  local deadline=$(( $(date +%s) + $2 ))
  while znode stat "/brokers/ids/$1" >/dev/null 2>&1; do
    (( $(date +%s) < deadline )) || { say "/brokers/ids/$1 still in etcd after $2 s"; return 1; }
    sleep 0.5
  done
}

# --- steps --------------------------------------------------------------------

# --tls: SCRAM credentials bootstrapped the way Kafka documents for a TLS ZooKeeper.
do_scram() {
  timeout --kill-after=5 "$KB_TOOL_TIMEOUT" java "${KB_TOOL_JAVA_OPTS[@]}" \
    -Dlog4j.configuration="file:$(_kb_tools_log4j)" $METASTORE_JAVA_OPTS \
    -cp "$METASTORE_EXTRA_CP:$KAFKA_CLASSPATH" kafka.admin.ConfigCommand --zookeeper "$METASTORE_CONNECT" \
    --zk-tls-config-file "$TLS_DIR/zk-tls.properties" --alter --entity-type users --entity-name alice \
    --add-config 'SCRAM-SHA-256=[iterations=4096,password=alice-secret]' | show || return 1
  local stored; stored="$(znode data /config/users/alice)" || return 1
  say "/config/users/alice in etcd: $(sed 's/salt=[^,]*/salt=.../; s/stored_key=[^,]*/stored_key=.../; s/server_key=[^,]*/server_key=.../' <<<"$stored")"
  grep -q 'SCRAM-SHA-256' <<<"$stored"
}

do_metastore() { METASTORE_TLS="$TLS" metastore_start "$MODE" "$WORK" "$CHROOT"; }

do_brokers() {
  KB_EXTRA_CP="$METASTORE_EXTRA_CP"
  KB_EXTRA_JAVA_OPTS="$METASTORE_JAVA_OPTS"
  KB_EXTRA_PROPERTIES="$METASTORE_PROPERTIES"
  if (( TLS )); then
    say "server.properties of every broker also holds:"
    sed 's/password=.*/password=<hidden>/' <<<"$METASTORE_PROPERTIES" | show
    say "and the JVM reads -Djava.security.auth.login.config=$TLS_DIR/jaas.conf (Client: username=\"kafka\")"
  fi
  say "metastore: $METASTORE_DESC"
  say "zookeeper.connect=$METASTORE_CONNECT"
  kafka_brokers_start "$WORK" "$BROKERS" "$METASTORE_CONNECT" || return 1
  local id
  for (( id=1; id<=BROKERS; id++ )); do
    say "broker $id listening on 127.0.0.1:${KB_PORTS[$id]} (logs: $(_kb_dir "$id")/logs)"
    if [[ -n "$METASTORE_BANNER" ]]; then
      grep -qF "$METASTORE_BANNER" "$(_kb_dir "$id")/logs/server.log" || {
        say "broker $id did not log '$METASTORE_BANNER': our ZooKeeperClient was not loaded"; return 1; }
    fi
  done
  [[ -n "$METASTORE_BANNER" ]] && say "all brokers run our kafka.zookeeper.ZooKeeperClient ($(grep -ho "${METASTORE_BANNER} ([^)]*)" "$(_kb_dir 1)/logs/server.log" | head -1))"
  say "controller: broker $(kafka_controller_id)"
}

do_create_topic() {
  kafka_topic_create "$TOPIC" 1 3 2>&1 | show
  kafka_wait_isr "$TOPIC" 0 3 60 >/dev/null || return 1
  kafka_topic_describe "$TOPIC" 2>&1 | show
}

do_produce() {
  say "sending: ${WORDS[*]}"
  printf '%s\n' "${WORDS[@]}" | kafka_produce "$TOPIC" 2>&1 | show
  return "${PIPESTATUS[1]}"
}

# consume_and_check [ROUNDS]: read ROUNDS x the 8 words from the beginning and compare
consume_and_check() {
  local rounds="${1:-1}" out got want=() i
  for (( i=0; i<rounds; i++ )); do want+=("${WORDS[@]}"); done
  out="$WORK/consumed.$(ke_now_ms).txt"
  kafka_consume "$TOPIC" "${#want[@]}" 30000 >"$out" 2>"$out.err" || { cat "$out.err" | show; return 1; }
  show <"$out"
  got="$(paste -sd' ' "$out")"
  if [[ "$got" != "${want[*]}" ]]; then
    say "expected: ${want[*]}"
    say "got:      $got"
    return 1
  fi
  say "all ${#want[@]} words back, in order"
}

# The partition state as Kafka's controller wrote it into etcd must match what
# the brokers serve (Admin API); EXPECT_ISR_SIZE checks the ISR size too. The two
# reads are a JVM start apart: a leader move in between (the controller's
# preferred-leader check) gets up to two more tries.
do_etcd_state() {
  local expect="${1:-}" admin a_leader a_isr try
  for try in 1 2 3; do
    (( try == 1 )) || { say "etcd and Kafka disagree; reading both again"; sleep 1; }
    say "znode $STATE_ZNODE, read straight from etcd with our Java API:"
    etcd_read_state || return 1
    admin="$(kafka_partition_state "$TOPIC" 0)" || return 1
    a_leader="${admin#leader=}"; a_leader="${a_leader%% *}"; a_isr="$(sorted_csv "${admin##*isr=}")"
    say "etcd: leader=$ETCD_LEADER isr=$ETCD_ISR;  Kafka (Admin API): $admin"
    [[ "$ETCD_LEADER" == "$a_leader" && "$ETCD_ISR" == "$a_isr" ]] && break
    (( try < 3 )) || return 1
  done
  if [[ -n "$expect" ]]; then
    local n; n="$(tr ',' '\n' <<<"$ETCD_ISR" | grep -c .)"
    (( n == expect )) || { say "expected an ISR of $expect in etcd, found $n"; return 1; }
  fi
  say "brokers registered in etcd (/brokers/ids): $(znode ls /brokers/ids | paste -sd' ')"
}

LEADER=""
EPOCH_BEFORE=""
do_kill_leader() {
  local state ctrl
  state="$(kafka_partition_state "$TOPIC" 0)" || return 1
  ctrl="$(kafka_controller_id)" || return 1
  LEADER="${state#leader=}"; LEADER="${LEADER%% *}"
  say "before: $state; controller is broker $ctrl"
  [[ "$LEADER" =~ ^[0-9]+$ ]] || { say "no leader to kill"; return 1; }
  if [[ "$MODE" == etcd ]]; then
    EPOCH_BEFORE="$(etcd_broker_epoch "$LEADER")" || return 1
    say "broker $LEADER's epoch (czxid of /brokers/ids/$LEADER in etcd): $EPOCH_BEFORE"
  fi
  say "kill -9 broker $LEADER (pid $(ke_pid "kafka-$LEADER")), the leader of $TOPIC-0$([[ "$LEADER" == "$ctrl" ]] && echo ' and the controller')"
  kafka_broker_kill9 "$LEADER"
}

do_failover() {
  local state
  say "waiting for the controller to see broker $LEADER gone and elect a new leader..."
  kafka_wait_leader_not "$TOPIC" 0 "$LEADER" 90 >/dev/null || return 1
  state="$(kafka_wait_isr "$TOPIC" 0 $(( BROKERS - 1 )) 60)" || return 1
  say "after:  $state; controller is broker $(kafka_controller_id)"
  kafka_topic_describe "$TOPIC" 2>&1 | show
  if [[ "$MODE" == etcd ]]; then
    do_etcd_state $(( BROKERS - 1 )) || return 1
  fi
}

# restart_broker ID EPOCH_BEFORE: restart, wait for the ISR to be full again and,
# in etcd mode, check that the new registration has a larger broker epoch.
restart_broker() {
  local id="$1" before="$2" after
  if [[ "$MODE" == etcd ]]; then
    # Its old session's ephemerals must be gone, or the registration meets NodeExists.
    etcd_wait_broker_gone "$id" 60 || return 1
  fi
  say "restarting broker $id"
  kafka_broker_restart "$id" || return 1
  say "waiting for broker $id to catch up and rejoin the ISR..."
  kafka_wait_isr "$TOPIC" 0 "$BROKERS" 90 | sed 's/^/    now: /' || return 1
  kafka_topic_describe "$TOPIC" 2>&1 | show
  if [[ "$MODE" == etcd ]]; then
    do_etcd_state "$BROKERS" || return 1
    after="$(etcd_broker_epoch "$id")" || return 1
    say "broker $id's epoch: $before before the kill, $after now"
    (( after > before )) || { say "broker $id did not re-register under a new broker epoch"; return 1; }
  fi
}

do_restart() { restart_broker "$LEADER" "$EPOCH_BEFORE"; }

# --- e2e only: lose the controller --------------------------------------------
CONTROLLER=""
CONTROLLER_EPOCH_BEFORE=""
do_kill_controller() {
  CONTROLLER="$(kafka_controller_id)" || return 1
  [[ "$CONTROLLER" =~ ^[0-9]+$ ]] || { say "no controller"; return 1; }
  if [[ "$MODE" == etcd ]]; then
    say "/controller in etcd: $(znode data /controller)"
    CONTROLLER_EPOCH_BEFORE="$(etcd_broker_epoch "$CONTROLLER")" || return 1
  fi
  say "kill -9 broker $CONTROLLER (pid $(ke_pid "kafka-$CONTROLLER")), the controller; partition: $(kafka_partition_state "$TOPIC" 0)"
  kafka_broker_kill9 "$CONTROLLER"
}

do_new_controller() {
  local now
  now="$(kafka_wait_controller_not "$CONTROLLER" 90)" || return 1
  say "brokers report: $now"
  if [[ "$MODE" == etcd ]]; then
    local json id
    json="$(znode data /controller)" || return 1
    id="$(json_field "$json" brokerid)" || return 1
    say "/controller in etcd: $json; /controller_epoch: $(znode data /controller_epoch)"
    [[ "$id" != "$CONTROLLER" && "controller=$id" == "$now" ]] || { say "etcd names controller $id"; return 1; }
  fi
  kafka_wait_leader_not "$TOPIC" 0 "$CONTROLLER" 60 | sed 's/^/    partition: /' || return 1
}

do_produce_again() {
  say "sending the same ${#WORDS[@]} words again"
  printf '%s\n' "${WORDS[@]}" | kafka_produce "$TOPIC" 2>&1 | show
  return "${PIPESTATUS[1]}"
}

do_restart_controller() { restart_broker "$CONTROLLER" "$CONTROLLER_EPOCH_BEFORE"; }

do_stop() {
  kafka_brokers_stop
  ke_stop_all
}

cat <<EOF
kafka-etcd demo ($MODE mode$( ((E2E)) && echo ', end-to-end test')): 3 unmodified Kafka 3.9 brokers
in ZooKeeper mode, topic '$TOPIC' with 1 partition replicated 3 times, and the
partition leader is killed with SIGKILL halfway through. Work dir: $WORK
EOF

step "Kafka runtime from Maven Central" metastore_runtime
[[ "$MODE" == etcd ]] && step "Build kafka-etcd: native library, Java API, adapter jar" metastore_build
step "Start the metastore ($MODE)" do_metastore
step "Start $BROKERS Kafka brokers" do_brokers
step "Create topic $TOPIC (1 partition, replication factor 3)" do_create_topic
step "Produce ${#WORDS[@]} words, one record per line" do_produce
step "Consume them from the beginning" consume_and_check
[[ "$MODE" == etcd ]] && step "The partition state, as stored in etcd" do_etcd_state "$BROKERS"
(( TLS )) && step "SCRAM credentials through kafka-configs --zookeeper --zk-tls-config-file" do_scram
step "Kill -9 the partition leader" do_kill_leader
step "New leader elected, ISR shrinks" do_failover
step "Consume all ${#WORDS[@]} words again (from the survivors)" consume_and_check
step "Restart the killed broker; ISR back to $BROKERS" do_restart
if (( E2E )); then
  step "Kill -9 the controller broker" do_kill_controller
  step "A new controller is elected" do_new_controller
  step "Produce with the old controller gone" do_produce_again
  step "Consume all $(( 2 * ${#WORDS[@]} )) words from the beginning" consume_and_check 2
  step "Restart the old controller; ISR back to $BROKERS" do_restart_controller
fi
step "Stop the brokers and the metastore" do_stop
CURRENT_STEP=""
printf '\nDEMO PASSED (%s mode%s%s)\n' "$MODE" "$( ((TLS)) && echo ', TLS + etcd auth')" "$( ((E2E)) && echo ', end-to-end test')"
