#!/usr/bin/env python3
"""Runs portolan builds in turn, N times each, and prints median and best
wall time and the median CPU of each.

Run times on a shared VM drift by about ten per cent from one minute to the
next; running two builds one after the other, in alternation, is how two
commits compare in one sitting (hyperfine runs each command's runs in a
block). Each build has its own binary cache folder, filled by one run first;
output goes to /dev/null.

    python3 bench/harness/alternate.py --runs 30 OLD NEW
    python3 bench/harness/alternate.py --command 'query --all-profiles --json' OLD NEW
"""

import argparse
import os
import resource
import shlex
import statistics
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--repos-conf", default=os.path.join(HERE, "../../../shared/corpus/real/repos.conf"))
    ap.add_argument("--command", default="query --all-profiles", help="portolan's arguments")
    ap.add_argument("binaries", nargs="+", help="portolan builds to compare")
    args = ap.parse_args()
    caches = tempfile.mkdtemp(prefix="portolan-alternate-")
    runs = {}
    for i, b in enumerate(args.binaries):
        cache = os.path.join(caches, str(i))
        runs[b] = [b, "--repos-conf", args.repos_conf, "--cache-dir", cache, *shlex.split(args.command)]
    wall = {b: [] for b in args.binaries}
    cpu = {b: [] for b in args.binaries}
    with open(os.devnull, "w") as null:
        for b, argv in runs.items():
            subprocess.run(argv, stdout=null, stderr=null, check=True)
        for _ in range(args.runs):
            for b, argv in runs.items():
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.perf_counter()
                subprocess.run(argv, stdout=null, stderr=null, check=True)
                wall[b].append(time.perf_counter() - start)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu[b].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    for b in args.binaries:
        w, c = sorted(wall[b]), sorted(cpu[b])
        print(
            f"{b}: wall median {statistics.median(w) * 1000:.1f} ms, best {w[0] * 1000:.1f} ms; "
            f"CPU median {statistics.median(c) * 1000:.0f} ms ({args.runs} runs)"
        )


if __name__ == "__main__":
    main()
