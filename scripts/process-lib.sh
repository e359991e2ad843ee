# Shared by scripts/local-s3.sh, bench/latency-proxy.sh and bench/fault-proxy.sh
# (sourced, not run).

# Prints the script's leading comment block as its usage, and exits 2.
usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
  exit 2
}

# Alive and not a zombie (nothing may reap orphans in a container).
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}

# Waits until PID is gone, polling every 50 ms at most STEPS times.
wait_gone() {
  local i
  for ((i = 0; i < $2; i++)); do
    alive "$1" || return 0
    sleep 0.05
  done
}

# RATE (50MB, 50MiB, 400KB, 1000000) in bytes per second; FLAG names it in
# the error.
rate_bytes() {
  local -A unit=([B]=1 [KB]=1000 [MB]=1000000 [GB]=1000000000 [KIB]=1024 [MIB]=1048576
    [GIB]=1073741824)
  local u
  [[ ${2^^} =~ ^([0-9]+)(B|KB|MB|GB|KIB|MIB|GIB)?$ ]] ||
    die "$1 wants bytes per second like 50MB, 50MiB or 400KB, not '$2'"
  u=${BASH_REMATCH[2]:-B}
  echo $((10#${BASH_REMATCH[1]} * unit[$u]))
}

# The command line of a proxy script: `start [flags incl. --dir DIR]`,
# `stop [--dir DIR]`, `status [--dir DIR]`. Sets $dir (default $1, checked by
# the script's check_dir) and calls the script's start / stop_proxy /
# running_pid / status_details (extra words for a running status).
proxy_main() {
  local default_dir=$1 cmd args i pid
  shift
  (($# >= 1)) || usage
  cmd=$1
  shift
  dir=$default_dir
  case $cmd in
    -h | --help | help) usage ;;
    start)
      # --dir first, so that all paths below see it.
      args=("$@")
      for ((i = 0; i < ${#args[@]}; i++)); do
        if [[ ${args[i]} == --dir ]]; then dir=${args[i + 1]:-}; fi
      done
      ;;
    stop | status)
      if (($# == 2)) && [[ $1 == --dir ]]; then
        dir=$2
      elif (($# != 0)); then
        usage
      fi
      ;;
    *) usage ;;
  esac
  [[ -n $dir ]] || die "--dir needs a value"
  check_dir
  dir=$(realpath -m -- "$dir")

  case $cmd in
    start) start "$@" ;;
    stop)
      if running_pid >/dev/null; then
        stop_proxy
      else
        log "not running (dir $dir)"
      fi
      ;;
    status)
      if pid=$(running_pid); then
        log "running: pid $pid, dir $dir$(status_details)"
      else
        log "not running (dir $dir)"
        exit 1
      fi
      ;;
  esac
}
