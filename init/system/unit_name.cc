#include "init/system/unit_name.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace faultinit {
namespace {

constexpr absl::string_view kServiceType = "service";

// Allowed: systemd's VALID_CHARS and '@' ("@" VALID_CHARS).
bool AllowedInName(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == ':' ||
         c == '_' || c == '.' || c == '\\' || c == '-' || c == '@';
}

// Shown: one character of a name, as the message quotes it.
std::string Shown(char c) {
  const unsigned char b = static_cast<unsigned char>(c);
  if (b > 0x20 && b < 0x7f) return absl::StrCat("\"", std::string(1, c), "\"");
  static constexpr char kHex[] = "0123456789abcdef";
  return absl::StrCat("\\x", std::string(1, kHex[b >> 4]),
                      std::string(1, kHex[b & 0xf]));
}

}  // namespace

std::string UnitFileNameProblem(absl::string_view file_name) {
  if (file_name.empty()) return "the name is empty";
  if (file_name.size() > kMaxUnitNameLength) {
    return absl::StrCat("the name is ", file_name.size(),
                        " bytes long, over systemd's limit of ",
                        kMaxUnitNameLength);
  }
  const size_t dot = file_name.rfind('.');
  if (dot == absl::string_view::npos || file_name.substr(dot + 1).empty()) {
    return "the name has no suffix naming a unit type";
  }
  if (file_name.substr(dot + 1) != kServiceType) {
    return absl::StrCat("the suffix \".", file_name.substr(dot + 1),
                        "\" is not \".service\"");
  }
  if (dot == 0) return "the name is empty before \".service\"";
  const absl::string_view prefix = file_name.substr(0, dot);
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (!AllowedInName(prefix[i])) {
      return absl::StrCat("the name holds ", Shown(prefix[i]), " at byte ",
                          i + 1,
                          "; a unit name has only A-Z a-z 0-9 : _ . \\ - "
                          "and @");
    }
  }
  const size_t at = prefix.find('@');
  if (at == 0) return "the name is empty before \"@\"";
  if (at != absl::string_view::npos && at + 1 == prefix.size()) {
    return "the name is a template (NAME@.service), which does not run "
           "itself: faultinit has no instances of templates";
  }
  return "";
}

}  // namespace faultinit
