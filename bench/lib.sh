# Shared set-up for the benchmark scripts (sourced, not run): a radosgw of the
# benchmark's own on ports of its own, and optionally the latency proxy in
# front of it. Everything started here is stopped on exit.

bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
s3loop=$bench_root/build/s3loop
datagen=$bench_root/build/bench/s3loop-datagen

bench_build() {
  "$bench_root/scripts/setup.sh"
  "$bench_root/scripts/build.sh" >/dev/null
}

# Starts radosgw; exports its direct endpoint as DIRECT_ENDPOINT.
bench_start_server() {
  export S3LOOP_S3_DIR=${BENCH_S3_DIR:-/tmp/s3loop-bench-s3}
  export S3LOOP_S3_PORT=${BENCH_S3_PORT:-9543}
  export S3LOOP_S3_HTTP_PORT=${BENCH_S3_HTTP_PORT:-9580}
  export S3LOOP_S3_MON_PORT=${BENCH_S3_MON_PORT:-9570}
  trap bench_stop EXIT
  local env
  env=$("$bench_root/scripts/local-s3.sh" start)
  eval "$env"
  DIRECT_ENDPOINT=$AWS_ENDPOINT_URL
  # The tools must not pick up a developer's own AWS profile.
  unset AWS_PROFILE AWS_DEFAULT_PROFILE
}

# Starts the latency proxy (extra arguments go to it); exports its endpoint
# as PROXY_ENDPOINT. AWS_ENDPOINT_URL keeps pointing at the direct endpoint.
bench_start_proxy() {
  PROXY_DIR=${BENCH_PROXY_DIR:-/tmp/s3loop-bench-proxy}
  local env
  env=$("$bench_root/bench/latency-proxy.sh" start --dir "$PROXY_DIR" \
    --upstream "$S3LOOP_S3_HTTP_ENDPOINT" --cert "$S3LOOP_S3_DIR/server.pem" \
    --key "$S3LOOP_S3_DIR/server.key" --listen "127.0.0.1:${BENCH_PROXY_PORT:-9943}" "$@")
  PROXY_ENDPOINT=$(sed -n 's/^export AWS_ENDPOINT_URL=//p' <<<"$env")
}

bench_stop() {
  [[ -n ${PROXY_DIR:-} ]] && "$bench_root/bench/latency-proxy.sh" stop --dir "$PROXY_DIR" >/dev/null 2>&1
  "$bench_root/scripts/local-s3.sh" stop >/dev/null 2>&1 || true
}

# Long commands (clients, data generators, drivers) run through bench_wait:
# in the background, waited for, so that the traps below run at once. Bash
# defers a trap while a foreground child runs, and without one a TERM to the
# script's pid alone (as `timeout` sends it) ends the script at once: the
# client ran on, and the EXIT trap stopped the server under it. `<&0`: a
# background command would read /dev/null, not the script's stdin. Returns
# the command's exit code, so under set -e a failure ends the script as before.
bench_child=''
bench_wait() {
  local rc=0
  "$@" <&0 &
  bench_child=$!
  wait "$bench_child" || rc=$?
  bench_child=''
  return "$rc"
}

# On INT or TERM: TERM to the running command and to its direct children
# (GNU time dies of TERM without passing it on; a Python driver's
# subprocesses outlive it), then exit 130/143 through the EXIT trap. Those
# children are not ours to wait for: they are polled (10 s at most) so that
# the server outlives their own clean-up.
# shellcheck disable=SC2317 # reached through the traps below
bench_on_signal() {  # $1: the exit code
  local children=() pid i
  if [[ -n $bench_child ]]; then
    mapfile -t children < <(pgrep -P "$bench_child")
    kill -TERM "$bench_child" "${children[@]}" 2>/dev/null || true
    wait "$bench_child" 2>/dev/null || true
    for pid in "${children[@]}"; do
      for ((i = 0; i < 100; i++)); do
        [[ $(ps -o stat= -p "$pid") == [^Z]* ]] || break # gone, or a zombie
        sleep 0.1
      done
    done
  fi
  exit "$1"
}
trap 'bench_on_signal 130' INT
trap 'bench_on_signal 143' TERM

# The machine, for the record.
bench_machine() {
  printf '%s, %s cores, %s GiB RAM, radosgw %s (memstore, rgw_thread_pool_size 512)' \
    "$(uname -sr)" "$(nproc)" "$(awk '/MemTotal/ {printf "%d", $2/1048576}' /proc/meminfo)" \
    "$(dpkg-query -W -f='${Version}' radosgw 2>/dev/null)"
}

# The AWS JavaScript SDK v3 for bench/run, from the npm registry into
# bench/js/node_modules (git-ignored), exactly as package-lock.json pins it;
# again only when the lock file changed.
bench_js_install() {
  local js=$bench_root/bench/js stamp sum
  stamp=$js/node_modules/.s3loop-lock-sha256
  sum=$(sha256sum <"$js/package-lock.json" | cut -d' ' -f1)
  [[ -f $stamp && $(<"$stamp") == "$sum" ]] && return 0
  echo "== npm ci in bench/js (AWS JavaScript SDK v3)" >&2
  (cd "$js" && npm ci --no-audit --no-fund --loglevel=error >&2)
  echo "$sum" >"$stamp"
}

# The build a result came from ("-dirty": with uncommitted changes), for the record.
bench_version() {
  printf 's3loop %s' "$(git -C "$bench_root" describe --always --dirty 2>/dev/null || echo '?')"
}

# Versions of everything bench/run races, for the record.
bench_versions() {
  local sdk
  sdk=$(sed -n 's/.*"version": "\(.*\)".*/\1/p' "$bench_root/bench/js/node_modules/@aws-sdk/client-s3/package.json" | head -1)
  printf 's3loop %s, aws-cli %s, rclone %s, s3cmd %s, boto3 %s, AWS JS SDK v3 %s on node %s' \
    "$(git -C "$bench_root" describe --always --dirty 2>/dev/null || echo '?')" \
    "$(/usr/bin/aws --version 2>&1 | sed -n 's|^aws-cli/\([^ ]*\).*|\1|p')" \
    "$(/usr/bin/rclone version 2>/dev/null | sed -n '1s/^rclone v//p')" \
    "$(/usr/bin/s3cmd --version 2>/dev/null | awk '{print $3}')" \
    "$(/usr/bin/python3 -c 'import boto3; print(boto3.__version__)')" \
    "$sdk" "$(/usr/bin/node --version)"
}
