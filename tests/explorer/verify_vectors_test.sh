#!/usr/bin/env bash
# Runs verify_vectors_test.js: the explorer's verify.js under node against
# the shared vectors (../shared/vectors, the @vectors repository).
set -euo pipefail
exec node "$TEST_SRCDIR/vitrine/tests/explorer/verify_vectors_test.js" \
    "$TEST_SRCDIR/vitrine/log/serving/explorer/verify.js" "$TEST_SRCDIR/vectors"
