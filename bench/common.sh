# Shared by the benchmark scripts (sourced, not run): the programs, their expected
# results, and small statistics helpers.

BENCH_PROGRAMS=(fib loop alloc bintrees)

# expected_of NAME: the number bench/NAME prints
expected_of() {
  case "$1" in
    fib) echo 2178309 ;;
    loop) echo 299999997 ;;
    alloc) echo 10001000000 ;;
    bintrees) echo 14723759 ;;
    *) return 1 ;;
  esac
}

# median FILE: the median of the numbers in FILE, one per line
median() {
  sort -g "$1" | awk '{ v[NR] = $1 } END {
    if (NR == 0) exit 1
    if (NR % 2) printf "%.3f\n", v[(NR + 1) / 2]
    else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2
  }'
}

# ratio A B: A / B with two decimals
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f\n", a / b; else print "n/a" }'
}

# long_runs DIR: the two runs of more than 100 million steps the replay and debugger
# benchmarks use, as DIR/fib34.pwa (bench/fib.pwa computing fib(34): 148 M steps, calls
# only) and DIR/bintrees.pwa (265 M steps, a heap of up to ~180,000 live objects)
long_runs() {
  sed 's/push 32/push 34/' "$here/fib.pwa" > "$1/fib34.pwa"
  cp "$here/bintrees.pwa" "$1/bintrees.pwa"
}

# long_run_setup SCRIPT BINARY...: checks that each built BINARY and jq are there, then
# makes the scratch directory $work (removed on exit) holding the long runs
long_run_setup() {
  local script="$1" b
  shift
  for b in "$@"; do
    [[ -x "$b" ]] || { echo "$script: $b not found (build first)" >&2; exit 1; }
  done
  command -v jq >/dev/null 2>&1 || { echo "$script: jq not found (apt-get install -y jq)" >&2; exit 1; }
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  long_runs "$work"
}
