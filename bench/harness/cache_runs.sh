#!/usr/bin/env bash
# Median wall time of a whole portolan command with --no-cache, a cold cache
# (folder emptied before each run) and a warm cache.
#   bash bench/harness/cache_runs.sh REPOS_CONF [RUNS] -- ARGS...
# e.g. bash bench/harness/cache_runs.sh ../shared/corpus/real/repos.conf 5 -- query --all-profiles
set -euo pipefail
conf=$1; runs=${2:-5}; shift 2; [ "${1:-}" = -- ] && shift
bin=${PORTOLAN:-target/release/portolan}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_one() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
for mode in no-cache cold warm; do
  for _ in $(seq "$runs"); do
    case $mode in
      no-cache) time_one "$bin" --repos-conf "$conf" --no-cache "$@" ;;
      cold) rm -rf "$dir/c"; time_one "$bin" --repos-conf "$conf" --cache-dir "$dir/c" "$@" ;;
      warm) [ -d "$dir/w" ] || "$bin" --repos-conf "$conf" --cache-dir "$dir/w" "$@" >/dev/null 2>&1
            time_one "$bin" --repos-conf "$conf" --cache-dir "$dir/w" "$@" ;;
    esac
  done | median | sed "s/^/$mode: median ms /"
done
