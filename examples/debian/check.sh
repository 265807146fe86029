#!/bin/sh
# faultinit-debian-check: the in-guest checker of the Debian image
# (tools/debian-image), the same under systemd and under faultinit. It
# writes to the console itself (no StandardOutput= needed) lines
# "[debian-check] ...". It waits, up to DEADLINE seconds of uptime (first
# argument, default 360), until sshd, cron, rsyslogd, nginx and
# dbus-daemon all run, polling every 0.1 s; for each it prints
# "up NAME START (seen at UPTIME)", START being when the kernel started
# that daemon's oldest process (/proc/PID/stat, seconds since boot), so
# the figure does not depend on when the checker itself started or polled.
# Then "ready READY" (the latest START) and PID 1's RssAnon at that check;
# whether `systemctl status ssh` answers (exit 0, naming ssh.service) once
# `systemctl is-active ssh` says it is (within the deadline); one
# "FAIL what: why" line per failure, else the verdict
# "DEBIAN-BOOT-OK ready=READY rssanon=KB pid1=NAME"; then powers off with
# systemctl.
exec >/dev/console 2>&1 </dev/null
say() { echo "[debian-check] $*"; }
deadline=${1:-360}
daemons="sshd cron rsyslogd nginx dbus-daemon"
hz=$(getconf CLK_TCK)

# running NAME: whether a process whose comm is NAME exists; if so, sets
# start to the start time, in clock ticks since boot, of the first one in
# PID order (the oldest, short of PID wrap). Reads /proc with the shell's
# builtins only (no fork per process).
running() {
  for p in /proc/[0-9]*; do
    c=
    { read -r c <"$p/comm"; } 2>/dev/null || continue # it may have ended
    [ "$c" = "$1" ] || continue
    { read -r stat <"$p/stat"; } 2>/dev/null || continue
    # Field 22 (starttime) is the 20th after "PID (COMM) ".
    set -- ${stat##*) }
    shift 19
    start=$1
    return 0
  done
  return 1
}
uptime_now() { read -r up _ </proc/uptime; }

missing=$daemons
latest=0
while :; do
  still=
  for d in $missing; do
    if running "$d"; then
      uptime_now
      say "up $d $(awk -v t="$start" -v hz="$hz" 'BEGIN {printf "%.2f", t / hz}') (seen at $up)"
      [ "$start" -le "$latest" ] || latest=$start
    else
      still="$still $d"
    fi
  done
  missing=${still# }
  uptime_now
  [ -n "$missing" ] || break
  [ "${up%.*}" -lt "$deadline" ] || break
  sleep 0.1
done
ready=$(awk -v t="$latest" -v hz="$hz" 'BEGIN {printf "%.2f", t / hz}')
rss=$(sed -n 's/^RssAnon:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/1/status)
pid1=$(cat /proc/1/comm)
failures=0
for d in $missing; do
  say "FAIL daemon $d: not running ${deadline}s after the kernel started"
  failures=$((failures + 1))
done
if [ -z "$missing" ]; then
  say "ready $ready: $daemons all running (PID 1: $pid1, RssAnon ${rss} kB at $up)"
else
  say "not ready at $up: missing $missing (PID 1: $pid1, RssAnon ${rss} kB)"
fi
# ssh.service is Type=notify: its sshd runs (above) a little before it
# says it is ready, and `systemctl status` exits 3 until then (under either
# init). Wait for it to be active, within the same deadline.
while ! systemctl is-active --quiet ssh; do
  uptime_now
  [ "${up%.*}" -lt "$deadline" ] || break
  sleep 0.1
done
status=$(SYSTEMD_PAGER=cat systemctl --no-pager status ssh 2>&1)
code=$?
echo "$status" | sed 's/^/[debian-check] | /'
if [ "$code" != 0 ] || ! echo "$status" | grep -q 'ssh\.service'; then
  say "FAIL systemctl status ssh: exit $code"
  failures=$((failures + 1))
fi
if [ "$failures" = 0 ]; then
  echo "DEBIAN-BOOT-OK ready=$ready rssanon=$rss pid1=$pid1"
else
  say "$failures failures; PID 1 is $pid1"
fi
exec systemctl poweroff
