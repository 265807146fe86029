// File: init/supervisor/unit_directories.h
//
// RuntimeDirectory=, StateDirectory=, CacheDirectory=, LogsDirectory= and
// ConfigurationDirectory= at run time, as systemd has them (man
// systemd.exec): made before each of the service's commands runs (systemd
// makes them for every Exec*= line, so a directory removed meanwhile is
// there again), owned by User=/Group= (root without them) and given their
// *DirectoryMode=, except ConfigurationDirectory=, which stays root's and,
// when it is there already, as it is; the runtime directories removed when
// the service goes down, as RuntimeDirectoryPreserve= says. The file
// operations, which never follow a link the service planted, are
// init/support/service_directories.h's.
//
// Loop thread; allocates.

#ifndef FAULT_INIT_SUPERVISOR_UNIT_DIRECTORIES_H_
#define FAULT_INIT_SUPERVISOR_UNIT_DIRECTORIES_H_

#include "init/support/accounts.h"
#include "init/system/exec_directories.h"
#include "runtime/status.h"

namespace faultinit {

// MakeUnitDirectories makes every directory of `dirs`, in order, for a
// service running as `credentials` (null: root). Stops at the first
// failure and returns it ("RuntimeDirectory=: unable to create /run/x:
// ..."): the step does not run.
fault::Status MakeUnitDirectories(const ExecDirectories& dirs,
                                  const Credentials* credentials);

// RemoveRuntimeDirectories removes the RuntimeDirectory= ones when the
// service has gone down (`restarting`: it is about to be started again by
// Restart=): always with RuntimeDirectoryPreserve=no, only when not
// restarting with =restart, never with =yes. Goes on after a failure and
// returns the first.
fault::Status RemoveRuntimeDirectories(const ExecDirectories& dirs,
                                       bool restarting);

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_UNIT_DIRECTORIES_H_
