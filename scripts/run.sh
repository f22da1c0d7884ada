#!/usr/bin/env bash
# Sets everything up, builds, and runs Vitrine's main job. Until the log
# server lands (issue 5) that is the Merkle demo: it builds a tree, proves an
# entry and the tree's growth, and checks both proofs.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
bazel run -c opt //log/merkle/demo:merkle_demo -- "$@"
