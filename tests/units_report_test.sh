#!/usr/bin/env bash
# tools/units-report on the unit corpus (tests/data/units) with the real
# faultinit, and on a small corpus made here whose outcome is known.
#
# On the corpus it checks what must hold whatever faultinit understands:
# `faultinit --check` neither crashed nor hung on any file (the report's
# exit status and its "checker crashed or hung" row), every file of the
# corpus is accounted for exactly once and is the file its MANIFEST names,
# every item is assigned to a group, and the report's counts add up. It
# checks no figure: the figures change as faultinit learns keys.
set -euo pipefail
root="$TEST_SRCDIR/faultinit"
report="$root/tools/units-report"
faultinit="$root/init/faultinit"
corpus="$root/tests/data/units"
tmp=$TEST_TMPDIR

failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# --- The corpus ---------------------------------------------------------
status=0
"$report" --faultinit "$faultinit" --corpus "$corpus" --files >"$tmp/files" || status=$?
[ "$status" = 0 ] || fail "units-report --files exited $status (a crash, a hang, or an item not assigned)"
status=0
"$report" --faultinit "$faultinit" --corpus "$corpus" >"$tmp/report" || status=$?
[ "$status" = 0 ] || fail "units-report exited $status"
cat "$tmp/report"

# Every file once, and the same files as the corpus and its MANIFEST.
(cd "$corpus" && find -L debian12 debian12-systemd -name '*.service' -type f) | LC_ALL=C sort >"$tmp/on-disk"
sed -e '/^#/d' -e 's/ .*//' "$corpus/MANIFEST" | LC_ALL=C sort >"$tmp/manifest"
cut -d' ' -f1 "$tmp/files" | LC_ALL=C sort >"$tmp/reported"
[ -s "$tmp/on-disk" ] || fail "no .service file in $corpus"
for list in manifest reported; do
  dups=$(uniq -d "$tmp/$list")
  [ -z "$dups" ] || fail "$list names a file more than once: $dups"
  cmp -s "$tmp/on-disk" "$tmp/$list" || fail "$list differs from the corpus's files: $(diff "$tmp/on-disk" "$tmp/$list" | head -n 5)"
done

# Each outcome is one of the four; "skipped" only for systemd's own units.
while read -r file outcome; do
  case "$outcome" in
    understood | ignored | error) ;;
    skipped) [[ "$file" == debian12-systemd/* ]] || fail "$file: not systemd's, reported skipped" ;;
    *) fail "$file: outcome \"$outcome\"" ;;
  esac
done <"$tmp/files"

# row LABEL COLUMN: the report's figure in the row named LABEL (its text
# before the figures) for COLUMN 1 (daemons) or 2 (systemd).
row() {
  awk -v label="$1" -v col="$2" '
    { line = $0; sub(/[ ]+[0-9]+[ ]+[0-9]+$/, "", line); sub(/^[ ]+/, "", line) }
    line == label { n = split($0, w, " "); print w[n - 2 + col]; found = 1; exit }
    END { if (!found) print "missing" }' "$tmp/report"
}
col=0
for set in debian12 debian12-systemd; do
  col=$((col + 1))
  files=$(grep -c "^$set/" "$tmp/files" || true)
  outcome() { grep "^$set/" "$tmp/files" | grep -c " $1\$" || true; }
  understood=$(outcome understood)
  ignored=$(outcome ignored)
  error=$(outcome error)
  skipped=$(outcome skipped)
  templates=$(grep "^$set/" "$tmp/files" | grep -c "@\.service " || true)
  packages=$(sed -e '/^#/d' "$corpus/MANIFEST" | awk -v s="$set" '$1 ~ "^" s "/" { print $2 }' | sort -u | wc -l)
  [ "$((understood + ignored + error + skipped))" = "$files" ] || fail "$set: the outcomes do not add up to $files files"
  check() {  # check LABEL EXPECTED
    local got
    got=$(row "$1" "$col")
    [ "$got" = "$2" ] || fail "$set: \"$1\" is $got, expected $2"
  }
  check "files" "$files"
  check "packages" "$packages"
  check "load without error" "$((understood + ignored))"
  check "every key understood" "$understood"
  check "some key ignored" "$ignored"
  check "do not load: an error" "$error"
  check "not run by decision (systemd's own units)" "$skipped"
  check "of which templates (checked as NAME@corpus)" "$templates"
  check "checker crashed or hung" 0
  strict=$(row "and naming no unit of a type faultinit lacks" "$col")
  [ "$strict" -le "$understood" ] || fail "$set: $strict name no unit of a type faultinit lacks, of $understood understood"
  # An item occurs in at most every file of the set.
  awk -v col="$col" -v files="$files" -v set="$set" '
    /^  [^ ]/ && $NF ~ /^[0-9]+$/ && $(NF - 1) ~ /^[0-9]+$/ {
      n = $(NF - 2 + col)
      if (n + 0 > files + 0) { print "FAIL: " set ": " $0 ": more than " files " files"; bad = 1 }
    }
    END { exit bad }' "$tmp/report" || failures=$((failures + 1))
done
grep -q "not assigned" "$tmp/report" && fail "items not assigned to a group"

# --- A corpus whose outcome is known ------------------------------------
# One file per outcome, a template, a Requires= that a stub satisfies,
# dependencies on a target, a socket and a mount, systemd's own unit that
# faultinit does not run, and a key no group lists.
mini=$tmp/mini
mkdir -p "$mini/debian12/a" "$mini/debian12/b" "$mini/debian12-systemd/c"
printf '[Unit]\nDescription=good\nDocumentation=man:true(1)\n[Service]\nExecStart=/bin/true\n' \
  >"$mini/debian12/a/good.service"
printf '[Service]\nExecStart=/bin/true\nProtectSystem=full\n' >"$mini/debian12/a/sandboxed.service"
printf '[Service]\nType=notify-reload\nExecStart=/bin/true\n' >"$mini/debian12/b/bus.service"
printf '[Service]\nExecStart=/bin/echo %%i\n' >"$mini/debian12/b/each@.service"
printf '[Unit]\nRequires=good.service x.socket\nAfter=good.service network.target x.socket\nWants=y.target\n[Service]\nExecStart=/bin/true\nSockets=x.socket\n' \
  >"$mini/debian12/b/needs.service"
printf '[Unit]\nAfter=data.mount\n[Service]\nExecStart=/bin/true\n' >"$mini/debian12/b/mounted.service"
printf '[Service]\nExecStart=/bin/true\nFrobnicateSec=5\n' >"$mini/debian12-systemd/c/odd.service"
printf '[Service]\nExecStart=/lib/systemd/systemd-logind\n' >"$mini/debian12-systemd/c/systemd-logind.service"
status=0
"$report" --faultinit "$faultinit" --corpus "$mini" --files >"$tmp/mini-files" || status=$?
[ "$status" = 1 ] || fail "mini corpus: exit status $status with an item not assigned, expected 1"
cat >"$tmp/mini-expected" <<'EOF'
debian12/a/good.service understood
debian12/a/sandboxed.service ignored
debian12/b/bus.service error
debian12/b/each@.service understood
debian12/b/mounted.service understood
debian12/b/needs.service understood
debian12-systemd/c/odd.service ignored
debian12-systemd/c/systemd-logind.service skipped
EOF
cmp -s "$tmp/mini-files" "$tmp/mini-expected" || fail "mini corpus: $(diff "$tmp/mini-expected" "$tmp/mini-files")"
"$report" --faultinit "$faultinit" --corpus "$mini" >"$tmp/mini-report" || true
expect_line() {  # expect_line DESCRIPTION PATTERN (an extended regexp)
  grep -Eq -- "$2" "$tmp/mini-report" || fail "mini corpus: $1: no line matching \"$2\""
}
expect_line "files" '^files +6 +2$'
expect_line "packages" '^packages +2 +1$'
expect_line "templates" '^  of which templates \(checked as NAME@corpus\) +1 +0$'
expect_line "loaded" '^load without error +5 +1$'
expect_line "understood" '^  every key understood +4 +0$'
expect_line "no mount named" '^    and naming no unit of a type faultinit lacks +3 +0$'
expect_line "not run" "^not run by decision \(systemd's own units\) +0 +1$"
expect_line "ProtectSystem= is sandboxing" '^sandboxing'
expect_line "ProtectSystem= counted" '^  ProtectSystem= +1 +0$'
expect_line "Type=notify-reload rejected" '^  Type=notify-reload \(error\) +1 +0$'
expect_line "a mount named" '^  After=\*\.mount \(value\) +1 +0$'
expect_line "an unknown item listed" '^  FrobnicateSec= +0 +1$'
expect_line "under not assigned" '^not assigned'
if grep -Eq '\.(target|socket)|Sockets' "$tmp/mini-report"; then
  fail "mini corpus: a target or a socket is listed: $(grep -E '\.(target|socket)|Sockets' "$tmp/mini-report")"
fi

[ "$failures" = 0 ] || { echo "$failures failures"; exit 1; }
echo PASS
