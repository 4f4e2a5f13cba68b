#!/usr/bin/env python3
"""Per-class table and verdict of scripts/kafka-tests.sh.

Reads the JUnit console launcher's test feed of the two runs
(OUT/zookeeper/CLASS.log, OUT/etcd/CLASS.log; its legacy XML reports would
charge a class-level failure to every test of the class), prints
passed/failed per class as a Markdown table (the one in the README's test
section) and exits non-zero when:
  - a test failed on ZooKeeper (the baseline must be all green),
  - a class failed as a whole (@BeforeAll/@AfterAll: Kafka's harness checks
    for leaked client threads there),
  - the two runs did not run the same tests,
  - etcd passed fewer than --min-etcd tests,
  - a test failed on etcd without a line in the exclusions file.
An excluded test that passed is reported, not a failure (a fix may land
before its exclusion is removed).

A test is named CLASS#METHOD, plus [zk] or [kraft] for Kafka's
quorum-parameterized tests ([N] for other parameterized ones).
"""
import argparse
import os
import re
import sys


FEED = re.compile(r"^JUnit Jupiter > (.+?) :: (SUCCESSFUL|FAILED|ABORTED|SKIPPED)\b")


def test_key(cls, parts):
    """CLASS#METHOD[variant] from the feed's display names after the class."""
    method = parts[0].split("(")[0]
    if len(parts) > 1:  # a parameterized invocation: "[2] quorum=zk"
        quorum = re.search(r"quorum=(\w+)", parts[1])
        method += "[" + (quorum.group(1) if quorum else parts[1].split("]")[0].lstrip("[")) + "]"
    return cls + "#" + method


def read_run(run_dir, classes):
    """({test: (passed, message)}, {class: message of a class-level failure}) of
    one run, from the console launcher's test feed in RUN_DIR/CLASS.log; None if
    the run left no log."""
    by_simple = {c.rsplit(".", 1)[-1]: c for c in classes}
    results, class_failures, found = {}, {}, False
    for cls in classes:
        path = os.path.join(run_dir, cls + ".log")
        if not os.path.exists(path):
            continue
        found = True
        lines = open(path, errors="replace").read().splitlines()
        for n, line in enumerate(lines):
            m = FEED.match(line)
            if not m:
                continue
            parts = m.group(1).split(" > ")
            status = m.group(2)
            # The first indented line after a failure names the exception.
            msg = next((l.strip() for l in lines[n + 1:n + 4] if l.startswith(("\t", " ")) and l.strip()), status)
            if len(parts) == 1:  # the class itself (@BeforeAll/@AfterAll)
                if status != "SUCCESSFUL":
                    class_failures[by_simple.get(parts[0], parts[0])] = msg[:200]
                continue
            key = test_key(by_simple.get(parts[0], parts[0]), parts[1:])
            if len(parts) == 2 and parts[1].endswith(")") and "(" in parts[1] and any(
                    k.startswith(key + "[") for k in results):
                continue  # the container of a parameterized test, after its invocations
            results[key] = (status == "SUCCESSFUL", "" if status == "SUCCESSFUL" else msg[:200])
        if not any(k.startswith(cls + "#") for k in results) and cls not in class_failures:
            class_failures[cls] = "no test result in " + path
    return (results, class_failures) if found else None


def read_exclusions(path):
    """{test: reason}; lines 'CLASS#METHOD[variant] | reason', '#' starts a comment line."""
    excl = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            test, sep, reason = line.partition("|")
            if not sep or not reason.strip():
                sys.exit(f"{path}:{n}: expected 'CLASS#METHOD | reason', got: {line}")
            excl[test.strip()] = reason.strip()
    return excl


def counts(results, cls):
    tests = [ok for key, (ok, _) in results.items() if key.split("#")[0] == cls]
    return sum(tests), len(tests) - sum(tests)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--exclusions", required=True)
    ap.add_argument("--min-etcd", type=int, required=True)
    ap.add_argument("--only", choices=("zookeeper", "etcd"), help="only this backend was run")
    ap.add_argument("classes", nargs="+")
    a = ap.parse_args()

    runs = {name: read_run(os.path.join(a.out, name), a.classes) for name in ("zookeeper", "etcd")}
    excl = read_exclusions(a.exclusions)
    problems = []
    for name, run in runs.items():
        if run is None and a.only in (None, name):
            problems.append(f"{name}: no test log in {a.out}/{name}")

    print("| test class | ZooKeeper | etcd |")
    print("|---|---|---|")
    totals = {name: [0, 0] for name in runs}
    for cls in a.classes:
        cells = []
        for name, run in runs.items():
            if run is None:
                cells.append("not run")
                continue
            p, f = counts(run[0], cls)
            totals[name][0] += p
            totals[name][1] += f
            cells.append(f"{p}/{f}")
        print(f"| {cls} | {cells[0]} | {cells[1]} |")
    print("| total | " + " | ".join("not run" if runs[n] is None else f"{totals[n][0]}/{totals[n][1]}" for n in runs) + " |")
    print("(passed/failed)")
    print()

    for name, run in runs.items():
        for cls, msg in sorted((run or ({}, {}))[1].items()):
            problems.append(f"{name}: {cls} failed as a class (@BeforeAll/@AfterAll, e.g. leaked threads): {msg}")
    zk, etcd = (r[0] if r else None for r in (runs["zookeeper"], runs["etcd"]))
    if zk is not None:
        for test, (ok, msg) in sorted(zk.items()):
            if not ok:
                problems.append(f"baseline: {test} failed on ZooKeeper: {msg}")
    if zk is not None and etcd is not None and set(zk) != set(etcd):
        only = sorted(set(zk) ^ set(etcd))
        problems.append(f"the runs differ in {len(only)} tests, e.g. {only[:3]}")
    if etcd is not None:
        passed = sum(ok for ok, _ in etcd.values())
        if passed < a.min_etcd:
            problems.append(f"etcd: {passed} passed, fewer than the required {a.min_etcd}")
        failing = sorted(t for t, (ok, _) in etcd.items() if not ok)
        if failing:
            print(f"Failing on etcd ({len(failing)}):")
        for test in failing:
            reason = excl.get(test)
            print(f"  {test}: {etcd[test][1]}")
            if reason is None:
                problems.append(f"etcd: {test} failed and is not in {a.exclusions}")
            else:
                print(f"      excluded: {reason}")
        for test in sorted(t for t in excl if t.split("#")[0] in a.classes):
            if test not in etcd:
                problems.append(f"{a.exclusions} lists {test}, which did not run")
            elif etcd[test][0]:
                print(f"note: excluded {test} passed on etcd: remove it from {a.exclusions}")

    for p in problems:
        print("FAIL: " + p)
    print("kafka-tests: " + ("FAILED" if problems else "OK"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
