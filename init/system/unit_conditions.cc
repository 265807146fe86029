#include "init/system/unit_conditions.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/base/attributes.h"
#include "absl/numeric/int128.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "init/system/condition.h"
#include "init/system/exec_command.h"
#include "init/system/unit_key_values.h"
#include "runtime/status.h"

namespace faultinit {
namespace {

using fault::OkStatus;
using fault::Status;

// By ConditionKind.
constexpr absl::string_view kKindNames[kConditionKinds] = {
    "PathExists",
    "PathExistsGlob",
    "PathIsDirectory",
    "PathIsSymbolicLink",
    "PathIsMountPoint",
    "PathIsReadWrite",
    "DirectoryNotEmpty",
    "FileNotEmpty",
    "FileIsExecutable",
    "KernelCommandLine",
    "Virtualization",
    "Capability",
    "Security",
    "ACPower",
    "FirstBoot",
    "NeedsUpdate",
    "CPUs",
    "Memory",
    "Host",
    "Architecture",
    "Environment",
};

// Linux's capability names, by number (capability.h, up to 40).
constexpr absl::string_view kCapabilities[] = {
    "chown",
    "dac_override",
    "dac_read_search",
    "fowner",
    "fsetid",
    "kill",
    "setgid",
    "setuid",
    "setpcap",
    "linux_immutable",
    "net_bind_service",
    "net_broadcast",
    "net_admin",
    "net_raw",
    "ipc_lock",
    "ipc_owner",
    "sys_module",
    "sys_rawio",
    "sys_chroot",
    "sys_ptrace",
    "sys_pacct",
    "sys_admin",
    "sys_boot",
    "sys_nice",
    "sys_resource",
    "sys_time",
    "sys_tty_config",
    "mknod",
    "lease",
    "audit_write",
    "audit_control",
    "setfcap",
    "mac_override",
    "mac_admin",
    "syslog",
    "wake_alarm",
    "block_suspend",
    "audit_read",
    "perfmon",
    "bpf",
    "checkpoint_restore",
};

constexpr absl::string_view kArchitectures[] = {
    "native",   "x86",     "x86-64", "ppc",         "ppc-le",   "ppc64",
    "ppc64-le", "ia64",    "parisc", "parisc64",    "s390",     "s390x",
    "sparc",    "sparc64", "mips",   "mips-le",     "mips64",   "mips64-le",
    "alpha",    "arm",     "arm-be", "arm64",       "arm64-be", "sh",
    "sh64",     "m68k",    "tilegx", "cris",        "nios2",    "riscv32",
    "riscv64",  "arc",     "arc-be", "loongarch64",
};

// systemd's virtualization ids: virtual machines, then containers.
constexpr absl::string_view kVirtualMachines[] = {
    "qemu",    "kvm",   "amazon", "zvm",    "vmware",    "microsoft", "oracle",
    "powervm", "xen",   "bochs",  "uml",    "parallels", "bhyve",     "qnx",
    "acrn",    "apple", "sre",    "google", "vm-other",
};
constexpr absl::string_view kContainers[] = {
    "openvz",          "lxc", "lxc-libvirt", "systemd-nspawn", "docker",
    "podman",          "rkt", "wsl",         "proot",          "pouch",
    "container-other",
};

// ConditionSecurity= values: those decided as systemd does, and those
// faultinit can only approximate.
constexpr absl::string_view kSecurityExact[] = {
    "selinux", "apparmor", "tomoyo",          "ima",
    "smack",   "audit",    "uefi-secureboot", "measured-uki",
};

template <size_t N>
bool OneOf(absl::string_view word, const absl::string_view (&list)[N]) {
  return std::find(std::begin(list), std::end(list), word) != std::end(list);
}

bool IsPathKind(ConditionKind kind) {
  switch (kind) {
    case ConditionKind::kPathExists:
    case ConditionKind::kPathExistsGlob:
    case ConditionKind::kPathIsDirectory:
    case ConditionKind::kPathIsSymbolicLink:
    case ConditionKind::kPathIsMountPoint:
    case ConditionKind::kPathIsReadWrite:
    case ConditionKind::kDirectoryNotEmpty:
    case ConditionKind::kFileNotEmpty:
    case ConditionKind::kFileIsExecutable:
    case ConditionKind::kNeedsUpdate:
      return true;
    default:
      return false;
  }
}

// Check: what the value of a kind must be; errors and warnings as
// unit_conditions.h says.
Status Check(absl::string_view key, const Condition& c,
             std::vector<std::string>& warnings) {
  const absl::string_view p = c.parameter;
  if (IsPathKind(c.kind)) {
    if (p[0] != '/') {
      return KeyError(key, absl::StrCat("invalid path ", QuoteText(p),
                                        ": expected an absolute path"));
    }
    return OkStatus();
  }
  switch (c.kind) {
    case ConditionKind::kACPower:
    case ConditionKind::kFirstBoot:
      if (!ParseConditionBoolean(p)) {
        return KeyError(key, absl::StrCat("invalid value ", QuoteText(p),
                                          ": expected a boolean (yes or no)"));
      }
      if (c.kind == ConditionKind::kFirstBoot) {
        warnings.push_back(absl::StrCat(
            key,
            ": differs from systemd: the first boot is one without an "
            "initialized /etc/machine-id when the condition is checked, not "
            "when faultinit started (docs/units.md)"));
      }
      return OkStatus();
    case ConditionKind::kCPUs:
    case ConditionKind::kMemory:
      if (!ParseComparison(p, c.kind == ConditionKind::kMemory)) {
        return KeyError(
            key, absl::StrCat("invalid value ", QuoteText(p),
                              c.kind == ConditionKind::kMemory
                                  ? ": expected [<|<=|=|!=|>=|>]SIZE, such "
                                    "as >=512M"
                                  : ": expected [<|<=|=|!=|>=|>]NUMBER, such "
                                    "as >=2"));
      }
      return OkStatus();
    case ConditionKind::kCapability:
      if (CapabilityNumber(p) < 0) {
        warnings.push_back(
            absl::StrCat(key, ": unknown capability ", QuoteText(p),
                         "; the condition is false, as in systemd"));
      }
      return OkStatus();
    case ConditionKind::kArchitecture:
      if (!IsKnownArchitecture(p)) {
        warnings.push_back(
            absl::StrCat(key, ": unknown architecture ", QuoteText(p),
                         "; the condition is false, as in systemd"));
      }
      return OkStatus();
    case ConditionKind::kVirtualization:
      if (!ParseConditionBoolean(p) && !IsKnownVirtualization(p)) {
        warnings.push_back(
            absl::StrCat(key, ": unknown virtualization ", QuoteText(p),
                         "; the condition is false, as in systemd"));
      } else if (p != "container" && p != "private-users" &&
                 !OneOf(p, kContainers)) {
        warnings.push_back(absl::StrCat(
            key,
            ": differs from systemd: a virtual machine is told from DMI, the "
            "device tree, /sys/hypervisor and the CPU's hypervisor flag, not "
            "by CPUID (docs/units.md)"));
      }
      return OkStatus();
    case ConditionKind::kSecurity:
      if (p == "tpm2" || p == "cvm") {
        warnings.push_back(absl::StrCat(
            key, ": differs from systemd: ",
            p == "tpm2" ? "tpm2 holds when the kernel has a TPM 2.0 device "
                          "(/sys/class/tpmrm), whatever the firmware and "
                          "libraries (docs/units.md)"
                        : "cvm (a confidential virtual machine) is never "
                          "detected: the condition is false (docs/units.md)"));
      } else if (!OneOf(p, kSecurityExact)) {
        warnings.push_back(
            absl::StrCat(key, ": unknown security technology ", QuoteText(p),
                         "; the condition is false, as in systemd"));
      }
      return OkStatus();
    default:
      return OkStatus();  // KernelCommandLine, Host, Environment: any text
  }
}

Status Apply(UnitKeyContext& context, absl::string_view key,
             absl::string_view value) {
  Condition c;
  absl::string_view name = key;
  c.assertion = absl::ConsumePrefix(&name, "Assert");
  if (!c.assertion) absl::ConsumePrefix(&name, "Condition");
  const auto* kind = std::find(std::begin(kKindNames), std::end(kKindNames),
                               name);  // the table names only known kinds
  c.kind = static_cast<ConditionKind>(kind - std::begin(kKindNames));
  std::vector<Condition>& list = context.unit.conditions;
  if (value.empty()) {  // as systemd: resets the whole family
    list.erase(std::remove_if(list.begin(), list.end(),
                              [&](const Condition& other) {
                                return other.assertion == c.assertion;
                              }),
               list.end());
    return OkStatus();
  }
  if (absl::ConsumePrefix(&value, "|")) {
    c.trigger = true;
    value = absl::StripLeadingAsciiWhitespace(value);
  }
  if (absl::ConsumePrefix(&value, "!")) {
    c.negate = true;
    value = absl::StripLeadingAsciiWhitespace(value);
  }
  if (value.empty()) {
    return KeyError(key, "missing value after the \"|\" or \"!\" prefix");
  }
  c.parameter = std::string(value);
  FAULT_RETURN_IF_ERROR(Check(key, c, context.warnings));
  list.push_back(std::move(c));
  return OkStatus();
}

#define FAULT_CONDITION_KEY(Name)                                   \
  UnitKey{UnitSection::kUnit, "Condition" #Name, &Apply}, UnitKey { \
    UnitSection::kUnit, "Assert" #Name, &Apply                      \
  }

constexpr UnitKey kKeys[] = {
    FAULT_CONDITION_KEY(PathExists),
    FAULT_CONDITION_KEY(PathExistsGlob),
    FAULT_CONDITION_KEY(PathIsDirectory),
    FAULT_CONDITION_KEY(PathIsSymbolicLink),
    FAULT_CONDITION_KEY(PathIsMountPoint),
    FAULT_CONDITION_KEY(PathIsReadWrite),
    FAULT_CONDITION_KEY(DirectoryNotEmpty),
    FAULT_CONDITION_KEY(FileNotEmpty),
    FAULT_CONDITION_KEY(FileIsExecutable),
    FAULT_CONDITION_KEY(KernelCommandLine),
    FAULT_CONDITION_KEY(Virtualization),
    FAULT_CONDITION_KEY(Capability),
    FAULT_CONDITION_KEY(Security),
    FAULT_CONDITION_KEY(ACPower),
    FAULT_CONDITION_KEY(FirstBoot),
    FAULT_CONDITION_KEY(NeedsUpdate),
    FAULT_CONDITION_KEY(CPUs),
    FAULT_CONDITION_KEY(Memory),
    FAULT_CONDITION_KEY(Host),
    FAULT_CONDITION_KEY(Architecture),
    FAULT_CONDITION_KEY(Environment),
};
static_assert(sizeof(kKeys) / sizeof(kKeys[0]) == 2 * kConditionKinds,
              "a key per kind and family");

#undef FAULT_CONDITION_KEY

}  // namespace

// Constant-initialized: unit.cc's kUnitKeyTables copies it during dynamic
// initialization, which may come before this file's.
ABSL_CONST_INIT const UnitKeyTable kConditionKeys(kKeys);

absl::string_view ConditionKindName(ConditionKind kind) {
  return kKindNames[static_cast<size_t>(kind)];
}

std::string Condition::ToString() const {
  return absl::StrCat(assertion ? "Assert" : "Condition",
                      ConditionKindName(kind), "=", trigger ? "|" : "",
                      negate ? "!" : "", parameter);
}

std::optional<bool> ParseConditionBoolean(absl::string_view value) {
  const std::string v = absl::AsciiStrToLower(value);
  if (v == "1" || v == "yes" || v == "y" || v == "true" || v == "t" ||
      v == "on") {
    return true;
  }
  if (v == "0" || v == "no" || v == "n" || v == "false" || v == "f" ||
      v == "off") {
    return false;
  }
  return std::nullopt;
}

std::optional<Comparison> ParseComparison(absl::string_view value, bool size) {
  static constexpr std::pair<absl::string_view, Order> kOrders[] = {
      // Two-character operators first.
      {"<=", Order::kLessOrEqual}, {">=", Order::kGreaterOrEqual},
      {"!=", Order::kNotEqual},    {"<", Order::kLess},
      {">", Order::kGreater},      {"=", Order::kEqual},
  };
  Comparison out;
  for (const auto& [op, order] : kOrders) {
    if (absl::ConsumePrefix(&value, op)) {
      out.order = order;
      break;
    }
  }
  value = absl::StripAsciiWhitespace(value);
  uint64_t multiplier = 1;
  if (size && !value.empty() && absl::ascii_isalpha(value.back())) {
    absl::ConsumeSuffix(&value, "B");
    static constexpr absl::string_view kSuffixes = "KMGTPE";
    if (!value.empty()) {
      const size_t at = kSuffixes.find(value.back());
      if (at != absl::string_view::npos) {
        multiplier = uint64_t{1} << (10 * (at + 1));
        value.remove_suffix(1);
      }
    }
  }
  absl::string_view whole = value;
  absl::string_view fraction;
  if (size && value.find('.') != absl::string_view::npos) {
    whole = value.substr(0, value.find('.'));
    fraction = value.substr(value.find('.') + 1);
  }
  if (whole.empty() || whole.size() > 20) return std::nullopt;
  for (char c : whole) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)))
      return std::nullopt;
  }
  for (char c : fraction) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)))
      return std::nullopt;
  }
  uint64_t number = 0;
  if (!absl::SimpleAtoi(whole, &number)) return std::nullopt;
  if (number > UINT64_MAX / multiplier) return std::nullopt;
  out.value = number * multiplier;
  // The fraction of the multiplier, as systemd's parse_size: up to 18
  // digits count.
  uint64_t numerator = 0;
  uint64_t denominator = 1;
  for (char c : fraction.substr(0, 18)) {
    numerator = numerator * 10 + static_cast<uint64_t>(c - '0');
    denominator *= 10;
  }
  // In 128 bits (absl's: armv7 has no __int128): the product may not fit
  // 64.
  const uint64_t part =
      absl::Uint128Low64(absl::uint128(numerator) * multiplier / denominator);
  if (out.value > UINT64_MAX - part) return std::nullopt;
  out.value += part;
  return out;
}

bool Compare(uint64_t actual, const Comparison& c) {
  switch (c.order) {
    case Order::kLess:
      return actual < c.value;
    case Order::kLessOrEqual:
      return actual <= c.value;
    case Order::kEqual:
      return actual == c.value;
    case Order::kNotEqual:
      return actual != c.value;
    case Order::kGreaterOrEqual:
      return actual >= c.value;
    case Order::kGreater:
      return actual > c.value;
  }
  return false;
}

int CapabilityNumber(absl::string_view name) {
  std::string lower = absl::AsciiStrToLower(name);
  absl::string_view bare = lower;
  if (!absl::ConsumePrefix(&bare, "cap_")) return -1;
  for (size_t i = 0; i < std::size(kCapabilities); ++i) {
    if (kCapabilities[i] == bare) return static_cast<int>(i);
  }
  return -1;
}

bool IsKnownArchitecture(absl::string_view name) {
  return OneOf(name, kArchitectures);
}

bool IsKnownVirtualization(absl::string_view name) {
  return name == "vm" || name == "container" || name == "private-users" ||
         OneOf(name, kVirtualMachines) || OneOf(name, kContainers);
}

bool IsVirtualMachineId(absl::string_view id) {
  return OneOf(id, kVirtualMachines);
}

}  // namespace faultinit
