// File: init/processes.h
//
// What an init needs to know about the processes it is responsible for:
// its children (read from /proc) and whether any are left to reap.
//
// Loop thread only; not async-signal-safe (reads files, allocates).

#ifndef FAULT_INIT_PROCESSES_H_
#define FAULT_INIT_PROCESSES_H_

#include <sys/types.h>

#include <vector>

namespace faultinit {

// ChildrenOf lists the processes whose parent is `parent`, zombies
// excluded, by scanning /proc/PID/stat. Empty when /proc is not mounted.
std::vector<pid_t> ChildrenOf(pid_t parent);

// HasChildren reports whether the calling process has any child left,
// running or zombie (waitid with WNOWAIT: nothing is reaped).
bool HasChildren();

}  // namespace faultinit

#endif  // FAULT_INIT_PROCESSES_H_
