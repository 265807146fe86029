# The orphan storm: 20,000 orphans reaped by the init as PID 1 of a PID
# namespace; wall time, and the init's own CPU time read by the probe from
# /proc/1/stat once every orphan is reaped.
# shellcheck shell=bash
table_begin orphans "Orphan storm: 20,000 orphans reaped as PID 1 of a PID namespace, ms, min / median / max over $runs runs; compared: the init's CPU time" \
  "wall | init CPU (user+system)"
# Rounds of one run per init: the machine's drift
# reaches every init alike.
unset walls cpus
declare -A walls=() cpus=()
for _ in $(seq 1 "$runs"); do
  for name in "${inits[@]}"; do
    start=$(date +%s%N)
    cpu=$(unshare --pid --fork --mount-proc ${run[$name]} "$probe" storm 20000 2>/dev/null) || true
    walls[$name]+=" $((($(date +%s%N) - start) / 1000000))"
    cpus[$name]+=" ${cpu:-0}"
  done
done
for name in "${inits[@]}"; do
  table_row "$name" "$(median ${cpus[$name]})" "$(mmm ${walls[$name]}) | $(mmm ${cpus[$name]})"
done
table_end
