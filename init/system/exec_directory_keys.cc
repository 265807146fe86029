#include "init/system/exec_directory_keys.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "init/system/exec_command.h"
#include "init/system/exec_directories.h"
#include "init/system/unit_key_values.h"
#include "runtime/status.h"

namespace faultinit {
namespace {

using fault::OkStatus;
using fault::Status;

// NormalizedName: `word` as a relative path of components without "."
// (dropped) and without empty ones, or an error.
Status NormalizedName(absl::string_view key, absl::string_view word,
                      std::string* out) {
  for (char c : word) {
    unsigned char b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7f) {
      return KeyError(key, absl::StrCat("invalid name ", QuoteText(word),
                                        ": control characters"));
    }
  }
  if (absl::StartsWith(word, "/")) {
    return KeyError(key, absl::StrCat("invalid name ", QuoteText(word),
                                      ": expected a relative path (under ",
                                      "the key's directory), not an absolute "
                                      "one"));
  }
  if (word.find(':') != absl::string_view::npos) {
    return KeyError(key, absl::StrCat("invalid name ", QuoteText(word),
                                      ": the NAME:LINK form (a symbolic link "
                                      "to the directory) is not supported"));
  }
  std::vector<absl::string_view> parts;
  for (absl::string_view part : absl::StrSplit(word, '/', absl::SkipEmpty())) {
    if (part == ".") continue;
    if (part == "..") {
      return KeyError(key, absl::StrCat("invalid name ", QuoteText(word),
                                        ": \"..\" is not allowed"));
    }
    parts.push_back(part);
  }
  if (parts.empty()) {
    return KeyError(key, absl::StrCat("invalid name ", QuoteText(word),
                                      ": no directory named"));
  }
  if (parts[0] == "private") {
    return KeyError(key, absl::StrCat("invalid name ", QuoteText(word),
                                      ": \"private\" is systemd's own "
                                      "(DynamicUser=)"));
  }
  *out = absl::StrJoin(parts, "/");
  if (out->size() > 4000) {
    return KeyError(
        key, absl::StrCat("invalid name ", QuoteText(word), ": too long"));
  }
  return OkStatus();
}

template <ExecDirectoryType kType>
Status Directories(UnitKeyContext& context, absl::string_view key,
                   absl::string_view value) {
  std::vector<ExecDirectory>& list = context.unit.directories.directories;
  if (value.empty()) {  // resets this key's list only
    std::vector<ExecDirectory> kept;
    for (ExecDirectory& d : list) {
      if (d.type != kType) kept.push_back(std::move(d));
    }
    list = std::move(kept);
    return OkStatus();
  }
  std::vector<std::string> warnings;
  fault::StatusOr<std::vector<std::string>> words =
      UnquoteWords(value, &warnings);
  if (!words.ok()) return KeyError(key, words.status().message());
  for (const std::string& warning : warnings) {
    context.warnings.push_back(absl::StrCat(key, ": ", warning));
  }
  // All or nothing: the names are checked before any is added.
  std::vector<ExecDirectory> added;
  for (const std::string& word : *words) {
    ExecDirectory d{kType, ""};
    FAULT_RETURN_IF_ERROR(NormalizedName(key, word, &d.path));
    bool seen = false;
    for (const ExecDirectory& other : list) seen = seen || other == d;
    for (const ExecDirectory& other : added) seen = seen || other == d;
    if (!seen) added.push_back(std::move(d));
  }
  for (ExecDirectory& d : added) list.push_back(std::move(d));
  return OkStatus();
}

template <ExecDirectoryType kType>
Status Mode(UnitKeyContext& context, absl::string_view key,
            absl::string_view value) {
  mode_t parsed = 0;
  FAULT_RETURN_IF_ERROR(ParseModeKey(key, value, 0755, "0755", &parsed));
  context.unit.directories.modes[static_cast<int>(kType)] =
      static_cast<uint16_t>(parsed);
  return OkStatus();
}

Status Preserve(UnitKeyContext& context, absl::string_view key,
                absl::string_view value) {
  DirectoryPreserve& preserve = context.unit.directories.runtime_preserve;
  // systemd reads it as "restart" or a boolean.
  static constexpr absl::string_view kYes[] = {"yes", "true", "on",
                                               "1",   "y",    "t"};
  static constexpr absl::string_view kNo[] = {"no", "false", "off",
                                              "0",  "n",     "f"};
  if (value.empty()) {
    preserve = DirectoryPreserve::kNo;
    return OkStatus();
  }
  if (value == "restart") {
    preserve = DirectoryPreserve::kRestart;
    return OkStatus();
  }
  for (absl::string_view word : kYes) {
    if (absl::EqualsIgnoreCase(value, word)) {
      preserve = DirectoryPreserve::kYes;
      return OkStatus();
    }
  }
  for (absl::string_view word : kNo) {
    if (absl::EqualsIgnoreCase(value, word)) {
      preserve = DirectoryPreserve::kNo;
      return OkStatus();
    }
  }
  return KeyError(key, absl::StrCat("invalid value ", QuoteText(value),
                                    ": expected no, yes or restart"));
}

constexpr UnitSection kService = UnitSection::kService;
using T = ExecDirectoryType;

constexpr UnitKey kKeys[] = {
    {kService, "RuntimeDirectory", &Directories<T::kRuntime>},
    {kService, "StateDirectory", &Directories<T::kState>},
    {kService, "CacheDirectory", &Directories<T::kCache>},
    {kService, "LogsDirectory", &Directories<T::kLogs>},
    {kService, "ConfigurationDirectory", &Directories<T::kConfiguration>},
    {kService, "RuntimeDirectoryMode", &Mode<T::kRuntime>},
    {kService, "StateDirectoryMode", &Mode<T::kState>},
    {kService, "CacheDirectoryMode", &Mode<T::kCache>},
    {kService, "LogsDirectoryMode", &Mode<T::kLogs>},
    {kService, "ConfigurationDirectoryMode", &Mode<T::kConfiguration>},
    {kService, "RuntimeDirectoryPreserve", &Preserve},
};

}  // namespace

UnitKeyTable ExecDirectoryKeys() { return kKeys; }

}  // namespace faultinit
