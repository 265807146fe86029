#!/usr/bin/env bash
# The QEMU boot test: faultinit as PID 1 of Debian's kernel for ARCH (the
# platform of the build: bazel test [--config=arm64|armv7] --config=boot
# //tests:qemu_boot_test). The in-guest checker (examples/check) prints a
# PASS/FAIL line per check; this script checks them and what only the
# console shows: the back-off, the reverse stop order, the power-off.
set -euo pipefail
arch=$1
root="$TEST_SRCDIR/faultinit"
out=${TEST_UNDECLARED_OUTPUTS_DIR:-$TEST_TMPDIR}
log="$out/console-$arch.log"
export FAULTINIT_OFFLINE=1  # kernels and busybox come from tools/setup

initramfs="$TEST_TMPDIR/initramfs-$arch.cpio.gz"
"$root/tools/mkinitramfs" "$arch" "$root/examples/services" "$root/examples/check" \
  -o "$initramfs" --faultinit "$root/init/faultinit" >/dev/null
status=0
"$root/tools/qemu-boot" "$arch" --initramfs "$initramfs" --timeout 300 --log "$log" >/dev/null || status=$?

failures=0
expect() {  # expect DESCRIPTION PATTERN
  if ! grep -q -- "$2" "$log"; then
    echo "FAIL: $1: no \"$2\" on the console"
    failures=$((failures + 1))
  fi
}
for check in "mount /proc" "mount /sys" "mount /dev" "mount /run" order notify restart reaping status limits; do
  expect "$check" "\[checker\] PASS $check"
done
expect "back-off step 1" "crasher: exit 1; restarting in 50ms"
expect "back-off step 2" "crasher: exit 1; restarting in 100ms"
clock=$(grep -n "clock: stopped" "$log" | head -1 | cut -d: -f1)
hello=$(grep -n "hello: stopped" "$log" | head -1 | cut -d: -f1)
if [ -z "$clock" ] || [ -z "$hello" ] || [ "$clock" -gt "$hello" ]; then
  echo "FAIL: reverse stop order: clock (after hello) must stop first"
  failures=$((failures + 1))
fi
if [ "$status" != 0 ] || [ "$failures" != 0 ]; then
  echo "qemu-boot exited $status; the console's tail:"
  tail -n 40 "$log"
  exit 1
fi
echo "PASS: $arch boots faultinit as PID 1, every check passed, clean power-off"
