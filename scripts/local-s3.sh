#!/usr/bin/env bash
# A real, throwaway S3 server for tests and demos: a single-node Ceph cluster
# (1 monitor, 1 RAM-backed OSD, no cephx) with a RADOS Gateway serving HTTPS
# (self-signed CA) and plain HTTP on 127.0.0.1. Everything lives in one
# directory; nothing touches /etc/ceph, /var/lib/ceph or /var/log/ceph, and no
# systemd is needed.
#
# Usage:
#   env=$(scripts/local-s3.sh start) && eval "$env"   # prints only `export` lines
#   scripts/local-s3.sh status                        # exit 0 if up and answering
#   scripts/local-s3.sh stop                          # kill what start started, rm dir
#
# Environment (all optional):
#   S3LOOP_S3_DIR            state dir          (default /tmp/s3loop-local-s3)
#   S3LOOP_S3_PORT           HTTPS port         (default 9443)
#   S3LOOP_S3_HTTP_PORT      plain HTTP port    (default 9480)
#   S3LOOP_S3_MON_PORT       ceph monitor port  (default 9470)
#   S3LOOP_S3_START_TIMEOUT  seconds for start  (default 60)
#   S3LOOP_S3_MEMSTORE_BYTES OSD capacity, RAM  (default 8 GiB)
#   S3LOOP_S3_DEBUG_RGW      radosgw log level  (default 0; 1 logs every request,
#                                                20 shows SigV4 canonical requests)
#
# The exports are also written to <dir>/env. Logs: <dir>/log/. start is
# idempotent (prints the running server's exports again) and replaces the
# remains of a crashed run. Start-up takes ~2 s.
#
# radosgw quirks: every SigV4 request needs x-amz-content-sha256 (curl 7.88's
# --aws-sigv4 does not add it: pass -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD'),
# else 403 SignatureDoesNotMatch; error bodies have an empty <Message>; bucket
# names need 3+ characters. TLS verifies for 127.0.0.1, localhost, s3.localhost
# and *.s3.localhost: path-style on https://127.0.0.1, virtual-hosted style
# (bucket.s3.localhost) on https://s3.localhost.
set -euo pipefail

# stdout is reserved for the export lines; everything else goes to stderr.
exec 3>&1 1>&2

dir=${S3LOOP_S3_DIR:-/tmp/s3loop-local-s3}
https_port=${S3LOOP_S3_PORT:-9443}
http_port=${S3LOOP_S3_HTTP_PORT:-9480}
mon_port=${S3LOOP_S3_MON_PORT:-9470}
start_timeout=${S3LOOP_S3_START_TIMEOUT:-60}
memstore_bytes=${S3LOOP_S3_MEMSTORE_BYTES:-8589934592}
debug_rgw=${S3LOOP_S3_DEBUG_RGW:-0}

access_key=s3loopaccesskey00001
secret_key=s3loopsecretkey0000000000000000000000001
region=us-east-1

marker=.s3loop-local-s3 # proves a dir is ours before we rm -rf it
daemons=(rgw osd mon)   # pid files in $dir/pids/, in stop order

log() { printf 'local-s3: %s\n' "$*" >&2; }

source "$(dirname "$0")/process-lib.sh"

# --- processes ----------------------------------------------------------------

# The pid is one of our daemons: alive and started with our ceph.conf, so a
# recycled pid is never killed.
ours() {
  local cmdline
  alive "$1" || return 1
  cmdline=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
  [[ $cmdline == *" -c $dir/ceph.conf "* ]]
}

# SIGTERM each daemon, SIGKILL it if still there after 5 s. One at a time and
# in this order, since each needs the next to shut down quickly: radosgw hangs
# in shutdown without the OSD, and the OSD waits 5 s for a monitor to ack its
# going down. In order, each exits within ~0.1 s. With "hard", SIGKILL at once
# (for the remains of a crashed run, whose shutdown would hang).
kill_daemons() {
  local hard=${1:-} name pid i killed=()
  for name in "${daemons[@]}"; do
    pid=$(cat "$dir/pids/$name" 2>/dev/null) || continue
    if [[ ! $pid =~ ^[0-9]+$ ]] || ! ours "$pid"; then continue; fi
    killed+=("$pid")
    if [[ $hard ]]; then
      kill -KILL "$pid" 2>/dev/null || true
    else
      kill -TERM "$pid" 2>/dev/null || true
    fi
    wait_gone "$pid" 100
    if alive "$pid"; then
      log "$name (pid $pid) ignored SIGTERM for 5 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      wait_gone "$pid" 40
      if alive "$pid"; then
        log "error: $name (pid $pid) survived SIGKILL"
        return 1
      fi
    fi
  done
  # Dead, but zombies until init reaps them, which in some containers takes a
  # second or two; wait so that `pgrep` right after stop is clean.
  for pid in "${killed[@]}"; do
    for ((i = 0; i < 60; i++)); do
      [[ -e /proc/$pid ]] || break
      sleep 0.05
    done
  done
}

# Kill our daemons and delete the dir, refusing to delete a dir that is not ours.
# $1: passed to kill_daemons.
clean_dir() {
  [[ -e $dir ]] || return 0
  if [[ ! -e $dir/$marker ]]; then
    if [[ -d $dir && -z $(ls -A "$dir") ]]; then
      rmdir "$dir"
      return 0
    fi
    log "$dir exists but was not made by this script; not touching it"
    return 1
  fi
  kill_daemons "${1:-}"
  rm -rf "$dir"
}

# --- probes -------------------------------------------------------------------

# HTTP status of an anonymous GET / over HTTPS (000 = no answer), on this
# call's port or the one given.
https_status() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 2 --cacert "$dir/ca.pem" \
    "https://127.0.0.1:${1:-$https_port}/" 2>/dev/null || true
}

# HTTP status of a SigV4-signed ListBuckets. curl 7.88 does not send
# x-amz-content-sha256, which radosgw (like AWS) requires, so add it: the
# SHA-256 of the empty body.
signed_status() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 2 --cacert "$dir/ca.pem" \
    --aws-sigv4 "aws:amz:$region:s3" --user "$access_key:$secret_key" \
    -H 'x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' \
    "https://127.0.0.1:$https_port/" 2>/dev/null || true
}

port_in_use() { (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Whether the server of $dir is up; its HTTPS port, which may differ from
# this call's env, in running_port. (Not in https_port: a restart after it
# must use this call's ports, all three.)
running_port=
running() {
  local name pid
  [[ -e $dir/$marker && -s $dir/env ]] || return 1
  for name in "${daemons[@]}"; do
    pid=$(cat "$dir/pids/$name" 2>/dev/null) || return 1
    ours "$pid" || return 1
  done
  # shellcheck disable=SC1091
  running_port=$(. "$dir/env" && printf '%s' "${AWS_ENDPOINT_URL##*:}")
  [[ $(https_status "$running_port") != 000 ]]
}

# --- start --------------------------------------------------------------------

deadline=0
remaining() { echo $((deadline - SECONDS > 1 ? deadline - SECONDS : 1)); }

show_logs() {
  local f
  for f in "$@"; do
    [[ -s $f ]] || continue
    printf -- '----- tail of %s -----\n' "$f" >&2
    tail -n 25 "$f" >&2
  done
}

die() {
  log "error: $1"
  shift
  show_logs "$dir/log/setup.log" "$@"
  exit 1
}

# Runs a daemon in the foreground (-f) of its own session: setsid keeps it
# away from the terminal's SIGINT/SIGHUP once start returns. A background
# child of a script is never a process-group leader, so setsid execs without
# forking and $! is the daemon's pid. Its fds must not include our stdout, or
# `$(local-s3.sh start)` would wait for the daemon to exit.
launch() {
  local name=$1
  shift
  setsid "$@" -c "$dir/ceph.conf" -f </dev/null >"$dir/log/$name.out" 2>&1 3>&- &
  echo $! >"$dir/pids/$name"
}

# Fails the start as soon as a daemon has exited instead of waiting for the timeout.
check_daemons() {
  local name pid
  for name in "$@"; do
    pid=$(<"$dir/pids/$name")
    alive "$pid" || die "$name (pid $pid) exited" "$dir/log/$name.out" "$dir/log/"*"$name"*.log
  done
}

write_certs() {
  # EC keys: generated in milliseconds, unlike RSA.
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout ca.key -out ca.pem -days 3650 -subj '/CN=s3loop local test CA' \
    -addext 'basicConstraints=critical,CA:TRUE' \
    -addext 'keyUsage=critical,keyCertSign,cRLSign'
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout server.key -out server.csr -subj '/CN=localhost'
  # OpenSSL-based clients never match *.localhost (a wildcard needs two
  # labels after it), so virtual-hosted buckets live under s3.localhost.
  cat >server.ext <<'EOF'
subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:s3.localhost,DNS:*.s3.localhost
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
EOF
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -out server.pem -days 3650 -extfile server.ext
}

# Raised whenever write_conf's settings change: a server still running on an
# older configuration is restarted by start rather than reused.
conf_version=2

write_conf() {
  local fsid=$1
  cat >"$dir/ceph.conf" <<EOF
# Generated by scripts/local-s3.sh. A throwaway single-node cluster.
# local-s3 configuration $conf_version
[global]
fsid = $fsid
# msgr2 only, one port; the OSD finds free ports in 6800-7300 itself.
mon_host = v2:127.0.0.1:$mon_port
ms_bind_msgr1 = false
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
# No cephx: nothing to provision, no keyrings.
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
# With auth none, clients (radosgw) otherwise hang retrying the monitor
# handshake in the default secure mode. crc: checksums, no encryption.
ms_mon_client_mode = crc
ms_mon_cluster_mode = crc
ms_mon_service_mode = crc
ms_client_mode = crc
ms_cluster_mode = crc
ms_service_mode = crc
# Every path inside the state dir.
keyring = $dir/keyring
run_dir = $dir/run
admin_socket = $dir/run/\$name.asok
pid_file = $dir/run/\$name.pid
crash_dir = $dir/crash
log_file = $dir/log/\$name.log
mon_cluster_log_file = $dir/log/cluster.\$channel.log
mon_data = $dir/mon
osd_data = $dir/osd
rgw_data = $dir/rgw
# Quiet logs; errors still get through.
debug_rocksdb = 0/0
debug_ms = 0/0
# A client whose first op hits a pool the other rgw client is just creating
# waits for the next objecter tick (default 5 s) to fetch the new OSD map:
# radosgw then starts in 7 s instead of 2 s, about one start in three.
objecter_tick_interval = 0.2
# One OSD: pools of size 1, few PGs.
osd_pool_default_size = 1
osd_pool_default_min_size = 1
mon_allow_pool_size_one = true
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
mon_max_pg_per_osd = 10000
osd_crush_chooseleaf_type = 0
mon_allow_pool_delete = true
# Expected on a throwaway cluster, not worth a HEALTH_WARN.
mon_warn_on_pool_no_redundancy = false
mon_warn_on_insecure_global_id_reclaim_allowed = false
# A nearly full /tmp must not make the monitor shut itself down.
mon_data_avail_crit = 0

[mon]
# Commit cluster-map changes after 10 ms instead of 1-2 s: start-up ~12 s -> ~3 s.
paxos_propose_interval = 0.01
paxos_min_wait = 0.01

[osd]
# RAM-backed object store: fast, and dies with the process. The size is only
# the capacity reported; memory is used as objects are written.
osd_objectstore = memstore
memstore_device_bytes = $memstore_bytes

[client.rgw]
# tcp_nodelay: without it replies stall ~40 ms (Nagle + delayed ACK) on loopback.
rgw_frontends = beast endpoint=127.0.0.1:$http_port ssl_endpoint=127.0.0.1:$https_port ssl_certificate=$dir/server.pem ssl_private_key=$dir/server.key tcp_nodelay=1
# The default 64 threads serialise high-concurrency clients.
rgw_thread_pool_size = 512
# The default 1024 answers 503 SlowDown beyond it: the benchmarks' capacity
# run (C=1024 copies plus the parallel listing) measures the server's CPU, not
# this cap.
rgw_max_concurrent_requests = 4096
# Lets rgw recognise virtual-hosted style Host headers (bucket.s3.localhost);
# other Host values (127.0.0.1) are path-style.
rgw_dns_name = s3.localhost
# Legacy us-east-1 bucket names too (upper case, '_', up to 255 characters),
# which AWS still serves and aws cli reaches: the tests create one to show
# s3loop reaches it as well. s3loop's own mb keeps to today's rules.
rgw_relaxed_s3_bucket_names = true
rgw_enable_usage_log = false
# 1 logs every request (3 lines), too much for benchmarks.
debug_rgw = $debug_rgw
EOF
}

start() {
  local t0=${EPOCHREALTIME/./} fsid osd_uuid code ms certs_job osd_mkfs_job p
  deadline=$((SECONDS + start_timeout))

  if running; then
    if grep -qx "# local-s3 configuration $conf_version" "$dir/ceph.conf" 2>/dev/null; then
      log "already running (dir $dir)"
      cat "$dir/env" >&3
      return 0
    fi
    log "running on an older configuration: restarting (dir $dir)"
  fi
  if [[ -e $dir/$marker ]]; then
    log "cleaning up stale $dir"
  fi
  clean_dir hard
  for p in "$https_port" "$http_port" "$mon_port"; do
    if port_in_use "$p"; then
      log "error: port $p on 127.0.0.1 is already in use (a leftover server? set S3LOOP_S3_*PORT)"
      exit 1
    fi
  done

  mkdir -p "$dir"
  touch "$dir/$marker"
  mkdir -p "$dir"/{pids,log,run,crash,mon,osd,rgw}
  # From here on a failed (or interrupted) start kills what it started; the
  # dir stays for its logs, and the next start removes it.
  trap 'kill_daemons || true' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  fsid=$(</proc/sys/kernel/random/uuid)
  osd_uuid=$(</proc/sys/kernel/random/uuid)
  write_conf "$fsid"

  # Certificates and the OSD store (which needs no monitor, but would wait
  # 300 s for one to send it config without --no-mon-config) are made in the
  # background while the monitor comes up.
  (cd "$dir" && write_certs) >"$dir/log/certs.log" 2>&1 3>&- &
  certs_job=$!
  timeout "$(remaining)" ceph-osd -c "$dir/ceph.conf" -i 0 --mkfs --no-mon-config \
    --osd-uuid "$osd_uuid" >"$dir/log/osd-mkfs.log" 2>&1 3>&- &
  osd_mkfs_job=$!

  # Monitor: a monmap with only us, then the store.
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" \
    --enable-all-features --clobber "$dir/monmap" >>"$dir/log/setup.log" 2>&1 ||
    die "monmaptool failed"
  ceph-mon -c "$dir/ceph.conf" --mkfs -i a --monmap "$dir/monmap" \
    >>"$dir/log/setup.log" 2>&1 || die "ceph-mon --mkfs failed" "$dir/log/mon.a.log"
  launch mon ceph-mon -i a

  # Registers osd.0 (waits for the monitor to be up). The OSD adds itself to
  # the CRUSH map when it boots (osd_crush_update_on_start).
  timeout "$(remaining)" ceph -c "$dir/ceph.conf" --connect-timeout "$(remaining)" \
    osd new "$osd_uuid" 0 >>"$dir/log/setup.log" 2>&1 ||
    die "could not register the OSD with the monitor" "$dir/log/mon.out" "$dir/log/mon.a.log"
  wait "$osd_mkfs_job" || die "ceph-osd --mkfs failed" "$dir/log/osd-mkfs.log" "$dir/log/osd.0.log"
  launch osd ceph-osd -i 0

  wait "$certs_job" || die "openssl failed" "$dir/log/certs.log"
  # radosgw waits on its own until the OSD is up and its pools are active.
  launch rgw radosgw -n client.rgw

  # Meanwhile, the user (radosgw-admin creates the zone and pools it needs,
  # racing safely with radosgw doing the same).
  timeout "$(remaining)" radosgw-admin -c "$dir/ceph.conf" user create \
    --uid=s3loop --display-name=s3loop --access-key="$access_key" \
    --secret-key="$secret_key" --max-buckets=10000 >"$dir/log/user-create.log" 2>&1 ||
    die "radosgw-admin user create failed" "$dir/log/user-create.log" \
      "$dir/log/client.admin.log" "$dir/log/osd.out"

  # Until S3 answers over HTTPS, then until the user's signed requests work.
  code=000
  while ((SECONDS < deadline)); do
    check_daemons "${daemons[@]}"
    code=$(https_status)
    [[ $code == 000 ]] || break
    sleep 0.05
  done
  [[ $code != 000 ]] ||
    die "no HTTPS answer on port $https_port within ${start_timeout}s" "$dir/log/rgw.out" "$dir/log/client.rgw.log"
  while :; do
    code=$(signed_status)
    [[ $code == 200 ]] && break
    ((SECONDS < deadline)) ||
      die "signed ListBuckets returned $code, not 200" "$dir/log/client.rgw.log"
    sleep 0.05
  done

  {
    printf 'export %s=%q\n' \
      AWS_ENDPOINT_URL "https://127.0.0.1:$https_port" \
      AWS_ACCESS_KEY_ID "$access_key" \
      AWS_SECRET_ACCESS_KEY "$secret_key" \
      AWS_REGION "$region" \
      AWS_CA_BUNDLE "$dir/ca.pem" \
      S3LOOP_S3_HTTP_ENDPOINT "http://127.0.0.1:$http_port"
  } >"$dir/env"
  trap - EXIT
  ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
  log "up in $((ms / 1000)).$(printf '%03d' $((ms % 1000))) s: https://127.0.0.1:$https_port (dir $dir)"
  cat "$dir/env" >&3
}

# --- main ---------------------------------------------------------------------

[[ $# -eq 1 ]] || usage
# (Checked on the absolute path: a relative one takes the working directory's.)
dir=$(realpath -m -- "$dir")
[[ $dir != *[[:space:]]* ]] || {
  log "S3LOOP_S3_DIR must not contain whitespace (it goes into rgw_frontends): $dir"
  exit 2
}
# Every probe is a curl: without it a server would look silent, or up.
command -v curl >/dev/null || {
  log "error: curl is missing: run scripts/setup.sh"
  exit 1
}

case $1 in
  start) start ;;
  stop)
    if [[ -e $dir ]]; then
      clean_dir
      log "stopped; removed $dir"
    else
      log "not running"
    fi
    ;;
  status)
    if running; then
      log "running: https://127.0.0.1:$running_port (dir $dir)"
    else
      log "not running"
      exit 1
    fi
    ;;
  *) usage ;;
esac
