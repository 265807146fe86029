// File: init/system/fstab.h
//
// /etc/fstab as systemd reads it (fstab(5), systemd.mount(5),
// systemd-fstab-generator(8)): the entries system mode mounts before any
// unit starts (init/supervisor/fstab_step.h), parsed into what mount(2) and
// swapon(2) take.
//
//   Fstab fstab = ParseFstab("/etc/fstab", text);
//   for (const FstabEntry& e : fstab.entries) ...  // in file order
//   fstab.diagnostics;  // "/etc/fstab:3: error: ..." and warnings
//
//   - a line is `SOURCE MOUNT-POINT TYPE [OPTIONS [DUMP [PASS]]]`, fields
//     separated by blanks; `#` starts a comment line; blank lines are
//     skipped; in every field `\NNN` (three octal digits: `\040` a space,
//     `\011` a tab, `\134` a backslash) is that byte;
//   - SOURCE `UUID=`, `LABEL=`, `PARTUUID=`, `PARTLABEL=`, `ID=` name the
//     links udev makes under /dev/disk/by-uuid/, by-label/, by-partuuid/,
//     by-partlabel/, by-id/ (the value may be quoted; `/` and blanks in it
//     are escaped as udev escapes them: `\x2f`, `\x20`);
//   - OPTIONS (comma-separated; empty or `defaults`: none) are split into
//     the mount(2) flags they set or clear (ro, rw, nosuid, nodev, noexec,
//     sync, dirsync, mand, noatime, nodiratime, relatime, strictatime,
//     lazytime, silent, iversion, nosymfollow, bind, rbind and their
//     opposites), the options of systemd and util-linux that mount(2) never
//     sees (auto, noauto, nofail, user, users, owner, group, nouser,
//     _netdev, comment=, x-*), and the rest, the file system's data
//     (`size=64m,mode=0755`);
//   - `x-systemd.device-timeout=` (a time span; a plain number is seconds)
//     bounds the wait for SOURCE's device (default 90s, systemd's
//     DefaultDeviceTimeoutSec=); every other `x-systemd.*` option is
//     ignored, with a warning naming it (FstabEntry::ignored);
//   - remote file systems (`_netdev`, or a network type: nfs, nfs4, cifs,
//     smb3, ceph, glusterfs, sshfs, davfs, ...) are FstabEntry::remote:
//     systemd mounts them after network-online.target (remote-fs.target);
//     the step skips them, and in the layout fstab_units.h's services
//     mount them;
//   - TYPE `swap` is a swap area (MOUNT-POINT `none` or `swap`): `pri=N`
//     and `discard` become swapon(2) flags;
//   - a line with fewer than three fields, more than six, a MOUNT-POINT
//     that is not absolute, a DUMP or PASS that is not a number, or an
//     x-systemd.device-timeout= that is not a time span is an error
//     naming the file, line and value; that entry is left out, the others
//     are kept.
//
// Thread safety: pure functions; thread-safe, not async-signal-safe.

#ifndef FAULT_INIT_SYSTEM_FSTAB_H_
#define FAULT_INIT_SYSTEM_FSTAB_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "init/system/unit.h"
#include "runtime/duration.h"

namespace faultinit {

// The path systemd reads; `faultinit --fstab PATH` overrides it.
inline constexpr char kDefaultFstabPath[] = "/etc/fstab";

// systemd's DefaultDeviceTimeoutSec= (DefaultTimeoutStartSec=).
inline constexpr fault::Duration kDefaultDeviceTimeout = fault::Seconds(90);

// MountOptions: an OPTIONS field split for mount(2).
struct MountOptions {
  unsigned long flags = 0;  // MS_* flags set (MS_RDONLY, MS_NOSUID, ...)
  std::string data;         // what the file system reads, comma-separated
  bool noauto = false;
  bool nofail = false;
  bool netdev = false;  // _netdev
  fault::Duration device_timeout = kDefaultDeviceTimeout;
  std::vector<std::string> ignored;  // x-systemd.* options not applied
  // swap only: swapon(2)'s flags from pri= and discard.
  int swap_flags = 0;
};

// FstabEntry: one line of the file.
struct FstabEntry {
  int line = 0;
  std::string spec;   // SOURCE as written (escapes decoded)
  std::string what;   // SOURCE, a tag resolved to its /dev/disk/by-* link
  std::string where;  // MOUNT-POINT (escapes decoded; trailing / removed)
  std::string type;   // TYPE
  std::string options_text;  // OPTIONS as written
  MountOptions options;
  bool swap = false;
  bool remote = false;  // _netdev or a network file system type

  // Whether `what` is a device node the kernel or udev makes (under
  // /dev/), whose appearance the step waits for.
  bool IsDevice() const;
};

struct Fstab {
  std::vector<FstabEntry> entries;  // in file order
  std::vector<Diagnostic> diagnostics;
};

// ParseFstab parses `text`, the contents of `path` (`path` only names the
// file in diagnostics).
Fstab ParseFstab(absl::string_view path, absl::string_view text);

// ParseMountOptions splits an OPTIONS field; `problem` gets an error's
// message (the entry is then unusable) and stays empty otherwise.
MountOptions ParseMountOptions(absl::string_view text, std::string* problem);

// UnescapeFstabField decodes `\NNN` octal escapes; other backslashes stay.
std::string UnescapeFstabField(absl::string_view field);

// ResolveFstabSource turns a tag (`UUID=...`) into its /dev/disk/by-* path;
// anything else is returned as it is.
std::string ResolveFstabSource(absl::string_view spec);

// IsNetworkFilesystem: a type systemd takes for a network file system.
bool IsNetworkFilesystem(absl::string_view type);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_FSTAB_H_
