#!/usr/bin/env python3
"""Builds seed corpora for the fuzz targets from the real corpus and the
conformance vectors: fuzz/corpus/<target>/ (ignored by git; re-run to
regenerate). At most PER_TARGET small files per target, chosen
deterministically (every n-th candidate), so the seeds stay small.

Usage: python3 fuzz/seed.py [SHARED_DIR]   (default: ../shared next to the repo)
"""
import hashlib
import json
import os
import re
import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent.parent / "shared"
if not (SHARED / "corpus").is_dir():
    SHARED = Path("/work/shared")
REAL = SHARED / "corpus" / "real"
CONF = SHARED / "conformance"
OUT = HERE / "corpus"
PER_TARGET = 200
MAX_SIZE = 8192


def spread(items, n=PER_TARGET):
    """Deterministic sample: every k-th distinct item."""
    items = list(dict.fromkeys(i for i in items if i and len(i) <= MAX_SIZE))
    if len(items) <= n:
        return items
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


def save(target, blobs):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    count = 0
    for b in spread(blobs):
        if isinstance(b, str):
            b = b.encode()
        (d / hashlib.sha1(b).hexdigest()).write_bytes(b)
        count += 1
    print(f"{target}: {count} seeds")


def conformance(name):
    p = CONF / name
    return json.loads(p.read_text()) if p.exists() else []


def md5_entries():
    for p in sorted(REAL.glob("*/metadata/md5-cache/*/*")):
        if p.is_file():
            yield p


def entry_fields(p):
    out = {}
    for line in p.read_text(errors="replace").splitlines():
        k, _, v = line.partition("=")
        out[k] = v
    return out


entries = list(md5_entries())
fields = [entry_fields(p) for p in entries]

# version: versions from md5-cache file names, plus the conformance pairs
# (two lines: the target compares them).
ver_re = re.compile(r"-(\d[^-]*(?:-r\d+)?)$")
versions = []
for p in entries:
    m = ver_re.search(p.name)
    if m:
        versions.append(m.group(1))
pairs = [f"{c['a']}\n{c['b']}" for c in conformance("versions.json")]
save("version", versions[::4] + pairs[::4])

# atom: conformance atoms, match atoms, and atoms from DEPEND strings.
atoms = [c["atom"] for c in conformance("atoms.json")]
atoms += [c["atom"] for c in conformance("match.json")]
for f in fields:
    for tok in f.get("RDEPEND", "").split():
        if "/" in tok:
            atoms.append(tok)
save("atom", atoms)

# depspec: selector byte (EAPI digit; /10 chooses the kind) + string.
def eapi_byte(e, kind):
    try:
        n = int(e)
    except ValueError:
        n = 8
    return bytes([n % 10 + 10 * kind])

deps = [eapi_byte(c["eapi"], 0) + c["depend"].encode() for c in conformance("depspec.json")]
for f in fields:
    e = f.get("EAPI", "0")
    for key, kind in (("DEPEND", 0), ("RDEPEND", 1), ("LICENSE", 2), ("RESTRICT", 3)):
        if f.get(key):
            deps.append(eapi_byte(e, kind) + f[key].encode())
save("depspec", deps)

# required_use: EAPI byte + 8-byte flag mask + string.
ru = []
for i, c in enumerate(conformance("required_use.json")):
    ru.append(eapi_byte(c["eapi"], 0) + struct.pack("<Q", i * 0x9E3779B97F4A7C15 % 2**64) + c["required_use"].encode())
for f in fields:
    if f.get("REQUIRED_USE"):
        ru.append(eapi_byte(f.get("EAPI", "0"), 0) + b"\xff" * 8 + f["REQUIRED_USE"].encode())
save("required_use", ru)

# make_defaults: the real files.
save("make_defaults", [p.read_bytes() for p in sorted(REAL.rglob("make.defaults")) if p.is_file()])

# profile_files: every kind of line file found under profiles/.
names = {"parent", "eapi", "deprecated", "packages", "use.mask", "use.force", "package.mask",
         "package.use", "package.use.mask", "package.use.force", "package.accept_keywords",
         "package.keywords", "use.stable.mask", "profiles.desc", "license_groups", "arch.list",
         "categories", "repo_name", "package.unmask", "package.provided"}
pf = [p.read_bytes() for p in sorted(REAL.rglob("*")) if p.is_file() and p.name in names]
save("profile_files", pf)

# md5cache: whole entries.
save("md5cache", [p.read_bytes() for p in entries])

# repos_conf: the corpus's repos.conf and variations.
rc = [p.read_bytes() for p in sorted(REAL.glob("repos.conf"))]
rc += [b"[DEFAULT]\nmain-repo = gentoo\n[gentoo]\nlocation = /var/db/repos/gentoo\nmasters =\n",
       b"[x]\nlocation: x\n; comment\n[x]\nmasters = gentoo\n", b"[unterminated\n"]
save("repos_conf", rc)

# layout_conf: the corpus's layout.conf files.
save("layout_conf", [p.read_bytes() for p in sorted(REAL.glob("*/metadata/layout.conf"))]
     + [b"masters = gentoo\nprofile-formats = portage-2 profile-set bogus\n"])

# pipeline: arbitrary-derived input; a few fixed byte patterns to start.
save("pipeline", [bytes(range(i, i + 64)) * 4 for i in range(0, 192, 16)])
