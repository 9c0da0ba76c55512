#!/usr/bin/env bash
# Sets everything up and runs the whole test suite three ways:
#   1. the release build (computed-goto dispatch), with the suite also re-run in GC stress mode
#   2. an AddressSanitizer + UndefinedBehaviorSanitizer build using the portable switch
#      dispatch, again with and without GC stress
#   3. the fuzz harnesses (clang, libFuzzer, ASan + UBSan; libraries and harnesses only),
#      each run on its seeds and their mutations, 2000 inputs in all (docs/FUZZING.md)
# Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== release build (computed goto)"
scripts/setup.sh
ctest --test-dir build --output-on-failure -j "$(nproc)"

echo "== sanitizer build (ASan + UBSan, switch dispatch)"
BUILD_DIR=build-asan BUILD_TYPE=Debug scripts/setup.sh -DPWVM_SANITIZE=ON -DPWVM_COMPUTED_GOTO=OFF
ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build-asan --output-on-failure -j "$(nproc)"

echo "== fuzz harnesses (smoke run)"
scripts/fuzz.sh --smoke 2000
