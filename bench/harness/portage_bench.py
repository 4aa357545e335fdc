#!/usr/bin/env python3
"""Time Portage answering `portolan query --json` for a list of profiles: visibility, stability,
masks and USE of every package version of the corpus under each profile.

Runs in the oracle's venv (Portage 3.0.83). It reuses the oracle's ProfileSession
(oracle/portage_oracle.py) unchanged, i.e. exactly what `portage_oracle.py query --all` does, minus
the worker pool: per profile one `portage.config` (own PORTAGE_CONFIGROOT, make.profile symlink into
the stub tree), one `portdbapi` and a RootConfig; per version `portdbapi.aux_get` ->
`_emerge.Package.Package` -> `pkg.masks`/`pkg.visible`, `settings._isStable(pkg)` and
`pkg.use.enabled` (= `doebuild_settings.setcpv(pkg)`), serialised as the same JSON line portolan
prints.

Timed per profile: `load` (config + portdbapi + RootConfig) and `query` (every version). The JSON
lines go to --output (default /dev/null). A summary goes to --results as JSON.

usage: portage_bench.py --stub-dir DIR --oracle DIR --results FILE
                        (--all-profiles | --profiles-from FILE | PROFILE...) [--output FILE]
"""

import argparse
import json
import os
import sys
import tempfile
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stub-dir", required=True, help="stub trees made by stub-repos.py (has repos.conf)")
    ap.add_argument("--oracle", required=True, help="the oracle/ folder (portage_oracle.py)")
    ap.add_argument("--results", required=True, help="write the timing summary (JSON) here")
    ap.add_argument("--output", default=os.devnull, help="JSON lines (default /dev/null)")
    ap.add_argument("--profiles-from", help="one REPO:PATH per line")
    ap.add_argument("--all-profiles", action="store_true", help="every profiles.desc entry")
    ap.add_argument("--progress", action="store_true", help="one line per profile on stderr")
    ap.add_argument("profiles", nargs="*")
    a = ap.parse_args()

    t_start = time.perf_counter()
    sys.path.insert(0, os.path.abspath(a.oracle))
    import portage_oracle as o  # does not import portage

    stub = os.path.abspath(a.stub_dir)
    scratch = tempfile.mkdtemp(prefix="portolan-bench-portage-")
    o.clean_environment(scratch)  # before portage is imported, as the oracle does

    profiles = list(a.profiles)
    if a.profiles_from:
        profiles += [l.strip() for l in open(a.profiles_from) if l.strip() and not l.startswith("#")]
    if a.all_profiles:
        profiles += [d["profile"] for d in o.read_profiles_desc(stub)]
    if not profiles:
        ap.error("no profile given")

    targets = [(c, r) for c, r, ok in o._resolve_targets(stub, o.all_cpvs(stub)) if ok]

    t0 = time.perf_counter()
    import portage  # noqa: F401  (timed separately: the import is paid once per process)
    import _emerge.Package  # noqa: F401
    import_s = time.perf_counter() - t0

    per_profile = []
    lines = 0
    with open(a.output, "w") as out:
        for prof in profiles:
            cap = o.Captured(stub)  # Portage's writemsg goes to a buffer, as in the oracle
            with cap:
                t0, c0 = time.perf_counter(), time.process_time()
                sess = o.ProfileSession(stub, scratch, prof)
                t1, c1 = time.perf_counter(), time.process_time()
                for cpv, repo in targets:
                    out.write(json.dumps(sess.query(cpv, repo), separators=(",", ":")))
                    out.write("\n")
                t2, c2 = time.perf_counter(), time.process_time()
                sess.close()
            lines += len(targets)
            per_profile.append({"profile": prof, "load_s": t1 - t0, "query_s": t2 - t1,
                                "load_cpu_s": c1 - c0, "query_cpu_s": c2 - c1})
            if len(per_profile) % 10 == 0:  # partial figures survive an interrupted run
                with open(a.results + ".partial", "w") as f:
                    json.dump({"per_profile": per_profile}, f)
            if a.progress:
                print(f"[portage] {len(per_profile)}/{len(profiles)} {prof} load {t1 - t0:.3f}s "
                      f"query {t2 - t1:.2f}s (cpu {c2 - c0:.2f}s)", file=sys.stderr, flush=True)

    res = {
        "tool": "portage",
        "version": portage.VERSION,
        "profiles": len(profiles),
        "versions_per_profile": len(targets),
        "lines": lines,
        "import_s": import_s,
        "load_s": sum(p["load_s"] for p in per_profile),
        "query_s": sum(p["query_s"] for p in per_profile),
        "load_cpu_s": sum(p["load_cpu_s"] for p in per_profile),
        "query_cpu_s": sum(p["query_cpu_s"] for p in per_profile),
        "process_s": time.perf_counter() - t_start,
        "per_profile": per_profile,
    }
    with open(a.results, "w") as f:
        json.dump(res, f, indent=1)
    import shutil
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
