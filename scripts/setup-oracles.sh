#!/usr/bin/env bash
# Create (if missing) the repository's Python venv at <repo root>/.venv and install the pinned
# oracle dependencies (oracle/requirements.txt) from PyPI. Idempotent: a second run only checks.
# Prints the venv's python path on stdout (everything else goes to stderr), so callers can do
#   PY=$(scripts/setup-oracles.sh)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$root/.venv"
req="$root/oracle/requirements.txt"
python=${PYTHON:-python3}

if [ ! -x "$venv/bin/python" ]; then
    echo "setup-oracles: creating $venv" >&2
    "$python" -m venv "$venv" >&2
fi
# Skip pip entirely when every pinned requirement is already installed at its exact version.
if ! "$venv/bin/python" - "$req" >&2 <<'PY'
import sys
from importlib.metadata import version, PackageNotFoundError
ok = True
for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    name, _, want = line.partition("==")
    try:
        have = version(name.strip())
    except PackageNotFoundError:
        have = None
    if have != want.strip():
        ok = False
sys.exit(0 if ok else 1)
PY
then
    echo "setup-oracles: installing $req" >&2
    "$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$req" >&2
fi
echo "$venv/bin/python"
