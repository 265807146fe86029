// File: runtime/spawn_child_credentials.h
//
// Internal to Spawn (spawn.h; not for other callers): the child's
// resource limits, process attributes and credentials, applied between
// clone or fork and exec.
//
// Async-signal-safe (system calls only; what it needs was computed in the
// parent: SpawnOptions' vectors and the privileges' masks). A step that
// fails is reported through Fail (spawn_report.h), which exits the child:
// it does not return then.

#ifndef FAULT_RUNTIME_SPAWN_CHILD_CREDENTIALS_H_
#define FAULT_RUNTIME_SPAWN_CHILD_CREDENTIALS_H_

#include "runtime/spawn.h"

namespace fault {
namespace spawn_internal {

// ApplyLimitsAndCredentials, in this order, each only when `options` sets
// it: the resource limits (before the credentials, as systemd: root may
// raise a hard limit the new user could not; SpawnStage::kResourceLimits
// naming the limit), the process attributes (one stage each), the
// supplementary groups and the group (kCredentials), then the user with
// the privileges around it (privileges.h has the order and why; one stage
// per PrivilegeStep, kCredentials for setuid itself). Failures go to
// `report_fd` as Fail says.
void ApplyLimitsAndCredentials(const SpawnOptions& options, int report_fd);

}  // namespace spawn_internal
}  // namespace fault

#endif  // FAULT_RUNTIME_SPAWN_CHILD_CREDENTIALS_H_
