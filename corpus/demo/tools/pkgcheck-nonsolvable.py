#!/usr/bin/env python3
"""Run pkgcheck's VisibilityCheck (NonsolvableDeps*) over the demo tree: a second oracle, in
pkgcheck's static model (immutable flags only, configurable USE deps, KEYWORDS-based filters).

usage: pkgcheck-nonsolvable.py [DEMO_DIR]      (needs a Python with `pkgcheck` and `portage`)
"""
import importlib.util, json, os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, ".."))
spec = importlib.util.spec_from_file_location("answers", os.path.join(HERE, "portage-answers.py"))
answers = importlib.util.module_from_spec(spec)
spec.loader.exec_module(answers)

# pkgcore refuses to start when the system bash is older than EAPI 9 asks for; nothing is
# sourced here (the md5-cache is trusted), so the gate is patched out for this run only.
RUN = ("import sys, snakeoil.process.spawn as sp\n"
       "sp.bash_version = lambda *a, **k: '9.9'\n"
       "from pkgcheck.scripts import run\n"
       "sys.exit(run('pkgcheck'))\n")

work = tempfile.mkdtemp(prefix="demo-pkgcheck-")
stub = os.path.join(work, "stub")
os.makedirs(stub)
answers.stub(DEMO, stub)
conf = os.path.join(work, "etc/portage")
os.makedirs(conf)
os.symlink(os.path.join(stub, "repos.conf"), os.path.join(conf, "repos.conf"))
os.symlink(os.path.join(stub, "demo/profiles/default/linux/amd64/1.0"), os.path.join(conf, "make.profile"))
open(os.path.join(conf, "make.conf"), "w").close()
for repo in ("demo", "demo-overlay"):
    r = subprocess.run([sys.executable, "-c", RUN, "--config", conf, "scan", "-c", "VisibilityCheck",
                        "--profiles", "all", "-R", "JsonReporter", os.path.join(stub, repo)],
                       capture_output=True, text=True)
    print(f"== pkgcheck scan {repo} (exit {r.returncode})")
    for line in r.stdout.splitlines():
        for cat, pkgs in json.loads(line).items():
            for pkg, vers in pkgs.items():
                for ver, sevs in vers.items():
                    for sev, classes in sevs.items():
                        for cls, msgs in classes.items():
                            for m in (msgs if isinstance(msgs, list) else [msgs]):
                                print(f"{cat}/{pkg}-{ver} {cls}: {m}")
    if r.stderr.strip():
        print(r.stderr.strip())
