# Scaling in a KVM guest: faultinit as the real PID 1 of Debian's x86_64
# kernel (tools/qemu-boot) with N services, N = 10, 1,000 and 10,000
# (BENCH_SCALING_VM_N), each the static probe under the unit of the host
# scaling figure (tree_unit_format: `exec probe stamp >FIFO` through
# /bin/sh, here BusyBox's; output capture on, systemd's default). Unlike
# the host figure, PID 1 has what the kernel and faultinit give a real
# PID 1 (file limits included), so 10,000 services each get their pidfd
# and output pipe (issue #26: one restart should cost PID 1 the same at
# N = 10 and 10,000).
#
# In the guest, tools/benchsrc/scaling_vm_guest.cc is the rdinit: it
# forks a driver and execs faultinit; the driver measures start-up (PID
# 1's exec to the Nth announcement: wall time and PID 1's CPU), PID 1's
# RssAnon and descriptors once all run, and 50 restarts one after another
# (PID 1's CPU per restart: mean, median, maximum), prints them as a line
# on the console and asks PID 1 to power off; the shutdown is the time,
# by the kernel's log, from that request to "reboot: Power down". Every
# wait has a deadline in the guest (see scaling_vm_guest.cc) and on the
# host (the boot's timeout); the table says what did not finish.
# BENCH_SCALING_VM_LOGS=DIR keeps the consoles' logs there (with each
# restart's PID 1 CPU); BENCH_SCALING_VM_REPLAY=DIR makes the section from
# such logs instead of booting (same Ns and BENCH_RUNS);
# BENCH_SCALING_VM_GAP_MS=G, a variant: G ms between two restarts (1000 or
# more: each restart makes PID 1 walk every child, see
# runtime/scheduler_children.h). One boot
# per N and run, BENCH_RUNS rounds. Without a usable KVM (kvm_usable,
# tools/arch.sh) the figure is skipped, unless BENCH_SCALING_VM_TCG=1:
# then it runs under TCG (emulated, ten times slower or more; the
# deadlines grow as much), and says so. Writes its section of
# docs/benchmarks.md (between its markers) itself.
# shellcheck shell=bash
vm_ns=(${BENCH_SCALING_VM_N:-10 1000 10000})
vm_restarts=50
vm_cpus=2
vm_accel=kvm vm_slow=1 vm_qemu=()
vm_gap=${BENCH_SCALING_VM_GAP_MS:-0}
vm=$work/scaling-vm
mkdir -p "$vm"
arch_select x86_64
vm_kernel=$(tools/qemu-boot x86_64 --fetch-only 2>/dev/null) || vm_kernel=""

# vm_memory_mb N: the guest's RAM for N services: 256 MB for the kernel,
# PID 1 and the rest (at N=10, 180 MB of it is left), and 160 kB a
# service (MemAvailable fell by 135 kB a service from N=10 to N=2,000).
vm_memory_mb() { echo $((256 + $1 * 160 / 1024)); }
# vm_timeout_s N: the boot's deadline (start-up 240 s at most in the
# guest, and 50 restarts of 5 s at most; times vm_slow; and the gaps).
vm_timeout_s() { echo $(((120 + $1 / 20) * vm_slow + vm_restarts * vm_gap / 1000)); }

# vm_field LINE KEY: KEY's value in a "KEY=VALUE ..." line.
vm_field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# vm_shutdown_ms LOG: ms from the request to power-down by the kernel's
# time stamps in LOG, or nothing.
vm_shutdown_ms() {
  tr -d '\r' <"$1" | awk '
    /BENCH-SCALING-VM-SHUTDOWN/ && match($0, /\[ *[0-9.]+\]/) {
      s = substr($0, RSTART + 1, RLENGTH - 2) + 0 }
    /reboot: Power down/ && s != "" && match($0, /\[ *[0-9.]+\]/) {
      printf "%.0f\n", (substr($0, RSTART + 1, RLENGTH - 2) - s) * 1000; exit }'
}

vm_replay=${BENCH_SCALING_VM_REPLAY:-}
if [ -n "$vm_replay" ] && [ ! -f "$vm_replay/accel" ]; then
  echo "bench: scaling-vm: $vm_replay/accel is missing: not a kept run's logs" >&2
elif [ -z "$vm_replay" ] && { [ -z "$vm_kernel" ] || ! command -v qemu-system-x86_64 >/dev/null; }; then
  echo "bench: scaling-vm: no x86_64 kernel or qemu-system-x86_64 (tools/setup): figure skipped" >&2
elif [ -z "$vm_replay" ] && ! kvm_usable "$vm_kernel" && [ "${BENCH_SCALING_VM_TCG:-}" != 1 ]; then
  echo "bench: scaling-vm: KVM is not usable here (/dev/kvm, x86_64 host): figure skipped (BENCH_SCALING_VM_TCG=1 runs it under TCG)" >&2
else
  if { [ -n "$vm_replay" ] && [ "$(cat "$vm_replay/accel")" = tcg ]; } ||
    { [ -z "$vm_replay" ] && ! kvm_usable "$vm_kernel"; }; then
    # Counting instructions (-icount, one virtual ns each): the guest's
    # clocks, so its CPU times, follow what it executes, not the host's
    # load; one vCPU (-icount runs one).
    vm_accel=tcg vm_slow=10 vm_cpus=1 vm_qemu=(--qemu-arg -icount --qemu-arg shift=0)
    echo "bench: scaling-vm: KVM is not usable here: under TCG (BENCH_SCALING_VM_TCG=1)" >&2
  fi
  unset vm_line vm_note
  declare -A vm_line=() vm_note=()
  if [ -n "${BENCH_SCALING_VM_LOGS:-}" ]; then
    mkdir -p "$BENCH_SCALING_VM_LOGS" && echo "$vm_accel" >"$BENCH_SCALING_VM_LOGS/accel"
  fi
  for n in "${vm_ns[@]}"; do
    [ -z "$vm_replay" ] || break
    mkdir -p "$vm/units$n"
    printf -v vm_unit "$tree_unit_format" "exec /bin/probe stamp >/announce"
    for ((i = 1; i <= n; i++)); do printf '%s' "$vm_unit" >"$vm/units$n/s$i.service"; done
    tools/mkinitramfs x86_64 "$vm/units$n" --faultinit "$faultinit" -o "$vm/image$n.cpio.gz" \
      --add "$probe" /bin/probe --add "$scaling_vm_guest" /scaling_vm_guest >/dev/null
    rm -rf "$vm/units$n"
  done
  # Rounds of one boot per N: the machine's load drifts.
  for r in $(seq 1 "$runs"); do
    for n in "${vm_ns[@]}"; do
      mem=$(vm_memory_mb "$n")
      if [ -z "$vm_replay" ] &&
        [ "$(awk '/^MemAvailable/ {print int($2 / 1024)}' /proc/meminfo)" -lt $((mem + 512)) ]; then
        echo "bench: scaling-vm: run $r, N=$n: no room for a $mem MB guest" >&2
        vm_note[$n]+=" run $r: no room for the guest;"
        continue
      fi
      echo "bench: scaling-vm: run $r, $n services" >&2
      log="$vm/boot$n-$r.log"
      status=0
      if [ -n "$vm_replay" ]; then
        cp "$vm_replay/boot$n-$r.log" "$log" 2>/dev/null || : >"$log"
      else
        tools/qemu-boot x86_64 --initramfs "$vm/image$n.cpio.gz" --log "$log" \
        --timeout "$(vm_timeout_s "$n")" --rdinit /scaling_vm_guest --no-init-v \
        "${vm_qemu[@]}" --memory "$mem" --smp "$vm_cpus" --kernel-arg "BENCH_N=$n" \
        --kernel-arg "BENCH_RESTARTS=$vm_restarts" --kernel-arg "BENCH_SLOW=$vm_slow" \
        --kernel-arg "BENCH_GAP_MS=$vm_gap" --expect "BENCH-SCALING-VM n=" \
        >/dev/null 2>"$log.err" || status=$?
      fi
      [ -z "${BENCH_SCALING_VM_LOGS:-}" ] || cp "$log" "$BENCH_SCALING_VM_LOGS/"
      line=$(tr -d '\r' <"$log" | grep -a -m1 -o 'BENCH-SCALING-VM n=.*' || true)
      shut=$(vm_shutdown_ms "$log")
      echo "bench: scaling-vm: ${line:-no result line} shutdown_ms=${shut:--}" >&2
      if [ -z "$line" ]; then
        case "$status" in
          124) vm_note[$n]+=" run $r: no result within $(vm_timeout_s "$n") s;" ;;
          *) vm_note[$n]+=" run $r: no result ($(tr -d '\r' <"$log" | grep -a -m1 -E 'BENCH-SCALING-VM-ERROR|Kernel panic|Out of memory' || echo "see the console"));" ;;
        esac
        continue
      fi
      # The first restart's PID 1 CPU: the one after a second without
      # any, so the one that walks every child (see the section's text).
      first=$(tr -d '\r' <"$log" | grep -a -m1 -o 'BENCH-SCALING-VM-EACH n=[0-9]* [0-9]*' | awk '{print $3}')
      vm_line[$n]+="$line shutdown_ms=${shut:--} first_us=${first:--}"$'\n'
      [ -n "$shut" ] || vm_note[$n]+=" run $r: no power-down;"
      [ "$(vm_field "$line" started)" = "$n" ] ||
        vm_note[$n]+=" run $r: $(vm_field "$line" started) of $n started;"
      done_=$(vm_field "$line" restarts)
      [ "${done_%/*}" = "$((n < vm_restarts ? n : vm_restarts))" ] || vm_note[$n]+=" run $r: $done_ restarts;"
    done
  done

  # vm_values N KEY [DIVISOR]: KEY over N's runs (those that have it),
  # divided by DIVISOR (one decimal), one per line.
  vm_values() {
    printf '%s' "${vm_line[$1]:-}" | while read -r l; do
      v=$(vm_field "$l" "$2")
      [[ "$v" =~ ^[0-9]+$ ]] || continue
      if [ -n "${3:-}" ]; then awk -v v="$v" -v d="$3" 'BEGIN {printf "%.1f\n", v / d}'; else echo "$v"; fi
    done
  }
  # vm_cell N KEY [DIVISOR]: "min / median / max", or "-".
  vm_cell() {
    local v
    v=$(vm_values "$@" | sort -n | awk '{a[NR] = $1} END {if (NR) print a[1] " / " a[int((NR + 1) / 2)] " / " a[NR]}')
    echo "${v:--}"
  }
  vm_median() { vm_values "$@" | sort -n | awk '{a[NR] = $1} END {if (NR) print a[int((NR + 1) / 2)]}'; }

  # vm_commas N: N with thousands separators.
  vm_commas() { echo "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }
  vm_first=${vm_ns[0]} vm_last=${vm_ns[-1]}
  vm_ratio=$(awk -v a="$(vm_median "$vm_last" restart_us)" -v b="$(vm_median "$vm_first" restart_us)" \
    'BEGIN {if (a == "" || b == "" || b <= 0) print "-"; else printf "%.2f", a / b}')
  vm_accel_text="KVM"
  [ "$vm_accel" = kvm ] || vm_accel_text="QEMU's TCG counting instructions (\`-icount shift=0\`: the guest's clocks advance 1 ns per instruction executed, so its times, CPU times included, count instructions and not the host's load; KVM is not usable on this machine)"
  vm_kver=$(basename "$vm_kernel" | sed 's/^vmlinuz-//')
  {
    echo "<!-- scaling-vm begin: written by tools/bench scaling-vm -->"
    echo
    echo "## Scaling in a ${vm_accel^^} guest: faultinit as the real PID 1 of Linux $vm_kver with N services, min / median / max over $runs boot(s) per N"
    echo
    echo "Written by \`tools/bench scaling-vm\` on $(date -u +%Y-%m-%d): Debian's x86_64 kernel $vm_kver under $vm_accel_text, a guest of $vm_cpus vCPU(s) on this $(nproc)-core machine (shared), RAM per N: $(for n in "${vm_ns[@]}"; do printf '%s MB at N=%s, ' "$(vm_memory_mb "$n")" "$(vm_commas "$n")"; done | sed 's/, $//'). The services and their unit are the host scaling figure's (the static probe through BusyBox's sh, output captured); PID 1 has the file limits a real PID 1 has. Start-up runs from PID 1's exec of faultinit to the Nth service's announcement; restart: a running service SIGKILLed until its replacement announces itself, $vm_restarts services one after another$([ "$vm_gap" = 0 ] || echo " with $vm_gap ms between two (a variant)"), each having run for at least 1 s, PID 1's CPU (user+system, schedstat) per restart: the mean of a boot's, over its restarts and the 11 s after the last, so that work PID 1 left due (a deferred sweep) is counted (at N=$(vm_commas "$vm_first"), of its $((vm_first < vm_restarts ? vm_first : vm_restarts))), the median of its single restarts, and its first restart's; shutdown: faultinit's power-off request (SIGTERM) to the kernel's power-down. The guest's kernel counts the host's preemption of a vCPU as CPU of what ran on it (no steal-time accounting), so CPU figures carry the machine's load (not under -icount)."
    echo
    echo "| N | started | start-up, ms | PID 1's CPU over start-up, ms | PID 1's RssAnon, kB | PID 1's descriptors | one restart, PID 1's CPU µs (mean) | single restart, median µs | the first restart, µs | shutdown, ms |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    for n in "${vm_ns[@]}"; do
      echo "| $(vm_commas "$n") | $(vm_cell "$n" started) | $(vm_cell "$n" wall_us 1000) | $(vm_cell "$n" cpu_us 1000) | $(vm_cell "$n" rss_kb) | $(vm_cell "$n" fds) | $(vm_cell "$n" restart_us) | $(vm_cell "$n" restart_median_us) | $(vm_cell "$n" first_us) | $(vm_cell "$n" shutdown_ms) |"
    done
    echo
    vm_isolated=$(awk -v a="$(vm_median "$vm_last" first_us)" -v b="$(vm_median "$vm_first" first_us)" \
      'BEGIN {if (a == "" || b == "" || b <= 0) print "-"; else printf "%.2f", a / b}')
    echo "One restart at N=$(vm_commas "$vm_last") over N=$(vm_commas "$vm_first") (medians of the means): $vm_ratio (issue #26 asks for at most 1.20); the first restart of a boot, the same: $vm_isolated. Where the kernel keeps no exit status for a reaped pidfd, as Linux $vm_kver, orphans are reported lazily (runtime/scheduler_children.h): a restart's SIGCHLD names only the service's process, reaped by its pid, and makes no walk of every child; one walk (\`waitid(P_ALL)\`), due 10 s later at most, reaps an orphan whose SIGCHLD merged into it, and is in the mean."
    notes=$(for n in "${vm_ns[@]}"; do [ -z "${vm_note[$n]:-}" ] || printf 'N=%s:%s; ' "$n" "${vm_note[$n]%;}"; done | sed 's/; $//')
    echo "Not finished: ${notes:-nothing (every boot reported, all N started, every restart and power-down seen)}."
    echo
    echo "<!-- scaling-vm end -->"
  } >"$vm/section.md"
  cat "$vm/section.md"
  # Its section of docs/benchmarks.md: replaced in place, else appended.
  if grep -q '^<!-- scaling-vm begin' docs/benchmarks.md; then
    awk -v section="$vm/section.md" '
      /^<!-- scaling-vm begin/ {while ((getline l < section) > 0) print l; skip = 1; next}
      /^<!-- scaling-vm end/ {skip = 0; next}
      !skip' docs/benchmarks.md >"$vm/benchmarks.md"
    cat "$vm/benchmarks.md" >docs/benchmarks.md
  else
    { echo; cat "$vm/section.md"; } >>docs/benchmarks.md
  fi
  echo "bench: scaling-vm: wrote its section of docs/benchmarks.md" >&2
fi
