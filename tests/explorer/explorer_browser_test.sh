#!/usr/bin/env bash
# The log explorer in a real browser: a real vitrine-log on 127.0.0.1 (ports
# picked by the kernel) with real signed statements - 22 releases of
# example.com/acme (the last cosigned by a supervisor), one of
# example.com/beta and its rebuild statement from a real vitrine-rebuilder -
# witnessed by a real vitrine-monitor, which also serves the page as a mirror;
# then explorer_browser_test.js drives Debian's chromium through the page
# with puppeteer-core (tests/explorer/node_modules, installed by
# scripts/setup.sh with `npm ci`): searches, statement view, "verified";
# then, through a proxy of its own that lies, "NOT verified" with the reason.
# Screenshots go to $EXPLORER_SCREENSHOTS, else to the test's undeclared
# outputs (.bazel/testlogs/tests/explorer/explorer_browser_test/test.outputs).
set -euo pipefail

runfiles="${TEST_SRCDIR}/vitrine"
vitrine="$runfiles/client/vitrine"
vitrine_log="$runfiles/log/server/vitrine-log"
rebuilder="$runfiles/rebuilder/vitrine-rebuilder"
monitor="$runfiles/monitor/server/vitrine-monitor"
# node_modules lives beside the source of this package (npm ci there): the
# runfiles link to the source tree, which the sandbox shows read-only.
source_dir="$(dirname "$(readlink -f "$runfiles/tests/explorer/package.json")")"
export NODE_PATH="$source_dir/node_modules"
if [ ! -d "$NODE_PATH/puppeteer-core" ]; then
  echo "FAIL: no $NODE_PATH/puppeteer-core: run scripts/setup.sh (npm ci in tests/explorer)" >&2
  exit 1
fi
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  echo "FAIL: no $CHROMIUM: run scripts/setup.sh (Debian's chromium)" >&2
  exit 1
fi

work="$(mktemp -d "${TEST_TMPDIR:-/tmp}/explorer.XXXXXX")"
cd "$work"
export HOME="$work"  # chromium writes under HOME
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2> /dev/null || true; done
}
trap cleanup EXIT

# Waits (10 s at most) for a server's "<what>:" line in `file`; prints its address.
address_of() {
  local file="$1" what="$2"
  for _ in $(seq 100); do
    local line
    line="$(grep -m1 "^ *$what:" "$file" 2> /dev/null || true)"
    if [ -n "$line" ]; then
      echo "$line" | sed -E 's#^ *[A-Za-z]+: *(http://)?([0-9.]+:[0-9]+).*#\2#'
      return 0
    fi
    sleep 0.1
  done
  echo "FAIL: no '$what:' line from the server:" >&2
  cat "$file" >&2
  return 1
}

origin="example.com/explorer-log"
"$vitrine_log" init --data=log --origin="$origin" > /dev/null
"$vitrine" keygen --kind=vendor --name=example.com/acme --out=acme > /dev/null
"$vitrine" keygen --kind=vendor --name=example.com/beta --out=beta > /dev/null
"$vitrine" keygen --kind=supervisor --name=example.org/supervisor --out=supervisor > /dev/null
# A key with the log's name that is not the log's: pinned, nothing verifies.
"$vitrine" keygen --kind=log --name="$origin" --out=impostor > /dev/null
cat acme.vkey beta.vkey >> log/vendors
cat supervisor.vkey >> log/supervisors
"$rebuilder" init --data=rebuilder --name=rebuild.example.org > /dev/null
cat rebuilder/rebuilder.vkey >> log/rebuilders
cat beta.vkey >> rebuilder/vendors

# A witness that follows the log (and mirrors it), and the log that pushes
# its checkpoints to it: each needs the other's address, so the log's gRPC
# port is picked first (bound to port 0, read, closed).
"$monitor" init --data=witness --name=witness.example/w1 > /dev/null
cat acme.vkey beta.vkey > witness/vendors
cp log/rebuilders witness/rebuilders
log_port="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1",
    () => { console.log(s.address().port); s.close(); });')"
"$monitor" serve --data=witness --log="$(cat log/log.vkey)@127.0.0.1:$log_port" \
    --grpc_listen=127.0.0.1:0 --http_listen=127.0.0.1:0 --min_free_bytes=0 \
    > witness.out 2> witness.err &
pids+=($!)
witness_grpc="$(address_of witness.out gRPC)"
witness_http="$(address_of witness.out HTTP)"

"$vitrine_log" serve --data=log --grpc_listen="127.0.0.1:$log_port" --http_listen=127.0.0.1:0 \
    --witness="$(cat witness/witness.vkey)@$witness_grpc" > log.out 2> log.err &
pids+=($!)
grpc="$(address_of log.out gRPC)"
http="$(address_of log.out HTTP)"

# Entry 0: beta's release (with a source, so it is rebuilt); entries 1-22:
# acme-tool 1.0.0 to 1.0.21, one submit each so the indexes are known; the
# last one cosigned by a supervisor.
echo "beta app, release 2.0.0" > beta-app.tar.gz
"$vitrine" statement --key=beta.key --artifact=beta-app.tar.gz --version=2.0.0 \
    --source=https://git.example.com/beta/app@v2.0.0 > /dev/null
"$vitrine" submit --log="$grpc" --log_key=log/log.vkey beta-app.tar.gz.statement > /dev/null
for i in $(seq 0 21); do
  echo "acme tool, release 1.0.$i" > "acme-tool-1.0.$i"
  "$vitrine" statement --key=acme.key --artifact="acme-tool-1.0.$i" --name=acme-tool \
      --version="1.0.$i" > /dev/null
done
"$vitrine" statement --cosign --key=supervisor.key acme-tool-1.0.21.statement > /dev/null
for i in $(seq 0 21); do
  "$vitrine" submit --log="$grpc" --log_key=log/log.vkey "acme-tool-1.0.$i.statement" > /dev/null
done

# Entry 23: the rebuilder's statement about beta's release (a match).
"$rebuilder" serve --data=rebuilder --log="$grpc" --log_key_file=log/log.vkey \
    --vendor=example.com/beta --http_listen=127.0.0.1:0 \
    --recipe='echo "beta app, release $VITRINE_VERSION" > "$VITRINE_OUTPUT/$VITRINE_ARTIFACT"' \
    > rebuilder.out 2> rebuilder.err &
pids+=($!)
for _ in $(seq 150); do
  if "$vitrine" bundle --log="$grpc" --log_key=log/log.vkey --artifact=beta-app.tar.gz 2> /dev/null |
      grep -q "with 1 rebuild statement"; then
    rebuilt=1
    break
  fi
  sleep 0.2
done
if [ -z "${rebuilt:-}" ]; then
  echo "FAIL: no rebuild statement was logged in 30 s" >&2
  cat rebuilder.out rebuilder.err >&2
  exit 1
fi

export LOG_URL="http://$http"
export MIRROR_URL="http://$witness_http"
export WITNESS_VKEY="$(cat witness/witness.vkey)"
export LOG_VKEY="$(cat log/log.vkey)"
export IMPOSTOR_VKEY="$(cat impostor.vkey)"
export BETA_FILE="$work/beta-app.tar.gz"
export BETA_SHA256="$(sha256sum beta-app.tar.gz | cut -c1-64)"
export ACME_LAST_SHA256="$(sha256sum acme-tool-1.0.21 | cut -c1-64)"
export SCREENSHOTS="${EXPLORER_SCREENSHOTS:-${TEST_UNDECLARED_OUTPUTS_DIR:-$work}}"
export BROWSER_DATA="$work/chromium"
timeout 240 node "$runfiles/tests/explorer/explorer_browser_test.js"
