# The orphan storm: 20,000 orphans reaped by the init as PID 1 of a PID
# namespace; wall time, and the init's own CPU time read by the probe from
# /proc/1/stat once every orphan is reaped.
# shellcheck shell=bash
table_begin orphans "Orphan storm: 20,000 orphans reaped as PID 1 of a PID namespace, ms, min / median / max over $runs runs; compared: the init's CPU time" \
  "wall | init CPU (user+system)"
for name in "${inits[@]}"; do
  walls=() cpus=()
  for _ in $(seq 1 "$runs"); do
    start=$(date +%s%N)
    cpu=$(unshare --pid --fork --mount-proc ${run[$name]} "$probe" storm 20000 2>/dev/null) || true
    walls+=($((($(date +%s%N) - start) / 1000000)))
    cpus+=("${cpu:-0}")
  done
  table_row "$name" "$(median "${cpus[@]}")" "$(mmm "${walls[@]}") | $(mmm "${cpus[@]}")"
done
table_end
