#include "init/system/account_name.h"

#include <cstdint>

namespace faultinit {
namespace {

bool AllDigits(absl::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// ValidUtf8: well-formed UTF-8 (no overlong forms, no surrogates, at most
// U+10FFFF).
bool ValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char b = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (b < 0x80) {
      ++i;
      continue;
    } else if ((b & 0xe0) == 0xc0) {
      n = 1;
      cp = b & 0x1f;
    } else if ((b & 0xf0) == 0xe0) {
      n = 2;
      cp = b & 0x0f;
    } else if ((b & 0xf8) == 0xf0) {
      n = 3;
      cp = b & 0x07;
    } else {
      return false;
    }
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const unsigned char c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

}  // namespace

std::string AccountNameProblem(absl::string_view name) {
  if (name.empty()) return "empty";
  if (AllDigits(name)) {
    // A number: systemd's parse_uid.
    bool ok = name.size() <= 10 && !(name.size() > 1 && name[0] == '0');
    uint64_t value = 0;
    for (char c : name) value = value * 10 + static_cast<uint64_t>(c - '0');
    ok = ok && value < 0xffffffffu && value != 0xffffu;
    return ok ? "" : "a number must be from 0 to 4294967294, and not 65535";
  }
  if (name.front() == ' ' || name.back() == ' ') {
    return "leading or trailing space";
  }
  if (!ValidUtf8(name)) return "not valid UTF-8";
  for (char c : name) {
    const unsigned char b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7f) return "a control character";
    if (c == ':' || c == '/') return "\":\" and \"/\" are not allowed";
  }
  if (name[0] == '-' && AllDigits(name.substr(1))) {
    return "a negative number is no uid";
  }
  if (name == "." || name == "..") return "\".\" and \"..\" are not names";
  return "";
}

}  // namespace faultinit
