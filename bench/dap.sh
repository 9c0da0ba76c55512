#!/usr/bin/env bash
# dap.sh -- how fast the debug adapter answers a step, as an editor sees it: the median time
# from sending `next` or `stepBack` to receiving the `stopped` event, on every example and
# on fib34 (148 M steps), in both back ends (pwreplay dap over a trace, pwvm dap over a live
# run first continued to its end).
#
# Usage: bench/dap.sh
# Environment:
#   BUILD      the build directory (default: build, relative to the repository root)
#   POSITIONS  positions spread over each run where 3 nexts and 3 stepBacks are timed (default 20)
# Needs node (apt-get install -y nodejs) and jq.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=bench/common.sh
source "$here/common.sh"
BUILD="${BUILD:-$root/build}"
POSITIONS="${POSITIONS:-20}"
PWVM="$BUILD/tools/pwvm"
PWREPLAY="$BUILD/tools/pwreplay"
command -v node >/dev/null 2>&1 || { echo "dap.sh: node not found (apt-get install -y nodejs)" >&2; exit 1; }
long_run_setup dap.sh "$PWVM" "$PWREPLAY"

echo "| run | steps | back end | next median / p90 / worst | stepBack median / p90 / worst |"
echo "|---|---:|---|---:|---:|"
row() {  # row NAME BACKEND JSON
  jq -r --arg name "$1" --arg backend "$2" '
    def ms(m): "\(m.median_ms * 100 | round / 100) / \(m.p90_ms * 100 | round / 100) / \(m.worst_ms * 10 | round / 10) ms";
    "| \($name) | \(.steps) | \($backend) | \(ms(.next)) | \(ms(.stepBack)) |"' <<< "$3"
}
for program in "$root"/examples/*.pwa "$work/fib34.pwa"; do
  name="$(basename "$program" .pwa)"
  flags=()
  [[ "$name" == random_walk ]] && flags=(--allow random --seed 42)
  "$PWVM" run "$program" "${flags[@]}" --record "$work/$name.pwtrace" > /dev/null 2>&1 || true
  recorded="$(node "$here/dap_steps.js" "$PWREPLAY" "{\"trace\":\"$work/$name.pwtrace\"}" "$POSITIONS")"
  row "$name" recorded "$recorded"
  live_args="{\"program\":\"$program\"}"
  [[ "$name" == random_walk ]] && live_args="{\"program\":\"$program\",\"allow\":\"random\",\"seed\":42}"
  live="$(node "$here/dap_steps.js" "$PWVM" "$live_args" "$POSITIONS")"
  row "$name" live "$live"
done
