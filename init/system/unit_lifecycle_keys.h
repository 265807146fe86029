// File: init/system/unit_lifecycle_keys.h
//
// The [Service] keys of a service's lifecycle beyond ExecStart=/ExecStop=
// (man systemd.service, systemd.kill), parsed as a UnitKey table
// (unit_keys.h):
//   ExecStartPost=    commands run once the main process is ready; a
//                     failure (without "-") fails the start
//   ExecReload=       commands `faultctl reload NAME` runs ($MAINPID set)
//   ExecStopPost=     commands run after the service stopped, also after a
//                     failed start or a crash; a failure is only logged
//   RemainAfterExit=  the service stays active (exited) once its processes
//                     have ended successfully
//   SendSIGHUP=       SIGHUP right after the kill signal
//   SendSIGKILL=      "no": no SIGKILL (nor FinalKillSignal=) at
//                     TimeoutStopSec=
//   FinalKillSignal=  the signal sent instead of SIGKILL
//   RestartKillSignal= the kill signal of a stop for a restart
// An empty value resets the key to systemd's default. Pure.

#ifndef FAULT_INIT_SYSTEM_UNIT_LIFECYCLE_KEYS_H_
#define FAULT_INIT_SYSTEM_UNIT_LIFECYCLE_KEYS_H_

#include "init/system/unit_keys.h"

namespace faultinit {

extern const UnitKeyTable kLifecycleKeys;

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_UNIT_LIFECYCLE_KEYS_H_
