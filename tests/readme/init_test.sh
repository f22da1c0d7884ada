#!/usr/bin/env bash
# Checks what each server's `init` writes against what README.md says:
# the folder (0700), the signer key (0600), its verifier key, a vendors
# file of comment lines only, for vitrine-rebuilder a rebuilders file with
# its own verifier key; nothing else (no store, nothing signed); and that a
# second init keeps the key.
set -euo pipefail

runfiles="${TEST_SRCDIR}/vitrine"
work="$(mktemp -d "${TEST_TMPDIR:-/tmp}/init.XXXXXX")"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# check_init NAME BINARY NAME_FLAG KEY VKEY "OTHER FILES"
check_init() {
  local server="$1" binary="$runfiles/$2" name_flag="$3" key="$4" vkey="$5" others="$6"
  local dir="$work/$server" out
  out="$("$binary" init --data="$dir" "$name_flag=example.org/$server")" ||
    fail "$server init exited $?"
  local expected listed
  expected="$(printf '%s\n' "$key" "$vkey" $others | sort | tr '\n' ' ')"
  listed="$(find "$dir" -mindepth 1 -printf '%P\n' | sort | tr '\n' ' ')"
  [[ "$listed" == "$expected" ]] || fail "$server init wrote [$listed], not [$expected]"
  [[ "$(stat -c %a "$dir")" == 700 ]] || fail "$server init: folder mode $(stat -c %a "$dir")"
  [[ "$(stat -c %a "$dir/$key")" == 600 ]] || fail "$server init: $key mode $(stat -c %a "$dir/$key")"
  local verifier_key
  verifier_key="$(cat "$dir/$vkey")"
  [[ "$verifier_key" == "example.org/$server+"* ]] || fail "$server init: $vkey holds $verifier_key"
  [[ "$out" == *"verifier key: $verifier_key"* ]] || fail "$server init printed: $out"
  if grep -qv '^#' "$dir/vendors"; then fail "$server init: vendors holds more than comments"; fi
  # Again, under another name: the key stays, and its name.
  out="$("$binary" init --data="$dir" "$name_flag=example.org/other")" ||
    fail "$server second init exited $?"
  [[ "$out" == "found existing "*"verifier key: $verifier_key"* ]] ||
    fail "$server second init printed: $out"
  [[ "$(cat "$dir/$vkey")" == "$verifier_key" ]] || fail "$server second init changed $vkey"
  echo "PASS: $server init wrote $expected"
}

check_init vitrine-log log/server/vitrine-log --origin log.key log.vkey "vendors"
check_init vitrine-monitor monitor/server/vitrine-monitor --name witness.key witness.vkey "vendors"
check_init vitrine-rebuilder rebuilder/vitrine-rebuilder --name rebuilder.key rebuilder.vkey \
  "vendors rebuilders"
rebuilders="$(grep -v '^#' "$work/vitrine-rebuilder/rebuilders")"
[[ "$rebuilders" == "$(cat "$work/vitrine-rebuilder/rebuilder.vkey")" ]] ||
  fail "vitrine-rebuilder init: rebuilders holds [$rebuilders], not its own verifier key"
