#!/usr/bin/env bash
# profile.sh -- what the performance monitor costs: each benchmark run with and without
# --profile (default sample interval), as a markdown table of median times and their ratio.
#
# Usage: bench/profile.sh [PROGRAM...]      PROGRAM: fib loop alloc bintrees (default: all)
# Environment:
#   PWVM  the pwvm binary (default: build/tools/pwvm, relative to the repository root)
#   RUNS  timed runs per program and mode (default 5)
#
# One untimed run per mode checks the printed result; then hyperfine (-N, no shell) times
# RUNS rounds of the pair, the two commands alternating within a round.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=bench/common.sh
source "$here/common.sh"
PWVM="${PWVM:-$root/build/tools/pwvm}"
RUNS="${RUNS:-5}"
[[ -x "$PWVM" ]] || { echo "profile.sh: pwvm not found at $PWVM (build it, or set PWVM=path)" >&2; exit 1; }
command -v hyperfine >/dev/null 2>&1 || { echo "profile.sh: hyperfine not found (apt-get install -y hyperfine)" >&2; exit 1; }
command -v jq >/dev/null 2>&1 || { echo "profile.sh: jq not found (apt-get install -y jq)" >&2; exit 1; }
[[ $# -gt 0 ]] || set -- "${BENCH_PROGRAMS[@]}"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "| program | median s without | median s with --profile | overhead with/without | samples |"
echo "|---|---:|---:|---:|---:|"
for prog in "$@"; do
  expected="$(expected_of "$prog")"
  for flags in "" "--profile"; do
    # shellcheck disable=SC2086
    got="$("$PWVM" run "$here/$prog.pwa" $flags 2>"$tmp/err")"
    [[ "$got" == "$expected" ]] || { echo "profile.sh: $prog $flags printed '$got', not $expected" >&2; exit 1; }
  done
  samples="$(awk '$1 == "samples:" { print $2 }' "$tmp/err")"
  args=()
  for ((i = 1; i <= RUNS; i++)); do
    args+=(-n without "$PWVM run $here/$prog.pwa" -n with "$PWVM run $here/$prog.pwa --profile")
  done
  hyperfine -N -r 1 --style none --output null --export-json "$tmp/$prog.json" "${args[@]}" >/dev/null 2>&1
  jq -r '.results[] | select(.command == "without") | .times[]' "$tmp/$prog.json" >"$tmp/without"
  jq -r '.results[] | select(.command == "with") | .times[]' "$tmp/$prog.json" >"$tmp/with"
  without="$(median "$tmp/without")"
  with="$(median "$tmp/with")"
  echo "| $prog | $without | $with | $(ratio "$with" "$without") | $samples |"
done
