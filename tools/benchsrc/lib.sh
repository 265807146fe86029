# tools/benchsrc/lib.sh: what tools/bench's figures share. Sourced by
# tools/bench, which sets: work (a scratch directory), runs (repetitions),
# faultinit, faultctl, probe, latency, shutdown_clock (built binaries),
# report (the Markdown being written) and ratios (faultinit ÷ best peer,
# one "FIGURE RATIO" line per table, for the chart).
# shellcheck shell=bash

# Container inits, as each is told "run this command".
declare -A run=(
  [faultinit]="$faultinit --"
  [tini]="tini -s --"
  [tini-static]="tini-static -s --"
  [dumb-init]="dumb-init"
  [catatonit]="catatonit --"
)
inits=(faultinit tini tini-static dumb-init catatonit)

# stats VALUES...: "min median max" of integers.
stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[1], a[int((NR+1)/2)], a[NR]}'; }
# median VALUES...
median() { stats "$@" | cut -d' ' -f2; }
# mmm VALUES...: "min / median / max".
mmm() { stats "$@" | sed 's| | / |g'; }

# A table: table_begin SHORT TITLE HEADER (the cells after the first
# column, "a | b"); table_row NAME KEY CELLS, KEY being the number compared
# (lower is better; "-" for none); table_end prints it with each row's
# ratio to the best peer (the lowest KEY among rows not named faultinit*).
table_begin() {
  tbl_short=$1 tbl_title=$2 tbl_header=$3
  tbl_names=() tbl_keys=() tbl_cells=()
}
table_row() { tbl_names+=("$1"); tbl_keys+=("$2"); tbl_cells+=("$3"); }
table_end() {
  local best="" i
  for i in "${!tbl_names[@]}"; do
    case "${tbl_names[$i]}" in faultinit*) continue ;; esac
    [[ "${tbl_keys[$i]}" =~ ^[0-9.]+$ ]] || continue
    if [ -z "$best" ] || awk -v a="${tbl_keys[$i]}" -v b="$best" 'BEGIN {exit !(a < b)}'; then
      best=${tbl_keys[$i]}
    fi
  done
  {
    # The rule: the name column, the header's cells, the ratio column.
    local bars=${tbl_header//[^|]/} rule="| --- | ---" cell
    for ((cell = 0; cell <= ${#bars}; cell++)); do rule+=" | ---"; done
    printf '\n## %s\n\n| | %s | ratio to best peer |\n%s |\n' "$tbl_title" "$tbl_header" "$rule"
    for i in "${!tbl_names[@]}"; do
      local ratio="-"
      if [ -n "$best" ] && [[ "${tbl_keys[$i]}" =~ ^[0-9.]+$ ]]; then
        ratio=$(awk -v a="${tbl_keys[$i]}" -v b="$best" 'BEGIN {if (b <= 0) print "-"; else if (a / b < 0.01) printf "%.4f", a / b; else printf "%.2f", a / b}')
      fi
      printf '| %s | %s | %s |\n' "${tbl_names[$i]}" "${tbl_cells[$i]}" "$ratio"
      if [ "${tbl_names[$i]}" = faultinit ] && [ "$ratio" != - ]; then
        echo "$tbl_short $ratio" >>"$ratios"
      fi
    done
  } | tee -a "$report"
}

# with_idle_init NAME CALLBACK: starts container init NAME on `sleep`,
# waits until the sleep exists, runs CALLBACK PID, then stops it.
with_idle_init() {
  local name=$1 callback=$2
  ${run[$name]} sleep 60 &
  local pid=$!
  local i
  for i in $(seq 1 500); do
    [ -n "$(cat /proc/$pid/task/*/children 2>/dev/null)" ] && break
    sleep 0.01
  done
  "$callback" "$pid"
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# descendants PID: PID's descendants, one per line (depth first).
descendants() {
  local child
  for child in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
    echo "$child"
    descendants "$child"
  done
}

# wait_for SECONDS COMMAND...: runs COMMAND every 10 ms until it succeeds;
# fails after SECONDS.
wait_for() {
  local limit=$(($1 * 100)) i
  shift
  for ((i = 0; i < limit; i++)); do
    "$@" && return 0
    sleep 0.01
  done
  return 1
}

# ns_start PIDFILE COMMAND...: runs COMMAND as PID 1 of a new PID and mount
# namespace (its own /proc) in the background; PIDFILE gets the host PID
# of that PID 1 once it is up.
ns_start() {
  local pidfile=$1
  shift
  unshare --pid --mount --fork --mount-proc "$@" </dev/null >"$pidfile.log" 2>&1 &
  local outer=$!
  wait_for 10 has_children "$outer" || return 1
  cat /proc/$outer/task/*/children | tr -d ' ' >"$pidfile"
}

# has_children PID: true when PID has a child.
has_children() { [ -n "$(cat /proc/"$1"/task/*/children 2>/dev/null)" ]; }

# Supervision trees: the same services under faultinit (system mode),
# BusyBox init, s6-svscan and runsvdir, each as PID 1 of its own PID,
# mount and UTS namespace. supervisors lists them; tree_stop_signal is the
# signal each takes as "shut everything down".
supervisors=(faultinit busybox s6 runit)
declare -A tree_stop_signal=([faultinit]=TERM [busybox]=USR2 [s6]=TERM [runit]=HUP)

# tree_service ROOT NAME COMMAND [STOP_TIMEOUT_MS]: adds a service that
# runs COMMAND (a shell command line) and is restarted at once when it
# exits (where the supervisor allows it); killed STOP_TIMEOUT_MS after
# SIGTERM where the supervisor has such a setting (BusyBox init and runit
# have none).
tree_service() {
  local root=$1 name=$2 command=$3 stop=${4:-}
  mkdir -p "$root/units" "$root/etc" "$root/s6/$name" "$root/runit/$name"
  {
    printf '[Unit]\nStartLimitBurst=0\n[Service]\n'
    printf "ExecStart=/bin/sh -c '%s'\n" "$command"
    printf 'Restart=always\nRestartSec=0\n'
    [ -z "$stop" ] || printf 'TimeoutStopSec=%sms\n' "$stop"
  } >"$root/units/$name.service"
  # BusyBox init keeps one of identical lines: the name makes them differ.
  printf '::respawn:/bin/sh -c '"'"': %s; %s'"'"'\n' "$name" "$command" >>"$root/etc/inittab"
  local dir
  for dir in "$root/s6/$name" "$root/runit/$name"; do
    printf '#!/bin/sh\n%s\n' "$command" >"$dir/run"
    chmod +x "$dir/run"
  done
  [ -z "$stop" ] || echo "$stop" >"$root/s6/$name/timeout-kill"
}

# tree_unit_format: the unit of tree_services (and of the scaling-vm
# figure's guest), a printf format whose one %s is the command.
tree_unit_format="[Unit]\nStartLimitBurst=0\n[Service]\nExecStart=/bin/sh -c '%s'\nRestart=always\nRestartSec=0\n"

# tree_services ROOT COUNT COMMAND: tree_service for services s1 to
# sCOUNT, all running COMMAND, with no stop timeout; in bulk (a few
# processes for all, not a few per service).
tree_services() {
  local root=$1 count=$2 command=$3 i unit run
  mkdir -p "$root/units" "$root/etc"
  (cd "$root" && seq -f 's6/s%.0f' 1 "$count" | xargs mkdir -p &&
    seq -f 'runit/s%.0f' 1 "$count" | xargs mkdir -p)
  printf -v unit "$tree_unit_format" "$command"
  printf -v run '#!/bin/sh\n%s\n' "$command"
  for ((i = 1; i <= count; i++)); do
    printf '%s' "$unit" >"$root/units/s$i.service"
    printf '%s' "$run" >"$root/s6/s$i/run"
    printf '%s' "$run" >"$root/runit/s$i/run"
    printf '::respawn:/bin/sh -c '"'"': s%s; %s'"'"'\n' "$i" "$command"
  done >>"$root/etc/inittab"
  (cd "$root" && find s6 runit -name run -exec chmod +x {} +)
}

# tree_start KIND ROOT [PRELUDE]: starts supervisor KIND on ROOT's
# services; sets tree_pid to its host PID. PID 1 gets the file limits the
# kernel gives a real PID 1 (RLIMIT_NOFILE soft 1024, hard 4096), whatever
# the caller's; BENCH_NOFILE_HARD raises the hard one (issue #26's 10,000
# services need more than 4,096 descriptors). PRELUDE: a shell command run as PID 1 just before the
# supervisor's exec. tree_s6_max, when set, is s6-svscan's -c (its
# default, 500 services, is its maximum).
tree_start() {
  local kind=$1 root=$2 prelude=${3:-} ns=() init
  case "$kind" in
    faultinit)
      ns=(--uts)
      init="exec $faultinit --system --services $root/units --control $root/control" ;;
    busybox)
      # BusyBox init reads /etc/inittab only: lay ROOT/etc over /etc.
      ns=(--uts)
      init="mount -t overlay overlay -o lowerdir=$root/etc:/etc /etc && exec busybox init" ;;
    s6) init="exec s6-svscan ${tree_s6_max:+-c $tree_s6_max} $root/s6" ;;
    runit) init="exec runsvdir $root/runit" ;;
  esac
  ns_start "$root/pid" "${ns[@]}" /bin/sh -c \
    "ulimit -S -n 1024 && ulimit -H -n ${BENCH_NOFILE_HARD:-4096} && ${prelude:+$prelude && }$init"
  tree_pid=$(cat "$root/pid")
}

# tree_procs PID: one line per process of PID's tree, PID first, then
# depth first: "PID PPID COMM RSSANON_KB CPU_NS" (CPU: user+system, from
# /proc/PID/schedstat). One pass over /proc, for trees of thousands.
tree_procs() {
  printf '%s\n' /proc/[0-9]* | awk -v root="$1" '
    {
      f = $0 "/stat"
      if ((getline line < f) > 0) {
        open = index(line, "(")
        close_at = length(line)
        while (substr(line, close_at, 1) != ")") close_at--
        pid = substr(line, 1, open - 2)
        comm[pid] = substr(line, open + 1, close_at - open - 1)
        split(substr(line, close_at + 2), rest, " ")
        ppid[pid] = rest[2]
        kids[rest[2]] = kids[rest[2]] " " pid
      }
      close(f)
    }
    function show(p,    f, line, rss, cpu, n, k, i) {
      rss = 0; cpu = 0
      f = "/proc/" p "/status"
      while ((getline line < f) > 0) if (line ~ /^RssAnon:/) { split(line, a, " "); rss = a[2] }
      close(f)
      f = "/proc/" p "/schedstat"
      if ((getline line < f) > 0) { split(line, a, " "); cpu = a[1] }
      close(f)
      print p, ppid[p], comm[p], rss, cpu
      n = split(kids[p], k, " ")
      for (i = 1; i <= n; i++) show(k[i])
    }
    END { if (root in comm) show(root) }'
}

# tree_count_running PID COMM N: true once N processes named COMM run
# under PID.
tree_count_running() {
  local count=0 p
  for p in $(descendants "$1"); do
    [ "$(cat /proc/$p/comm 2>/dev/null)" = "$2" ] && count=$((count + 1))
  done
  [ "$count" -ge "$3" ]
}

# tree_kill PID: ends a namespace by killing its PID 1.
tree_kill() {
  kill -KILL "$1" 2>/dev/null || true
  wait_for 10 test ! -e "/proc/$1" || true
}
