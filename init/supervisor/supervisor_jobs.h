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

#include <memory>
#include <string>
#include <vector>

#include "init/supervisor/service.h"
#include "init/system/unit.h"

namespace faultinit {

struct EntryJobs {
  std::vector<std::string> wants;
  std::vector<std::string> binds_to;
  std::vector<std::string> part_of;
  std::vector<std::string> conflicts;
  std::vector<std::string> requisite;
  std::vector<std::string> on_failure;
  std::vector<std::string> on_success;
  std::vector<std::string> propagates_reload_to;
  std::vector<std::string> reload_propagated_from;
  UnitAction success_action = UnitAction::kNone;
  UnitAction failure_action = UnitAction::kNone;
  int success_action_exit_status = -1;  // -1: the main process's exit code
  int failure_action_exit_status = -1;
  bool refuse_manual_start = false;
  bool refuse_manual_stop = false;
  bool stop_when_unneeded = false;
  bool allow_isolate = false;      // AllowIsolate=
  bool ignore_on_isolate = false;  // IgnoreOnIsolate=
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
