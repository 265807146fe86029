#include "runtime/options.h"

#include "absl/strings/str_cat.h"

namespace fault {
namespace {

Status Unknown(absl::string_view shown) {
  return InvalidArgumentError(absl::StrCat("unknown option \"", shown, "\""));
}

}  // namespace

StatusOr<std::vector<ScannedOption>> ScanOption(
    absl::Span<const std::string> args, size_t* next,
    absl::Span<const OptionSpec> specs) {
  absl::string_view arg = args[(*next)++];
  std::vector<ScannedOption> found;
  if (arg.size() > 2 && arg[1] == '-') {
    absl::string_view name = arg.substr(2);
    absl::string_view value;
    bool has_value = false;
    if (size_t eq = name.find('='); eq != absl::string_view::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    std::string shown = absl::StrCat("--", name);
    const OptionSpec* spec = nullptr;
    for (const OptionSpec& s : specs) {
      if (s.long_name == name) spec = &s;
    }
    if (spec == nullptr) return Unknown(shown);
    if (spec->takes_value && !has_value) {
      if (*next == args.size()) {
        return InvalidArgumentError(absl::StrCat(shown, ": missing value"));
      }
      value = args[(*next)++];
    } else if (!spec->takes_value && has_value) {
      return InvalidArgumentError(absl::StrCat(shown, ": takes no value"));
    }
    found.push_back({spec, std::move(shown), value});
    return found;
  }
  for (size_t j = 1; j < arg.size(); ++j) {
    std::string shown = absl::StrCat("-", arg.substr(j, 1));
    const OptionSpec* spec = nullptr;
    for (const OptionSpec& s : specs) {
      if (s.short_name != 0 && s.short_name == arg[j]) spec = &s;
    }
    if (spec == nullptr) return Unknown(shown);
    absl::string_view value;
    if (spec->takes_value) {
      if (j + 1 < arg.size()) {
        value = arg.substr(j + 1);
      } else if (*next < args.size()) {
        value = args[(*next)++];
      } else {
        return InvalidArgumentError(absl::StrCat(shown, ": missing value"));
      }
      j = arg.size();
    }
    found.push_back({spec, std::move(shown), value});
  }
  return found;
}

}  // namespace fault
