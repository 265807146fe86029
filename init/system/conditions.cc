#include "init/system/conditions.h"

#include <errno.h>
#include <fnmatch.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "init/system/architecture.h"
#include "init/system/unit_conditions.h"

namespace faultinit {
namespace {

constexpr int kTrue = 1;
constexpr int kFalse = 0;
constexpr int kError = -1;

int Bool(bool b) { return b ? kTrue : kFalse; }

// The first line of a file, trimmed; "" when it cannot be read.
std::string Line(ConditionWorld& w, const std::string& path) {
  fault::StatusOr<std::string> text = w.ReadFile(path);
  if (!text.ok()) return "";
  absl::string_view s = *text;
  s = s.substr(0, s.find('\n'));
  return std::string(absl::StripAsciiWhitespace(s));
}

bool Exists(ConditionWorld& w, const std::string& path, bool follow = true) {
  return w.Stat(path, follow).ok();
}

// The words of a kernel command line, quotes removed (systemd's
// extract_first_word with EXTRACT_UNQUOTE|EXTRACT_RELAX).
std::vector<std::string> CommandLineWords(absl::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (char c : line) {
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else {
        word.push_back(c);
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
      in_word = true;
    } else if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word.push_back(c);
      in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

// Whether `entries` has "NAME" or "NAME=..." (parameter without "="), or
// exactly "NAME=VALUE" (with one): ConditionKernelCommandLine= and
// ConditionEnvironment=.
bool FindSetting(const std::vector<std::string>& entries,
                 absl::string_view parameter) {
  const bool equal = parameter.find('=') != absl::string_view::npos;
  for (const std::string& entry : entries) {
    if (equal) {
      if (entry == parameter) return true;
    } else if (absl::StartsWith(entry, parameter) &&
               (entry.size() == parameter.size() ||
                entry[parameter.size()] == '=')) {
      return true;
    }
  }
  return false;
}

// ConsumeCommandLineKey: whether `s` starts with `key`, "-" and "_"
// alike (systemd's proc_cmdline_key_streq: "systemd.condition_first_boot"
// is "systemd.condition-first-boot"); if so, removes it.
bool ConsumeCommandLineKey(absl::string_view* s, absl::string_view key) {
  if (s->size() < key.size()) return false;
  for (size_t i = 0; i < key.size(); ++i) {
    const char a = (*s)[i] == '_' ? '-' : (*s)[i];
    const char b = key[i] == '_' ? '-' : key[i];
    if (a != b) return false;
  }
  s->remove_prefix(key.size());
  return true;
}

// A boolean systemd reads from the kernel command line ("key" alone is
// true); nullopt when absent or not a boolean.
std::optional<bool> CommandLineBool(ConditionWorld& w, absl::string_view key) {
  fault::StatusOr<std::string> line = w.ReadFile("/proc/cmdline");
  if (!line.ok()) return std::nullopt;
  std::optional<bool> value;
  for (const std::string& word : CommandLineWords(*line)) {
    absl::string_view s = word;
    if (!ConsumeCommandLineKey(&s, key)) continue;
    if (s.empty()) {
      value = true;
    } else if (absl::ConsumePrefix(&s, "=")) {
      if (std::optional<bool> b = ParseConditionBoolean(s)) value = b;
    }
  }
  return value;  // the last one counts
}

// systemd's hidden_or_backup_file: what DirectoryNotEmpty= does not count.
bool HiddenOrBackup(absl::string_view name) {
  static constexpr absl::string_view kSuffixes[] = {
      "~",         ".rpmnew",      ".rpmsave",     ".rpmorig",
      ".dpkg-old", ".dpkg-new",    ".dpkg-tmp",    ".dpkg-dist",
      ".dpkg-bak", ".dpkg-backup", ".dpkg-remove", ".ucf-new",
      ".ucf-old",  ".ucf-dist",    ".swp",         ".bak",
      ".old",      ".new",
  };
  if (name.empty() || name[0] == '.') return true;
  for (absl::string_view suffix : kSuffixes) {
    if (absl::EndsWith(name, suffix)) return true;
  }
  return false;
}

// A mountinfo field with its octal escapes (\040 for a space) decoded.
std::string Unescape(absl::string_view field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size() && field[i + 1] >= '0' &&
        field[i + 1] <= '3' && field[i + 2] >= '0' && field[i + 2] <= '7' &&
        field[i + 3] >= '0' && field[i + 3] <= '7') {
      out.push_back(static_cast<char>((field[i + 1] - '0') * 64 +
                                      (field[i + 2] - '0') * 8 +
                                      (field[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(field[i]);
    }
  }
  return out;
}

int IsMountPoint(ConditionWorld& w, const std::string& path) {
  fault::StatusOr<std::string> real = w.RealPath(path);  // follows links
  if (!real.ok()) return kFalse;
  if (*real == "/") return kTrue;
  fault::StatusOr<std::string> info = w.ReadFile("/proc/self/mountinfo");
  if (!info.ok()) return kError;
  for (absl::string_view line : absl::StrSplit(*info, '\n')) {
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (fields.size() > 4 && Unescape(fields[4]) == *real) return kTrue;
  }
  return kFalse;
}

// systemd's on_ac_power: on AC unless a mains supply is known offline and
// none online; a machine without power supplies is on AC.
bool OnAcPower(ConditionWorld& w) {
  const std::string root = "/sys/class/power_supply";
  fault::StatusOr<std::vector<std::string>> names = w.ListDirectory(root);
  if (!names.ok()) return true;
  bool found_offline = false;
  for (const std::string& name : *names) {
    const std::string dir = absl::StrCat(root, "/", name, "/");
    if (Line(w, dir + "scope") == "Device") continue;  // a mouse's battery
    if (Line(w, dir + "type") != "Mains") continue;
    const std::string online = Line(w, dir + "online");
    if (online == "1") return true;
    if (online == "0") found_offline = true;
  }
  return !found_offline;
}

bool FirstBoot(ConditionWorld& w) {
  if (std::optional<bool> b =
          CommandLineBool(w, "systemd.condition-first-boot")) {
    return *b;
  }
  if (Exists(w, "/run/systemd/first-boot")) return true;
  // No machine id yet: what makes systemd's PID 1 call it the first boot.
  fault::StatusOr<std::string> id = w.ReadFile("/etc/machine-id");
  if (!id.ok()) return true;
  const absl::string_view s = absl::StripAsciiWhitespace(*id);
  return s.empty() || s == "uninitialized";
}

int NeedsUpdate(ConditionWorld& w, const std::string& dir) {
  if (std::optional<bool> b =
          CommandLineBool(w, "systemd.condition-needs-update")) {
    return Bool(*b);
  }
  fault::StatusOr<bool> read_only = w.ReadOnlyFileSystem(dir);
  if (read_only.ok() && *read_only) return kFalse;  // nothing could update it
  const std::string updated = dir == "/" ? "/.updated" : dir + "/.updated";
  fault::StatusOr<ConditionWorld::FileStatus> other = w.Stat(updated, false);
  if (!other.ok()) return kTrue;
  fault::StatusOr<ConditionWorld::FileStatus> usr = w.Stat("/usr/", false);
  if (!usr.ok()) return kTrue;
  if (usr->mtime_sec != other->mtime_sec) {
    return Bool(usr->mtime_sec > other->mtime_sec);
  }
  if (usr->mtime_nsec == 0 || other->mtime_nsec > 0) {
    return Bool(usr->mtime_nsec > other->mtime_nsec);
  }
  // A file system without nanoseconds wrote .updated: its TIMESTAMP_NSEC=.
  fault::StatusOr<std::string> text = w.ReadFile(updated);
  if (!text.ok()) return kError;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    uint64_t nsec = 0;
    if (absl::ConsumePrefix(&line, "TIMESTAMP_NSEC=") &&
        absl::SimpleAtoi(line, &nsec)) {
      const uint64_t usr_nsec =
          static_cast<uint64_t>(usr->mtime_sec) * 1000000000 +
          static_cast<uint64_t>(usr->mtime_nsec);
      return Bool(usr_nsec > nsec);
    }
  }
  return kError;
}

// The machine id in `text` (32 hex digits, or a UUID), lower-case without
// dashes; "" when it is not one.
std::string MachineId(absl::string_view text) {
  std::string id;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '-' && text.size() == 36 &&
        (i == 8 || i == 13 || i == 18 || i == 23)) {
      continue;
    }
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return "";
    id.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
  }
  return id.size() == 32 ? id : "";
}

int Host(ConditionWorld& w, const std::string& parameter) {
  const std::string id = MachineId(parameter);
  if (!id.empty()) {
    fault::StatusOr<std::string> ours = w.ReadFile("/etc/machine-id");
    if (!ours.ok()) return kError;
    return Bool(MachineId(absl::StripAsciiWhitespace(*ours)) == id);
  }
  return Bool(fnmatch(parameter.c_str(), w.HostName().c_str(), FNM_CASEFOLD) ==
              0);
}

int Capability(ConditionWorld& w, const std::string& name) {
  const int number = CapabilityNumber(name);
  if (number < 0) return kError;
  fault::StatusOr<std::string> status = w.ReadFile("/proc/self/status");
  if (!status.ok()) return kError;
  for (absl::string_view line : absl::StrSplit(*status, '\n')) {
    if (!absl::ConsumePrefix(&line, "CapBnd:")) continue;
    uint64_t bounding = 0;
    if (!absl::SimpleHexAtoi(absl::StripAsciiWhitespace(line), &bounding)) {
      return kError;
    }
    return Bool(number < 64 && (bounding >> number) & 1);
  }
  return kError;
}

int Security(ConditionWorld& w, const std::string& p) {
  if (p == "selinux") return Bool(Exists(w, "/sys/fs/selinux/enforce"));
  if (p == "apparmor") {
    return Bool(ParseConditionBoolean(
                    Line(w, "/sys/module/apparmor/parameters/enabled"))
                    .value_or(false));
  }
  if (p == "tomoyo")
    return Bool(Exists(w, "/sys/kernel/security/tomoyo/version"));
  if (p == "ima") return Bool(Exists(w, "/sys/kernel/security/ima/"));
  if (p == "smack") return Bool(Exists(w, "/sys/fs/smackfs/"));
  if (p == "audit") return Bool(w.AuditAvailable());
  if (p == "uefi-secureboot") {
    // The variable's 4 bytes of attributes, then its value.
    fault::StatusOr<std::string> v = w.ReadFile(
        "/sys/firmware/efi/efivars/"
        "SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c");
    return Bool(v.ok() && v->size() == 5 && (*v)[4] == 1);
  }
  if (p == "measured-uki") {
    return Bool(Exists(w,
                       "/sys/firmware/efi/efivars/"
                       "StubPcrKernelImage-4a67b082-0a4c-41cf-b6c7-"
                       "440b29bb8c4f"));
  }
  if (p == "tpm2") {
    fault::StatusOr<std::vector<std::string>> devices =
        w.ListDirectory("/sys/class/tpmrm");
    return Bool(devices.ok() && !devices->empty());
  }
  return kFalse;  // cvm, and what faultinit does not know
}

int Virtualization(ConditionWorld& w, const std::string& p) {
  if (p == "private-users") {
    // In a user namespace unless the whole range maps to itself.
    fault::StatusOr<std::string> map = w.ReadFile("/proc/self/uid_map");
    if (!map.ok()) return kFalse;  // no user namespaces at all
    std::vector<absl::string_view> words =
        absl::StrSplit(*map, absl::ByAnyChar(" \t\n"), absl::SkipEmpty());
    return Bool(!(words.size() == 3 && words[0] == "0" && words[1] == "0" &&
                  words[2] == "4294967295"));
  }
  const std::string v = DetectVirtualization(w);
  if (std::optional<bool> b = ParseConditionBoolean(p)) {
    return Bool((v != "none") == *b);
  }
  if (p == "vm") return Bool(IsVirtualMachineId(v));
  if (p == "container") return Bool(v != "none" && !IsVirtualMachineId(v));
  return Bool(v == p);
}

int Test(const Condition& c, ConditionWorld& w) {
  const std::string& p = c.parameter;
  switch (c.kind) {
    case ConditionKind::kPathExists:
      return Bool(Exists(w, p));
    case ConditionKind::kPathExistsGlob:
      return Bool(w.GlobMatches(p));
    case ConditionKind::kPathIsDirectory: {
      auto st = w.Stat(p, true);
      return Bool(st.ok() && S_ISDIR(st->mode));
    }
    case ConditionKind::kPathIsSymbolicLink: {
      auto st = w.Stat(p, false);
      return Bool(st.ok() && S_ISLNK(st->mode));
    }
    case ConditionKind::kPathIsMountPoint:
      return IsMountPoint(w, p);
    case ConditionKind::kPathIsReadWrite: {
      // Only a missing path is false; another error (EACCES...) counts as
      // read-write, as in systemd.
      fault::StatusOr<bool> read_only = w.ReadOnlyFileSystem(p);
      if (!read_only.ok()) {
        return Bool(read_only.status().error_number() != ENOENT);
      }
      return Bool(!*read_only);
    }
    case ConditionKind::kDirectoryNotEmpty: {
      fault::StatusOr<std::vector<std::string>> names = w.ListDirectory(p);
      if (!names.ok()) {
        const int e = names.status().error_number();
        return Bool(e != ENOENT && e != ENOTDIR);
      }
      for (const std::string& name : *names) {
        if (!HiddenOrBackup(name)) return kTrue;
      }
      return kFalse;
    }
    case ConditionKind::kFileNotEmpty: {
      auto st = w.Stat(p, true);
      return Bool(st.ok() && S_ISREG(st->mode) && st->size > 0);
    }
    case ConditionKind::kFileIsExecutable: {
      auto st = w.Stat(p, true);
      return Bool(st.ok() && S_ISREG(st->mode) && (st->mode & 0111) != 0);
    }
    case ConditionKind::kKernelCommandLine: {
      fault::StatusOr<std::string> line = w.ReadFile("/proc/cmdline");
      if (!line.ok()) return kError;
      return Bool(FindSetting(CommandLineWords(*line), p));
    }
    case ConditionKind::kVirtualization:
      return Virtualization(w, p);
    case ConditionKind::kCapability:
      return Capability(w, p);
    case ConditionKind::kSecurity:
      return Security(w, p);
    case ConditionKind::kACPower: {
      std::optional<bool> want = ParseConditionBoolean(p);
      if (!want) return kError;
      return Bool(OnAcPower(w) == *want);
    }
    case ConditionKind::kFirstBoot: {
      std::optional<bool> want = ParseConditionBoolean(p);
      if (!want) return kError;
      return Bool(FirstBoot(w) == *want);
    }
    case ConditionKind::kNeedsUpdate:
      return NeedsUpdate(w, p);
    case ConditionKind::kCPUs:
    case ConditionKind::kMemory: {
      const bool memory = c.kind == ConditionKind::kMemory;
      std::optional<Comparison> want = ParseComparison(p, memory);
      if (!want) return kError;
      const uint64_t have = memory ? w.PhysicalMemory() : w.CpuCount();
      if (have == 0) return kError;
      return Bool(Compare(have, *want));
    }
    case ConditionKind::kHost:
      return Host(w, p);
    case ConditionKind::kArchitecture: {
      if (!IsKnownArchitecture(p)) return kError;
      const std::string want =
          p == "native" ? std::string(NativeArchitecture()) : p;
      return Bool(!want.empty() && UnameArchitecture(w.Machine()) == want);
    }
    case ConditionKind::kEnvironment:
      return Bool(FindSetting(w.Environment(), p));
  }
  return kError;
}

// One family by systemd's rule; "" when it holds, else the reason's tail.
std::string CheckFamily(absl::Span<const Condition> conditions, bool asserts,
                        ConditionWorld& world) {
  bool any_trigger = false;
  bool triggered = false;
  std::string triggers;
  for (const Condition& c : conditions) {
    if (c.assertion != asserts) continue;
    const bool holds = TestCondition(c, world) == ConditionResult::kTrue;
    if (!c.trigger) {
      if (!holds) return c.ToString();
      continue;
    }
    any_trigger = true;
    triggered = triggered || holds;
    absl::StrAppend(&triggers, triggers.empty() ? "" : ", ", c.ToString());
  }
  if (any_trigger && !triggered) return absl::StrCat("none of ", triggers);
  return "";
}

}  // namespace

ConditionResult TestCondition(const Condition& condition,
                              ConditionWorld& world) {
  const int r = Test(condition, world);
  if (r < 0) return ConditionResult::kError;  // "!" does not make it true
  return (r > 0) != condition.negate ? ConditionResult::kTrue
                                     : ConditionResult::kFalse;
}

ConditionVerdict CheckConditions(absl::Span<const Condition> conditions,
                                 ConditionWorld& world) {
  ConditionVerdict verdict;
  if (conditions.empty()) return verdict;
  std::string failed = CheckFamily(conditions, false, world);
  if (!failed.empty()) {
    verdict.outcome = ConditionVerdict::Outcome::kConditionFailed;
    verdict.reason = absl::StrCat("condition failed: ", failed);
    return verdict;
  }
  failed = CheckFamily(conditions, true, world);
  if (!failed.empty()) {
    verdict.outcome = ConditionVerdict::Outcome::kAssertFailed;
    verdict.reason = absl::StrCat("assertion failed: ", failed);
  }
  return verdict;
}

std::string DetectVirtualization(ConditionWorld& w) {
  static constexpr absl::string_view kContainerIds[] = {
      "lxc", "lxc-libvirt", "systemd-nspawn", "docker", "podman",
      "rkt", "wsl",         "proot",          "pouch",
  };
  auto container = [](absl::string_view name) -> std::string {
    for (absl::string_view id : kContainerIds) {
      if (name == id) return std::string(id);
    }
    return "container-other";
  };
  // Containers, as systemd's detect_container.
  if (Exists(w, "/proc/vz") && !Exists(w, "/proc/bc")) return "openvz";
  const std::string release = Line(w, "/proc/sys/kernel/osrelease");
  if (absl::StrContains(release, "Microsoft") ||
      absl::StrContains(release, "WSL")) {
    return "wsl";
  }
  for (const char* file :
       {"/run/host/container-manager", "/run/systemd/container"}) {
    const std::string name = Line(w, file);
    if (!name.empty()) return container(name);
  }
  for (const std::string& entry : w.Environment()) {
    absl::string_view value = entry;
    if (absl::ConsumePrefix(&value, "container=") && !value.empty()) {
      if (value == "oci") break;  // not a manager's name: look further
      return container(value);
    }
  }
  if (Exists(w, "/run/.containerenv")) return "podman";
  if (Exists(w, "/.dockerenv")) return "docker";
  // Virtual machines: DMI, as systemd's detect_vm_dmi.
  static constexpr std::pair<absl::string_view, absl::string_view> kVendors[] =
      {
          {"KVM", "kvm"},
          {"OpenStack", "kvm"},
          {"KubeVirt", "kvm"},
          {"Amazon EC2", "amazon"},
          {"QEMU", "qemu"},
          {"VMware", "vmware"},
          {"VMW", "vmware"},
          {"innotek GmbH", "oracle"},
          {"VirtualBox", "oracle"},
          {"Xen", "xen"},
          {"Bochs", "bochs"},
          {"Parallels", "parallels"},
          {"BHYVE", "bhyve"},
          {"Hyper-V", "microsoft"},
          {"Apple Virtualization", "apple"},
          {"Google Compute Engine", "google"},
      };
  for (const char* file :
       {"/sys/class/dmi/id/product_name", "/sys/class/dmi/id/sys_vendor",
        "/sys/class/dmi/id/board_vendor", "/sys/class/dmi/id/bios_vendor",
        "/sys/class/dmi/id/product_version"}) {
    const std::string vendor = Line(w, file);
    for (const auto& [prefix, id] : kVendors) {
      if (absl::StartsWith(vendor, prefix)) return std::string(id);
    }
  }
  // The device tree (arm boards under a hypervisor).
  fault::StatusOr<std::string> compatible =
      w.ReadFile("/proc/device-tree/hypervisor/compatible");
  if (compatible.ok()) {
    if (absl::StrContains(*compatible, "linux,kvm")) return "kvm";
    if (absl::StrContains(*compatible, "xen")) return "xen";
    if (absl::StrContains(*compatible, "vmware")) return "vmware";
    return "vm-other";
  }
  if (Line(w, "/sys/hypervisor/type") == "xen") return "xen";
  // The CPU says it runs under a hypervisor, which none of the above named.
  fault::StatusOr<std::string> cpuinfo = w.ReadFile("/proc/cpuinfo");
  if (cpuinfo.ok()) {
    for (absl::string_view line : absl::StrSplit(*cpuinfo, '\n')) {
      if (!absl::StartsWith(line, "flags")) continue;
      for (absl::string_view flag :
           absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty())) {
        if (flag == "hypervisor") return "vm-other";
      }
      break;
    }
  }
  return "none";
}

}  // namespace faultinit
