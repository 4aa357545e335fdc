#!/usr/bin/env python3
"""How `portolan query` scales with the number of profiles and of packages,
on one thread and on two (RAYON_NUM_THREADS), with peak RSS.

Profiles axis: the real corpus (../shared/corpus/real), the first N profiles
of `portolan profiles` (all of them for the last size), every version.
Packages axis: Gentoo-scale corpora from `portolan-gen --seed 1 --packages N`
(real gentoo profiles, symlinked), a fixed number of profiles, every version.
Each cell is the median of --runs runs (wall seconds, output to /dev/null);
RSS is the median of the runs' peak (portolan --stats). Prints a Markdown
table for BENCHMARKS.md.

    cargo build --release -p portolan -p portolan-corpus
    python3 bench/harness/scaling.py [--runs 3] [--gen-dir /tmp/portolan-scaling]
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "target/release/portolan"
GEN = ROOT / "target/release/portolan-gen"
REAL = ROOT / "../shared/corpus/real/repos.conf"
STATS = re.compile(r"portolan: stats: wall ([0-9.]+) s, peak RSS (\d+) KiB")


def profiles(conf):
    out = subprocess.run([BIN, "--repos-conf", conf, "profiles"], check=True,
                         capture_output=True, text=True).stdout
    return [line.split()[2] for line in out.splitlines() if line.strip()]


def run(conf, names, total, threads, runs):
    """Median wall and peak RSS (MiB) of `query` over `names` profiles."""
    sel = ["--all-profiles"] if len(names) == total else \
        [a for n in names for a in ("--profile", n)]
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    walls, rss = [], []
    for _ in range(runs):
        p = subprocess.run([BIN, "--stats", "--repos-conf", conf, "query", *sel],
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True, check=True)
        m = STATS.search(p.stderr)
        walls.append(float(m.group(1)))
        rss.append(int(m.group(2)) / 1024)
    return statistics.median(walls), statistics.median(rss)


def row(label, conf, names, total, versions, runs):
    w1, r1 = run(conf, names, total, 1, runs)
    w2, r2 = run(conf, names, total, 2, runs)
    lines = len(names) * versions
    print(f"| {label} | {len(names)} | {versions} | {lines:,} | {w1:.2f} | {w2:.2f} "
          f"| {w1 / w2:.2f}x | {max(r1, r2):.0f} |", flush=True)


def versions(conf):
    out = subprocess.run([BIN, "--repos-conf", conf, "query", "--profile", profiles(conf)[0]],
                         check=True, capture_output=True, text=True).stdout
    return len(out.splitlines())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--gen-dir", default="/tmp/portolan-scaling")
    ap.add_argument("--gen-sizes", default="2000,6000,19000")
    ap.add_argument("--gen-profiles", type=int, default=50)
    ap.add_argument("--profile-counts", default="10,50,100,250,509")
    a = ap.parse_args()
    header = ("| corpus | profiles | versions | lines | 1 thread (s) | 2 threads (s) "
              "| speedup | peak RSS (MiB) |\n|---|---|---|---|---|---|---|---|")
    print(header)
    real = str(REAL.resolve())
    names = profiles(real)
    nv = versions(real)
    for n in [int(x) for x in a.profile_counts.split(",")]:
        row("real", real, names[:n], len(names), nv, a.runs)
    for size in [int(x) for x in a.gen_sizes.split(",")]:
        out = Path(a.gen_dir) / f"p{size}"
        if not (out / "repos.conf").exists():
            subprocess.run([GEN, "--seed", "1", "--packages", str(size), "--out", out,
                            "--link-profiles"], check=True, stdout=subprocess.DEVNULL)
        conf = str(out / "repos.conf")
        gnames = profiles(conf)
        row(f"gen --packages {size}", conf, gnames[:a.gen_profiles], len(gnames),
            versions(conf), a.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
