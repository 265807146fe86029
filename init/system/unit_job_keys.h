// File: init/system/unit_job_keys.h
//
// The [Unit] keys about jobs across units (Unit::jobs), as a UnitKey table
// for unit.cc's Parser, each with systemd's meaning (systemd.unit(5)); what
// the supervisor does with them is in supervisor_jobs.cc:
//
//   BindsTo=, PartOf=, Conflicts=, Requisite=, OnFailure=, OnSuccess=,
//   PropagatesReloadTo=, ReloadPropagatedFrom=
//                         unit names, as Requires= takes them (".service"
//                         optional); assignments add up, an empty one does
//                         not reset the list (as systemd)
//   RefuseManualStart=, RefuseManualStop=, StopWhenUnneeded=  booleans
//   OnFailureJobMode=     replace (the default) or fail; systemd's other
//                         modes are accepted with a warning and run as
//                         replace
//   SuccessAction=, FailureAction=  none, exit, exit-force, reboot,
//                         reboot-force, reboot-immediate, poweroff,
//                         poweroff-force, poweroff-immediate, halt,
//                         halt-force, halt-immediate; a -force or
//                         -immediate form warns that faultinit performs
//                         the plain form (services are stopped in order)
//   SuccessActionExitStatus=, FailureActionExitStatus=  0 to 255; empty:
//                         the main process's exit code
//   JobTimeoutSec=, JobRunningTimeoutSec=  a duration, accepted with a
//                         warning: faultinit has no job timeout
//   JobTimeoutAction=     an action word as SuccessAction=, accepted with
//                         a warning: it never runs
//
// Pure.

#ifndef FAULT_INIT_SYSTEM_UNIT_JOB_KEYS_H_
#define FAULT_INIT_SYSTEM_UNIT_JOB_KEYS_H_

#include "absl/strings/string_view.h"
#include "init/system/unit.h"
#include "init/system/unit_keys.h"

namespace faultinit {

UnitKeyTable UnitJobKeys();

// The key's word for `action` ("poweroff-force").
absl::string_view UnitActionName(UnitAction action);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_UNIT_JOB_KEYS_H_
