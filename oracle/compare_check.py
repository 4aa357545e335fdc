#!/usr/bin/env python3
"""Compare `portolan check` with `emerge --pretend` (emerge_oracle.py) cell by cell, print a table.

  compare_check.py [--emerge FILE] (--portolan FILE | --portolan-bin BIN --repos-conf FILE)
                   [--markdown] [--packages]

--emerge      JSON lines of emerge_oracle.py (default: oracle/golden/emerge-check.jsonl)
--portolan    JSON lines of `portolan check --format json`; or
--portolan-bin / --repos-conf: run `BIN --repos-conf FILE check --profile P... --target T...
              --format json` for the profiles and targets of the emerge file

Rules of agreement (plain python3, no Portage needed):
  * emerge resolves (a complete graph, build-order cycles allowed) -> portolan must say installable;
  * emerge fails -> portolan must say not installable AND list among its problems the same root
    cause: a problem on the same package (cat/pkg of the atom) of a compatible kind
    (masked/keywords are one family: emerge lists keyword and package.mask reasons together;
    use/required_use likewise; blocked/conflict likewise).
Extra column (not a rule): where both resolve, whether portolan's solution is the very set of
versions emerge's depgraph merges.
Exit status 0 when every cell agrees, 1 otherwise.
"""

import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

FAMILY = {
    "missing": {"missing"},
    "masked": {"masked", "keywords"},
    "keywords": {"keywords", "masked"},
    "use": {"use", "required_use"},
    "required_use": {"required_use", "use"},
    "blocked": {"blocked", "conflict"},
    "conflict": {"conflict", "blocked"},
}


def cp_of(atom):
    """cat/pkg of an atom string (`>=dev-lang/python-3.12:3.12[ssl]` -> `dev-lang/python`)."""
    a = atom.lstrip("!")
    op = re.match(r"^(<=|>=|<|>|=|~)", a)
    a = a[op.end():] if op else a
    a = re.split(r"[:\[]", a, maxsplit=1)[0]
    if op:
        m = re.match(r"^(.+?)-\d[^-]*(?:-r\d+)?\*?$", a)
        if m:
            return m.group(1)
    return a


def solution_cpvs(cell):
    """`cat/pkg:slot` -> PF  to  `cat/PF`."""
    return {k.split("/", 1)[0] + "/" + v for k, v in cell["solution"].items()}


def judge(e, p):
    """(agree: bool, note: str) for one cell."""
    if p is None:
        return False, "no portolan cell"
    if e["resolved"]:
        if not p["installable"]:
            first = p["problems"][0] if p["problems"] else {}
            return False, f"portolan fails ({first.get('kind')} {first.get('atom')}) where emerge resolves"
        return True, ""
    if p["installable"]:
        return False, "portolan installable where emerge fails"
    rc = e["root_cause"]
    want = FAMILY.get(rc["kind"])
    if not want:
        return False, f"emerge failure not classified ({rc['kind']}): review raw"
    cp = rc.get("cp") or cp_of(rc["atom"])
    for i, pr in enumerate(p["problems"], 1):
        if pr["kind"] in want and cp_of(pr["atom"]) == cp:
            note = f"problem #{i} of {len(p['problems'])}"
            # Not a rule: the package.mask file emerge quotes vs the file:line portolan names.
            if rc.get("source") and pr.get("source"):
                efile = rc["source"].replace("$STUB/", "")
                pfile = pr["source"].rsplit(":", 1)[0]
                same = pfile.endswith("/" + efile)
                note += ", same mask file" if same else f", mask file differs ({efile})"
            return True, note
    return False, f"no portolan problem on {cp} of kind {'/'.join(sorted(want))}"


def fmt_emerge(e):
    if e["resolved"]:
        s = f"resolves ({len(e['packages'])} pkgs"
        return s + (", build cycle)" if e["cycle"] else ")")
    rc = e["root_cause"]
    by = rc["required_by"][0] if rc["required_by"] else "argument"
    return f"fails: {rc['kind']} `{rc['atom']}` ← {by}"


def fmt_portolan(p):
    if p is None:
        return "—"
    if p["installable"]:
        return f"installable ({len(p['solution'])} pkgs)"
    pr = p["problems"][0]
    by = pr["required_by"][0] if pr["required_by"] else "argument"
    return f"not installable ({len(p['problems'])} problems), first: {pr['kind']} `{pr['atom']}` ← {by}"


def fmt_packages(e, p):
    if not (e["resolved"] and p and p["installable"]):
        return ""
    ec, pc = set(e["packages"]), solution_cpvs(p)
    if ec == pc:
        return "identical"
    return f"emerge-only {len(ec - pc)}, portolan-only {len(pc - ec)}"


def run_portolan(bin_, repos_conf, cells):
    profiles, targets = [], []
    for e in cells:
        if e["profile"] not in profiles:
            profiles.append(e["profile"])
        if e["target"] not in targets:
            targets.append(e["target"])
    cmd = [bin_, "--repos-conf", repos_conf, "check", "--format", "json"]
    for pr in profiles:
        cmd += ["--profile", pr]
    for t in targets:
        cmd += ["--target", t]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode not in (0, 1):
        sys.exit(f"portolan failed ({r.returncode}): {r.stderr}")
    return [json.loads(l) for l in r.stdout.splitlines() if l.strip()]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--emerge", default=os.path.join(HERE, "golden", "emerge-check.jsonl"))
    ap.add_argument("--portolan", help="JSON lines of `portolan check --format json`")
    ap.add_argument("--portolan-bin", help="run this portolan binary instead")
    ap.add_argument("--repos-conf", help="with --portolan-bin")
    ap.add_argument("--markdown", action="store_true", help="a Markdown table (default: aligned text)")
    args = ap.parse_args(argv)

    with open(args.emerge, encoding="utf-8") as f:
        cells = [json.loads(l) for l in f if l.strip()]
    if args.portolan:
        with open(args.portolan, encoding="utf-8") as f:
            pcells = [json.loads(l) for l in f if l.strip()]
    elif args.portolan_bin and args.repos_conf:
        pcells = run_portolan(args.portolan_bin, args.repos_conf, cells)
    else:
        ap.error("give --portolan FILE or --portolan-bin BIN --repos-conf FILE")
    by_cell = {(p["profile"], p["set"]): p for p in pcells}

    rows = []
    n_agree = 0
    for e in cells:
        p = by_cell.get((e["profile"], e["target"]))
        ok, note = judge(e, p)
        n_agree += ok
        rows.append(
            [e["profile"], e["target"], fmt_emerge(e), fmt_portolan(p), ("yes" if ok else "**NO**") + (f" ({note})" if note else ""), fmt_packages(e, p)]
        )
    head = ["profile", "target", "emerge", "portolan", "agree?", "same packages?"]
    if args.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for r in rows:
            print("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")
    else:
        widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
        for r in [head] + rows:
            print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    print(f"\n{n_agree}/{len(cells)} cells agree")
    return 0 if n_agree == len(cells) else 1


if __name__ == "__main__":
    sys.exit(main())
