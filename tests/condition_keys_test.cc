// Every Condition*= and Assert*= key of systemd.unit(5) ("Conditions and
// Asserts"), each in every form, on the real faultinit as PID 1 of a fresh
// PID, UTS and mount namespace. Per key, one boot with a value that holds
// and one that fails, set up in that namespace so that the answer is known
// whatever the host (a read-only tmpfs, a /proc/cmdline and a
// /sys/class/power_supply bound over the kernel's, a machine ID and a
// host name in a private /etc (faultinit sets the host name from it), a
// capability dropped from the bounding set); and these units:
//
//   c-yes       Condition=HOLDS        runs
//   c-no        Condition=FAILS        skipped, naming the condition, in
//                                      the log and in `faultctl status`
//   dep         Requires=After=c-no    runs all the same
//   c-not       Condition=!FAILS       runs
//   c-nothold   Condition=!HOLDS       skipped
//   c-or        Condition=|FAILS and Condition=|HOLDS          runs
//   c-neither   Condition=|FAILS twice                         skipped
//   a-yes, a-no, a-not, a-or: the same with Assert*=; a failed assert
//                                      fails the start, and `faultctl
//                                      start a-no` answers with it
//
// (A value written with "!" already, as Virtualization='s where the host
// is not in a user namespace, is negated by removing it.)

#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace faultinit::testing {
namespace {

constexpr int kCapWakeAlarm = 35;  // dropped from the bounding set
constexpr char kMachineId[] = "0123456789abcdef0123456789abcdef";

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

// Whether the test runs in a user namespace that maps less than all of
// the IDs to themselves (systemd's "private-users").
bool InUserNamespace() {
  std::string map = ReadText("/proc/self/uid_map");
  return map.find("0          0 4294967295") == std::string::npos;
}

// systemd's name for this machine's architecture, and one it is not.
std::string OtherArchitecture() {
  struct utsname u;
  uname(&u);
  return std::string(u.machine) == "x86_64" ? "arm64" : "x86-64";
}

struct Row {
  const char* kind;  // "PathExists": the key without Condition/Assert
  // What holds and what does not here; "D" is the test's directory.
  std::string holds, fails;
};

std::string Negated(const std::string& value) {
  return absl::StartsWith(value, "!") ? value.substr(1) : "!" + value;
}

std::vector<Row> Rows() {
  const bool userns = InUserNamespace();
  return {
      {"PathExists", "D/file", "D/absent"},
      {"PathExistsGlob", "D/fi*", "D/absent*"},
      {"PathIsDirectory", "D", "D/file"},
      {"PathIsSymbolicLink", "D/link", "D/file"},
      {"PathIsMountPoint", "D/ro", "D"},
      {"PathIsReadWrite", "D", "D/ro"},
      // D/hidden holds ".hidden" and "backup~" only: not counted.
      {"DirectoryNotEmpty", "D", "D/hidden"},
      {"FileNotEmpty", "D/file", "D/empty"},
      {"FileIsExecutable", "/bin/sh", "D/file"},
      // The namespace's /proc/cmdline (below): "faultinit.test=on".
      {"KernelCommandLine", "faultinit.test", "faultinit.test=off"},
      {"Virtualization", userns ? "private-users" : "!private-users",
       userns ? "!private-users" : "private-users"},
      {"Capability", "CAP_SYS_ADMIN", "CAP_WAKE_ALARM"},
      {"Security", "!cvm", "cvm"},
      // A mains supply, offline: on battery.
      {"ACPower", "false", "true"},
      // /etc/machine-id initialized: not the first boot.
      {"FirstBoot", "no", "yes"},
      // No D/.updated, on a writable file system; D/ro is read-only.
      {"NeedsUpdate", "D", "D/ro"},
      {"CPUs", ">=1", ">100000"},
      {"Memory", ">=1M", "<1M"},
      {"Host", "fi-cond-*", "other-host"},
      {"Architecture", "native", OtherArchitecture()},
      {"Environment", "FAULTINIT_CONDITION_TEST=on",
       "FAULTINIT_CONDITION_TEST=off"},
  };
}

std::string Replace(std::string value, const std::string& dir) {
  if (absl::StartsWith(value, "D")) value.replace(0, 1, dir);
  if (absl::StartsWith(value, "!D")) value.replace(1, 1, dir);
  return value;
}

class ConditionKeys : public UnitDirectoryTest,
                      public ::testing::WithParamInterface<Row> {
 protected:
  void SetUp() override {
    // The test's name, "EveryForm/KIND", names a directory in EveryForm.
    mkdir(absl::StrCat(getenv("TEST_TMPDIR"), "/EveryForm").c_str(), 0755);
    UnitDirectoryTest::SetUp();
    if (IsSkipped()) return;
    char pattern[] = "/tmp/fi-cond.XXXXXX";  // short: a socket's path
    ASSERT_NE(mkdtemp(pattern), nullptr);
    control_dir_ = pattern;
  }
  void TearDown() override {
    if (!control_dir_.empty()) {
      EXPECT_EQ(system(("rm -rf " + control_dir_).c_str()), 0);
    }
  }

  // faultctl VERB NAME.
  CommandResult Ctl(const std::string& verb, const std::string& name) {
    return RunCommand(
        {FaultctlPath(), "--socket", control_dir_ + "/control", verb, name},
        30000);
  }

  std::string control_dir_;
};

TEST_P(ConditionKeys, EveryForm) {
  const Row& row = GetParam();
  const std::string holds = Replace(row.holds, dir_);
  const std::string fails = Replace(row.fails, dir_);
  const std::string run = "[Service]\nType=oneshot\nExecStart=/bin/echo ran\n";
  for (const char* family : {"Condition", "Assert"}) {
    const std::string key = absl::StrCat(family, row.kind, "=");
    const std::string u = family[0] == 'C' ? "c-" : "a-";
    Unit(u + "yes", absl::StrCat("[Unit]\n", key, holds, "\n", run));
    Unit(u + "no", absl::StrCat("[Unit]\n", key, fails, "\n", run));
    Unit(u + "not", absl::StrCat("[Unit]\n", key, Negated(fails), "\n", run));
    Unit(u + "or", absl::StrCat("[Unit]\n", key, "|", fails, "\n", key, "|",
                                holds, "\n", run));
  }
  const std::string key = absl::StrCat("Condition", row.kind, "=");
  Unit("c-nothold", absl::StrCat("[Unit]\n", key, Negated(holds), "\n", run));
  Unit("c-neither", absl::StrCat("[Unit]\n", key, "|", fails, "\n", key, "|",
                                 fails, "\n", run));
  Unit("dep", "[Unit]\nRequires=c-no\nAfter=c-no\n" + run);

  const std::string d = dir_;
  LaunchOptions o = Boot();
  o.args.insert(o.args.end(), {"--control", control_dir_ + "/control"});
  o.env = {"FAULTINIT_CONDITION_TEST=on"};
  o.in_namespace_first = absl::StrCat(
      "set -e; cd ", d,
      "; echo content > file; : > empty; ln -s file link; "
      "mkdir hidden; touch hidden/.hidden hidden/backup~; "
      "mkdir ro; mount -t tmpfs -o ro tmpfs ro; "
      "echo 'BOOT_IMAGE=/vmlinuz quiet faultinit.test=on' > cmdline; "
      "mount --bind cmdline /proc/cmdline; "
      "mount -t tmpfs tmpfs /sys/class/power_supply; "
      "mkdir /sys/class/power_supply/AC; "
      "echo Mains > /sys/class/power_supply/AC/type; "
      "echo 0 > /sys/class/power_supply/AC/online; "
      "mkdir etc; cp -a /etc/. etc; echo ",
      kMachineId,
      " > etc/machine-id; echo fi-cond-host > etc/hostname; "
      "mount --bind etc /etc; cd /; echo namespace-ready >&2");
  o.before_exec = [] {
    if (prctl(PR_CAPBSET_DROP, kCapWakeAlarm, 0, 0, 0) != 0) _exit(122);
  };
  Running r(o);
  std::vector<std::string> expected = {
      "namespace-ready",
      "[c-yes] ran",
      absl::StrCat("c-no: skipped: condition failed: Condition", row.kind, "=",
                   fails),
      "[dep] ran",
      "[c-not] ran",
      absl::StrCat("c-nothold: skipped: condition failed: Condition", row.kind,
                   "=", Negated(holds)),
      "[c-or] ran",
      absl::StrCat("c-neither: skipped: condition failed: none of Condition",
                   row.kind, "=|", fails, ", Condition", row.kind, "=|", fails),
      "[a-yes] ran",
      absl::StrCat("a-no: failed: assertion failed: Assert", row.kind, "=",
                   fails),
      "[a-not] ran",
      "[a-or] ran",
  };
  const bool all = r.WaitForAllStderr(expected);
  EXPECT_TRUE(all) << r.err();
  if (all) {
    // status names the condition; a start of a-no answers with the
    // assert (status shows it failed, as systemctl's Active: line).
    const CommandResult c_no = Ctl("status", "c-no");
    EXPECT_NE(c_no.output.find(absl::StrCat("condition failed: Condition",
                                            row.kind, "=", fails)),
              std::string::npos)
        << c_no.output;
    const CommandResult a_no = Ctl("start", "a-no");
    EXPECT_EQ(a_no.exit_code, 1) << a_no.output;
    EXPECT_NE(a_no.output.find(absl::StrCat("a-no: failed: assertion failed: "
                                            "Assert",
                                            row.kind, "=", fails)),
              std::string::npos)
        << a_no.output;
  }
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  for (const char* never : {"[c-no] ran", "[c-nothold] ran", "[c-neither] ran",
                            "[a-no] ran", "error:"}) {
    EXPECT_EQ(r.err().find(never), std::string::npos) << never << r.err();
  }
}

using KernelCommandLineOverrides = UnitDirectoryTest;

// systemd.condition_first_boot= and systemd.condition_needs_update= (the
// man page's spelling; "-" and "_" are alike in a key) override what the
// machine says: an initialized machine ID, a writable directory without
// .updated.
TEST_F(KernelCommandLineOverrides, FirstBootAndNeedsUpdate) {
  Unit("first",
       "[Unit]\nConditionFirstBoot=yes\n"
       "[Service]\nType=oneshot\nExecStart=/bin/echo ran\n");
  Unit("update", absl::StrCat("[Unit]\nConditionNeedsUpdate=", dir_,
                              "\n[Service]\nType=oneshot\n"
                              "ExecStart=/bin/echo ran\n"));
  LaunchOptions o = Boot();
  o.in_namespace_first = absl::StrCat(
      "set -e; cd ", dir_,
      "; echo 'quiet systemd.condition_first_boot=1 "
      "systemd.condition_needs_update=0' > cmdline; "
      "mount --bind cmdline /proc/cmdline; mkdir etc; cp -a /etc/. etc; "
      "echo ",
      kMachineId, " > etc/machine-id; mount --bind etc /etc; cd /");
  Running r(o);
  ASSERT_TRUE(r.WaitForAllStderr(
      {"[first] ran", absl::StrCat("update: skipped: condition failed: "
                                   "ConditionNeedsUpdate=",
                                   dir_)}))
      << r.err();
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
}

INSTANTIATE_TEST_SUITE_P(, ConditionKeys, ::testing::ValuesIn(Rows()),
                         [](const ::testing::TestParamInfo<Row>& info) {
                           return info.param.kind;
                         });

}  // namespace
}  // namespace faultinit::testing
