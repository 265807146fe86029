// File: init/supervisor/unit_job.h
//
// UnitJob: what the supervisor will do with one unit beside what its
// Service does, as one explicit state per entry (Supervisor::Entry::job)
// with its transitions in one table (kUnitJobTable, unit_job.cc), every
// state x event cell written out; unit_job_test.cc drives each.
//
// Design note. A Service's own lifecycle is its table (service.h); the
// supervisor keeps apart, as systemd keeps its jobs apart from the unit's
// state, what waits to be done with the unit: a queued start job, and a
// reload's pending work (the unit's file is gone: stop it, then forget
// it; its file changed: stop it, then give it the new definition). One
// state, not flags beside the Service, so that every combination that
// occurs is a row of the table:
//
//   state               meaning
//   none                nothing waits
//   start               a start job is queued: the supervisor delivers
//                       the Service's Start once what the unit is ordered
//                       after has settled and the unit is not stopping
//   forget              a reload found its file gone (or a transient
//                       unit's one run ended): stopped (a daemon-reload's
//                       is not); forgotten (the entry erased) once nothing
//                       of it runs
//   replace             a reload found its file changed: stopped; the new
//                       definition (held by the supervisor's reload record,
//                       Supervisor::replacements_, only while this state
//                       lasts) is swapped in once nothing of it runs, then
//                       started unless a stop was requested
//   replace-then-start  replace, and a start was requested meanwhile: the
//                       unit counts as queued for what is ordered after it
//                       and for its dependents until the swap
//
// A cell gives the next state and whether the unit is to be stopped now
// (`stop`: a reload's Stop of a unit that was not being stopped for it
// already). The supervisor acts on the cell (supervisor_registry.cc,
// supervisor_jobs.cc, supervisor_reconcile.cc) and sets the state only
// through the table (Supervisor::ApplyJob).
//
// Loop thread only (no state of its own).

#ifndef FAULT_INIT_SUPERVISOR_UNIT_JOB_H_
#define FAULT_INIT_SUPERVISOR_UNIT_JOB_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace faultinit {

enum class UnitJob : uint8_t {
  kNone,
  kStart,
  kForget,
  kReplace,
  kReplaceThenStart,
};
inline constexpr int kUnitJobs = 5;
absl::string_view UnitJobName(UnitJob job);

enum class UnitJobEvent : uint8_t {
  kStartRequested,  // a start job (a request, a pull-in, OnFailure=, ...)
  kStartCancelled,  // a stop, a conflict, BindsTo=, a broken Requires=
  kStartTaken,      // the queued start delivered to the Service
  kFileSame,        // reload: the unit's file (and its error) as loaded
  kFileChanged,     // reload: the file, or what the directory makes of it
  kFileGone,        // reload: no file for the unit
  kRunOver,         // a transient unit's one run ended
  kDown,            // nothing of the unit runs: the reload's work is done
  kShutdown,        // a shutdown began: nothing starts, no swap is made
  // daemon-reload (Supervisor::Redefine), which stops nothing: no file for
  // the unit (it is forgotten once down, not stopped for it); its file is
  // back while it is still up (it is kept).
  kFileGoneKept,
  kFileBack,
};
inline constexpr int kUnitJobEvents = 11;
absl::string_view UnitJobEventName(UnitJobEvent event);

// One cell: the next state, and whether to stop the unit now.
struct UnitJobCell {
  UnitJob next;
  bool stop;
};

// The cell of `job` x `event`.
UnitJobCell UnitJobTransition(UnitJob job, UnitJobEvent event);
inline UnitJob NextUnitJob(UnitJob job, UnitJobEvent event) {
  return UnitJobTransition(job, event).next;
}

// Whether a start is queued (start, replace-then-start): the unit counts
// as on its way up.
inline bool StartQueued(UnitJob job) {
  return job == UnitJob::kStart || job == UnitJob::kReplaceThenStart;
}
// Whether a reload waits for the unit to be down (forget, replace*).
inline bool ReloadWaits(UnitJob job) {
  return job == UnitJob::kForget || job == UnitJob::kReplace ||
         job == UnitJob::kReplaceThenStart;
}
inline bool Replacing(UnitJob job) {
  return job == UnitJob::kReplace || job == UnitJob::kReplaceThenStart;
}

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_UNIT_JOB_H_
