#!/usr/bin/env bash
# Shared helpers for the kafka-etcd scripts (sourced, never run).
#
#   ke_log / ke_warn / ke_die        messages on stderr
#   ke_free_port                     a free TCP port on 127.0.0.1 (never the same twice per shell)
#   ke_wait_until SECS DESC CMD...   poll CMD every 0.3 s until it succeeds or SECS pass
#   ke_spawn NAME LOGFILE CMD...     start CMD in the background, remember its PID under NAME
#   ke_spawn_as UID NAME LOGFILE CMD...  the same, CMD running as uid/gid UID (setpriv; root only):
#                                    lets iptables' owner match tell its sockets apart (scripts/chaos.sh)
#   ke_signal NAME SIG               send SIG (e.g. STOP, CONT) to a spawned process
#   ke_pid NAME / ke_alive NAME      look a process up
#   ke_stop NAME [SECS] / ke_stop_many SECS NAME... / ke_kill9 NAME
#   ke_stop_all                      stop every process this shell spawned (newest first)
#   ke_install_cleanup_trap          on EXIT/INT/TERM: KE_CLEANUP_HOOKS, ke_stop_all, KE_FINAL_HOOKS
#
# Only processes started through ke_spawn are ever signalled, by PID.

[[ -n "${_KE_COMMON_LOADED:-}" ]] && return 0
_KE_COMMON_LOADED=1

KE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

declare -gA KE_PIDS=()        # name -> pid
declare -ga KE_PID_ORDER=()   # names in start order
declare -ga KE_CLEANUP_HOOKS=()   # run on exit before the processes are stopped
declare -ga KE_FINAL_HOOKS=()     # run on exit after they are stopped
# Ports ke_free_port handed out, one per line. A file, not an array: callers
# take a port as "$(ke_free_port)", a subshell, where an array update is lost
# (CI once gave two brokers the same port that way).
_KE_PORTS_FILE="$(mktemp "${TMPDIR:-/tmp}/ke-ports.XXXXXX")"

ke_log()  { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
ke_warn() { printf '%s WARNING: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
ke_die()  { printf '%s ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2; exit 1; }

# Milliseconds since the epoch (for step timings).
ke_now_ms() { date +%s%3N; }

ke_free_port() {
  local p i
  for i in $(seq 1 50); do
    p="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')" || return 1
    if ! grep -qx "$p" "$_KE_PORTS_FILE"; then
      echo "$p" >>"$_KE_PORTS_FILE"
      echo "$p"
      return 0
    fi
  done
  return 1
}

# ke_port_open PORT: something listens on 127.0.0.1:PORT
ke_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

ke_wait_until() {
  local secs="$1" desc="$2"; shift 2
  local deadline=$(( $(date +%s) + secs ))
  while true; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if (( $(date +%s) >= deadline )); then
      ke_warn "timed out after ${secs}s waiting for: $desc"
      return 1
    fi
    sleep 0.3
  done
}

ke_spawn() {
  local name="$1" logfile="$2"; shift 2
  mkdir -p "$(dirname "$logfile")"
  # setsid: own process group, so a Ctrl-C in the terminal reaches only us,
  # and we decide the shutdown order.
  setsid "$@" >>"$logfile" 2>&1 </dev/null &
  local pid=$!
  KE_PIDS[$name]=$pid
  KE_PID_ORDER+=("$name")
  echo "$pid" >"${logfile%.log}.pid"
}

ke_spawn_as() {
  local uid="$1"; shift
  local name="$1" logfile="$2"; shift 2
  ke_spawn "$name" "$logfile" setpriv --reuid="$uid" --regid="$uid" --clear-groups "$@"
}

ke_pid() { echo "${KE_PIDS[$1]:-}"; }

ke_signal() {
  local pid="${KE_PIDS[$1]:-}"
  [[ -n "$pid" ]] || return 1
  kill -s "$2" "$pid"
}

ke_alive() {
  local pid="${KE_PIDS[$1]:-}"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

ke_stop() {
  local name="$1" secs="${2:-15}" pid="${KE_PIDS[$1]:-}"
  [[ -z "$pid" ]] && return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    kill -CONT "$pid" 2>/dev/null || true   # a SIGSTOPped process acts on SIGTERM only once resumed
    local deadline=$(( $(date +%s) + secs ))
    while kill -0 "$pid" 2>/dev/null && (( $(date +%s) < deadline )); do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      ke_warn "$name (pid $pid) did not stop in ${secs}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
  unset "KE_PIDS[$name]"
}

# ke_stop_many SECS NAME...: SIGTERM all of them at once, then wait (SIGKILL after SECS).
ke_stop_many() {
  local secs="$1" name pid; shift
  for name in "$@"; do
    pid="${KE_PIDS[$name]:-}"
    [[ -n "$pid" ]] && kill -TERM "$pid" 2>/dev/null || true
  done
  for name in "$@"; do ke_stop "$name" "$secs"; done
}

ke_kill9() {
  local pid="${KE_PIDS[$1]:-}"
  [[ -z "$pid" ]] && return 1
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "KE_PIDS[$1]"
}

ke_stop_all() {
  local i name
  for (( i=${#KE_PID_ORDER[@]}-1; i>=0; i-- )); do
    name="${KE_PID_ORDER[$i]}"
    [[ -n "${KE_PIDS[$name]:-}" ]] && ke_stop "$name" "${KE_STOP_SECS:-15}"
  done
  KE_PID_ORDER=()
}

_ke_cleanup() {
  local rc=$?
  KE_EXIT_RC=$rc
  trap - EXIT INT TERM
  local h
  for h in "${KE_CLEANUP_HOOKS[@]}"; do "$h" || true; done
  ke_stop_all
  for h in "${KE_FINAL_HOOKS[@]}"; do "$h" || true; done
  rm -f "$_KE_PORTS_FILE"
  exit "$rc"
}

ke_install_cleanup_trap() {
  trap _ke_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}
