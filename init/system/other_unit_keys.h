// File: init/system/other_unit_keys.h
//
// The keys of a service about units of other types, as a UnitKey table
// (unit_keys.h) kUnitKeyTables includes; each with systemd's meaning
// (systemd.service(5), systemd.unit(5)):
//
//   Sockets=            [Service] socket units ("x.socket") whose listening
//                       sockets the main process gets, besides those that
//                       name the service (Service=, or the same name): each
//                       is also a Wants= and an After= of the service
//                       (Unit::sockets, wanted, after). A word that is not
//                       a socket unit's name is a warning, ignored; an
//                       empty value changes nothing (as systemd).
//   NonBlocking=        [Service] a boolean, default no: O_NONBLOCK on the
//                       sockets the main process gets, set or cleared at
//                       each start (Unit::non_blocking).
//   RequiresMountsFor=  [Unit] absolute paths. systemd makes them Requires=
//                       and After= of the mount units of each path and its
//                       prefixes; faultinit has no mount units: the fstab
//                       step mounts /etc/fstab's local file systems before
//                       any unit starts, which is what such a unit needs
//                       on a board, and mounts nothing else for it. Each
//                       line is a warning saying so (differs from systemd);
//                       a path that is not absolute is a warning, ignored.
//
// Thread safety: pure; thread-safe, not async-signal-safe.

#ifndef FAULT_INIT_SYSTEM_OTHER_UNIT_KEYS_H_
#define FAULT_INIT_SYSTEM_OTHER_UNIT_KEYS_H_

#include "init/system/unit_keys.h"

namespace faultinit {

UnitKeyTable OtherUnitKeys();

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_OTHER_UNIT_KEYS_H_
