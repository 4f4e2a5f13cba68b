#!/usr/bin/env python3
"""W8's per-phase view of the new controller's work, from its own logs.

    w8_phases.py phases LOGDIR T_KILL_MS T_DONE_MS   one JSON object (below)
    w8_phases.py table W8_JSONL                      the phases side by side

Kafka 3.9's controller (ZooKeeper mode) logs, in controller.log, each step of
KafkaController.onControllerFailover; a phase runs from one line to the next
(log4j timestamps, millisecond resolution), each the first such line at or
after the kill:

  detect          kill -9 -> "successfully elected as the controller" (the
                  old controller's session expires; not the controller's work)
  prepare         -> "Initializing controller context" (handlers registered,
                  old notifications deleted)
  load_context    -> "Fetching topic deletions in progress" (brokers, topics,
                  assignments and every partition's state read)
  init_managers   -> "Initializing replica state" (topic deletion manager,
                  UpdateMetadata sent to the brokers)
  online_replicas -> "Triggering offline replica state changes" (the live
                  brokers' replicas, in memory and requests to the brokers)
  offline_replicas -> "Initializing partition state" (the dead broker's
                  replicas taken out of every ISR: one conditional state
                  write per partition it held, a multi with the epoch check)
  partition_states -> "Ready to serve as the new controller" (a leader elected
                  and written for every partition the dead broker led)
  propagate       -> every partition has a live leader in the metadata the
                  surviving brokers serve (the W8 watcher, polled every 200 ms)

"controller_work" is elected -> all live (the sum of all but detect).
With the adapter's DEBUG log (logs/zkclient.log, KB_ZKCLIENT_DEBUG=1), each
phase also gets the handleRequests calls that ended in it: how many, their
requests by type, and the time they took in all.
"""
import datetime
import json
import re
import sys
import time

MARKS = [
    ("elected", "successfully elected as the controller"),
    ("context_start", "Initializing controller context"),
    ("context_loaded", "Fetching topic deletions in progress"),
    ("replica_states_start", "Initializing replica state"),
    ("offline_replicas_start", "Triggering offline replica state changes"),
    ("partition_states_start", "Initializing partition state"),
    ("ready", "Ready to serve as the new controller"),
]
PHASES = [
    ("detect", "kill", "elected"),
    ("prepare", "elected", "context_start"),
    ("load_context", "context_start", "context_loaded"),
    ("init_managers", "context_loaded", "replica_states_start"),
    ("online_replicas", "replica_states_start", "offline_replicas_start"),
    ("offline_replicas", "offline_replicas_start", "partition_states_start"),
    ("partition_states", "partition_states_start", "ready"),
    ("propagate", "ready", "all_live"),
]
STAMP = re.compile(r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3})\]")
CALL = re.compile(r"handleRequests: (\d+) requests \(([^)]*)\) handed to the engine in (\d+) us, "
                  r"all answered after (\d+) us")


def stamp_ms(line):
    m = STAMP.match(line)
    if not m:
        return None
    t = datetime.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S")
    return int(time.mktime(t.timetuple())) * 1000 + int(m.group(2))


def lines(path):
    try:
        with open(path, errors="replace") as f:
            yield from f
    except OSError:
        return


def marks(logdir, t_kill):
    """Epoch ms of the first line of each mark at or after the kill."""
    found = {}
    for line in lines(f"{logdir}/controller.log"):
        t = stamp_ms(line)
        if t is None or t < t_kill:
            continue
        for name, text in MARKS:
            if name not in found and text in line:
                found[name] = t
    return found


def calls(logdir, t_kill):
    """(end ms, requests, {type: n}, us) of each handleRequests logged after the kill."""
    out = []
    for line in lines(f"{logdir}/zkclient.log"):
        m = CALL.search(line)
        t = stamp_ms(line)
        if not m or t is None or t < t_kill:
            continue
        types = {}
        for part in m.group(2).split(", "):
            name, _, n = part.rpartition(" x")
            types[name] = int(n)
        out.append((t, int(m.group(1)), types, int(m.group(4))))
    return out


def phases(logdir, t_kill, t_done):
    at = marks(logdir, t_kill)
    at["kill"], at["all_live"] = t_kill, t_done
    result = {"phases_ms": {}, "requests": {}}
    for name, start, end in PHASES:
        ok = start in at and end in at
        result["phases_ms"][name] = at[end] - at[start] if ok else None
    if "elected" in at:
        result["controller_work_ms"] = t_done - at["elected"]
    cs = calls(logdir, t_kill)
    for name, start, end in PHASES:
        if start not in at or end not in at:
            continue
        mine = [c for c in cs if at[start] <= c[0] < at[end] or (end == "all_live" and c[0] == at[end])]
        if not mine:
            continue
        types = {}
        for c in mine:
            for k, n in c[2].items():
                types[k] = types.get(k, 0) + n
        result["requests"][name] = {"calls": len(mine), "requests": sum(c[1] for c in mine), "by_type": types,
                                    "largest_call": max(c[1] for c in mine),
                                    "call_ms": round(sum(c[3] for c in mine) / 1000)}
    return result


def table(jsonl):
    runs = [json.loads(line) for line in open(jsonl) if line.strip()]
    names = [n for n, _, _ in PHASES] + ["controller_work"]
    head = "| phase | " + " | ".join(r["target"] for r in runs) + (" | etcd / ZooKeeper |" if len(runs) == 2 else " |")
    print(head)
    print("|---|" + "---:|" * (len(runs) + (1 if len(runs) == 2 else 0)))
    for n in names:
        vals = [r.get("controller_work_ms") if n == "controller_work" else r.get("phases_ms", {}).get(n) for r in runs]
        row = f"| {n} | " + " | ".join("-" if v is None else f"{v:,} ms" for v in vals)
        if len(runs) == 2:
            z, e = (vals if runs[0]["target"] == "zookeeper" else vals[::-1])
            row += " | " + (f"{e / z:.2f}x" if z and e is not None else "-")
        print(row + " |")
    for r in runs:
        for phase, q in r.get("requests", {}).items():
            types = ", ".join(f"{k} x{v}" for k, v in sorted(q["by_type"].items()))
            print(f"- {r['target']} {phase}: {q['requests']} requests in {q['calls']} handleRequests "
                  f"(largest {q['largest_call']}; {types}), {q['call_ms']} ms in calls")


if __name__ == "__main__":
    if sys.argv[1] == "phases":
        print(json.dumps(phases(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))))
    elif sys.argv[1] == "table":
        table(sys.argv[2])
    else:
        sys.exit(__doc__)
