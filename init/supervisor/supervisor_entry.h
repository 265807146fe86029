// File: init/supervisor/supervisor_entry.h
//
// Internal to the Supervisor (supervisor.h); included only by its source
// files, one per concern:
//   supervisor.cc            construction, Begin, timers, state changes,
//                            operator requests and status rows
//   supervisor_registry.cc   the entries: Load, Reload and the swap of a
//                            reloaded unit's definition (ApplyReplacements)
//   supervisor_reconcile.cc  ordering (After=/Before=), Requires=, the
//                            shutdown order: Reconcile
//   supervisor_processes.cc  a service's processes: StartStep (the world's
//                            inputs for exec_context.h, spawn, exit watch,
//                            exec report),
//                            Signal, MainPidOf (Type=forking), exits and
//                            orphans, sessions
//   supervisor_io.cc         journal output, sd_notify datagrams and the
//                            NotificationFd= pipe
//   supervisor_jobs.cc       jobs across units: pull-in (Requires=, Wants=,
//                            BindsTo=), stop and restart propagation,
//                            Conflicts=, Requisite=, OnFailure=/OnSuccess=,
//                            RefuseManual*=, Success/FailureAction=
//   unit_directories.cc      RuntimeDirectory= and its family, made by
//                            StartStep, removed by StateChanged
//
// Entry: what the Supervisor keeps of one unit. It is in entries_ from
// before its Service exists (Add) until after its last event:
// ApplyReplacements erases only an entry with nothing running (no pid, so
// no exit watch, no exec report), its timer and fd watches cancelled.
// Every callback the supervisor registers (timer, exit watch, fd watch) names
// its entry by unit name and finds it in entries_ again when it runs; an
// exec report's watch names its pid, found in the entries' `execs`.
//
// Loop thread only.

#ifndef FAULT_INIT_SUPERVISOR_SUPERVISOR_ENTRY_H_
#define FAULT_INIT_SUPERVISOR_SUPERVISOR_ENTRY_H_

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"
#include "init/supervisor/pid_set.h"
#include "init/supervisor/service.h"
#include "init/supervisor/service_settings.h"
#include "init/supervisor/supervisor.h"
#include "init/supervisor/supervisor_jobs.h"
#include "init/supervisor/supervisor_world.h"
#include "init/support/output_log.h"
#include "init/system/unit.h"
#include "runtime/fd.h"
#include "runtime/scheduler.h"

namespace faultinit {

// How much of one service's output is read per loop wake-up: a service
// that floods its output cannot keep PID 1 from everything else.
inline constexpr size_t kOutputBudget = 64 * 1024;

// How many queued starts may be waiting for their exec reports at once:
// each holds a descriptor (its report pipe) until the child has exec'd, and
// a wave of thousands of services must leave PID 1 descriptors for output
// pipes, pidfds and faultctl's connections.
inline constexpr size_t kMaxPendingExecs = 32;

inline bool Down(ServiceState state) {
  return state == ServiceState::kInactive || state == ServiceState::kFailed;
}

// SourceFingerprint: what tells a unit file's text from another's.
struct SourceFingerprint {
  size_t size = 0;
  size_t hash = 0;

  static SourceFingerprint Of(absl::string_view text) {
    return {text.size(), absl::Hash<absl::string_view>{}(text)};
  }
  friend bool operator==(const SourceFingerprint& a,
                         const SourceFingerprint& b) {
    return a.size == b.size && a.hash == b.hash;
  }
};

// DeclaredOrder: the units a unit names in After= and Before=.
struct DeclaredOrder {
  std::vector<std::string> after;
  std::vector<std::string> before;
};

// A spawned process's exec report, watched on the loop until read
// (Supervisor::OnExecReport), and what its "started" line names.
struct Supervisor::PendingExec {
  fault::StartedSpawn spawn;
  fault::Scheduler::WatchId watch = 0;
  StepKind kind = StepKind::kMain;
};

struct Supervisor::Entry {
  // What the running service needs of its unit (Configure makes it): not a
  // copy of the Unit, which is needed only while loading.
  ServiceSettings settings;
  std::unique_ptr<Service> service;  // its name is the unit's
  // The unit's After= and Before=, for LinkOrdering to make `after` of;
  // null when it has neither (a pointer: most units have none).
  std::unique_ptr<const DeclaredOrder> declared;
  std::vector<std::string> after;     // After=, and Before= of others
  std::vector<std::string> required;  // Requires=
  // Wants=, BindsTo=, PartOf=... (supervisor_jobs.h); null when none.
  std::unique_ptr<const EntryJobs> jobs;
  std::string load_error;
  // The unit file's text, to see changes on reload: its size and hash, not
  // a copy (PID 1 would keep every file twice; a 64-bit hash and the size
  // both matching by chance is a 2^-64 event).
  SourceFingerprint source;
  bool removed = false;  // reload: stop, then forget
  // A stop was requested (faultctl stop) and no start since: a reload gives
  // the unit its new definition but does not start it (docs/units.md).
  bool stop_requested = false;
  bool pending_start = false;  // beside the other flags: no padding
  // Reload: stop, then swap in. A pointer: a ParsedUnit is large, and is
  // held only while a reload waits for the old processes to go.
  std::unique_ptr<ParsedUnit> replacement;
  // Processes spawned (or taken from the PID file) and not yet reaped, each
  // with its exit watch (SupervisorWorld::WatchExit): the one way their
  // exits reach the supervisor.
  PidMap<SupervisorWorld::WatchId> pids;
  PidSet groups;  // their process groups (each step a session)
  // Their sessions: each step's (its pid), and a PID file's daemon's. A
  // process in one of them belongs to the service even in a group of its
  // own (setpgid, as a job-control shell does); one that called setsid()
  // itself has left (docs/units.md, KillMode=). An id is dropped once no
  // process is in the session (PruneSessions): it may then be reused.
  PidSet sessions;
  // Spawned processes whose exec report is not read yet (issue #26: a
  // start wave forks without waiting for each exec). Each is in `pids`
  // too, and leaves this list no later than its exit is handled.
  std::vector<PendingExec> execs;
  fault::Scheduler::WatchId timer = 0;
  // Journal output: the pipe's read end, while a process may write to it
  // (supervisor_io.cc); the write end only where /proc cannot reopen it.
  std::optional<OutputReader> output;
  fault::UniqueFd output_write;
  fault::Scheduler::WatchId output_watch = 0;
  LineRing ring;
  std::string status_text;
  // NotificationFd=: set while the main process's pipe is read. A pointer:
  // PID 1 keeps an entry per service, and few services use it.
  std::unique_ptr<NotificationPipe> notification;
};

// The read end of a main process's notification pipe (the child holds the
// write end as its descriptor N), its watch, and a line not ended yet.
struct Supervisor::NotificationPipe {
  fault::UniqueFd fd;
  fault::Scheduler::WatchId watch = 0;
  std::string line;
};

// OpenOutputTarget opens the descriptor of StandardOutput= or
// StandardError= (`key`), or returns an empty one to keep faultinit's own
// (journal, inherit). Never waits (OpenOutputFile): a FIFO with no reader
// fails the start, naming the path. In supervisor_io.cc.
fault::StatusOr<fault::UniqueFd> OpenOutputTarget(const OutputTarget& target,
                                                  absl::string_view key);

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_SUPERVISOR_ENTRY_H_
