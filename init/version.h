// File: init/version.h
//
// The version faultinit and faultctl report with --version.

#ifndef FAULT_INIT_VERSION_H_
#define FAULT_INIT_VERSION_H_

namespace faultinit {

inline constexpr char kVersion[] = "0.1.0";

}  // namespace faultinit

#endif  // FAULT_INIT_VERSION_H_
