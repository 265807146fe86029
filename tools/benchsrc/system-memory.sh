# System-mode memory: a supervision tree running 10 services (sleeps);
# RssAnon of the init itself, and of every supervision process (the tree
# without the services: s6 runs one s6-supervise and runit one runsv per
# service).
# shellcheck shell=bash
table_begin system-memory "Memory supervising 10 services, RssAnon kB, min / median / max over $runs runs; compared: the whole supervision tree" \
  "init | supervision tree | processes"
for kind in "${supervisors[@]}"; do
  inits_kb=() trees_kb=() procs=0
  for r in $(seq 1 "$runs"); do
    root="$work/sysmem-$kind-$r"
    for i in $(seq 1 10); do tree_service "$root" "s$i" "exec sleep 1000000"; done
    tree_start "$kind" "$root"
    wait_for 20 tree_count_running "$tree_pid" sleep 10
    sleep 1  # let the supervisors settle after the last start
    total=0 procs=1
    init_kb=$(awk '/^RssAnon/ {print $2}' /proc/$tree_pid/status)
    total=$init_kb
    for p in $(descendants "$tree_pid"); do
      [ "$(cat /proc/$p/comm 2>/dev/null)" != sleep ] || continue
      total=$((total + $(awk '/^RssAnon/ {print $2}' /proc/$p/status)))
      procs=$((procs + 1))
    done
    inits_kb+=("$init_kb")
    trees_kb+=("$total")
    tree_kill "$tree_pid"
  done
  table_row "$kind" "$(median "${trees_kb[@]}")" "$(mmm "${inits_kb[@]}") | $(mmm "${trees_kb[@]}") | $procs"
done
table_end
