// File: init/system/condition.h
//
// Condition: one Condition*= or Assert*= setting of a unit ([Unit]), as
// systemd's man systemd.unit ("Conditions and Asserts") defines them. The
// model only: unit_conditions.h parses them (a UnitKey table), and
// conditions.h evaluates them against a view of the machine when a start
// is about to begin.
//
// Thread safety: values; the functions are pure.

#ifndef FAULT_INIT_SYSTEM_CONDITION_H_
#define FAULT_INIT_SYSTEM_CONDITION_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace faultinit {

// What a condition tests; its key is "Condition" or "Assert" and the
// name ConditionKindName returns.
enum class ConditionKind : uint8_t {
  kPathExists,
  kPathExistsGlob,
  kPathIsDirectory,
  kPathIsSymbolicLink,
  kPathIsMountPoint,
  kPathIsReadWrite,
  kDirectoryNotEmpty,
  kFileNotEmpty,
  kFileIsExecutable,
  kKernelCommandLine,
  kVirtualization,
  kCapability,
  kSecurity,
  kACPower,
  kFirstBoot,
  kNeedsUpdate,
  kCPUs,
  kMemory,
  kHost,
  kArchitecture,
  kEnvironment,
};
inline constexpr int kConditionKinds = 21;

// "PathExists" for kPathExists, and so on: the key without its prefix.
absl::string_view ConditionKindName(ConditionKind kind);

struct Condition {
  ConditionKind kind = ConditionKind::kPathExists;
  bool assertion = false;  // Assert*=: a failure fails the start
  bool trigger = false;    // "|": one of the triggering ones must hold
  bool negate = false;     // "!": holds when the test is false
  std::string parameter;   // with specifiers resolved, prefixes removed

  // The setting as a unit file writes it, with its prefixes:
  // "ConditionPathExists=|!/etc/foo".
  std::string ToString() const;
};

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_CONDITION_H_
