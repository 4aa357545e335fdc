#!/usr/bin/env python3
"""emerge oracle for `portolan check`: run `emerge --pretend` for (profile, target) cells of an
md5-cache-only corpus and print one JSON line per cell:

  {"profile","target","resolved","packages","printed","root_cause","root_causes","cycle","exit",
   "raw"}

  resolved     emerge resolved every dependency: it succeeded, or its depgraph is complete and the
               only error is "circular dependencies" (a build-order problem, not an installability
               one: emerge stops while ordering the merge list, after resolving everything)
  packages     CPVs of every package the depgraph merges, sorted ([] when not resolved)
  printed      how many distinct packages emerge printed ("[ebuild" lines); on a cycle emerge
               prints only the part of the graph it could not order, so this can be < packages
  root_cause   null when resolved, else the first of root_causes
  root_causes  every failure emerge reported, classified (see classify()):
               {"kind","atom","cp","required_by","detail"}, for masks also
               "masked":[{"cpv","repo","masked_by"}] and "source" (the package.mask file emerge
               quotes, or null); required_by is emerge's chain, nearest first, without ::repo
               kind: missing | masked | keywords | use | required_use | blocked | conflict | other
  cycle        true when emerge reported circular dependencies
  exit         emerge's exit status
  raw          the last lines of emerge's output without the merge list ($STUB/ = stub dir)

Usage:
  emerge_oracle.py --corpus DIR [--target T]... (PROFILE... | --profiles-of REPO... | --all-profiles)

PROFILE is REPO:PATH. Targets: `@system` (default), `@profile`, or any atom; each target is its own
cell. See oracle/README.md ("check vs emerge") for how emerge is driven and isolated.
"""

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # importing portage_oracle must not leave __pycache__ in the repo
from portage_oracle import (  # noqa: E402  (plain-python helpers; portage is not imported)
    DEFAULT_STUB_TOOL,
    ensure_stubs,
    log,
    read_profiles_desc,
    read_repos_conf,
)

# emerge's options. --with-bdeps=y: build-time deps count like portolan's default `--deps all`
# (with nothing installed every package is built, so they are pulled anyway). --autounmask=n:
# answer for the profile as it is instead of proposing package.use / keyword / unmask changes.
# ROOT is one empty root (see run_cell), so DEPEND/BDEPEND land in the same root as RDEPEND and
# --root-deps makes no difference.
EMERGE_OPTS = ["--pretend", "--quiet", "--color=n", "--with-bdeps=y", "--autounmask=n"]

RAW_TAIL = 40

# The emerge run. Runs in a fresh interpreter with the isolated environment; with --audit it
# records every absolute path opened outside the allowed prefixes into $PORTOLAN_AUDIT_OUT.
DRIVER = r"""
import json, os, sys
allowed = os.environ.pop("PORTOLAN_AUDIT_ALLOWED", "")
graph_out = os.environ.pop("PORTOLAN_GRAPH_OUT")
out = os.environ.pop("PORTOLAN_AUDIT_OUT", "")
seen = set()
if allowed:
    allowed = tuple(json.loads(allowed))
    def hook(event, args):
        if event not in ("open", "os.listdir", "os.scandir"):
            return
        p = args[0] if args else None
        if isinstance(p, bytes):
            p = os.fsdecode(p)
        if isinstance(p, str) and p.startswith("/"):
            p = os.path.normpath(p)
            if not p.startswith(allowed):
                seen.add(p)
    sys.addaudithook(hook)
# emerge prints only part of the graph when it stops on circular dependencies (the packages it
# could not order), so the depgraph itself is kept and summarised into $PORTOLAN_GRAPH_OUT.
import _emerge.actions
from _emerge.Package import Package
captured = {}
_orig = _emerge.actions.backtrack_depgraph
def _capture(*a, **k):
    res = _orig(*a, **k)
    captured["success"], captured["graph"] = res[0], res[1]
    return res
_emerge.actions.backtrack_depgraph = _capture
from _emerge.main import emerge_main
try:
    rc = emerge_main(sys.argv[1:])
except SystemExit as e:
    rc = e.code if isinstance(e.code, int) else 1
sys.stdout.flush()
sys.stderr.flush()
g = captured.get("graph")
summary = {"captured": g is not None}
if g is not None:
    dc = g._dynamic_config
    summary.update({
        "success": bool(captured["success"]),
        "packages": sorted({str(n.cpv) for n in dc.digraph if isinstance(n, Package) and n.operation == "merge"}),
        "circular": dc._circular_deps_for_display is not None,
        "unsatisfied": [[str(atom), str(info.get("myparent"))]
                        for (root, atom), info in dc._unsatisfied_deps_for_display],
        "slot_conflict": any(dc._package_tracker.slot_conflicts()),
        "blockers": dc._unsatisfied_blockers_for_display is not None,
        "missing_args": [str(atom) for arg, atom in dc._missing_args],
    })
with open(graph_out, "w") as f:
    json.dump(summary, f)
if out:
    with open(out, "w") as f:
        json.dump(sorted(seen), f)
os._exit(rc or 0)
"""

# Facts emerge does not print in words: for "there are no ebuilds to satisfy ATOM" it does not say
# whether no version exists or versions exist without the wanted USE (it shows them as `(-X)` only
# in verbose mode). The probe loads the same configuration and answers per atom.
PROBE = r"""
import json, os, sys
import portage
from portage.dep import Atom
from _emerge.Package import Package
from _emerge.RootConfig import RootConfig
trees = portage.create_trees(env=os.environ)
tr = trees[trees._target_eroot]
settings = tr["porttree"].settings
portdb = tr["porttree"].dbapi
rc = RootConfig(settings, tr, None)
keys = list(portdb._aux_cache_keys)
res = {}
for a in json.loads(sys.argv[1]):
    try:
        atom = Atom(a, allow_repo=True)
    except Exception as e:
        res[a] = {"error": str(e)}
        continue
    plain = atom.without_use
    allm = portdb.xmatch("match-all", plain)
    vis = portdb.xmatch("match-visible", plain)
    cands = []
    for cpv in vis:
        pkg = Package(built=False, cpv=cpv, installed=False,
                      metadata=zip(keys, portdb.aux_get(cpv, keys, myrepo=cpv.repo)),
                      root_config=rc, type_name="ebuild")
        wrong = []
        if atom.use:
            for f in atom.use.enabled:
                if f not in pkg.use.enabled:
                    wrong.append(("+" + f, f in pkg.use.mask, f in pkg.iuse.all))
            for f in atom.use.disabled:
                if f in pkg.use.enabled:
                    wrong.append(("-" + f, f in pkg.use.force, f in pkg.iuse.all))
        cands.append({"cpv": str(cpv), "repo": cpv.repo,
                      "wrong_use": [{"flag": w, "immutable": i, "in_iuse": n} for w, i, n in wrong]})
    res[a] = {"cp": atom.cp, "all": [str(c) for c in allm], "visible": cands}
print(json.dumps(res))
"""


# --------------------------------------------------------------------------------------------
# one cell


def _env(root, stub_dir):
    """The whole environment of the emerge process (nothing of the caller's leaks in)."""
    with open(os.path.join(stub_dir, "repos.conf"), encoding="utf-8") as f:
        repos = f.read()
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": root,
        "LC_ALL": "C.UTF-8",
        "NOCOLOR": "true",
        "PYTHONWARNINGS": "ignore",
        "PYTHONHASHSEED": "0",  # emerge iterates sets of strings: same order on every run
        # One empty root: EPREFIX = ROOT's prefix = the scratch dir (ROOT="/" and EPREFIX equal to
        # portage.const.EPREFIX is what makes emerge use a single root). make.globals and the
        # default sets.conf are found under $EPREFIX/share/portage/config, a symlink to the venv's.
        "PORTAGE_OVERRIDE_EPREFIX": root,
        "PORTAGE_CONFIGROOT": root,
        "ROOT": "/",
        "PORTAGE_TMPDIR": os.path.join(root, "tmp"),
        "TMPDIR": os.path.join(root, "tmp"),  # Python's tempfile probes $TMPDIR first
        "PORTAGE_DEPCACHEDIR": os.path.join(root, "depcache"),
        "PORTAGE_USERNAME": "root",
        "PORTAGE_GRPNAME": "root",
        "FEATURES": "-news -sandbox -usersandbox",
        # Replaces Portage's built-in repos.conf (which names /var/db/repos/gentoo).
        "PORTAGE_REPOSITORIES": repos,
    }


def _make_root(scratch, stub_dir, profile):
    repo, _, path = profile.partition(":")
    locs = dict(read_repos_conf(os.path.join(stub_dir, "repos.conf")))
    if repo not in locs:
        raise ValueError(f"unknown repository {repo!r} in {profile!r}")
    prof_dir = os.path.join(locs[repo], "profiles", path)
    if not os.path.isdir(prof_dir):
        raise ValueError(f"no such profile directory: {prof_dir}")
    root = tempfile.mkdtemp(prefix="er-", dir=scratch)
    for d in ("etc/portage", "tmp", "share/portage"):
        os.makedirs(os.path.join(root, d))
    os.symlink(prof_dir, os.path.join(root, "etc/portage/make.profile"))
    shutil.copy(os.path.join(stub_dir, "repos.conf"), os.path.join(root, "etc/portage/repos.conf"))
    os.symlink(
        os.path.join(sys.prefix, "share", "portage", "config"),
        os.path.join(root, "share", "portage", "config"),
    )
    return root


def run_cell(task):
    profile, target, stub_dir, scratch, audit = task
    t0 = time.time()
    root = _make_root(scratch, stub_dir, profile)
    try:
        env = _env(root, stub_dir)
        audit_out = os.path.join(root, "audit.json")
        if audit:
            env["PORTOLAN_AUDIT_ALLOWED"] = json.dumps(list(audit) + [root])
            env["PORTOLAN_AUDIT_OUT"] = audit_out
        env["PORTOLAN_GRAPH_OUT"] = graph_out = os.path.join(root, "graph.json")
        r = subprocess.run(
            [sys.executable, "-c", DRIVER] + EMERGE_OPTS + [target],
            env=env,
            capture_output=True,
            text=True,
        )
        violations = []
        if audit and os.path.exists(audit_out):
            with open(audit_out) as f:
                violations = json.load(f)
        graph = {"captured": False}
        if os.path.exists(graph_out):
            with open(graph_out) as f:
                graph = json.load(f)
        rec = parse_output(r.stdout, r.stderr, r.returncode, stub_dir, graph)
        probe_atoms = [c["atom"] for c in rec["root_causes"] if c["kind"] == "missing"]
        if probe_atoms:
            env.pop("PORTOLAN_AUDIT_ALLOWED", None)
            env.pop("PORTOLAN_GRAPH_OUT", None)
            p = subprocess.run(
                [sys.executable, "-c", PROBE, json.dumps(probe_atoms)],
                env=env,
                capture_output=True,
                text=True,
            )
            # the answer is the probe's last stdout line (Portage may print before it)
            out_lines = p.stdout.strip().splitlines()
            facts = json.loads(out_lines[-1]) if p.returncode == 0 and out_lines else {}
            for c in rec["root_causes"]:
                if c["kind"] == "missing" and c["atom"] in facts:
                    refine_missing(c, facts[c["atom"]])
            rec["root_cause"] = rec["root_causes"][0] if rec["root_causes"] else None
        out = {"profile": profile, "target": target}
        out.update(rec)
        return out, time.time() - t0, violations
    finally:
        shutil.rmtree(root, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# parsing emerge's output

MERGE_RE = re.compile(r"^\[(ebuild|binary|nomerge|blocks|uninstall)[^\]]*\]\s+(\S+)")
REQ_RE = re.compile(r'^\(dependency required by "([^"]+)" \[(\w+)\]\)')
NO_EBUILDS_RE = re.compile(r'^emerge: there are no (?:ebuilds|binary packages)(.*?) to satisfy "([^"]+)"')
MASKED_HDR_RE = re.compile(r'^All ebuilds that could satisfy "([^"]+)" have been masked\.')
MASKED_PKG_RE = re.compile(r"^- (\S+?)(?:::(\S+))? \(masked by: (.*)\)$")
REQUIRED_USE_RE = re.compile(r'^!!! The ebuild selected to satisfy "([^"]+)" has unmet requirements\.')
USE_CHANGES_RE = re.compile(r"^The following USE changes are necessary to proceed")
CYCLE_RE = re.compile(r"^\s*\* Error: circular dependencies")
SLOT_CONFLICT_RE = re.compile(r"^!!! Multiple package instances within a single package slot")
BLOCKER_RE = re.compile(r"^\s*\* Error: The above package list contains packages which cannot be")
BLOCKS_LINE_RE = re.compile(r'^\[blocks ([Bb])\s*\]\s+(\S+) \("([^"]+)" is (?:soft |hard )?blocking (.*)\)')


def cpv_of(token):
    """`cat/pkg-1.0:0/2::gentoo` -> `cat/pkg-1.0`."""
    token = token.split("::", 1)[0]
    return token.split(":", 1)[0]


def chain_entry(s):
    """`sys-apps/kmod-34::demo[nls]` -> `sys-apps/kmod-34`; `@system` stays."""
    if s.startswith("@"):
        return s
    return re.sub(r"\[.*\]$", "", s).split("::", 1)[0]


def cp_of_atom(atom):
    """Best-effort cat/pkg of an atom string, without needing portage
    (`>=dev-lang/python-3.12:3.12[ssl]` -> `dev-lang/python`)."""
    a = atom.lstrip("!")
    op = re.match(r"^(<=|>=|<|>|=|~)", a)
    a = a[op.end():] if op else a
    a = re.split(r"[:\[]", a, maxsplit=1)[0]
    if op:
        m = re.match(r"^(.+?)-\d[^-]*(?:-r\d+)?\*?$", a)
        if m:
            return m.group(1)
    return a


def _required_by(lines, i):
    """The `(dependency required by ...)` chain starting at lines[i], nearest first."""
    chain = []
    while i < len(lines):
        m = REQ_RE.match(lines[i].strip())
        if not m:
            if chain or lines[i].strip():
                break
            i += 1
            continue
        chain.append(chain_entry(m.group(1)))
        i += 1
    return chain


def _next_chain(lines, i):
    j = i
    while j < len(lines) and not REQ_RE.match(lines[j].strip()):
        if NO_EBUILDS_RE.match(lines[j]) or MASKED_HDR_RE.match(lines[j]) or REQUIRED_USE_RE.match(lines[j]):
            return []
        j += 1
    return _required_by(lines, j) if j < len(lines) else []


def classify(lines):
    """Every failure emerge reports, in output order."""
    causes = []
    for i, line in enumerate(lines):
        m = NO_EBUILDS_RE.match(line)
        if m:
            qualifier, atom = m.group(1), m.group(2)
            kind = "use" if "USE flags" in qualifier else "missing"
            causes.append(
                {
                    "kind": kind,
                    "atom": atom,
                    "cp": cp_of_atom(atom),
                    "required_by": _next_chain(lines, i + 1),
                    "detail": line.strip(),
                }
            )
            continue
        m = MASKED_HDR_RE.match(line)
        if m:
            atom = m.group(1)
            masked = []
            source = None
            j = i + 1
            while j < len(lines) and not REQ_RE.match(lines[j].strip()):
                pm = MASKED_PKG_RE.match(lines[j].strip())
                if pm:
                    masked.append(
                        {
                            "cpv": pm.group(1),
                            "repo": pm.group(2),
                            "masked_by": [r.strip() for r in pm.group(3).split(",")],
                        }
                    )
                elif (
                    lines[j].rstrip().endswith(":")
                    and lines[j].startswith(("/", "$STUB/"))
                    and source is None
                ):
                    # the package.mask file whose comment emerge prints
                    source = lines[j].rstrip()[:-1]
                j += 1
            reasons = {r for mp in masked for r in mp["masked_by"]}
            kind = "keywords" if reasons and all("keyword" in r for r in reasons) else "masked"
            causes.append(
                {
                    "kind": kind,
                    "atom": atom,
                    "cp": cp_of_atom(atom),
                    "required_by": _required_by(lines, j),
                    "detail": "; ".join(f"{mp['cpv']} ({', '.join(mp['masked_by'])})" for mp in masked),
                    "masked": masked,
                    "source": source,
                }
            )
            continue
        m = REQUIRED_USE_RE.match(line)
        if m:
            atom = m.group(1)
            j = i + 1
            detail = []
            while j < len(lines) and not REQ_RE.match(lines[j].strip()) and j < i + 12:
                if lines[j].strip():
                    detail.append(lines[j].strip())
                j += 1
            causes.append(
                {
                    "kind": "required_use",
                    "atom": atom,
                    "cp": cp_of_atom(atom),
                    "required_by": _required_by(lines, j),
                    "detail": " ".join(detail),
                }
            )
            continue
        if USE_CHANGES_RE.match(line):
            detail = []
            for l in lines[i + 1 : i + 20]:
                l = l.strip()
                if l.startswith("=") or l.startswith(">=") or l.startswith("#"):
                    detail.append(l)
            atom = next((d for d in detail if not d.startswith("#")), "")
            causes.append(
                {
                    "kind": "use",
                    "atom": atom,
                    "cp": cp_of_atom(atom.split()[0]) if atom else "",
                    "required_by": _next_chain(lines, i + 1),
                    "detail": "; ".join(detail),
                }
            )
            continue
        if SLOT_CONFLICT_RE.match(line):
            causes.append(
                {
                    "kind": "conflict",
                    "atom": "",
                    "cp": "",
                    "required_by": [],
                    "detail": " ".join(l.strip() for l in lines[i : i + 12] if l.strip()),
                }
            )
            continue
        if BLOCKER_RE.match(line):
            blocks = [
                BLOCKS_LINE_RE.match(l)
                for l in lines
                if l.startswith("[blocks B") and BLOCKS_LINE_RE.match(l)
            ]
            for b in blocks or [None]:
                causes.append(
                    {
                        "kind": "blocked",
                        "atom": b.group(3) if b else "",
                        "cp": cp_of_atom(b.group(3)) if b else "",
                        "required_by": [],
                        "detail": b.group(0) if b else line.strip(),
                    }
                )
            continue
    return causes


def parse_output(stdout, stderr, rc, stub_dir, graph):
    """The cell's record from emerge's text and the summary of its depgraph (see DRIVER).

    resolved: emerge succeeded, or its depgraph is complete and its only problem is circular
    dependencies (emerge stops on them while ordering the merge list, after every dependency was
    resolved, slot conflicts were settled and blockers validated). packages: every package the
    depgraph merges; emerge *prints* only the unorderable part of it on a cycle."""
    text = (stdout + "\n" + stderr).replace(stub_dir.rstrip("/") + "/", "$STUB/")
    lines = text.splitlines()
    packages = set()
    other = []
    for l in lines:
        m = MERGE_RE.match(l)
        if m:
            if m.group(1) in ("ebuild", "binary"):
                packages.add(cpv_of(m.group(2)))
            continue
        other.append(l)
    causes = classify(lines)
    cycle = any(CYCLE_RE.match(l) for l in lines)
    printed = set(packages)
    if graph.get("captured"):
        packages = set(graph["packages"])
        only_cycle = (
            graph["circular"]
            and not graph["unsatisfied"]
            and not graph["slot_conflict"]
            and not graph["blockers"]
            and not graph["missing_args"]
        )
        resolved = (rc == 0 and graph["success"]) or (only_cycle and not causes)
    else:
        resolved = rc == 0
    if not resolved and not causes:
        tail = [l.strip() for l in other if l.strip()]
        causes.append(
            {
                "kind": "other",
                "atom": "",
                "cp": "",
                "required_by": [],
                "detail": " | ".join(tail[-6:]),
            }
        )
    # Drop the banners every run prints; keep the tail of the rest.
    raw = [
        l
        for l in other
        if l.strip()
        and not l.startswith(("Performing Global Updates", "(Could take a couple"))
    ]
    return {
        "resolved": resolved,
        "packages": sorted(packages) if resolved else [],
        "printed": len(printed),
        "root_cause": None if resolved else causes[0],
        "root_causes": [] if resolved else causes,
        "cycle": cycle,
        "exit": rc,
        "raw": "\n".join(raw[-RAW_TAIL:]),
    }


def refine_missing(cause, facts):
    """Turn "there are no ebuilds to satisfy ATOM" into missing / use / masked from the probe."""
    if "error" in facts:
        return
    cause["cp"] = facts["cp"]
    if facts["visible"]:
        wrong = [
            f"{c['cpv']}: " + ", ".join(
                w["flag"] + (" (masked/forced)" if w["immutable"] else "") + ("" if w["in_iuse"] else " (not in IUSE)")
                for w in c["wrong_use"]
            )
            for c in facts["visible"]
            if c["wrong_use"]
        ]
        if wrong:
            cause["kind"] = "use"
            cause["detail"] += " — visible versions lack the USE: " + "; ".join(wrong)
    elif facts["all"]:
        cause["kind"] = "masked"
        cause["detail"] += " — versions exist but none is visible: " + ", ".join(facts["all"])
    else:
        cause["detail"] += " — no version in any repository"


# --------------------------------------------------------------------------------------------
# main


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True, help="folder with repos.conf and the repositories")
    ap.add_argument("--stub-dir", help="reuse (or create) the stub trees here instead of a temp dir")
    ap.add_argument("--stub-tool", default=DEFAULT_STUB_TOOL, help="path to stub-repos.py")
    ap.add_argument("-o", "--output", help="write JSON lines here (default stdout)")
    ap.add_argument("-j", "--jobs", type=int, default=1, help="emerge processes at a time")
    ap.add_argument("--target", action="append", dest="targets", metavar="T",
                    help="@system (default), @profile or an atom; repeatable, one cell each")
    ap.add_argument("--profiles-of", action="append", default=[], metavar="REPO",
                    help="every profiles.desc entry of REPO (repeatable)")
    ap.add_argument("--all-profiles", action="store_true", help="every profiles.desc entry")
    ap.add_argument("--audit", action="store_true",
                    help="fail if emerge opens a path outside the scratch/stub/python dirs")
    ap.add_argument("profiles", nargs="*", metavar="PROFILE", help="REPO:PATH")
    args = ap.parse_args(argv)
    corpus = os.path.abspath(args.corpus)
    targets = args.targets or ["@system"]

    # --all-profiles, then --profiles-of in the order given, then the PROFILE arguments
    desc = read_profiles_desc(corpus)
    profiles = []
    if args.all_profiles:
        profiles += [d["profile"] for d in desc]
    for repo in args.profiles_of:
        profiles += [d["profile"] for d in desc if d["repo"] == repo]
    profiles += args.profiles
    if not profiles:
        ap.error("no PROFILE given (or use --profiles-of REPO / --all-profiles)")

    stub_dir, created = ensure_stubs(corpus, args.stub_dir, args.stub_tool)
    scratch = tempfile.mkdtemp(prefix="portolan-emerge-oracle-")
    audit = None
    if args.audit:
        import sysconfig

        audit = [
            stub_dir,
            os.path.realpath(sys.prefix),
            sys.prefix,
            os.path.realpath(sys.base_prefix),
            sys.base_prefix,
            sysconfig.get_paths()["stdlib"],
            "/usr/lib/python3",
            "/usr/lib/locale",
            "/usr/share/locale",
            "/dev/",
            "/proc/",
            "/etc/localtime",
            "/usr/share/zoneinfo",
        ]
    tasks = [(p, t, stub_dir, scratch, audit) for p in profiles for t in targets]
    out_f = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    t0 = time.time()
    violations = set()
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            for i, (rec, secs, viol) in enumerate(pool.map(run_cell, tasks), 1):
                out_f.write(json.dumps(rec, separators=(",", ":")) + "\n")
                out_f.flush()
                violations.update(viol)
                rc = rec["root_cause"]
                verdict = "resolved" if rec["resolved"] else f"FAILS {rc['kind']} {rc['atom']}"
                log(f"[emerge] {i}/{len(tasks)} {rec['profile']} {rec['target']}: {verdict} "
                    f"({len(rec['packages'])} packages, {secs:.1f}s)")
    finally:
        if out_f is not sys.stdout:
            out_f.close()
        shutil.rmtree(scratch, ignore_errors=True)
        if created and not args.stub_dir:
            shutil.rmtree(stub_dir, ignore_errors=True)
    log(f"[emerge] {len(tasks)} cells in {time.time() - t0:.1f}s wall, jobs={args.jobs}")
    if args.audit:
        if violations:
            log("[emerge] AUDIT: paths opened outside the allowed prefixes:")
            for v in sorted(violations):
                log("  " + v)
            return 3
        log("[emerge] audit: no path outside the scratch dir, stub trees and the Python installation was opened")
    return 0


if __name__ == "__main__":
    sys.exit(main())
