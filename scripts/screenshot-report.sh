#!/bin/sh
# Screenshot an HTML report in headless Chromium, to look at what a CI
# artifact shows without a desktop:
#   scripts/screenshot-report.sh REPORT.html OUT.png [WIDTHxHEIGHT [#open]]
# (#open: every explanation opened)
# Needs Debian's `chromium` (apt-get install -y chromium). --no-sandbox
# because CI containers and root shells cannot use Chromium's sandbox.
set -eu
report=${1:?usage: $0 REPORT.html OUT.png [WIDTHxHEIGHT [#open]]}
out=${2:?usage: $0 REPORT.html OUT.png [WIDTHxHEIGHT]}
size=${3:-1400x1000}
abs=$(cd "$(dirname "$report")" && pwd)/$(basename "$report")
# Chromium's own chatter (no D-Bus in a container) goes to a log.
log=$(mktemp)
if chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --screenshot="$out" --window-size="${size%x*},${size#*x}" "file://$abs${4:-}" >"$log" 2>&1 &&
    [ -s "$out" ]; then
    rm -f "$log"
    echo "$out"
else
    cat "$log" >&2
    rm -f "$log"
    exit 1
fi
