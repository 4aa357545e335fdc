#!/usr/bin/env python3
"""Check the golden oracle outputs against the values marked VERIFIED in
/work/shared/docs/corpus-tour.md and gentoo-spec.md (§7.3, §9.3, §11.7, §12, §13, §15.2).

usage: check_golden.py [GOLDEN_DIR]   (default: oracle/golden next to this script)
Plain python3, no Portage needed. Prints one line per check and 'N passed, N failed'.
"""

import gzip
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "golden")

PV = "genpack-overlay:genpack/amd64/paravirt"
RV = "genpack-overlay:genpack/riscv/paravirt"
CP = "coreos-overlay:coreos/amd64/generic/prod"


def load(name):
    path = os.path.join(GOLDEN, name)
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(l) for l in f]


profiles = load("profiles.jsonl")
show = {d["profile"]: d for d in load("show.jsonl.gz")}
query = {}
for d in load("query.jsonl.gz"):
    query[(d["profile"], d["cpv"])] = d

results = []


def check(name, got, want):
    ok = got == want
    results.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} {name}" + ("" if ok else f"\n     got  {got!r}\n     want {want!r}"))


def q(profile, cpv):
    return query.get((profile, cpv), {})


# profiles
check("509 profiles.desc entries", len(profiles), 509)
check("per repo", {r: sum(1 for p in profiles if p["repo"] == r) for r in ("gentoo", "genpack-overlay", "coreos-overlay")},
      {"gentoo": 487, "genpack-overlay": 14, "coreos-overlay": 8})
check("show has every profile, no errors", sorted(show) == sorted(p["profile"] for p in profiles)
      and not any("error" in d for d in show.values()), True)

# stacks (§7.3, corpus-tour §2/§3)
check("paravirt stack", show[PV]["stack"], [
    "genpack-overlay:genpack/paravirt", "gentoo:base", "gentoo:default/linux", "gentoo:default/linux/amd64",
    "gentoo:arch/base", "gentoo:features/multilib", "gentoo:arch/amd64", "gentoo:releases",
    "gentoo:releases/23.0", "gentoo:default/linux/amd64/23.0", "gentoo:targets/systemd",
    "gentoo:default/linux/amd64/23.0/systemd", "genpack-overlay:genpack", "genpack-overlay:genpack/amd64",
    "genpack-overlay:genpack/amd64/paravirt"])
check("weston/paravirt 31 nodes", len(show["genpack-overlay:genpack/amd64/weston/paravirt"]["stack"]), 31)
check("gnome/baremetal 21 nodes", len(show["genpack-overlay:genpack/amd64/gnome/baremetal"]["stack"]), 21)
check("gnome/baremetal first 7", show["genpack-overlay:genpack/amd64/gnome/baremetal"]["stack"][:7], [
    "genpack-overlay:genpack", "genpack-overlay:genpack/systemimg", "genpack-overlay:genpack/systemimg/baremetal",
    "gentoo:targets/desktop", "gentoo:targets/desktop/gnome", "genpack-overlay:genpack/gnome", "gentoo:base"])
check("coreos prod 23 nodes", len(show[CP]["stack"]), 23)
check("256 profiles with a repeated node", sum(1 for d in show.values() if len(set(d["stack"])) != len(d["stack"])), 256)
check("gnome/systemd 19 nodes", len(show["gentoo:default/linux/amd64/23.0/desktop/gnome/systemd"]["stack"]), 19)

# variables (§9.3)
v = show[PV]["vars"]
check("paravirt ARCH/ACCEPT_KEYWORDS/ACCEPT_LICENSE", (v["ARCH"], v["ACCEPT_KEYWORDS"], v["ACCEPT_LICENSE"]), ("amd64", "amd64", "@FREE"))
check("paravirt USE_EXPAND_IMPLICIT", v["USE_EXPAND_IMPLICIT"], "ARCH ELIBC KERNEL")
check("paravirt USE_EXPAND_UNPREFIXED", v["USE_EXPAND_UNPREFIXED"], "ARCH")
check("paravirt USE_EXPAND_HIDDEN", v["USE_EXPAND_HIDDEN"], "ABI_MIPS ABI_S390 CPU_FLAGS_ARM CPU_FLAGS_PPC ELIBC KERNEL")
check("paravirt IUSE_IMPLICIT", v["IUSE_IMPLICIT"], "abi_x86_64 prefix prefix-guest prefix-stack")
check("paravirt VIDEO_CARDS", v["VIDEO_CARDS"].split(), sorted("amdgpu fbdev intel nouveau radeon radeonsi vesa dummy".split()))
check("paravirt CONFIG_PROTECT", v["CONFIG_PROTECT"], "/etc")
check("weston VIDEO_CARDS", show["genpack-overlay:genpack/amd64/weston/paravirt"]["vars"]["VIDEO_CARDS"], "amdgpu dummy fbdev vesa virgl")
cv = show[CP]["vars"]
check("coreos CONFIG_PROTECT", cv["CONFIG_PROTECT"], "/etc/hosts /etc/locale.gen /etc/localtime /etc/make.conf")
check("coreos PYTHON_TARGETS", cv["PYTHON_TARGETS"], "python3_12")
check("coreos ACCEPT_LICENSE", cv["ACCEPT_LICENSE"],
      "@FREE no-source-code linux-fw-redistributable freedist intel-ucode NVIDIA-2023 NVIDIA-2025")
check("coreos GRUB_PLATFORMS", cv["GRUB_PLATFORMS"], "efi-64 pc xen")

# global force/mask, sets (§15.2, §13)
check("paravirt use_force", show[PV]["use_force"],
      ["abi_x86_64", "amd64", "big-endian", "elibc_glibc", "kernel_linux", "llvm_targets_X86", "test-rust"])
check("paravirt 108 masked flags", len(show[PV]["use_mask"]), 108)
check("paravirt big-endian masked, not in USE", ("big-endian" in show[PV]["use_mask"], "big-endian" in show[PV]["use"]), (True, False))
check("paravirt @system 51", len(show[PV]["system"]), 51)
check("paravirt @system has genpack-progs", "genpack/genpack-progs" in show[PV]["system"], True)
check("paravirt @profile", show[PV]["profile_set"], ["genpack/base", "genpack/paravirt"])
check("coreos @system has lbzip2/nss-usrfiles/bash-completion, no elfix",
      [x in show[CP]["system"] for x in ("app-arch/lbzip2", "sys-libs/nss-usrfiles", "app-shells/bash-completion", "sys-apps/elfix")],
      [True, True, True, False])
check("paravirt accept_keywords", show[PV]["accept_keywords"], [["dev-cpp/argparse", []]])
check("coreos provided has virtual/mta-1", "virtual/mta-1" in show[CP]["provided"], True)

# per package (§11.7, §12, §15.2)
d = q(PV, "sys-apps/coreutils-9.11")
check("coreutils-9.11 use/masked", (d.get("use"), d.get("masked")), (["acl", "nls", "openssl", "xattr"], ["selinux", "split-usr"]))
d = q(PV, "sys-libs/glibc-2.43")
check("glibc-2.43 use", d.get("use"), sorted("audit cet multiarch multilib ssp stack-realign static-libs systemd".split()))
check("glibc-2.43 masked/forced", (d.get("masked"), d.get("forced")),
      (sorted("clang custom-cflags selinux sframe vanilla".split()), ["multilib", "static-libs"]))
check("glibc-2.43 invisible by keywords", (d.get("visible"), d.get("masked_by")), (False, ["keywords"]))
d = q(PV, "net-misc/curl-8.21.0")
check("curl-8.21.0 use", d.get("use"), sorted("abi_x86_64 adns alt-svc curl_ssl_openssl ftp hsts http2 http3 httpsrr imap openssl pop3 psl quic smtp ssl telnet tftp websockets".split()))
d = q(PV, "dev-lang/perl-5.42.2")
check("perl-5.42.2 use/masked", (d.get("use"), d.get("masked")), (["gdbm", "minimal"], ["perl_features_debug"]))
d = q(PV, "dev-lang/python-3.14.6")
check("python-3.14.6 stable, masked jit tail-call-interp", (d.get("stable"), d.get("masked")), (True, ["jit", "tail-call-interp"]))
check("python-3.14.6 use", d.get("use"), sorted("ensurepip gdbm llvm_slot_19 ncurses readline sqlite ssl".split()))
d = q(PV, "dev-lang/python-3.15.0_beta4")
check("python-3.15.0_beta4", (d.get("stable"), d.get("masked"), d.get("masked_by")), (False, ["jit"], ["package.mask", "keywords"]))
check("freethreading python: no package.mask on paravirt",
      any("package.mask" in q(PV, c).get("masked_by", []) for c in ("dev-lang/python-0.3.13.14", "dev-lang/python-0.3.14.6", "dev-lang/python-0.3.15.0_beta4")), False)
check("riscv kexec-tools 2.0.32-r1 visible, 9999 not",
      (q(RV, "sys-apps/kexec-tools-2.0.32-r1").get("visible"), q(RV, "sys-apps/kexec-tools-9999").get("visible")), (True, False))
check("riscv qemu-guest-agent-10.2.2 visible", q(RV, "app-emulation/qemu-guest-agent-10.2.2").get("visible"), True)
check("riscv: nothing stable", any(d["stable"] for (p, c), d in query.items() if p == RV and "stable" in d), False)
check("riscv python-3.14.6 not stable", q(RV, "dev-lang/python-3.14.6").get("stable"), False)
check("coreos python-3.12.13_p1 package.mask", q(CP, "dev-lang/python-3.12.13_p1").get("masked_by"), ["package.mask"])
check("coreos python-3.13.14 package.mask", "package.mask" in q(CP, "dev-lang/python-3.13.14").get("masked_by", []), True)
check("coreos freethreading python-0.3.13.14 package.mask", "package.mask" in q(CP, "dev-lang/python-0.3.13.14").get("masked_by", []), True)
check("coreos grub-2.14-r5 package.mask", "package.mask" in q(CP, "sys-boot/grub-2.14-r5").get("masked_by", []), True)
# (coreos/amd64/sdk/transition is not in profiles.desc, so not in the golden files; its half of the
# VERIFIED pair is checked ad hoc, see README)
check("coreos/amd64/sdk masks python-3.11.15-r1",
      q("coreos-overlay:coreos/amd64/sdk", "dev-lang/python-3.11.15-r1").get("masked_by"), ["package.mask"])
d = q(CP, "sys-apps/systemd-261.1")
check("coreos systemd-261.1: no gcrypt, vanilla on, forced abi_x86_64 vanilla",
      ("gcrypt" in d.get("use", []), "vanilla" in d.get("use", []), d.get("forced")), (False, True, ["abi_x86_64", "vanilla"]))
d = q(CP, "net-misc/curl-8.21.0")
check("coreos curl: kerberos, no http3/quic/websockets",
      [f in d.get("use", []) for f in ("kerberos", "telnet", "tftp", "http3", "quic", "websockets")], [True, True, True, False, False, False])
check("coreos curl forced", d.get("forced"), ["abi_x86_64", "curl_ssl_openssl", "openssl", "ssl"])
check("coreos grub-2.14-r5 grub_platforms", [f for f in q(CP, "sys-boot/grub-2.14-r5").get("use", []) if f.startswith("grub_platforms_")],
      ["grub_platforms_efi-64", "grub_platforms_pc", "grub_platforms_xen"])
check("no query errors", sum(1 for d in query.values() if "error" in d), 0)

passed = sum(results)
failed = len(results) - passed
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
