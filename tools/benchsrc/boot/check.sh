#!/bin/sh
# tools/bench's boot figure, in the guest: once every example service is
# up, prints "BENCH-READY UPTIME INIT_EXEC" on the console (the kernel's
# uptime, and its log's time of "Run /init as init process", in seconds),
# then powers off. Run by faultinit as ready.service, by BusyBox init from
# inittab.
read -r uptime _ </proc/uptime
exec_line=$(dmesg | grep -m1 'Run /init as init process')
exec_time=${exec_line#\[}
exec_time=${exec_time%%\]*}
echo "BENCH-READY $uptime $exec_time" >/dev/console
exec poweroff
