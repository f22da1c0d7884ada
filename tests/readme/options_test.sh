#!/usr/bin/env bash
# Checks, for each server given as NAME=RUNFILES_PATH, that the markdown
# table after `<!-- options: NAME -->` in README.md names exactly the
# options `NAME --help` lists: every `--option` line of the help appears in
# the table's first column, and every `name` in that column is an option of
# the help. Fails naming each option missing from either side.
#
#   options_test.sh vitrine-log=log/server/vitrine-log ...
#   README_MD=/tmp/README.md options_test.sh ...   # another README (manual check)
set -euo pipefail

runfiles="${TEST_SRCDIR}/vitrine"
readme="${README_MD:-$runfiles/README.md}"
work="$(mktemp -d "${TEST_TMPDIR:-/tmp}/options.XXXXXX")"
failed=0

# The option names in the first column of the table right after the marker:
# every `name` in backquotes (a cell may name several: "`a`, `b`"; "`a`; `b`").
table_options() {
  awk -v marker="<!-- options: $1 -->" '
    $0 == marker { marked = 1; next }
    marked && /^\|/ { in_table = 1; rows++; if (rows > 2) print; next }
    in_table { exit }
  ' "$readme" | cut -d'|' -f2 | { grep -o '`[^`]*`' || true; } | tr -d '`' | sort
}

# The options of the help: lines "  --name  what [default]".
help_options() {
  "$1" --help | sed -n 's/^  --\([a-z0-9_]*\)  .*/\1/p' | sort
}

for server in "$@"; do
  name="${server%%=*}"
  binary="$runfiles/${server#*=}"
  table_options "$name" > "$work/$name.table"
  help_options "$binary" > "$work/$name.help"
  if [[ ! -s "$work/$name.help" ]]; then
    echo "FAIL: $name --help lists no options" >&2
    failed=1
    continue
  fi
  if [[ ! -s "$work/$name.table" ]]; then
    echo "FAIL: README.md has no options table after <!-- options: $name -->" >&2
    failed=1
    continue
  fi
  duplicates="$(uniq -d "$work/$name.table")"
  if [[ -n "$duplicates" ]]; then
    echo "FAIL: README.md's $name table names these options twice:" $duplicates >&2
    failed=1
  fi
  missing="$(comm -23 "$work/$name.help" <(uniq "$work/$name.table"))"
  extra="$(comm -13 "$work/$name.help" <(uniq "$work/$name.table"))"
  if [[ -n "$missing" ]]; then
    echo "FAIL: $name --help lists options README.md's table lacks:" $missing >&2
    failed=1
  fi
  if [[ -n "$extra" ]]; then
    echo "FAIL: README.md's $name table names options $name --help does not list:" $extra >&2
    failed=1
  fi
  if [[ -z "$missing" && -z "$extra" && -z "$duplicates" ]]; then
    echo "PASS: $name: the README's table and --help name the same $(wc -l < "$work/$name.help") options"
  fi
done
exit "$failed"
