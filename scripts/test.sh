#!/usr/bin/env bash
# Builds s3loop and runs every test: unit tests, and integration and
# end-to-end tests against a real local S3 server (radosgw over HTTPS) that
# this script starts and stops. CTest drives them all.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
# S3LOOP_CMAKE_ARGS: more configure flags, e.g. the sanitizer build of
# scripts/test-sanitizers.sh (which also sets S3LOOP_BUILD_DIR).
read -ra cmake_args <<<"${S3LOOP_CMAKE_ARGS:-}"
S3LOOP_BUILD_DIR=${S3LOOP_BUILD_DIR:-build} ./scripts/build.sh -DS3LOOP_WERROR=ON "${cmake_args[@]}"

# A server of its own, on ports of its own, so a demo server can keep running
# (S3LOOP_TEST_S3_DIR, S3LOOP_TEST_S3_PORT, S3LOOP_TEST_S3_HTTP_PORT and
# S3LOOP_TEST_S3_MON_PORT move it).
export S3LOOP_S3_DIR=${S3LOOP_TEST_S3_DIR:-/tmp/s3loop-test-s3}
export S3LOOP_S3_PORT=${S3LOOP_TEST_S3_PORT:-9643}
export S3LOOP_S3_HTTP_PORT=${S3LOOP_TEST_S3_HTTP_PORT:-9680}
export S3LOOP_S3_MON_PORT=${S3LOOP_TEST_S3_MON_PORT:-9670}
# One already running there (another test run's, which stops it when it
# ends) is used and left to its owner: stopping it at this run's end would
# fail the other's tests still running.
# (Its radosgw's pid says whether start kept it or started one: a server on
# an older configuration is restarted, and then this run's to stop.)
found_pid=
if ./scripts/local-s3.sh status >/dev/null 2>&1; then
  found_pid=$(cat "$S3LOOP_S3_DIR/pids/rgw" 2>/dev/null || true)
fi
trap './scripts/local-s3.sh stop >/dev/null 2>&1 || true' EXIT
env=$(./scripts/local-s3.sh start) || {
  echo "test.sh: the test server did not start; to run it beside what holds its ports or" \
    "dir, set S3LOOP_TEST_S3_PORT, S3LOOP_TEST_S3_HTTP_PORT, S3LOOP_TEST_S3_MON_PORT" \
    "(now $S3LOOP_S3_PORT, $S3LOOP_S3_HTTP_PORT, $S3LOOP_S3_MON_PORT) and" \
    "S3LOOP_TEST_S3_DIR (now $S3LOOP_S3_DIR)" >&2
  exit 1
}
eval "$env"
if [[ -n $found_pid && $found_pid == $(cat "$S3LOOP_S3_DIR/pids/rgw" 2>/dev/null || true) ]]; then
  echo "test.sh: using the test server already running in $S3LOOP_S3_DIR (another test run's?)" >&2
  trap - EXIT
fi
# Removed with its data when this script ends: the tests need not empty their buckets.
export S3LOOP_TEST_SERVER_DISCARDED=1
# The tests must not pick up a developer's own AWS configuration. The builds
# below keep the real HOME: ccache's cache lives there.
real_home=$HOME
export HOME=$S3LOOP_S3_DIR/home
mkdir -p "$HOME"
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE \
  AWS_ENDPOINT_URL_S3 AWS_IGNORE_CONFIGURED_ENDPOINT_URLS AWS_DEFAULT_REGION AWS_SECURITY_TOKEN

ctest --test-dir "${S3LOOP_BUILD_DIR:-build}" --output-on-failure -j 2 --timeout 900 "$@"

# The full suite (no ctest arguments) ends with every fuzz target over its
# committed corpus (scripts/fuzz.sh --replay: the seeds and what explorations
# found, tests/fuzz/corpus/*/found/): the same inputs on every machine, so it
# fails only on what the code does, never on a new random finding (a fixed
# count of mutations with a fixed seed is not the same on another machine).
# S3LOOP_FUZZ=0 skips it.
if (($# == 0)) && [[ ${S3LOOP_FUZZ:-1} != 0 ]]; then
  HOME=$real_home ./scripts/fuzz.sh --replay
fi

# And then the whole suite again on an AddressSanitizer + UBSan build
# (scripts/test-sanitizers.sh, which sets S3LOOP_SANITIZERS=0 for its own
# pass). S3LOOP_SANITIZERS=0 skips it.
if (($# == 0)) && [[ ${S3LOOP_SANITIZERS:-1} != 0 ]]; then
  # (Only its own: one this run found running stays for its owner.)
  if [[ -n $(trap -p EXIT) ]]; then
    trap - EXIT
    ./scripts/local-s3.sh stop >/dev/null 2>&1 || true
  fi
  HOME=$real_home ./scripts/test-sanitizers.sh
fi
