#!/usr/bin/env python3
"""Time pkgcore loading profiles of the corpus and, with --query, answering visibility and USE of
every package version under each.

Runs in a venv with pkgcore (bench/requirements.txt). pkgcore's EAPI registry refuses to import
under bash < 5.3 (EAPI 9 needs it), so the cached bash version is set to 5.3.0 before pkgcore is
imported; nothing here sources bash (stub ebuilds, trusted md5-cache), so the value is never used.

Per profile (one after the other in one process):

* load: `pkgcore.config.load_config(location=<scratch>/etc/portage, profile_override=<profile dir
  in the stub tree>)` (a Portage-style config dir whose repos.conf lists the stub trees, no
  make.conf) -> `get_default("domain")` -> the domain's `OnDiskProfile`, with every stacked
  attribute forced: stack, default_env (make.defaults), use, use_expand, iuse_effective,
  forced/masked use (plain and stable), package.use, package.mask/unmask, keywords,
  accept_keywords, @system, @profile, package.provided. The profile objects are kept alive, so
  pkgcore's per-path node cache (ProfileNode is instance-cached) is shared between profiles, as
  portolan's node store is.
* query (with --query): every package version of the unfiltered configured ebuild repos (pkgcore
  computes USE when it configures a package: `domain.get_package_use_unconfigured`), and whether
  the domain's visibility filter (package.mask/unmask, keywords, ACCEPT_LICENSE) accepts it. Each
  version gives one JSON line {"profile","cpv","repo","visible","use"} (`use` = enabled flags
  that are in IUSE). pkgcore has no per-version "stable" or "masked_by" answer and is not asked
  for forced/masked lists, so it does a little less than portolan and Portage.

usage: pkgcore_bench.py --stub-dir DIR --results FILE [--query] [--output FILE]
                        (--all-profiles | --profiles-from FILE | PROFILE...)
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

PROFILE_ATTRS = (
    "stack", "default_env", "use", "use_expand", "iuse_effective", "forced_use", "masked_use",
    "stable_forced_use", "stable_masked_use", "pkg_use", "masks", "unmasks", "keywords",
    "accept_keywords", "system", "profile_set", "_incremental_masks", "_incremental_unmasks",
)


def read_repos_conf(path):
    import configparser
    cfg = configparser.ConfigParser()
    cfg.read(path)
    base = os.path.dirname(os.path.abspath(path))
    return [(n, os.path.normpath(os.path.join(base, cfg[n]["location"]))) for n in cfg.sections()]


def profiles_desc(stub):
    out = []
    for name, loc in read_repos_conf(os.path.join(stub, "repos.conf")):
        p = os.path.join(loc, "profiles", "profiles.desc")
        if not os.path.exists(p):
            continue
        for line in open(p, encoding="utf-8", errors="replace"):
            toks = []
            for t in line.split():
                if t.startswith("#"):
                    break
                toks.append(t)
            if len(toks) >= 2:
                out.append(f"{name}:{toks[1]}")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stub-dir", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--output", default=os.devnull)
    ap.add_argument("--query", action="store_true", help="also visibility and USE of every version")
    ap.add_argument("--profiles-from")
    ap.add_argument("--all-profiles", action="store_true")
    ap.add_argument("--progress", action="store_true")
    ap.add_argument("profiles", nargs="*")
    a = ap.parse_args()
    t_start = time.perf_counter()

    stub = os.path.abspath(a.stub_dir)
    locs = dict(read_repos_conf(os.path.join(stub, "repos.conf")))
    profiles = list(a.profiles)
    if a.profiles_from:
        profiles += [l.strip() for l in open(a.profiles_from) if l.strip() and not l.startswith("#")]
    if a.all_profiles:
        profiles += profiles_desc(stub)
    if not profiles:
        ap.error("no profile given")

    scratch = tempfile.mkdtemp(prefix="portolan-bench-pkgcore-")
    etc = os.path.join(scratch, "etc", "portage")
    os.makedirs(etc)
    shutil.copy(os.path.join(stub, "repos.conf"), os.path.join(etc, "repos.conf"))

    t0 = time.perf_counter()
    from snakeoil.process.spawn import bash_version
    bash_version.cached_result = "5.3.0"
    import pkgcore
    from pkgcore.config import load_config
    from pkgcore.restrictions import packages as pkgr
    import_s = time.perf_counter() - t0

    errors = []
    keep = []  # profile objects kept alive: the node cache is shared between profiles
    per_profile = []
    lines = 0
    with open(a.output, "w") as out:
        for prof in profiles:
            repo, _, path = prof.partition(":")
            pdir = os.path.join(locs[repo], "profiles", path)
            t0, c0 = time.perf_counter(), time.process_time()
            try:
                cfg = load_config(location=etc, profile_override=pdir, root=scratch)
                dom = cfg.get_default("domain")
                p = dom.profile
                for attr in PROFILE_ATTRS:
                    getattr(p, attr)
                for node in p.stack:
                    node.pkg_provided
                keep.append(p)
            except Exception as e:  # report, keep going
                errors.append({"profile": prof, "error": f"{type(e).__name__}: {e}"})
                dom = None
            t1, c1 = time.perf_counter(), time.process_time()
            n = 0
            if a.query and dom is not None:
                for frepo in dom.ebuild_repos:  # filtered.tree over a ConfiguredTree
                    match = frepo.restrict.match
                    want = frepo.sentinel_val
                    rid = frepo.raw_repo.repo_id
                    for pkg in frepo.raw_repo.itermatch(pkgr.AlwaysTrue):
                        rec = {
                            "profile": prof,
                            "cpv": pkg.cpvstr,
                            "repo": rid,
                            "visible": match(pkg) == want,
                            "use": sorted(pkg.use & pkg.iuse_stripped),
                        }
                        out.write(json.dumps(rec, separators=(",", ":")))
                        out.write("\n")
                        n += 1
            t2, c2 = time.perf_counter(), time.process_time()
            lines += n
            per_profile.append({"profile": prof, "load_s": t1 - t0, "query_s": t2 - t1, "versions": n,
                                "load_cpu_s": c1 - c0, "query_cpu_s": c2 - c1})
            if a.progress:
                print(f"[pkgcore] {len(per_profile)}/{len(profiles)} {prof} load {t1 - t0:.3f}s "
                      f"query {t2 - t1:.2f}s ({n})", file=sys.stderr, flush=True)
            cfg = dom = None

    res = {
        "tool": "pkgcore",
        "version": pkgcore.__version__,
        "mode": "query" if a.query else "load",
        "profiles": len(profiles),
        "lines": lines,
        "import_s": import_s,
        "load_s": sum(p["load_s"] for p in per_profile),
        "query_s": sum(p["query_s"] for p in per_profile),
        "load_cpu_s": sum(p["load_cpu_s"] for p in per_profile),
        "query_cpu_s": sum(p["query_cpu_s"] for p in per_profile),
        "process_s": time.perf_counter() - t_start,
        "errors": errors,
        "per_profile": per_profile,
    }
    with open(a.results, "w") as f:
        json.dump(res, f, indent=1)
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
