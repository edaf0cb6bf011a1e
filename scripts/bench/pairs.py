#!/usr/bin/env python3
"""Times two commands in turn (A B A B ...), after one warm-up run each, and prints the medians
and the pair-by-pair ratio A/B of wall and CPU time (the children's user + system time, from
getrusage). Pairing keeps a ratio meaningful on a machine whose speed drifts.

    pairs.py RUNS 'COMMAND A' 'COMMAND B'      (each command is run by sh -c, output discarded)

Exit codes are printed, not judged: a caller that accepts a non-zero code says why.
"""
import resource
import statistics
import subprocess
import sys
import time


def run(command):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    code = subprocess.call(["sh", "-c", command], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, code


def main():
    runs, a, b = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    run(a)
    run(b)
    rows = {"A": [], "B": []}
    for _ in range(runs):
        rows["A"].append(run(a))
        rows["B"].append(run(b))
    for side in ("A", "B"):
        wall = [r[0] * 1000 for r in rows[side]]
        cpu = [r[1] * 1000 for r in rows[side]]
        codes = sorted({r[2] for r in rows[side]})
        print(f"  {side}: wall ms median {statistics.median(wall):.1f} (min {min(wall):.1f}, "
              f"max {max(wall):.1f}); cpu ms median {statistics.median(cpu):.1f}; exit codes {codes}")
    for i, what in ((0, "wall"), (1, "cpu")):
        ratios = [x[i] / y[i] for x, y in zip(rows["A"], rows["B"]) if y[i] > 0]
        if ratios:
            print(f"  A/B {what}: median {statistics.median(ratios):.2f} "
                  f"(min {min(ratios):.2f}, max {max(ratios):.2f}, {len(ratios)} pairs)")


if __name__ == "__main__":
    main()
