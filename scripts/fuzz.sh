#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz: S3 XML replies, the event stream,
# CSV, SQL, s3:// URLs) with clang, ASan and UBSan into ./build-fuzz (or
# $S3LOOP_FUZZ_BUILD_DIR) and runs each. Exits 1 on the first crash, sanitizer
# report, leak or hang, naming the input (kept in <build dir>/artifacts/) and
# the command that replays it.
#
# Usage: scripts/fuzz.sh [--replay | --seconds N | --runs N [--seed S]] [target ...]
#   --replay      every input of the committed corpus (tests/fuzz/corpus/<target>/,
#                 found/ included) once, nothing new: what CI runs. The same
#                 inputs everywhere, so it fails only on what the code does.
#   --seconds N   explore: fuzz each target for N seconds (default 20), from the
#                 committed corpus and what earlier runs found
#   --runs N      explore: N inputs per target from the committed corpus, libFuzzer
#                 seed S (default 1). Not the same inputs on every machine: the
#                 coverage libFuzzer steers by includes stack depth, which moves
#                 with the process's layout, so one machine's 200,000 inputs are
#                 not another's (CI once found a crash this way that no run here
#                 had reached; hence --replay for CI).
# New inputs an exploration finds go to <build dir>/corpus/<target>/; a
# minimized set of them is merged into tests/fuzz/corpus/<target>/found/ with
# scripts/fuzz-merge.sh, so that --replay runs them from then on.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=seconds
seconds=20
runs=
seed=
targets=()
while (($#)); do
  case $1 in
    --replay) mode=replay; shift ;;
    --seconds) mode=seconds; seconds=$2; shift 2 ;;
    --seconds=*) mode=seconds; seconds=${1#*=}; shift ;;
    --runs) mode=runs; runs=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
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
  case $mode in
    replay)
      # -runs=0: the corpus (read recursively) is executed, then libFuzzer stops.
      args+=(-runs=0)
      dirs=("$seeds")
      what="every committed input"
      ;;
    runs)
      # New inputs to a fresh directory, so that only the committed corpus and
      # the seed decide what runs here.
      found=$build_dir/corpus-runs/$t
      rm -rf "$found"
      mkdir -p "$found"
      args+=(-runs="$runs" -seed="${seed:-1}")
      dirs=("$found" "$seeds")
      what="$runs inputs, seed ${seed:-1}"
      ;;
    seconds)
      found=$build_dir/corpus/$t
      mkdir -p "$found"
      args+=(-max_total_time="$seconds")
      if [[ -n $seed ]]; then args+=(-seed="$seed"); fi
      dirs=("$found" "$seeds")
      what="${seconds}s"
      ;;
  esac
  log=$build_dir/fuzz-$t.log
  echo "fuzz: $t, $what" >&2
  # The first corpus directory receives new inputs; the committed ones stay as they are.
  if ! "$bin" "${args[@]}" "${dirs[@]}" >"$log" 2>&1; then
    grep -E -A30 '^==[0-9]+==ERROR|runtime error|deadly signal|Test unit written' "$log" >&2 || tail -50 "$log" >&2
    echo "fuzz: $t FAILED; replay with: $bin <the input above>; full log: $log" >&2
    exit 1
  fi
  grep -E '^(#[0-9]+[[:space:]]+(DONE|INITED)|stat::number_of_executed_units)' "$log" |
    tr -s ' \t' ' ' >&2
done
echo "fuzz: ${targets[*]}: no crash ($what each)" >&2
