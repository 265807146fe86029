#include "init/system/other_unit_keys.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "init/system/exec_command.h"
#include "init/system/unit_conditions.h"

namespace faultinit {
namespace {

using fault::InvalidArgumentError;
using fault::OkStatus;
using fault::Status;

std::vector<absl::string_view> Words(absl::string_view value) {
  return absl::StrSplit(value, absl::ByAnyChar(" \t\n\r"), absl::SkipEmpty());
}

void AddOnce(std::vector<Dependency>* list, const std::string& name, int line) {
  for (const Dependency& d : *list) {
    if (d.name == name) return;
  }
  list->push_back(Dependency{name, line});
}

Status Sockets(UnitKeyContext& c, absl::string_view key,
               absl::string_view value) {
  for (absl::string_view word : Words(value)) {
    std::string name = NormalizeUnitName(word);
    if (name.empty() || !absl::EndsWith(name, ".socket")) {
      c.warnings.push_back(absl::StrCat(key, ": ", QuoteText(word),
                                        " is not a socket unit; ignored"));
      continue;
    }
    AddOnce(&c.unit.wanted, name, c.line);
    AddOnce(&c.unit.after, name, c.line);
    bool seen = false;
    for (const std::string& s : c.unit.sockets) seen = seen || s == name;
    if (!seen) c.unit.sockets.push_back(std::move(name));
  }
  return OkStatus();
}

Status NonBlocking(UnitKeyContext& c, absl::string_view key,
                   absl::string_view value) {
  if (value.empty()) {
    c.unit.non_blocking = false;
    return OkStatus();
  }
  std::optional<bool> b = ParseConditionBoolean(value);
  if (!b) {
    return InvalidArgumentError(
        absl::StrCat(key, ": invalid boolean ", QuoteText(value)));
  }
  c.unit.non_blocking = *b;
  return OkStatus();
}

Status RequiresMountsFor(UnitKeyContext& c, absl::string_view key,
                         absl::string_view value) {
  std::vector<std::string> paths;
  for (absl::string_view word : Words(value)) {
    if (!absl::StartsWith(word, "/")) {
      c.warnings.push_back(absl::StrCat(key, ": ", QuoteText(word),
                                        " is not an absolute path; ignored"));
      continue;
    }
    paths.push_back(QuoteText(word));
  }
  if (paths.empty()) return OkStatus();
  c.warnings.push_back(absl::StrCat(
      key,
      ": differs from systemd: faultinit has no .mount units; /etc/fstab's "
      "local file systems are mounted before any unit starts, and nothing "
      "else (a remote, noauto or .mount file system) is mounted for ",
      absl::StrJoin(paths, " ")));
  return OkStatus();
}

constexpr UnitKey kOtherUnitKeys[] = {
    {UnitSection::kService, "Sockets", &Sockets},
    {UnitSection::kService, "NonBlocking", &NonBlocking},
    {UnitSection::kUnit, "RequiresMountsFor", &RequiresMountsFor},
};

}  // namespace

UnitKeyTable OtherUnitKeys() { return kOtherUnitKeys; }

}  // namespace faultinit
