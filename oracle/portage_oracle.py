#!/usr/bin/env python3
"""Portage oracle for portolan: ask Portage itself how it resolves the profiles of an ebuild
repository corpus, and print the answers as JSON lines in portolan's output formats.

Subcommands (all take --corpus DIR, a folder holding repos.conf and one folder per repository):

  profiles                      every profiles.desc entry of every repository
  show PROFILE... | --all                 stack, make.defaults variables, USE, masks, sets
  query PROFILE... | --all-profiles       visibility, stability and USE of package versions
        --cpvs-from FILE | --all          (--all = every version of every repository)

PROFILE is REPO:PATH (PATH relative to the repository's profiles/ directory).
See oracle/README.md for the exact Portage API behind every JSON field.

Portage never sees the machine's configuration: every profile gets its own PORTAGE_CONFIGROOT
(= ROOT) in a scratch directory with only etc/portage/make.profile (symlink into the stub tree) and
etc/portage/repos.conf (absolute locations of the stub trees); the process environment is replaced
by a minimal one before portage is imported; `--audit` proves it by recording every path Python
opens and failing if one lies outside the scratch dirs, the stub trees, the Python installation and
a few harmless system files.
"""

import argparse
import configparser
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))


def _default_stub_tool():
    """$PORTOLAN_STUB_TOOL, else shared/tools/stub-repos.py beside the repository (CI lays a copy of
    shared/ next to the clone), else /work/shared/tools/stub-repos.py."""
    env = os.environ.get("PORTOLAN_STUB_TOOL")
    if env:
        return env
    for cand in (
        os.path.join(HERE, "..", "..", "shared", "tools", "stub-repos.py"),
        "/work/shared/tools/stub-repos.py",
    ):
        if os.path.exists(cand):
            return os.path.normpath(cand)
    return "/work/shared/tools/stub-repos.py"


DEFAULT_STUB_TOOL = _default_stub_tool()

# Variables always reported by `show` (in addition to every variable some make.defaults of the
# stack assigns and every USE_EXPAND / USE_EXPAND_UNPREFIXED variable).
REQUIRED_VARS = (
    "ARCH",
    "ACCEPT_KEYWORDS",
    "ACCEPT_LICENSE",
    "ACCEPT_PROPERTIES",
    "ACCEPT_RESTRICT",
    "CONFIG_PROTECT",
    "CONFIG_PROTECT_MASK",
    "ENV_UNSET",
    "IUSE_IMPLICIT",
    "PROFILE_ONLY_VARIABLES",
    "USE_EXPAND",
    "USE_EXPAND_HIDDEN",
    "USE_EXPAND_IMPLICIT",
    "USE_EXPAND_UNPREFIXED",
)
# Lazily incremental in Portage (config.regenerate -> prune_incremental): token order is
# meaningful (e.g. "* -bindist"), so these keep Portage's order instead of being sorted.
ORDERED_VARS = ("ACCEPT_LICENSE", "ACCEPT_PROPERTIES", "ACCEPT_RESTRICT")

# Package.masks keys -> masked_by words.
MASK_WORDS = {
    "package.mask": "package.mask",
    "KEYWORDS": "keywords",
    "LICENSE": "license",
    "EAPI.unsupported": "eapi",
    "EAPI.deprecated": "eapi",
    # Beyond the four words of the brief; never seen in the real corpus so far, reported so that
    # "visible": false never comes with an empty masked_by.
    "PROPERTIES": "properties",
    "RESTRICT": "restrict",
    "CHOST": "chost",
    "invalid": "invalid",
}
MASK_ORDER = ["package.mask", "keywords", "license", "eapi", "properties", "restrict", "chost", "invalid"]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# corpus / stub trees


def read_repos_conf(path):
    cfg = configparser.ConfigParser()
    with open(path, encoding="utf-8") as f:
        cfg.read_file(f)
    base = os.path.dirname(os.path.abspath(path))
    repos = []
    for name in cfg.sections():
        loc = cfg[name]["location"]
        repos.append((name, os.path.normpath(os.path.join(base, loc))))
    return repos


def ensure_stubs(corpus, stub_dir, stub_tool):
    """Return the folder with the stub trees, creating it with stub-repos.py if needed."""
    corpus = os.path.abspath(corpus)
    if stub_dir:
        stub_dir = os.path.abspath(stub_dir)
        if os.path.exists(os.path.join(stub_dir, "repos.conf")):
            return stub_dir, False
    else:
        stub_dir = tempfile.mkdtemp(prefix="portolan-oracle-stubs-")
    log(f"[oracle] building stub trees in {stub_dir}")
    subprocess.run(
        [sys.executable, stub_tool, corpus, stub_dir],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return stub_dir, True


def read_profiles_desc(corpus):
    """profiles.desc entries of every repository, in repos.conf order then file order."""
    out = []
    for name, loc in read_repos_conf(os.path.join(corpus, "repos.conf")):
        path = os.path.join(loc, "profiles", "profiles.desc")
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                # portage.util.grabfile semantics: '#' lines and tokens from a '#' token on.
                toks = []
                for t in line.split():
                    if t.startswith("#"):
                        break
                    toks.append(t)
                if len(toks) < 2:
                    continue
                out.append(
                    {
                        "profile": f"{name}:{toks[1]}",
                        "repo": name,
                        "arch": toks[0],
                        "status": toks[2] if len(toks) > 2 else None,
                    }
                )
    return out


def read_cpv_file(path):
    cpvs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                cpvs.append(line)
    return cpvs


def all_cpvs(stub_dir):
    out = []
    for name, loc in read_repos_conf(os.path.join(stub_dir, "repos.conf")):
        cache = os.path.join(loc, "metadata", "md5-cache")
        for cat in sorted(os.listdir(cache)):
            for pf in sorted(os.listdir(os.path.join(cache, cat))):
                out.append(f"{cat}/{pf}::{name}")
    return out


# --------------------------------------------------------------------------------------------
# isolation


def clean_environment(scratch):
    """Replace os.environ by a minimal environment. Must run before portage is imported."""
    keep = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    os.environ.clear()
    os.environ.update(keep)
    os.environ.update(
        {
            "HOME": scratch,
            "LC_ALL": "C.UTF-8",
            "NOCOLOR": "true",
            "PORTAGE_CONFIGROOT": scratch,
            "ROOT": scratch,
            "EPREFIX": "",
            "PORTAGE_DEPCACHEDIR": os.path.join(scratch, "depcache"),
            "PORTAGE_USERNAME": "root",
            "PORTAGE_GRPNAME": "root",
        }
    )


_AUDIT = {"enabled": False, "allowed": (), "violations": set()}


def install_audit(allowed_prefixes):
    """Record every file Python opens outside the allowed prefixes (sys.addaudithook)."""
    _AUDIT["enabled"] = True
    _AUDIT["allowed"] = tuple(allowed_prefixes)

    def hook(event, args):
        if event not in ("open", "os.listdir", "os.scandir"):
            return
        path = args[0] if args else None
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        # relative names are dir_fd-relative (shutil.rmtree of our own scratch dirs)
        if not isinstance(path, str) or not path.startswith("/"):
            return
        p = os.path.normpath(path)
        if not p.startswith(_AUDIT["allowed"]):
            _AUDIT["violations"].add(p)

    sys.addaudithook(hook)


# --------------------------------------------------------------------------------------------
# Portage side (imported lazily, after clean_environment)


class ProfileSession:
    """One profile loaded into Portage: a config, a portdbapi and a RootConfig, like emerge."""

    def __init__(self, stub_dir, scratch, profile):
        import portage
        from portage.package.ebuild.config import config
        from portage.dbapi.porttree import portdbapi
        from _emerge.RootConfig import RootConfig

        self.profile = profile
        self.stub_dir = stub_dir
        repo, _, path = profile.partition(":")
        self.repo_locs = dict(read_repos_conf(os.path.join(stub_dir, "repos.conf")))
        if repo not in self.repo_locs:
            raise ValueError(f"unknown repository {repo!r} in {profile!r}")
        prof_dir = os.path.join(self.repo_locs[repo], "profiles", path)
        if not os.path.isdir(prof_dir):
            raise ValueError(f"no such profile directory: {prof_dir}")

        self.root = tempfile.mkdtemp(prefix="cr-", dir=scratch)
        etc = os.path.join(self.root, "etc", "portage")
        os.makedirs(etc)
        os.symlink(prof_dir, os.path.join(etc, "make.profile"))
        shutil.copy(os.path.join(stub_dir, "repos.conf"), os.path.join(etc, "repos.conf"))
        os.makedirs(os.path.join(self.root, "depcache"))

        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.root,
            "PORTAGE_CONFIGROOT": self.root,
            "ROOT": self.root,
            "EPREFIX": "",
            "PORTAGE_DEPCACHEDIR": os.path.join(self.root, "depcache"),
            "PORTAGE_USERNAME": "root",
            "PORTAGE_GRPNAME": "root",
        }
        self.settings = config(
            config_root=self.root, target_root=self.root, eprefix="", env=env
        )
        self.settings.lock()
        self.portdb = portdbapi(mysettings=self.settings)

        class _Tree:
            pass

        porttree = _Tree()
        porttree.dbapi = self.portdb
        porttree.settings = self.settings
        self.trees = {"porttree": porttree}
        self.root_config = RootConfig(self.settings, self.trees, None)
        self._portage = portage

        # location prefix -> repo name, longest first
        self._loc2repo = sorted(
            ((r.location.rstrip("/") + "/profiles/", r.name) for r in self.settings.repositories),
            key=lambda t: -len(t[0]),
        )

    def close(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def node_name(self, location):
        loc = location.rstrip("/") + "/"
        for prefix, name in self._loc2repo:
            if loc.startswith(prefix):
                return f"{name}:{loc[len(prefix):].rstrip('/')}"
        return location  # e.g. etc/portage/profile (never present here)

    # ---- show -----------------------------------------------------------------------------

    def show(self):
        from portage._sets.profiles import PackagesSystemSet
        from portage._sets.ProfilePackageSet import ProfilePackageSet
        from portage.util import stack_lists

        s = self.settings
        um = s._use_manager
        incrementals = set(s.incrementals)
        use_expand = s.get("USE_EXPAND", "").split()
        unprefixed = s.get("USE_EXPAND_UNPREFIXED", "").split()

        keys = set(REQUIRED_VARS) | set(use_expand) | set(unprefixed)
        keys |= set(s.configdict["defaults"].keys())
        vars_ = {}
        for k in sorted(keys):
            v = s.get(k)
            if v is None:
                vars_[k] = None
            elif k in ORDERED_VARS:
                vars_[k] = " ".join(v.split())
            elif k in incrementals or k in use_expand or k in unprefixed:
                vars_[k] = " ".join(sorted(set(v.split())))
            else:
                vars_[k] = v

        # Global (package-less) stable variants: Portage stacks use.stable.* only per package;
        # the global view is the stacked use.stable.* lists alone (EAPI-filtered by Portage).
        use_stable_mask = sorted(stack_lists(um._usestablemask_list, incremental=True))
        use_stable_force = sorted(stack_lists(um._usestableforce_list, incremental=True))
        mask_if_stable = []
        force_if_stable = []
        for i in range(len(um._usemask_list)):
            mask_if_stable.append(um._usemask_list[i])
            mask_if_stable.append(um._usestablemask_list[i])
        for i in range(len(um._useforce_list)):
            force_if_stable.append(um._useforce_list[i])
            force_if_stable.append(um._usestableforce_list[i])

        mm = s._mask_manager
        pmask = sorted(str(a) for atoms in mm._pmaskdict.values() for a in atoms)
        punmask = sorted(str(a) for atoms in mm._punmaskdict.values() for a in atoms)

        km = s._keywords_manager
        accept_keywords = []
        for d in km._p_accept_keywords:
            for cp in d:
                for atom, kws in d[cp].items():
                    accept_keywords.append([str(atom), list(kws)])
        package_keywords = []
        for d in km._pkeywords_list:
            for cp in d:
                for atom, kws in d[cp].items():
                    package_keywords.append([str(atom), list(kws)])

        system = sorted(
            str(a) for a in PackagesSystemSet.singleBuilder({}, s, None).getAtoms()
        )
        profile_set = sorted(
            str(a) for a in ProfilePackageSet.singleBuilder({}, s, None).getAtoms()
        )
        provided = sorted(str(c) for cps in s.pprovideddict.values() for c in cps)

        # deprecated_profile_check(): the last node with show_deprecated_warning whose
        # 'deprecated' file is readable (emerge prints its warning at startup).
        deprecated = None
        for node in reversed(s._locations_manager.profiles_complex):
            if node.show_deprecated_warning:
                f = os.path.join(node.location, "deprecated")
                if os.access(f, os.R_OK):
                    with open(f, encoding="utf-8", errors="replace") as fh:
                        first = fh.readline().rstrip("\n")
                    deprecated = {"node": self.node_name(node.location), "replacement": first}
                    break

        return {
            "profile": self.profile,
            "arch": s.get("ARCH"),
            "stack": [self.node_name(p) for p in s.profiles],
            "stack_eapi": [n.eapi for n in s._locations_manager.profiles_complex],
            "deprecated": deprecated,
            "vars": vars_,
            "use": sorted(s.get("USE", "").split()),
            "use_force": sorted(um.getUseForce()),
            "use_mask": sorted(um.getUseMask()),
            "use_stable_force": use_stable_force,
            "use_stable_mask": use_stable_mask,
            "use_force_if_stable": sorted(stack_lists(force_if_stable, incremental=True)),
            "use_mask_if_stable": sorted(stack_lists(mask_if_stable, incremental=True)),
            "package_mask": pmask,
            "package_unmask": punmask,
            "accept_keywords": accept_keywords,
            "package_keywords": package_keywords,
            "system": system,
            "profile_set": profile_set,
            "provided": provided,
        }

    # ---- query ----------------------------------------------------------------------------

    def query(self, cpv, repo):
        from _emerge.Package import Package
        from portage.versions import _pkg_str

        db_keys = list(self.portdb._aux_cache_keys)
        metadata = zip(db_keys, self.portdb.aux_get(cpv, db_keys, myrepo=repo))
        pkg = Package(
            built=False,
            cpv=_pkg_str(cpv, db=self.portdb),
            installed=False,
            metadata=metadata,
            onlydeps=False,
            root_config=self.root_config,
            type_name="ebuild",
        )
        masks = pkg.masks or {}
        masked_by = sorted({MASK_WORDS.get(k, k) for k in masks}, key=_mask_key)
        stable = bool(self.settings._isStable(pkg))
        enabled = pkg.use.enabled  # triggers doebuild_settings.setcpv(pkg)
        iuse = pkg.iuse.all
        return {
            "profile": self.profile,
            "cpv": str(pkg.cpv),
            "repo": pkg.repo,
            "visible": bool(pkg.visible),
            "masked_by": masked_by,
            "stable": stable,
            "use": sorted(iuse & enabled),
            "forced": sorted(iuse & pkg.use.force),
            "masked": sorted(iuse & pkg.use.mask),
        }


def _mask_key(w):
    return MASK_ORDER.index(w) if w in MASK_ORDER else len(MASK_ORDER)


class Captured:
    """Capture Portage's writemsg output (sys.stderr) and Python warnings."""

    def __init__(self, stub_dir):
        self.stub_dir = stub_dir
        self.lines = []

    def __enter__(self):
        self._old = sys.stderr
        self._buf = io.StringIO()
        sys.stderr = self._buf
        self._wctx = warnings.catch_warnings(record=True)
        self._wlist = self._wctx.__enter__()
        warnings.simplefilter("always")
        return self

    def __exit__(self, *exc):
        sys.stderr = self._old
        self._wctx.__exit__(*exc)
        text = self._buf.getvalue()
        for w in self._wlist:
            text += f"{w.category.__name__}: {w.message}\n"
        text = text.replace(self.stub_dir.rstrip("/") + "/", "$STUB/")
        self.lines.extend(l.rstrip() for l in text.splitlines() if l.strip())
        return False


# --------------------------------------------------------------------------------------------
# workers


_W = {}


def _worker_init(stub_dir, scratch, audit):
    _W["stub"] = stub_dir
    _W["scratch"] = scratch
    if audit:
        install_audit(audit)


def _resolve_targets(stub_dir, cpvs):
    """Expand cpv[::repo] entries to (cpv, repo, exists) triples using the stub md5-cache listings:
    without ::repo, one triple per repository that has the cpv."""
    repos = read_repos_conf(os.path.join(stub_dir, "repos.conf"))
    out = []
    for entry in cpvs:
        cpv, _, repo = entry.partition("::")
        cands = [r for r in repos if not repo or r[0] == repo]
        found = False
        for name, loc in cands:
            if os.path.exists(os.path.join(loc, "metadata", "md5-cache", cpv)):
                out.append((cpv, name, True))
                found = True
        if not found:
            out.append((cpv, repo or None, False))
    return out


def run_profile(task):
    """Worker entry: (kind, profile, targets) -> (profile, [json lines], [warning lines], secs)."""
    kind, profile, targets = task
    t0 = time.time()
    cap = Captured(_W["stub"])
    lines = []
    sess = None
    try:
        with cap:
            sess = ProfileSession(_W["stub"], _W["scratch"], profile)
            if kind == "show":
                rec = sess.show()
                lines.append(rec)
            else:
                for cpv, repo, exists in targets:
                    if not exists:
                        lines.append({"profile": profile, "cpv": cpv, "repo": repo, "error": "not found"})
                        continue
                    try:
                        lines.append(sess.query(cpv, repo))
                    except Exception as e:  # keep going; report the package
                        lines.append(
                            {"profile": profile, "cpv": cpv, "repo": repo, "error": f"{type(e).__name__}: {e}"}
                        )
    except Exception as e:
        lines = [{"profile": profile, "error": f"{type(e).__name__}: {e}"}]
    finally:
        if sess is not None:
            sess.close()
    if kind == "show" and lines and "error" not in lines[0]:
        lines[0]["warnings"] = cap.lines
    out = [json.dumps(l, sort_keys=False, separators=(",", ":")) for l in lines]
    return profile, out, cap.lines, time.time() - t0, sorted(_AUDIT["violations"])


# --------------------------------------------------------------------------------------------
# main


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    def common(p):
        p.add_argument("--corpus", required=True, help="folder with repos.conf and the repositories")
        p.add_argument("--stub-dir", help="reuse (or create) the stub trees here instead of a temp dir")
        p.add_argument("--stub-tool", default=DEFAULT_STUB_TOOL, help="path to stub-repos.py")
        p.add_argument("-o", "--output", help="write JSON lines here (default stdout; .gz compresses)")

    p = sub.add_parser("profiles", help="list profiles.desc entries")
    common(p)

    for name in ("show", "query"):
        p = sub.add_parser(name)
        common(p)
        p.add_argument("profiles", nargs="*", metavar="PROFILE", help="REPO:PATH")
        if name == "show":
            p.add_argument("--all", "--all-profiles", dest="all_profiles", action="store_true",
                           help="every profile of every profiles.desc")
        else:
            p.add_argument("--all-profiles", dest="all_profiles", action="store_true",
                           help="every profile of every profiles.desc")
            g = p.add_mutually_exclusive_group()
            g.add_argument("--cpvs-from", metavar="FILE", help="CAT/PF[::REPO] per line")
            g.add_argument("--all", "--all-cpvs", dest="all_cpvs", action="store_true",
                           help="every package version of every repository")
        p.add_argument("-j", "--jobs", type=int, default=1, help="worker processes (one profile each)")
        p.add_argument("--audit", action="store_true",
                       help="fail if Portage opens a path outside the scratch/stub/python dirs")

    args = ap.parse_args(argv)
    corpus = os.path.abspath(args.corpus)

    out_f = sys.stdout
    if args.output:
        if args.output.endswith(".gz"):
            import gzip

            # mtime=0 so that regenerated golden files are byte-identical
            out_f = io.TextIOWrapper(
                gzip.GzipFile(filename="", mode="wb", fileobj=open(args.output, "wb"), mtime=0),
                encoding="utf-8",
            )
        else:
            out_f = open(args.output, "w", encoding="utf-8")

    if args.cmd == "profiles":
        for rec in read_profiles_desc(corpus):
            out_f.write(json.dumps(rec, separators=(",", ":")) + "\n")
        out_f.close() if out_f is not sys.stdout else out_f.flush()
        return 0

    profiles = list(args.profiles)
    if args.all_profiles:
        profiles = [r["profile"] for r in read_profiles_desc(corpus)]
    if not profiles:
        ap.error("no PROFILE given (or use --all-profiles)")

    stub_dir, created = ensure_stubs(corpus, args.stub_dir, args.stub_tool)
    scratch = tempfile.mkdtemp(prefix="portolan-oracle-")
    audit = None
    if args.audit:
        import sysconfig

        audit = [
            scratch,
            stub_dir,
            os.path.realpath(sys.prefix),
            sys.prefix,
            os.path.realpath(sys.base_prefix),
            sys.base_prefix,
            sysconfig.get_paths()["stdlib"],
            HERE,
            "/usr/lib/python3",
            "/usr/lib/locale",
            "/usr/share/locale",
            "/dev/",
            "/proc/",
            "/etc/localtime",
            "/usr/share/zoneinfo",
        ]
    clean_environment(scratch)

    targets = []
    if args.cmd == "query":
        if args.all_cpvs:
            cpvs = all_cpvs(stub_dir)
        elif args.cpvs_from:
            cpvs = read_cpv_file(args.cpvs_from)
        else:
            ap.error("query needs --cpvs-from FILE or --all (every version)")
        targets = _resolve_targets(stub_dir, cpvs)

    tasks = [(args.cmd, prof, targets) for prof in profiles]
    t0 = time.time()
    n_lines = 0
    n_warn = 0
    violations = set()
    try:
        if args.jobs > 1 and len(tasks) > 1:
            import multiprocessing as mp

            ctx = mp.get_context("fork")
            with ctx.Pool(args.jobs, initializer=_worker_init, initargs=(stub_dir, scratch, audit)) as pool:
                results = pool.imap(run_profile, tasks, chunksize=1)
                n_lines, n_warn = _consume(results, out_f, len(tasks), violations)
        else:
            _worker_init(stub_dir, scratch, audit)
            n_lines, n_warn = _consume(map(run_profile, tasks), out_f, len(tasks), violations)
    finally:
        if out_f is not sys.stdout:
            out_f.close()
        else:
            out_f.flush()
        shutil.rmtree(scratch, ignore_errors=True)
        if created and not args.stub_dir:
            shutil.rmtree(stub_dir, ignore_errors=True)
    log(
        f"[oracle] {args.cmd}: {len(tasks)} profiles, {n_lines} lines, {n_warn} warning lines, "
        f"{time.time() - t0:.1f}s wall, jobs={args.jobs}"
    )
    if args.audit:
        if violations:
            log("[oracle] AUDIT: paths opened outside the allowed prefixes:")
            for v in sorted(violations):
                log("  " + v)
            return 3
        log("[oracle] audit: no path outside scratch, stub trees and the Python installation was opened")
    return 0


def _consume(results, out_f, total, violations):
    n_lines = n_warn = 0
    for i, (profile, lines, warns, secs, viol) in enumerate(results, 1):
        for l in lines:
            out_f.write(l + "\n")
        n_lines += len(lines)
        n_warn += len(warns)
        violations.update(viol)
        log(f"[oracle] {i}/{total} {profile} ({len(lines)} lines, {len(warns)} warnings, {secs:.2f}s)")
        for w in warns:
            log(f"  [{profile}] {w}")
    return n_lines, n_warn


if __name__ == "__main__":
    sys.exit(main())
