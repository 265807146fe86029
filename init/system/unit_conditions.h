// File: init/system/unit_conditions.h
//
// The Condition*= and Assert*= keys of [Unit] (condition.h), as a UnitKey
// table (unit_keys.h), and the value syntax they share with their
// evaluation (conditions.h).
//
// Parsing follows systemd's: a value may start with "|" (triggering) and
// then "!" (negated), each followed by optional spaces; an empty value
// resets every condition of its family (an empty Condition*= all
// Condition*=, an empty Assert*= all Assert*=), whatever its key. What
// systemd would only find false at run time is an error here when the
// value can never be valid (a relative path, a malformed number or
// boolean), and a warning when faultinit cannot tell it (an unknown
// capability, architecture, virtualization or security technology: the
// condition is then false, as in systemd). What faultinit decides
// differently from systemd gives a warning of the form
// "KEY: differs from systemd: ...".
//
// Pure; thread-safe.

#ifndef FAULT_INIT_SYSTEM_UNIT_CONDITIONS_H_
#define FAULT_INIT_SYSTEM_UNIT_CONDITIONS_H_

#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"
#include "init/system/unit_keys.h"

namespace faultinit {

// Every Condition*= and Assert*= key faultinit knows.
extern const UnitKeyTable kConditionKeys;

// ParseBoolean: systemd's booleans (1 yes y true t on / 0 no n false f
// off, any case); nullopt for anything else.
std::optional<bool> ParseConditionBoolean(absl::string_view value);

// Comparison: ConditionCPUs= and ConditionMemory=, "[OP]NUMBER" with OP
// one of < <= = != >= > (">=" when none, as systemd).
enum class Order {
  kLess,
  kLessOrEqual,
  kEqual,
  kNotEqual,
  kGreaterOrEqual,
  kGreater
};
struct Comparison {
  Order order = Order::kGreaterOrEqual;
  uint64_t value = 0;
};
// `size`: the number may carry a binary size suffix (K, M, G, T, P, E;
// 1024-based, with an optional fraction: "1.5G"), as systemd's parse_size.
std::optional<Comparison> ParseComparison(absl::string_view value, bool size);
bool Compare(uint64_t actual, const Comparison& comparison);

// CapabilityNumber: "CAP_SYS_ADMIN" (any case) -> 21; -1 when unknown.
int CapabilityNumber(absl::string_view name);

// The architecture names of systemd (x86-64, arm64, ...) and "native".
bool IsKnownArchitecture(absl::string_view name);

// The values ConditionVirtualization= knows besides booleans: "vm",
// "container", "private-users" and systemd's ids (kvm, qemu, docker...).
bool IsKnownVirtualization(absl::string_view name);
// Whether `id` (one of systemd's ids) is a virtual machine's; the others
// are containers'.
bool IsVirtualMachineId(absl::string_view id);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_UNIT_CONDITIONS_H_
