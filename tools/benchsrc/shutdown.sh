# Shutdown time: from the supervisor's shutdown signal to the exit of the
# last process of the tree (shutdown_clock holds a pidfd on each), with 50
# services that exit at once on SIGTERM; then the same plus one that
# ignores SIGTERM, whose stop timeout is 2 s where the supervisor has one.
# shellcheck shell=bash
declare -A how=(
  [faultinit]="SIGTERM (power off); TimeoutStopSec=2s"
  [busybox]="SIGUSR2 (power off); fixed: SIGTERM to all, 1 s, SIGKILL"
  [s6]="SIGTERM (s6-svscanctl -t); timeout-kill 2000"
  [runit]="SIGHUP (runsvdir stops every runsv); no stop timeout"
)
for stubborn in 0 1; do
  if [ "$stubborn" = 0 ]; then
    table_begin shutdown "Shutdown of 50 services that exit on SIGTERM, ms from the request to the last exit, min / median / max over $runs runs" \
      "time | request; stop timeout"
  else
    table_begin shutdown-stubborn "Shutdown of the same plus one service ignoring SIGTERM (stop timeout 2 s where there is one), ms" \
      "time | request; stop timeout"
  fi
  for kind in "${supervisors[@]}"; do
    times=()
    for r in $(seq 1 "$runs"); do
      root="$work/shutdown-$stubborn-$kind-$r"
      for i in $(seq 1 50); do tree_service "$root" "s$i" "exec sleep 1000000"; done
      [ "$stubborn" = 0 ] || tree_service "$root" stubborn 'trap "" TERM; exec sleep 1000000' 2000
      tree_start "$kind" "$root"
      wait_for 30 tree_count_running "$tree_pid" sleep $((50 + stubborn))
      sleep 1  # every service settled
      us=$("$shutdown_clock" "$(kill -l "${tree_stop_signal[$kind]}")" "$tree_pid" $(descendants "$tree_pid"))
      tree_kill "$tree_pid"
      if [ "$us" = timeout ]; then times+=(60000); else times+=($((us / 1000))); fi
    done
    key=$(median "${times[@]}")
    # runit has no stop timeout: its stubborn service dies with the
    # namespace (see the note below), which is not a shutdown to compare.
    [ "$stubborn" = 0 ] || [ "$kind" != runit ] || key=-
    table_row "$kind" "$key" "$(mmm "${times[@]}") | ${how[$kind]}"
  done
  table_end
done
{
  echo
  echo "60000 ms would mean still running after 60 s. runit's figures are runsvdir's own exit: on SIGHUP it signals every runsv and exits at once, and as PID 1 of the namespace its exit makes the kernel SIGKILL whatever is left (so the service ignoring SIGTERM is killed at once, not after a stop timeout; runsv has none)."
} | tee -a "$report"
