# Debian 12 under QEMU aarch64 (TCG), the same root filesystem
# (tools/debian-image) booted by its own systemd and by faultinit as
# /sbin/init: the kernel's uptime when sshd, cron, rsyslogd, nginx and
# dbus-daemon all run, as the in-guest checker (examples/debian/check.sh)
# sees it, and PID 1's RssAnon at that moment. A boot in which a daemon
# never came up is not counted; its row names the missing daemons.
# BENCH_DEBIAN_RUNS (default 2) sets this figure's repetitions apart from
# BENCH_RUNS: each run is two emulated boots of 2 to 6 minutes.
# shellcheck shell=bash
arch_select aarch64
deb_runs=${BENCH_DEBIAN_RUNS:-2}
for kind in systemd faultinit; do
  tools/debian-image aarch64 --init "$kind" -o "$work/debian-$kind.cpio" >/dev/null ||
    { echo "bench: debian: tools/debian-image aarch64 --init $kind failed" >&2; return 1; }
done

table_begin debian "Debian 12 booted under QEMU aarch64 (TCG): kernel start to sshd, cron, rsyslogd, nginx, dbus-daemon all running, ms, and PID 1's RssAnon then, kB; min / median / max over $deb_runs runs; compared: time" \
  "kernel start to ready, ms | PID 1 RssAnon, kB"
unset deb_ms deb_rss deb_missing
declare -A deb_ms=() deb_rss=() deb_missing=()
for _ in $(seq 1 "$deb_runs"); do
  for kind in systemd faultinit; do
    log="$FAULTINIT_CACHE/debian-aarch64/bench-$kind.log" # kept for a look
    # Both inits at their default verbosity (systemd's "quiet"; faultinit's
    # warnings), as a user boots them.
    tools/qemu-boot aarch64 --initramfs "$work/debian-$kind.cpio" --rdinit /sbin/init \
      --memory 2048 --timeout 600 --log "$log" --expect DEBIAN-BOOT-OK --no-init-v >/dev/null 2>&1 || true
    read -r ready rss < <(sed -n 's/.*DEBIAN-BOOT-OK ready=\([0-9.]*\) rssanon=\([0-9]*\).*/\1 \2/p' "$log" | head -n 1) || true
    if [ -z "${ready:-}" ]; then
      # What it did reach: the last daemon's time and PID 1's RssAnon then.
      deb_missing[$kind]="$(grep -a -o 'FAIL daemon [a-z-]*' "$log" | awk '{print $3}' | sort -u | tr '\n' ' ' || true)not running"
      up=$(sed -n 's/.*\[debian-check\] up [a-z-]* \([0-9.]*\).*/\1/p' "$log" | sort -n | tail -n 1 || true)
      [ -z "$up" ] || deb_missing[$kind]+="; the others up at $(awk -v u="$up" 'BEGIN {printf "%d", u * 1000}') ms"
      rss=$(sed -n 's/.*not ready at .*RssAnon \([0-9]*\) kB.*/\1/p' "$log" | head -n 1)
      deb_missing[$kind]+=" | ${rss:--}"
      echo "bench: debian: $kind did not report ready (log: $log; ${deb_missing[$kind]})" >&2
      continue
    fi
    deb_ms[$kind]+=" $(awk -v u="$ready" 'BEGIN {printf "%d", u * 1000}')"
    deb_rss[$kind]+=" $rss"
  done
done
for kind in systemd faultinit; do
  if [ -z "${deb_ms[$kind]:-}" ]; then
    table_row "$kind" - "not ready: ${deb_missing[$kind]:-no verdict | -}"
    continue
  fi
  table_row "$kind" "$(median ${deb_ms[$kind]})" "$(mmm ${deb_ms[$kind]}) | $(mmm ${deb_rss[$kind]})"
done
table_end
