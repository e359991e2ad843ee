#!/usr/bin/env bash
# Keeps what explorations found: for each target, the inputs in
# <build dir>/corpus/<target>/ and corpus-runs/<target>/ (scripts/fuzz.sh
# --seconds / --runs) that reach coverage the committed corpus does not are
# added, minimized by libFuzzer's -merge=1, to tests/fuzz/corpus/<target>/found/,
# which scripts/fuzz.sh --replay (CI) then runs. Nothing committed is removed.
#
# Usage: scripts/fuzz-merge.sh [target ...]   (after scripts/fuzz.sh has built)
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${S3LOOP_FUZZ_BUILD_DIR:-build-fuzz}
targets=("$@")
if ((${#targets[@]} == 0)); then targets=(xml event_stream csv sql s3_url); fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
for t in "${targets[@]}"; do
  bin=$build_dir/tests/fuzz/fuzz_$t
  committed=tests/fuzz/corpus/$t
  [[ -x $bin && -d $committed ]] || { echo "fuzz-merge: no built target '$t'" >&2; exit 2; }
  sources=()
  for d in "$build_dir/corpus/$t" "$build_dir/corpus-runs/$t"; do
    [[ -d $d ]] && sources+=("$d")
  done
  ((${#sources[@]})) || { echo "fuzz-merge: $t: nothing explored yet" >&2; continue; }
  # -merge=1 adds to the first directory what the others reach beyond it:
  # start it from the committed corpus, then keep only the additions.
  work=$(mktemp -d)
  cp -r "$committed/." "$work/"
  before=$(find "$work" -type f | wc -l)
  "$bin" -merge=1 -timeout=10 "$work" "${sources[@]}" >"$build_dir/fuzz-merge-$t.log" 2>&1 || {
    tail -20 "$build_dir/fuzz-merge-$t.log" >&2
    exit 1
  }
  mkdir -p "$committed/found"
  added=0
  # The additions sit at the top of $work, named by their SHA-1.
  while IFS= read -r -d '' f; do
    name=$(basename "$f")
    [[ -e $committed/$name ]] && continue
    cp "$f" "$committed/found/$name"
    added=$((added + 1))
  done < <(find "$work" -maxdepth 1 -type f -print0)
  echo "fuzz-merge: $t: $added inputs added to $committed/found/ ($before committed)" >&2
  rm -rf "$work"
done
