#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz: S3 XML replies, the event stream,
# CSV, SQL, s3:// URLs) with clang, ASan and UBSan into ./build-fuzz (or
# $S3LOOP_FUZZ_BUILD_DIR) and runs each for a fixed time from its committed
# corpus. Exits 1 on the first crash, sanitizer report, leak or hang, naming
# the input (kept in <build dir>/artifacts/) and the command that replays it.
#
# Usage: scripts/fuzz.sh [--seconds N] [--runs N --seed S] [target ...]
#   --seconds N   fuzz each target for N seconds (default 20), starting from the
#                 committed seeds and what earlier runs found
#   --runs N      instead: exactly N inputs per target from the committed seeds
#   --seed S      only, with libFuzzer seed S: the same inputs on every machine
#                 (what CI runs; a time limit would make the last inputs vary)
# New inputs the fuzzers find go to <build dir>/corpus/<target>/ (not with
# --runs); copy the useful ones into tests/fuzz/corpus/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=20
runs=
seed=
targets=()
while (($#)); do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --seconds=*) seconds=${1#*=}; shift ;;
    --runs) runs=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if ((${#targets[@]} == 0)); then targets=(xml event_stream csv sql s3_url); fi

./scripts/setup.sh
build_dir=${S3LOOP_FUZZ_BUILD_DIR:-build-fuzz}
# Not -Werror: clang warns about things GCC (which gates the normal build) does
# not, and those should not fail the fuzz run.
S3LOOP_BUILD_DIR=$build_dir ./scripts/build.sh -DCMAKE_CXX_COMPILER=clang++ -DS3LOOP_FUZZ=ON \
  -DS3LOOP_WERROR=OFF

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
for t in "${targets[@]}"; do
  bin=$build_dir/tests/fuzz/fuzz_$t
  seeds=tests/fuzz/corpus/$t
  [[ -x $bin && -d $seeds ]] || { echo "fuzz: no target '$t'" >&2; exit 2; }
  mkdir -p "$build_dir/artifacts"
  args=(-timeout=10 -print_final_stats=1 -artifact_prefix="$build_dir/artifacts/$t-")
  if [[ -f tests/fuzz/$t.dict ]]; then args+=(-dict="tests/fuzz/$t.dict"); fi
  if [[ -n $runs ]]; then
    # Repeatable: a fresh directory for new inputs, so only the committed
    # seeds (and the seed number) decide what runs.
    found=$build_dir/corpus-runs/$t
    rm -rf "$found"
    args+=(-runs="$runs" -seed="${seed:-1}")
    what="$runs inputs, seed ${seed:-1}"
  else
    found=$build_dir/corpus/$t
    args+=(-max_total_time="$seconds")
    if [[ -n $seed ]]; then args+=(-seed="$seed"); fi
    what="${seconds}s"
  fi
  mkdir -p "$found"
  log=$build_dir/fuzz-$t.log
  echo "fuzz: $t, $what" >&2
  # The first corpus directory receives new inputs; the committed seeds stay as they are.
  if ! "$bin" "${args[@]}" "$found" "$seeds" >"$log" 2>&1; then
    grep -E -A30 '^==[0-9]+==ERROR|runtime error|deadly signal|Test unit written' "$log" >&2 || tail -50 "$log" >&2
    echo "fuzz: $t FAILED; replay with: $bin <the input above>; full log: $log" >&2
    exit 1
  fi
  grep -E '^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units)' "$log" | tr -s ' \t' ' ' >&2
done
echo "fuzz: ${targets[*]}: no crash ($what each)" >&2
