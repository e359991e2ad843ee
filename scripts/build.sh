#!/usr/bin/env bash
# Configures and builds s3loop into ./build (or $S3LOOP_BUILD_DIR).
# Extra arguments go to CMake's configure step.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${S3LOOP_BUILD_DIR:-build}
# Let ccache share results between checkouts in different folders (paths are
# made relative to the source root), so a fresh clone rebuilds in seconds.
export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=true
generator=()
if command -v ninja >/dev/null && [[ ! -f "$build_dir/CMakeCache.txt" ]]; then generator=(-G Ninja); fi
cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >&2
cmake --build "$build_dir" -j "$(nproc)" >&2
