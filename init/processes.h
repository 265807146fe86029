// File: init/processes.h
//
// What an init needs to know about the processes it is responsible for:
// its children and the members of its services' sessions (read from
// /proc, one scanner for both) and whether any are left to reap.
//
// Loop thread only; not async-signal-safe (reads files, allocates).

#ifndef FAULT_INIT_PROCESSES_H_
#define FAULT_INIT_PROCESSES_H_

#include <sys/types.h>

#include <set>
#include <vector>

#include "init/log.h"

namespace faultinit {

// ChildrenOf lists the processes whose parent is `parent`, zombies
// excluded, by scanning /proc/PID/stat. Empty when /proc is not mounted.
std::vector<pid_t> ChildrenOf(pid_t parent);

// ProcessIds: a process, its process group and its session.
struct ProcessIds {
  pid_t pid;
  pid_t group;
  pid_t session;
};

// LiveProcesses lists every process with its group and session, zombies
// excluded, from the same scan of /proc (one read of each /proc/PID/stat):
// a process that moved to a group of its own with setpgid is still in its
// session. Empty when /proc is not mounted.
std::vector<ProcessIds> LiveProcesses();

// ParentOf returns the parent of `pid` (from /proc/PID/stat), or 0 when
// the process is gone or /proc is not mounted.
pid_t ParentOf(pid_t pid);

// HasChildren reports whether the calling process has any child left,
// running or zombie (waitid with WNOWAIT: nothing is reaped).
bool HasChildren();

// Leftovers signals every process an init is responsible for once the ones
// it runs on purpose are gone: as PID 1 the whole namespace (kill(-1), once
// per signal); otherwise its children, read from /proc, and again on
// Rescan as orphans are re-parented to it, each once per signal. Used by
// container mode (after the child exits) and system mode (after the
// services stopped). Loop thread only.
class Leftovers {
 public:
  explicit Leftovers(const Logger& log) : log_(log) {}

  // Signal sends `signo` (a new signal, e.g. SIGKILL after SIGTERM, goes to
  // everyone again), and to process group `group` when it is not 0.
  void Signal(int signo, pid_t group = 0);
  // Rescan sends the current signal to children adopted since.
  void Rescan();
  // The signal sent last, or 0.
  int signal() const { return signal_; }

 private:
  const Logger& log_;
  int signal_ = 0;
  std::set<pid_t> signalled_;
};

}  // namespace faultinit

#endif  // FAULT_INIT_PROCESSES_H_
