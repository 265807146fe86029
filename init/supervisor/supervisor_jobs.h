// File: init/supervisor/supervisor_jobs.h
//
// Internal to the Supervisor (supervisor.h), included by supervisor_entry.h:
// what an entry keeps of its unit's dependencies besides After=, Before= and
// Requires= (Wants= and Unit::jobs: BindsTo=, PartOf=, Conflicts=,
// Requisite=, OnFailure=, OnSuccess=, the reload propagation, the refusal
// of manual requests, SuccessAction=/FailureAction=, StopWhenUnneeded=).
// What the supervisor does with them is supervisor_jobs.cc's (its top
// comment). Values; loop thread only.

#ifndef FAULT_INIT_SUPERVISOR_SUPERVISOR_JOBS_H_
#define FAULT_INIT_SUPERVISOR_SUPERVISOR_JOBS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "init/supervisor/service.h"
#include "init/system/unit.h"

namespace faultinit {

// EntryJobs keeps the names of its nine lists in one vector, each list's
// after the one before (one block for all of them, none for an empty
// list), and gives each list as a span of it.
struct EntryJobs {
  enum List {
    kWants,
    kBindsTo,
    kPartOf,
    kConflicts,
    kRequisite,
    kOnFailure,
    kOnSuccess,
    kPropagatesReloadTo,
    kReloadPropagatedFrom,
    kListCount
  };

  absl::Span<const std::string> wants() const { return Names(kWants); }
  absl::Span<const std::string> binds_to() const { return Names(kBindsTo); }
  absl::Span<const std::string> part_of() const { return Names(kPartOf); }
  absl::Span<const std::string> conflicts() const { return Names(kConflicts); }
  absl::Span<const std::string> requisite() const { return Names(kRequisite); }
  absl::Span<const std::string> on_failure() const { return Names(kOnFailure); }
  absl::Span<const std::string> on_success() const { return Names(kOnSuccess); }
  absl::Span<const std::string> propagates_reload_to() const {
    return Names(kPropagatesReloadTo);
  }
  absl::Span<const std::string> reload_propagated_from() const {
    return Names(kReloadPropagatedFrom);
  }
  absl::Span<const std::string> Names(List list) const {
    const uint32_t begin = list == 0 ? 0 : ends_[list - 1];
    return absl::MakeConstSpan(names_).subspan(begin, ends_[list] - begin);
  }
  // SetNames: the names of `lists[i]` become list i (replacing all).
  void SetNames(const std::vector<Dependency>* const (&lists)[kListCount]);

  UnitAction success_action = UnitAction::kNone;
  UnitAction failure_action = UnitAction::kNone;
  int success_action_exit_status = -1;  // -1: the main process's exit code
  int failure_action_exit_status = -1;
  bool refuse_manual_start = false;
  bool refuse_manual_stop = false;
  bool stop_when_unneeded = false;
  bool allow_isolate = false;      // AllowIsolate=
  bool ignore_on_isolate = false;  // IgnoreOnIsolate=

 private:
  std::vector<std::string> names_;
  // Where each list ends in names_.
  uint32_t ends_[kListCount] = {};
};

// JobsOf: `unit`'s, or null when it has none of them (most units: PID 1
// keeps an entry per service, and a null pointer is all it costs them).
std::unique_ptr<const EntryJobs> JobsOf(const Unit& unit);

// UnitActionRequest: a SuccessAction= or FailureAction= that fired, for
// the system mode to perform (Supervisor::TakeAction).
struct UnitActionRequest {
  UnitAction action = UnitAction::kNone;
  int exit_status = 0;  // for exit and exit-force
  std::string unit;     // which unit's, and why, for the log
  std::string why;      // "succeeded" or "failed"
};

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_SUPERVISOR_JOBS_H_
