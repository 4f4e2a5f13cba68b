#!/usr/bin/env python3
"""Side-by-side table of bench JSON lines (examples/bench.rs and ZkBench).

    python3 bench/table.py results/*.jsonl        (or JSON lines on stdin)

One row per (workload, n-th result of that workload), one column per target,
in first-seen order. Cells: ops/s, p50 / p99 ms; W7 adds the watch memory.
"""
import json
import sys


def main():
    lines = []
    files = sys.argv[1:] or ["-"]
    for f in files:
        src = sys.stdin if f == "-" else open(f)
        for line in src:
            line = line.strip()
            if line.startswith("{"):
                try:
                    lines.append(json.loads(line))
                except ValueError:
                    pass
    targets, rows, cells, whats = [], [], {}, {}
    seen = {}
    for r in lines:
        t, w = r["target"], r["workload"]
        if t not in targets:
            targets.append(t)
        k = seen.get((t, w), 0)
        seen[(t, w)] = k + 1
        key = (w, k)
        if key not in rows:
            rows.append(key)
        cells[(key, t)] = r
        whats.setdefault(key, {})[t] = r["what"]
    rows.sort()

    def cell(r):
        s = f"{r['ops']} ops {r['secs']:.2f}s {r['ops_per_s']:.0f}/s p50 {r['p50_ms']:.2f} p99 {r['p99_ms']:.2f}"
        if "watch_mem_mb" in r:
            s += f" mem {r['watch_mem_mb']:.1f}MB"
        if "watch_rss_mb" in r:
            s += f" (rss {r['watch_rss_mb']:.1f})"
        return s

    print("| workload | " + " | ".join(targets) + " |")
    print("|---|" + "---|" * len(targets))
    for key in rows:
        w, k = key
        label = f"{w}.{k + 1}" if any(seen.get((t, w), 0) > 1 for t in targets) else w
        row = [cell(cells[(key, t)]) if (key, t) in cells else "-" for t in targets]
        print(f"| {label} | " + " | ".join(row) + " |")
    print()
    for key in rows:
        for t, what in whats[key].items():
            print(f"- {key[0]}.{key[1] + 1} {t}: {what}")


if __name__ == "__main__":
    main()
