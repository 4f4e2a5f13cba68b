#!/usr/bin/env python3
"""The benchmark report (docs/benchmarks.md) from one bench/run.sh output dir.

    python3 bench/report.py OUT_DIR [--notes bench/notes.md] > report.md

OUT_DIR holds results.jsonl (the drivers' JSON lines), targets.jsonl
(bench/run.sh: status and load average per target) and meta.json
(scripts/bench.sh: machine, versions, command, date). Sections: setup, the
issue's targets checked, a summary matrix, the detailed table (ops/s, p50,
p99, memory, CPU per op, ratios against zookeeper and against engine), W8,
then the notes file verbatim.

Ratios are "times better than the reference", >1 is better: for throughput
results (W1, W2, W2 submitBatch, W3, W5 register, W7) ops/s over the reference's ops/s; for
latency results (W4, W5 deaths, W6, W9) the reference's p50 over this p50.
"""
import json
import os
import sys

TARGET_ORDER = ["engine", "raw-etcd", "bridge", "zookeeper", "zetcd"]
CASE_ORDER = {None: 0, "register": 0, "closed": 1, "killed": 2, "vanished": 3, "failover": 0,
              "submitBatch": 1, "in-callback": 1}
THROUGHPUT = {("W1", None), ("W2", None), ("W2", "submitBatch"), ("W3", None), ("W5", "register"), ("W7", None)}

TARGET_DESC = {
    "engine": "Rust engine (`examples/bench.rs`) -> etcd: the floor the bridge adds to",
    "raw-etcd": "plain etcd keys, same workloads as far as they map (`examples/bench.rs`): what etcd itself does",
    "bridge": "Java API `io.kafkaetcd.KafkaEtcdClient` over JNI (`bench/zookeeper` ZkBench) -> etcd",
    "zookeeper": "ZooKeeper 3.8.4 Java client, async API (ZkBench) -> Apache ZooKeeper 3.8.4 standalone",
    "zetcd": "ZooKeeper 3.8.4 Java client (ZkBench) -> zetcd v0.0.5 -> etcd",
    "W8": "Kafka controller failover, once on ZooKeeper, once on etcd through our jar (`scripts/bench-w8.sh`)",
}


def load_jsonl(path):
    out = []
    if not os.path.exists(path):
        return out
    for line in open(path):
        line = line.strip()
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


def index(results):
    """{(workload, case): {target: result}} (the last result wins), targets in order."""
    rows, targets = {}, []
    for r in results:
        t = r["target"]
        if t not in targets:
            targets.append(t)
        rows.setdefault((r["workload"], r.get("case")), {})[t] = r
    targets.sort(key=lambda t: TARGET_ORDER.index(t) if t in TARGET_ORDER else 99)
    keys = sorted(rows, key=lambda k: (int(k[0][1:]) if k[0][1:].isdigit() else 99, CASE_ORDER.get(k[1], 9), k[1] or ""))
    return rows, keys, targets


def label(key):
    w, case = key
    return f"{w} {case}" if case else w


def is_throughput(key):
    return key in THROUGHPUT


def ratio(key, r, ref):
    if r is None or ref is None:
        return None
    if is_throughput(key):
        if ref["ops_per_s"] <= 0:
            return None
        return r["ops_per_s"] / ref["ops_per_s"]
    if r["p50_ms"] <= 0:
        return None
    return ref["p50_ms"] / r["p50_ms"]


def fmt_ratio(x):
    if x is None:
        return "-"
    return f"{x:.2f}x" if x < 10 else f"{x:.0f}x"


def fmt_num(x):
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def cpu_per_op(key, r):
    """'client 12 + etcd 30' microseconds of CPU per op (not for W5's deaths: mostly waiting)."""
    cpu = r.get("cpu_ms") or {}
    if not cpu or not r.get("ops") or (key[0] == "W5" and key[1] != "register"):
        return "-"
    parts = [f"{k} {v * 1000.0 / r['ops']:.0f}" for k, v in cpu.items()]
    return " + ".join(parts)


def memory(key, r):
    srv = r.get("server_rss_mb") or {}
    s = f"client {r.get('rss_mb', 0):.0f}"
    if srv:
        s += ", " + ", ".join(f"{k} {v:.0f}" for k, v in srv.items())
    if key[0] == "W7" and "watch_mem_mb" in r:
        s = f"+{r['watch_mem_mb']:.1f} client"
        if "watch_heap_mb" in r:
            s += f" (heap +{r['watch_heap_mb']:.1f})"
        sw = r.get("server_watch_mem_mb") or {}
        if sw:
            s += ", " + ", ".join(f"{k} {v:+.1f}" for k, v in sw.items())
    return s


def summary(rows, keys, targets):
    out = ["| result | " + " | ".join(targets) + " |", "|---|" + "---|" * len(targets)]
    for key in keys:
        if key[0] == "W8":
            continue
        cells = []
        for t in targets:
            r = rows[key].get(t)
            if r is None:
                cells.append("-")
            elif is_throughput(key):
                cells.append(f"{fmt_num(r['ops_per_s'])}/s")
            else:
                cells.append(f"{fmt_num(r['p50_ms'])} ms")
        unit = "ops/s" if is_throughput(key) else "p50"
        out.append(f"| {label(key)} ({unit}) | " + " | ".join(cells) + " |")
    return out


def detail(rows, keys, targets):
    out = [
        "| result | target | ops | ops/s | p50 ms | p99 ms | memory MB | CPU µs/op | vs zookeeper | vs engine |",
        "|---|---|---:|---:|---:|---:|---|---|---:|---:|",
    ]
    for key in keys:
        if key[0] == "W8":
            continue
        first = True
        for t in targets:
            r = rows[key].get(t)
            if r is None:
                continue
            zk = rows[key].get("zookeeper")
            en = rows[key].get("engine")
            out.append(
                f"| {label(key) if first else ''} | {t} | {r['ops']} | {fmt_num(r['ops_per_s']) if key[0] != 'W5' or key[1] == 'register' else '-'} "
                f"| {fmt_num(r['p50_ms'])} | {fmt_num(r['p99_ms'])} | {memory(key, r)} | {cpu_per_op(key, r)} "
                f"| {fmt_ratio(ratio(key, r, zk)) if t != 'zookeeper' else ''} "
                f"| {fmt_ratio(ratio(key, r, en)) if t != 'engine' else ''} |"
            )
            first = False
    return out


def whats(rows, keys):
    out = []
    for key in keys:
        for t, r in rows[key].items():
            out.append(f"- {label(key)}, {t}: {r['what']}")
    return out


def checks(rows):
    """The issue's targets, as far as this run measured them."""
    def get(w, t, case=None):
        return rows.get((w, case), {}).get(t)

    out = []
    e2, b2, z2 = get("W2", "engine"), get("W2", "bridge"), get("W2", "zookeeper")
    if e2 and b2:
        x = b2["ops_per_s"] / e2["ops_per_s"]
        ok = x >= 0.95
        out.append(f"| bridge within 5% of engine on pipelined reads (W2: at least 95%) | bridge {b2['ops_per_s']:,.0f}/s = "
                   f"{x:.0%} of engine {e2['ops_per_s']:,.0f}/s | {'met' if ok else 'NOT met'} |")
    for t in ("engine", "bridge"):
        r = get("W2", t)
        if r and z2:
            x = r["ops_per_s"] / z2["ops_per_s"]
            out.append(f"| at least 3x ZooKeeper on W2 ({t}) | {r['ops_per_s']:,.0f}/s vs {z2['ops_per_s']:,.0f}/s = "
                       f"{x:.1f}x | {'met' if x >= 3 else 'NOT met'} |")
    for t in ("engine", "bridge"):
        worse = []
        n = 0
        for (w, case), by in rows.items():
            if (w, case) in THROUGHPUT and by.get(t) and by.get("zookeeper"):
                n += 1
                x = by[t]["ops_per_s"] / by["zookeeper"]["ops_per_s"]
                if x < 1:
                    worse.append(f"{label((w, case))} {x:.2f}x")
        if n:
            out.append(f"| at least ZooKeeper's throughput ({t}; W1, W2, W3, W5 register, W7) | "
                       f"{'below on ' + ', '.join(worse) if worse else 'at or above on all ' + str(n)} | "
                       f"{'NOT met' if worse else 'met'} |")
    w8z, w8b = get("W8", "zookeeper", "failover"), get("W8", "bridge", "failover")
    if w8z and w8b:
        out.append(f"| W8 on etcd no slower than on ZooKeeper | etcd {w8b['secs']:.1f} s vs ZooKeeper {w8z['secs']:.1f} s | "
                   f"{'met' if w8b['secs'] <= w8z['secs'] else 'NOT met'} |")
    elif w8z or w8b:
        have = w8z or w8b
        out.append(f"| W8 on etcd no slower than on ZooKeeper | only {have['target']} finished: {have['secs']:.1f} s | - |")
    else:
        out.append("| W8 on etcd no slower than on ZooKeeper | not run | - |")
    return ["| target | this run | |", "|---|---|---|"] + out


def main():
    args = sys.argv[1:]
    notes = None
    if "--notes" in args:
        i = args.index("--notes")
        notes = args[i + 1]
        del args[i:i + 2]
    d = args[0]
    results = load_jsonl(os.path.join(d, "results.jsonl"))
    tstat = load_jsonl(os.path.join(d, "targets.jsonl"))
    meta = {}
    if os.path.exists(os.path.join(d, "meta.json")):
        meta = json.load(open(os.path.join(d, "meta.json")))
    rows, keys, targets = index(results)
    p = []
    mode = "`--quick`: small sizes, a smoke run, not figures" if meta.get("quick") else "full run, the issue's sizes"
    p += ["# Benchmarks", ""]
    p += [f"Generated by `scripts/bench.sh` ({mode}) on {meta.get('date', '?')}; "
          "the notes at the end are written by hand. Regenerate with:", "",
          "```sh", meta.get("command", "scripts/bench.sh"), "```", ""]
    p += ["## Setup", ""]
    m = meta.get("machine", {})
    p += [f"- Machine: {m.get('nproc', '?')} CPUs ({m.get('cpu', '?')}), {m.get('mem', '?')} memory, "
          f"kernel {m.get('kernel', '?')}. Shared with other engineers' builds and tests while this ran: "
          f"load average {meta.get('load_start', '?')} at the start, {meta.get('load_end', '?')} at the end "
          "(per target below)."]
    v = meta.get("versions", {})
    if v:
        p += ["- Versions: " + "; ".join(f"{k} {val}" for k, val in v.items()) + "."]
    p += ["- Durability: etcd single member with its defaults (the WAL is fsynced before a write is "
          "acknowledged; no `--unsafe-no-fsync`), ZooKeeper standalone with its defaults "
          "(`forceSync=yes`: the txn log is fsynced before a write is acknowledged; tickTime=2000). "
          "Both on the same local disk; every target gets freshly started servers.",
          f"- Warm-up: {meta['warmup']:,} znodes created, read, updated, checked and deleted (unreported) by every target "
          "before W1, so the JVMs (Java clients, ZooKeeper server) run JIT-compiled code, as in a long-running broker."
          if meta.get("warmup") else "- No warm-up: the JVMs start cold (JIT compilation is part of the figures).",
          "- All on 127.0.0.1. Client pipelines keep 1,000 requests outstanding (W1-W3, W7). "
          "Java drivers run with `-Xmx2g`; the bridge uses `ClientConfig`'s default `maxInFlight` "
          "(1,000, the engine's default and the Kafka adapter's).", ""]
    p += ["| target | what | status | wall s | load avg before -> after |", "|---|---|---|---:|---|"]
    for s in tstat:
        st = s["status"] + (f": {s['why']}" if s.get("why") else "")
        p.append(f"| {s['target']} | {TARGET_DESC.get(s['target'], '')} | {st} | {s.get('wall_s', '')} "
                 f"| {s.get('load_before', '')} -> {s.get('load_after', '')} |")
    p.append("")
    p += ["## The issue's targets", ""] + checks(rows) + [""]
    p += ["## Summary", "",
          "Throughput results in ops/s, latency results as p50 (higher ops/s, lower ms is better).", ""]
    p += summary(rows, keys, targets) + [""]
    p += ["## All figures", "",
          "memory: RSS at the end of the result (client process, then servers); for W7 what arming the "
          "watches added (client RSS, Java heap retained after a full GC, server RSS). CPU µs/op: user+system "
          "CPU time of each process during the result, per op (from /proc, 10 ms ticks: coarse for short results). "
          "Ratios: times better than the reference (>1 is better): ops/s for W1, W2, W3, W5 register, W7; "
          "p50 for the others.", ""]
    p += detail(rows, keys, targets) + [""]
    p += ["What each result measures:", ""] + whats(rows, keys) + [""]
    p += ["## W8: Kafka controller failover", ""]
    w8 = [r for r in results if r["workload"] == "W8"]
    if w8:
        p += ["| target | what | partitions | failover s (kill -9 -> every partition has a live leader) "
              "| new controller after s | topic creation s |", "|---|---|---:|---:|---:|---:|"]

        def sec(r, k):
            return f"{r[k] / 1000:.2f}" if isinstance(r.get(k), (int, float)) else "-"
        for r in w8:
            p.append(f"| {r['target']} | {r['what']} | {r['ops']} | {r['secs']:.2f} | {sec(r, 'controller_elect_ms')} "
                     f"| {sec(r, 'create_ms')} |")
        failed = [s for s in tstat if s["target"] == "W8" and s["status"] != "ok"]
        if failed:
            p += ["", f"W8 run status: {failed[0]['status']}, {failed[0]['why']}."]
    else:
        p += [meta.get("w8", "not run: `scripts/bench-w8.sh` does not exist yet (the Kafka adapter is in progress).")]
    p.append("")
    if notes and os.path.exists(notes):
        p += [open(notes).read().rstrip(), ""]
    print("\n".join(p))


if __name__ == "__main__":
    main()
