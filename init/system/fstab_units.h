// File: init/system/fstab_units.h
//
// The units systemd-fstab-generator(8) makes of /etc/fstab's remote file
// systems (`_netdev`, or a network type: fstab.h's FstabEntry::remote), as
// faultinit runs them: it has no .mount units, so each is a oneshot service
// that runs mount(8) and, when stopped, umount(8), ordered as systemd
// orders a network mount unit (systemd.mount(5), "Default Dependencies"):
//
//   std::vector<GeneratedUnit> units = RemoteMountUnits("/etc/fstab", fstab);
//   units[0].name;  // "remote-mount-mnt-nfs.service"
//
//   - After= and Wants= network-online.target, After= network.target and
//     remote-fs-pre.target, Before= remote-fs.target (not with `nofail`),
//     Conflicts= and Before= shutdown.target (systemd: umount.target), and
//     DefaultDependencies=no: mounted once the network is online, before
//     remote-fs.target is reached; unmounted at shutdown before the
//     network goes down;
//   - remote-fs.target requires each one (GeneratedUnit::required), so a
//     failed mount fails the target's start, or, with `nofail`, wants it
//     and does not wait for it (systemd.mount(5));
//   - ExecStart=/bin/mount [-t TYPE] [-o OPTIONS] SOURCE MOUNT-POINT,
//     OPTIONS as written (mount(8) passes over _netdev, nofail, x-*);
//     ExecStop=/bin/umount MOUNT-POINT; each word as the fstab has it
//     (quoted, no specifier or variable read in it);
//   - `noauto` entries get none (nothing pulls them in, as in systemd).
//
// The name is `remote-mount-` and the mount point escaped as systemd
// escapes a path for a unit name (unit_name.h's EscapeUnitNamePath): the
// mount unit systemd would make is `mnt-nfs.mount`. The text names the
// fstab line in Description=.
//
// Thread safety: pure; thread-safe, not async-signal-safe.

#ifndef FAULT_INIT_SYSTEM_FSTAB_UNITS_H_
#define FAULT_INIT_SYSTEM_FSTAB_UNITS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "init/system/fstab.h"
#include "init/system/unit_template.h"

namespace faultinit {

// The path of the mount(8) and umount(8) the units run.
inline constexpr char kMountProgram[] = "/bin/mount";
inline constexpr char kUmountProgram[] = "/bin/umount";

// RemoteMountUnitName: the name of the unit mounting `where`.
std::string RemoteMountUnitName(absl::string_view where);

std::vector<GeneratedUnit> RemoteMountUnits(absl::string_view fstab_path,
                                            const Fstab& fstab);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_FSTAB_UNITS_H_
