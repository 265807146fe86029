// File: init/system/unit_keys.h
//
// UnitKey: a unit-file key whose handler lives outside unit.cc's Parser.
// A concern with many keys of its own (resource limits, conditions, the
// process's scheduling attributes...) keeps them in a file of its own as a
// table of UnitKey, and unit.cc's Parser consults those tables
// (kUnitKeyTables in unit.cc, one line per table) after its own keys.
//
// A handler gets the value with its specifiers already resolved, applies
// it to the unit (an empty value resets the key to systemd's default, as
// for every key) and returns an error whose message starts with the key;
// the Parser reports it with the file and line. What the key will do
// differently from systemd at run time, without being an error, the
// handler adds to `warnings` (one line each, starting with the key).
//
// Pure: handlers read no files and keep no state but the unit's.

#ifndef FAULT_INIT_SYSTEM_UNIT_KEYS_H_
#define FAULT_INIT_SYSTEM_UNIT_KEYS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "init/system/unit.h"
#include "runtime/status.h"

namespace faultinit {

enum class UnitSection { kUnit, kService, kSocket };

struct UnitKeyContext {
  Unit& unit;
  std::vector<std::string>& warnings;
  int line = 0;  // of the entry, for values that keep theirs (Dependency)
};

using UnitKeyHandler = fault::Status (*)(UnitKeyContext& context,
                                         absl::string_view key,
                                         absl::string_view value);

struct UnitKey {
  UnitSection section;
  absl::string_view name;
  UnitKeyHandler apply;
};

using UnitKeyTable = absl::Span<const UnitKey>;

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_UNIT_KEYS_H_
