#!/usr/bin/env bash
# kafka-etcd end-to-end demo: an unmodified Kafka 3.9 (ZooKeeper mode) cluster of
# three brokers survives the loss of a partition leader, with its metadata in
#   default           etcd (3 members) through our kafka.zookeeper.ZooKeeperClient jar
#   --zookeeper       a real Apache ZooKeeper 3.8 server, stock Kafka (the reference run)
#   --zookeeper-shim  the same server, but the brokers load our Java ZooKeeperClient
#                     (kafka/shim-zookeeper, stock ZooKeeper client inside): proves the
#                     class-replacement seam without etcd
# The metastore is the only thing that differs: see metastore_start_*.
#
# usage: scripts/demo.sh [--zookeeper | --zookeeper-shim | --etcd] [--workdir DIR] [--keep-workdir]
#
# Everything runs on 127.0.0.1 free ports; every wait is bounded; every process
# the demo starts is stopped on exit, success or failure. Exit status 0 only if
# every step passed. Kafka comes from Maven Central (scripts/lib/kafka-runtime.sh).
#
# etcd mode needs (until the build wires them in):
#   KAFKA_ETCD_JAR          jar holding our kafka.zookeeper.ZooKeeperClient (+ Java API)
#   KAFKA_ETCD_NATIVE_DIR   dir holding libkafka_etcd.so (default: target/release)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/lib/common.sh"
. "$HERE/lib/kafka-runtime.sh"
. "$HERE/lib/kafka-brokers.sh"
. "$HERE/lib/zookeeper-server.sh"
. "$HERE/lib/etcd-cluster.sh"

MODE=etcd
WORK=""
KEEP_WORK=0
while (($#)); do
  case "$1" in
    --zookeeper) MODE=zookeeper ;;
    --zookeeper-shim) MODE=zookeeper_shim ;;
    --etcd) MODE=etcd ;;
    --workdir) WORK="$2"; shift ;;
    --keep-workdir) KEEP_WORK=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) ke_die "unknown argument: $1 (try --help)" ;;
  esac
  shift
done

TOPIC=kafka-test
WORDS=(welcome kafka on etcd good you are here)
BROKERS=3
CHROOT=/kafka

if [[ -z "$WORK" ]]; then
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/kafka-etcd-demo.XXXXXX")"
else
  mkdir -p "$WORK"; WORK="$(cd "$WORK" && pwd)"
fi

# --- narration and timing -----------------------------------------------------
declare -a STEP_NAMES=() STEP_MS=() STEP_OK=()
DEMO_T0="$(ke_now_ms)"
CURRENT_STEP=""

say()  { printf '    %s\n' "$*"; }
show() { sed 's/^/    | /'; }

step() {
  local title="$1"; shift
  CURRENT_STEP="$title"
  printf '\n==> [%s] %s\n' "$(date +%H:%M:%S)" "$title"
  local t0 t1 rc=0
  t0="$(ke_now_ms)"
  "$@" || rc=$?
  t1="$(ke_now_ms)"
  STEP_NAMES+=("$title"); STEP_MS+=("$(( t1 - t0 ))")
  if (( rc != 0 )); then
    STEP_OK+=(FAIL)
    printf '    FAILED (%d.%03ds): %s\n' "$(( (t1-t0)/1000 ))" "$(( (t1-t0)%1000 ))" "$title"
    exit 1
  fi
  STEP_OK+=(ok)
  printf '    done in %d.%03ds\n' "$(( (t1-t0)/1000 ))" "$(( (t1-t0)%1000 ))"
}

timing_table() {
  local i total=$(( $(ke_now_ms) - DEMO_T0 ))
  printf '\nStep timings (%s mode):\n' "$MODE"
  for i in "${!STEP_NAMES[@]}"; do
    printf '  %-4s %7d.%03ds  %s\n' "${STEP_OK[$i]}" "$(( STEP_MS[i]/1000 ))" "$(( STEP_MS[i]%1000 ))" "${STEP_NAMES[$i]}"
  done
  printf '  total %6d.%03ds\n' "$(( total/1000 ))" "$(( total%1000 ))"
}

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
remove_workdir_hook() {
  if (( KEEP_WORK == 0 )); then rm -rf "$WORK"; else printf 'Work dir kept: %s\n' "$WORK"; fi
}
KE_CLEANUP_HOOKS=(cleanup_hook)
KE_FINAL_HOOKS=(remove_workdir_hook)
ke_install_cleanup_trap

# --- the metastore: the only thing that differs between the modes -------------
# Each sets METASTORE_CONNECT (the broker's zookeeper.connect), METASTORE_EXTRA_CP
# (put first on the broker classpath) and METASTORE_JAVA_OPTS, and describes itself.

metastore_start_zookeeper() {
  zookeeper_start "$WORK" || return 1
  METASTORE_DESC="Apache ZooKeeper 3.8 standalone server at $ZK_CONNECT"
  METASTORE_CONNECT="$ZK_CONNECT$CHROOT"
  METASTORE_EXTRA_CP=""
  METASTORE_JAVA_OPTS=""
  METASTORE_BANNER=""
  say "ZooKeeper is serving on $ZK_CONNECT (data: $WORK/zookeeper)"
}

metastore_start_zookeeper_shim() {
  kafka_shim_zookeeper_ensure || return 1
  metastore_start_zookeeper || return 1
  METASTORE_DESC="$METASTORE_DESC, brokers on our Java ZooKeeperClient"
  METASTORE_EXTRA_CP="$KAFKA_SHIM_ZOOKEEPER_JAR"
  METASTORE_BANNER="kafka-etcd Java ZooKeeperClient"
  say "brokers will load kafka.zookeeper.ZooKeeperClient from $KAFKA_SHIM_ZOOKEEPER_JAR"
}

metastore_start_etcd() {
  local jar="${KAFKA_ETCD_JAR:-}"
  local native="${KAFKA_ETCD_NATIVE_DIR:-$KE_ROOT/target/release}"
  if [[ -z "$jar" || ! -f "$jar" ]]; then
    say "The etcd adapter jar is not available yet: set KAFKA_ETCD_JAR to the jar that"
    say "provides kafka.zookeeper.ZooKeeperClient over our Java API (and KAFKA_ETCD_NATIVE_DIR"
    say "to the directory of libkafka_etcd.so). Meanwhile, run: scripts/demo.sh --zookeeper"
    return 1
  fi
  etcd_cluster_start "$WORK" 3 || return 1
  METASTORE_DESC="etcd $("$ETCD_BIN" --version | sed -n 's/^etcd Version: //p'), 3 members at $ETCD_ENDPOINTS"
  # Plain host:port list + chroot: KafkaZkClient splits the string at its first '/'.
  METASTORE_CONNECT="$ETCD_ENDPOINTS$CHROOT"
  METASTORE_EXTRA_CP="$jar"
  METASTORE_JAVA_OPTS="-Djava.library.path=$native"
  METASTORE_BANNER="kafka-etcd Java ZooKeeperClient"
  say "etcd is healthy on $ETCD_ENDPOINTS (data: $WORK/etcd)"
  say "brokers will load kafka.zookeeper.ZooKeeperClient from $jar"
}

# --- steps --------------------------------------------------------------------

do_runtime() {
  kafka_runtime_ensure || return 1
  say "Kafka $KAFKA_VERSION, $(ls "$KAFKA_LIBS_DIR" | wc -l) jars from Maven Central in $KAFKA_LIBS_DIR"
}

do_metastore() { "metastore_start_$MODE"; }

do_brokers() {
  KB_EXTRA_CP="$METASTORE_EXTRA_CP"
  KB_EXTRA_JAVA_OPTS="$METASTORE_JAVA_OPTS"
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

# consume_and_check: read the 8 words from the beginning and compare
consume_and_check() {
  local out got
  out="$WORK/consumed.$(ke_now_ms).txt"
  kafka_consume "$TOPIC" "${#WORDS[@]}" 30000 >"$out" 2>"$out.err" || { cat "$out.err" | show; return 1; }
  show <"$out"
  got="$(paste -sd' ' "$out")"
  if [[ "$got" != "${WORDS[*]}" ]]; then
    say "expected: ${WORDS[*]}"
    say "got:      $got"
    return 1
  fi
  say "all ${#WORDS[@]} words back, in order"
}

LEADER=""
do_kill_leader() {
  local state ctrl
  state="$(kafka_partition_state "$TOPIC" 0)" || return 1
  ctrl="$(kafka_controller_id)" || return 1
  LEADER="${state#leader=}"; LEADER="${LEADER%% *}"
  say "before: $state; controller is broker $ctrl"
  [[ "$LEADER" =~ ^[0-9]+$ ]] || { say "no leader to kill"; return 1; }
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
}

do_restart() {
  say "restarting broker $LEADER"
  kafka_broker_restart "$LEADER" || return 1
  say "waiting for broker $LEADER to catch up and rejoin the ISR..."
  kafka_wait_isr "$TOPIC" 0 "$BROKERS" 90 | sed 's/^/    now: /' || return 1
  kafka_topic_describe "$TOPIC" 2>&1 | show
}

do_stop() {
  kafka_brokers_stop
  ke_stop_all
}

cat <<EOF
kafka-etcd demo ($MODE mode): 3 unmodified Kafka 3.9 brokers in ZooKeeper mode,
topic '$TOPIC' with 1 partition replicated 3 times, and the partition leader is
killed with SIGKILL halfway through. Work dir: $WORK
EOF

step "Kafka runtime from Maven Central" do_runtime
step "Start the metastore ($MODE)" do_metastore
step "Start $BROKERS Kafka brokers" do_brokers
step "Create topic $TOPIC (1 partition, replication factor 3)" do_create_topic
step "Produce ${#WORDS[@]} words, one record per line" do_produce
step "Consume them from the beginning" consume_and_check
step "Kill -9 the partition leader" do_kill_leader
step "New leader elected, ISR shrinks" do_failover
step "Consume all ${#WORDS[@]} words again (from the survivors)" consume_and_check
step "Restart the killed broker; ISR back to $BROKERS" do_restart
step "Stop the brokers and the metastore" do_stop
CURRENT_STEP=""
printf '\nDEMO PASSED (%s mode)\n' "$MODE"
