# Scaling: N = 10, 100, 1,000 and 4,000 services under faultinit (system
# mode), BusyBox init, s6-svscan and runsvdir, each PID 1 of its own PID
# namespace with a real PID 1's file limits (tree_start). Every service is
# the static probe (`probe stamp`, through /bin/sh as in the other
# figures), which announces itself with a line on a FIFO the harness
# reads. Per N and init:
#   start-up: PID 1's exec (a line its prelude writes) to the Nth
#     announcement, wall time and PID 1's CPU (user+system, schedstat);
#   RssAnon of PID 1 and of the supervision tree (every process of the
#     tree but the services) once all run;
#   restart: CPU of PID 1 and of the restarted service's supervisor per
#     restart, a service SIGKILLed until its replacement announces itself,
#     one service after another, each killed once and after it has run for
#     1 s (runsv delays a restart within 1 s of the last start);
#   shutdown: the supervisor's shutdown signal to the exit of the last
#     service (shutdown_clock --others).
# Every wait has a deadline: no announcement for 3 s, or 60 s in all, ends
# a start-up, and the tables give the number started ("504 of 1000").
# The layouts live on a tmpfs of their own; a trap kills the tree and
# unmounts it however the figure ends. Also writes
# docs/benchmarks-scaling.png. For trying it: BENCH_SCALING_N sets the Ns
# (default "10 100 1000 4000"), BENCH_SCALING_INITS the inits run.
# shellcheck shell=bash
scaling_ns=(${BENCH_SCALING_N:-10 100 1000 4000})
# Restarts per run: BusyBox init sleeps 1 s after each pass of its loop and
# s6-supervise took 1 s for every restart here, however long the service
# had run, so each of their restarts takes 1 s of wall time: fewer of them.
declare -A scaling_restarts=([faultinit]=50 [busybox]=3 [s6]=3 [runit]=50)
# Ns above this run once, not BENCH_RUNS times (4,000 services take 10 to
# 20 s to start under BusyBox init and s6 on 2 cores).
scaling_once_above=1000
sc="$work/scaling"
sc_fifo="$sc/announce"
sc_counter="" tree_pid=""
mkdir -p "$sc"
mount -t tmpfs -o size=1g,mode=0755 bench-scaling "$sc"

# scaling_cleanup: ends whatever runs (the counter, the tree) and unmounts
# the layouts.
scaling_cleanup() {
  [ -z "$sc_counter" ] || kill "$sc_counter" 2>/dev/null || true
  [ -z "${sc_fd:-}" ] || exec {sc_fd}<&-
  sc_fd=""
  [ -z "$tree_pid" ] || tree_kill "$tree_pid"
  if [ -z "$tree_pid" ] && [ -s "$sc/run/pid" ]; then tree_kill "$(cat "$sc/run/pid")"; fi
  sc_counter="" tree_pid=""
  umount "$sc" 2>/dev/null || true
}
trap 'scaling_cleanup; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# decimal VALUE DIVISOR DIGITS: VALUE / DIVISOR with DIGITS decimals.
decimal() { awk -v v="$1" -v d="$2" -v n="$3" 'BEGIN {printf "%.*f\n", n, v / d}'; }

# now_us: the wall clock, µs.
now_us() { local t=${EPOCHREALTIME/[.,]/}; echo "${t#0}"; }

# scaling_count FD N: reads FD's lines: "start CPU_NS" (PID 1's prelude),
# then N announcements. Prints "COUNT START_US END_US CPU_NS": the
# announcements read, when the first and the last line were read, and PID
# 1's CPU at its prelude. Gives up after 3 s without a line or 60 s in all.
scaling_count() {
  local fd=$1 n=$2 line count=0 start end cpu
  read -r -t 20 -u "$fd" line || { echo "0 0 0 0"; return 0; }
  start=${EPOCHREALTIME/[.,]/} end=$start cpu=${line#start }
  while [ "$count" -lt "$n" ] && read -r -t 3 -u "$fd" line; do
    count=$((count + 1))
    end=${EPOCHREALTIME/[.,]/}
    [ $((end - start)) -lt 60000000 ] || break
  done
  echo "$count $start $end $cpu"
}

# scaling_room N: true when the machine has the PIDs, threads and memory
# for N more services and their supervisors (2 N processes, about 1 MB a
# pair), with 2,000 tasks to spare for everyone else.
scaling_room() {
  local tasks pid_max threads_max avail_kb
  tasks=$(cut -d' ' -f4 /proc/loadavg | cut -d/ -f2)
  pid_max=$(cat /proc/sys/kernel/pid_max)
  threads_max=$(cat /proc/sys/kernel/threads-max)
  avail_kb=$(awk '/^MemAvailable/ {print $2}' /proc/meminfo)
  [ $((pid_max - tasks)) -ge $((2 * $1 + 2000)) ] &&
    [ $((threads_max - tasks)) -ge $((2 * $1 + 2000)) ] &&
    [ "$avail_kb" -ge $(($1 * 1024 + 262144)) ]
}

# scaling_run KIND N: one run of N services under KIND; appends its
# figures to the sc_* arrays under "KIND N".
scaling_run() {
  local kind=$1 n=$2 root="$sc/run" key="$1 $2" line started start_us end_us cpu0 cpu1 rem
  rm -rf "$root" && mkdir -p "$root"
  case "$kind" in
    faultinit) cp -a "$sc/n$n/units" "$root/" ;;
    busybox) cp -a "$sc/n$n/etc" "$root/" ;;
    *) cp -a "$sc/n$n/$kind" "$root/" ;;
  esac
  rm -f "$sc_fifo" && mkfifo "$sc_fifo"
  exec {sc_fd}<>"$sc_fifo"
  scaling_count "$sc_fd" "$n" >"$sc/count" &
  sc_counter=$!
  tree_s6_max=""
  [ "$n" -le 500 ] || tree_s6_max=$n
  tree_start "$kind" "$root" "read cpu rest </proc/1/schedstat && echo start \$cpu >$sc_fifo"
  wait "$sc_counter" || true
  sc_counter=""
  read -r started start_us end_us cpu0 <"$sc/count"
  cpu1=$(cut -d' ' -f1 "/proc/$tree_pid/schedstat")
  sc_started[$key]+=" $started"
  sc_wall[$key]+=" $(decimal $((end_us - start_us)) 1000 1)"
  sc_cpu[$key]+=" $(decimal $((cpu1 - cpu0)) 1000000 2)"

  # Memory, once every service has run for 1 s (the restarts need it too).
  rem=$((end_us + 1000000 - $(now_us)))
  [ "$rem" -le 0 ] || sleep "$((rem / 1000000)).$(printf '%06d' $((rem % 1000000)))"
  while read -r -t 0.01 -u "$sc_fd" line; do :; done  # late announcements
  tree_procs "$tree_pid" >"$sc/procs"
  sc_init_rss[$key]+=" $(awk 'NR == 1 {print $4}' "$sc/procs")"
  sc_tree_rss[$key]+=" $(awk '$3 != "probe" {s += $4} END {print s}' "$sc/procs")"
  sc_procs[$key]=$(awk '$3 != "probe"' "$sc/procs" | wc -l)

  # Restarts, one service after another.
  # The CPU counted: PID 1's and that of each victim's parent (its
  # supervisor: PID 1 itself, an s6-supervise or a runsv).
  local victims=() cpu_files=() p restarted=0 before1 beforet after1 aftert
  local first="\$3 == \"probe\" && ++k <= ${scaling_restarts[$kind]}"
  victims=($(awk "$first {print \$1}" "$sc/procs"))
  cpu_files=($(awk "$first {print \$2}" "$sc/procs" |
    sort -u | awk -v root="$tree_pid" '$1 != root {print "/proc/" $1 "/schedstat"}'))
  cpu_files=("/proc/$tree_pid/schedstat" ${cpu_files[@]+"${cpu_files[@]}"})
  if [ ${#victims[@]} -gt 0 ]; then
    before1=$(cut -d' ' -f1 "/proc/$tree_pid/schedstat")
    beforet=$(cat "${cpu_files[@]}" 2>/dev/null | awk '{s += $1} END {printf "%.0f\n", s}')
    for p in "${victims[@]}"; do
      kill -KILL "$p" 2>/dev/null || true
      read -r -t 5 -u "$sc_fd" line || break
      restarted=$((restarted + 1))
    done
    after1=$(cut -d' ' -f1 "/proc/$tree_pid/schedstat")
    aftert=$(cat "${cpu_files[@]}" 2>/dev/null | awk '{s += $1} END {printf "%.0f\n", s}')
  fi
  if [ "$restarted" -gt 0 ]; then
    sc_rs_pid1[$key]+=" $(decimal $(((after1 - before1) / restarted)) 1000 1)"
    sc_rs_tree[$key]+=" $(decimal $(((aftert - beforet) / restarted)) 1000 1)"
  fi
  sc_rs_done[$key]+=" $restarted/${#victims[@]}"

  # Shutdown of the services running now.
  local services us
  services=($(tree_procs "$tree_pid" | awk '$3 == "probe" {print $1}'))
  if [ ${#services[@]} -gt 0 ]; then
    us=$(prlimit --nofile=16384:16384 "$shutdown_clock" --others \
      "$(kill -l "${tree_stop_signal[$kind]}")" "$tree_pid" "${services[@]}") || us=failed
    case "$us" in
      timeout) sc_shut[$key]+=" 60000" ;;
      failed) ;;
      *) sc_shut[$key]+=" $(decimal "$us" 1000 1)" ;;
    esac
  fi
  tree_kill "$tree_pid"
  tree_pid=""
  exec {sc_fd}<&-
  sc_fd=""
  rm -rf "$root"
}

unset sc_started sc_wall sc_cpu sc_init_rss sc_tree_rss sc_procs sc_rs_pid1 sc_rs_tree sc_rs_done sc_shut
declare -A sc_started=() sc_wall=() sc_cpu=() sc_init_rss=() sc_tree_rss=() sc_procs=() \
  sc_rs_pid1=() sc_rs_tree=() sc_rs_done=() sc_shut=() sc_skipped=()
for n in "${scaling_ns[@]}"; do
  tree_services "$sc/n$n" "$n" "exec $probe stamp >$sc_fifo"
done
# Rounds of one run per init and N: the machine's load drifts.
for r in $(seq 1 "$runs"); do
  for n in "${scaling_ns[@]}"; do
    [ "$n" -le "$scaling_once_above" ] || [ "$r" = 1 ] || continue
    for kind in ${BENCH_SCALING_INITS:-${supervisors[@]}}; do
      if ! scaling_room "$n"; then
        echo "bench: scaling: no room for $n services (pid_max, threads-max or memory)" >&2
        sc_skipped[$kind $n]=1
        continue
      fi
      echo "bench: scaling: run $r, $kind, $n services" >&2
      scaling_run "$kind" "$n"
    done
  done
done
scaling_cleanup
trap 'rm -rf "$work"' EXIT
trap - INT TERM

# commas N: N with thousands separators.
commas() { echo "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }

# all_started KIND N: true when every run of KIND at N started all N.
all_started() {
  [ -n "${sc_started[$1 $2]:-}" ] && [ "$(stats ${sc_started[$1 $2]} | cut -d' ' -f1)" = "$2" ]
}

# scaling_slope KIND ARRAY SCALE: "SLOPE TOP": the least squares slope of
# ARRAY's medians over N, in its unit × SCALE per added service, over the
# Ns at which all N services started in every run, TOP the largest of
# them ("- -" with fewer than two).
scaling_slope() {
  local kind=$1 scale=$3 n points=""
  local -n values=$2
  for n in "${scaling_ns[@]}"; do
    [ -n "${values[$kind $n]:-}" ] && all_started "$kind" "$n" || continue
    points+="$n $(median ${values[$kind $n]})"$'\n'
  done
  printf '%s' "$points" | awk -v scale="$scale" '
    {n++; sx += $1; sy += $2; sxx += $1 * $1; sxy += $1 * $2; top = $1}
    END {
      if (n < 2) {print "- -"; exit}
      s = (n * sxy - sx * sy) / (n * sxx - sx * sx) * scale
      if (s >= 100 || s <= -100) f = "%.0f"; else if (s >= 1 || s <= -1) f = "%.1f"; else f = "%.3f"
      printf f " %d\n", s, top
    }'
}

# scaling_cell KIND N ARRAY [ARRAY2]: the median of ARRAY (and of ARRAY2
# in parentheses) for KIND at N, with the services reached when not all.
scaling_cell() {
  local kind=$1 n=$2 key="$1 $2" cell started
  local -n values=$3
  [ -z "${sc_skipped[$key]:-}" ] || { echo "skipped (no room)"; return; }
  [ -n "${values[$key]:-}" ] || { echo "-"; return; }
  cell=$(median ${values[$key]})
  if [ $# -gt 3 ]; then
    local -n second=$4
    [ -z "${second[$key]:-}" ] || cell+=" ($(median ${second[$key]}))"
  fi
  started=$(median ${sc_started[$key]})
  [ "$started" = "$n" ] || cell+="; $started of $n started"
  echo "$cell"
}

# The Ns every peer can run: up to 1,000 (runsvdir's maximum). A slope is
# compared only where its fit reaches the largest of them (sc_at): one
# over fewer services is not the same measure.
sc_at="" sc_header=""
for n in "${scaling_ns[@]}"; do
  [ "$n" -gt 1000 ] || sc_at=$n
  sc_header+="N=$(commas "$n") | "
done
sc_fit="least squares over the Ns at which all N started, compared where that reaches N=$(commas "${sc_at:-0}")"
sc_over="median over $runs runs"
for n in "${scaling_ns[@]}"; do
  [ "$n" -le "$scaling_once_above" ] || sc_over="median over $runs runs (N=$(commas "$n"): one run)"
done

# scaling_row KIND ARRAY SCALE [ARRAY2]: a row's cells; sets row_slope
# and row_key (the slope where comparable, else "-").
scaling_row() {
  local kind=$1 array=$2 scale=$3 second=${4:-} n slope top
  row_cells=""
  for n in "${scaling_ns[@]}"; do
    row_cells+="$(scaling_cell "$kind" "$n" "$array" ${second:+"$second"}) | "
  done
  read -r slope top < <(scaling_slope "$kind" "$array" "$scale")
  row_key=-
  [ "$top" = - ] || [ -z "$sc_at" ] || [ "$top" -lt "$sc_at" ] || row_key=$slope
  row_cells+=$slope
  [ "$top" = - ] || [ "$top" = "${scaling_ns[-1]}" ] || row_cells+=" (N ≤ $(commas "$top"))"
}

# scaling_table SHORT TITLE UNIT ARRAY SCALE [ARRAY2]: one table, the
# slope of ARRAY compared.
scaling_table() {
  local short=$1 title=$2 unit=$3 array=$4 scale=$5 second=${6:-} kind
  table_begin "$short" "$title" "$sc_header$unit"
  for kind in "${supervisors[@]}"; do
    scaling_row "$kind" "$array" "$scale" $second
    table_row "$kind" "$row_key" "$row_cells"
  done
  table_end
}

scaling_table scaling-start "Scaling: start-up, ms from PID 1's exec to the last of N services running, $sc_over; compared: µs per added service ($sc_fit)" \
  "µs per added service" sc_wall 1000
scaling_table scaling-start-cpu "Scaling: PID 1's CPU over start-up (user+system), ms, $sc_over; compared: µs per added service ($sc_fit)" \
  "µs per added service" sc_cpu 1000
scaling_table scaling-memory "Scaling: RssAnon once all run, kB, supervision tree (PID 1), $sc_over; compared: the tree's kB per added service ($sc_fit)" \
  "kB per added service" sc_tree_rss 1 sc_init_rss
# The restart table compares the value at N=sc_at, not a slope: where PID
# 1 is not involved the slope is noise around 0.
table_begin scaling-restart "Scaling: one restart (SIGKILL to the replacement running), CPU µs of PID 1 and the service's supervisor (PID 1's alone), $sc_over of the mean over up to ${scaling_restarts[faultinit]} services (BusyBox init and s6: ${scaling_restarts[busybox]}, 1 s each); compared: at N=$(commas "${sc_at:-0}")" \
  "${sc_header}ns per added service"
for kind in "${supervisors[@]}"; do
  scaling_row "$kind" sc_rs_tree 1000 sc_rs_pid1
  key=-
  if [ -n "$sc_at" ] && [ -n "${sc_rs_tree[$kind $sc_at]:-}" ] && all_started "$kind" "$sc_at"; then
    key=$(median ${sc_rs_tree[$kind $sc_at]})
  fi
  table_row "$kind" "$key" "$row_cells"
done
table_end
scaling_table scaling-shutdown "Scaling: shutdown, ms from the request (as in the shutdown figure) to the exit of the last service, $sc_over; compared: µs per added service ($sc_fit)" \
  "µs per added service" sc_shut 1000
{
  echo
  printf 'Supervision tree: PID 1 and every process of its tree but the services (at N=%s: ' "$(commas "${scaling_ns[-1]}")"
  for kind in "${supervisors[@]}"; do
    printf '%s %s; ' "$kind" "${sc_procs[$kind ${scaling_ns[-1]}]:-?}"
  done | sed 's/; $//'
  printf ' processes). s6-svscan runs with -c N above 500 services (its default maximum); runsvdir has a fixed maximum of 1,000. Restarts whose replacement did not run within 5 s: '
  failed=$(for kind in "${supervisors[@]}"; do
    for n in "${scaling_ns[@]}"; do
      short=""
      for d in ${sc_rs_done[$kind $n]:-}; do
        [ "${d%/*}" = "${d#*/}" ] || short=yes
      done
      [ -z "$short" ] || printf '%s at N=%s, restarted per run: %s; ' "$kind" "$(commas "$n")" "$(echo ${sc_rs_done[$kind $n]} | sed 's/ /, /g')"
    done
  done | sed 's/; $//')
  echo "${failed:-none}."
  echo
  echo "![start-up, PID 1's CPU and memory over N, per init](benchmarks-scaling.png)"
} | tee -a "$report"

# The chart: log-log, x being the services started (median).
for kind in "${supervisors[@]}"; do
  for n in "${scaling_ns[@]}"; do
    [ -n "${sc_wall[$kind $n]:-}" ] || continue
    echo "$(median ${sc_started[$kind $n]}) $(median ${sc_wall[$kind $n]}) $(median ${sc_cpu[$kind $n]}) $(median ${sc_tree_rss[$kind $n]})"
  done | awk '$1 > 0' >"$work/scaling-$kind.dat"
done
gnuplot <<PLOT
set terminal png size 1200,420 noenhanced
set output "docs/benchmarks-scaling.png"
set multiplot layout 1,3 title "Scaling with N services (log-log; x: services started, $sc_over)"
set logscale xy
set grid
set key top left
set xlabel "services"
plots = "faultinit busybox s6 runit"
set title "start-up, ms"
plot for [k in plots] "$work/scaling-".k.".dat" using 1:(\$2 > 0 ? \$2 : 0.1) with linespoints title k
set title "PID 1's CPU over start-up, ms"
plot for [k in plots] "$work/scaling-".k.".dat" using 1:(\$3 > 0 ? \$3 : 0.1) with linespoints title k
set title "RssAnon of the supervision tree, kB"
plot for [k in plots] "$work/scaling-".k.".dat" using 1:4 with linespoints title k
unset multiplot
PLOT
