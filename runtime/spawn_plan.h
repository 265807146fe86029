// File: runtime/spawn_plan.h
//
// Internal to Spawn (spawn.h; not for other callers): the plan of one
// spawn, everything its child needs computed in the parent before the
// clone or fork, so that the child allocates nothing.
//
// Ownership: a Prepared points into the SpawnOptions it was made from
// (argv, environment) and into itself (listen_pid): it lives no longer
// than those options, and is used, not copied, by the child. Moving it
// keeps envp valid (listen_pid is longer than any small-string buffer).
//
// Parent side only: these functions allocate (not between fork and exec).

#ifndef FAULT_RUNTIME_SPAWN_PLAN_H_
#define FAULT_RUNTIME_SPAWN_PLAN_H_

#include <string>
#include <vector>

#include "runtime/spawn.h"

namespace fault {
namespace spawn_internal {

// Everything the child needs, prepared before fork.
struct Prepared {
  std::vector<std::string> candidates;  // paths to try, in order
  std::vector<char*> argv;
  // With SpawnOptions::environment: its entries (without LISTEN_PID= when
  // there are listen fds), then listen_pid, then null. Empty otherwise
  // (the child gets the parent's environ).
  std::vector<char*> envp;
  // listen_fds: "LISTEN_PID=" and room for the child's pid, which the
  // child writes after the name (RunChild) before exec; longer than any
  // small-string buffer, so envp's pointer survives a move of Prepared.
  std::string listen_pid;
};

// LookupPath: the PATH `options`' program is searched in: from
// `options.environment` when given, else the parent's; the default path
// where it has none.
std::string LookupPath(const SpawnOptions& options);

// Program: what is executed, `options.program` or else argv[0] (not
// empty: the caller checked).
const std::string& Program(const SpawnOptions& options);

// Prepare: the plan for `options` (argv[0] not empty). Never inlined into
// its caller: its locals would sit in the frame that forks, on PID 1's
// deepest path while it starts services (touched stack pages stay
// resident while it sleeps).
Prepared Prepare(const SpawnOptions& options);

}  // namespace spawn_internal
}  // namespace fault

#endif  // FAULT_RUNTIME_SPAWN_PLAN_H_
