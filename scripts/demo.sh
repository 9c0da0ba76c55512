#!/usr/bin/env bash
# Sets everything up, then records a run of an example program and shows what the trace holds.
# Usage: scripts/demo.sh [PROGRAM.pwa] [pwvm run options...]
#   PROGRAM.pwa defaults to examples/inventory.pwa, which fails by design; the trace goes to
#   build/PROGRAM.pwtrace.
set -euo pipefail
cd "$(dirname "$0")/.."
# Only the two tools the demo runs: the tests and benchmarks are built by scripts/test.sh.
BUILD_TARGET="pwvm pwreplay" scripts/setup.sh >&2
program=${1:-examples/inventory.pwa}
shift || true
trace="build/$(basename "$program" .pwa).pwtrace"

say() { printf '\n# %s\n' "$*" >&2; }
show() { printf '$ %s\n' "$*" >&2; }

say "Run $program, recording everything it does to $trace. Its output comes first, then the statistics (--stats)."
show "build/tools/pwvm run $program --record $trace --stats${*:+ $*}"
code=0
build/tools/pwvm run "$program" --record "$trace" --stats "$@" || code=$?
case $code in
  0) say "Exit code 0: the program halted." ;;
  1) say "Exit code 1: the run ended with a runtime error (above: the error and its call stack). That is expected for examples/inventory.pwa, which has a bug; the trace holds the whole run up to the error." ;;
  *) exit "$code" ;;
esac

say "What the trace holds: the program, the outcome, snapshots of the whole state, and events (calls, returns, allocations, output...)."
show "build/tools/pwreplay info $trace"
build/tools/pwreplay info "$trace"

steps=$(build/tools/pwreplay info "$trace" | awk '$1 == "steps:" { print $2 }')
from=$((steps > 49 ? steps - 49 : 0))
say "The last calls before the end (step $steps): step, event, function and call depth."
show "build/tools/pwreplay events $trace --kind call --from $from | tail"
build/tools/pwreplay events "$trace" --kind call --from "$from" | tail

say "The state at the end of the run, rebuilt from the trace (canonical JSON; here a few of its fields):"
show "build/tools/pwreplay state $trace --at end | jq -c '{step, status, function, error: .error.message}'"
build/tools/pwreplay state "$trace" --at end | jq -c '{step, status, function, error: .error.message}'

say "Re-execute the whole run and check it against every recorded event and snapshot:"
show "build/tools/pwreplay verify $trace"
build/tools/pwreplay verify "$trace"

say "The debugger, from the end of the run, scripted (interactively: drop --batch and the -ex options):"
show "build/tools/pwreplay debug $trace --at end --batch -ex backtrace -ex 'reverse-stepi 3' -ex 'info args'"
build/tools/pwreplay debug "$trace" --at end --batch -ex backtrace -ex 'reverse-stepi 3' -ex 'info args'

say "A performance report of the same run, counted in executed instructions (also --json, --html, --folded, --chrome-trace):"
show "build/tools/pwreplay perf $trace --top 5 | head -20"
build/tools/pwreplay perf "$trace" --top 5 | head -20

say "More: pwreplay watch, last-write, calls and verify (docs/REPLAY.md), the debugger (docs/DEBUGGER.md; pwvm debug runs it live), perf (docs/PERFORMANCE.md), events --help, and docs/TRACE_FORMAT.md."
