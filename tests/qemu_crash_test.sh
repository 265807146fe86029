#!/usr/bin/env bash
# The QEMU crash test: the test build of faultinit (FAULTINIT_TEST_FAULT)
# as PID 1 of Debian's kernel for ARCH faults on purpose once its services
# have started; with --crash-action=poweroff it must print its one line on
# the console, sync, and power the machine off — no kernel panic.
set -euo pipefail
arch=$1
root="$TEST_SRCDIR/faultinit"
out=${TEST_UNDECLARED_OUTPUTS_DIR:-$TEST_TMPDIR}
log="$out/console-crash-$arch.log"
export FAULTINIT_OFFLINE=1  # kernels and busybox come from tools/setup

initramfs="$TEST_TMPDIR/initramfs-crash-$arch.cpio.gz"
"$root/tools/mkinitramfs" "$arch" "$root/examples/services" -o "$initramfs" \
  --faultinit "$root/init/faultinit_test_faults" >/dev/null
line="faultinit: crashed: SIGSEGV at address 0x0 (code 1); crash action: poweroff"
status=0
"$root/tools/qemu-boot" "$arch" --initramfs "$initramfs" --timeout 300 --log "$log" \
  --kernel-arg FAULTINIT_TEST_FAULT=SIGSEGV --init-arg --crash-action=poweroff \
  --expect "$line" >/dev/null || status=$?
if [ "$status" != 0 ]; then
  echo "FAIL: qemu-boot exited $status (it checks: the line, no panic, the power-off); the console's tail:"
  tail -n 40 "$log"
  exit 1
fi
echo "PASS: $arch: faultinit as PID 1 crashed on purpose, said so on the console and powered off"
