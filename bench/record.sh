#!/usr/bin/env bash
# record.sh -- what recording costs: run each benchmark with and without --record, and print
# a markdown table of the times, the overhead and the size of the traces.
#
# Usage: bench/record.sh [PROGRAM...]      PROGRAM: fib loop alloc bintrees (default: all)
# Environment:
#   PWVM               the pwvm binary (default: build/tools/pwvm, relative to the repository root)
#   PWREPLAY           the pwreplay binary (default: build/tools/pwreplay)
#   RUNS               timed runs per program and mode (default 5); the table shows medians
#   SNAPSHOT_INTERVAL  passed to pwvm as --snapshot-interval when set (default: pwvm's own)
#   TMPDIR             where the traces are written (mktemp -d; removed at the end)
#   CALLGRIND          1 (default when valgrind is installed): also count the instructions
#                      each program executes, plain and recorded, under callgrind; 0 skips it
#
# For each program: one untimed run in each mode checks that it prints the expected number
# (and warms the caches), then the two modes are timed alternately, RUNS times each, so that
# a machine that slows down or speeds up during the benchmark affects both alike. Timing uses
# hyperfine (-N, no shell) when installed, GNU time (/usr/bin/time -f %e) otherwise. The last
# trace is then read with `pwreplay info --json` for its size and contents.
# The recorded time includes writing the whole trace: the writer thread's compression, the
# index and the final fsync.
#
# Then, with CALLGRIND=1, one run of each program in each mode under valgrind's callgrind
# gives exact instruction counts (stable on a noisy machine, unlike times): the plain run,
# the recorded run's interpreter thread (the one the program waits for) and all its threads
# (with the writer thread's encoding and compression). A few minutes in all.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=bench/common.sh
source "$here/common.sh"

die() {
  echo "record.sh: $*" >&2
  exit 1
}

PWVM="${PWVM:-$root/build/tools/pwvm}"
PWREPLAY="${PWREPLAY:-$root/build/tools/pwreplay}"
RUNS="${RUNS:-5}"
SNAPSHOT_INTERVAL="${SNAPSHOT_INTERVAL:-}"
TIME=/usr/bin/time
if [[ -z "${CALLGRIND:-}" ]]; then
  if command -v valgrind >/dev/null 2>&1; then CALLGRIND=1; else CALLGRIND=0; fi
fi
[[ "$CALLGRIND" == 0 || "$CALLGRIND" == 1 ]] || die "CALLGRIND must be 0 or 1, got '$CALLGRIND'"
[[ "$CALLGRIND" == 0 ]] || command -v valgrind >/dev/null 2>&1 ||
  die "valgrind not found (apt-get install -y valgrind, or CALLGRIND=0)"

[[ -x "$PWVM" ]] || die "pwvm not found at $PWVM (build it, or set PWVM=path)"
[[ -x "$PWREPLAY" ]] || die "pwreplay not found at $PWREPLAY (build it, or set PWREPLAY=path)"
command -v jq >/dev/null 2>&1 || die "jq not found (apt-get install -y jq)"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$RUNS'"
[[ -z "$SNAPSHOT_INTERVAL" || "$SNAPSHOT_INTERVAL" =~ ^[1-9][0-9]*$ ]] ||
  die "SNAPSHOT_INTERVAL must be a positive integer, got '$SNAPSHOT_INTERVAL'"
if command -v hyperfine >/dev/null 2>&1; then
  timer=hyperfine
else
  [[ -x "$TIME" ]] || die "neither hyperfine nor $TIME found (apt-get install -y hyperfine, or time)"
  timer=time
fi


if [[ $# -eq 0 ]]; then
  set -- "${BENCH_PROGRAMS[@]}"
fi
for prog in "$@"; do
  expected_of "$prog" >/dev/null || die "unknown program '$prog' (known: fib loop alloc bintrees)"
  [[ -f "$here/$prog.pwa" ]] || die "missing $here/$prog.pwa"
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT



# check_output EXPECTED FILE CMD...: fails unless FILE holds exactly EXPECTED
check_output() {
  local expected="$1" file="$2"
  shift 2
  local got
  got="$(cat "$file")"
  if [[ "$got" != "$expected" ]]; then
    echo "record.sh: '$*' printed the wrong result" >&2
    echo "  expected: $expected" >&2
    echo "  got:      $got" >&2
    exit 1
  fi
}

# run_checked EXPECTED CMD...: runs CMD once, untimed; it must succeed and print EXPECTED
run_checked() {
  local expected="$1"
  shift
  if ! "$@" >"$tmp/out" 2>"$tmp/err"; then
    echo "record.sh: '$*' failed:" >&2
    cat "$tmp/err" >&2
    exit 1
  fi
  check_output "$expected" "$tmp/out" "$@"
}

# time_once EXPECTED CMD...: runs CMD under GNU time, checks its output, prints the seconds
time_once() {
  local expected="$1"
  shift
  local secs
  if ! "$TIME" -f '%e' -o "$tmp/stats" "$@" >"$tmp/out" 2>"$tmp/err"; then
    echo "record.sh: '$*' failed:" >&2
    cat "$tmp/err" >&2
    exit 1
  fi
  check_output "$expected" "$tmp/out" "$@"
  # GNU time may print a "Command exited..." line first; the number is on the last.
  secs="$(tail -n 1 "$tmp/stats")"
  [[ "$secs" =~ ^[0-9.]+$ ]] || die "cannot parse time output: $secs"
  echo "$secs"
}

echo "pwvm:     $PWVM" >&2
echo "pwreplay: $PWREPLAY" >&2
if [[ $timer == hyperfine ]]; then
  echo "timer:    $(hyperfine --version)" >&2
else
  echo "timer:    GNU time ($TIME)" >&2
fi
echo "runs:     $RUNS per program and mode, alternating" >&2
echo "snapshot interval: ${SNAPSHOT_INTERVAL:-pwvm default}" >&2

rows=()
for prog in "$@"; do
  expected="$(expected_of "$prog")"
  trace="$tmp/$prog.pwtrace"
  plain=("$PWVM" run "$here/$prog.pwa")
  recorded=("$PWVM" run "$here/$prog.pwa" --record "$trace")
  [[ -n "$SNAPSHOT_INTERVAL" ]] && recorded+=(--snapshot-interval "$SNAPSHOT_INTERVAL")
  echo "$prog:" >&2

  run_checked "$expected" "${plain[@]}"
  run_checked "$expected" "${recorded[@]}"

  : >"$tmp/$prog.without"
  : >"$tmp/$prog.with"
  if [[ $timer == hyperfine ]]; then
    # Each command listed once per round and run once: hyperfine runs them in this order.
    # With -N it splits a command line into words itself, honouring the quoting of %q.
    plain_line="$(printf '%q ' "${plain[@]}")"
    recorded_line="$(printf '%q ' "${recorded[@]}")"
    args=()
    for ((i = 1; i <= RUNS; i++)); do
      args+=(-n without "$plain_line" -n with "$recorded_line")
    done
    if ! hyperfine -N -r 1 --style none --output "$tmp/out" --export-json "$tmp/$prog.json" "${args[@]}" \
      2>"$tmp/err"; then
      echo "record.sh: hyperfine failed for $prog:" >&2
      cat "$tmp/err" >&2
      exit 1
    fi
    # --output keeps only the last run's output (a --record run): check that one too.
    check_output "$expected" "$tmp/out" "${recorded[@]}"
    jq -r '.results[] | select(.command == "without") | .times[]' "$tmp/$prog.json" >"$tmp/$prog.without"
    jq -r '.results[] | select(.command == "with") | .times[]' "$tmp/$prog.json" >"$tmp/$prog.with"
    paste "$tmp/$prog.without" "$tmp/$prog.with" |
      awk '{ printf "  run %d: %.3fs without, %.3fs with --record\n", NR, $1, $2 }' >&2
  else
    for ((i = 1; i <= RUNS; i++)); do
      a="$(time_once "$expected" "${plain[@]}")"
      b="$(time_once "$expected" "${recorded[@]}")"
      echo "$a" >>"$tmp/$prog.without"
      echo "$b" >>"$tmp/$prog.with"
      echo "  run $i: ${a}s without, ${b}s with --record" >&2
    done
  fi
  [[ "$(wc -l <"$tmp/$prog.without")" -eq "$RUNS" && "$(wc -l <"$tmp/$prog.with")" -eq "$RUNS" ]] ||
    die "expected $RUNS timings per mode for $prog"

  "$PWREPLAY" info --json "$trace" >"$tmp/$prog.info" || die "pwreplay info failed on the $prog trace"
  read -r complete status steps file_bytes per_step snapshots chunks < <(jq -r '[.complete,
    (.outcome.status // "none"), .steps, .file_bytes, .bytes_per_step, .snapshots, .chunks] | @tsv' \
    "$tmp/$prog.info") || die "cannot read the pwreplay info output for $prog"
  [[ "$complete" == true && "$status" == halted ]] ||
    die "the $prog trace is not a complete trace of a halted run (complete: $complete, outcome: $status)"

  without="$(median "$tmp/$prog.without")"
  with="$(median "$tmp/$prog.with")"
  rows+=("| $prog | $steps | $without | $with | $(ratio "$with" "$without") | $file_bytes | $(awk -v x="$per_step" 'BEGIN { printf "%.4f", x }') | $snapshots | $chunks |")
done

echo
echo "| program | steps | median s without | median s with --record | overhead with/without | trace bytes | bytes/step | snapshots | chunks |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for row in "${rows[@]}"; do
  echo "$row"
done

[[ "$CALLGRIND" == 1 ]] || exit 0

# instructions FILE: the total instruction count in a callgrind output file
instructions() {
  awk '/^(summary|totals):/ { print $2; exit }' "$1"
}

# ratio3 A B: A / B to three places (instruction counts are exact)
ratio3() {
  awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", a / b }'
}

echo >&2
echo "callgrind (one run of each program and mode):" >&2
cg_rows=()
for prog in "$@"; do
  echo "  $prog" >&2
  out="$tmp/cg.$prog"
  valgrind --tool=callgrind --callgrind-out-file="$out.plain" "$PWVM" run "$here/$prog.pwa" \
    >/dev/null 2>"$tmp/err" || die "callgrind of the plain $prog run failed: $(tail -n 3 "$tmp/err")"
  recorded=("$PWVM" run "$here/$prog.pwa" --record "$tmp/$prog.cg.pwtrace")
  [[ -n "$SNAPSHOT_INTERVAL" ]] && recorded+=(--snapshot-interval "$SNAPSHOT_INTERVAL")
  valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$out.rec" "${recorded[@]}" \
    >/dev/null 2>"$tmp/err" || die "callgrind of the recorded $prog run failed: $(tail -n 3 "$tmp/err")"
  plain_ir="$(instructions "$out.plain")"
  # With --separate-threads, one file per thread: -01 is the interpreter's (the main thread).
  main_ir="$(instructions "$out.rec-01")"
  all_ir=0
  for f in "$out".rec-*; do all_ir=$((all_ir + $(instructions "$f"))); done
  [[ "$plain_ir" =~ ^[0-9]+$ && "$main_ir" =~ ^[0-9]+$ ]] || die "cannot read the callgrind counts of $prog"
  cg_rows+=("| $prog | $plain_ir | $main_ir | $all_ir | $(ratio3 "$main_ir" "$plain_ir") | $(ratio3 "$all_ir" "$plain_ir") |")
done

echo
echo "| program | instructions plain | recorded: interpreter thread | recorded: all threads | interpreter thread / plain | all threads / plain |"
echo "|---|---:|---:|---:|---:|---:|"
for row in "${cg_rows[@]}"; do
  echo "$row"
done
