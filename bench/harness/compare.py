#!/usr/bin/env python3
"""Time the same work with portolan, Portage and pkgcore in one run on one machine, and print a
markdown report (medians, ratios, the exact commands).

The work: visibility and USE of every package version (1902) under every profile (509) of the real
corpus, i.e. `portolan query --all-profiles --json` (968 118 JSON lines).

* portolan: the release binary, with hyperfine when installed (else repeated runs, median):
  the full query, the same query on a fixed subset of 20 profiles, and load + stack of every
  profile (`query --all-profiles --json sys-apps/coreutils-9.11::gentoo`: one version each).
* Portage (bench/harness/portage_bench.py, the oracle's ProfileSession: `portage.config` per
  profile, `Package` + `setcpv` per version): the subset, --runs times; the full matrix once
  (`nice -n 10`; about half an hour on one core).
* pkgcore (bench/harness/pkgcore_bench.py): loading/stacking every profile (--runs times), and
  visibility + USE of every version on the subset (--runs times) and on the full matrix once.

Each step saves its figures in OUT/results.json as soon as it ends; `--report-only` rebuilds the
markdown from that file. Plain python3 (no dependency); Portage and pkgcore run in the
repository's venv (`scripts/setup-oracles.sh`, plus bench/requirements.txt for pkgcore).

usage: python3 bench/harness/compare.py [--out DIR] [--runs N] [--portolan-runs N]
                                        [--no-portage-full] [--no-pkgcore-full] [--report-only]
"""

import argparse
import json
import os
import platform
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
REL = os.path.relpath


def log(msg):
    print(f"[compare {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def sh(cmd, **kw):
    log("$ " + (cmd if isinstance(cmd, str) else shlex.join(cmd)))
    return subprocess.run(cmd, check=True, **kw)


# ---------------------------------------------------------------------------------------------
# machine


def machine_notes():
    cpu = "?"
    flags = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name") and cpu == "?":
                cpu = line.split(":", 1)[1].strip()
            if line.startswith("cpu MHz") and not flags:
                flags = line.split(":", 1)[1].strip()
    mem = "?"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "cpu_mhz": flags,
        "mem": mem,
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# ---------------------------------------------------------------------------------------------
# helpers


def pick_subset(profiles, per_repo=None):
    """20 profiles spread evenly over each repository's profiles.desc: gentoo 14, genpack 3,
    coreos 3."""
    per_repo = per_repo or {"gentoo": 14, "genpack-overlay": 3, "coreos-overlay": 3}
    out = []
    for repo, k in per_repo.items():
        mine = [p for p in profiles if p.split(":", 1)[0] == repo]
        if not mine:
            continue
        k = min(k, len(mine))
        out += [mine[(2 * i + 1) * len(mine) // (2 * k)] for i in range(k)]
    return out


def median(xs):
    return statistics.median(xs) if xs else None


def time_cmds(name, cmds, runs, warmup, out, use_hyperfine):
    """Time shell commands; returns {label: {"median","min","max","runs","command"}}."""
    res = {}
    if use_hyperfine:
        exp = os.path.join(out, f"hyperfine-{name}.json")
        args = ["hyperfine", "--runs", str(runs), "--warmup", str(warmup), "--export-json", exp,
                "--style", "basic"]
        for label, cmd in cmds:
            args += ["-n", label, cmd]
        sh(args, stdout=sys.stderr)
        with open(exp) as f:
            data = json.load(f)
        for r in data["results"]:
            res[r["command"]] = {
                "median": r["median"], "min": r["min"], "max": r["max"], "mean": r["mean"],
                "cpu_s": r["user"] + r["system"],  # hyperfine gives the mean only
                "runs": len(r["times"]), "times": r["times"],
                "command": dict(cmds)[r["command"]], "via": "hyperfine",
            }
    else:
        for label, cmd in cmds:
            times, cpus = [], []
            for i in range(warmup + runs):
                t, c = time.perf_counter(), children_cpu()
                sh(cmd, shell=True)
                if i >= warmup:
                    times.append(time.perf_counter() - t)
                    cpus.append(children_cpu() - c)
            res[label] = {"median": median(times), "min": min(times), "max": max(times),
                          "cpu_s": median(cpus),
                          "runs": runs, "times": times, "command": cmd, "via": "repeated runs"}
    return res


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed_process(cmd, results_file):
    t, c = time.perf_counter(), children_cpu()
    sh(cmd)
    wall = time.perf_counter() - t
    cpu = children_cpu() - c
    with open(results_file) as f:
        r = json.load(f)
    r["wall_s"] = wall
    r["cpu_s"] = cpu
    r["command"] = shlex.join(cmd)
    return r


def summarise_runs(runs):
    """Median over repeated runs of a python bench (each a results dict)."""
    keys = ("wall_s", "cpu_s", "process_s", "import_s", "load_s", "query_s", "load_cpu_s", "query_cpu_s")
    s = {k: median([r[k] for r in runs if k in r]) for k in keys}
    s["runs"] = len(runs)
    s["all_wall_s"] = [r["wall_s"] for r in runs]
    s["command"] = runs[0]["command"]
    s["profiles"] = runs[0]["profiles"]
    s["lines"] = runs[0]["lines"]
    s["version"] = runs[0]["version"]
    return s


def compare_outputs(a_path, b_path, fields=None):
    """Compare JSON lines keyed by (profile, cpv, repo): number of keys of a, missing in b, and
    lines whose `fields` (all of a's when None) differ. b is streamed; only a is held in memory."""
    def lines(path):
        with open(path) as f:
            for line in f:
                try:
                    o = json.loads(line)
                except ValueError:  # the cut last line of an interrupted run
                    continue
                yield (o.get("profile"), o.get("cpv"), o.get("repo")), o
    a = dict(lines(a_path))
    seen = set()
    b_count = diff = 0
    examples = []
    for k, ob in lines(b_path):
        b_count += 1
        oa = a.get(k)
        if oa is None:
            continue
        seen.add(k)
        keys = fields or [x for x in oa if x not in ("profile", "cpv", "repo")]
        bad = [x for x in keys if oa.get(x) != ob.get(x)]
        if bad:
            diff += 1
            if len(examples) < 5:
                examples.append({"key": list(k), "fields": bad})
    return {"lines": len(a), "profiles": len({k[0] for k in a}), "other_lines": b_count, "missing": len(a) - len(seen), "differ": diff,
            "examples": examples}


# ---------------------------------------------------------------------------------------------
# report


def fmt_s(x):
    if x is None:
        return "–"
    if x >= 100:
        return f"{x:.0f} s"
    if x >= 10:
        return f"{x:.1f} s"
    if x >= 1:
        return f"{x:.2f} s"
    return f"{x * 1000:.0f} ms"


def ratio(a, b):
    if not a or not b:
        return "–"
    r = a / b
    return f"1/{1 / r:.0f}" if r < 0.1 else f"{r:.2f}"


def shorten(cmd, R):
    """Commands as one would type them from the repository root: $CORPUS, $OUT, $PY, and the
    subset's --profile list as $(sed ...) over $OUT/subset-profiles.txt."""
    subs = R.get("paths", {})
    prof = " ".join(f"--profile {p}" for p in R.get("subset", []))
    if prof:
        cmd = cmd.replace(prof, "$(sed 's/^/--profile /' $OUT/subset-profiles.txt)")
    for key in ("out", "corpus", "py", "root"):
        v = subs.get(key)
        if v:
            cmd = cmd.replace(v + "/", {"out": "$OUT/", "corpus": "$CORPUS/", "py": "$PY/",
                                        "root": "./"}[key])
            cmd = cmd.replace(v, {"out": "$OUT", "corpus": "$CORPUS", "py": "$PY", "root": "."}[key])
    return cmd


def report(R):
    m = R["machine"]
    L = []
    L.append(f"Run of {R['started']} – {R.get('finished', '(unfinished)')}, commit `{R['commit']}`.")
    if R.get("portolan_commit"):
        L.append("")
        L.append(f"portolan re-timed with `--only-portolan` at commit `{R['portolan_commit']}`, "
                 f"{R['portolan_timed']}; Portage and pkgcore figures are from the run above (they do "
                 f"not depend on portolan's commit).")
    L.append("")
    L.append(f"Machine: {m['nproc']} cores ({m['cpu']}), {m['mem']} memory, Linux {m['kernel']}, "
             f"Python {m['python']}. Load average (1/5/15 min) at start {R['load_start']}, "
             f"at end {R.get('load_end', '?')}: the machine was shared with other workers' cargo "
             f"builds and tests, so the second core was **not** idle.")
    L.append("")
    L.append("Versions: " + ", ".join(f"{k} {v}" for k, v in R["versions"].items()) + ".")
    L.append("")
    pf = R.get("portolan", {})
    pg = R.get("portage", {})
    pk = R.get("pkgcore", {})
    n_sub = len(R["subset"])
    pgs, pks = pg.get("subset"), pk.get("subset")
    pgf, pkf = pg.get("full"), pk.get("full")
    pkl = pk.get("load")

    def g(d, k):
        return d.get(k) if d else None

    def row(work, po, pgd, pkd, key):
        """po: portolan's dict (hyperfine); pgd/pkd: Portage/pkgcore; key: wall_s or cpu_s."""
        po_v = g(po, "median" if key == "wall_s" else "cpu_s")
        a, b = g(pgd, key), g(pkd, key)
        return (f"| {work} | {fmt_s(po_v)} | {fmt_s(a)} | {fmt_s(b)} | {ratio(po_v, a)} | "
                f"{ratio(po_v, b)} |")

    for key, title in (("wall_s", "Wall-clock time (portolan: median of the hyperfine runs; Portage and "
                                  "pkgcore: median of the runs, or the single run)"),
                       ("cpu_s", "CPU time, user + system (portolan: hyperfine's mean; Portage and pkgcore: "
                                 "the child's rusage, median of the runs): less sensitive to the other "
                                 "workers than wall-clock time")):
        L.append(f"**{title}**")
        L.append("")
        L.append("| Work | portolan | Portage | pkgcore | portolan/Portage | portolan/pkgcore |")
        L.append("|---|---|---|---|---|---|")
        if pgs or pks:
            L.append(row(f"{n_sub} profiles × 1902 versions ({(pgs or pks)['runs']} runs of the Python tools)",
                         pf.get("subset"), pgs, pks, key))
        if pgf or pkf:
            L.append(row("509 profiles × 1902 versions (Python tools: one run"
                         + (", Portage under `nice -n 10`" if pgf else "") + ")", pf.get("full"), pgf, pkf, key))
        elif pf.get("full"):
            L.append(row("509 profiles × 1902 versions (portolan only)", pf.get("full"), None, None, key))
        if pf.get("full-1-thread"):
            L.append(row("509 profiles × 1902 versions, portolan on one thread (`RAYON_NUM_THREADS=1`)",
                         pf.get("full-1-thread"), pgf, pkf, key))
        if pf.get("stack"):
            pg_load = ({"wall_s": pgf["load_s"], "cpu_s": pgf.get("load_cpu_s")} if pgf else None)
            L.append(row("load + stack all 509 profiles (portolan: tree load + stacking + 1 version per "
                         "profile; Portage: its `config` + `portdbapi` timers summed over the full run; "
                         "pkgcore: config + domain + every stacked attribute)",
                         pf.get("stack"), pg_load, pkl, key))
        L.append("")
    pp = R.get("portolan_prev")
    if pp:
        L.append(f"Before the rebase (commit `{pp['commit']}`, single-threaded query, same run as the "
                 f"reference tools), portolan took: " + ", ".join(
                     f"{k} {fmt_s(v['median'])} wall / {fmt_s(v.get('cpu_s'))} CPU" for k, v in pp.items()
                     if isinstance(v, dict)) + ".")
        L.append("")
    pgp = pg.get("full_partial")
    if pgp:
        n = pgp["profiles"]
        po_cpu = g(pf.get("full-1-thread"), "cpu_s") or g(pf.get("full"), "cpu_s")
        pg_cpu = pgp["load_cpu_s"] + pgp["query_cpu_s"]
        L.append(f"**The full Portage run (`nice -n 10`) was interrupted after {n} of 509 profiles** "
                 f"(see the notes). Over those {n} profiles Portage's own timers give "
                 f"{fmt_s((pgp['load_s'] + pgp['query_s']) / n)} wall and {fmt_s(pg_cpu / n)} CPU per "
                 f"profile (`config` etc. {fmt_s(pgp['load_cpu_s'] / n)} CPU, 1902 versions "
                 f"{fmt_s(pgp['query_cpu_s'] / n)} CPU); at that rate all 509 profiles take "
                 f"{fmt_s(pg_cpu / n * 509)} of CPU"
                 + (f", against portolan's {fmt_s(po_cpu)} (whole command, one thread): portolan/Portage = "
                    f"{ratio(po_cpu, pg_cpu / n * 509)} (extrapolated; Portage's figure leaves out its "
                    f"start-up, so the ratio slightly favours Portage)." if po_cpu else "."))
        L.append("")
    if pgf:
        L.append(f"Portage's own per-profile timers in the full run: `config` + `portdbapi` + RootConfig "
                 f"{fmt_s(pgf['load_s'])} wall ({fmt_s(pgf.get('load_cpu_s'))} CPU) in all, "
                 f"the 1902 versions {fmt_s(pgf['query_s'])} wall ({fmt_s(pgf.get('query_cpu_s'))} CPU).")
        L.append("")
    # per profile
    L.append("Per profile, wall / CPU (Portage and pkgcore: their own per-profile timers; portolan: "
             "the whole command's median wall time and CPU time / number of profiles, tree load included):")
    L.append("")
    L.append("| | portolan | Portage load | Portage query | pkgcore load | pkgcore query |")
    L.append("|---|---|---|---|---|---|")

    def per(x, k, n):
        if not x or x.get(k) is None:
            return "–"
        c = x.get(k.replace("_s", "_cpu_s"))
        return fmt_s(x[k] / n) + (f" / {fmt_s(c / n)}" if c is not None else "")
    sub = g(pf.get("subset"), "median")
    full = g(pf.get("full"), "median")

    def po_per(d, n):
        if not d:
            return "–"
        return fmt_s(d["median"] / n) + (f" / {fmt_s(d['cpu_s'] / n)}" if d.get("cpu_s") else "")
    if pgs or pks:
        L.append(f"| subset ({n_sub}) | {po_per(pf.get('subset'), n_sub)} | {per(pgs, 'load_s', n_sub)} | "
                 f"{per(pgs, 'query_s', n_sub)} | {per(pks, 'load_s', n_sub)} | {per(pks, 'query_s', n_sub)} |")
    if full:
        L.append(f"| all 509 | {po_per(pf.get('full'), 509)} | {per(pgf, 'load_s', 509)} | {per(pgf, 'query_s', 509)} | "
                 f"{per(pkf, 'load_s', 509)} | {per(pkf, 'query_s', 509)} |")
    if pgp:
        n = pgp["profiles"]
        L.append(f"| first {n} of 509 (interrupted Portage run) | {po_per(pf.get('full'), 509)} | "
                 f"{per(pgp, 'load_s', n)} | {per(pgp, 'query_s', n)} | – | – |")
    L.append("")
    # agreement
    chk = R.get("checks", {})
    if chk:
        L.append("Same answers? (lines keyed by profile, cpv, repo)")
        L.append("")
        for name, c in chk.items():
            L.append(f"* {name}: {c['lines']} lines" + (f" ({c['profiles']} profiles)" if "profiles" in c else "")
                     + f", {c['missing']} missing on the other side, "
                     f"{c['differ']} differing" + (f" (e.g. {c['examples'][:2]})" if c["differ"] else ""))
        L.append("")
    L.append("Commands, from the repository root, with `CORPUS=../shared/corpus/real`, `OUT` = "
             "the harness's output folder (it holds `stubs/`, the stub trees made by "
             "`shared/tools/stub-repos.py`, and `subset-profiles.txt`) and `PY=.venv/bin/python`:")
    L.append("")
    L.append("```sh")
    for k in ("full", "full-1-thread", "subset", "stack"):
        if k in pf:
            L.append(f"# portolan {k}: {pf[k]['via']}, {pf[k]['runs']} runs (after 1 warm-up), median")
            L.append(shorten(pf[k]["command"], R))
    for tool, d in (("Portage", pg), ("pkgcore", pk)):
        for k, v in d.items():
            L.append(f"# {tool} {k}: {v.get('runs', 1)} run(s)" + (", median" if v.get("runs", 1) > 1 else "")
                     + (f" (interrupted after {v['profiles']} profiles)" if k == "full_partial" else ""))
            L.append(shorten(v["command"], R))
    L.append("```")
    L.append("")
    L.append("Subset: " + ", ".join(f"`{p}`" for p in R.get("subset", [])) + ".")
    L.append("")
    L.append("Raw run times (s): " + "; ".join(
        f"portolan {k} {[round(t, 3) for t in v['times']]}" for k, v in pf.items() if isinstance(v, dict)) + "; " + "; ".join(
        f"{tool} {k} {[round(t, 2) for t in v.get('all_wall_s', [v['wall_s']])]}"
        for tool, d in (("Portage", pg), ("pkgcore", pk)) for k, v in d.items() if "wall_s" in v) + ".")
    return "\n".join(L) + "\n"


def time_portolan(R, a, base, subset, out, use_hf):
    q = shlex.quote
    prof = " ".join(f"--profile {q(p)}" for p in subset)
    # "warm": the binary cache in OUT/cache, filled by hyperfine's warm-up run; "cold": --no-cache
    # (every md5-cache entry and profile file parsed again; the page cache stays warm).
    cold, warm = base + " --no-cache", base + f" --cache-dir {q(out)}/cache"
    cmds = [("subset", f"{warm} {prof} > /dev/null"),
            ("stack", warm + " --all-profiles sys-apps/coreutils-9.11::gentoo > /dev/null"),
            ("stack-cold", cold + " --all-profiles sys-apps/coreutils-9.11::gentoo > /dev/null")]
    if not a.subset_only:
        # portolan evaluates profiles on every core (rayon); the Python tools use one
        cmds.insert(0, ("full-1-thread", "RAYON_NUM_THREADS=1 " + warm + " --all-profiles > /dev/null"))
        cmds.insert(0, ("full-cold", cold + " --all-profiles > /dev/null"))
        cmds.insert(0, ("full", warm + " --all-profiles > /dev/null"))
    res = time_cmds("portolan", cmds, a.portolan_runs, 1, out, use_hf)
    # untimed: the same answers to files, to compare with the reference tools
    sh(f"{base} {prof} > {q(out)}/portolan-subset.jsonl", shell=True)
    return res


# ---------------------------------------------------------------------------------------------
# main


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=os.path.normpath(os.path.join(ROOT, "..", "shared", "corpus", "real")))
    ap.add_argument("--stub-tool", default=None, help="default: shared/tools/stub-repos.py beside the repo")
    ap.add_argument("--out", default=os.path.join(ROOT, "target", "bench-compare"))
    ap.add_argument("--runs", type=int, default=3, help="repeated runs of the Python tools")
    ap.add_argument("--portolan-runs", type=int, default=10)
    ap.add_argument("--no-build", action="store_true", help="use target/release/portolan as it is")
    ap.add_argument("--no-portage-full", action="store_true", help="skip the ~30 min full Portage run")
    ap.add_argument("--pkgcore-full", action="store_true", help="also the full pkgcore query (~8 min)")
    ap.add_argument("--subset-only", action="store_true", help="quick check: subset steps only")
    ap.add_argument("--report-only", action="store_true", help="rebuild the report from OUT/results.json")
    ap.add_argument("--only-portolan", action="store_true",
                    help="re-time portolan only (e.g. after a rebase) into an existing OUT/results.json; "
                         "the previous portolan figures are kept as portolan_prev")
    ap.add_argument("--save", action="store_true", help="with --report-only: write what it added back")
    a = ap.parse_args()

    out = os.path.abspath(a.out)
    os.makedirs(out, exist_ok=True)
    res_path = os.path.join(out, "results.json")
    if a.report_only:
        with open(res_path) as f:
            R = json.load(f)
        R.setdefault("paths", {"out": out, "corpus": os.path.abspath(a.corpus),
                               "py": os.path.join(ROOT, ".venv", "bin", "python"), "root": ROOT})
        partial = os.path.join(out, "portage-full.json.partial")
        if "full" not in R.get("portage", {}) and os.path.exists(partial):
            # The full Portage run was interrupted: report the profiles it finished.
            with open(partial) as f:
                pp = json.load(f)["per_profile"]
            R["portage"]["full_partial"] = {
                "profiles": len(pp),
                **{k: sum(p[k] for p in pp) for k in ("load_s", "query_s", "load_cpu_s", "query_cpu_s")},
                "command": shlex.join(["nice", "-n", "10", R["paths"]["py"], os.path.join(HERE, "portage_bench.py"),
                                       "--stub-dir", os.path.join(out, "stubs"), "--oracle",
                                       os.path.join(ROOT, "oracle"), "--results",
                                       os.path.join(out, "portage-full.json"), "--all-profiles", "--progress",
                                       "--output", os.path.join(out, "portage-full.jsonl")]),
            }
            a_, b_ = os.path.join(out, "portage-full.jsonl"), os.path.join(out, "portolan-full.jsonl")
            if os.path.exists(a_) and os.path.exists(b_):
                R.setdefault("checks", {})[
                    "portolan vs Portage, every profile the interrupted full run finished, every field"
                ] = compare_outputs(a_, b_)
            R.setdefault("finished", time.strftime("%Y-%m-%d %H:%M:%S %Z") + " (full Portage run stopped)")
            R.setdefault("load_end", loadavg())
        if a.save:
            with open(res_path, "w") as f:
                json.dump(R, f, indent=1)
        sys.stdout.write(report(R))
        return

    def save():
        with open(res_path, "w") as f:
            json.dump(R, f, indent=1)
        with open(os.path.join(out, "results.md"), "w") as f:
            f.write(report(R))

    corpus = os.path.abspath(a.corpus)
    conf = os.path.join(corpus, "repos.conf")
    stub_tool = a.stub_tool or os.path.normpath(os.path.join(ROOT, "..", "shared", "tools", "stub-repos.py"))
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    prev = None
    if a.only_portolan:
        with open(res_path) as f:
            prev = json.load(f)
    R = {"started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "commit": commit,
         "paths": {"out": out, "corpus": corpus, "py": os.path.join(ROOT, ".venv", "bin", "python"),
                   "root": ROOT},
         "machine": machine_notes(), "load_start": loadavg(), "versions": {}}

    # --- set-up (not timed) ---------------------------------------------------------------
    if not a.no_build:
        sh(["cargo", "build", "--release", "--quiet", "-p", "portolan"], cwd=ROOT)
    portolan = os.path.join(ROOT, "target", "release", "portolan")
    py = sh([os.path.join(ROOT, "scripts", "setup-oracles.sh")], capture_output=True,
            text=True).stdout.strip()
    req = os.path.join(ROOT, "bench", "requirements.txt")
    ok = subprocess.run([py, "-c", "import sys\nfrom importlib.metadata import version\n"
                         "sys.exit(any(version(n) != v for n, v in (l.split('#')[0].strip().split('==') "
                         "for l in open(sys.argv[1]) if l.split('#')[0].strip())))", req],
                        capture_output=True).returncode == 0
    if not ok:
        sh([py, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", req])
    stubs = os.path.join(out, "stubs")
    if not os.path.exists(os.path.join(stubs, "repos.conf")):
        sh([sys.executable, stub_tool, corpus, stubs], stdout=subprocess.DEVNULL)
    use_hf = shutil.which("hyperfine") is not None
    R["versions"] = {
        "portolan": subprocess.run([portolan, "--version"], capture_output=True, text=True).stdout.split()[-1],
        "Portage": subprocess.run([py, "-c", "import portage; print(portage.VERSION)"],
                                  capture_output=True, text=True, env={"PATH": os.environ["PATH"]}).stdout.strip(),
        "pkgcore": subprocess.run([py, "-c", "from importlib.metadata import version; print(version('pkgcore'))"],
                                  capture_output=True, text=True).stdout.strip(),
        "Python (tools)": subprocess.run([py, "-c", "import platform; print(platform.python_version())"],
                                         capture_output=True, text=True).stdout.strip(),
        "hyperfine": (subprocess.run(["hyperfine", "--version"], capture_output=True, text=True).stdout.split()[-1]
                      if use_hf else "not installed"),
    }
    all_profiles = [json.loads(l)["profile"] for l in subprocess.run(
        [portolan, "--repos-conf", conf, "profiles", "--json"], capture_output=True, text=True,
        check=True).stdout.splitlines() if l.strip()]
    subset = pick_subset(all_profiles)
    R["subset"] = subset
    subset_file = os.path.join(out, "subset-profiles.txt")
    with open(subset_file, "w") as f:
        f.write("".join(p + "\n" for p in subset))
    if prev is not None:
        new = R
        R = prev
        R["portolan_prev"] = {"commit": prev.get("portolan_commit", prev["commit"]), **prev["portolan"]}
        R["portolan_commit"] = commit
        R["portolan_timed"] = f"{new['started']} (load average {new['load_start']})"
        R["versions"]["portolan"] = new["versions"]["portolan"]
    save()

    # --- portolan --------------------------------------------------------------------------
    q = shlex.quote
    base = f"{q(portolan)} --repos-conf {q(conf)} query --json"
    R["portolan"] = time_portolan(R, a, base, subset, out, use_hf)
    save()
    if a.only_portolan:
        # the reference tools' figures stay; the answers are compared again with this binary
        R["checks"]["portolan vs Portage, subset, every field"] = compare_outputs(
            os.path.join(out, "portage-subset.jsonl"), os.path.join(out, "portolan-subset.jsonl"))
        sh(base + f" --all-profiles > {q(out)}/portolan-full.jsonl", shell=True)
        save()
        sys.stdout.write(report(R))
        return

    # --- pkgcore -----------------------------------------------------------------------------
    pk_script = os.path.join(HERE, "pkgcore_bench.py")
    R["pkgcore"] = {}
    runs = []
    for i in range(a.runs):
        rf = os.path.join(out, f"pkgcore-load-{i}.json")
        runs.append(timed_process([py, pk_script, "--stub-dir", stubs, "--results", rf, "--all-profiles"], rf))
    R["pkgcore"]["load"] = summarise_runs(runs)
    save()
    runs = []
    for i in range(a.runs):
        rf = os.path.join(out, f"pkgcore-subset-{i}.json")
        runs.append(timed_process([py, pk_script, "--stub-dir", stubs, "--results", rf, "--query",
                                   "--profiles-from", subset_file, "--output", os.path.join(out, "pkgcore-subset.jsonl")], rf))
    R["pkgcore"]["subset"] = summarise_runs(runs)
    save()

    # --- Portage subset --------------------------------------------------------------------------
    pg_script = os.path.join(HERE, "portage_bench.py")
    oracle = os.path.join(ROOT, "oracle")
    R["portage"] = {}
    runs = []
    for i in range(a.runs):
        rf = os.path.join(out, f"portage-subset-{i}.json")
        runs.append(timed_process([py, pg_script, "--stub-dir", stubs, "--oracle", oracle, "--results", rf,
                                   "--profiles-from", subset_file, "--output", os.path.join(out, "portage-subset.jsonl")], rf))
    R["portage"]["subset"] = summarise_runs(runs)
    R["checks"] = {
        "portolan vs Portage, subset, every field": compare_outputs(
            os.path.join(out, "portage-subset.jsonl"), os.path.join(out, "portolan-subset.jsonl")),
        "pkgcore vs Portage, subset, visible + use": compare_outputs(
            os.path.join(out, "portage-subset.jsonl"), os.path.join(out, "pkgcore-subset.jsonl"),
            fields=["visible", "use"]),
    }
    save()

    # --- full runs (once each) ------------------------------------------------------------------
    if not a.subset_only and not a.no_portage_full:
        rf = os.path.join(out, "portage-full.json")
        r = timed_process(["nice", "-n", "10", py, pg_script, "--stub-dir", stubs, "--oracle", oracle,
                           "--results", rf, "--all-profiles", "--progress",
                           "--output", os.path.join(out, "portage-full.jsonl")], rf)
        R["portage"]["full"] = {k: r.get(k) for k in ("wall_s", "cpu_s", "process_s", "import_s", "load_s", "query_s",
                                                    "load_cpu_s", "query_cpu_s", "command", "profiles",
                                                    "lines", "version")}
        save()
        sh(base + f" --all-profiles > {q(out)}/portolan-full.jsonl", shell=True)
        R["checks"]["portolan vs Portage, all 509 profiles, every field"] = compare_outputs(
            os.path.join(out, "portage-full.jsonl"), os.path.join(out, "portolan-full.jsonl"))
    if not a.subset_only and a.pkgcore_full:
        rf = os.path.join(out, "pkgcore-full.json")
        r = timed_process([py, pk_script, "--stub-dir", stubs, "--results", rf, "--query", "--all-profiles",
                           "--output", os.path.join(out, "pkgcore-full.jsonl")], rf)
        R["pkgcore"]["full"] = {k: r.get(k) for k in ("wall_s", "cpu_s", "process_s", "import_s", "load_s", "query_s",
                                                    "load_cpu_s", "query_cpu_s", "command", "profiles",
                                                    "lines", "version")}
        save()
        if R["portage"].get("full"):
            R["checks"]["pkgcore vs Portage, all 509 profiles, visible + use"] = compare_outputs(
                os.path.join(out, "portage-full.jsonl"), os.path.join(out, "pkgcore-full.jsonl"),
                fields=["visible", "use"])
            save()
    R["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    R["load_end"] = loadavg()
    save()
    sys.stdout.write(report(R))


if __name__ == "__main__":
    main()
