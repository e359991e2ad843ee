#!/usr/bin/env bash
# Fault proxy for benchmarks and fault tests: the faults nginx cannot produce,
# by rate: a TCP reset in the middle of a reply, and a stall past the client's
# timeout (bench/fault_proxy.py, Python asyncio, TLS on 127.0.0.1); and a
# per-connection bandwidth cap on replies, as object stores limit each
# request's throughput. Put it in front of radosgw's plain-HTTP port, or in
# front of bench/latency-proxy.sh (https upstream, verified with
# --upstream-ca) to combine latency, 503/500 and these faults.
#
# Usage:
#   env=$(bench/fault-proxy.sh start --upstream http://127.0.0.1:9480 \
#           --cert DIR/server.pem --key DIR/server.key --listen 127.0.0.1:9945 \
#           [options]) && eval "$env"     # prints only: export AWS_ENDPOINT_URL=...
#   bench/fault-proxy.sh status [--dir STATEDIR]   # exit 0 if running; prints the counts
#   bench/fault-proxy.sh stop [--dir STATEDIR]     # stops what start started
#
# start options:
#   --upstream URL          http://HOST:PORT (radosgw) or https://HOST:PORT
#                           (e.g. the latency proxy) (required)
#   --upstream-ca FILE      CA bundle verifying an https upstream (default: --cert's
#                           directory's ca.pem, as scripts/local-s3.sh lays it out)
#   --cert FILE --key FILE  TLS certificate and key to serve (required; reuse
#                           local-s3's, so AWS_CA_BUNDLE verifies the proxy too)
#   --listen [127.0.0.1:]PORT  where to listen (required; only 127.0.0.1)
#   --reset-rate R          fraction of requests whose reply is cut by a TCP RST
#                           after its head and half its body (default 0)
#   --stall-rate R          fraction whose reply stalls (default 0)
#   --stall-at first-byte|mid-body   where the stall starts (default first-byte:
#                           nothing of the reply is sent; mid-body: as a reset)
#   --stall-seconds S       how long a stalled connection is held open unless the
#                           client closes it first (default 300: past every
#                           client's timeout; s3loop's are 120 s to the first byte
#                           and 30 s between body reads)
#   --fault-only REGEX      draw only for requests whose request line matches
#                           (e.g. '^PUT ': copies stall, listings pass)
#   --close-after N         close each client connection silently (a FIN, no
#                           Connection: close, no close_notify) after N replies,
#                           as servers drop idle keep-alive connections (default 0: never)
#   --bucket-region BUCKET=REGION   (repeatable) BUCKET lives in REGION: requests
#                           for it signed for another region are answered as S3
#                           does, 301 PermanentRedirect + x-amz-bucket-region
#   --wrong-region-reply redirect|malformed   or 400 AuthorizationHeaderMalformed
#                           naming the region in the body only (default redirect)
#   --seed N                reproducible draws (default: random)
#   --bandwidth RATE        cap on each client connection's reply bytes per
#                           second (token bucket, bursts of 64 KiB or 10 ms of the rate; requests
#                           are not paced): bytes, or with a suffix KB/MB/GB
#                           (10^3, 10^6, 10^9) or KiB/MiB/GiB, e.g. 50MB
#                           (default 0 = no cap). Per connection: N connections
#                           get up to N * RATE together
#   --timeout S             seconds to wait for the proxy to listen (default 20)
#   --dir STATEDIR          pid, stats, log (default /tmp/s3loop-fault-proxy)
#
# STATEDIR/stats.json holds the counts (connections, requests, resets,
# stalls, upstream_errors), rewritten once a second; STATEDIR/fault-proxy.log
# has a line per injected fault. start replaces a proxy already running in
# the same dir. Needs only Debian's python3.
set -euo pipefail

# stdout is reserved for the export line; everything else goes to stderr.
exec 3>&1 1>&2

here=$(cd "$(dirname "$0")" && pwd)
marker=.s3loop-fault-proxy # proves a dir is ours before we empty it

log() { printf 'fault-proxy: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}
source "$here/../scripts/process-lib.sh"

# The pid is the proxy started for this dir (so a recycled pid is never signalled).
ours() {
  local cmdline
  [[ $1 =~ ^[0-9]+$ ]] && alive "$1" || return 1
  cmdline=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
  [[ $cmdline == *"fault_proxy.py "*"--stats $dir/stats.json "* ]]
}

running_pid() {
  local pid
  pid=$(cat "$dir/pid" 2>/dev/null) || return 1
  ours "$pid" || return 1
  echo "$pid"
}

stop_proxy() {
  local pid
  pid=$(running_pid) || return 0
  kill -TERM "$pid" 2>/dev/null || true
  wait_gone "$pid" 100
  if alive "$pid"; then
    log "proxy (pid $pid) ignored SIGTERM for 5 s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" 40
  fi
  rm -f "$dir/pid"
  log "stopped (pid $pid, dir $dir)"
}

port_in_use() { (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  local upstream='' upstream_ca='' cert='' key='' listen='' timeout=20 port host pid deadline
  local py_args=()
  while (($#)); do
    case $1 in
      --upstream | --upstream-ca | --cert | --key | --listen | --reset-rate | --stall-rate | \
        --stall-at | --stall-seconds | --fault-only | --seed | --bandwidth | --close-after | \
        --bucket-region | --wrong-region-reply | --timeout | --dir)
        (($# >= 2)) || die "$1 needs a value"
        case $1 in
          --upstream) upstream=$2 ;;
          --upstream-ca) upstream_ca=$2 ;;
          --cert) cert=$2 ;;
          --key) key=$2 ;;
          --listen) listen=$2 ;;
          --timeout) timeout=$2 ;;
          --bandwidth) py_args+=(--bandwidth "$(rate_bytes --bandwidth "$2")") ;;
          --dir) ;; # taken by main
          *) py_args+=("$1" "$2") ;; # checked by fault_proxy.py
        esac
        shift 2
        ;;
      *) die "unknown argument '$1' (see $0 --help)" ;;
    esac
  done
  [[ $upstream =~ ^https?://([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):([0-9]+)/?$ ]] ||
    die "--upstream must be http://HOST:PORT or https://HOST:PORT, not '$upstream'"
  [[ -n $cert && -r $cert ]] || die "--cert '$cert' is not a readable file"
  [[ -n $key && -r $key ]] || die "--key '$key' is not a readable file"
  cert=$(realpath -- "$cert")
  key=$(realpath -- "$key")
  if [[ $upstream == https://* ]]; then
    upstream_ca=${upstream_ca:-$(dirname "$cert")/ca.pem}
    [[ -r $upstream_ca ]] || die "--upstream-ca '$upstream_ca' is not a readable file"
    py_args+=(--upstream-ca "$(realpath -- "$upstream_ca")")
  fi
  host=127.0.0.1
  port=$listen
  if [[ $listen == *:* ]]; then
    host=${listen%:*}
    port=${listen##*:}
  fi
  [[ $host == 127.0.0.1 ]] || die "--listen: only 127.0.0.1 is allowed, not '$host'"
  if [[ ! $port =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then die "--listen: bad port '$port'"; fi
  [[ $timeout =~ ^[0-9]+$ ]] || die "--timeout wants whole seconds, not '$timeout'"

  stop_proxy
  if [[ -e $dir ]]; then
    if [[ -e $dir/$marker ]]; then
      rm -f "$dir"/{pid,ready,stats.json,stats.json.tmp,fault-proxy.log}
    elif [[ ! -d $dir || -n $(ls -A "$dir") ]]; then
      die "$dir exists but was not made by this script; not touching it"
    fi
  fi
  port_in_use "$port" && die "port $port on 127.0.0.1 is already in use"
  mkdir -p "$dir"
  touch "$dir/$marker"

  # Its own session, so that it outlives this script; no fd of ours (or
  # $(fault-proxy.sh start) would never end).
  setsid /usr/bin/python3 "$here/fault_proxy.py" --listen "127.0.0.1:$port" \
    --upstream "${upstream%/}" --cert "$cert" --key "$key" --stats "$dir/stats.json" \
    --ready "$dir/ready" "${py_args[@]}" </dev/null >>"$dir/fault-proxy.log" 2>&1 3>&- &
  pid=$!
  echo "$pid" >"$dir/pid"
  # Ready when it says so: a probe request could itself be reset or stalled.
  deadline=$((SECONDS + timeout))
  until [[ -s $dir/ready ]]; do
    if ! alive "$pid"; then
      tail -n 20 "$dir/fault-proxy.log" >&2 || true
      rm -f "$dir/pid"
      die "the proxy (pid $pid) exited"
    fi
    if ((SECONDS >= deadline)); then
      stop_proxy
      die "not listening on 127.0.0.1:$port within ${timeout}s (log: $dir/fault-proxy.log)"
    fi
    sleep 0.05
  done
  log "up: https://127.0.0.1:$port -> ${upstream%/} (${py_args[*]:-no faults}; pid $pid, dir $dir)"
  printf 'export AWS_ENDPOINT_URL=%q\n' "https://127.0.0.1:$port" >&3
}

# --- main ---------------------------------------------------------------------

check_dir() { [[ $dir != *[[:space:]]* ]] || die "--dir needs a value without whitespace"; }
status_details() { printf ': %s' "$(cat "$dir/stats.json" 2>/dev/null)"; }
proxy_main /tmp/s3loop-fault-proxy "$@"
