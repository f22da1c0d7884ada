#!/usr/bin/env bash
# Runs the README's walkthrough exactly as written: the shell blocks after
# `<!-- walkthrough -->` and `<!-- walkthrough-rebuilder -->` in README.md,
# one after the other in one shell, in an empty folder, with the built
# vitrine-log, vitrine-rebuilder and vitrine first on the PATH (the only
# substitution). Passes when every command succeeds and each verify prints
# the lines the README shows.
#
# The walkthrough serves on the documented fixed ports (127.0.0.1:7400 and
# :7480). Where unprivileged user and network namespaces work, the block
# runs in its own network namespace, so those ports never clash with
# anything else on the machine.
set -euo pipefail

runfiles="${TEST_SRCDIR}/vitrine"
work="$(mktemp -d "${TEST_TMPDIR:-/tmp}/walkthrough.XXXXXX")"
mkdir "$work/bin"
ln -s "$runfiles/client/vitrine" "$work/bin/vitrine"
ln -s "$runfiles/log/server/vitrine-log" "$work/bin/vitrine-log"
ln -s "$runfiles/rebuilder/vitrine-rebuilder" "$work/bin/vitrine-rebuilder"

# The fenced block right after a marker.
block() {
  awk -v marker="<!-- $1 -->" '
    $0 == marker { marked = 1; next }
    marked && !inside && /^```sh$/ { inside = 1; next }
    inside && /^```$/ { exit }
    inside { print }
  ' "$runfiles/README.md"
}
# The release, then its rebuild, in one shell: the second block goes on
# from the first one's folder.
for marker in walkthrough walkthrough-rebuilder; do
  block "$marker" > "$work/$marker.sh"
  if ! grep -q "vitrine verify" "$work/$marker.sh"; then
    echo "FAIL: no walkthrough block after <!-- $marker --> in README.md" >&2
    exit 1
  fi
done
cat "$work/walkthrough-rebuilder.sh" >> "$work/walkthrough.sh"

# Background jobs the block started are stopped however it ends.
cat > "$work/run.sh" <<'RUN'
set -e
trap 'jobs -p | xargs -r kill 2>/dev/null || true; wait' EXIT
source ./walkthrough.sh
RUN

cd "$work"
export PATH="$work/bin:$PATH"
if unshare -rn true 2>/dev/null && command -v ip > /dev/null; then
  unshare -rn bash -c 'ip link set lo up && exec timeout 90 bash ./run.sh' > out.txt 2> err.txt || status=$?
else
  timeout 90 bash ./run.sh > out.txt 2> err.txt || status=$?
fi
status="${status:-0}"

# What each verify prints: the release, then the release and its rebuild.
expected=(
  "OK: acme-tool.tar.gz 1.4.2 by example.com/acme is logged at index 0 of example.com/demo-log (size 1)"
  "OK: acme-tool.tar.gz 1.4.2 by example.com/acme is logged at index 0 of example.com/demo-log (size 2)"
  "rebuilt by 1 trusted rebuilder (rebuild-quorum 1): rebuild.example.org"
)
for line in "${expected[@]}"; do
  if [[ "$status" != 0 ]] || ! grep -qxF "$line" out.txt; then
    echo "FAIL: the README walkthrough exited $status, or did not print: $line" >&2
    echo "--- stdout" >&2; cat out.txt >&2
    echo "--- stderr" >&2; cat err.txt >&2
    exit 1
  fi
  # The README states the same output line.
  if ! grep -qxF "$line" "$runfiles/README.md"; then
    echo "FAIL: README.md does not show verify's output: $line" >&2
    exit 1
  fi
done
echo "PASS: README walkthrough ($(grep -c . walkthrough.sh) lines) ran; both verifies said OK"
