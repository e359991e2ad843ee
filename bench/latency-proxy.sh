#!/usr/bin/env bash
# Latency and fault proxy for benchmarks: nginx (Debian's, with the lua module)
# as a TLS endpoint in front of the plain-HTTP radosgw of scripts/local-s3.sh.
# Every request waits a fixed delay plus uniform jitter (a non-blocking
# ngx.sleep, so concurrent requests wait side by side), then is proxied to the
# upstream unchanged (Host kept, so SigV4 signatures verify; bodies streamed;
# keep-alive both sides). Optionally a concurrency cap and random S3 errors.
#
# Usage:
#   env=$(bench/latency-proxy.sh start --upstream http://127.0.0.1:9480 \
#           --cert DIR/server.pem --key DIR/server.key --listen 127.0.0.1:9943 \
#           [options]) && eval "$env"     # prints only: export AWS_ENDPOINT_URL=...
#   bench/latency-proxy.sh status [--dir STATEDIR]   # exit 0 if running
#   bench/latency-proxy.sh stop [--dir STATEDIR]     # stops what start started
#
# start options:
#   --upstream URL          plain-HTTP S3 server, http://HOST:PORT (required)
#   --cert FILE --key FILE  TLS certificate and key to serve (required; reuse
#                           local-s3's server.pem/server.key so AWS_CA_BUNDLE
#                           verifies the proxy too)
#   --listen [127.0.0.1:]PORT  where to listen (required; only 127.0.0.1)
#   --delay-ms MS           fixed delay per request (default 0 = none)
#   --jitter-ms MS          plus uniform jitter in [-MS, +MS] (default 0)
#   --max-concurrent N      at most N requests being served (delay included);
#                           beyond that 503 SlowDown + Retry-After: 1 (default 0 = no cap)
#   --limit-rate RATE       cap on each connection's reply bytes per second
#                           (50MB, 50MiB, 400KB or a number; default 0 = none),
#                           as an object store limits each request: nginx's
#                           limit_rate, with replies buffered in memory (it
#                           does not pace unbuffered ones)
#   --error-rate-503 R      fraction answered 503 SlowDown + Retry-After: 1 (default 0)
#   --error-rate-500 R      fraction answered 500 InternalError (default 0)
#   --log                   access log to STATEDIR/logs/access.log (default off)
#   --timeout S             seconds to wait for the proxy to answer (default 20)
#   --dir STATEDIR          config, pid, logs (default /tmp/s3loop-latency-proxy)
#
# Injected errors are S3 XML error bodies, get the delay too, and carry an
# `X-Latency-Proxy: max-concurrent|error-rate-503|error-rate-500` header.
# start on a dir whose proxy is running stops that one first (new flags).
# Needs: nginx-light (or nginx) and libnginx-mod-http-lua (scripts/setup.sh).
set -euo pipefail

# stdout is reserved for the export line; everything else goes to stderr.
exec 3>&1 1>&2

here=$(cd "$(dirname "$0")" && pwd)
marker=.s3loop-latency-proxy # proves a dir is ours before we empty it

log() { printf 'latency-proxy: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}
source "$(dirname "$0")/../scripts/process-lib.sh"

# --- processes ----------------------------------------------------------------

# The pid is the nginx master started for this dir (so a recycled pid is
# never signalled).
ours() {
  local cmdline
  [[ $1 =~ ^[0-9]+$ ]] && alive "$1" || return 1
  cmdline=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
  [[ $cmdline == *"nginx"*" -c $dir/nginx.conf "* ]]
}

running_pid() {
  local pid
  pid=$(cat "$dir/master.pid" 2>/dev/null) || return 1
  ours "$pid" || return 1
  echo "$pid"
}

# SIGTERM (fast shutdown: open connections are closed), then SIGKILL for the
# whole process group (master and worker) if the master is still there after 5 s.
stop_proxy() {
  local pid i
  pid=$(running_pid) || return 0
  kill -TERM "$pid" 2>/dev/null || true
  wait_gone "$pid" 100
  if alive "$pid"; then
    log "nginx (pid $pid) ignored SIGTERM for 5 s: SIGKILL"
    # setsid made the master a process-group leader; the worker shares its group.
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  for ((i = 0; i < 60; i++)); do
    [[ -e /proc/$pid ]] || break
    sleep 0.05
  done
  rm -f "$dir/master.pid"
  log "stopped nginx (pid $pid, dir $dir)"
}

# --- start --------------------------------------------------------------------

# A non-negative decimal number.
number() { [[ $2 =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "$1 wants a non-negative number, not '$2'"; }
# A fraction in [0, 1].
fraction() {
  number "$1" "$2"
  awk -v r="$2" 'BEGIN { exit !(r <= 1) }' || die "$1 wants a fraction in [0, 1], not '$2'"
}

port_in_use() { (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  local upstream='' cert='' key='' listen='' delay=0 jitter=0 max_conc=0 r503=0 r500=0 limit_rate=0
  local access_log=0 timeout=20 port host conf k v v2 pid code deadline t0 f probe_s
  while (($#)); do
    case $1 in
      --upstream | --cert | --key | --listen | --delay-ms | --jitter-ms | --max-concurrent | \
        --error-rate-503 | --error-rate-500 | --limit-rate | --timeout | --dir)
        (($# >= 2)) || die "$1 needs a value"
        case $1 in
          --upstream) upstream=$2 ;;
          --cert) cert=$2 ;;
          --key) key=$2 ;;
          --listen) listen=$2 ;;
          --delay-ms) delay=$2 ;;
          --jitter-ms) jitter=$2 ;;
          --max-concurrent) max_conc=$2 ;;
          --error-rate-503) r503=$2 ;;
          --error-rate-500) r500=$2 ;;
          --limit-rate) limit_rate=$(rate_bytes --limit-rate "$2") || exit 1 ;;
          --timeout) timeout=$2 ;;
          --dir) ;; # taken by main
        esac
        shift 2
        ;;
      --log)
        access_log=1
        shift
        ;;
      *) die "unknown argument '$1' (see $0 --help)" ;;
    esac
  done

  [[ $upstream =~ ^http://([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):([0-9]+)/?$ ]] ||
    die "--upstream must be http://HOST:PORT, not '$upstream'"
  upstream=${upstream#http://}
  upstream=${upstream%/}
  [[ -n $cert && -r $cert ]] || die "--cert '$cert' is not a readable file"
  [[ -n $key && -r $key ]] || die "--key '$key' is not a readable file"
  cert=$(realpath -- "$cert")
  key=$(realpath -- "$key")
  for f in "$cert" "$key"; do
    [[ $f != *[[:space:]\;\"\'\{\}\$]* ]] || die "'$f': no whitespace, quotes, ';', '{', '}' or '\$' please (it goes into nginx.conf)"
  done
  host=127.0.0.1
  port=$listen
  if [[ $listen == *:* ]]; then
    host=${listen%:*}
    port=${listen##*:}
  fi
  [[ $host == 127.0.0.1 ]] || die "--listen: only 127.0.0.1 is allowed, not '$host'"
  if [[ ! $port =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then die "--listen: bad port '$port'"; fi
  number --delay-ms "$delay"
  number --jitter-ms "$jitter"
  [[ $max_conc =~ ^[0-9]+$ ]] || die "--max-concurrent wants a whole number, not '$max_conc'"
  fraction --error-rate-503 "$r503"
  fraction --error-rate-500 "$r500"
  awk -v a="$r503" -v b="$r500" 'BEGIN { exit !(a + b <= 1) }' ||
    die "--error-rate-503 + --error-rate-500 must not exceed 1"
  [[ $timeout =~ ^[0-9]+$ ]] || die "--timeout wants whole seconds, not '$timeout'"
  [[ $limit_rate =~ ^[0-9]+$ ]] || die "--limit-rate wants whole bytes per second, not '$limit_rate'"
  [[ -x /usr/sbin/nginx ]] || die "no /usr/sbin/nginx: install nginx-light and libnginx-mod-http-lua (scripts/setup.sh)"
  [[ -e /usr/lib/nginx/modules/ngx_http_lua_module.so ]] ||
    die "no nginx lua module: install libnginx-mod-http-lua (scripts/setup.sh)"

  # A previous proxy in this dir gives way to the new flags.
  stop_proxy
  if [[ -e $dir ]]; then
    if [[ -e $dir/$marker ]]; then
      rm -rf "${dir:?}"/{nginx.conf,latency_proxy.lua,logs,tmp,nginx.pid,master.pid}
    elif [[ -d $dir && -z $(ls -A "$dir") ]]; then
      :
    else
      die "$dir exists but was not made by this script; not touching it"
    fi
  fi
  port_in_use "$port" && die "port $port on 127.0.0.1 is already in use"

  mkdir -p "$dir/logs" "$dir/tmp"
  touch "$dir/$marker"
  cp "$here/proxy/latency_proxy.lua" "$dir/latency_proxy.lua"

  conf=$(<"$here/proxy/nginx.conf.template")
  if ((access_log)); then
    # shellcheck disable=SC2016 # nginx variables
    v='log_format latency_proxy '\''$time_iso8601 $status $request_method "$request_uri" '
    # shellcheck disable=SC2016
    v+='$request_length $bytes_sent rt=$request_time urt=$upstream_response_time '
    # shellcheck disable=SC2016
    v+='conn=$connection/$connection_requests inj=$sent_http_x_latency_proxy'\'';'
    v+=$'\n  '"access_log $dir/logs/access.log latency_proxy;"
  else
    v='access_log off;'
  fi
  for k in DIR UPSTREAM CERT KEY LISTEN DELAY_MS JITTER_MS MAX_CONCURRENT RATE_503 RATE_500 LIMIT_RATE BUFFERING ACCESS_LOG; do
    case $k in
      DIR) v2=$dir ;;
      UPSTREAM) v2=$upstream ;;
      CERT) v2=$cert ;;
      KEY) v2=$key ;;
      LISTEN) v2="127.0.0.1:$port" ;;
      DELAY_MS) v2=$delay ;;
      JITTER_MS) v2=$jitter ;;
      MAX_CONCURRENT) v2=$max_conc ;;
      RATE_503) v2=$r503 ;;
      RATE_500) v2=$r500 ;;
      LIMIT_RATE) v2=$limit_rate ;;
      BUFFERING) if ((limit_rate > 0)); then v2=on; else v2=off; fi ;;
      ACCESS_LOG) v2=$v ;;
    esac
    conf=${conf//@$k@/$v2}
  done
  if [[ $conf =~ @[A-Z_]+@ ]]; then die "template placeholder ${BASH_REMATCH[0]} not replaced"; fi
  printf '%s\n' "$conf" >"$dir/nginx.conf"

  # -e: the startup error log before the config is read (Debian's default is
  # stderr, but be explicit); -p: relative paths inside the dir.
  local args=(-p "$dir/" -c "$dir/nginx.conf" -e "$dir/logs/error.log")
  if ! /usr/sbin/nginx "${args[@]}" -t -q 2>"$dir/logs/configtest.log"; then
    cat "$dir/logs/configtest.log" >&2
    die "nginx rejected the generated config $dir/nginx.conf"
  fi

  # Foreground master in its own session (setsid execs without forking, as a
  # background child is never a group leader, so $! is nginx's pid); its fds
  # must not include our stdout, or $(latency-proxy.sh start) would never end.
  setsid /usr/sbin/nginx "${args[@]}" -g 'daemon off;' </dev/null >>"$dir/logs/nginx.out" 2>&1 3>&- &
  pid=$!
  echo "$pid" >"$dir/master.pid"

  t0=${EPOCHREALTIME/./}
  deadline=$((SECONDS + timeout))
  probe_s=$(awk -v d="$delay" -v j="$jitter" 'BEGIN { printf "%d", (d + j) / 1000 + 3 }')
  code=000
  while :; do
    if ! alive "$pid"; then
      tail -n 20 "$dir/logs/nginx.out" "$dir/logs/error.log" >&2 2>/dev/null || true
      rm -f "$dir/master.pid"
      die "nginx (pid $pid) exited"
    fi
    # Any HTTP answer will do (an injected error is an answer); -k: liveness
    # only; the answer takes the delay (+ jitter) too.
    code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time "$probe_s" "https://127.0.0.1:$port/" 2>/dev/null || true)
    [[ $code != 000 ]] && break
    if ((SECONDS >= deadline)); then
      stop_proxy
      die "no answer on https://127.0.0.1:$port within ${timeout}s (logs: $dir/logs/)"
    fi
    sleep 0.05
  done
  log "up in $(((${EPOCHREALTIME/./} - t0) / 1000)) ms: https://127.0.0.1:$port -> http://$upstream" \
    "(delay ${delay}±${jitter} ms, max-concurrent $max_conc, 503 rate $r503, 500 rate $r500; pid $pid, dir $dir)"
  printf 'export AWS_ENDPOINT_URL=%q\n' "https://127.0.0.1:$port" >&3
}

# --- main ---------------------------------------------------------------------

check_dir() {
  [[ $dir != *[[:space:]\;\"\'\{\}\$]* ]] ||
    die "the state dir must not contain whitespace, quotes, ';', '{', '}' or '\$' (it goes into nginx.conf)"
}
status_details() { :; }
proxy_main /tmp/s3loop-latency-proxy "$@"
