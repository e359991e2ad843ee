#!/usr/bin/env bash
# The whole product in one command, on a fresh Debian 12 machine: installs
# what is missing, builds, starts a real S3 server (radosgw over HTTPS with a
# CA of its own, verified by the client), loads a sample data set of 2,000
# objects, copies the prefix to a second bucket, then compares the four
# strategies on the same copy. The server keeps running afterwards so you can
# try more commands; `scripts/local-s3.sh stop` ends it.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
./scripts/build.sh

env=$(./scripts/local-s3.sh start)
eval "$env"
echo "$env" >&2
# The demo talks to that server only: a shell's own settings that would
# outrank its exports (another endpoint, or configured endpoints ignored) go.
unset AWS_ENDPOINT_URL_S3 AWS_IGNORE_CONFIGURED_ENDPOINT_URLS AWS_SESSION_TOKEN AWS_SECURITY_TOKEN

s3loop=build/s3loop
src=s3://s3loop-demo-src/data/
dst=s3://s3loop-demo-dst/copy/

echo "== loading 2,000 objects (0-4 KiB each) into $src" >&2
build/bench/s3loop-datagen "$src" --count 2000 --max-size 4KiB --seed 42
"$s3loop" mb s3://s3loop-demo-dst

echo "== s3loop cp $src $dst" >&2
"$s3loop" cp "$src" "$dst"

echo "== s3loop ls $dst (first lines)" >&2
"$s3loop" ls --recursive "$dst" | head -n 5 || true  # head closes the pipe early

echo "== s3loop compare cp: the same copy under every strategy, each in a fresh process" >&2
"$s3loop" compare cp "$src" s3://s3loop-demo-dst/compare/

cat >&2 <<EOT

The server is still running. To use it from this shell:
  eval "\$(scripts/local-s3.sh start)"   # prints the same exports again
  build/s3loop ls s3://s3loop-demo-dst/copy/
Stop it with: scripts/local-s3.sh stop
EOT
