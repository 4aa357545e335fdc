#!/usr/bin/env python3
"""Time `portolan check` against `emerge --pretend` in one run on one machine and print a markdown
report (medians, ratios, per-cell figures, verdict agreement, the exact commands).

The work: can each profile's @system set be installed?

* portolan (release binary, hyperfine, --portolan-runs runs after 1 warm-up): `check` of all 509
  profiles, and of the 23 profiles emerge is run on (every genpack-overlay and coreos-overlay
  profile plus gentoo:default/linux/amd64/23.0/systemd, `--profile` repeated).
* emerge --pretend (oracle/emerge_oracle.py's run_cell, same isolation, no --audit): the same 23
  cells one after another under `nice -n 10`, --emerge-runs times. Each cell's emerge process is
  timed alone: wall clock around it and CPU (user + system) from the rusage of that child. The
  oracle's probe (a second Portage process run only when emerge says "there are no ebuilds to
  satisfy", to classify the cause) is timed apart and is not part of emerge's figure.
* Agreement: portolan's verdicts for the 23 cells (an untimed run of the same binary) against
  every emerge run: emerge resolved <-> portolan installable, and oracle/compare_check.py's
  stricter rule (same root-cause package and kind family).
* pkgcheck (optional, --pkgcheck-venv DIR with pkgcheck installed): `pkgcheck scan -c
  VisibilityCheck` over the stub trees for the same profiles.

Each step saves its figures in OUT/results.json as soon as it ends; `--report-only` rebuilds the
markdown from that file. Plain python3; emerge runs in the repository's venv
(scripts/setup-oracles.sh), this script re-running itself there with --emerge-worker.

usage: python3 bench/harness/check_compare.py [--out DIR] [--portolan-runs N] [--emerge-runs N]
                                              [--no-build] [--pkgcheck-venv DIR] [--report-only]
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
import tempfile
import time
import types

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
ORACLE = os.path.join(ROOT, "oracle")
EXTRA_PROFILE = "gentoo:default/linux/amd64/23.0/systemd"
EMERGE_REPOS = ("genpack-overlay", "coreos-overlay")


def log(msg):
    print(f"[check_compare {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def sh(cmd, **kw):
    log("$ " + (cmd if isinstance(cmd, str) else shlex.join(cmd)))
    return subprocess.run(cmd, check=True, **kw)


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def median(xs):
    return statistics.median(xs) if xs else None


def machine_notes():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return {"nproc": os.cpu_count(), "cpu": cpu, "mem": mem, "kernel": platform.release(),
            "python": platform.python_version()}


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# ---------------------------------------------------------------------------------------------
# emerge worker (runs in the venv: run_cell starts `sys.executable -c DRIVER`, which imports
# Portage)


def emerge_worker(a):
    sys.path.insert(0, ORACLE)
    sys.dont_write_bytecode = True
    import emerge_oracle as eo

    timings = []  # one per subprocess.run of the current cell: (what, wall, cpu)
    real_run = subprocess.run

    def timed_run(cmd, *args, **kw):
        # Cells run one at a time in this process, so the RUSAGE_CHILDREN delta around a child is
        # exactly that child's CPU time.
        what = "emerge" if len(cmd) > 2 and cmd[2] == eo.DRIVER else "probe"
        t, c = time.perf_counter(), children_cpu()
        r = real_run(cmd, *args, **kw)
        timings.append((what, time.perf_counter() - t, children_cpu() - c))
        return r

    eo.subprocess = types.SimpleNamespace(run=timed_run, PIPE=subprocess.PIPE)
    with open(a.profiles_from) as f:
        profiles = [l.strip() for l in f if l.strip()]
    scratch = tempfile.mkdtemp(prefix="portolan-check-compare-")
    out = []
    try:
        with open(a.records, "w") as rf:
            for i, p in enumerate(profiles, 1):
                timings.clear()
                t = time.perf_counter()
                rec, _secs, _viol = eo.run_cell((p, "@system", a.stub_dir, scratch, None))
                cell_wall = time.perf_counter() - t
                em = [x for x in timings if x[0] == "emerge"]
                pr = [x for x in timings if x[0] == "probe"]
                row = {"profile": p, "resolved": rec["resolved"], "packages": len(rec["packages"]),
                       "cycle": rec["cycle"], "exit": rec["exit"],
                       "wall_s": sum(x[1] for x in em), "cpu_s": sum(x[2] for x in em),
                       "probe_wall_s": sum(x[1] for x in pr), "probe_cpu_s": sum(x[2] for x in pr),
                       "cell_wall_s": cell_wall}
                out.append(row)
                rf.write(json.dumps(rec, separators=(",", ":")) + "\n")
                rf.flush()
                log(f"[emerge] {i}/{len(profiles)} {p}: {'resolved' if rec['resolved'] else 'fails'} "
                    f"emerge {row['wall_s']:.1f}s wall {row['cpu_s']:.1f}s cpu"
                    + (f", probe {row['probe_wall_s']:.1f}s" if pr else ""))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    with open(a.results, "w") as f:
        json.dump({"portage": _portage_version(), "cells": out}, f, indent=1)


def _portage_version():
    import portage  # noqa: the venv's
    return portage.VERSION


# ---------------------------------------------------------------------------------------------
# pkgcheck (optional)

PKGCHECK_RUNNER = """import sys
from snakeoil.process import spawn
# pkgcore refuses bash < 5.3 (EAPI 9); stub ebuilds + md5-cache: nothing is sourced with bash
spawn.bash_version.cached_result = "5.3.0"
from pkgcheck.scripts import run
sys.exit(run("pkgcheck"))
"""


def pkgcheck_step(R, a, out, stubs, p23):
    pyk = os.path.join(os.path.abspath(a.pkgcheck_venv), "bin", "python")
    d = os.path.join(out, "pkgcheck")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "config"))
    os.makedirs(os.path.join(d, "home"))
    runner = os.path.join(d, "run_pkgcheck.py")
    with open(runner, "w") as f:
        f.write(PKGCHECK_RUNNER)
    # a Portage-style config dir for pkgcore: the stub repos.conf, make.profile -> a gentoo profile
    # (the scans name their profiles with --profiles; the domain only needs one)
    shutil.copy(os.path.join(stubs, "repos.conf"), os.path.join(d, "config", "repos.conf"))
    os.symlink(os.path.join(stubs, "gentoo", "profiles", EXTRA_PROFILE.split(":", 1)[1]),
               os.path.join(d, "config", "make.profile"))
    env = {"PATH": os.environ["PATH"], "HOME": os.path.join(d, "home"), "LC_ALL": "C.UTF-8"}
    version = subprocess.run([pyk, runner, "--version"], capture_output=True, text=True, env=env).stdout.split()[1]
    by_repo = {}
    for p in p23:
        repo, path = p.split(":", 1)
        by_repo.setdefault(repo, []).append(path)
    scans = []
    cache = os.path.join(d, "cache")
    for repo, paths in by_repo.items():
        shutil.rmtree(cache, ignore_errors=True)  # VisibilityCheck needs the profiles cache: build it fresh
        cmd = ["nice", "-n", "10", pyk, runner, "--config", os.path.join(d, "config"), "scan", "-r",
               os.path.join(stubs, repo), "-c", "VisibilityCheck", "--profiles", ",".join(paths),
               "--cache-dir", cache, "-j", "1", "--exit="]
        log("$ " + shlex.join(cmd))
        t, c = time.perf_counter(), children_cpu()
        r = subprocess.run(cmd, capture_output=True, text=True, env=env)
        wall, cpu = time.perf_counter() - t, children_cpu() - c
        with open(os.path.join(d, f"{repo}.out"), "w") as f:
            f.write(r.stdout + r.stderr)
        scans.append({"repo": repo, "profiles": len(paths), "wall_s": wall, "cpu_s": cpu, "exit": r.returncode,
                      "results": sum(1 for l in r.stdout.splitlines() if l.startswith("  "))})
    R["pkgcheck"] = {"version": version, "scans": scans}
    R["versions"]["pkgcheck"] = version
    R["commands"] += [
        "# pkgcheck VisibilityCheck (optional): run_pkgcheck.py sets snakeoil's cached bash version to 5.3.0, "
        "then runs pkgcheck; config/ = repos.conf of the stubs + make.profile; per repository REPO with its "
        "profiles PROFILES (comma-separated), a fresh cache each scan",
        "nice -n 10 $PKGCHECK_VENV/bin/python $OUT/pkgcheck/run_pkgcheck.py --config $OUT/pkgcheck/config scan "
        "-r $OUT/stubs/REPO -c VisibilityCheck --profiles PROFILES --cache-dir $OUT/pkgcheck/cache -j 1 --exit=",
    ]


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
    if x >= 0.01:
        return f"{x * 1000:.0f} ms"
    return f"{x * 1000:.1f} ms"


def ratio(a, b):
    if not a or not b:
        return "–"
    r = a / b
    return f"1/{1 / r:.0f}" if r < 0.1 else f"{r:.2f}"


def emerge_summary(R):
    """Per cell: median over the emerge runs of wall and CPU; totals: median of per-run sums."""
    runs = R.get("emerge", {}).get("runs", [])
    if not runs:
        return None
    profiles = [c["profile"] for c in runs[0]["cells"]]
    per = {}
    for p in profiles:
        cs = [next(c for c in r["cells"] if c["profile"] == p) for r in runs]
        per[p] = {k: median([c[k] for c in cs]) for k in ("wall_s", "cpu_s", "probe_wall_s", "probe_cpu_s",
                                                          "cell_wall_s")}
        per[p]["resolved"] = [c["resolved"] for c in cs]
        per[p]["packages"] = cs[0]["packages"]
        per[p]["cycle"] = cs[0]["cycle"]
        per[p]["all_wall_s"] = [c["wall_s"] for c in cs]
    tot = {k: median([sum(c[k] for c in r["cells"]) for r in runs])
           for k in ("wall_s", "cpu_s", "probe_wall_s", "probe_cpu_s", "cell_wall_s")}
    tot["all_wall_s"] = [sum(c["wall_s"] for c in r["cells"]) for r in runs]
    tot["all_cpu_s"] = [sum(c["cpu_s"] for c in r["cells"]) for r in runs]
    return {"profiles": profiles, "per": per, "total": tot, "runs": len(runs)}


def report(R):
    m = R["machine"]
    L = []
    L.append(f"Run of {R['started']} – {R.get('finished', '(unfinished)')}, commit `{R['commit']}`.")
    L.append("")
    L.append(f"Machine: {m['nproc']} cores ({m['cpu']}), {m['mem']} memory, Linux {m['kernel']}. "
             f"Load average (1/5/15 min) at start {R['load_start']}, at end {R.get('load_end', '?')}: "
             f"the machine was **shared** with other workers' cargo builds and tests, so neither core "
             f"was idle; CPU time is the steadier figure.")
    L.append("")
    L.append("Versions: " + ", ".join(f"{k} {v}" for k, v in R["versions"].items()) + ".")
    L.append("")
    po = R.get("portolan", {})
    es = emerge_summary(R)
    n = len(R["profiles23"])
    p23, pall = po.get("23"), po.get("all")
    L.append(f"**@system of {n} profiles** (portolan: median wall of {p23['runs'] if p23 else '?'} hyperfine "
             f"runs, mean CPU; emerge: one `emerge --pretend` process per cell, cells one after another "
             f"under `nice -n 10`, the sum over the cells, median of {es['runs'] if es else '?'} runs; "
             f"CPU = user + system)")
    L.append("")
    L.append("| Work | cells | portolan wall | portolan CPU | emerge wall | emerge CPU | portolan/emerge wall | "
             "portolan/emerge CPU |")
    L.append("|---|---|---|---|---|---|---|---|")
    if p23 and es:
        t = es["total"]
        L.append(f"| `check`, {n} profiles (tree load included) | {n} | {fmt_s(p23['median'])} | "
                 f"{fmt_s(p23['cpu_s'])} | {fmt_s(t['wall_s'])} | {fmt_s(t['cpu_s'])} | "
                 f"{ratio(p23['median'], t['wall_s'])} | {ratio(p23['cpu_s'], t['cpu_s'])} |")
        L.append(f"| per cell (portolan: the above / {n}; emerge: mean of the cells) | 1 | "
                 f"{fmt_s(p23['median'] / n)} | {fmt_s(p23['cpu_s'] / n)} | {fmt_s(t['wall_s'] / n)} | "
                 f"{fmt_s(t['cpu_s'] / n)} | {ratio(p23['median'], t['wall_s'])} | "
                 f"{ratio(p23['cpu_s'], t['cpu_s'])} |")
    if pall:
        L.append(f"| `check --all-profiles` (emerge not run: the 23 cells are no sample of the 509, so no "
                 f"extrapolation) | 509 | {fmt_s(pall['median'])} | {fmt_s(pall['cpu_s'])} | – | – | – | – |")
        L.append(f"| per cell of `--all-profiles` | 1 | {fmt_s(pall['median'] / 509)} | {fmt_s(pall['cpu_s'] / 509)} "
                 f"| – | – | – | – |")
    L.append("")
    if es:
        t = es["total"]
        L.append(f"Not in emerge's figures: the oracle's probe (a second Portage process, only for cells "
                 f"where emerge says \"there are no ebuilds to satisfy\"; it classifies the cause) "
                 f"{fmt_s(t['probe_wall_s'])} wall / {fmt_s(t['probe_cpu_s'])} CPU over the {n} cells; the whole "
                 f"oracle (scratch root, emerge, probe, parsing) {fmt_s(t['cell_wall_s'])} wall.")
        L.append("")
        L.append("Per cell (emerge: median of the runs; portolan answers all cells in one process and has no "
                 "per-cell time, its per-cell figure is the 23-profile run / 23):")
        L.append("")
        L.append("| profile | emerge | packages | emerge wall | emerge CPU | probe wall | portolan | agree? |")
        L.append("|---|---|---|---|---|---|---|---|")
        agree = {c["profile"]: c for c in R.get("agreement", {}).get("cells", [])}
        for p in es["profiles"]:
            d = es["per"][p]
            a = agree.get(p, {})
            verdict = ("resolved" + (" (build cycle)" if d["cycle"] else "")) if d["resolved"][0] else "fails"
            if len(set(d["resolved"])) > 1:
                verdict += f" (runs differ: {d['resolved']})"
            L.append(f"| `{p}` | {verdict} | {d['packages'] or '–'} | {fmt_s(d['wall_s'])} | {fmt_s(d['cpu_s'])} | "
                     f"{fmt_s(d['probe_wall_s']) if d['probe_wall_s'] else '–'} | {a.get('portolan', '?')} | "
                     f"{a.get('agree', '?')} |")
        L.append("")
    ag = R.get("agreement")
    if ag:
        L.append(f"Agreement (portolan's untimed run of the same binary against each of the {ag['runs']} emerge "
                 f"runs): verdicts (emerge resolved ↔ portolan installable) agree on "
                 f"{ag['verdict_agree']}/{ag['n']} cells in every run; `oracle/compare_check.py`'s rule "
                 f"(also the same root-cause package and kind family where emerge fails) holds on "
                 f"{ag['judge_agree']}/{ag['n']}; where both resolve, portolan's solution is the very set "
                 f"of versions emerge's depgraph merges on {ag['same_packages']}/{ag['both_resolve']} cells. "
                 f"emerge's verdicts were the same in every run: {'yes' if ag['emerge_stable'] else '**no**'}.")
        L.append("")
    pk = R.get("pkgcheck")
    if pk:
        L.append(f"**pkgcheck {pk['version']} `VisibilityCheck`** over the same 23 profiles (one scan per repository, "
                 f"each scanning that repository's own packages under its profiles; `-j 1`, a fresh profiles "
                 f"cache each scan, `nice -n 10`, one run). This is *not* the same work: it checks that every "
                 f"dependency of every version in the scanned repository has a visible match under each "
                 f"profile (results: NonsolvableDeps*, NonexistentDeps, VisibleVcsPkg, ...), not that a set "
                 f"installs as a whole; it is a reference for the cost of a whole-repository visibility scan.")
        L.append("")
        L.append("| scan | profiles | wall | CPU | results | exit |")
        L.append("|---|---|---|---|---|---|")
        for sc in pk["scans"]:
            L.append(f"| `{sc['repo']}` | {sc['profiles']} | {fmt_s(sc['wall_s'])} | {fmt_s(sc['cpu_s'])} | "
                     f"{sc['results']} | {sc['exit']} |")
        L.append(f"| total | {sum(x['profiles'] for x in pk['scans'])} | {fmt_s(sum(x['wall_s'] for x in pk['scans']))} "
                 f"| {fmt_s(sum(x['cpu_s'] for x in pk['scans']))} | {sum(x['results'] for x in pk['scans'])} | |")
        L.append("")
    L.append("Commands, from the repository root, with `CORPUS=../shared/corpus/real`, `OUT` = the harness's "
             "output folder (`stubs/` = the stub trees made by `shared/tools/stub-repos.py`, "
             "`profiles23.txt` = the 23 profiles, one a line) and `PY=.venv/bin/python`:")
    L.append("")
    L.append("```sh")
    for line in R.get("commands", []):
        L.append(line)
    L.append("```")
    L.append("")
    L.append("Profiles: " + ", ".join(f"`{p}`" for p in R["profiles23"]) + ".")
    L.append("")
    raw = []
    for k, v in po.items():
        raw.append(f"portolan {k} {[round(t, 3) for t in v['times']]}")
    if es:
        raw.append(f"emerge total wall per run {[round(t, 1) for t in es['total']['all_wall_s']]}, "
                   f"CPU per run {[round(t, 1) for t in es['total']['all_cpu_s']]}")
    L.append("Raw run times (s): " + "; ".join(raw) + ".")
    return "\n".join(L) + "\n"


# ---------------------------------------------------------------------------------------------
# main


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=os.path.normpath(os.path.join(ROOT, "..", "shared", "corpus", "real")))
    ap.add_argument("--stub-tool", default=None, help="default: shared/tools/stub-repos.py beside the repo")
    ap.add_argument("--out", default=os.path.join(ROOT, "target", "check-compare"))
    ap.add_argument("--portolan-runs", type=int, default=10)
    ap.add_argument("--emerge-runs", type=int, default=3)
    ap.add_argument("--no-build", action="store_true", help="use target/release/portolan as it is")
    ap.add_argument("--no-emerge", action="store_true", help="portolan only (quick check)")
    ap.add_argument("--pkgcheck-venv", help="a venv with pkgcheck: also time its VisibilityCheck")
    ap.add_argument("--report-only", action="store_true", help="rebuild the report from OUT/results.json")
    # internal: the emerge step, run in the venv
    ap.add_argument("--emerge-worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--stub-dir", help=argparse.SUPPRESS)
    ap.add_argument("--profiles-from", help=argparse.SUPPRESS)
    ap.add_argument("--records", help=argparse.SUPPRESS)
    ap.add_argument("--results", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.emerge_worker:
        return emerge_worker(a)

    out = os.path.abspath(a.out)
    os.makedirs(out, exist_ok=True)
    res_path = os.path.join(out, "results.json")
    if a.report_only:
        with open(res_path) as f:
            R = json.load(f)
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
    R = {"started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "commit": commit,
         "machine": machine_notes(), "load_start": loadavg(), "versions": {}, "commands": []}

    # --- set-up (not timed) -------------------------------------------------------------------
    if not a.no_build:
        sh(["cargo", "build", "--release", "--quiet", "-p", "portolan"], cwd=ROOT)
    portolan = os.path.join(ROOT, "target", "release", "portolan")
    py = sh([os.path.join(ROOT, "scripts", "setup-oracles.sh")], capture_output=True, text=True).stdout.strip()
    stubs = os.path.join(out, "stubs")
    if not os.path.exists(os.path.join(stubs, "repos.conf")):
        sh([sys.executable, stub_tool, corpus, stubs], stdout=subprocess.DEVNULL)
    R["versions"] = {
        "portolan": subprocess.run([portolan, "--version"], capture_output=True, text=True).stdout.split()[-1],
        "Portage": subprocess.run([py, "-c", "import portage; print(portage.VERSION)"], capture_output=True,
                                  text=True, env={"PATH": os.environ["PATH"]}).stdout.strip(),
        "Python (emerge)": subprocess.run([py, "-c", "import platform; print(platform.python_version())"],
                                          capture_output=True, text=True).stdout.strip(),
        "hyperfine": subprocess.run(["hyperfine", "--version"], capture_output=True, text=True).stdout.split()[-1],
        "rustc": subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.split()[1],
    }
    all_profiles = [json.loads(l)["profile"] for l in subprocess.run(
        [portolan, "--repos-conf", conf, "profiles", "--json"], capture_output=True, text=True,
        check=True).stdout.splitlines() if l.strip()]
    p23 = [p for p in all_profiles if p.split(":", 1)[0] in EMERGE_REPOS] + [EXTRA_PROFILE]
    R["profiles23"] = p23
    R["all_profiles"] = len(all_profiles)
    p23_file = os.path.join(out, "profiles23.txt")
    with open(p23_file, "w") as f:
        f.write("".join(p + "\n" for p in p23))
    save()

    # --- portolan (hyperfine) -----------------------------------------------------------------
    q = shlex.quote
    base = f"{q(portolan)} --repos-conf {q(conf)} check --format json"
    prof_args = " ".join(f"--profile {q(p)}" for p in p23)
    cmds = [("all", base + " --all-profiles -o /dev/null"),
            ("23", base + " " + prof_args + " -o /dev/null")]
    exp = os.path.join(out, "hyperfine-check.json")
    # check exits 1 when a cell is not installable: that is an answer, not a failure
    hf = ["hyperfine", "--runs", str(a.portolan_runs), "--warmup", "1", "--ignore-failure",
          "--export-json", exp, "--style", "basic"]
    for label, cmd in cmds:
        hf += ["-n", label, cmd]
    sh(hf, stdout=sys.stderr)
    with open(exp) as f:
        data = json.load(f)
    R["portolan"] = {}
    for r in data["results"]:
        R["portolan"][r["command"]] = {
            "median": r["median"], "mean": r["mean"], "min": r["min"], "max": r["max"],
            "cpu_s": r["user"] + r["system"], "runs": len(r["times"]), "times": r["times"],
            "command": dict(cmds)[r["command"]], "exit_codes": sorted(set(r.get("exit_codes", []))),
        }
    R["commands"] += [
        f"# portolan: hyperfine, {a.portolan_runs} runs after 1 warm-up (exit 1 = some cell not installable)",
        "hyperfine --runs %d --warmup 1 --ignore-failure --export-json $OUT/hyperfine-check.json \\" % a.portolan_runs,
        "  -n all './target/release/portolan --repos-conf $CORPUS/repos.conf check --format json --all-profiles -o /dev/null' \\",
        "  -n 23 \"./target/release/portolan --repos-conf $CORPUS/repos.conf check --format json "
        "$(sed 's/^/--profile /' $OUT/profiles23.txt | tr '\\n' ' ')-o /dev/null\"",
        "# portolan's verdicts for the agreement check (untimed)",
        "./target/release/portolan --repos-conf $CORPUS/repos.conf check --format json "
        "$(sed 's/^/--profile /' $OUT/profiles23.txt) -o $OUT/portolan-23.jsonl",
    ]
    # untimed: the verdicts, for the agreement check
    p23_json = os.path.join(out, "portolan-23.jsonl")
    r = subprocess.run(base + " " + prof_args + f" -o {q(p23_json)}", shell=True)
    if r.returncode not in (0, 1):
        sys.exit(f"portolan check failed ({r.returncode})")
    save()

    # --- emerge --------------------------------------------------------------------------------
    if not a.no_emerge:
        R["emerge"] = {"runs": []}
        for i in range(a.emerge_runs):
            rf = os.path.join(out, f"emerge-{i}.json")
            recs = os.path.join(out, f"emerge-{i}.jsonl")
            cmd = ["nice", "-n", "10", py, os.path.abspath(__file__), "--emerge-worker", "--stub-dir", stubs,
                   "--profiles-from", p23_file, "--records", recs, "--results", rf]
            t = time.perf_counter()
            sh(cmd)
            with open(rf) as f:
                run = json.load(f)
            run["wall_s"] = time.perf_counter() - t
            R["emerge"]["runs"].append(run)
            R["versions"]["Portage"] = run["portage"]
            save()
        R["commands"] += [
            f"# emerge --pretend: {a.emerge_runs} runs of the 23 cells, one cell at a time; this script's worker "
            "calls oracle/emerge_oracle.py's run_cell (no --audit) and times each emerge child",
            "for i in $(seq 0 %d); do nice -n 10 $PY bench/harness/check_compare.py --emerge-worker "
            "--stub-dir $OUT/stubs --profiles-from $OUT/profiles23.txt --records $OUT/emerge-$i.jsonl "
            "--results $OUT/emerge-$i.json; done" % (a.emerge_runs - 1),
            "# what each cell's emerge process runs (emerge_oracle.py's DRIVER around emerge_main):",
            "#   $PY -c \"$DRIVER\" --pretend --quiet --color=n --with-bdeps=y --autounmask=n @system",
            "# the same cells with the oracle's own CLI (no timing):",
            "$PY oracle/emerge_oracle.py --corpus $CORPUS --stub-dir $OUT/stubs $(cat $OUT/profiles23.txt)",
            "# agreement",
            "python3 oracle/compare_check.py --emerge $OUT/emerge-0.jsonl --portolan $OUT/portolan-23.jsonl",
        ]
        # --- agreement -------------------------------------------------------------------------
        sys.path.insert(0, ORACLE)
        sys.dont_write_bytecode = True
        import compare_check as cc
        with open(p23_json) as f:
            pc = {c["profile"]: c for c in (json.loads(l) for l in f if l.strip()) if c["set"] == "@system"}
        runs = []
        for i in range(a.emerge_runs):
            with open(os.path.join(out, f"emerge-{i}.jsonl")) as f:
                runs.append([json.loads(l) for l in f if l.strip()])
        cells = []
        verdict_all = judge_all = same = both = 0
        for j, e in enumerate(runs[0]):
            p = pc.get(e["profile"])
            v_ok = all(p is not None and r[j]["resolved"] == p["installable"] for r in runs)
            j_ok = all(cc.judge(r[j], p)[0] for r in runs)
            verdict_all += v_ok
            judge_all += j_ok
            if e["resolved"] and p and p["installable"]:
                both += 1
                same += cc.fmt_packages(e, p) == "identical"
            note = cc.judge(e, p)[1]
            cells.append({"profile": e["profile"],
                          "portolan": ("installable (%d)" % len(p["solution"]) if p["installable"] else
                                       "not installable: " + "/".join(sorted({x["kind"] for x in p["problems"]})))
                          if p else "–",
                          "agree": ("yes" if v_ok and j_ok else "**NO**") + (f" ({note})" if note else ""),
                          "packages": cc.fmt_packages(e, p)})
        R["agreement"] = {"cells": cells, "runs": len(runs), "verdict_agree": verdict_all,
                          "judge_agree": judge_all, "n": len(cells), "both_resolve": both,
                          "same_packages": same,
                          "emerge_stable": all([c["resolved"] for c in r] == [c["resolved"] for c in runs[0]]
                                               for r in runs)}
        save()
    if a.pkgcheck_venv:
        pkgcheck_step(R, a, out, stubs, p23)
        save()
    R["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    R["load_end"] = loadavg()
    save()
    sys.stdout.write(report(R))


if __name__ == "__main__":
    main()
