#!/usr/bin/env bash
# Issue 18: vitrine-loadgen adds/s and latency with the log key in a file
# and in a SoftHSM 2 token, one after the other on the same machine and
# build, and what the sequencer did meanwhile: batches (one checkpoint
# signature each) from the log's /metrics, read before and after the run.
#
#   bazel build -c opt //bench:vitrine-loadgen
#   bench/hsm_loadgen.sh PER_REQUEST CLIENTS STATEMENTS [ROUNDS]
#   bench/hsm_loadgen.sh 1 32 60000 2
#
# Prints one line per run: adds/s, p50/p99, batches (count, per second,
# entries each), the sequencer's mean batch time (dedup lookup, tree, root
# check, signing, commit) and its commit part. Needs softhsm2 and curl.
set -euo pipefail
per_request=$1 clients=$2 statements=$3 rounds=${4:-1}
OPT=$(cd "$(dirname "$0")/.." && bazel info -c opt bazel-bin 2>/dev/null)
L=$OPT/bench/vitrine-loadgen
LOG=$OPT/log/server/vitrine-log
work=$(mktemp -d "${TMPDIR:-/tmp}/hsm-loadgen.XXXXXX")
pid=
# An interrupted run stops the log it started, as a finished one does.
trap 'if [ -n "$pid" ]; then kill "$pid" 2> /dev/null || true; fi; rm -rf "$work"' EXIT
mkdir "$work/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' \
  "$work" > "$work/softhsm2.conf"
export SOFTHSM2_CONF=$work/softhsm2.conf VITRINE_PIN=1234
softhsm2-util --init-token --free --label bench --pin 1234 --so-pin 5678 > /dev/null
# Vendor keys for --target runs: the first call writes them and prints the
# verifier keys, which each log registers.
"$L" --target=127.0.0.1:1 --vendor_keys="$work/keys" --vendors=4 | tail -n +2 | grep . \
  > "$work/vkeys"

metric() { grep "^$1 " <<< "$2" | awk '{print $2}'; }

for round in $(seq 1 "$rounds"); do
  for kind in file token; do
    data=$work/$kind-$round
    if [ "$kind" = token ]; then
      "$LOG" init --data="$data" --origin=loadgen.example/log \
        --pkcs11_module=/usr/lib/softhsm/libsofthsm2.so --pkcs11_token=bench \
        --pkcs11_key_label=log --pkcs11_pin_env=VITRINE_PIN > /dev/null
    else
      "$LOG" init --data="$data" --origin=loadgen.example/log > /dev/null
    fi
    cp "$work/vkeys" "$data/vendors"
    "$LOG" serve --data="$data" --grpc_listen=127.0.0.1:0 --http_listen=127.0.0.1:0 \
      --vendor_rate_per_second=1000000 --vendor_burst=1000000 > "$data.out" 2> "$data.err" &
    pid=$!
    until grep -q "data:" "$data.out" 2> /dev/null; do
      kill -0 "$pid" 2> /dev/null || { cat "$data.err" >&2; exit 1; }
      sleep 0.1
    done
    grpc=$(sed -n 's/^  gRPC: *//p' "$data.out")
    http=$(sed -n 's#^  HTTP: *http://\([^ ]*\).*#\1#p' "$data.out")
    before=$(metric vitrine_sequencer_batch_entries_count "$(curl -s "http://$http/metrics")")
    "$L" --target="$grpc" --vendor_keys="$work/keys" --log_key="$(cat "$data/log.vkey")" \
      --statements="$statements" --per_request="$per_request" --clients="$clients" \
      --json="$data.json" > "$data.loadgen" 2>&1 || true
    m=$(curl -s "http://$http/metrics")
    kill "$pid"; wait "$pid" || true
    pid=
    python3 - "$data.json" "$kind" "$before" \
      "$(metric vitrine_sequencer_batch_entries_count "$m")" \
      "$(metric vitrine_sequencer_batch_seconds_sum "$m")" \
      "$(metric vitrine_sequencer_batch_seconds_count "$m")" \
      "$(metric vitrine_sequencer_commit_seconds_sum "$m")" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
adds = report["adds"]
before, count, batch_sum, batch_count, commit_sum = map(float, sys.argv[3:8])
batches = count - before
print(f"{sys.argv[2]:5} {adds['items_per_second']:7.0f} adds/s  p50 {adds['latency_ms']['p50']:.2f} "
      f"p99 {adds['latency_ms']['p99']:.2f} ms  {batches:.0f} batches ({batches / adds['seconds']:.0f}/s, "
      f"{adds['items_ok'] / batches:.1f} entries)  batch {1000 * batch_sum / batch_count:.3f} ms "
      f"(commit {1000 * commit_sum / batches:.3f})  failed {adds['items_failed']}  "
      f"load {report['machine']['load_average_start'].split()[0]}")
PY
    rm -rf "$data"
  done
done
