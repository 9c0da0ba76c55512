#!/usr/bin/env bash
# compare.sh -- run the benchmarks on pwvm (the hand-written .pwa and the compiled .pwl) and
# on Lua 5.4, and print a markdown table.
#
# Usage: bench/compare.sh [PROGRAM...]      PROGRAM: fib loop alloc bintrees (default: all)
# Environment:
#   PWVM   the pwvm binary (default: build/tools/pwvm, relative to the repository root)
#   LUA    the Lua interpreter (default: lua5.4)
#   RUNS   runs per program and VM (default 5); the table shows medians
#
# Each run must print exactly the expected number, or the script stops with an error.
# Wall time and peak RSS come from GNU time (/usr/bin/time -f '%e %M').
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=bench/common.sh
source "$here/common.sh"

die() {
  echo "compare.sh: $*" >&2
  exit 1
}

PWVM="${PWVM:-$root/build/tools/pwvm}"
LUA="${LUA:-lua5.4}"
RUNS="${RUNS:-5}"
TIME=/usr/bin/time

[[ -x "$PWVM" ]] || die "pwvm not found at $PWVM (build it, or set PWVM=path)"
command -v "$LUA" >/dev/null 2>&1 || die "$LUA not found (apt-get install -y lua5.4, or set LUA=path)"
[[ -x "$TIME" ]] || die "$TIME not found (apt-get install -y time)"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$RUNS'"


if [[ $# -eq 0 ]]; then
  set -- "${BENCH_PROGRAMS[@]}"
fi
for prog in "$@"; do
  expected_of "$prog" >/dev/null || die "unknown program '$prog' (known: fib loop alloc bintrees)"
  [[ -f "$here/$prog.pwa" && -f "$here/$prog.pwl" && -f "$here/$prog.lua" ]] ||
    die "missing $here/$prog.pwa, $prog.pwl or $prog.lua"
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT


# measure NAME EXPECTED CMD...: runs CMD $RUNS times; appends seconds to $tmp/NAME.time
# and peak RSS in KiB to $tmp/NAME.rss
measure() {
  local name="$1" expected="$2"
  shift 2
  local i out got
  : >"$tmp/$name.time"
  : >"$tmp/$name.rss"
  for ((i = 1; i <= RUNS; i++)); do
    if ! "$TIME" -f '%e %M' -o "$tmp/stats" "$@" >"$tmp/out" 2>"$tmp/err"; then
      echo "compare.sh: '$*' failed:" >&2
      cat "$tmp/err" >&2
      exit 1
    fi
    got="$(cat "$tmp/out")"
    if [[ "$got" != "$expected" ]]; then
      echo "compare.sh: '$*' printed the wrong result" >&2
      echo "  expected: $expected" >&2
      echo "  got:      $got" >&2
      exit 1
    fi
    # GNU time may print a "Command exited..." line first; the numbers are on the last.
    out="$(tail -n 1 "$tmp/stats")"
    read -r secs kib <<<"$out"
    [[ "$secs" =~ ^[0-9.]+$ && "$kib" =~ ^[0-9]+$ ]] || die "cannot parse time output: $out"
    echo "$secs" >>"$tmp/$name.time"
    echo "$kib" >>"$tmp/$name.rss"
    echo "  $name run $i: ${secs}s, $((kib / 1024)) MiB" >&2
  done
}


mib() {
  awk -v k="$1" 'BEGIN { printf "%.1f\n", k / 1024 }'
}

echo "pwvm: $PWVM" >&2
echo "lua:  $(command -v "$LUA") ($("$LUA" -v 2>&1 | head -n 1))" >&2
echo "runs: $RUNS per program" >&2

rows=()
for prog in "$@"; do
  expected="$(expected_of "$prog")"
  echo "$prog:" >&2
  measure "pwvm-$prog" "$expected" "$PWVM" run "$here/$prog.pwa"
  measure "pwl-$prog" "$expected" "$PWVM" run "$here/$prog.pwl"
  measure "lua-$prog" "$expected" "$LUA" "$here/$prog.lua"
  pt="$(median "$tmp/pwvm-$prog.time")"
  ct="$(median "$tmp/pwl-$prog.time")"
  lt="$(median "$tmp/lua-$prog.time")"
  pr="$(median "$tmp/pwvm-$prog.rss")"
  lr="$(median "$tmp/lua-$prog.rss")"
  rows+=("| $prog | $pt | $ct | $lt | $(ratio "$pt" "$lt") | $(ratio "$ct" "$pt") | $(ratio "$ct" "$lt") | $(mib "$pr") | $(mib "$lr") | $(ratio "$pr" "$lr") |")
done

echo
echo "| program | .pwa median s | .pwl median s | lua median s | time .pwa/lua | time .pwl/.pwa | time .pwl/lua | .pwa peak RSS MiB | lua peak RSS MiB | memory .pwa/lua |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for row in "${rows[@]}"; do
  echo "$row"
done
