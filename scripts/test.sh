#!/usr/bin/env bash
# Sets everything up and runs every test: the whole workspace, then the pure
# cores and the monitor's input checks again under AddressSanitizer +
# UndefinedBehaviorSanitizer (clang-14), and the crypto code against
# BoringSSL.
# Then every fuzz target runs under libFuzzer for FUZZ_SECONDS (default 20).
# This is the README's test command and what .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh

# Tests read ../shared/vectors through the @vectors repository.
if [ ! -d ../shared/vectors ]; then
  echo "test: ../shared/vectors is missing (the shared test vectors sit beside the checkout)" >&2
  exit 2
fi

# Bounded parallelism: the CI machine has 2 cores and tests start servers.
JOBS=(--jobs="$(nproc)" --local_test_jobs="$(nproc)")

echo "== bazel test //... (gcc, fastbuild)"
bazel test "${JOBS[@]}" //...

# The pure cores, the offline verifier an updater embeds (no gRPC), and
# what a monitor does with input from anyone: evidence files, the
# witness's checks of pushed checkpoints, canonical notes, gossip checks,
# the gossip proof fetcher, the statement checks of every entry and the
# vendor watch's lines.
OFFLINE_CLIENT=(//client:verifier_test //client:bundle_file_test //client:client_state_test)
MONITOR_CORES=(//monitor/evidence/... //monitor/witness:witness_test
  //monitor/witness:canonical_note_test //monitor/gossip:peer_check_test
  //monitor/gossip:verified_notes_test //monitor/gossip:proof_fetcher_test
  //monitor/follow:statement_check_test //monitor/follow:watch_lines_test)
PURE_CORES=(//common/... //log/merkle/... //log/note/... "${OFFLINE_CLIENT[@]}" "${MONITOR_CORES[@]}")
echo "== bazel test --config=asan ${PURE_CORES[*]} (clang-14, ASan+UBSan)"
bazel test "${JOBS[@]}" --config=asan "${PURE_CORES[@]}"

# The crypto code again against BoringSSL (never with gRPC: see .bazelrc).
BORINGSSL_TESTS=(//log/merkle/... //log/note/... "${OFFLINE_CLIENT[@]}")
echo "== bazel test --config=boringssl ${BORINGSSL_TESTS[*]} (BoringSSL instead of OpenSSL 3)"
bazel test "${JOBS[@]}" --config=boringssl "${BORINGSSL_TESTS[@]}"

echo "== scripts/fuzz.sh: every fuzz target under libFuzzer for ${FUZZ_SECONDS:-20}s"
./scripts/fuzz.sh "${FUZZ_SECONDS:-20}"

total=$(bazel query 'tests(//...)' 2>/dev/null | wc -l)
sanitized=$(bazel query "tests(${PURE_CORES[0]} $(printf ' + %s' "${PURE_CORES[@]:1}"))" 2>/dev/null | wc -l)
boringssl=$(bazel query "tests(${BORINGSSL_TESTS[0]} $(printf ' + %s' "${BORINGSSL_TESTS[@]:1}"))" 2>/dev/null | wc -l)
# bazel test exits non-zero on any failure, so reaching here means all passed.
echo "tests: $((total + sanitized + boringssl)) passed, 0 failed"
