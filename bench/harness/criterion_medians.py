#!/usr/bin/env python3
"""Print the medians of the last `cargo bench -p portolan-bench` as a markdown table, from
criterion's target/criterion/*/*/new/estimates.json (median of the per-iteration times, with
criterion's 95 % confidence interval). Plain python3.

usage: python3 bench/harness/criterion_medians.py [TARGET_DIR]
"""
import glob
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
target = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "target")


def fmt(ns):
    return f"{ns / 1e9:.2f} s" if ns >= 1e9 else f"{ns / 1e6:.1f} ms"


print("| Benchmark | Median | 95 % CI of the median |")
print("|---|---|---|")
for path in sorted(glob.glob(os.path.join(target, "criterion", "*", "*", "new", "estimates.json"))):
    with open(path) as f:
        m = json.load(f)["median"]
    with open(os.path.normpath(os.path.join(os.path.dirname(path), "benchmark.json"))) as f:
        name = json.load(f)["full_id"]
    ci = m["confidence_interval"]
    print(f"| `{name}` | {fmt(m['point_estimate'])} | {fmt(ci['lower_bound'])} – {fmt(ci['upper_bound'])} |")
