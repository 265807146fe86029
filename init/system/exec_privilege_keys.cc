#include "init/system/exec_privilege_keys.h"

#include <linux/securebits.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "init/system/exec_command.h"
#include "init/system/unit_conditions.h"
#include "init/system/unit_key_values.h"
#include "runtime/privileges.h"
#include "runtime/status.h"

namespace faultinit {
namespace {

using fault::CapabilitySet;
using fault::kAllCapabilities;
using fault::OkStatus;
using fault::Status;

// Words: `value`'s words, quotes allowed (as systemd's extract_first_word
// with EXTRACT_UNQUOTE); unknown escapes are warnings.
fault::StatusOr<std::vector<std::string>> Words(UnitKeyContext& context,
                                                absl::string_view key,
                                                absl::string_view value) {
  std::vector<std::string> warnings;
  fault::StatusOr<std::vector<std::string>> words =
      UnquoteWords(value, &warnings);
  if (!words.ok()) return KeyError(key, words.status().message());
  for (const std::string& warning : warnings) {
    context.warnings.push_back(absl::StrCat(key, ": ", warning));
  }
  return words;
}

// CapabilityList: systemd's config_parse_capability_set on `*set`, whose
// value before any assignment is `initial`.
Status CapabilityList(UnitKeyContext& context, absl::string_view key,
                      absl::string_view value, CapabilitySet initial,
                      CapabilitySet* set) {
  bool invert = false;
  if (!value.empty() && value[0] == '~') {
    invert = true;
    value.remove_prefix(1);
  }
  fault::StatusOr<std::vector<std::string>> words = Words(context, key, value);
  if (!words.ok()) return words.status();
  CapabilitySet sum = 0;
  for (const std::string& word : *words) {
    const int n = CapabilityNumber(word);
    if (n < 0) {
      return KeyError(key,
                      absl::StrCat("unknown capability ", QuoteText(word)));
    }
    sum |= fault::CapabilityBit(n);
  }
  if (sum == 0 || *set == initial) {  // "", "~", or the first assignment
    *set = invert ? ~sum : sum;
  } else if (invert) {
    *set &= ~sum;
  } else {
    *set |= sum;
  }
  return OkStatus();
}

Status CapabilityBoundingSet(UnitKeyContext& context, absl::string_view key,
                             absl::string_view value) {
  return CapabilityList(context, key, value, kAllCapabilities,
                        &context.unit.privileges.bounding);
}

Status AmbientCapabilities(UnitKeyContext& context, absl::string_view key,
                           absl::string_view value) {
  return CapabilityList(context, key, value, 0,
                        &context.unit.privileges.ambient);
}

Status Boolean(absl::string_view key, absl::string_view value, bool* out) {
  if (value.empty()) {
    *out = false;
    return OkStatus();
  }
  std::optional<bool> b = ParseConditionBoolean(value);
  if (!b.has_value()) {
    return KeyError(key, absl::StrCat("invalid value ", QuoteText(value),
                                      ": expected a boolean (yes or no)"));
  }
  *out = *b;
  return OkStatus();
}

Status NoNewPrivileges(UnitKeyContext& context, absl::string_view key,
                       absl::string_view value) {
  return Boolean(key, value, &context.unit.privileges.no_new_privileges);
}

struct SecureBit {
  absl::string_view name;
  int bit;
};

constexpr SecureBit kSecureBits[] = {
    {"keep-caps", SECURE_KEEP_CAPS},
    {"keep-caps-locked", SECURE_KEEP_CAPS_LOCKED},
    {"no-setuid-fixup", SECURE_NO_SETUID_FIXUP},
    {"no-setuid-fixup-locked", SECURE_NO_SETUID_FIXUP_LOCKED},
    {"noroot", SECURE_NOROOT},
    {"noroot-locked", SECURE_NOROOT_LOCKED},
};

Status SecureBits(UnitKeyContext& context, absl::string_view key,
                  absl::string_view value) {
  fault::StatusOr<std::vector<std::string>> words = Words(context, key, value);
  if (!words.ok()) return words.status();
  if (words->empty()) {
    context.unit.privileges.secure_bits = -1;
    return OkStatus();
  }
  int bits = 0;
  for (const std::string& word : *words) {
    bool known = false;
    for (const SecureBit& b : kSecureBits) {
      if (b.name != word) continue;
      bits |= 1 << b.bit;
      known = true;
    }
    if (!known) {
      return KeyError(key, absl::StrCat("unknown secure bit ", QuoteText(word),
                                        ": expected keep-caps, "
                                        "keep-caps-locked, no-setuid-fixup, "
                                        "no-setuid-fixup-locked, noroot or "
                                        "noroot-locked"));
    }
  }
  context.unit.privileges.secure_bits = bits;
  return OkStatus();
}

Status PermissionsStartOnly(UnitKeyContext& context, absl::string_view key,
                            absl::string_view value) {
  FAULT_RETURN_IF_ERROR(
      Boolean(key, value, &context.unit.permissions_start_only));
  if (context.unit.permissions_start_only) {  // systemd's documentation
    context.warnings.push_back(absl::StrCat(
        key, "=", value,
        " is deprecated: write the \"+\" prefix on the commands instead; "
        "every command but ExecStart='s runs as with \"+\" (no User=, "
        "Group=, capability or Limit*= settings)"));
  }
  return OkStatus();
}

Status PAMName(UnitKeyContext& context, absl::string_view key,
               absl::string_view value) {
  if (!value.empty()) {
    context.warnings.push_back(absl::StrCat(
        key, ": differs from systemd: faultinit opens no PAM session for ",
        QuoteText(value),
        ": no pam_limits (limits.conf), no pam_env variables, no login "
        "records (utmp, lastlog), no session modules (pam_systemd, "
        "pam_keyinit...); the commands run with User= and the unit's "
        "settings alone"));
  }
  return OkStatus();
}

constexpr UnitKey kKeys[] = {
    {UnitSection::kService, "CapabilityBoundingSet", &CapabilityBoundingSet},
    {UnitSection::kService, "AmbientCapabilities", &AmbientCapabilities},
    {UnitSection::kService, "NoNewPrivileges", &NoNewPrivileges},
    {UnitSection::kService, "SecureBits", &SecureBits},
    {UnitSection::kService, "PermissionsStartOnly", &PermissionsStartOnly},
    {UnitSection::kService, "PAMName", &PAMName},
};

}  // namespace

UnitKeyTable ExecPrivilegeKeys() { return kKeys; }

}  // namespace faultinit
