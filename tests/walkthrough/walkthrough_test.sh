#!/usr/bin/env bash
# Runs the README's walkthrough as written: the shell blocks after
# `<!-- walkthrough -->` and `<!-- walkthrough-rebuilder -->` in README.md,
# one after the other in one shell, in an empty folder, with the built
# vitrine-log, vitrine-rebuilder and vitrine first on the PATH. Passes when
# every command succeeds and each verify prints the lines the README shows.
#
# The walkthrough serves on the documented fixed ports (gRPC 127.0.0.1:7400,
# HTTP :7480, the rebuilder's HTTP :7680), which anything else on the
# machine may hold (another log: "cannot listen for HTTP on
# 127.0.0.1:7480"). So it never runs on them:
#   - netns: where `unshare` can make a network namespace (root, or
#     unprivileged user namespaces) and `ip` can bring its loopback up, the
#     block runs there unchanged, byte for byte the README's text;
#   - ports (the fallback, or `--ports`): the block runs with those ports
#     replaced by free ones, mechanically (substitute_ports), and the test
#     checks token by token that the script it runs is the README's text
#     with only those edits (check_substitution).
set -euo pipefail

mode=auto
if [[ "${1:-}" == "--ports" ]]; then mode=ports; fi

runfiles="${TEST_SRCDIR}/vitrine"
readme="$runfiles/README.md"
work="$(mktemp -d "${TEST_TMPDIR:-/tmp}/walkthrough.XXXXXX")"
mkdir "$work/bin"
ln -s "$runfiles/client/vitrine" "$work/bin/vitrine"
ln -s "$runfiles/log/server/vitrine-log" "$work/bin/vitrine-log"
ln -s "$runfiles/rebuilder/vitrine-rebuilder" "$work/bin/vitrine-rebuilder"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# The fenced block right after a marker.
block() {
  awk -v marker="<!-- $1 -->" '
    $0 == marker { marked = 1; next }
    marked && !inside && /^```sh$/ { inside = 1; next }
    inside && /^```$/ { exit }
    inside { print }
  ' "$readme"
}
# The release, then its rebuild, in one shell: the second block goes on
# from the first one's folder.
: > "$work/readme.sh"
for marker in walkthrough walkthrough-rebuilder; do
  block "$marker" > "$work/$marker.sh"
  grep -q "vitrine verify" "$work/$marker.sh" ||
    fail "no walkthrough block after <!-- $marker --> in README.md"
  cat "$work/$marker.sh" >> "$work/readme.sh"
done

# A TCP port nobody listens on, below the kernel's ephemeral range so that
# no port-0 socket of another test is handed it meanwhile. Not in $@.
free_port() {
  local low high port
  read -r low high < /proc/sys/net/ipv4/ip_local_port_range
  while :; do
    port=$(( 10000 + (RANDOM * 32768 + RANDOM) % (low - 10000) ))
    # /proc/net/tcp{,6}: local address field "ADDR:PORT" in hex.
    if ! awk 'NR > 1 { split($2, a, ":"); print a[2] }' /proc/net/tcp /proc/net/tcp6 2>/dev/null |
        grep -qix "$(printf '%04x' "$port")" &&
       [[ " $* " != *" $port "* ]]; then
      echo "$port"
      return
    fi
  done
}

# The walkthrough's servers and the commands that reach the log, each given
# free ports: the documented ones rewritten, the defaults made explicit.
# Every edit is a whole inserted token or 127.0.0.1:7400 -> 127.0.0.1:$grpc.
substitute_ports() {
  sed -E \
    -e "s/127\.0\.0\.1:7400/127.0.0.1:$grpc/g" \
    -e "s/(vitrine-log serve) /\1 --grpc_listen=127.0.0.1:$grpc --http_listen=127.0.0.1:$http /g" \
    -e "s/(vitrine-rebuilder serve) /\1 --http_listen=127.0.0.1:$rebuilder_http /g" \
    -e "/--log=/! s/(vitrine (submit|bundle|checkpoint|proof|entries)) /\1 --log=127.0.0.1:$grpc /g"
}

# Checks that $2 is $1 with only substitute_ports' edits, and that they
# leave nothing on a default port. Independent of sed: lines are compared
# token by token, a token of $2 must equal its token of $1 (the port
# mapped) or be one of the tokens substitute_ports inserts.
check_substitution() {
  awk -v grpc="$grpc" -v http="$http" -v rebuilder_http="$rebuilder_http" '
    BEGIN {
      inserted["--grpc_listen=127.0.0.1:" grpc] = 1
      inserted["--http_listen=127.0.0.1:" http] = 1
      inserted["--http_listen=127.0.0.1:" rebuilder_http] = 1
      inserted["--log=127.0.0.1:" grpc] = 1
    }
    FNR == NR { original[FNR] = $0; lines = FNR; next }
    {
      if (!(FNR in original)) { print "extra line " FNR ": " $0; bad = 1; next }
      n = split(original[FNR], o, " "); m = split($0, s, " ")
      # The bytes the edits add: the spacing must stay as in the README.
      i = 1; added = 0
      for (j = 1; j <= m; j++) {
        mapped = o[i]; gsub(/127\.0\.0\.1:7400/, "127.0.0.1:" grpc, mapped)
        if (i <= n && s[j] == mapped) { added += length(mapped) - length(o[i]); i++; continue }
        if (s[j] in inserted) { added += length(s[j]) + 1; continue }
        print "line " FNR " differs beyond the port edits: " $0; bad = 1; break
      }
      if (!bad && i <= n) { print "line " FNR " lost words: " $0; bad = 1 }
      if (!bad && length($0) != length(original[FNR]) + added) {
        print "line " FNR " is spaced differently: " $0; bad = 1
      }
      seen = FNR
    }
    END {
      if (seen != lines) { print "lines " seen + 1 "-" lines " missing"; bad = 1 }
      exit bad
    }
  ' "$1" "$2" >&2 || fail "the substituted walkthrough is not the README's text with its ports replaced"
  # Nothing left to start or reach on a documented default port (comment
  # lines, which run nothing, may still name them).
  if grep -vE '^[[:space:]]*#' "$2" | grep -E ':7[4-6][08]0\b' >&2; then
    fail "a documented port is left in the substituted walkthrough"
  fi
  if grep -vE '^[[:space:]]*#' "$2" | grep -E 'vitrine-monitor serve' >&2; then
    fail "the walkthrough starts a vitrine-monitor: give substitute_ports its ports"
  fi
  local line
  while IFS= read -r line; do
    [[ "$line" =~ ^[[:space:]]*# ]] && continue
    case "$line" in
      *"vitrine-log serve "*)
        [[ "$line" == *"--grpc_listen=127.0.0.1:$grpc --http_listen=127.0.0.1:$http"* ]] ||
          fail "a vitrine-log serve without the free ports: $line" ;;
      *"vitrine-rebuilder serve "*)
        [[ "$line" == *"--http_listen=127.0.0.1:$rebuilder_http"* ]] ||
          fail "a vitrine-rebuilder serve without its free port: $line" ;;
    esac
    if [[ "$line" =~ vitrine\ (submit|bundle|checkpoint|proof|entries)\  &&
          "$line" != *"--log=127.0.0.1:$grpc"* ]]; then
      fail "a command that reaches the log without --log on its first line: $line"
    fi
  done < "$2"
}

# netns when it works, unless the ports are asked for.
if [[ "$mode" == auto ]]; then
  mode=ports
  if command -v ip > /dev/null; then
    for flags in -rn -n; do
      if unshare "$flags" bash -c 'ip link set lo up' 2>/dev/null; then
        mode=netns
        netns_flags="$flags"
        break
      fi
    done
  fi
fi

if [[ "$mode" == netns ]]; then
  cp "$work/readme.sh" "$work/walkthrough.sh"
else
  grpc="$(free_port)"
  http="$(free_port "$grpc")"
  rebuilder_http="$(free_port "$grpc" "$http")"
  substitute_ports < "$work/readme.sh" > "$work/walkthrough.sh"
  check_substitution "$work/readme.sh" "$work/walkthrough.sh"
fi

# Background jobs the block started are stopped however it ends.
cat > "$work/run.sh" <<'RUN'
set -e
trap 'jobs -p | xargs -r kill 2>/dev/null || true; wait' EXIT
source ./walkthrough.sh
RUN

cd "$work"
export PATH="$work/bin:$PATH"
if [[ "$mode" == netns ]]; then
  unshare "$netns_flags" bash -c 'ip link set lo up && exec timeout 90 bash ./run.sh' \
    > out.txt 2> err.txt || status=$?
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
    echo "FAIL: the README walkthrough ($mode) exited $status, or did not print: $line" >&2
    echo "--- stdout" >&2; cat out.txt >&2
    echo "--- stderr" >&2; cat err.txt >&2
    exit 1
  fi
  # The README states the same output line.
  grep -qxF "$line" "$readme" || fail "README.md does not show verify's output: $line"
done
if [[ "$mode" == netns ]]; then
  how="in its own network namespace (unshare $netns_flags), unchanged"
else
  how="on free ports (gRPC $grpc, HTTP $http, rebuilder HTTP $rebuilder_http), checked to be the README's text otherwise"
fi
echo "PASS: README walkthrough ($(grep -c . walkthrough.sh) lines) ran $how; both verifies said OK"
