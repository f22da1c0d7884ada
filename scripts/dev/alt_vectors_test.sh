#!/usr/bin/env bash
# Runs every test that reads @vectors against a second vector set, written by
# scripts/dev/make_test_vectors.py with other seeds, names, origin, entry
# prefix and sizes, instead of ../shared/vectors. The tests take every
# parameter from the files, so both sets must pass unchanged.
#   scripts/dev/alt_vectors_test.sh [folder, default /tmp/alt_vectors] [generator flags...]
# Development only (needs python3-cryptography); not part of scripts/test.sh.
# Switching @vectors makes Bazel drop its analysis cache once, here and on
# the next ordinary build; nothing is rebuilt, the vector tests rerun.
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-/tmp/alt_vectors}"
shift || true

rm -rf "$out"
scripts/dev/make_test_vectors.py --out "$out" "$@"
# --override_repository needs a repository: the filegroup WORKSPACE declares
# for ../shared/vectors.
touch "$out/WORKSPACE"
cat >"$out/BUILD.bazel" <<'EOF'
filegroup(
    name = "vectors",
    srcs = glob(["**/*.json"]),
    visibility = ["//visibility:public"],
)
EOF

tests=$(bazel query 'tests(rdeps(//..., @vectors//:vectors))' 2>/dev/null)
# shellcheck disable=SC2086
bazel test --jobs=2 --override_repository=vectors="$out" $tests
