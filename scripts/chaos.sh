#!/usr/bin/env bash
# Fault-injection suite: 3 unmodified Kafka 3.9.1 brokers under an idempotent
# acks=all producer, while the metadata store is hurt, once per store:
#   zookeeper   a 3-server Apache ZooKeeper 3.8 quorum, stock Kafka (the reference)
#   etcd        3 etcd members, brokers on our adapter jar
# Faults, one after another, each followed by a bounded heal check:
#   sigstop       SIGSTOP every store member for the session timeout + 4 s, then SIGCONT
#   kill-leader   kill -9 the store's leader, restart it the session timeout + 4 s later
#   full-restart  stop every member (SIGTERM), then start them all again
#   partition     cut the store's leader off the loopback network (peers and clients)
#                 for the session timeout + 4 s, then heal the network
# "Healthy" (scripts/lib/java/ChaosClient.java probe): every broker registered in
# the store's /brokers/ids, exactly one broker with ActiveControllerCount 1 (JMX)
# and /controller naming it, every partition led with its full ISR (3), and acks
# arriving after the fault ended. Heal time = from the end of the fault (SIGCONT,
# relaunch, network back) to the first instant from which the probe saw that
# state, unchanged (same registrations, same controller), for 3 s. For
# kill-leader and partition a quorum is left, so Kafka must also become healthy
# while the fault lasts: timed from the fault's start, to the start of the healthy
# run that reaches its end. At the end every partition is read back: 0
# acknowledged records lost and none in the log twice, or the suite fails.
#
# Fails when: a store does not heal within CHAOS_HEAL_BOUND s after a fault; an
# acknowledged record is lost or duplicated; or (both stores run) etcd's heal
# time for a fault exceeds max(2 x ZooKeeper's, ZooKeeper's + 5 s) for that fault
# (after it, and while it lasts: not healthy by its end counts as exceeding).
#
# usage: scripts/chaos.sh [--store zookeeper|etcd|both] [--workdir DIR] [--keep-workdir]
#
# Needs root: the suite re-runs itself in a private network namespace
# (unshare --net, its own loopback), so the partition's iptables rules never
# touch the host's network. Store members run as uids 64001..64003 (setpriv)
# so iptables' owner match can tell a member's sockets apart on 127.0.0.1.
# Needs: unshare, setpriv (util-linux), ip (iproute2), iptables (apt-get install
# iptables; the kernel's netfilter with owner and connmark matches).
#
# Env: CHAOS_SESSION_TIMEOUT_MS (6000, zookeeper.session.timeout.ms, both stores)
#      CHAOS_RATE (200 records/s)  CHAOS_HEAL_BOUND (60 s)  CHAOS_STABLE_MS (3000)
#      KAFKA_ETCD_JAR (use this adapter jar instead of building one)
#      KAFKA_ETCD_ETCD_BIN (etcd binary; default: the vendored one)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/lib/kafka-cluster.sh"   # the launchers: Kafka runtime, brokers, ZooKeeper, etcd, adapter jar

STORES=(zookeeper etcd)
WORK=""
KEEP_WORK=0
ARGS=("$@")
while (($#)); do
  case "$1" in
    --store) case "$2" in both) STORES=(zookeeper etcd) ;; zookeeper|etcd) STORES=("$2") ;;
               *) ke_die "--store zookeeper|etcd|both" ;; esac; shift ;;
    *) kafka_cluster_option "$@"; shift $(( KC_OPTION_WORDS - 1 )) ;;
  esac
  shift
done

: "${CHAOS_SESSION_TIMEOUT_MS:=6000}"
: "${CHAOS_RATE:=200}"
: "${CHAOS_HEAL_BOUND:=60}"
: "${CHAOS_STABLE_MS:=3000}"
FAULTS=(sigstop kill-leader full-restart partition)
DURING_FAULTS=(kill-leader partition)                 # a quorum is left: also timed while they last
HOLD_SECS=$(( CHAOS_SESSION_TIMEOUT_MS / 1000 + 4 ))   # sigstop, kill-leader, partition: longer than a session
UID_BASE=64000                                        # member I runs as uid UID_BASE+I
TOPIC=chaos
CHROOT=/kafka

# --- outside the namespace: what needs the host (downloads, builds), then re-exec ----
if [[ -z "${CHAOS_IN_NETNS:-}" ]]; then
  (( EUID == 0 )) || ke_die "chaos.sh needs root (network namespace, iptables, setpriv)"
  for tool in unshare setpriv ip iptables curl python3 mvn; do
    command -v "$tool" >/dev/null || ke_die "chaos.sh needs '$tool' (iptables: apt-get install iptables)"
  done
  kafka_runtime_ensure
  # ChaosClient (scripts/lib/java, a Maven module): compiled here, where Maven can download.
  (cd "$KE_ROOT" && mvn -B -q -Dstyle.color=never -pl scripts/lib/java compile) || ke_die "scripts/lib/java does not compile"
  if [[ " ${STORES[*]} " == *" etcd "* ]]; then
    if [[ -z "${KAFKA_ETCD_JAR:-}" ]]; then kafka_adapter_ensure; KAFKA_ETCD_JAR="$KAFKA_ETCD_ADAPTER_JAR"; fi
    [[ -f "$KAFKA_ETCD_JAR" ]] || ke_die "no adapter jar at $KAFKA_ETCD_JAR"
    etcd_find_bin
    export KAFKA_ETCD_JAR KAFKA_ETCD_ETCD_BIN="$ETCD_BIN"
  fi
  export CHAOS_IN_NETNS=1
  exec unshare --net -- "$0" "${ARGS[@]}"
fi

# --- inside: a network namespace of our own ------------------------------------
ip link set lo up
iptables -L -n >/dev/null 2>&1 || ke_die "iptables does not work in the namespace"

if [[ -z "$WORK" ]]; then WORK="$(mktemp -d "${TMPDIR:-/tmp}/kafka-etcd-chaos.XXXXXX")"; fi
mkdir -p "$WORK"; WORK="$(cd "$WORK" && pwd)"
chmod 755 "$WORK"   # the store members run as other uids
# ZooKeeper members run as other uids too: give them copies of its jars in
# the work dir, since the checkout may not be readable by them (a clone
# under a `mktemp -d` directory is mode 700).
if [[ -z "${ZK_CLASSPATH:-}" ]]; then
  kafka_runtime_ensure
  mkdir -p "$WORK/zk-libs" && cp "$KAFKA_LIBS_DIR"/*.jar "$WORK/zk-libs/" && chmod -R a+rX "$WORK/zk-libs"
  export ZK_CLASSPATH="$WORK/zk-libs/*"
fi
RESULTS="$WORK/results"; : >"$RESULTS"
FAILED=()

say() { printf '    %s\n' "$*"; }
fail() { FAILED+=("$*"); printf '    FAIL: %s\n' "$*"; }

# --- the stores: start, leader, members -----------------------------------------
# store_start_S DIR: start 3 members, set STORE_CONNECT (host:port list), STORE_CP (the
# broker classpath prefix) and STORE_MEMBER_PORTS[I] (ports member I listens on).
declare -a STORE_MEMBER_PORTS=()

store_start_zookeeper() {
  ZK_RUN_AS_UID_BASE=$UID_BASE zookeeper_ensemble_start "$1" 3 || return 1
  STORE_CONNECT="$ZK_CONNECT"; STORE_CP=""
  local i
  for i in 1 2 3; do STORE_MEMBER_PORTS[$i]="${ZK_CLIENT_PORTS[$i]},${ZK_QUORUM_PORTS[$i]},${ZK_ELECTION_PORTS[$i]}"; done
}
store_leader_zookeeper()  { zookeeper_member_leader; }
store_proc_zookeeper()    { echo "zookeeper-$1"; }
store_relaunch_zookeeper() { ZK_RUN_AS_UID_BASE=$UID_BASE zookeeper_member_restart "$1"; }
store_stop_zookeeper()    { zookeeper_ensemble_stop; }
store_healthy_zookeeper() { zookeeper_ensemble_healthy; }

store_start_etcd() {
  ETCD_RUN_AS_UID_BASE=$UID_BASE etcd_cluster_start "$1" 3 || return 1
  STORE_CONNECT="$ETCD_ENDPOINTS"; STORE_CP="$KAFKA_ETCD_JAR"
  local i
  for i in 1 2 3; do STORE_MEMBER_PORTS[$i]="${ETCD_CLIENT_PORTS[$i]},${ETCD_PEER_PORTS[$i]}"; done
}
store_leader_etcd()  { etcd_member_leader; }
store_proc_etcd()    { echo "etcd-$1"; }
store_relaunch_etcd() { ETCD_RUN_AS_UID_BASE=$UID_BASE etcd_member_restart "$1" nowait; }
store_stop_etcd()    { etcd_cluster_stop; }
store_healthy_etcd() { etcd_cluster_healthy && etcd_member_leader >/dev/null; }

# wait_leader: the index of the store's leader, waiting for one (bounded)
wait_leader() {
  local deadline=$(( $(date +%s) + 30 )) l
  while (( $(date +%s) < deadline )); do
    l="$("store_leader_$STORE" 2>/dev/null)" && { echo "$l"; return 0; }
    sleep 0.3
  done
  return 1
}

# --- the network partition (iptables in this namespace only) --------------------
# Member I's sockets are told apart by their owner uid. OUTPUT: anything member I
# sends is dropped, and its connection marked; INPUT: packets of marked connections
# and new connections to I's ports are dropped. A connection I dialed delivers at
# most the one segment that arrives before I answers (and so marks it).
partition_member() {
  local i="$1" uid=$(( UID_BASE + $1 ))
  iptables -N CHAOS_OUT && iptables -N CHAOS_IN
  iptables -A OUTPUT -j CHAOS_OUT && iptables -A INPUT -j CHAOS_IN
  iptables -A CHAOS_OUT -m owner --uid-owner "$uid" -j CONNMARK --set-mark 0x8
  iptables -A CHAOS_OUT -m owner --uid-owner "$uid" -j DROP
  iptables -A CHAOS_IN -m connmark --mark 0x8 -j DROP
  iptables -A CHAOS_IN -p tcp -m multiport --dports "${STORE_MEMBER_PORTS[$i]}" -j DROP
}
heal_partition() {
  iptables -D OUTPUT -j CHAOS_OUT 2>/dev/null || true
  iptables -D INPUT -j CHAOS_IN 2>/dev/null || true
  iptables -F CHAOS_OUT 2>/dev/null || true; iptables -X CHAOS_OUT 2>/dev/null || true
  iptables -F CHAOS_IN 2>/dev/null || true; iptables -X CHAOS_IN 2>/dev/null || true
}

# --- the faults: each sets FAULT_START_MS, FAULT_END_MS and FAULT_DESC -----------------
# The heal probes are already running (warmed up) and wait for the files written here.
_stamp() { echo "$2" >"$1.tmp"; mv "$1.tmp" "$1"; }
fault_begin() { FAULT_START_MS="$(ke_now_ms)"; _stamp "$START_FILE" "$FAULT_START_MS"; }
fault_end()   { FAULT_END_MS="$(ke_now_ms)"; _stamp "$END_FILE" "$FAULT_END_MS"; }

fault_sigstop() {
  local i
  fault_begin
  for i in 1 2 3; do ke_signal "$("store_proc_$STORE" "$i")" STOP; done
  FAULT_DESC="SIGSTOP all 3 members for ${HOLD_SECS} s"
  sleep "$HOLD_SECS"
  for i in 1 2 3; do ke_signal "$("store_proc_$STORE" "$i")" CONT; done
  fault_end
}

fault_kill-leader() {
  local l; l="$(wait_leader)" || { say "no leader"; return 1; }
  fault_begin
  ke_kill9 "$("store_proc_$STORE" "$l")"
  FAULT_DESC="kill -9 leader m$l, restarted ${HOLD_SECS} s later"
  sleep "$HOLD_SECS"
  "store_relaunch_$STORE" "$l"
  fault_end
}

fault_full-restart() {
  local i names=()
  for i in 1 2 3; do names+=("$("store_proc_$STORE" "$i")"); done
  fault_begin
  ke_stop_many 15 "${names[@]}"
  for i in 1 2 3; do "store_relaunch_$STORE" "$i"; done
  FAULT_DESC="SIGTERM all 3 members, start them again ($(( ($(ke_now_ms) - FAULT_START_MS) / 1000 )) s down)"
  fault_end
}

fault_partition() {
  local l; l="$(wait_leader)" || { say "no leader"; return 1; }
  fault_begin
  partition_member "$l"
  FAULT_DESC="leader m$l cut off (peers and clients) for ${HOLD_SECS} s"
  sleep "$HOLD_SECS"
  heal_partition
  fault_end
}

# --- Kafka side ---------------------------------------------------------------------
# chaos_java_cmd: CHAOS_JAVA=(java ... ChaosClient), the store's client first on the classpath
chaos_java_cmd() {
  local cls; cls="$(kafka_java_classes ChaosClient KafkaClients)" || return 1
  CHAOS_JAVA=(java -Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1
    -Dsun.rmi.transport.tcp.responseTimeout=3000 -Dlog4j.configuration="file:$(_kb_tools_log4j)"
    -cp "$cls:${STORE_CP:+$STORE_CP:}$KAFKA_CLASSPATH" ChaosClient)
}
chaos_java() { chaos_java_cmd && "${CHAOS_JAVA[@]}" "$@"; }

jmx_ports() { local id out=(); for id in 1 2 3; do out+=("${KB_JMX_PORTS[$id]}"); done; (IFS=,; echo "${out[*]}"); }

# start_probe NAME SINCE_FILE STABLE: a heal probe (ChaosClient probe) in the background,
# warmed up (store session, JMX, Admin client) and waiting for SINCE_FILE.
declare -A PROBE_PIDS=()
start_probe() {
  local log="$SW/probe-$1.log"
  chaos_java probe "$(kafka_bootstrap)" "$STORE_CONNECT$CHROOT" "$TOPIC" "$(jmx_ports)" \
    "$SW/producer/status" "file:$2" "$3" "$CHAOS_HEAL_BOUND" >"$log" 2>"$SW/probe-$1.err" &
  PROBE_PIDS[$1]=$!
  ke_wait_until 60 "the heal probe to warm up" grep -qx ready "$log" || { cat "$log" "$SW/probe-$1.err"; return 1; }
}

# wait_probe NAME: its verdict; sets HEALED_MS (empty when not healed in time) and REGISTERED
wait_probe() {
  local rc=0 log="$SW/probe-$1.log"
  wait "${PROBE_PIDS[$1]}" || rc=$?
  unset "PROBE_PIDS[$1]"
  HEALED_MS="$(sed -n 's/^healed_ms=//p' "$log")"
  grep -v -x ready "$log" | sed 's/^/      probe: /'
  (( rc == 0 )) || tail -3 "$SW/probe-$1.err" | sed 's/^/      probe stderr: /'
  REGISTERED="$(grep -o 'registered=\[[^]]*\]' "$log" | tail -1)"
  (( rc == 0 )) && [[ -n "$HEALED_MS" ]]
}

# ack_gap FROM_MS TO_MS: the longest time without any ack in [FROM, TO] (ms)
ack_gap() {
  python3 - "$SW/producer/acks" "$1" "$2" <<'EOF'
import sys
lo, hi = int(sys.argv[2]), int(sys.argv[3])
ts = sorted(int(l.split()[1]) for l in open(sys.argv[1]) if l.strip() and lo <= int(l.split()[1]) <= hi)
pts = [lo] + ts + [hi]
print(max(b - a for a, b in zip(pts, pts[1:])))
EOF
}

acked_count() { sed -n 's/.* acked=\([0-9]*\).*/\1/p' "$SW/producer/status" 2>/dev/null; }

run_store() {
  STORE="$1"; SW="$WORK/$STORE"; START_FILE="$SW/fault-start-ms"; END_FILE="$SW/fault-end-ms"
  mkdir -p "$SW/producer"; chmod 755 "$SW"
  printf '\n==> [%s] %s: start the store, 3 brokers, topic %s (3 partitions, RF 3, min.insync.replicas 2)\n' \
    "$(date +%H:%M:%S)" "$STORE" "$TOPIC"
  "store_start_$STORE" "$SW" || { fail "$STORE: store did not start"; return 1; }
  say "store: $STORE_CONNECT (members run as uids $(( UID_BASE + 1 ))..$(( UID_BASE + 3 )))"
  KB_EXTRA_CP="$STORE_CP" KB_JMX=1 KB_ZK_SESSION_TIMEOUT_MS="$CHAOS_SESSION_TIMEOUT_MS"
  kafka_brokers_start "$SW" 3 "$STORE_CONNECT$CHROOT" || { fail "$STORE: brokers did not start"; return 1; }
  if [[ -n "$STORE_CP" ]]; then
    grep -q "kafka-etcd Java ZooKeeperClient" "$(_kb_dir 1)/logs/server.log" || { fail "$STORE: brokers did not load our ZooKeeperClient"; return 1; }
  fi
  kafka_topic_create "$TOPIC" 3 3 --config min.insync.replicas=2 >/dev/null || { fail "$STORE: topic creation failed"; return 1; }
  chaos_java_cmd || { fail "$STORE: ChaosClient.java does not compile"; return 1; }
  ke_spawn producer "$SW/producer/producer.log" \
    "${CHAOS_JAVA[@]}" produce "$(kafka_bootstrap)" "$TOPIC" "$CHAOS_RATE" "$SW/producer"
  ke_wait_until 60 "first acks" bash -c "[[ \$(sed -n 's/.* acked=\([0-9]*\).*/\1/p' '$SW/producer/status' 2>/dev/null) -gt 0 ]]" \
    || { fail "$STORE: no acks from the producer"; tail -20 "$SW/producer/producer.log"; return 1; }
  say "producer: idempotent, acks=all, $CHAOS_RATE records/s"

  local f before gap
  printf '==> [%s] %s: healthy before any fault?\n' "$(date +%H:%M:%S)" "$STORE"
  rm -f "$END_FILE"
  start_probe baseline "$END_FILE" "$CHAOS_STABLE_MS" && fault_end && wait_probe baseline \
    || { fail "$STORE: not healthy before the faults"; return 1; }

  for f in "${FAULTS[@]}"; do
    printf '==> [%s] %s: fault %s\n' "$(date +%H:%M:%S)" "$STORE" "$f"
    "store_healthy_$STORE" || ke_wait_until 30 "$STORE healthy" "store_healthy_$STORE" || { fail "$STORE: store unhealthy before $f"; return 1; }
    before="$REGISTERED"
    rm -f "$START_FILE" "$END_FILE"
    # With a quorum left (one member away), Kafka must heal while the fault lasts too.
    if [[ " ${DURING_FAULTS[*]} " == *" $f "* ]]; then
      start_probe "$f-during" "$START_FILE" "until:$END_FILE" || { fail "$STORE $f: the heal probe did not start"; return 1; }
    fi
    start_probe "$f" "$END_FILE" "$CHAOS_STABLE_MS" || { fail "$STORE $f: the heal probe did not start"; return 1; }
    local acked0; acked0="$(acked_count)"
    "fault_$f" || { fail "$STORE $f: could not inject the fault"; return 1; }
    say "$FAULT_DESC; acks during the fault: $(( $(acked_count) - acked0 ))"
    if [[ -n "${PROBE_PIDS[$f-during]:-}" ]]; then
      if wait_probe "$f-during"; then
        gap="$(ack_gap "$FAULT_START_MS" "$FAULT_END_MS")"
        say "while the fault lasted: healthy for good $(secs "$HEALED_MS") s after it began; longest time without acks: $gap ms"
        echo "$STORE $f/during $HEALED_MS $gap" >>"$RESULTS"
      else
        say "while the fault lasted: not healthy at its end"
        echo "$STORE $f/during - $(ack_gap "$FAULT_START_MS" "$FAULT_END_MS")" >>"$RESULTS"
      fi
    fi
    if wait_probe "$f"; then
      gap="$(ack_gap "$FAULT_START_MS" $(( FAULT_END_MS + HEALED_MS )))"
      say "healed $(secs "$HEALED_MS") s after the fault ended; longest time without acks from its start: $gap ms"
      say "registrations (broker@czxid) before: ${before#registered=} after: ${REGISTERED#registered=}"
      echo "$STORE $f $HEALED_MS $gap" >>"$RESULTS"
    else
      echo "$STORE $f - -" >>"$RESULTS"
      fail "$STORE $f: not healed within ${CHAOS_HEAL_BOUND} s after the fault ended"
      return 1
    fi
  done
}
secs() { printf '%d.%03d' $(( $1 / 1000 )) $(( $1 % 1000 )); }

# finish_store: stop the producer, read everything back, stop the brokers and the store
finish_store() {
  if ke_alive producer; then
    touch "$SW/producer/stop"
    ke_wait_until 90 "the producer to flush and exit" bash -c "! kill -0 $(ke_pid producer)" || true
    ke_stop producer 5
    say "producer: $(tail -1 "$SW/producer/producer.log")"
    local v
    if v="$(chaos_java verify "$(kafka_bootstrap)" "$TOPIC" "$SW/producer" 2>"$SW/verify.err")"; then
      say "read back: $v"
      echo "$STORE verify $v" >>"$RESULTS"
    else
      say "read back: $v"; sed 's/^/      /' "$SW/verify.err"
      echo "$STORE verify ${v:-failed}" >>"$RESULTS"
      fail "$STORE: acknowledged records lost or duplicated ($v)"
    fi
  fi
  kafka_brokers_stop
  "store_stop_$STORE"
}

# --- report ---------------------------------------------------------------------------
# Rule: etcd's heal time for a fault must not exceed max(2 x ZooKeeper's, ZooKeeper's + 5 s).
report() {
  printf '\nTime to heal (s) and, in brackets, the longest time without acks (s):\n'
  printf '| fault | ZooKeeper 3.8 (3 servers) | etcd (3 members, our adapter) | etcd limit |\n|---|---|---|---|\n'
  local f k zk et zkg etg limit label
  for f in "${FAULTS[@]}"; do
    for k in "$f/during" "$f"; do
      if [[ "$k" == */during ]]; then
        [[ " ${DURING_FAULTS[*]} " == *" $f "* ]] || continue
        label="$f: while it lasts, from its start"
      else
        label="$f: after it ends"
      fi
      zk=""; et=""; zkg=""; etg=""; limit=""
      read -r zk zkg < <(awk -v k="$k" '$1 == "zookeeper" && $2 == k { print $3, $4 }' "$RESULTS") || true
      read -r et etg < <(awk -v k="$k" '$1 == "etcd" && $2 == k { print $3, $4 }' "$RESULTS") || true
      if [[ "$zk" =~ ^[0-9]+$ ]]; then
        limit=$(( 2 * zk > zk + 5000 ? 2 * zk : zk + 5000 ))
        if [[ "$et" =~ ^[0-9]+$ ]] && (( et > limit )); then
          fail "etcd $k: healed in ${et} ms, more than max(2 x ZooKeeper's ${zk} ms, ZooKeeper's + 5 s) = ${limit} ms"
        elif [[ "$et" == - && "$k" == */during ]]; then
          fail "etcd $k: Kafka not healthy by the end of the fault (ZooKeeper: after ${zk} ms)"
        fi
      fi
      printf '| %s | %s | %s | %s |\n' "$label" "$(fmt "$zk" "$zkg")" "$(fmt "$et" "$etg")" \
        "$( [[ -n "$limit" ]] && printf '%d.%01d' $(( limit / 1000 )) $(( limit % 1000 / 100 )) || echo -)"
    done
  done
  awk '$2 == "verify" { s = $1; $1 = $2 = ""; print "  " s " read back:" $0 }' "$RESULTS"
}
fmt() {
  local g="-"
  [[ "${2:-}" =~ ^[0-9]+$ ]] && g="$(printf '%d.%01d' $(( $2 / 1000 )) $(( $2 % 1000 / 100 )))"
  if [[ "${1:-}" =~ ^[0-9]+$ ]]; then printf '%d.%01d (%s)' $(( $1 / 1000 )) $(( $1 % 1000 / 100 )) "$g"
  elif [[ "${1:-}" == - ]]; then echo "not healed ($g)"
  else echo "not run"; fi
}

cleanup_hook() {
  local p
  for p in "${PROBE_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  heal_partition
  kafka_brokers_stop
  return 0
}
final_hook() {
  local rc="${KE_EXIT_RC:-0}"
  if (( rc != 0 )); then KEEP_WORK=1; fi
  if (( KEEP_WORK == 0 )); then rm -rf "$WORK"; else printf 'Work dir kept: %s\n' "$WORK"; fi
}
KE_CLEANUP_HOOKS=(cleanup_hook)
KE_FINAL_HOOKS=(final_hook)
ke_install_cleanup_trap

T0="$(ke_now_ms)"
cat <<EOF
kafka-etcd fault suite: stores ${STORES[*]}; faults ${FAULTS[*]}
zookeeper.session.timeout.ms=$CHAOS_SESSION_TIMEOUT_MS, $CHAOS_RATE records/s, heal bound ${CHAOS_HEAL_BOUND} s,
stable for ${CHAOS_STABLE_MS} ms. Private network namespace; work dir $WORK
EOF
for s in "${STORES[@]}"; do
  run_store "$s" || true
  finish_store
done
report
printf 'total %d s\n' $(( ($(ke_now_ms) - T0) / 1000 ))
if ((${#FAILED[@]})); then
  printf '\nFAULT SUITE FAILED:\n'; printf '  %s\n' "${FAILED[@]}"
  exit 1
fi
printf '\nfault suite passed\n'
