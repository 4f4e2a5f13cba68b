#!/usr/bin/env python3
"""Side-by-side table of bench JSON lines (examples/bench.rs and ZkBench).

    python3 bench/table.py results/*.jsonl        (or JSON lines on stdin)

One row per result (workload, and case for W5's deaths), one column per
target. Cells: ops/s, p50 / p99 ms; W7 adds the watch memory. The full
report (ratios, memory, CPU per op): bench/report.py.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import index, label, load_jsonl  # noqa: E402


def main():
    lines = []
    for f in sys.argv[1:] or ["/dev/stdin"]:
        lines += load_jsonl(f)
    rows, keys, targets = index(lines)

    def cell(r):
        s = f"{r['ops']} ops {r['secs']:.2f}s {r['ops_per_s']:.0f}/s p50 {r['p50_ms']:.2f} p99 {r['p99_ms']:.2f}"
        if "watch_mem_mb" in r:
            s += f" mem {r['watch_mem_mb']:.1f}MB"
        return s

    print("| result | " + " | ".join(targets) + " |")
    print("|---|" + "---|" * len(targets))
    for key in keys:
        print(f"| {label(key)} | " + " | ".join(cell(rows[key][t]) if t in rows[key] else "-" for t in targets) + " |")
    print()
    for key in keys:
        for t, r in rows[key].items():
            print(f"- {label(key)} {t}: {r['what']}")


if __name__ == "__main__":
    main()
