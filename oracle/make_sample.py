#!/usr/bin/env python3
"""Choose the fixed package-version sample used by the Portage oracle's golden query output.

Deterministic: depends only on the corpus contents (sorted listings and sha1 of names), never on
time, randomness or dict order. Prints one CAT/PF per line (with ::REPO when the same CAT/PF exists
in more than one repository), grouped by the reason it was picked (first reason wins), each group
sorted.

usage: make_sample.py [--corpus DIR] > oracle/sample-cpvs.txt
"""

import argparse
import configparser
import hashlib
import os
import re
import sys

# Packages the brief names explicitly: every version.
REQUIRED = [
    "sys-apps/systemd",
    "sys-libs/glibc",
    "dev-lang/python",
    "sys-apps/coreutils",
    "net-misc/curl",
    "dev-lang/perl",
    "sys-boot/grub",
    "sys-apps/kexec-tools",
    "app-emulation/qemu-guest-agent",
    "sci-biology/bioperl",
]
# Further packages named in gentoo-spec.md / corpus-tour.md: at most MAX_PER_CP versions each.
NAMED = [
    "app-misc/ca-certificates",
    "dev-libs/protobuf",
    "media-libs/openexr",
    "virtual/libcrypt",
    "dev-cpp/argparse",
    "app-containers/runc",
    "app-arch/gzip",
    "media-libs/mesa",
    "app-emulation/qemu",
    "dev-php/PEAR-PEAR",
    "dev-vcs/git",
    "sys-apps/gawk",
    "sys-devel/gcc",
    "llvm-runtimes/compiler-rt-sanitizers",
    "dev-lang/ruby",
    "sys-fs/overlaybd",
    "dev-util/claude-code",
    "app-crypt/libb2",
    "app-editors/vim",
    "sys-apps/portage",
    "media-libs/freetype",
    "sys-apps/baselayout",
    "sys-apps/util-linux",
    "sys-apps/busybox",
]

# Profile directories whose stable-only files select packages (brief: gentoo base and arch/amd64).
STABLE_DIRS = ["base", "arch/base", "arch/amd64"]
STABLE_PKG_FILES = ["package.use.stable.mask", "package.use.stable.force"]
STABLE_FLAG_FILES = ["use.stable.mask", "use.stable.force"]
CPS_PER_STABLE_FLAG = 2
PER_CATEGORY = 2
# Versions per package outside REQUIRED, spread over the name-sorted list of its versions.
MAX_PER_CP = 3  # NAMED
MAX_PER_CP_FILES = 2  # packages picked because a profile file or a stable-only flag names them

PF_RE = re.compile(r"^(.+?)-(\d[^-]*(?:-r\d+)?)$")


def read_repos(corpus):
    cfg = configparser.ConfigParser()
    cfg.read(os.path.join(corpus, "repos.conf"))
    return [(n, os.path.join(corpus, cfg[n]["location"])) for n in cfg.sections()]


def lines(path):
    if not os.path.isfile(path):
        return []
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            toks = []
            for t in line.split():
                if t.startswith("#"):
                    break
                toks.append(t)
            if toks:
                out.append(toks)
    return out


def spread(keys, n=MAX_PER_CP):
    """At most n entries of a sorted list: first, last and evenly spaced ones in between."""
    if len(keys) <= n:
        return list(keys)
    if n == 1:
        return [keys[-1]]
    idx = sorted({round(i * (len(keys) - 1) / (n - 1)) for i in range(n)})
    return [keys[i] for i in idx]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default="/work/shared/corpus/real")
    args = ap.parse_args()
    corpus = os.path.abspath(args.corpus)
    repos = read_repos(corpus)

    # (cpv, repo) entries, IUSE per entry
    entries = []  # (cat, pf, pn, repo)
    iuse = {}
    for name, loc in repos:
        cache = os.path.join(loc, "metadata", "md5-cache")
        for cat in sorted(os.listdir(cache)):
            for pf in sorted(os.listdir(os.path.join(cache, cat))):
                m = PF_RE.match(pf)
                pn = m.group(1) if m else pf
                entries.append((cat, pf, pn, name))
                flags = set()
                for l in open(os.path.join(cache, cat, pf), encoding="utf-8", errors="replace"):
                    if l.startswith("IUSE="):
                        flags = {t.lstrip("+-") for t in l[5:].split()}
                iuse[(f"{cat}/{pf}", name)] = flags
    by_cp = {}
    for cat, pf, pn, repo in entries:
        by_cp.setdefault(f"{cat}/{pn}", []).append((f"{cat}/{pf}", repo))
    cpv_repos = {}
    for cat, pf, pn, repo in entries:
        cpv_repos.setdefault(f"{cat}/{pf}", []).append(repo)

    def atom_cp(tok):
        t = tok.lstrip("-*").lstrip("<>=~!")
        t = t.split("[", 1)[0].split("::", 1)[0].split(":", 1)[0].rstrip("*")
        if t in by_cp:
            return t
        for i in range(len(t) - 1, 0, -1):
            if t[i] == "-" and t[:i] in by_cp:
                return t[:i]
        return None

    chosen = {}  # (cpv, repo) -> reason
    order = []

    def add(key, reason):
        if key not in chosen:
            chosen[key] = reason
            order.append(key)

    # 1. every genpack-overlay version
    for cat, pf, pn, repo in entries:
        if repo == "genpack-overlay":
            add((f"{cat}/{pf}", repo), "genpack-overlay: every version")
    # 2. named packages
    for cp in REQUIRED:
        for key in by_cp.get(cp, []):
            add(key, "named in the brief: every version")
    for cp in NAMED:
        for key in spread(by_cp.get(cp, [])):
            add(key, "named in the spec / corpus tour")
    # 3. stable-only per-package files
    gentoo_loc = dict(repos).get("gentoo")
    stable_flags = []
    for d in STABLE_DIRS:
        for fn in STABLE_PKG_FILES:
            for toks in lines(os.path.join(gentoo_loc, "profiles", d, fn)):
                cp = atom_cp(toks[0])
                for key in spread(by_cp.get(cp, []) if cp else [], MAX_PER_CP_FILES):
                    add(key, f"gentoo {d}/{fn}")
        for fn in STABLE_FLAG_FILES:
            for toks in lines(os.path.join(gentoo_loc, "profiles", d, fn)):
                if not toks[0].startswith("-"):
                    stable_flags.append((toks[0], f"gentoo {d}/{fn}"))
    # 4. packages carrying a flag of use.stable.{mask,force}
    for flag, reason in stable_flags:
        cps = sorted({k[0].rsplit("/", 1)[0] + "/" + PF_RE.match(k[0].split("/")[1]).group(1)
                      for k, f in iuse.items() if flag in f and PF_RE.match(k[0].split("/")[1])})
        for cp in cps[:CPS_PER_STABLE_FLAG]:
            for key in spread(by_cp[cp], MAX_PER_CP_FILES):
                add(key, f"IUSE has {flag} ({reason})")
    # 5. packages named in overlay profile files (package.*, packages) and repo-level package.mask
    for name, loc in repos:
        pdir = os.path.join(loc, "profiles")
        for root, dirs, files in sorted(os.walk(pdir)):
            dirs.sort()
            for fn in sorted(files):
                if not (fn.startswith("package.") or fn == "packages") or fn == "package.deprecated":
                    continue
                if name == "gentoo" and root != pdir:
                    continue  # gentoo: only the repo-level profiles/package.mask
                for toks in lines(os.path.join(root, fn)):
                    cp = atom_cp(toks[0])
                    for key in spread(by_cp.get(cp, []) if cp else [], MAX_PER_CP_FILES):
                        rel = os.path.relpath(os.path.join(root, fn), pdir)
                        add(key, f"{name} profiles/{rel}")
    # 6. every coreos-overlay version
    for cat, pf, pn, repo in entries:
        if repo == "coreos-overlay":
            add((f"{cat}/{pf}", repo), "coreos-overlay: every version")
    # 7. category coverage: PER_CATEGORY versions per category, lowest sha1(cpv) first
    cats = {}
    for cat, pf, pn, repo in entries:
        cats.setdefault(cat, []).append((hashlib.sha1(f"{cat}/{pf}".encode()).hexdigest(), (f"{cat}/{pf}", repo)))
    for cat in sorted(cats):
        for _, key in sorted(cats[cat])[:PER_CATEGORY]:
            add(key, "category coverage (lowest sha1)")

    groups = {}
    for key in order:
        groups.setdefault(chosen[key], []).append(key)
    print(f"# Portage oracle sample: {len(order)} package versions (generated by oracle/make_sample.py;")
    print("# do not edit). Format: CAT/PF[::REPO]; '::REPO' only where CAT/PF is in several repos.")
    for reason, keys in groups.items():
        print(f"# -- {reason}")
        for cpv, repo in sorted(keys):
            suffix = f"::{repo}" if len(cpv_repos[cpv]) > 1 else ""
            print(f"{cpv}{suffix}")
    print(f"{len(order)} versions", file=sys.stderr)


if __name__ == "__main__":
    main()
