// File: init/system/service_keys.h
//
// The plain [Unit] and [Service] keys of a service (man systemd.unit,
// systemd.service, systemd.exec, systemd.kill), parsed as a UnitKey table
// (unit_keys.h): each applies its value to the unit alone. The keys that
// unit.cc's Parser checks against one another once the files are read
// (Type=, Restart=, ExecStart=, BusName=, NotificationFd=,
// TimeoutStartSec=...) stay in the Parser.
//
// [Unit]
//   Description=           what status shows
//   Documentation=         accepted; faultinit shows no documentation
//   After=, Before=, Requires=, Wants=
//                          unit names, each once (an empty value does
//                          not reset the list, as in systemd)
//   StartLimitIntervalSec=, StartLimitBurst=
//                          the start rate limit, default 10 s and 5
//                          (also as StartLimitInterval=, and in [Service],
//                          systemd's older names and places)
// [Service]
//   PIDFile=               a relative path is under /run
//   RestartSec=            default 100 ms
//   RestartSteps=, RestartMaxDelaySec=
//                          default 0 and infinity
//   TimeoutStopSec=        default 90 s; 0 is no limit
//   KillSignal=            default SIGTERM
//   User=, Group=          valid account names
//   WorkingDirectory=      an absolute path or "~"; "-" before it: a
//                          missing directory is not an error
//   EnvironmentFile=       absolute paths ("-": optional), in order
//   UMask=                 octal, default 0022
// An empty value resets the key to systemd's default unless said. Pure.

#ifndef FAULT_INIT_SYSTEM_SERVICE_KEYS_H_
#define FAULT_INIT_SYSTEM_SERVICE_KEYS_H_

#include "init/system/unit_keys.h"

namespace faultinit {

UnitKeyTable ServiceKeys();

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_SERVICE_KEYS_H_
