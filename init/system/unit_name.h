// File: init/system/unit_name.h
//
// Whether a unit file's name is the name of a service faultinit can run,
// by systemd's rules (unit_name_is_valid, src/basic/unit-name.c). The
// name comes from a directory entry, which anyone who can write the
// directory controls: it reaches the log, `faultctl status` and
// `--check`, so a name systemd would refuse is refused before the file is
// read (LoadUnitDirectory), with the reason.
//
//   std::string why = UnitFileNameProblem("web.service");  // "": valid
//
// Threading: pure function; thread-safe. Not async-signal-safe
// (allocation).

#ifndef FAULT_INIT_SYSTEM_UNIT_NAME_H_
#define FAULT_INIT_SYSTEM_UNIT_NAME_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace faultinit {

// kMaxUnitNameLength: systemd's UNIT_NAME_MAX (256) less its NUL.
inline constexpr size_t kMaxUnitNameLength = 255;

// UnitFileNameProblem returns why `file_name`, a unit file's name with its
// suffix and without its directory ("web.service"), is not a valid name of
// a service faultinit can run, or "" when it is. systemd's rules: 1 to 255
// bytes; a suffix after the last '.' naming a unit type, here "service"
// (faultinit has no other); a non-empty prefix before it; before the
// suffix only A-Z a-z 0-9 ':' '_' '.' '\' '-' and '@', with the first '@'
// not the first byte. A name with nothing between its first '@' and the
// suffix ("getty@.service") is a template: a valid name in systemd, but
// not a unit that runs (faultinit has no instances of templates), so it is
// refused too. The reason is one printable line: a byte it quotes is shown
// as \xNN.
std::string UnitFileNameProblem(absl::string_view file_name);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_UNIT_NAME_H_
