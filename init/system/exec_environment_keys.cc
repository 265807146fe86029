#include "init/system/exec_environment_keys.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "init/system/account_name.h"
#include "init/system/exec_command.h"
#include "init/system/unit_key_values.h"
#include "runtime/status.h"

namespace faultinit {
namespace {

using fault::OkStatus;
using fault::Status;

// Problem: why `word` is not a value of the key, or empty.
using WordCheck = std::string (*)(absl::string_view word);

std::string GroupProblem(absl::string_view word) {
  std::string why = AccountNameProblem(word);
  return why.empty()
             ? ""
             : absl::StrCat("invalid group ", QuoteText(word), ": ", why);
}

std::string NameProblem(absl::string_view word) {
  return IsValidEnvironmentName(word)
             ? ""
             : absl::StrCat("invalid variable name ", QuoteText(word));
}

std::string NameOrAssignmentProblem(absl::string_view word) {
  size_t eq = word.find('=');
  return IsValidEnvironmentName(word.substr(0, eq))
             ? ""
             : absl::StrCat("invalid variable name or assignment ",
                            QuoteText(word), ": expected NAME or NAME=VALUE");
}

// Words appends `value`'s words to `list` (all or nothing), each once;
// empty resets it.
Status Words(UnitKeyContext& context, absl::string_view key,
             absl::string_view value, WordCheck check,
             std::vector<std::string>& list) {
  if (value.empty()) {
    list.clear();
    return OkStatus();
  }
  std::vector<std::string> warnings;
  fault::StatusOr<std::vector<std::string>> words =
      UnquoteWords(value, &warnings);
  if (!words.ok()) return KeyError(key, words.status().message());
  for (const std::string& warning : warnings) {
    context.warnings.push_back(absl::StrCat(key, ": ", warning));
  }
  for (const std::string& word : *words) {
    if (std::string why = check(word); !why.empty()) return KeyError(key, why);
  }
  for (std::string& word : *words) {
    bool seen = false;
    for (const std::string& other : list) seen = seen || other == word;
    if (!seen) list.push_back(std::move(word));
  }
  return OkStatus();
}

Status SupplementaryGroups(UnitKeyContext& context, absl::string_view key,
                           absl::string_view value) {
  return Words(context, key, value, &GroupProblem,
               context.unit.exec_environment.supplementary_groups);
}

Status PassEnvironment(UnitKeyContext& context, absl::string_view key,
                       absl::string_view value) {
  return Words(context, key, value, &NameProblem,
               context.unit.exec_environment.pass_environment);
}

Status UnsetEnvironment(UnitKeyContext& context, absl::string_view key,
                        absl::string_view value) {
  return Words(context, key, value, &NameOrAssignmentProblem,
               context.unit.exec_environment.unset_environment);
}

constexpr UnitKey kKeys[] = {
    {UnitSection::kService, "SupplementaryGroups", &SupplementaryGroups},
    {UnitSection::kService, "PassEnvironment", &PassEnvironment},
    {UnitSection::kService, "UnsetEnvironment", &UnsetEnvironment},
};

}  // namespace

UnitKeyTable ExecEnvironmentKeys() { return kKeys; }

}  // namespace faultinit
