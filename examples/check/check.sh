#!/bin/sh
# The in-guest checker of the QEMU boot test: one "PASS name" or
# "FAIL name: why" line per check, then "CHECKS DONE", then power off.
# Runs as a oneshot after the example services (checker.service).

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }

# faultinit mounted the API file systems.
for m in /proc /sys /dev /run; do
  if grep -q " $m " /proc/mounts; then pass "mount $m"; else fail "mount $m" "not mounted"; fi
done

# setup (oneshot, Before=hello) ran before hello started.
if [ "$(cat /run/demo/hello-saw 2>/dev/null)" = prepared ]; then
  pass order
else
  fail order "hello did not see setup's state"
fi

# clock became ready through READY=1 on its NotificationFd=, with its
# STATUS=.
if faultctl status clock >/dev/null && faultctl status clock | grep -q "up since"; then
  pass notify
else
  fail notify "clock is not running with its status text"
fi

# crasher is restarted with back-off until its start limit, then failed.
# No event says "failed" to a shell, so this waits on the state, bounded
# (10 s; the back-off adds up to 350 ms).
i=0
while ! faultctl status crasher | grep -q failed && [ "$i" -lt 100 ]; do
  sleep 0.1
  i=$((i + 1))
done
starts=$(wc -l </run/demo/crashes)
if faultctl status crasher | grep -q failed && [ "$starts" = 3 ]; then
  pass restart
else
  fail restart "crasher started $starts times: $(faultctl status crasher | tail -1)"
fi

# orphaner's orphans were reaped: no zombie anywhere.
zombies=$(grep -l '^State:.Z' /proc/[0-9]*/status 2>/dev/null | wc -l)
if [ -e /run/demo/orphans-made ] && [ "$zombies" = 0 ]; then
  pass reaping
else
  fail reaping "$zombies zombies"
fi

if faultctl status >/dev/null; then pass status; else fail status "faultctl status failed"; fi

# PID 1 raised its descriptor limit to fs.nr_open; this service got
# systemd's default, 1024:524288 (at most nr_open).
nr_open=$(cat /proc/sys/fs/nr_open)
pid1=$(awk '/^Max open files/ {print $4, $5}' /proc/1/limits)
want=524288
[ "$nr_open" -ge "$want" ] || want=$nr_open
mine="$(ulimit -Sn) $(ulimit -Hn)"
if [ "$pid1" = "$nr_open $nr_open" ] && [ "$mine" = "1024 $want" ]; then
  pass limits
else
  fail limits "PID 1 has $pid1 (fs.nr_open $nr_open), this service $mine"
fi

echo "CHECKS DONE"
echo FAULTINIT-BOOT-OK
exec faultctl poweroff
