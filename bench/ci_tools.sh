#!/usr/bin/env bash
# ci_tools.sh -- what the CI commands cost on the long runs, against running the program:
#   diff (same inputs)   two recordings of bintrees (265 M steps) with the same inputs: read
#                        the host results, re-execute only the last snapshot interval
#   diff (edited)        bintrees against a copy edited by one instruction at its very end:
#                        two versions, so both runs are re-executed side by side throughout
#   perf --baseline      bintrees against the edited copy, with both gates
#   origin               bintrees' running total near the end traced back, default depth
#   info --json          the content key: every chunk read, no re-execution
# A markdown table of median times and ratios to the plain run.
#
# Usage: bench/ci_tools.sh
# Environment:
#   PWVM, PWREPLAY  the binaries (default: build/tools/pwvm and build/tools/pwreplay)
#   RUNS            timed runs per command (default 3)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=bench/common.sh
source "$here/common.sh"
PWVM="${PWVM:-$root/build/tools/pwvm}"
PWREPLAY="${PWREPLAY:-$root/build/tools/pwreplay}"
RUNS="${RUNS:-3}"
command -v hyperfine >/dev/null 2>&1 || { echo "ci_tools.sh: hyperfine not found (apt-get install -y hyperfine)" >&2; exit 1; }
long_run_setup ci_tools.sh "$PWVM" "$PWREPLAY"

# The edit: one instruction more before the final print (the result printed is one more).
sed 's/^  host print$/  add_imm 1\n  host print/' "$work/bintrees.pwa" >"$work/bintrees2.pwa"
cmp -s "$work/bintrees.pwa" "$work/bintrees2.pwa" && { echo "ci_tools.sh: the edit did not apply" >&2; exit 1; }
"$PWVM" run "$work/bintrees.pwa" --record "$work/a.pwtrace" >/dev/null
"$PWVM" run "$work/bintrees.pwa" --record "$work/a2.pwtrace" --snapshot-interval 3000000 >/dev/null
"$PWVM" run "$work/bintrees2.pwa" --record "$work/b.pwtrace" >/dev/null
# The commands must do what they are timed for.
"$PWREPLAY" diff "$work/a.pwtrace" "$work/a2.pwtrace" >/dev/null || { echo "ci_tools.sh: same inputs differ" >&2; exit 1; }
if "$PWREPLAY" diff "$work/a.pwtrace" "$work/b.pwtrace" >/dev/null; then echo "ci_tools.sh: the edit shows no difference" >&2; exit 1; fi

args=()
for ((i = 1; i <= RUNS; i++)); do
  args+=(-n run "$PWVM run $work/bintrees.pwa"
         -n diff_same "$PWREPLAY diff $work/a.pwtrace $work/a2.pwtrace"
         -n diff_edited "$PWREPLAY diff $work/a.pwtrace $work/b.pwtrace"
         -n perf "$PWREPLAY perf $work/b.pwtrace --json"
         -n perf_baseline "$PWREPLAY perf $work/b.pwtrace --baseline $work/a.pwtrace --max-regression 1 --max-function-regression 1"
         -n origin "$PWREPLAY origin $work/a.pwtrace main::total --at 265000000"
         -n info "$PWREPLAY info $work/a.pwtrace --json")
done
hyperfine -N -r 1 -i --style none --output null --export-json "$work/times.json" "${args[@]}" >/dev/null 2>&1
for name in run diff_same diff_edited perf perf_baseline origin info; do
  jq -r ".results[] | select(.command == \"$name\") | .times[]" "$work/times.json" >"$work/$name"
done
run="$(median "$work/run")"
echo "| command | median s | / run |"
echo "|---|---:|---:|"
echo "| pwvm run bintrees.pwa | $run | 1.00 |"
for name in diff_same diff_edited perf perf_baseline origin info; do
  t="$(median "$work/$name")"
  echo "| $name | $t | $(ratio "$t" "$run") |"
done
