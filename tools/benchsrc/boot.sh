# Boot to ready under QEMU aarch64 (TCG unless KVM works, as
# tools/qemu-boot decides): one initramfs, booted once with faultinit as
# /init and once with BusyBox init on an equivalent inittab
# (tools/benchsrc/boot). The guest prints the kernel's uptime when every
# example service is up, and the kernel log's time of init's exec.
# shellcheck shell=bash
arch_select aarch64
kernel=$(tools/qemu-boot aarch64 --fetch-only)
fi_image="$work/boot-faultinit.cpio.gz"
tools/mkinitramfs aarch64 examples/services tools/benchsrc/boot -o "$fi_image" >/dev/null
# The BusyBox variant: the same tree, /init being BusyBox.
rm -rf "$work/bbroot" && mkdir -p "$work/bbroot"
(cd "$work/bbroot" && gzip -dc "$fi_image" | cpio -id --quiet)
rm "$work/bbroot/init" "$work/bbroot/sbin/init"
ln -s bin/busybox "$work/bbroot/init"
ln -s ../bin/busybox "$work/bbroot/sbin/init"
cp tools/benchsrc/boot/inittab "$work/bbroot/etc/inittab"
mkfifo -m 0600 "$work/bbroot/bench-started"
bb_image="$work/boot-busybox.cpio.gz"
(cd "$work/bbroot" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
  gzip -9 >"$bb_image"

table_begin boot "Boot to ready under QEMU aarch64 (TCG), ms, min / median / max over $runs runs; compared: init start to ready" \
  "kernel start to ready | init start to ready"
# Rounds of one boot per init: TCG's speed drifts with the machine's load.
unset totals inits_ms
declare -A totals=() inits_ms=()
for _ in $(seq 1 "$runs"); do
  for kind in faultinit busybox; do
    image=$fi_image
    [ "$kind" = faultinit ] || image=$bb_image
    log="$work/boot-$kind.log"
    timeout 120 qemu-system-aarch64 -M virt -cpu cortex-a57 -accel tcg -m 512 -nographic \
      -no-reboot -kernel "$kernel" -initrd "$image" \
      -append "console=ttyAMA0 rdinit=/init panic=-1 quiet" </dev/null >"$log" 2>&1 || true
    read -r _ uptime exec_s < <(grep -a -m1 -o 'BENCH-READY [0-9.]* *[0-9.]*' "$log") || true
    [ -n "${uptime:-}" ] || { echo "bench: boot: $kind did not report ready (log: $log)" >&2; continue; }
    totals[$kind]+=" $(awk -v u="$uptime" 'BEGIN {printf "%d", u * 1000}')"
    inits_ms[$kind]+=" $(awk -v u="$uptime" -v e="$exec_s" 'BEGIN {printf "%d", (u - e) * 1000}')"
  done
done
for kind in faultinit busybox; do
  [ -n "${totals[$kind]:-}" ] || { table_row "$kind" - "no boot reported ready | -"; continue; }
  table_row "$kind" "$(median ${inits_ms[$kind]})" "$(mmm ${totals[$kind]}) | $(mmm ${inits_ms[$kind]})"
done
table_end
