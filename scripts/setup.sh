#!/usr/bin/env bash
# Installs what the build needs (from Debian's packages) and builds into build/.
# Safe to run again: it installs only what is missing and rebuilds only what changed.
# Usage: scripts/setup.sh [extra cmake -D options...]
# Environment: BUILD_DIR (default build), BUILD_TYPE (default Release), BUILD_TARGET (default all;
# several targets separated by spaces).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake ninja-build pkg-config capnproto libcapnp-dev libzstd-dev
          libcli11-dev libgtest-dev googletest nlohmann-json3-dev libfmt-dev libxxhash-dev libedit-dev
          lua5.4 time jq hyperfine valgrind ccache python3)
# The fuzz harnesses (-DPWVM_FUZZ=ON) need clang, its libFuzzer runtime and llvm-symbolizer.
[[ " $* " == *" -DPWVM_FUZZ=ON "* ]] && packages+=(clang libclang-rt-14-dev llvm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node and npm run the debug adapters' client tests (tests/dap). Asked for by command, not by
# package: a nodejs package that bundles npm conflicts with Debian's separate npm package.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

build_dir=${BUILD_DIR:-build}
# ccache keeps compiled objects across checkouts (CI builds a fresh clone each time, the same
# sources mostly); an empty cache costs a few percent. Paths under the checkout are hashed
# relative to it, and the debug (sanitizer) build leaves the working directory out of its
# hash, so a clone in another directory finds what an earlier one compiled.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" "${launcher[@]}" "$@" >/dev/null
targets=()
[ -n "${BUILD_TARGET:-}" ] && read -ra targets <<<"$BUILD_TARGET"
cmake --build "$build_dir" -j "$(nproc)" ${targets[@]:+--target "${targets[@]}"}
