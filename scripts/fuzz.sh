#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz (clang, ASan + UBSan) and runs them.
#
#   scripts/fuzz.sh [options] [HARNESS...]      HARNESS: program trace_reader trace_records
#                                                expression state_image lisp (default: all six)
#   --time SECONDS    how long each harness runs (default 600)
#   --corpus DIR      where corpora and crashes are kept (default: $PWVM_FUZZ_DIR, else
#                     ~/.cache/pwvm-fuzz): DIR/HARNESS/ grows from run to run, crashes go to
#                     DIR/crashes/HARNESS-crash-<sha1>
#   --smoke RUNS      CI mode: each harness runs RUNS inputs in all, its seeds first, then
#                     mutations of them (-seed=1), in a fresh temporary corpus; crashes go to
#                     BUILD_DIR/fuzz-crashes/
#   --no-build        use the harnesses already in the build directory
#   --jobs N          harnesses run at once (default: one per core)
# Environment: BUILD_DIR (default build-fuzz), BUILD_TYPE (default RelWithDebInfo), for the
# build scripts/setup.sh makes with -DPWVM_FUZZ=ON.
# Prints one line per harness: executions, coverage (edges and features), corpus, findings;
# exits non-zero when a harness found something.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

all=(program trace_reader trace_records expression state_image lisp)
time_per_harness=600
corpus_root=${PWVM_FUZZ_DIR:-$HOME/.cache/pwvm-fuzz}
smoke_runs=""
jobs=$(nproc)
build=1
harnesses=()
while (($#)); do
  case "$1" in
    --time) time_per_harness=$2; shift 2 ;;
    --corpus) corpus_root=$2; shift 2 ;;
    --smoke) smoke_runs=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --jobs) jobs=$2; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *)
      if [[ " ${all[*]} " != *" $1 "* ]]; then
        echo "fuzz.sh: no harness '$1' (${all[*]})" >&2
        exit 2
      fi
      harnesses+=("$1"); shift ;;
  esac
done
((${#harnesses[@]})) || harnesses=("${all[@]}")

build_dir=${BUILD_DIR:-build-fuzz}
if ((build)); then
  CC=clang CXX=clang++ BUILD_DIR=$build_dir BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} BUILD_TARGET=fuzz scripts/setup.sh \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DPWVM_FUZZ=ON -DPWVM_COMPUTED_GOTO=OFF
fi
bin=$build_dir/tests/fuzz

work=$(mktemp -d "${TMPDIR:-/tmp}/pwvm-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$bin/pwvm_fuzz_seeds" "$work/seeds"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
symbolizer=$(command -v llvm-symbolizer || true)
[ -n "$symbolizer" ] && export ASAN_SYMBOLIZER_PATH=$symbolizer

# One harness: its run, then one line of figures in $work/$h.line (and its output on stderr
# when it found something). Returns non-zero when it did.
run_harness() {
  local h=$1 corpus crashes log status=0 runs cov found
  local flags=(-timeout=20 -rss_limit_mb=4096 -malloc_limit_mb=8192 -print_final_stats=1)
  case "$h" in
    program) flags+=(-dict="$work/seeds/program.dict") ;;
    expression) flags+=(-dict="$work/seeds/expression.dict") ;;
  esac
  if [ -n "$smoke_runs" ]; then
    corpus=$work/corpus/$h
    crashes=$root/$build_dir/fuzz-crashes
    flags+=(-runs="$smoke_runs" -seed=1)
  else
    corpus=$corpus_root/$h
    crashes=$corpus_root/crashes
    flags+=(-max_total_time="$time_per_harness")
  fi
  mkdir -p "$corpus" "$crashes"
  log=$work/$h.log
  "$bin/fuzz_$h" "${flags[@]}" -artifact_prefix="$crashes/$h-" "$corpus" "$work/seeds/$h" >"$log" 2>&1 || status=$?
  # libFuzzer's closing figures: executions, and coverage at the last status line.
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -1 || true)
  found=$(grep -c '^artifact_prefix=\|Test unit written to' "$log" || true)
  echo "fuzz_$h: ${runs:-?} executions, ${cov:-no coverage line}, findings: $found$( ((status)) && echo " (exit $status)")" \
    >"$work/$h.line"
  if ((status)); then
    {
      echo "---- fuzz_$h output (last 60 lines)"
      tail -60 "$log"
      echo "---- the input is kept in $crashes/; reproduce with: $bin/fuzz_$h FILE"
    } >&2
    return 1
  fi
}

# As many harnesses at once as there are cores; the lines come out in the harnesses' order.
failed=0
running=0
for h in "${harnesses[@]}"; do
  if ((running >= jobs)); then
    wait -n || failed=1
    running=$((running - 1))
  fi
  run_harness "$h" &
  running=$((running + 1))
done
while ((running > 0)); do
  wait -n || failed=1
  running=$((running - 1))
done
for h in "${harnesses[@]}"; do cat "$work/$h.line"; done
exit $failed
