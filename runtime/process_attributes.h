// File: runtime/process_attributes.h
//
// ProcessAttributes: the scheduling attributes a spawned child is given
// before it execs (SpawnOptions::attributes): its nice value, OOM score
// adjustment, I/O priority, CPU scheduling policy and CPU affinity, as
// systemd gives them to a service (man systemd.exec: Nice=,
// OOMScoreAdjust=, IOSchedulingClass=/IOSchedulingPriority=,
// CPUSchedulingPolicy=/CPUSchedulingPriority=/CPUSchedulingResetOnFork=,
// CPUAffinity=). Each is left as inherited unless set.
//
// ApplyProcessAttributes runs in the child between fork and exec: it is
// async-signal-safe (raw system calls, open/write/close, no allocation:
// it only reads the struct, prepared before the fork).
//
// The struct is a value and small while nothing is set (an empty vector
// and a few bytes): the supervisor keeps one per service.

#ifndef FAULT_RUNTIME_PROCESS_ATTRIBUTES_H_
#define FAULT_RUNTIME_PROCESS_ATTRIBUTES_H_

#include <cstdint>
#include <vector>

namespace fault {

// The kernel's I/O priority classes (ioprio_set(2)).
enum class IoClass : uint8_t {
  kNone = 0,
  kRealtime = 1,
  kBestEffort = 2,
  kIdle = 3,
};

struct ProcessAttributes {
  // setpriority(PRIO_PROCESS, 0, nice): -20 to 19.
  bool nice_set = false;
  int8_t nice = 0;
  // Written to /proc/self/oom_score_adj: -1000 to 1000. A write refused
  // for want of privilege (EPERM, EACCES: in a container) is ignored, as
  // systemd ignores it.
  bool oom_score_adjust_set = false;
  int16_t oom_score_adjust = 0;
  // ioprio_set(IOPRIO_WHO_PROCESS, 0, class << 13 | level): level 0 to 7.
  bool io_priority_set = false;
  IoClass io_class = IoClass::kBestEffort;
  uint8_t io_level = 4;
  // sched_setscheduler(0, policy | SCHED_RESET_ON_FORK if reset_on_fork,
  // {priority}): policy SCHED_OTHER, SCHED_BATCH, SCHED_IDLE, SCHED_FIFO or
  // SCHED_RR; priority 0 to 99 (1 to 99 for FIFO and RR, 0 for the others,
  // as the kernel checks).
  bool cpu_scheduling_set = false;
  bool cpu_reset_on_fork = false;
  uint8_t cpu_policy = 0;  // SCHED_OTHER
  uint8_t cpu_priority = 0;
  // sched_setaffinity(0, ...): bit N of the words (word N / 64, bit N % 64)
  // is CPU N. Empty: not set.
  std::vector<uint64_t> cpu_affinity;

  bool empty() const {
    return !nice_set && !oom_score_adjust_set && !io_priority_set &&
           !cpu_scheduling_set && cpu_affinity.empty();
  }
  // The I/O priority value ioprio_set takes.
  int io_priority() const {
    return (static_cast<int>(io_class) << 13) | io_level;
  }
};

// Which attribute ApplyProcessAttributes failed to set, in the order it
// sets them (systemd's).
enum class ProcessAttribute {
  kNice,
  kOomScoreAdjust,
  kIoPriority,
  kCpuScheduling,
  kCpuAffinity,
};

// ApplyProcessAttributes sets every attribute `attributes` sets, on the
// calling process, in ProcessAttribute's order. Returns 0, or the errno of
// the first that failed with `*failed` naming it. Async-signal-safe.
int ApplyProcessAttributes(const ProcessAttributes& attributes,
                           ProcessAttribute* failed);

}  // namespace fault

#endif  // FAULT_RUNTIME_PROCESS_ATTRIBUTES_H_
