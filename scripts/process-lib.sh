# Shared by scripts/local-s3.sh and bench/latency-proxy.sh (sourced, not run).

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
