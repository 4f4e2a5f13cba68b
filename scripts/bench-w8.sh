#!/usr/bin/env bash
# W8 of issue 5: real Kafka 3.9 (ZooKeeper mode), 3 brokers, topics totalling
# 2,000 partitions (RF 3); kill -9 the controller broker and time until every
# partition has a live leader. Once with Apache ZooKeeper, once with etcd
# through our jar (kafka/adapter), in turn, on this machine, with identical
# broker settings (scripts/lib/kafka-brokers.sh: -Xmx512m, 3 brokers,
# zookeeper.session.timeout.ms=6000 for both, chroot /kafka).
#
#   scripts/bench-w8.sh [--quick] [--partitions N] [--topics N] [--out DIR]
#                       [--targets zookeeper,bridge] [--etcd-members N] [--keep]
#
#   --partitions N   partitions in all (default 2000), spread over --topics topics (default 20)
#   --quick          200 partitions over 4 topics (a smoke run, ~2 minutes)
#   --out DIR        work dirs and logs go to DIR/<target>/, the results to DIR/w8.jsonl
#                    (default: a temporary dir, removed unless --keep or a failure)
#   --targets        which metastores, in order (default zookeeper,bridge)
#   --etcd-members   etcd cluster size (default 1: a single member, like the single
#                    standalone ZooKeeper server; 3 is what scripts/demo.sh runs)
#
# Output (stdout, one JSON line per metastore, the shape of the bench drivers'
# lines; what scripts/bench.sh appends to results.jsonl):
#   target "zookeeper" | "bridge" (etcd through our jar; "metastore":"etcd-jar"),
#   workload "W8", case "failover", ops = partitions, secs = failover time,
#   ops_per_s = partitions/secs, p50_ms = p99_ms = failover_ms (one sample),
#   rss_mb = the 3 brokers' RSS just before the kill, and
#   failover_ms          kill -9 -> every partition's leader is a live broker (Admin API, polled every 200 ms)
#   controller_elect_ms  kill -9 -> the surviving brokers report a new controller (Admin API)
#   create_ms            CreateTopics call -> every partition has a leader (isr_ms: full ISR)
#   breakdown_ms         from the logs, each since the kill: session_expired (ZooKeeper's
#                        "Expiring session"; null for etcd, which does not log it),
#                        elected, context_loaded, ready, last_leader_elected (the new
#                        controller's controller.log / state-change.log), all_live (= failover_ms)
#   phases_ms            the new controller's failover step by step, each phase's length
#                        (detect, prepare, load_context, init_managers, online_replicas,
#                        offline_replicas, partition_states, propagate: see
#                        scripts/lib/w8_phases.py)
#   controller_work_ms   elected -> every partition has a live leader
#   requests             per phase, the adapter's handleRequests that ended in it (etcd
#                        only: count, requests by type, time), from its DEBUG log
# At the end, the phases of the targets side by side (stderr).
# Progress goes to stderr. Every wait is bounded; everything started is stopped
# on exit. Exit status non-zero if any run failed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/lib/kafka-cluster.sh"   # the launchers: Kafka runtime, brokers, ZooKeeper, etcd, adapter jar

PARTITIONS=2000 TOPICS=20 OUT="" TARGETS="zookeeper,bridge" ETCD_MEMBERS=1 KEEP=0 QUICK=0
while (($#)); do
  case "$1" in
    --quick) QUICK=1 ;;
    --partitions) PARTITIONS="$2"; shift ;;
    --topics) TOPICS="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    --targets) TARGETS="$2"; shift ;;
    --etcd-members) ETCD_MEMBERS="$2"; shift ;;
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,42p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) ke_die "unknown argument $1 (see --help)" ;;
  esac
  shift
done
if (( QUICK )); then PARTITIONS=200; TOPICS=4; fi
(( PARTITIONS % TOPICS == 0 )) || ke_die "--partitions $PARTITIONS is not a multiple of --topics $TOPICS"
PER_TOPIC=$(( PARTITIONS / TOPICS ))
RF=3 BROKERS=3 CHROOT=/kafka PREFIX=w8-
POLL_MS=200
CREATE_SECS=$(( 120 + PARTITIONS / 10 ))   # bounded: 320 s for 2000 partitions
FAILOVER_SECS=180
export KB_ZK_SESSION_TIMEOUT_MS="${KB_ZK_SESSION_TIMEOUT_MS:-6000}"
export KB_HEAP="${KB_HEAP:-512m}"
export KB_ZKCLIENT_DEBUG=1   # each handleRequests' size and time in logs/zkclient.log (our adapter)
KB_TOOL_TIMEOUT=60

if [[ -n "$OUT" ]]; then
  mkdir -p "$OUT"; OUT="$(cd "$OUT" && pwd)"; ROOT_WORK="$OUT"; KEEP=1
else
  ROOT_WORK="$(mktemp -d "${TMPDIR:-/tmp}/kafka-etcd-w8.XXXXXX")"
fi
RESULTS="$ROOT_WORK/w8.jsonl"
: >"$RESULTS"
WATCH_PID=""
FAILED=0

cleanup_hook() {
  [[ -n "$WATCH_PID" ]] && kill "$WATCH_PID" 2>/dev/null; WATCH_PID=""
  kafka_brokers_stop
}
final_hook() {
  if (( KEEP == 0 && ${KE_EXIT_RC:-0} == 0 )); then rm -rf "$ROOT_WORK"
  else ke_log "W8 logs kept under $ROOT_WORK"; fi
}
KE_CLEANUP_HOOKS=(cleanup_hook)
KE_FINAL_HOOKS=(final_hook)
ke_install_cleanup_trap

rss_kb() { awk '/^VmRSS:/ {print $2; f=1} END {if (!f) print 0}' "/proc/$1/status" 2>/dev/null || echo 0; }

# brokers_cpu_ticks: user+system CPU clock ticks (1/100 s) of all the brokers so far
brokers_cpu_ticks() {
  local id sum=0 t
  for (( id=1; id<=BROKERS; id++ )); do
    t="$(awk '{print $14 + $15}' "/proc/$(ke_pid "kafka-$id")/stat" 2>/dev/null)" || t=0
    sum=$(( sum + ${t:-0} ))
  done
  echo "$sum"
}

# wait_brokers_idle SECS: the brokers are done with the topics' creation (LeaderAndIsr
# handling, log and checkpoint set-up) once, together, they use under 10% of one CPU
# over a second; polled, bounded by SECS (past it: a warning, the run goes on).
wait_brokers_idle() {
  local deadline=$(( $(date +%s) + $1 )) before after
  before="$(brokers_cpu_ticks)"
  while (( $(date +%s) < deadline )); do
    sleep 1
    after="$(brokers_cpu_ticks)"
    (( after - before < 10 )) && return 0
    before="$after"
  done
  ke_warn "brokers still busy after $1 s; killing the controller anyway"
}

# log_ms FILE REGEX SINCE_MS [last]: epoch ms of the first (or last) line matching
# REGEX with a log4j timestamp at or after SINCE_MS; empty if none.
log_ms() {
  python3 - "$@" <<'EOF'
import re, sys, time, datetime
f, rx, since = sys.argv[1], re.compile(sys.argv[2]), int(sys.argv[3])
last = len(sys.argv) > 4 and sys.argv[4] == "last"
hit = None
try:
    for line in open(f, errors="replace"):
        if not rx.search(line):
            continue
        m = re.match(r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3})\]", line)
        if not m:
            continue
        t = int(time.mktime(datetime.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S").timetuple())) * 1000 + int(m.group(2))
        if t < since:
            continue
        hit = t
        if not last:
            break
except OSError:
    pass
print("" if hit is None else hit)
EOF
}

# run_target TARGET: one full W8 run; appends a JSON line to $RESULTS and prints it.
run_target() {
  local target="$1" wd="$ROOT_WORK/$1" connect desc meta_pid members
  rm -rf "$wd"; mkdir -p "$wd"
  ke_log "=== W8 on $target: $BROKERS brokers, $TOPICS topics x $PER_TOPIC partitions (RF $RF), zookeeper.session.timeout.ms=$KB_ZK_SESSION_TIMEOUT_MS, -Xmx$KB_HEAP"
  case "$target" in
    zookeeper)
      zookeeper_start "$wd" || return 1
      connect="$ZK_CONNECT$CHROOT"; KB_EXTRA_CP=""; meta_pid="$(ke_pid zookeeper)"; members=1
      desc="Apache ZooKeeper $(basename "$(ls "$KAFKA_LIBS_DIR"/zookeeper-3*.jar | head -1)" .jar | sed 's/zookeeper-//') standalone (tickTime 1000), stock Kafka"
      ;;
    bridge)
      etcd_cluster_start "$wd" "$ETCD_MEMBERS" || return 1
      connect="$ETCD_ENDPOINTS$CHROOT"; KB_EXTRA_CP="$ADAPTER_JAR"; meta_pid="$(ke_pid etcd-1)"; members="$ETCD_MEMBERS"
      desc="etcd $("$ETCD_BIN" --version | sed -n 's/^etcd Version: //p') ($ETCD_MEMBERS member$( ((ETCD_MEMBERS>1)) && echo s)) through our jar"
      ;;
    *) ke_warn "unknown target $target"; return 1 ;;
  esac
  KB_EXTRA_JAVA_OPTS=""
  kafka_brokers_start "$wd" "$BROKERS" "$connect" || return 1
  if [[ "$target" == bridge ]]; then
    grep -qF "kafka-etcd Java ZooKeeperClient" "$(_kb_dir 1)/logs/server.log" \
      || { ke_warn "broker 1 did not load our ZooKeeperClient"; return 1; }
  fi

  ke_log "creating $TOPICS topics x $PER_TOPIC partitions, RF $RF (bounded: ${CREATE_SECS}s)"
  local created
  created="$(kafka_cluster_info create-topics "$PREFIX" "$TOPICS" "$PER_TOPIC" "$RF" "$CREATE_SECS")" || return 1
  ke_log "created: $created"
  local create_call_ms create_ms isr_ms
  create_call_ms="$(sed -n 's/.*created_ms=\([0-9]*\).*/\1/p' <<<"$created")"
  create_ms="$(sed -n 's/.*leaders_ms=\([0-9]*\).*/\1/p' <<<"$created")"
  isr_ms="$(sed -n 's/.*isr_ms=\([0-9]*\).*/\1/p' <<<"$created")"
  wait_brokers_idle 30   # the brokers settled (LeaderAndIsr handling, checkpoints) before the kill

  local ctl; ctl="$(kafka_controller_id)" || return 1
  [[ "$ctl" =~ ^[0-9]+$ ]] || { ke_warn "no controller ($ctl)"; return 1; }
  local id rss=0
  for (( id=1; id<=BROKERS; id++ )); do rss=$(( rss + $(rss_kb "$(ke_pid "kafka-$id")") )); done
  local meta_rss; meta_rss="$(rss_kb "$meta_pid")"

  # The watcher asks only the survivors, and is connected before the kill.
  local watch="$wd/watch.out"
  # (run here rather than through kafka_cluster_info_at so that $! is timeout's pid)
  local cls; cls="$(_kb_info_classes)" || return 1
  timeout --kill-after=5 $(( FAILOVER_SECS + 30 )) java "${KB_TOOL_JAVA_OPTS[@]}" \
    -Dlog4j.configuration="file:$(_kb_tools_log4j)" -cp "$cls:$KAFKA_CLASSPATH" KafkaClusterInfo \
    "$(kafka_bootstrap_except "$ctl")" watch-failover "$PREFIX" "$ctl" "$FAILOVER_SECS" "$POLL_MS" \
    >"$watch" 2>"$wd/watch.err" &
  WATCH_PID=$!
  ke_wait_until 60 "the failover watcher's first answer" grep -q '^ready' "$watch" || return 1
  ke_log "watcher: $(head -1 "$watch"); kill -9 the controller, broker $ctl (pid $(ke_pid "kafka-$ctl"))"
  local t_kill; t_kill="$(ke_now_ms)"
  kafka_broker_kill9 "$ctl"
  local wrc=0
  wait "$WATCH_PID" || wrc=$?
  WATCH_PID=""
  (( wrc == 0 )) || { ke_warn "no failover within ${FAILOVER_SECS}s: $(tail -2 "$wd/watch.err")"; tail -3 "$watch" >&2; return 1; }
  sed 's/^/    watch: /' "$watch" >&2

  local t_done t_ctl newctl
  t_done="$(awk '$1 ~ /^[0-9]+$/ && $2 == "leaderless=0" {print $1}' "$watch" | tail -1)"
  read -r t_ctl newctl < <(awk -v k="$t_kill" -v c="$ctl" '$1 ~ /^[0-9]+$/ && $1 >= k {
      split($4, a, "="); if (a[2] != c && a[2] != "none") { print $1, a[2]; exit } }' "$watch") || true
  [[ -n "$t_done" ]] || { ke_warn "watcher ended without leaderless=0"; return 1; }
  local failover_ms=$(( t_done - t_kill )) ctl_ms=""
  [[ -n "${t_ctl:-}" ]] && ctl_ms=$(( t_ctl - t_kill ))

  # Where the time went: the new controller's logs (and ZooKeeper's).
  local L="" expired="" elected="" ctx="" ready="" last_online="" first_online=""
  if [[ -n "${newctl:-}" ]]; then
    L="$(_kb_dir "$newctl")/logs"
    elected="$(log_ms "$L/controller.log" "successfully elected as the controller" "$t_kill")"
    ctx="$(log_ms "$L/controller.log" "Sending update metadata request|Fetching topic deletions in progress" "$t_kill")"
    ready="$(log_ms "$L/controller.log" "Ready to serve as the new controller" "$t_kill")"
    first_online="$(log_ms "$L/state-change.log" "to OnlinePartition" "$t_kill")"
    last_online="$(log_ms "$L/state-change.log" "to OnlinePartition" "$t_kill" last)"
  fi
  [[ "$target" == zookeeper ]] && expired="$(log_ms "$wd/zookeeper/zookeeper-server.log" "Expiring session" "$t_kill")"
  local phases='{}'
  [[ -n "$L" ]] && phases="$(python3 "$HERE/lib/w8_phases.py" phases "$L" "$t_kill" "$t_done")"

  local line
  line="$(T="$target" DESC="$desc" P="$PARTITIONS" NT="$TOPICS" PT="$PER_TOPIC" RF="$RF" F="$failover_ms" C="$ctl_ms" \
    CR="$create_ms" CC="$create_call_ms" ISR="$isr_ms" RSS="$rss" MRSS="$meta_rss" MEM="$members" K="$ctl" NC="${newctl:-}" \
    ST="$KB_ZK_SESSION_TIMEOUT_MS" HEAP="$KB_HEAP" TK="$t_kill" EX="$expired" EL="$elected" CTX="$ctx" RD="$ready" \
    FO="$first_online" LO="$last_online" TD="$t_done" POLL="$POLL_MS" PH="$phases" python3 - <<'EOF'
import json, os
e = os.environ
def n(k): return int(e[k]) if e.get(k) else None
tk = int(e["TK"])
def since(k): return None if n(k) is None else n(k) - tk
t, f = e["T"], int(e["F"])
r = {
    "target": t, "metastore": "zookeeper" if t == "zookeeper" else "etcd-jar", "workload": "W8", "case": "failover",
    "what": f"Kafka 3.9, 3 brokers, {e['NT']} topics x {e['PT']} partitions RF {e['RF']}: kill -9 the controller, "
            f"until every partition has a live leader ({e['DESC']}, session timeout {e['ST']} ms)",
    "ops": int(e["P"]), "secs": round(f / 1000, 3), "ops_per_s": round(int(e["P"]) * 1000 / f, 1) if f > 0 else 0,
    "p50_ms": f, "p99_ms": f, "rss_mb": round(int(e["RSS"]) / 1024, 1),
    "server_rss_mb": {("zookeeper" if t == "zookeeper" else "etcd"): round(int(e["MRSS"]) / 1024, 1)},
    "failover_ms": f, "controller_elect_ms": n("C"), "create_ms": n("CR"), "create_call_ms": n("CC"), "isr_ms": n("ISR"),
    "breakdown_ms": {"session_expired": since("EX"), "elected": since("EL"), "context_loaded": since("CTX"),
                     "ready": since("RD"), "first_leader_elected": since("FO"), "last_leader_elected": since("LO"),
                     "all_live": since("TD")},
    "killed_broker": int(e["K"]), "new_controller": n("NC"), "metastore_members": int(e["MEM"]),
    "session_timeout_ms": int(e["ST"]), "broker_heap": e["HEAP"], "poll_ms": int(e["POLL"]),
}
r.update(json.loads(e["PH"]))  # phases_ms, controller_work_ms, requests (scripts/lib/w8_phases.py)
print(json.dumps(r))
EOF
)" || return 1
  echo "$line" >>"$RESULTS"
  echo "$line"
  ke_log "W8 $target: failover ${failover_ms} ms (new controller after ${ctl_ms:-?} ms), create ${create_ms} ms, controller's own work $(python3 -c 'import json,sys; print(json.load(sys.stdin).get("controller_work_ms"))' <<<"$phases") ms"

  kafka_brokers_stop
  ke_stop_all
  rm -rf "$wd"/kafka/b*/data "$wd"/zookeeper/data "$wd"/etcd/m*.data
  return 0
}

kafka_runtime_ensure || ke_die "no Kafka runtime"
if [[ ",$TARGETS," == *",bridge,"* ]]; then
  if [[ -n "${KAFKA_ETCD_JAR:-}" ]]; then ADAPTER_JAR="$KAFKA_ETCD_JAR"
  else kafka_adapter_ensure >&2 || ke_die "could not build the adapter jar"; ADAPTER_JAR="$KAFKA_ETCD_ADAPTER_JAR"; fi
fi
ke_log "W8: targets $TARGETS, $PARTITIONS partitions, etcd members $ETCD_MEMBERS, work dir $ROOT_WORK"
IFS=, read -r -a targets <<<"$TARGETS"
for t in "${targets[@]}"; do
  if ! run_target "$t"; then
    ke_warn "W8 on $t FAILED (logs under $ROOT_WORK/$t)"
    FAILED=1; KEEP=1
    [[ -n "$WATCH_PID" ]] && kill "$WATCH_PID" 2>/dev/null; WATCH_PID=""
    kafka_brokers_stop; ke_stop_all
  fi
done
ke_log "W8 phases of the new controller (scripts/lib/w8_phases.py; ms from its controller.log):"
python3 "$HERE/lib/w8_phases.py" table "$RESULTS" >&2 || true
exit "$FAILED"
