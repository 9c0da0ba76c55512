#!/usr/bin/env bash
# perf_report.sh -- what a performance report from a trace costs against running the
# program: the two long runs (fib34: 148 M steps of calls; bintrees: 265 M steps with a big
# heap) recorded once, then `pwreplay perf --json` on one thread and on two, against
# `pwvm run` of the same program. A markdown table of median times and ratios.
#
# Usage: bench/perf_report.sh
# Environment:
#   PWVM, PWREPLAY  the binaries (default: build/tools/pwvm and build/tools/pwreplay)
#   RUNS            timed runs per command (default 5)
#
# hyperfine (-N, no shell) times RUNS rounds of the three commands, alternating within a
# round. The reports of one and two threads must be identical (checked with cmp).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=bench/common.sh
source "$here/common.sh"
PWVM="${PWVM:-$root/build/tools/pwvm}"
PWREPLAY="${PWREPLAY:-$root/build/tools/pwreplay}"
RUNS="${RUNS:-5}"
command -v hyperfine >/dev/null 2>&1 || { echo "perf_report.sh: hyperfine not found (apt-get install -y hyperfine)" >&2; exit 1; }
long_run_setup perf_report.sh "$PWVM" "$PWREPLAY"

echo "| run | steps | run s | perf 1 thread s | perf 2 threads s | 1 thread / run | 2 threads / run | speed-up |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for prog in fib34 bintrees; do
  trace="$work/$prog.pwtrace"
  "$PWVM" run "$work/$prog.pwa" --record "$trace" >/dev/null
  "$PWREPLAY" perf "$trace" --json --threads 1 >"$work/one.json"
  "$PWREPLAY" perf "$trace" --json --threads 2 >"$work/two.json"
  cmp -s "$work/one.json" "$work/two.json" || { echo "perf_report.sh: $prog: the reports of 1 and 2 threads differ" >&2; exit 1; }
  steps="$(jq -r .steps "$work/one.json")"
  args=()
  for ((i = 1; i <= RUNS; i++)); do
    args+=(-n run "$PWVM run $work/$prog.pwa"
           -n one "$PWREPLAY perf $trace --json --threads 1"
           -n two "$PWREPLAY perf $trace --json --threads 2")
  done
  hyperfine -N -r 1 --style none --output null --export-json "$work/$prog.json" "${args[@]}" >/dev/null 2>&1
  for name in run one two; do
    jq -r ".results[] | select(.command == \"$name\") | .times[]" "$work/$prog.json" >"$work/$name"
  done
  run="$(median "$work/run")"
  one="$(median "$work/one")"
  two="$(median "$work/two")"
  echo "| $prog | $steps | $run | $one | $two | $(ratio "$one" "$run") | $(ratio "$two" "$run") | $(ratio "$one" "$two") |"
done
