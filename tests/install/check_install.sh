#!/usr/bin/env bash
# Installs a build into a scratch prefix and builds examples/ against it as a
# project of its own would (find_package(s3loop), s3loop::s3loop), then runs
# what it built and the installed command.
# Usage: check_install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd) source=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
"$work/prefix/bin/s3loop" --version
test -f "$work/prefix/include/s3loop/s3/client_setup.hpp"
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR=$work CCACHE_NOHASHDIR=true
fi
cmake -S "$source/examples" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >/dev/null
cmake --build "$work/build" >/dev/null
# Without arguments the program prints its usage and exits 2: it was linked
# whole (every library s3loop needs found through the package).
set +e
out=$("$work/build/s3loop-example-copy" 2>&1)
rc=$?
set -e
if [[ $rc != 2 || $out != *"usage: s3loop-example-copy"* ]]; then
  echo "the example built against the installed package: exit $rc: $out" >&2
  exit 1
fi
echo "installed package: find_package(s3loop) builds and links examples/"

# Included with add_subdirectory() instead, only the library comes along: the
# configure step must not need GoogleTest or Google Benchmark (the tests and
# benchmarks are off; configured only, not built).
mkdir -p "$work/sub"
cat >"$work/sub/CMakeLists.txt" <<EOT
cmake_minimum_required(VERSION 3.25)
project(uses-s3loop LANGUAGES CXX)
add_subdirectory("$source" s3loop)
add_executable(app "$source/examples/copy_prefix.cpp")
target_link_libraries(app PRIVATE s3loop::s3loop)
EOT
cmake -S "$work/sub" -B "$work/sub-build" --no-warn-unused-cli -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON \
  -DCMAKE_DISABLE_FIND_PACKAGE_benchmark=ON >/dev/null
if [[ -d $work/sub-build/s3loop/tests || -d $work/sub-build/s3loop/bench ]]; then
  echo "add_subdirectory(s3loop) configured s3loop's tests or benchmarks" >&2
  exit 1
fi
echo "add_subdirectory: the library alone, no tests or benchmarks"
