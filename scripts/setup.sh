#!/usr/bin/env bash
# Installs exactly what s3loop needs from Debian 12 packages. Idempotent: does
# nothing (and needs no network) when everything is already there.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build ccache pkg-config clang-format
  # libraries
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libfmt-dev libpugixml-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # scripts/fuzz.sh: clang with libFuzzer and its sanitizer runtimes, and
  # llvm-symbolizer (package llvm) for readable sanitizer stacks
  clang libclang-rt-14-dev llvm
  # the local S3 server: a throwaway single-node Ceph cluster with radosgw
  ceph-mon ceph-osd ceph-common radosgw
  # test tooling: openssl makes the self-signed CA, curl probes the endpoint,
  # python3 drives the end-to-end tests
  openssl curl python3 procps
  # independent verification in the end-to-end tests: boto3 is not s3loop;
  # cryptography makes certificates with chosen dates
  python3-boto3 python3-cryptography
  # bench/latency-proxy.sh: per-request latency and faults in front of radosgw
  nginx libnginx-mod-http-lua
  # bench/run: the peers s3loop is measured against (boto3 is above; the AWS
  # JavaScript SDK comes from npm into bench/js), GNU time for each one's CPU
  # and peak RSS, gnuplot for the plots
  awscli rclone s3cmd nodejs time gnuplot-nox
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

# npm: Debian's package, unless node came with an npm of its own (NodeSource's
# nodejs provides one and conflicts with Debian's npm).
if ! command -v npm >/dev/null; then missing+=(npm); fi

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present" >&2
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
