#!/usr/bin/env bash
# replay.sh -- how fast the replayer answers on long recorded runs: seeks to random steps,
# reverse steps from random positions, a watch over the whole run and a full verify.
#
# Usage: bench/replay.sh
# Environment:
#   BUILD   the build directory (default: build, relative to the repository root)
#   SEEKS   seeks and reverse steps per run (default 100)
#   TMPDIR  where the traces are written (mktemp -d; removed at the end)
#
# Two runs of more than 100 million steps, recorded with pwvm's default snapshot cadence:
#   fib34     bench/fib.pwa computing fib(34) instead of fib(32): 148 M steps, calls only,
#             a tiny heap; watched: fib::n (the innermost call's argument, 37 M changes)
#   bintrees  bench/bintrees.pwa: 265 M steps, a heap of up to ~180,000 live objects, so
#             snapshots are spaced further apart (64 steps per live object); watched:
#             check::t == nil
# replay_bench (bench/replay_bench.cpp) times each operation in-process with a monotonic
# clock and reports medians and worst cases; `pwreplay verify` is timed as a whole command.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=bench/common.sh
source "$here/common.sh"
BUILD="${BUILD:-$root/build}"
SEEKS="${SEEKS:-100}"
PWVM="$BUILD/tools/pwvm"
PWREPLAY="$BUILD/tools/pwreplay"
BENCH="$BUILD/bench/replay_bench"
long_run_setup replay.sh "$PWVM" "$PWREPLAY" "$BENCH"

echo "| run | steps | snapshots | trace size | seek median / worst | reverse step median / worst | watch (s per 100 M steps) | verify (s) |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for spec in "fib34|fib::n" "bintrees|check::t == nil"; do
  name="${spec%%|*}"
  expr="${spec#*|}"
  "$PWVM" run "$work/$name.pwa" --record "$work/$name.pwtrace" > /dev/null
  "$BENCH" "$work/$name.pwtrace" "$expr" "$SEEKS" > "$work/$name.json"
  start=$(date +%s.%N)
  "$PWREPLAY" verify "$work/$name.pwtrace" > /dev/null
  verify=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }')
  jq -r --arg name "$name" --arg verify "$verify" '
    "| \($name) | \(.steps) | \(.snapshots) | \(.file_bytes / 1048576 * 10 | round / 10) MiB | " +
    "\(.seek.median_ms * 10 | round / 10) / \(.seek.worst_ms | round) ms | " +
    "\(.reverse_step.median_ms * 10 | round / 10) / \(.reverse_step.worst_ms | round) ms | " +
    "\(.watch.seconds_per_100m_steps * 100 | round / 100) (\(.watch.changes) changes) | \($verify) |"' "$work/$name.json"
done
