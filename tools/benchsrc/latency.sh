# Signal forwarding: kill of the init to the child's handler, 1,000 signals.
# shellcheck shell=bash
table_begin latency "Signal forwarding latency: kill of the init to the child's handler, µs over 1,000 signals; min / median / max over $runs runs; compared: the median" \
  "median | p99"
# Rounds of one run per init, so the machine's drift reaches all alike.
unset medians p99s
declare -A medians=() p99s=()
for _ in $(seq 1 "$runs"); do
  for name in "${inits[@]}"; do
    read -r m p < <("$latency" 1000 ${run[$name]} "$probe" stamp)
    medians[$name]+=" $m"
    p99s[$name]+=" $p"
  done
done
for name in "${inits[@]}"; do
  table_row "$name" "$(median ${medians[$name]})" "$(mmm ${medians[$name]}) | $(mmm ${p99s[$name]})"
done
table_end
