#!/usr/bin/env bash
# debugger.sh -- how long reverse-step, reverse-next and reverse-stepi take at the debugger's
# prompt on runs of more than 100 million steps, in both back ends.
#
# Usage: bench/debugger.sh
# Environment:
#   BUILD      the build directory (default: build, relative to the repository root)
#   POSITIONS  random positions each move is timed from (default 100)
#   TMPDIR     where the traces are written (mktemp -d; removed at the end)
#
# The runs are replay.sh's: fib34 (148 M steps, calls only) and bintrees (265 M steps, a
# heap of up to ~180,000 live objects). Recorded: pwreplay debug's timeline over the trace
# `pwvm run --record` wrote. Live: pwvm debug's back end, the program run to its end by a
# `continue` (recorded in memory as it goes) and then moved back. debug_bench
# (bench/debug_bench.cpp) arrives at each random position untimed, then times the move.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=bench/common.sh
source "$here/common.sh"
BUILD="${BUILD:-$root/build}"
POSITIONS="${POSITIONS:-100}"
PWVM="$BUILD/tools/pwvm"
BENCH="$BUILD/bench/debug_bench"
long_run_setup debugger.sh "$PWVM" "$BENCH"

echo "| run | back end | steps | reverse-step median / p90 / worst | reverse-next median / p90 / worst | reverse-stepi median / p90 / worst |"
echo "|---|---|---:|---:|---:|---:|"
for name in fib34 bintrees; do
  "$PWVM" run "$work/$name.pwa" --record "$work/$name.pwtrace" > /dev/null
  "$BENCH" "$work/$name.pwtrace" "$work/$name.pwa" "$POSITIONS" > "$work/$name.json"
  jq -r --arg name "$name" '
    def ms(m): "\(m.median_ms * 10 | round / 10) / \(m.p90_ms * 10 | round / 10) / \(m.worst_ms | round) ms";
    . as $r | ["recorded", "live"][] as $b |
    "| \($name) | \($b) | \($r.steps) | \(ms($r[$b].reverse_step)) | \(ms($r[$b].reverse_next)) | \(ms($r[$b].reverse_stepi)) |"' \
    "$work/$name.json"
  jq -r --arg name "$name" '"\($name): recorded, open at the end \(.recorded_open_at_end_ms | round) ms, first reverse-step \(.recorded_first_reverse_step_ms * 10 | round / 10) ms; live, continue to the end \(.live_run_s * 100 | round / 100) s, then prepare \(.live_prepare_ms | round) ms, first reverse-step \(.live_first_reverse_step_ms * 10 | round / 10) ms"' \
    "$work/$name.json" >&2
done
