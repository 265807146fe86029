#include "init/system/unit_name.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

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

// The position of the '.' before a valid name's type suffix, and of its
// first '@' (npos when none): false when `name` is not a valid unit name.
bool SplitName(absl::string_view name, size_t* dot, size_t* at) {
  if (name.empty() || name.size() > kMaxUnitNameLength) return false;
  *dot = name.rfind('.');
  if (*dot == absl::string_view::npos || *dot == 0 || *dot + 1 == name.size()) {
    return false;
  }
  for (size_t i = 0; i < *dot; ++i) {
    if (!AllowedInName(name[i])) return false;
  }
  *at = name.substr(0, *dot).find('@');
  return *at != 0;
}

}  // namespace

bool IsTemplateName(absl::string_view name) {
  size_t dot, at;
  return SplitName(name, &dot, &at) && at != absl::string_view::npos &&
         at + 1 == dot;
}

bool IsInstanceName(absl::string_view name) {
  size_t dot, at;
  return SplitName(name, &dot, &at) && at != absl::string_view::npos &&
         at + 1 < dot;
}

std::string TemplateOf(absl::string_view name) {
  if (!IsInstanceName(name)) return "";
  const size_t at = name.find('@');
  return absl::StrCat(name.substr(0, at + 1), name.substr(name.rfind('.')));
}

std::string InstanceOf(absl::string_view name) {
  if (!IsInstanceName(name)) return "";
  const size_t at = name.find('@');
  return std::string(name.substr(at + 1, name.rfind('.') - at - 1));
}

std::string UnitPrefixOf(absl::string_view name) {
  size_t dot, at;
  if (!SplitName(name, &dot, &at)) return "";
  return std::string(name.substr(0, std::min(dot, at)));
}

std::string FillTemplate(absl::string_view word, absl::string_view owner) {
  // A service may be named without its suffix.
  const std::string full = word.find('.') == absl::string_view::npos
                               ? absl::StrCat(word, ".service")
                               : std::string(word);
  if (!IsTemplateName(full)) return std::string(word);
  std::string own(owner);
  if (UnitPrefixOf(own).empty()) own += ".service";
  const std::string instance = InstanceOf(own);
  const std::string filled =
      InstanceName(full, instance.empty() ? UnitPrefixOf(own) : instance);
  return filled.empty() ? std::string(word) : filled;
}

std::string InstanceName(absl::string_view template_name,
                         absl::string_view instance) {
  if (!IsTemplateName(template_name) || instance.empty()) return "";
  const size_t at = template_name.find('@');
  std::string out = absl::StrCat(template_name.substr(0, at + 1), instance,
                                 template_name.substr(at + 1));
  return IsInstanceName(out) ? out : "";
}

std::string EscapeUnitNamePath(absl::string_view path) {
  while (absl::ConsumePrefix(&path, "/")) {
  }
  while (absl::ConsumeSuffix(&path, "/")) {
  }
  if (path.empty()) return "-";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '/') {
      if (path[i - 1] != '/') out.push_back('-');  // "a//b" is "a/b"
      continue;
    }
    const unsigned char b = static_cast<unsigned char>(c);
    if ((i == 0 && c == '.') || c == '-' || c == '\\' || c == '@' ||
        !AllowedInName(c)) {
      absl::StrAppend(&out, "\\x", std::string(1, kHex[b >> 4]),
                      std::string(1, kHex[b & 0xf]));
      continue;
    }
    out.push_back(c);
  }
  return out;
}

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
           "itself: its instances (NAME@INSTANCE.service) do, in the layout";
  }
  return "";
}

}  // namespace faultinit
