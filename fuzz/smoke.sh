#!/usr/bin/env bash
# Builds every fuzz target and runs each for N seconds (default 10), one at a
# time. Works on the stable toolchain: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass
# its nightly-only flags (-Zsanitizer=address, -Cpasses=sancov-module, ...).
#
#   bash fuzz/smoke.sh [SECONDS]        FUZZ_SANITIZER=none to build without ASan
#                                       SECONDS=0 only builds the targets
#
# Exits non-zero on the first crash, leak, timeout or out-of-memory; the
# reproducer is left in fuzz/artifacts/<target>/.
set -euo pipefail
N="${1:-10}"
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
FLAGS=(-O -a)
if [ -n "${FUZZ_SANITIZER:-}" ]; then
    FLAGS+=(--sanitizer "$FUZZ_SANITIZER")
fi
# Seeds from the real corpus when it is there (and not generated yet).
if [ ! -d corpus ] && command -v python3 >/dev/null; then
    python3 seed.py || true
fi
cargo fuzz build "${FLAGS[@]}"
if [ "$N" = 0 ]; then
    echo "fuzz targets built (0 s requested: not run)"
    exit 0
fi
for t in $(cargo fuzz list); do
    mkdir -p "corpus/$t"
    echo "== $t (${N}s)"
    log="$(mktemp)"
    rc=0
    cargo fuzz run "${FLAGS[@]}" "$t" "corpus/$t" -- \
        -max_total_time="$N" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
        >"$log" 2>&1 || rc=$?
    grep -E 'stat::number_of_executed_units|stat::average_exec_per_sec|ERROR|panicked|SUMMARY|artifact' "$log" || true
    if [ "$rc" -ne 0 ]; then
        tail -n 40 "$log" >&2
        rm -f "$log"
        echo "FAILED: $t (exit $rc), reproducer in fuzz/artifacts/$t/" >&2
        exit 1
    fi
    rm -f "$log"
done
echo "all fuzz targets ran ${N}s without findings"
