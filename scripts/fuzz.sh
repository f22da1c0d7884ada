#!/usr/bin/env bash
# Runs every fuzz target (tag "fuzz", see bazel/fuzz.bzl) under libFuzzer with
# ASan + UBSan for a bounded time each, starting from its in-tree corpus.
#   scripts/fuzz.sh [seconds per target, default 20]
# New inputs go to a temporary folder; the in-tree corpus is not modified.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"

targets=$(bazel query 'attr(tags, "\bfuzz\b", tests(//...))' 2>/dev/null)
if [ -z "$targets" ]; then
  echo "fuzz: no fuzz targets"
  exit 0
fi
# shellcheck disable=SC2086
bazel build --config=fuzz $targets

bin=$(bazel info --config=fuzz bazel-bin 2>/dev/null)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for target in $targets; do
  path=${target#//}; path=${path/://}
  corpus_files=$(bazel query "labels(srcs, ${target}_corpus)" 2>/dev/null | sed -e 's|^//||' -e 's|:|/|')
  mkdir -p "$work/$path"
  for f in $corpus_files; do cp "$f" "$work/$path/"; done
  echo "== fuzz $target for ${seconds}s"
  "$bin/$path" -max_total_time="$seconds" -print_final_stats=1 \
    -timeout=10 -rss_limit_mb=2048 "$work/$path" 2>&1 | tail -n 12
  # With pipefail, a crash (non-zero exit) fails the script.
done
echo "fuzz: all targets ran ${seconds}s without a crash"
