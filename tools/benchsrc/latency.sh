# Signal forwarding: kill of the init to the child's handler, 1,000 signals.
# A run's median moves by a third with where the scheduler puts the init
# and its child (same CPU or not), and a run takes a fraction of a second:
# three times the rounds of the other figures, so that the median of the
# medians does not hang on a few placements.
# shellcheck shell=bash
latency_runs=$((runs * 3))
table_begin latency "Signal forwarding latency: kill of the init to the child's handler, µs over 1,000 signals; min / median / max over $latency_runs runs; compared: the median" \
  "median | p99"
# Rounds of one run per init, so the machine's drift reaches all alike.
unset medians p99s
declare -A medians=() p99s=()
for _ in $(seq 1 "$latency_runs"); do
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
