#!/bin/sh
# faultinit-debian-check: the in-guest checker of the Debian image
# (tools/debian-image), the same under systemd and under faultinit. It
# writes to the console itself (no StandardOutput= needed) lines
# "[debian-check] ...": waits, up to DEADLINE seconds of uptime (first
# argument, default 360), until sshd, cron, rsyslogd, nginx and
# dbus-daemon all run; prints "ready UPTIME" (the kernel's clock when the
# last one was seen, polled every 0.1 s; "up NAME UPTIME" for each) and
# PID 1's RssAnon then; checks
# that `systemctl status ssh` answers (exit 0, naming ssh.service); one
# "FAIL what: why" line per failure, else the verdict
# "DEBIAN-BOOT-OK ready=S rssanon=KB"; then powers off with systemctl.
exec >/dev/console 2>&1 </dev/null
say() { echo "[debian-check] $*"; }
deadline=${1:-360}
daemons="sshd cron rsyslogd nginx dbus-daemon"

# running NAME: whether a process whose comm is NAME exists. Reads /proc
# with the shell's builtins only (no fork per process).
running() {
  for p in /proc/[0-9]*; do
    c=
    { read -r c <"$p/comm"; } 2>/dev/null || continue # it may have ended
    [ "$c" = "$1" ] && return 0
  done
  return 1
}
uptime_now() { read -r up _ </proc/uptime; }

missing=$daemons
while :; do
  still=
  for d in $missing; do running "$d" || still="$still $d"; done
  uptime_now
  for d in $missing; do
    case " $still " in *" $d "*) ;; *) say "up $d $up" ;; esac
  done
  missing=${still# }
  [ -n "$missing" ] || break
  [ "${up%.*}" -lt "$deadline" ] || break
  sleep 0.1
done
ready=$up
rss=$(sed -n 's/^RssAnon:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/1/status)
pid1=$(cat /proc/1/comm)
failures=0
for d in $missing; do
  say "FAIL daemon $d: not running ${deadline}s after the kernel started"
  failures=$((failures + 1))
done
if [ -z "$missing" ]; then
  say "ready $ready: $daemons all running (PID 1: $pid1, RssAnon ${rss} kB)"
else
  say "not ready at $ready: missing $missing (PID 1: $pid1, RssAnon ${rss} kB)"
fi
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
