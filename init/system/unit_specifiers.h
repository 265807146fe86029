// File: init/system/unit_specifiers.h
//
// ResolveSpecifiers: the "%x" specifiers of a unit-file value, with the
// values systemd's system manager gives them (man systemd.unit,
// "Specifiers"), replaced as the unit is loaded:
//
//   %%  a literal %            %n  NAME.service        %N  NAME
//   %p  NAME up to the "@"     %P  %p unescaped        %i  the instance
//   %I  %i unescaped           %j  %p after its last "-"; %J unescaped
//   %f  "/" + the instance (or the prefix) unescaped as a path
//   %y  the unit file's path   %Y  its directory
//   %t  /run   %S /var/lib   %C /var/cache   %L /var/log   %E /etc
//   %D  /usr/share
//   %T  /tmp, %V /var/tmp; either is the manager's $TMPDIR, else $TEMP,
//       else $TMP, when that is an absolute, normalized path to a directory
//       (systemd's tmp_dir and var_tmp_dir)
//   %u  root   %U 0   %g root   %G 0   %h /root   %s /bin/sh: the user
//       and group of the system manager, whatever User= says (systemd's
//       rule)
//   %H  the host name          %l  its first label     %q  the pretty host
//       name (/etc/machine-info's PRETTY_HOSTNAME, else %H)
//   %m  the machine ID (/etc/machine-id)  %b  the boot ID  %v  uname's
//       kernel release  %a  the architecture (systemd's name, from uname)
//   %o %w %B %W %M %A  os-release's ID, VERSION_ID, BUILD_ID,
//       VARIANT_ID, IMAGE_ID, IMAGE_VERSION (empty when unset)
//
// "Unescaped" is systemd's unit-name unescaping: "\xNN" is the byte NN and
// "-" is "/". %d (credentials) is an error: faultinit passes no
// credentials; so is any other letter, rather than a value that silently
// differs from systemd's. What the machine tells (%H, %m, %b, %v, %a,
// os-release) is read when a value uses it, through a SpecifierHost.
//
// Thread-compatible; reads files only through the host.

#ifndef FAULT_INIT_SYSTEM_UNIT_SPECIFIERS_H_
#define FAULT_INIT_SYSTEM_UNIT_SPECIFIERS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "runtime/status.h"

namespace faultinit {

// SpecifierHost: what the machine-dependent specifiers read.
class SpecifierHost {
 public:
  virtual ~SpecifierHost() = default;
  // A small file's contents (at most 64 KiB), or its error.
  virtual fault::StatusOr<std::string> ReadFile(const std::string& path) = 0;
  // uname(2)'s nodename, release and machine.
  virtual std::string HostName() = 0;
  virtual std::string KernelRelease() = 0;
  virtual std::string Machine() = 0;
  // The manager's environment variable `name` (nullptr when unset) and
  // whether `path` is a directory (following links): %T and %V.
  virtual const char* GetEnv(const char* name) = 0;
  virtual bool IsDirectory(const std::string& path) = 0;
};

// The real machine. Stateless; lives for the program.
SpecifierHost& SystemSpecifierHost();

// The unit a value belongs to: `name` without ".service", and the file it
// was read from.
struct SpecifierUnit {
  absl::string_view name;
  absl::string_view path;
};

// Errors: InvalidArgument naming the specifier and the value (an unknown
// or unsupported one, a lone "%" at the end, a machine fact that cannot be
// read: "%m: unable to read /etc/machine-id").
fault::StatusOr<std::string> ResolveSpecifiers(absl::string_view value,
                                               const SpecifierUnit& unit,
                                               SpecifierHost& host);

// systemd's unit_name_unescape: "\xNN" is the byte NN, "-" is "/".
// InvalidArgument on a "\" not followed by "x" and two hex digits.
fault::StatusOr<std::string> UnescapeUnitName(absl::string_view escaped);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_UNIT_SPECIFIERS_H_
