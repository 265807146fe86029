#!/usr/bin/env bash
# The Debian boot test (issue #28): Debian 12's root filesystem
# (tools/debian-image, built once by tools/setup) booted under QEMU with
# faultinit as /sbin/init, its unit files unchanged. Passes when the
# in-guest checker (examples/debian/check.sh) saw sshd, cron, rsyslogd,
# nginx and dbus-daemon running, `systemctl status ssh` answered, and the
# guest powered off cleanly. Otherwise it names each daemon missing and
# quotes faultinit's console lines about it. Run on the arm64 platform:
# bazel test --config=arm64 --config=boot //tests:debian_boot_test.
set -euo pipefail
arch=$1
root="$TEST_SRCDIR/faultinit"
out=${TEST_UNDECLARED_OUTPUTS_DIR:-$TEST_TMPDIR}
log="$out/console-debian-$arch.log"
export FAULTINIT_OFFLINE=1 # the root filesystem and kernel come from tools/setup

image="$TEST_TMPDIR/debian-$arch.cpio"
"$root/tools/debian-image" "$arch" --init faultinit -o "$image" \
  --faultinit "$root/init/faultinit" >/dev/null
status=0
"$root/tools/qemu-boot" "$arch" --initramfs "$image" --rdinit /sbin/init \
  --memory 2048 --timeout 600 --log "$log" --expect DEBIAN-BOOT-OK >/dev/null 2>&1 || status=$?
rm -f "$image"

failures=0
missing=""
# The checker prints "up NAME UPTIME" when it first sees each daemon.
for d in sshd cron rsyslogd nginx dbus-daemon; do
  # Not anchored: another writer of the console may have left part of a
  # line before the checker's.
  grep -aq "\[debian-check\] up $d " "$log" || missing="$missing $d"
done
if [ -n "$missing" ]; then
  echo "FAIL: not running under faultinit:$missing"
  failures=$((failures + 1))
fi
if ! grep -aq "DEBIAN-BOOT-OK" "$log"; then
  grep -a "\[debian-check\] FAIL" "$log" || echo "FAIL: the checker gave no verdict"
  failures=$((failures + 1))
fi
if ! grep -aq "reboot: Power down" "$log"; then
  echo "FAIL: the guest did not power off"
  failures=$((failures + 1))
fi
if [ "$status" != 0 ] || [ "$failures" != 0 ]; then
  echo "qemu-boot exited $status."
  # What faultinit and the unit said about each missing daemon's unit: its
  # file's diagnostics, its state changes, its own output.
  for d in $missing; do
    case "$d" in
      sshd) unit=ssh ;;
      rsyslogd) unit=rsyslog ;;
      dbus-daemon) unit=dbus ;;
      *) unit=$d ;;
    esac
    echo "-- $d ($unit.service):"
    grep -aE "/$unit\.service[:.]|faultinit: (warning: |error: )?$unit: |^\[$unit\] " "$log" | head -n 20 || true
  done
  echo "the console's tail:"
  tail -n 30 "$log"
  exit 1
fi
echo "PASS: Debian 12 $arch boots with faultinit as /sbin/init: every daemon running, systemctl status ssh answered, clean power-off"
