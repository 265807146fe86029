#!/bin/sh
# tools/bench's boot figure, in the guest: once every example service is
# up, prints "BENCH-READY UPTIME INIT_EXEC" on the console (the kernel's
# uptime, and its log's time of "Run /init as init process", in seconds),
# then powers off. Run by faultinit as ready.service, which its ordering
# starts once the others are up; by BusyBox init from inittab with
# "FIFO N": BusyBox starts its respawn entries after its once entries and
# knows nothing of their progress, so each of the N services writes a line
# to FIFO once started, and the report waits for N lines.
if [ $# -eq 2 ]; then
  exec 3<>"$1" # read-write: no end of file between writers
  i=0
  while [ "$i" -lt "$2" ]; do
    read -r _ <&3
    i=$((i + 1))
  done
fi
read -r uptime _ </proc/uptime
exec_line=$(dmesg | grep -m1 'Run /init as init process')
exec_time=${exec_line#\[}
exec_time=${exec_time%%\]*}
echo "BENCH-READY $uptime $exec_time" >/dev/console
exec poweroff
