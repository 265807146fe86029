// File: init/system/main_process_keys.h
//
// The unit-file keys that say which process is a service's main one and
// whom it believes about it, as a UnitKey table for unit.cc's Parser, with
// systemd's meaning (man systemd.service):
//
//   NotifyAccess=  none, main, exec, all: whose sd_notify datagrams count
//                  (by the sender's pid, SCM_CREDENTIALS). Default: main
//                  for Type=notify, none for the other types
//   GuessMainPID=  a boolean, default yes. faultinit never guesses: a
//                  Type=forking service needs PIDFile= (an error at start
//                  without it, docs/units.md), so the key changes nothing
// Pure.

#ifndef FAULT_INIT_SYSTEM_MAIN_PROCESS_KEYS_H_
#define FAULT_INIT_SYSTEM_MAIN_PROCESS_KEYS_H_

#include "init/system/unit.h"
#include "init/system/unit_keys.h"

namespace faultinit {

UnitKeyTable MainProcessKeys();

// EffectiveNotifyAccess: NotifyAccess= with systemd's default resolved
// (main for Type=notify, none otherwise).
NotifyAccess EffectiveNotifyAccess(NotifyAccess access, ServiceType type);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_MAIN_PROCESS_KEYS_H_
