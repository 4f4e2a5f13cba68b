#!/usr/bin/env bash
# Narrated, timed steps for the story scripts (scripts/demo.sh, scripts/migrate-to-kraft.sh).
# Sourced, never run.
#
#   step TITLE FUNC ARGS...   print the title, run FUNC, print its time; exit 1 when it fails
#   say TEXT...               an indented line of narration
#   show                      stdin, indented as quoted output
#   story_timing_table LABEL  every step with its time and status, then the total
#   story_failure_logs WHAT LOG...  "WHAT FAILED (at step). Logs are under WORK", the last
#                             error lines of each non-empty LOG; keeps WORK (KEEP_WORK=1)
#   CURRENT_STEP              the title of the step running now ("" once the story is over)
#   story_workdir PREFIX      WORK=$WORK (made absolute) or a new /tmp/PREFIX.XXXXXX
#   story_remove_workdir      exit hook: remove WORK unless KEEP_WORK=1 (a failed run sets it)

[[ -n "${_KE_STORY_LOADED:-}" ]] && return 0
_KE_STORY_LOADED=1

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

declare -ga STEP_NAMES=() STEP_MS=() STEP_OK=()
STORY_T0="$(ke_now_ms)"
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

story_workdir() {
  if [[ -z "${WORK:-}" ]]; then
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")"
  else
    mkdir -p "$WORK"; WORK="$(cd "$WORK" && pwd)"
  fi
}

story_remove_workdir() {
  if (( ${KEEP_WORK:-0} == 0 )); then rm -rf "$WORK"; else printf 'Work dir kept: %s\n' "$WORK"; fi
}

story_failure_logs() {
  local what="$1" f
  shift
  printf '\n%s FAILED%s. Logs are under %s\n' "$what" "${CURRENT_STEP:+ at step: $CURRENT_STEP}" "$WORK"
  for f in "$@"; do
    [[ -s "$f" ]] || continue
    printf '\n----- last error lines of %s\n' "$f"
    grep -E 'ERROR|Exception|FATAL' "$f" | tail -n 8
  done
  KEEP_WORK=1
}

story_timing_table() {
  local i total=$(( $(ke_now_ms) - STORY_T0 ))
  printf '\nStep timings (%s):\n' "$1"
  for i in "${!STEP_NAMES[@]}"; do
    printf '  %-4s %7d.%03ds  %s\n' "${STEP_OK[$i]}" "$(( STEP_MS[i]/1000 ))" "$(( STEP_MS[i]%1000 ))" "${STEP_NAMES[$i]}"
  done
  printf '  total %6d.%03ds\n' "$(( total/1000 ))" "$(( total%1000 ))"
}
