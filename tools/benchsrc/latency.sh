# Signal forwarding: kill of the init to the child's handler, 1,000 signals.
# shellcheck shell=bash
table_begin latency "Signal forwarding latency: kill of the init to the child's handler, µs over 1,000 signals; min / median / max over $runs runs; compared: the median" \
  "median | p99"
for name in "${inits[@]}"; do
  medians=() p99s=()
  for _ in $(seq 1 "$runs"); do
    read -r m p < <("$latency" 1000 ${run[$name]} "$probe" stamp)
    medians+=("$m")
    p99s+=("$p")
  done
  table_row "$name" "$(median "${medians[@]}")" "$(mmm "${medians[@]}") | $(mmm "${p99s[@]}")"
done
table_end
