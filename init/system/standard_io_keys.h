// File: init/system/standard_io_keys.h
//
// The unit-file keys of a service's standard streams and terminal, as a
// UnitKey table for unit.cc's Parser, each with systemd's meaning (man
// systemd.exec, "Logging and Standard Input/Output"):
//
//   StandardInput=     null (default), tty, tty-force, tty-fail, file:PATH,
//                      socket (the one socket of socket activation); data
//                      and fd: are errors (faultinit passes no data or
//                      named descriptors)
//   StandardOutput=    journal (default), inherit, null, console, tty,
//   StandardError=     kmsg, syslog, journal+console, kmsg+console,
//                      syslog+console, socket, file:PATH, append:PATH;
//                      stderr's default inherit is "as StandardOutput=";
//                      stdout's inherit (its default with tty or socket
//                      input) is stdin's terminal or socket
//   TTYPath=           the terminal of tty input and output; default
//                      /dev/console
//   TTYReset=, TTYVHangup=, TTYVTDisallocate=
//                      booleans, done to TTYPath= before each command
//   SyslogIdentifier=  the name output lines carry (default: the unit's)
//   SyslogFacility=    kmsg and syslog lines' facility (default daemon)
//   SyslogLevel=       their level (default info)
//   SyslogLevelPrefix= a boolean; accepted, with a warning when set to yes
//                      (faultinit reads no "<N>" prefix)
//   IgnoreSIGPIPE=     a boolean, default yes: the commands start with
//                      SIGPIPE ignored
// Pure.

#ifndef FAULT_INIT_SYSTEM_STANDARD_IO_KEYS_H_
#define FAULT_INIT_SYSTEM_STANDARD_IO_KEYS_H_

#include "init/system/unit.h"
#include "init/system/unit_keys.h"

namespace faultinit {

UnitKeyTable StandardIoKeys();

// EffectiveStandardOutput: where stdout goes, after systemd's rule that
// with tty input an unset (or inherit) StandardOutput= is the terminal.
OutputTarget EffectiveStandardOutput(const Unit& unit);
// EffectiveStandardError: where stderr goes, inherit resolved to stdout's.
OutputTarget EffectiveStandardError(const Unit& unit);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_STANDARD_IO_KEYS_H_
