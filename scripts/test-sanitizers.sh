#!/usr/bin/env bash
# The whole test suite (unit, integration, end-to-end against the local S3
# server) built with AddressSanitizer + UndefinedBehaviorSanitizer into
# ./build-asan: scripts/test.sh with another build. Any report fails the test
# it happens in: UB aborts, and a sanitizer exit status (86) is one no test
# expects from s3loop (whose own codes are 0, 1, 2 and 130).
# Extra arguments go to ctest, as for scripts/test.sh (e.g. -L unit).
set -euo pipefail
cd "$(dirname "$0")/.."

export S3LOOP_BUILD_DIR=${S3LOOP_ASAN_BUILD_DIR:-build-asan}
# The benchmarks are measured, not tested: not built here.
export S3LOOP_CMAKE_ARGS="-DS3LOOP_SANITIZE=ON -DS3LOOP_BUILD_BENCH=OFF"
# The fuzz targets already run under ASan in the normal suite.
export S3LOOP_FUZZ=0
# This is the sanitizer pass: scripts/test.sh must not start another.
export S3LOOP_SANITIZERS=0
# Tests that measure memory skip that part: ASan's shadow and quarantine
# inflate RSS many times over.
export S3LOOP_SANITIZED=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-exitcode=86:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-exitcode=86:print_stacktrace=1:halt_on_error=1}
exec ./scripts/test.sh "$@"
