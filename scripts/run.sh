#!/usr/bin/env bash
# Sets everything up, builds, and runs a local log: vitrine-log on 127.0.0.1
# with its embedded RocksDB in ./data/log, creating the log key on first
# start. Prints the log's verifier key and both addresses; Ctrl-C stops it
# gracefully. Extra arguments go to `vitrine-log serve` (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
bazel build -c opt //log/server:vitrine-log
bin="$(bazel info -c opt bazel-bin)/log/server/vitrine-log"
exec "$bin" serve --data=data/log --origin="${VITRINE_ORIGIN:-localhost/vitrine-log}" \
  --init_if_missing "$@"
