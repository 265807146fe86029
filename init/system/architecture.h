// File: init/system/architecture.h
//
// systemd's architecture names ("x86-64", "arm64", "arm"...), as
// ConditionArchitecture= and the %a specifier use them. Pure.

#ifndef FAULT_INIT_SYSTEM_ARCHITECTURE_H_
#define FAULT_INIT_SYSTEM_ARCHITECTURE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace faultinit {

// The architecture faultinit was built for: systemd's native_architecture;
// empty for one systemd has no name for.
absl::string_view NativeArchitecture();

// systemd's uname_architecture: uname(2)'s machine ("aarch64", "armv7l")
// by systemd's name ("arm64", "arm"); an unknown machine as it is.
std::string UnameArchitecture(absl::string_view machine);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_ARCHITECTURE_H_
