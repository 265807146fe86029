# The container-mode memory figure: VmRSS and RssAnon of INIT -- sleep.
# shellcheck shell=bash
table_begin memory "Memory in container mode (INIT -- sleep), kB, min / median / max over $runs runs; compared: RssAnon" \
  "VmRSS | RssAnon"
for name in "${inits[@]}"; do
  rss=() anon=()
  sample() {
    rss+=("$(awk '/^VmRSS/ {print $2}' /proc/$1/status)")
    anon+=("$(awk '/^RssAnon/ {print $2}' /proc/$1/status)")
  }
  for _ in $(seq 1 "$runs"); do with_idle_init "$name" sample; done
  table_row "$name" "$(median "${anon[@]}")" "$(mmm "${rss[@]}") | $(mmm "${anon[@]}")"
  echo "$name $(median "${anon[@]}")" >>"$work/anon.dat"
done
table_end
