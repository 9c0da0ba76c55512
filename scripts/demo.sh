#!/usr/bin/env bash
# Sets everything up, then runs an example program and shows its result and statistics.
# Usage: scripts/demo.sh [PROGRAM.pwa] [pwvm run options...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >&2
program=${1:-examples/fibonacci.pwa}
shift || true
echo "\$ build/tools/pwvm run $program --stats $*" >&2
exec build/tools/pwvm run "$program" --stats "$@"
