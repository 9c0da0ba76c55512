#!/usr/bin/env bash
# Sets everything up and runs the whole test suite three ways:
#   1. the release build (g++, computed-goto dispatch), with the suite also re-run in GC
#      stress mode (a collection before every allocation), and the debug adapters driven by
#      a real DAP client (tests/dap: Node's test runner, packages from its lock file), and
#      perf's Chrome trace imported by speedscope (tests/exports)
#   2. an AddressSanitizer + UndefinedBehaviorSanitizer build (clang, the portable switch
#      dispatch), again with and without GC stress, and the DAP client suite over its tools;
#      the libraries are built at -O1
#   3. the fuzz harnesses, built in that same tree (libFuzzer counting edges only), each run
#      on its seeds and their mutations, 2000 inputs in all (docs/FUZZING.md)
# Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== $(date +%T) release build (g++, computed goto)"
scripts/setup.sh
ctest --test-dir build --output-on-failure -j "$(nproc)"

echo "== $(date +%T) debug adapters, driven by a DAP client (tests/dap)"
npm ci --prefix tests/dap --no-audit --no-fund --loglevel=error
PWVM_TOOLS=build/tools node --test tests/dap/

echo "== $(date +%T) perf exports, read by the viewers' own importers (tests/exports: speedscope)"
npm ci --prefix tests/exports --no-audit --no-fund --loglevel=error
PWVM_TOOLS=build/tools node --test tests/exports/

echo "== $(date +%T) sanitizer build (clang, ASan + UBSan, switch dispatch)"
BUILD_DIR=build-asan BUILD_TYPE=Debug scripts/setup.sh -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DPWVM_FUZZ=ON -DPWVM_FUZZ_FULL_COVERAGE=OFF -DPWVM_COMPUTED_GOTO=OFF -DPWVM_BUILD_BENCH=OFF
ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build-asan --output-on-failure -j "$(nproc)"
echo "== $(date +%T) debug adapters under the sanitizers (tests/dap: the files that reach the most adapter code)"
ASAN_OPTIONS=detect_leaks=1 PWVM_TOOLS=build-asan/tools node --test tests/dap/requests.test.js \
  tests/dap/errors.test.js tests/dap/pause_cancel.test.js tests/dap/set_variable.test.js tests/dap/hostile.test.js

echo "== $(date +%T) fuzz harnesses (smoke run)"
BUILD_DIR=build-asan scripts/fuzz.sh --smoke 2000 --no-build
