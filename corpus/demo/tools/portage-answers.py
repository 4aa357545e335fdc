#!/usr/bin/env python3
"""Print what Portage computes for every demo profile, to check corpus/demo/README.md.

usage: portage-answers.py [DEMO_DIR]      (needs a Python with the `portage` package)

It turns the md5-cache-only demo tree into trees Portage reads
(/work/shared/tools/stub-repos.py, or the copy of its logic below), then for each profile
builds a PORTAGE_CONFIGROOT whose make.profile points at it and prints the node stack,
the profile variables, the global force/mask sets, @system/@profile, package.provided,
per-package visibility, stable-ness and USE, and `emerge --pretend` on @system / @profile.
"""
import configparser, hashlib, os, re, shutil, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, ".."))

def stub(src, dest):
    """md5-cache-only repositories -> stub ebuild trees (same logic as shared/tools/stub-repos.py)."""
    cfg = configparser.ConfigParser()
    cfg.read(os.path.join(src, "repos.conf"))
    lines = ["[DEFAULT]", "main-repo = " + cfg["DEFAULT"].get("main-repo", "gentoo"), ""]
    pf_re = re.compile(r"^(.+?)-(\d[^-]*(?:-r\d+)?)$")
    for name in cfg.sections():
        loc = os.path.join(src, cfg[name]["location"])
        out = os.path.join(dest, name)
        shutil.copytree(os.path.join(loc, "profiles"), os.path.join(out, "profiles"))
        os.makedirs(os.path.join(out, "metadata", "md5-cache"))
        shutil.copy(os.path.join(loc, "metadata", "layout.conf"), os.path.join(out, "metadata"))
        cache = os.path.join(loc, "metadata", "md5-cache")
        for cat in sorted(os.listdir(cache)):
            for pf in sorted(os.listdir(os.path.join(cache, cat))):
                pn = pf_re.match(pf).group(1)
                entry, eapi = [], "0"
                for line in open(os.path.join(cache, cat, pf), encoding="utf-8"):
                    key = line.split("=", 1)[0]
                    if key == "EAPI":
                        eapi = line.split("=", 1)[1].strip()
                    if key not in ("_md5_", "_eclasses_", "INHERIT"):
                        entry.append(line)
                body = f"EAPI={eapi}\n# stub for {cat}/{pf}\n"
                os.makedirs(os.path.join(out, cat, pn), exist_ok=True)
                open(os.path.join(out, cat, pn, pf + ".ebuild"), "w").write(body)
                entry.append("_md5_=" + hashlib.md5(body.encode()).hexdigest() + "\n")
                os.makedirs(os.path.join(out, "metadata", "md5-cache", cat), exist_ok=True)
                open(os.path.join(out, "metadata", "md5-cache", cat, pf), "w").writelines(entry)
        lines += [f"[{name}]", f"location = {out}", ""]
    open(os.path.join(dest, "repos.conf"), "w").write("\n".join(lines))

PROFILES = [
    ("demo", "default/linux/amd64/1.0"),
    ("demo", "default/linux/amd64/1.0/desktop"),
    ("demo", "default/linux/amd64/0.9"),
    ("demo", "default/linux/arm64/1.0"),
    ("demo", "default/linux/riscv/1.0"),
    ("demo-overlay", "demo-os/amd64/server"),
    ("demo-overlay", "demo-os/amd64/kiosk"),
    ("demo-overlay", "demo-os/riscv"),
]
PKGS = [
    "app-arch/zstd-1.5.7", "app-editors/emacs-30.1", "app-editors/nano-8.4", "app-editors/sublime-text-4.192",
    "app-editors/vim-9999", "app-shells/bash-5.2_p37", "app-shells/bash-5.3", "demo-os/kiosk-session-2.0",
    "dev-lang/python-3.13.3", "dev-lang/python-3.14.0_beta1", "dev-libs/openssl-3.3.3", "dev-libs/openssl-3.5.0",
    "dev-python/setuptools-78.1.0", "media-libs/mesa-25.0.5", "media-libs/mesa-25.1.0_rc2",
    "sys-apps/baselayout-2.15", "sys-apps/coreutils-9.6", "sys-apps/coreutils-9.7", "sys-apps/openrc-0.56",
    "sys-libs/libxcrypt-4.4.38", "sys-libs/zlib-2.0", "demo-os/base-tools-1.2", "demo-os/os-release-1.0",
]

def one_profile(stubdir, repo, prof):
    root = tempfile.mkdtemp(prefix="cfgroot-")
    os.makedirs(root + "/etc/portage")
    os.symlink(f"{stubdir}/{repo}/profiles/{prof}", root + "/etc/portage/make.profile")
    os.symlink(f"{stubdir}/repos.conf", root + "/etc/portage/repos.conf")
    open(root + "/etc/portage/make.conf", "w").write(
        f'PORTAGE_TMPDIR="{root}/tmp"\nFEATURES="-news -sandbox -usersandbox"\n'
        'PORTAGE_USERNAME="root"\nPORTAGE_GRPNAME="root"\n')
    os.makedirs(root + "/tmp")
    # ROOT=/ (with the installation's own EPREFIX) keeps emerge to one root; --emptytree
    # ignores whatever is installed. PORTAGE_REPOSITORIES replaces portage's default
    # repos.conf (which names gentoo).
    env = dict(os.environ, PORTAGE_CONFIGROOT=root, ROOT="/", PYTHONWARNINGS="ignore",
               PORTAGE_REPOSITORIES=open(f"{stubdir}/repos.conf").read())
    for k in ("USE", "VIDEO_CARDS", "PYTHON_TARGETS", "ACCEPT_KEYWORDS", "ACCEPT_LICENSE"):
        env.pop(k, None)
    code = PROBE.replace("@ROOT@", root).replace("@PKGS@", repr(PKGS))
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    print(r.stdout, end="")
    if r.returncode:
        print(r.stderr)
    for target in ("@system", "@profile", "app-editors/emacs", "dev-python/setuptools", "demo-os/base-tools"):
        r = subprocess.run([sys.executable, "-c", "import sys; from _emerge.main import emerge_main; sys.exit(emerge_main())",
                            "--pretend", "--quiet", "--emptytree", "--autounmask=n", "--color=n", target],
                           env=env, capture_output=True, text=True)
        out = [l for l in (r.stdout + r.stderr).splitlines() if l.strip()]
        merged = [l.split("]", 1)[1].split()[0] for l in out if l.startswith("[ebuild")]
        print(f"emerge -p {target}: exit {r.returncode}, {len(merged)} to merge")
        if r.returncode == 0 and target.startswith("@"):
            print("   | " + " ".join(sorted(merged)))
        for l in out:
            if not l.startswith("[ebuild") and "/stub/" not in l and not l.startswith(("# ", "For more", "man page")):
                print("   |", l)

PROBE = r'''
import os, portage
from portage.package.ebuild.getmaskingstatus import getmaskingstatus
from _emerge.Package import Package
from _emerge.RootConfig import RootConfig
root = "@ROOT@"
trees = portage.create_trees(config_root=root, target_root="/", env=os.environ)
tr = trees[trees._target_eroot]
s = tr["porttree"].settings
portdb = tr["porttree"].dbapi
from portage._sets import load_default_config
setconfig = load_default_config(s, tr)
rc = RootConfig(s, tr, setconfig)
def short(p):
    for repo, loc in ((r.name, r.location) for r in s.repositories):
        if p.startswith(loc + "/profiles/"):
            return repo + ":" + p[len(loc) + 10:]
    return p
print("nodes:", len(s.profiles))
for i, p in enumerate(s.profiles, 1):
    print(f"  {i:2} {short(p)}")
for k in ("ARCH", "ACCEPT_KEYWORDS", "ACCEPT_LICENSE", "IUSE_IMPLICIT", "USE_EXPAND_IMPLICIT", "USE_EXPAND_UNPREFIXED",
          "USE_EXPAND", "VIDEO_CARDS", "PYTHON_TARGETS", "INPUT_DEVICES", "ELIBC", "KERNEL", "ABI_X86", "CONFIG_PROTECT", "CHOST"):
    print(f"{k}=" + repr(s.get(k)))
print("USE=" + " ".join(sorted(s["USE"].split())))
print("force=" + " ".join(sorted(s.useforce)))
print("mask=" + " ".join(sorted(s.usemask)))
sets = setconfig.getSets()
s0 = s
print("@system=" + " ".join(sorted(str(a) for a in sets["system"].getAtoms())))
print("@profile=" + " ".join(sorted(str(a) for a in sets["profile"].getAtoms())))
print("provided=" + " ".join(sorted(v for vs in s.pprovideddict.values() for v in vs)))
aux = ["EAPI", "IUSE", "KEYWORDS", "LICENSE", "SLOT", "REQUIRED_USE", "PROPERTIES", "RESTRICT", "DEFINED_PHASES",
       "DEPEND", "RDEPEND", "PDEPEND", "BDEPEND", "IDEPEND", "repository", "INHERITED", "SRC_URI"]
for cpv in @PKGS@:
    m = getmaskingstatus(cpv, settings=s, portdb=portdb)
    try:
        md = dict(zip(aux, portdb.aux_get(cpv, aux)))
    except Exception as e:
        print(f"{cpv}: aux_get failed {e}"); continue
    line = f"{cpv}: visible={'yes' if not m else 'no'}" + (f" reasons={m}" if m else "")
    if not portage.eapi_is_supported(md["EAPI"]):
        print(line); continue
    pkg = Package(built=False, cpv=cpv, installed=False, metadata=md, root_config=rc, type_name="ebuild")
    s = portage.config(clone=s0)
    stable = s._isStable(pkg)
    s.setcpv(pkg)
    iuse = set(x.lstrip("+-") for x in md["IUSE"].split())
    use = set(s["PORTAGE_USE"].split())
    line += f" stable={stable} use=[{' '.join(sorted(use & iuse))}] masked=[{' '.join(sorted(s.usemask & iuse))}] forced=[{' '.join(sorted(s.useforce & iuse))}]"
    if md["REQUIRED_USE"]:
        from portage.dep import check_required_use
        ok = check_required_use(md["REQUIRED_USE"], use, s.iuse_effective_pattern().match if hasattr(s, "iuse_effective_pattern") else pkg.iuse.is_valid_flag, eapi=md["EAPI"])
        line += f" required_use={'ok' if ok else 'UNMET'}"
    print(line)
    s = s0
'''

def main():
    work = tempfile.mkdtemp(prefix="demo-portage-")
    stubdir = os.path.join(work, "stub")
    os.makedirs(stubdir)
    stub(DEMO, stubdir)
    for repo, prof in PROFILES:
        print(f"==================== {repo}:{prof}")
        one_profile(stubdir, repo, prof)
    shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    main()
