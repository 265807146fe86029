# Signal forwarding: kill of the init to the child's handler, 1,000 signals,
# twice. First with the scheduler free to place the driver, the init and its
# child: a run's median moves by a third with where they land (a wake-up
# sent to another CPU is an inter-processor interrupt, which under a
# hypervisor costs tens of µs) and a run takes a fraction of a second, so
# twenty times the rounds of the other figures, that the median of the
# medians does not hang on a few placements. Then all three on one CPU,
# where nothing is woken across CPUs: the init's CPU per signal (the growth
# of /proc/PID/schedstat's first field, user and system time, over the
# signals) is its own work, and is what that table compares; the latency
# there depends on which of the three the kernel runs next at each kill
# (whether the child preempts the init), more than on what the init does.
# shellcheck shell=bash
latency_runs=$((runs * 20))
last_cpu=$(($(nproc) - 1))
for placement in free one-cpu; do
  pin=()
  if [ "$placement" = free ]; then
    short=latency
    title="Signal forwarding latency: kill of the init to the child's handler, µs over 1,000 signals; min / median / max over $latency_runs runs; compared: the median"
  else
    pin=(taskset -c "$last_cpu")
    short=latency-cpu
    title="The same on one CPU (driver, init and child under taskset -c $last_cpu), µs; compared: the init's CPU per signal"
  fi
  table_begin "$short" "$title" "median | p99 | init CPU per signal"
  # Rounds of one run per init, so the machine's drift reaches all alike;
  # each round starts one init further on, so no init always follows the
  # same one.
  unset medians p99s cpus
  declare -A medians=() p99s=() cpus=()
  for round in $(seq 0 $((latency_runs - 1))); do
    for i in "${!inits[@]}"; do
      name=${inits[$(((i + round) % ${#inits[@]}))]}
      read -r m p c < <("${pin[@]}" "$latency" 1000 ${run[$name]} "$probe" stamp)
      medians[$name]+=" $m"
      p99s[$name]+=" $p"
      cpus[$name]+=" $c"
    done
  done
  for name in "${inits[@]}"; do
    key=$(median ${medians[$name]})
    [ "$placement" = free ] || key=$(median ${cpus[$name]})
    table_row "$name" "$key" \
      "$(mmm ${medians[$name]}) | $(mmm ${p99s[$name]}) | $(mmm ${cpus[$name]})"
  done
  table_end
done
{
  echo
  echo "On one CPU the latency follows the kernel's choice at each kill (whether the child preempts the init there, which the init's own CPU use shifts) more than the init's work: when faultinit's signalfd was taken out of its epoll set (2026-12-04), its CPU per signal went from 1.78 to 1.71 µs and its latency from 3.39 to 3.53 µs, its child preempting it at fewer kills. When the scheduler began relaying the forwarded signals itself (Scheduler::RelaySignals, 2026-12-04: 84 user-space instructions per signal where a callback took 558, by callgrind), the CPU per signal went from 1.79 to 1.62 µs. The CPU per signal is the init's own cost on one CPU; free, it also holds the time its own kill spends sending the wake-up to a child on another CPU. Free, the latency is mostly where the kernel places the three processes, the same two system calls under every init: traced with ftrace (2026-12-04), a wake-up of a process on another CPU is an inter-processor interrupt, a VM exit under this hypervisor (the sender's kill spends 10 to 15 µs in it, and the woken process runs 20 to 35 µs after it), where a wake-up on the same CPU takes 1 to 4 µs. In the common placement one of the two hops (driver to init, init to child) crosses CPUs; signals at about 46 µs had both crossing, and those at about 4 µs neither. The spread of one init's runs is wider than the inits' differences, hence the many rounds, each starting one init further on."
} | tee -a "$report"
