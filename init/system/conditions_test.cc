#include "init/system/conditions.h"

#include <errno.h>
#include <fnmatch.h>
#include <sys/stat.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "init/system/unit.h"
#include "init/system/unit_conditions.h"

namespace faultinit {
namespace {

using ::testing::HasSubstr;

// FakeWorld: a file tree and a machine in memory.
class FakeWorld : public ConditionWorld {
 public:
  struct Node {
    mode_t mode = S_IFREG | 0644;
    std::string content;
    std::string target;  // a symbolic link's
    int64_t mtime_sec = 0;
    int64_t mtime_nsec = 0;
  };

  Node& File(const std::string& path, std::string content = "",
             mode_t mode = 0644) {
    Node& n = files[path];
    n.mode = S_IFREG | mode;
    n.content = std::move(content);
    return n;
  }
  void Dir(const std::string& path) { files[path].mode = S_IFDIR | 0755; }
  void Link(const std::string& path, const std::string& target) {
    Node& n = files[path];
    n.mode = S_IFLNK | 0777;
    n.target = target;
  }

  fault::StatusOr<FileStatus> Stat(const std::string& path,
                                   bool follow) override {
    const Node* n = Find(path, follow);
    if (n == nullptr) return fault::ErrnoToStatus(ENOENT, path);
    return FileStatus{n->mode, static_cast<int64_t>(n->content.size()),
                      n->mtime_sec, n->mtime_nsec};
  }
  fault::StatusOr<std::string> ReadFile(const std::string& path) override {
    const Node* n = Find(path, true);
    if (n == nullptr) return fault::ErrnoToStatus(ENOENT, path);
    if (!S_ISREG(n->mode)) return fault::ErrnoToStatus(EISDIR, path);
    return n->content;
  }
  fault::StatusOr<std::vector<std::string>> ListDirectory(
      const std::string& path) override {
    const Node* n = Find(path, true);
    if (n == nullptr) return fault::ErrnoToStatus(ENOENT, path);
    if (!S_ISDIR(n->mode)) return fault::ErrnoToStatus(ENOTDIR, path);
    std::vector<std::string> names;
    const std::string prefix = path + "/";
    for (const auto& [p, node] : files) {
      if (absl::StartsWith(p, prefix) &&
          p.find('/', prefix.size()) == std::string::npos) {
        names.push_back(p.substr(prefix.size()));
      }
    }
    return names;
  }
  fault::StatusOr<std::string> RealPath(const std::string& path) override {
    auto it = files.find(path);
    if (it == files.end()) return fault::ErrnoToStatus(ENOENT, path);
    return S_ISLNK(it->second.mode) ? it->second.target : path;
  }
  fault::StatusOr<bool> ReadOnlyFileSystem(const std::string& path) override {
    if (denied.count(path) > 0) return fault::ErrnoToStatus(EACCES, path);
    if (Find(path, true) == nullptr) return fault::ErrnoToStatus(ENOENT, path);
    return read_only.count(path) > 0;
  }
  bool GlobMatches(const std::string& pattern) override {
    for (const auto& [p, node] : files) {
      if (fnmatch(pattern.c_str(), p.c_str(), FNM_PATHNAME) == 0) return true;
    }
    return false;
  }
  std::vector<std::string> Environment() override { return environment; }
  std::string HostName() override { return host; }
  std::string Machine() override { return machine; }
  uint64_t CpuCount() override { return cpus; }
  uint64_t PhysicalMemory() override { return memory; }
  bool AuditAvailable() override { return audit; }

  std::map<std::string, Node> files;
  std::set<std::string> read_only;
  std::set<std::string> denied;  // ReadOnlyFileSystem fails with EACCES
  std::vector<std::string> environment;
  std::string host = "board";
  std::string machine = "x86_64";
  uint64_t cpus = 4;
  uint64_t memory = uint64_t{1} << 30;
  bool audit = false;

 private:
  const Node* Find(const std::string& path, bool follow) {
    auto it = files.find(path);
    if (it == files.end()) return nullptr;
    if (follow && S_ISLNK(it->second.mode))
      return Find(it->second.target, true);
    return &it->second;
  }
};

// The conditions of a unit file whose [Unit] has `lines`.
ParsedUnit Parse(const std::string& lines) {
  return ParseUnit("/u/x.service", absl::StrCat("[Unit]\n", lines,
                                                "\n[Service]\nExecStart=/bin/"
                                                "true\n"));
}

// Whether a one-line condition holds in `world`.
ConditionResult Holds(const std::string& line, ConditionWorld& world) {
  ParsedUnit parsed = Parse(line);
  EXPECT_TRUE(parsed.ok()) << line << ": "
                           << (parsed.diagnostics.empty()
                                   ? ""
                                   : parsed.diagnostics[0].ToString());
  EXPECT_EQ(parsed.unit.conditions.size(), 1u) << line;
  if (parsed.unit.conditions.size() != 1) return ConditionResult::kError;
  return TestCondition(parsed.unit.conditions[0], world);
}

constexpr ConditionResult kTrue = ConditionResult::kTrue;
constexpr ConditionResult kFalse = ConditionResult::kFalse;
constexpr ConditionResult kError = ConditionResult::kError;

// --- Parsing ---

TEST(ConditionParseTest, PrefixesAndFamilies) {
  ParsedUnit p = Parse(
      "ConditionPathExists=|!/etc/a\n"
      "ConditionPathExists=| /etc/b\n"
      "AssertPathExists=! /etc/c\n");
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p.unit.conditions.size(), 3u);
  const Condition& a = p.unit.conditions[0];
  EXPECT_TRUE(a.trigger);
  EXPECT_TRUE(a.negate);
  EXPECT_FALSE(a.assertion);
  EXPECT_EQ(a.parameter, "/etc/a");
  EXPECT_EQ(a.ToString(), "ConditionPathExists=|!/etc/a");
  EXPECT_EQ(p.unit.conditions[1].ToString(), "ConditionPathExists=|/etc/b");
  EXPECT_TRUE(p.unit.conditions[2].assertion);
  EXPECT_EQ(p.unit.conditions[2].ToString(), "AssertPathExists=!/etc/c");
}

TEST(ConditionParseTest, EmptyValueResetsItsFamilyOnly) {
  ParsedUnit p = Parse(
      "ConditionPathExists=/a\n"
      "ConditionHost=b\n"
      "AssertPathExists=/c\n"
      "ConditionFileNotEmpty=\n"
      "ConditionPathExists=/d\n");
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p.unit.conditions.size(), 2u);
  EXPECT_EQ(p.unit.conditions[0].ToString(), "AssertPathExists=/c");
  EXPECT_EQ(p.unit.conditions[1].ToString(), "ConditionPathExists=/d");
  p = Parse("ConditionPathExists=/a\nAssertHost=b\nAssertHost=\n");
  ASSERT_EQ(p.unit.conditions.size(), 1u);
  EXPECT_EQ(p.unit.conditions[0].ToString(), "ConditionPathExists=/a");
}

TEST(ConditionParseTest, SpecifiersResolved) {
  ParsedUnit p = Parse("ConditionPathExists=/etc/%N.conf");
  ASSERT_EQ(p.unit.conditions.size(), 1u);
  EXPECT_EQ(p.unit.conditions[0].parameter, "/etc/x.conf");
}

TEST(ConditionParseTest, InvalidValuesAreErrors) {
  for (const char* line : {
           "ConditionPathExists=etc/foo",
           "AssertDirectoryNotEmpty=!relative",
           "ConditionNeedsUpdate=etc",
           "ConditionACPower=maybe",
           "ConditionFirstBoot=",  // fine: a reset; checked below
           "ConditionCPUs=>=four",
           "ConditionMemory=1X",
           "ConditionPathExists=|!",
       }) {
    ParsedUnit p = Parse(line);
    if (absl::EndsWith(line, "=")) {
      EXPECT_TRUE(p.ok()) << line;
      continue;
    }
    ASSERT_FALSE(p.ok()) << line;
    const std::string key =
        std::string(line).substr(0, std::string(line).find('='));
    EXPECT_THAT(p.diagnostics[0].ToString(),
                HasSubstr(absl::StrCat(":2: error: ", key, ": ")))
        << line;
  }
}

TEST(ConditionParseTest, WarningsForWhatDiffersOrIsUnknown) {
  struct Case {
    const char* line;
    const char* warning;  // "" for none
  };
  for (const Case& c : std::vector<Case>{
           {"ConditionVirtualization=!container", ""},
           {"ConditionVirtualization=docker", ""},
           {"ConditionVirtualization=vm",
            "ConditionVirtualization: differs from systemd: "},
           {"ConditionVirtualization=no",
            "ConditionVirtualization: differs from systemd: "},
           {"ConditionVirtualization=floppy",
            "ConditionVirtualization: unknown virtualization \"floppy\""},
           {"ConditionCapability=CAP_SYS_TIME", ""},
           {"ConditionCapability=CAP_FLY", "unknown capability \"CAP_FLY\""},
           {"ConditionSecurity=apparmor", ""},
           {"ConditionSecurity=tpm2",
            "ConditionSecurity: differs from systemd"},
           {"ConditionSecurity=cvm", "ConditionSecurity: differs from systemd"},
           {"ConditionSecurity=magic", "unknown security technology"},
           {"ConditionFirstBoot=yes",
            "ConditionFirstBoot: differs from systemd"},
           {"ConditionArchitecture=arm64", ""},
           {"ConditionArchitecture=z80", "unknown architecture \"z80\""},
       }) {
    ParsedUnit p = Parse(c.line);
    EXPECT_TRUE(p.ok()) << c.line;
    if (c.warning[0] == '\0') {
      EXPECT_TRUE(p.diagnostics.empty()) << c.line;
      continue;
    }
    ASSERT_EQ(p.diagnostics.size(), 1u) << c.line;
    EXPECT_EQ(p.diagnostics[0].severity, Severity::kWarning);
    EXPECT_THAT(p.diagnostics[0].message, HasSubstr(c.warning)) << c.line;
  }
}

TEST(ConditionParseTest, ConditionInServiceBelongsInUnit) {
  ParsedUnit p = ParseUnit("/u/x.service",
                           "[Service]\nConditionPathExists=/a\n"
                           "ExecStart=/bin/true\n");
  ASSERT_EQ(p.diagnostics.size(), 1u);
  EXPECT_THAT(p.diagnostics[0].message, HasSubstr("(it belongs in [Unit])"));
}

TEST(ConditionParseTest, ExecCondition) {
  ParsedUnit p = ParseUnit("/u/x.service",
                           "[Service]\nExecCondition=-/bin/check a\n"
                           "ExecCondition=/bin/other\nExecStart=/bin/true\n");
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p.unit.exec_condition.size(), 2u);
  EXPECT_TRUE(p.unit.exec_condition[0].ignore_failure);
  EXPECT_FALSE(p.unit.exec_condition[1].ignore_failure);
  p = ParseUnit("/u/x.service",
                "[Service]\nExecCondition=/bin/a\nExecCondition=\n"
                "ExecStart=/bin/true\n");
  EXPECT_TRUE(p.unit.exec_condition.empty());
}

TEST(ConditionParseTest, ComparisonSyntax) {
  std::optional<Comparison> c = ParseComparison("4", false);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->order, Order::kGreaterOrEqual);  // systemd's default
  EXPECT_EQ(c->value, 4u);
  c = ParseComparison("<= 2", false);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->order, Order::kLessOrEqual);
  EXPECT_EQ(c->value, 2u);
  c = ParseComparison("!=512M", true);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->order, Order::kNotEqual);
  EXPECT_EQ(c->value, 512u << 20);
  c = ParseComparison(">1.5G", true);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->value, (uint64_t{3} << 30) / 2);
  EXPECT_FALSE(ParseComparison("1G", false));
  EXPECT_FALSE(ParseComparison("", false));
  EXPECT_FALSE(ParseComparison("99999999999999999999E", true));
}

// --- Each condition ---

TEST(ConditionTest, PathConditions) {
  FakeWorld w;
  w.File("/etc/a", "text");
  w.File("/etc/empty");
  w.File("/bin/tool", "#!", 0755);
  w.Dir("/etc");
  w.Dir("/var/lib/d");
  w.Link("/etc/link", "/etc/a");
  w.Link("/etc/dangling", "/nowhere");
  EXPECT_EQ(Holds("ConditionPathExists=/etc/a", w), kTrue);
  EXPECT_EQ(Holds("ConditionPathExists=/etc/b", w), kFalse);
  EXPECT_EQ(Holds("ConditionPathExists=!/etc/b", w), kTrue);
  EXPECT_EQ(Holds("ConditionPathExists=/etc/dangling", w), kFalse);
  EXPECT_EQ(Holds("ConditionPathExistsGlob=/etc/l*", w), kTrue);
  EXPECT_EQ(Holds("ConditionPathExistsGlob=/var/*/x*", w), kFalse);
  EXPECT_EQ(Holds("ConditionPathIsDirectory=/etc", w), kTrue);
  EXPECT_EQ(Holds("ConditionPathIsDirectory=/etc/a", w), kFalse);
  EXPECT_EQ(Holds("ConditionPathIsSymbolicLink=/etc/link", w), kTrue);
  EXPECT_EQ(Holds("ConditionPathIsSymbolicLink=/etc/a", w), kFalse);
  EXPECT_EQ(Holds("ConditionFileNotEmpty=/etc/a", w), kTrue);
  EXPECT_EQ(Holds("ConditionFileNotEmpty=/etc/link", w), kTrue);
  EXPECT_EQ(Holds("ConditionFileNotEmpty=/etc/empty", w), kFalse);
  EXPECT_EQ(Holds("ConditionFileNotEmpty=/etc", w), kFalse);
  EXPECT_EQ(Holds("ConditionFileIsExecutable=/bin/tool", w), kTrue);
  EXPECT_EQ(Holds("ConditionFileIsExecutable=/etc/a", w), kFalse);
  EXPECT_EQ(Holds("ConditionFileIsExecutable=/etc", w), kFalse);
}

TEST(ConditionTest, DirectoryNotEmptyIgnoresHiddenAndBackupFiles) {
  FakeWorld w;
  w.Dir("/d");
  w.File("/d/.hidden");
  w.File("/d/x.dpkg-old");
  w.File("/d/y~");
  w.File("/file");
  EXPECT_EQ(Holds("ConditionDirectoryNotEmpty=/d", w), kFalse);
  EXPECT_EQ(Holds("ConditionDirectoryNotEmpty=/missing", w), kFalse);
  EXPECT_EQ(Holds("ConditionDirectoryNotEmpty=/file", w), kFalse);
  w.File("/d/real.conf");
  EXPECT_EQ(Holds("ConditionDirectoryNotEmpty=/d", w), kTrue);
}

TEST(ConditionTest, MountPointAndReadWrite) {
  FakeWorld w;
  w.Dir("/");
  w.Dir("/proc/sys/fs/binfmt_misc");
  w.Dir("/data");
  w.Dir("/etc");
  w.Link("/mnt", "/data");
  w.File("/proc/self/mountinfo",
         "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
         "30 22 0:5 / /proc/sys/fs/binfmt_misc rw - binfmt_misc x rw\n"
         "31 22 8:2 / /da\\040ta rw - ext4 /dev/sda2 rw\n"
         "32 22 8:2 / /data rw - ext4 /dev/sda2 rw\n");
  EXPECT_EQ(Holds("ConditionPathIsMountPoint=/", w), kTrue);
  EXPECT_EQ(Holds("ConditionPathIsMountPoint=/proc/sys/fs/binfmt_misc", w),
            kTrue);
  EXPECT_EQ(Holds("ConditionPathIsMountPoint=/mnt", w), kTrue);  // followed
  EXPECT_EQ(Holds("ConditionPathIsMountPoint=/etc", w), kFalse);
  EXPECT_EQ(Holds("ConditionPathIsMountPoint=/missing", w), kFalse);
  w.read_only.insert("/etc");
  EXPECT_EQ(Holds("ConditionPathIsReadWrite=/etc", w), kFalse);
  EXPECT_EQ(Holds("ConditionPathIsReadWrite=/data", w), kTrue);
  EXPECT_EQ(Holds("ConditionPathIsReadWrite=/missing", w), kFalse);
  EXPECT_EQ(Holds("ConditionPathIsReadWrite=!/etc", w), kTrue);
  // Only a missing path is false: an error other than ENOENT reads as
  // read-write, as systemd's condition_test_path_is_read_write has it.
  w.denied.insert("/secret");
  EXPECT_EQ(Holds("ConditionPathIsReadWrite=/secret", w), kTrue);
}

TEST(ConditionTest, KernelCommandLine) {
  FakeWorld w;
  w.File("/proc/cmdline",
         "BOOT_IMAGE=/vmlinuz root=/dev/sda1 quiet modules-load=a,b "
         "title=\"two words\" audit\n");
  EXPECT_EQ(Holds("ConditionKernelCommandLine=quiet", w), kTrue);
  EXPECT_EQ(Holds("ConditionKernelCommandLine=root", w), kTrue);
  EXPECT_EQ(Holds("ConditionKernelCommandLine=roo", w), kFalse);
  EXPECT_EQ(Holds("ConditionKernelCommandLine=root=/dev/sda1", w), kTrue);
  EXPECT_EQ(Holds("ConditionKernelCommandLine=root=/dev/sda", w), kFalse);
  EXPECT_EQ(Holds("ConditionKernelCommandLine=title=two words", w), kTrue);
  EXPECT_EQ(Holds("ConditionKernelCommandLine=!audit=0", w), kTrue);
  EXPECT_EQ(Holds("ConditionKernelCommandLine=audit", w), kTrue);
  w.files.erase("/proc/cmdline");
  EXPECT_EQ(Holds("ConditionKernelCommandLine=quiet", w), kError);
  // An error is not made true by "!".
  EXPECT_EQ(Holds("ConditionKernelCommandLine=!quiet", w), kError);
}

TEST(ConditionTest, Virtualization) {
  FakeWorld w;
  EXPECT_EQ(DetectVirtualization(w), "none");
  EXPECT_EQ(Holds("ConditionVirtualization=no", w), kTrue);
  EXPECT_EQ(Holds("ConditionVirtualization=!container", w), kTrue);
  w.environment = {"PATH=/bin", "container=docker"};
  EXPECT_EQ(DetectVirtualization(w), "docker");
  EXPECT_EQ(Holds("ConditionVirtualization=container", w), kTrue);
  EXPECT_EQ(Holds("ConditionVirtualization=docker", w), kTrue);
  EXPECT_EQ(Holds("ConditionVirtualization=vm", w), kFalse);
  EXPECT_EQ(Holds("ConditionVirtualization=yes", w), kTrue);
  w.environment = {"container=my-own"};
  EXPECT_EQ(DetectVirtualization(w), "container-other");
  w.environment = {};
  w.File("/run/systemd/container", "lxc\n");
  EXPECT_EQ(DetectVirtualization(w), "lxc");
  w.files.clear();
  w.File("/sys/class/dmi/id/sys_vendor", "QEMU\n");
  EXPECT_EQ(DetectVirtualization(w), "qemu");
  EXPECT_EQ(Holds("ConditionVirtualization=vm", w), kTrue);
  EXPECT_EQ(Holds("ConditionVirtualization=qemu", w), kTrue);
  EXPECT_EQ(Holds("ConditionVirtualization=kvm", w), kFalse);
  EXPECT_EQ(Holds("ConditionVirtualization=container", w), kFalse);
  w.files.clear();
  w.File("/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu vme hypervisor\n");
  EXPECT_EQ(DetectVirtualization(w), "vm-other");
  w.files.clear();
  w.File("/proc/self/uid_map", "         0          0 4294967295\n");
  EXPECT_EQ(Holds("ConditionVirtualization=private-users", w), kFalse);
  w.File("/proc/self/uid_map", "         0       1000          1\n");
  EXPECT_EQ(Holds("ConditionVirtualization=private-users", w), kTrue);
}

TEST(ConditionTest, Capability) {
  FakeWorld w;
  // CAP_SYS_TIME is 25; CAP_SYS_MODULE 16.
  w.File("/proc/self/status",
         "Name:\tfaultinit\nCapBnd:\t0000000002000000\nCapAmb:\t0\n");
  EXPECT_EQ(Holds("ConditionCapability=CAP_SYS_TIME", w), kTrue);
  EXPECT_EQ(Holds("ConditionCapability=cap_sys_time", w), kTrue);
  EXPECT_EQ(Holds("ConditionCapability=CAP_SYS_MODULE", w), kFalse);
  EXPECT_EQ(Holds("ConditionCapability=!CAP_SYS_MODULE", w), kTrue);
  ParsedUnit unknown = Parse("ConditionCapability=!CAP_FLY");
  ASSERT_EQ(unknown.unit.conditions.size(), 1u);
  EXPECT_EQ(TestCondition(unknown.unit.conditions[0], w), kError);
}

TEST(ConditionTest, Security) {
  FakeWorld w;
  for (const char* s : {"selinux", "apparmor", "tomoyo", "ima", "smack",
                        "audit", "uefi-secureboot", "tpm2", "measured-uki"}) {
    EXPECT_EQ(Holds(absl::StrCat("ConditionSecurity=", s), w), kFalse) << s;
  }
  w.File("/sys/fs/selinux/enforce", "1");
  w.File("/sys/module/apparmor/parameters/enabled", "Y\n");
  w.File("/sys/kernel/security/tomoyo/version", "2.6");
  w.Dir("/sys/kernel/security/ima/");
  w.Dir("/sys/fs/smackfs/");
  w.audit = true;
  w.File(
      "/sys/firmware/efi/efivars/"
      "SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c",
      std::string("\x06\0\0\0\x01", 5));
  w.Dir("/sys/class/tpmrm");
  w.Link("/sys/class/tpmrm/tpmrm0", "/sys/devices/tpmrm0");
  w.File(
      "/sys/firmware/efi/efivars/"
      "StubPcrKernelImage-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f",
      "x");
  for (const char* s : {"selinux", "apparmor", "tomoyo", "ima", "smack",
                        "audit", "uefi-secureboot", "tpm2", "measured-uki"}) {
    EXPECT_EQ(Holds(absl::StrCat("ConditionSecurity=", s), w), kTrue) << s;
  }
  EXPECT_EQ(Holds("ConditionSecurity=cvm", w), kFalse);
  w.File(
      "/sys/firmware/efi/efivars/"
      "SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c",
      std::string("\x06\0\0\0\x00", 5));
  EXPECT_EQ(Holds("ConditionSecurity=uefi-secureboot", w), kFalse);
  w.File("/sys/module/apparmor/parameters/enabled", "N\n");
  EXPECT_EQ(Holds("ConditionSecurity=apparmor", w), kFalse);
}

TEST(ConditionTest, ACPower) {
  FakeWorld w;
  // No power supply at all: on AC.
  EXPECT_EQ(Holds("ConditionACPower=true", w), kTrue);
  EXPECT_EQ(Holds("ConditionACPower=false", w), kFalse);
  w.Dir("/sys/class/power_supply");
  w.File("/sys/class/power_supply/AC/type", "Mains\n");
  w.File("/sys/class/power_supply/AC/online", "0\n");
  w.File("/sys/class/power_supply/BAT0/type", "Battery\n");
  w.Dir("/sys/class/power_supply/AC");
  w.Dir("/sys/class/power_supply/BAT0");
  EXPECT_EQ(Holds("ConditionACPower=true", w), kFalse);
  EXPECT_EQ(Holds("ConditionACPower=no", w), kTrue);
  w.File("/sys/class/power_supply/AC/online", "1\n");
  EXPECT_EQ(Holds("ConditionACPower=yes", w), kTrue);
}

TEST(ConditionTest, FirstBoot) {
  FakeWorld w;
  w.File("/proc/cmdline", "quiet\n");
  EXPECT_EQ(Holds("ConditionFirstBoot=yes", w), kTrue);  // no machine id
  w.File("/etc/machine-id", "uninitialized\n");
  EXPECT_EQ(Holds("ConditionFirstBoot=yes", w), kTrue);
  w.File("/etc/machine-id", "0123456789abcdef0123456789abcdef\n");
  EXPECT_EQ(Holds("ConditionFirstBoot=yes", w), kFalse);
  EXPECT_EQ(Holds("ConditionFirstBoot=no", w), kTrue);
  w.File("/proc/cmdline", "quiet systemd.condition-first-boot=1\n");
  EXPECT_EQ(Holds("ConditionFirstBoot=yes", w), kTrue);
  // "_" and "-" alike in the key, as systemd's proc_cmdline (the man page
  // writes systemd.condition_first_boot=); the last one counts.
  w.File("/proc/cmdline", "systemd.condition_first_boot=1\n");
  EXPECT_EQ(Holds("ConditionFirstBoot=yes", w), kTrue);
  w.File("/proc/cmdline",
         "systemd.condition_first-boot systemd.condition-"
         "first_boot=no\n");
  EXPECT_EQ(Holds("ConditionFirstBoot=yes", w), kFalse);
}

TEST(ConditionTest, NeedsUpdate) {
  FakeWorld w;
  w.Dir("/usr/");
  w.files["/usr/"].mtime_sec = 200;
  w.Dir("/etc");
  EXPECT_EQ(Holds("ConditionNeedsUpdate=/etc", w), kTrue);  // no .updated
  w.File("/etc/.updated").mtime_sec = 300;
  EXPECT_EQ(Holds("ConditionNeedsUpdate=/etc", w), kFalse);
  w.files["/usr/"].mtime_sec = 400;
  EXPECT_EQ(Holds("ConditionNeedsUpdate=/etc", w), kTrue);
  w.read_only.insert("/etc");
  EXPECT_EQ(Holds("ConditionNeedsUpdate=/etc", w), kFalse);
  w.read_only.clear();
  // Same second; .updated without nanoseconds: its TIMESTAMP_NSEC= counts.
  w.files["/usr/"].mtime_sec = 300;
  w.files["/usr/"].mtime_nsec = 5;
  w.files["/etc/.updated"].content = "TIMESTAMP_NSEC=300000000004\n";
  EXPECT_EQ(Holds("ConditionNeedsUpdate=/etc", w), kTrue);
  w.files["/etc/.updated"].content = "TIMESTAMP_NSEC=300000000005\n";
  EXPECT_EQ(Holds("ConditionNeedsUpdate=/etc", w), kFalse);
  w.File("/proc/cmdline", "systemd.condition-needs-update=yes");
  EXPECT_EQ(Holds("ConditionNeedsUpdate=/etc", w), kTrue);
  w.File("/proc/cmdline", "systemd.condition_needs_update=yes");
  EXPECT_EQ(Holds("ConditionNeedsUpdate=/etc", w), kTrue);
}

TEST(ConditionTest, CPUsAndMemory) {
  FakeWorld w;
  w.cpus = 4;
  w.memory = uint64_t{2} << 30;
  EXPECT_EQ(Holds("ConditionCPUs=4", w), kTrue);  // >= by default
  EXPECT_EQ(Holds("ConditionCPUs=5", w), kFalse);
  EXPECT_EQ(Holds("ConditionCPUs=<4", w), kFalse);
  EXPECT_EQ(Holds("ConditionCPUs=<=4", w), kTrue);
  EXPECT_EQ(Holds("ConditionCPUs==4", w), kTrue);
  EXPECT_EQ(Holds("ConditionCPUs=!=4", w), kFalse);
  EXPECT_EQ(Holds("ConditionCPUs=>3", w), kTrue);
  EXPECT_EQ(Holds("ConditionMemory=2G", w), kTrue);
  EXPECT_EQ(Holds("ConditionMemory=>2G", w), kFalse);
  EXPECT_EQ(Holds("ConditionMemory=<4096M", w), kTrue);
}

TEST(ConditionTest, HostArchitectureEnvironment) {
  FakeWorld w;
  w.host = "Board-7";
  w.File("/etc/machine-id", "0123456789abcdef0123456789abcdef\n");
  EXPECT_EQ(Holds("ConditionHost=board-7", w), kTrue);  // case-insensitive
  EXPECT_EQ(Holds("ConditionHost=board-*", w), kTrue);
  EXPECT_EQ(Holds("ConditionHost=router", w), kFalse);
  EXPECT_EQ(Holds("ConditionHost=0123456789ABCDEF0123456789abcdef", w), kTrue);
  EXPECT_EQ(Holds("ConditionHost=01234567-89ab-cdef-0123-456789abcdef", w),
            kTrue);
  EXPECT_EQ(Holds("ConditionHost=ffffffffffffffffffffffffffffffff", w), kFalse);
  w.machine = "aarch64";
  EXPECT_EQ(Holds("ConditionArchitecture=arm64", w), kTrue);
  EXPECT_EQ(Holds("ConditionArchitecture=x86-64", w), kFalse);
  w.machine = "armv7l";
  EXPECT_EQ(Holds("ConditionArchitecture=arm", w), kTrue);
  w.machine = "x86_64";
  EXPECT_EQ(Holds("ConditionArchitecture=x86-64", w), kTrue);
#if defined(__x86_64__)
  EXPECT_EQ(Holds("ConditionArchitecture=native", w), kTrue);
#endif
  w.environment = {"LANG=C", "DEBUG=", "MODE=fast"};
  EXPECT_EQ(Holds("ConditionEnvironment=LANG", w), kTrue);
  EXPECT_EQ(Holds("ConditionEnvironment=DEBUG", w), kTrue);
  EXPECT_EQ(Holds("ConditionEnvironment=DEBUG=", w), kTrue);
  EXPECT_EQ(Holds("ConditionEnvironment=MODE=fast", w), kTrue);
  EXPECT_EQ(Holds("ConditionEnvironment=MODE=slow", w), kFalse);
  EXPECT_EQ(Holds("ConditionEnvironment=MOD", w), kFalse);
  EXPECT_EQ(Holds("ConditionEnvironment=!HOME", w), kTrue);
}

// --- The rule over a family ---

ConditionVerdict Verdict(const std::string& lines, ConditionWorld& w) {
  ParsedUnit p = Parse(lines);
  EXPECT_TRUE(p.ok()) << lines;
  return CheckConditions(p.unit.conditions, w);
}

TEST(ConditionRuleTest, NoConditionsPass) {
  FakeWorld w;
  EXPECT_EQ(Verdict("", w).outcome, ConditionVerdict::Outcome::kMet);
}

TEST(ConditionRuleTest, EveryPlainConditionMustHold) {
  FakeWorld w;
  w.File("/a");
  ConditionVerdict v = Verdict(
      "ConditionPathExists=/a\nConditionPathExists=/b\n"
      "ConditionPathExists=/c\n",
      w);
  EXPECT_EQ(v.outcome, ConditionVerdict::Outcome::kConditionFailed);
  EXPECT_EQ(v.reason, "condition failed: ConditionPathExists=/b");
  w.File("/b");
  w.File("/c");
  EXPECT_EQ(
      Verdict("ConditionPathExists=/a\nConditionPathExists=/b\n", w).outcome,
      ConditionVerdict::Outcome::kMet);
}

TEST(ConditionRuleTest, OneTriggerSuffices) {
  FakeWorld w;
  w.File("/b");
  const std::string triggers =
      "ConditionPathExists=|/a\nConditionPathExists=|/b\n";
  EXPECT_EQ(Verdict(triggers, w).outcome, ConditionVerdict::Outcome::kMet);
  // ...but not when a plain one fails.
  ConditionVerdict v = Verdict(triggers + "ConditionPathExists=/c\n", w);
  EXPECT_EQ(v.reason, "condition failed: ConditionPathExists=/c");
  w.files.clear();
  v = Verdict(triggers, w);
  EXPECT_EQ(v.outcome, ConditionVerdict::Outcome::kConditionFailed);
  EXPECT_EQ(v.reason,
            "condition failed: none of ConditionPathExists=|/a, "
            "ConditionPathExists=|/b");
  // Negated triggers, as Debian's gssproxy-like units write them.
  v = Verdict("ConditionPathExists=|!/a\nConditionPathExists=|!/b\n", w);
  EXPECT_EQ(v.outcome, ConditionVerdict::Outcome::kMet);
}

TEST(ConditionRuleTest, AssertsFailTheStartAfterConditions) {
  FakeWorld w;
  ConditionVerdict v = Verdict("AssertPathExists=/etc/initrd-release\n", w);
  EXPECT_EQ(v.outcome, ConditionVerdict::Outcome::kAssertFailed);
  EXPECT_EQ(v.reason, "assertion failed: AssertPathExists=/etc/initrd-release");
  // A failed condition skips before any assert is looked at.
  v = Verdict("AssertPathExists=/x\nConditionPathExists=/y\n", w);
  EXPECT_EQ(v.outcome, ConditionVerdict::Outcome::kConditionFailed);
  EXPECT_EQ(v.reason, "condition failed: ConditionPathExists=/y");
  // Triggering asserts follow the same rule.
  w.File("/b");
  v = Verdict("AssertPathExists=|/a\nAssertPathExists=|/b\n", w);
  EXPECT_EQ(v.outcome, ConditionVerdict::Outcome::kMet);
}

TEST(ConditionRuleTest, TheRealWorldAnswers) {
  // Not the machine's answers (they vary), but that asking does not fail.
  ConditionWorld& w = SystemConditionWorld();
  Condition c;
  c.parameter = "/";
  c.kind = ConditionKind::kPathIsDirectory;
  EXPECT_EQ(TestCondition(c, w), ConditionResult::kTrue);
  c.kind = ConditionKind::kPathIsMountPoint;
  EXPECT_EQ(TestCondition(c, w), ConditionResult::kTrue);
  c.kind = ConditionKind::kPathExists;
  c.parameter = "/nonexistent/faultinit-condition";
  EXPECT_EQ(TestCondition(c, w), ConditionResult::kFalse);
  EXPECT_GT(w.CpuCount(), 0u);
  EXPECT_GT(w.PhysicalMemory(), 0u);
  EXPECT_FALSE(w.Machine().empty());
  c.kind = ConditionKind::kCPUs;
  c.parameter = ">=1";
  EXPECT_EQ(TestCondition(c, w), ConditionResult::kTrue);
  c.kind = ConditionKind::kArchitecture;
  c.parameter = "native";
  EXPECT_EQ(TestCondition(c, w), ConditionResult::kTrue);
}

}  // namespace
}  // namespace faultinit
