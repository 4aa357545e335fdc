#!/usr/bin/env python3
"""Times `portolan bisect` over a 1,000-commit history made from the real corpus.

The history is a copy of ../shared/corpus/real/genpack-overlay in a temporary git
repository: an import commit, then 999 commits of the edits the overlay's maintainers
make (a changed description or homepage in an md5-cache entry, a package.use line, a
new version of a package, a package.accept_keywords line), one of which, at a fixed
position, masks net-misc/bridge-utils, which genpack/bridged-eth needs. gentoo stays
at its working state through repos.conf. The script then times

    portolan bisect --repo genpack-overlay --good FIRST --bad HEAD \
        --profile P... --target genpack/bridged-eth --deps runtime

with hyperfine and checks that the commit found is the masking one.

Usage: python3 bench/harness/history_bisect.py [--commits N] [--runs N] [--keep DIR]
       [--profiles genpack|all]
Build first: cargo build --release
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.realpath(os.path.join(ROOT, "..", "shared", "corpus", "real"))
PORTOLAN = os.path.join(ROOT, "target", "release", "portolan")
GENPACK_PROFILES = [
    "genpack-overlay:genpack/amd64",
    "genpack-overlay:genpack/amd64/paravirt",
    "genpack-overlay:genpack/amd64/systemimg",
    "genpack-overlay:genpack/arm64",
    "genpack-overlay:genpack/arm64/paravirt",
    "genpack-overlay:genpack/riscv",
]
GIT_ENV = dict(
    os.environ,
    GIT_AUTHOR_NAME="bench",
    GIT_AUTHOR_EMAIL="bench@example.org",
    GIT_COMMITTER_NAME="bench",
    GIT_COMMITTER_EMAIL="bench@example.org",
    GIT_AUTHOR_DATE="2026-01-01T00:00:00Z",
    GIT_COMMITTER_DATE="2026-01-01T00:00:00Z",
)


def git(repo, *args, stdin=None):
    out = subprocess.run(
        ["git", "-C", repo, "-c", "commit.gpgsign=false", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=GIT_ENV,
    )
    if out.returncode != 0:
        sys.exit(f"git {args}: {out.stderr}")
    return out.stdout.strip()


def edit(repo, rng, i):
    """One ordinary maintainer edit; returns (subject, {path: text})."""
    cache = os.path.join(repo, "metadata", "md5-cache")
    entries = sorted(
        os.path.join(c, f) for c in os.listdir(cache) for f in os.listdir(os.path.join(cache, c))
    )
    kind = i % 4
    if kind == 0:
        rel = rng.choice(entries)
        path = os.path.join("metadata", "md5-cache", rel)
        text = open(os.path.join(repo, path)).read()
        lines = [l for l in text.splitlines() if not l.startswith("DESCRIPTION=")]
        lines.insert(1, f"DESCRIPTION=revised description {i}")
        return f"{rel}: reword description ({i})", {path: "\n".join(sorted(lines)) + "\n"}
    if kind == 1:
        path = "profiles/genpack/weston/package.use"
        text = open(os.path.join(repo, path)).read()
        return f"weston: package.use tweak {i}", {path: text + f"# tweak {i}\nx11-terms/xterm -truetype\n"}
    if kind == 2:
        # A new snapshot of a package: same metadata, newer version.
        rel = rng.choice([e for e in entries if e.startswith("genpack/") and "-2" in e])
        cat, pf = rel.split("/")
        pn = pf.split("-2")[0]
        new = f"{cat}/{pn}-2027{i:04d}"
        text = open(os.path.join(cache, rel)).read()
        return f"{new}: new snapshot", {os.path.join("metadata", "md5-cache", new): text}
    path = "profiles/genpack/package.accept_keywords"
    text = open(os.path.join(repo, path)).read()
    return f"accept_keywords: line {i}", {path: text + f"# {i}\napp-admin/eclean-kernel\n"}


def build(dest, commits, bad_at, seed=7):
    repo = os.path.join(dest, "genpack-overlay")
    shutil.copytree(os.path.join(CORPUS, "genpack-overlay"), repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "import genpack-overlay")
    first = git(repo, "rev-parse", "HEAD")
    rng = random.Random(seed)
    bad_id = None
    for i in range(1, commits):
        if i == bad_at:
            path = "profiles/genpack/package.mask"
            text = open(os.path.join(repo, path)).read()
            subject, files = "mask net-misc/bridge-utils", {
                path: text + "\n# Replaced by iproute2.\nnet-misc/bridge-utils\n"
            }
        else:
            subject, files = edit(repo, rng, i)
        for path, text in files.items():
            full = os.path.join(repo, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w") as f:
                f.write(text)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", subject)
        if i == bad_at:
            bad_id = git(repo, "rev-parse", "HEAD")
    git(repo, "gc", "-q")
    conf = os.path.join(dest, "repos.conf")
    with open(conf, "w") as f:
        f.write(
            "[DEFAULT]\nmain-repo = gentoo\n\n"
            f"[gentoo]\nlocation = {os.path.join(CORPUS, 'gentoo')}\n\n"
            "[genpack-overlay]\nlocation = genpack-overlay\n"
        )
    return conf, first, bad_id


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--commits", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keep", help="build the history here and keep it")
    ap.add_argument("--profiles", choices=["genpack", "all"], default="genpack")
    args = ap.parse_args()
    if not os.access(PORTOLAN, os.X_OK):
        sys.exit(f"{PORTOLAN} missing: cargo build --release first")
    dest = args.keep or tempfile.mkdtemp(prefix="portolan-history-bench-")
    os.makedirs(dest, exist_ok=True)
    t0 = time.time()
    conf, first, bad_id = build(dest, args.commits, bad_at=args.commits * 7 // 10)
    print(f"built {args.commits} commits in {time.time() - t0:.1f} s under {dest}")
    select = (
        ["--all-profiles"]
        if args.profiles == "all"
        else [a for p in GENPACK_PROFILES for a in ("--profile", p)]
    )
    cmd = [
        PORTOLAN, "--repos-conf", conf, "bisect", "--repo", "genpack-overlay",
        "--good", first, "--bad", "HEAD", *select,
        "--target", "genpack/bridged-eth", "--deps", "runtime",
    ]
    out = subprocess.run(cmd, capture_output=True, text=True)
    found = next((l for l in out.stdout.splitlines() if l.startswith("first bad commit: ")), "")
    evaluated = next((l.strip() for l in out.stdout.splitlines() if "commits evaluated" in l), "")
    if out.returncode != 0 or bad_id not in found:
        sys.exit(f"bisect did not find {bad_id}:\n{out.stdout}{out.stderr}")
    print(found, evaluated)
    export = os.path.join(dest, "hyperfine.json")
    shell_cmd = " ".join(f"'{c}'" for c in cmd) + " > /dev/null"
    subprocess.run(
        ["hyperfine", "--warmup", "1", "--runs", str(args.runs), "--export-json", export, shell_cmd],
        check=True,
    )
    r = json.load(open(export))["results"][0]
    print(
        f"bisect over {args.commits} commits ({args.profiles} profiles): "
        f"median {r['median']:.2f} s wall, mean user {r['user']:.2f} s + system {r['system']:.2f} s, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    if not args.keep:
        shutil.rmtree(dest)


if __name__ == "__main__":
    main()
