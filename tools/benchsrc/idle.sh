# The idle figure: the init's context switches over 10 s of nothing.
# shellcheck shell=bash
table_begin idle "Idle cost: context switches of the init over 10 s with nothing happening, min / median / max over 3 runs" \
  "switches"
for name in "${inits[@]}"; do
  counts=()
  idle() {
    local a b
    a=$(awk '/ctxt_switches/ {s += $2} END {print s}' /proc/$1/status)
    sleep 10
    b=$(awk '/ctxt_switches/ {s += $2} END {print s}' /proc/$1/status)
    counts+=($((b - a)))
  }
  for _ in 1 2 3; do with_idle_init "$name" idle; done
  # The ratio of zero to zero is taken as 1.
  key=$(median "${counts[@]}")
  table_row "$name" "$((key + 1))" "$(mmm "${counts[@]}")"
done
table_end
