# Respawn latency: a service that exits at once, restarted with no delay
# where the supervisor allows it. A gap: the service's last stamp before it
# exits to its first stamp in the next instance (probe respawn).
# shellcheck shell=bash
table_begin respawn "Respawn latency: a service's exit to its next start, µs, min / median / max over the gaps; compared: the median" \
  "gaps | restart delay"
declare -A delay=([faultinit]="RestartSec=0" [busybox]="1 s (a fixed pause in its loop)" [s6]="1 s minimum (fixed)" [runit]="1 s minimum (fixed)")
# has_lines FILE N: true once FILE has N lines.
has_lines() { [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]; }
for kind in "${supervisors[@]}"; do
  root="$work/respawn-$kind"
  # 21 starts where there is no delay, 6 where there is a 1 s minimum.
  starts=21
  case "$kind" in s6 | runit) starts=6 ;; esac
  tree_service "$root" r "exec $probe respawn $root/stamps $starts"
  tree_start "$kind" "$root"
  wait_for 30 has_lines "$root/stamps" $((2 * starts - 1)) || true
  tree_kill "$tree_pid"
  gaps=($(awk 'NR > 1 && NR % 2 == 1 {print int(($1 - prev) / 1000)} {prev = $1}' "$root/stamps"))
  if [ ${#gaps[@]} -eq 0 ]; then
    table_row "$kind" - "no restart seen | ${delay[$kind]}"
  else
    table_row "$kind" "$(median "${gaps[@]}")" "$(mmm "${gaps[@]}") | ${delay[$kind]}"
  fi
done
# faultinit's share without the shell's: the same service with the probe as
# ExecStart itself (the peers' run files and inittab lines above need
# /bin/sh for the arguments; faultinit does not). Not compared.
root="$work/respawn-direct"
mkdir -p "$root/units"
printf '[Unit]\nStartLimitBurst=0\n[Service]\nExecStart=%s respawn %s 21\nRestart=always\nRestartSec=0\n' \
  "$probe" "$root/stamps" >"$root/units/r.service"
tree_start faultinit "$root"
wait_for 30 has_lines "$root/stamps" 41 || true
tree_kill "$tree_pid"
gaps=($(awk 'NR > 1 && NR % 2 == 1 {print int(($1 - prev) / 1000)} {prev = $1}' "$root/stamps"))
if [ ${#gaps[@]} -gt 0 ]; then
  table_row "faultinit, no shell" - "$(mmm "${gaps[@]}") | RestartSec=0; ExecStart=probe itself"
fi
table_end
