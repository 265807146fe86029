// systemd's own units in the layout: the listed ones are left out (one
// warning each, only for those that were to start at boot), dependencies
// on them dropped; every other unit as before.

#include "init/system/systemd_units.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "init/system/unit_layout.h"

namespace faultinit {
namespace {

class SystemdUnitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    root_ = absl::StrCat(
        tmp != nullptr ? tmp : "/tmp", "/systemd-units-",
        testing::UnitTest::GetInstance()->current_test_info()->name());
    mkdir(root_.c_str(), 0755);
    mkdir((root_ + "/default.target.wants").c_str(), 0755);
    Write("default.target", "[Unit]\nDescription=default\n");
  }
  void Write(const std::string& name, const std::string& text) {
    FILE* f = std::fopen((root_ + "/" + name).c_str(), "wb");
    ASSERT_NE(f, nullptr) << name;
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  void Want(const std::string& name) {
    ASSERT_EQ(symlink(("../" + name).c_str(),
                      (root_ + "/default.target.wants/" + name).c_str()),
              0);
  }
  static std::string Service(const std::string& more = "") {
    // Without systemd's default dependencies on the standard targets: what
    // is looked at here is the dependencies the unit names.
    return absl::StrCat("[Unit]\nDefaultDependencies=no\n", more,
                        "\n[Service]\nExecStart=/bin/true\n");
  }
  std::string root_;
};

// The names that are not targets (the layout also holds systemd's standard
// targets, built in), joined by spaces.
std::string Services(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const std::string& name : names) {
    if (!absl::EndsWith(name, ".target")) out.push_back(name);
  }
  return absl::StrJoin(out, " ");
}
std::string Services(const LoadedUnits& units) {
  std::vector<std::string> names;
  for (const ParsedUnit& parsed : units.units)
    names.push_back(parsed.unit.name);
  return Services(names);
}

TEST_F(SystemdUnitsTest, TableLookups) {
  const SystemdUnitPolicy* journald =
      FindSystemdUnitPolicy("systemd-journald.service");
  ASSERT_NE(journald, nullptr);
  EXPECT_EQ(journald->reason, SystemdUnitReason::kUnsupported);
  ASSERT_NE(FindSystemdUnitPolicy("systemd-remount-fs.service"), nullptr);
  EXPECT_EQ(FindSystemdUnitPolicy("systemd-remount-fs.service")->reason,
            SystemdUnitReason::kReplaced);
  // An instance is looked up as its template.
  EXPECT_NE(FindSystemdUnitPolicy("systemd-fsck@dev-sda1.service"), nullptr);
  EXPECT_NE(FindSystemdUnitPolicy("user@1000.service"), nullptr);
  // It exits 1 without systemd's bus (a boot of Debian 12).
  ASSERT_NE(FindSystemdUnitPolicy("systemd-update-utmp.service"), nullptr);
  EXPECT_EQ(FindSystemdUnitPolicy("systemd-update-utmp.service")->reason,
            SystemdUnitReason::kUnsupported);
  // Units that work under faultinit are not listed.
  for (const char* name :
       {"systemd-tmpfiles-setup.service", "systemd-sysctl.service",
        "systemd-modules-load.service", "systemd-udevd.service",
        "systemd-udev-trigger.service", "systemd-random-seed.service",
        "systemd-user-sessions.service", "getty@tty1.service",
        "systemd-journald"}) {
    EXPECT_EQ(FindSystemdUnitPolicy(name), nullptr) << name;
  }
  // Sorted, each once.
  absl::Span<const SystemdUnitPolicy> all = SystemdUnitPolicies();
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_LT(all[i - 1].name, all[i].name);
  }
}

TEST_F(SystemdUnitsTest, ListedUnitsAreLeftOutWithOneLineEach) {
  Write("systemd-journald.service", Service());
  Write("systemd-logind.service", Service());
  Write("systemd-remount-fs.service", Service());  // not pulled in
  Write("systemd-sysctl.service", Service());
  Write("app.service",
        Service("Requires=systemd-journald.service\n"
                "Wants=systemd-logind.service\n"
                "Before=systemd-remount-fs.service\n"
                "After=systemd-journald.service systemd-sysctl.service"));
  Want("systemd-journald.service");
  Want("systemd-sysctl.service");
  Want("app.service");

  LoadedUnits before = LoadUnitLayout({root_}, "default.target");
  EXPECT_EQ(Services(before.boot),
            "systemd-journald systemd-logind systemd-sysctl app");

  LoadedUnits units = LoadUnitLayout({root_}, "default.target");
  SkipSystemdUnits(&units);
  EXPECT_EQ(Services(units.boot), "systemd-sysctl app");
  EXPECT_EQ(units.Find("systemd-journald"), nullptr);
  EXPECT_EQ(units.Find("systemd-logind"), nullptr);
  EXPECT_EQ(units.Find("systemd-remount-fs"), nullptr);
  ASSERT_NE(units.Find("systemd-sysctl"), nullptr);
  const ParsedUnit* app = units.Find("app");
  ASSERT_NE(app, nullptr);
  EXPECT_TRUE(app->ok());
  EXPECT_TRUE(app->unit.required.empty());
  EXPECT_TRUE(app->unit.wanted.empty());
  EXPECT_TRUE(app->unit.before.empty());
  ASSERT_EQ(app->unit.after.size(), 1u);
  EXPECT_EQ(app->unit.after[0].name, "systemd-sysctl");

  // One line each, for the units that were to start at boot only (not
  // systemd-remount-fs, installed but not pulled in).
  std::vector<std::string> lines;
  for (const Diagnostic& d : units.diagnostics) lines.push_back(d.ToString());
  ASSERT_EQ(lines.size(), 2u) << absl::StrJoin(lines, "\n");
  EXPECT_NE(lines[1].find("/systemd-logind.service: warning: "
                          "systemd-logind.service: not started: "),
            std::string::npos)
      << lines[1];
  EXPECT_EQ(lines[0],
            absl::StrCat(root_,
                         "/systemd-journald.service: warning: "
                         "systemd-journald.service: not started: ",
                         FindSystemdUnitPolicy("systemd-journald.service")->why,
                         " (docs/units.md, systemd's own units)"));
  EXPECT_FALSE(units.has_errors());
}

TEST_F(SystemdUnitsTest, WithoutListedUnitsNothingChanges) {
  Write("app.service", Service("After=b.service"));
  Write("b.service", Service());
  Want("app.service");
  LoadedUnits units = LoadUnitLayout({root_}, "default.target");
  SkipSystemdUnits(&units);
  EXPECT_EQ(Services(units.boot), "app");
  ASSERT_EQ(Services(units), "app b");
  ASSERT_NE(units.Find("app"), nullptr);
  EXPECT_EQ(units.Find("app")->unit.exec_start.size(), 1u);
  ASSERT_EQ(units.Find("app")->unit.after.size(), 1u);
  EXPECT_TRUE(units.diagnostics.empty());
}

// Socket units: one the table names, or whose service it names, is not
// opened (one line each); the others are.
TEST_F(SystemdUnitsTest, SocketsOfListedUnitsAreNotOpened) {
  Write("systemd-initctl.socket", "[Socket]\nListenFIFO=/run/initctl\n");
  Write("systemd-initctl.service", Service());
  // Not in the table itself: its service is.
  Write("logind-extra.socket",
        "[Socket]\nListenStream=/run/x.sock\n"
        "Service=systemd-logind.service\n");
  Write("systemd-logind.service", Service());
  Write("app.socket", "[Socket]\nListenStream=/run/app.sock\n");
  Write("app.service", Service());
  Want("systemd-initctl.socket");
  Want("logind-extra.socket");
  Want("app.socket");
  LoadedUnits units = LoadUnitLayout({root_}, "default.target");
  ASSERT_EQ(units.sockets.size(), 3u);
  SkipSystemdUnits(&units);
  ASSERT_EQ(units.sockets.size(), 1u);
  EXPECT_EQ(units.sockets[0].unit.name, "app.socket");
  std::vector<std::string> lines;
  for (const Diagnostic& d : units.diagnostics) lines.push_back(d.ToString());
  ASSERT_EQ(lines.size(), 2u) << absl::StrJoin(lines, "\n");
  EXPECT_EQ(lines[0],
            absl::StrCat(root_,
                         "/logind-extra.socket: warning: logind-extra.socket: "
                         "not opened: systemd-logind.service is not started: ",
                         FindSystemdUnitPolicy("systemd-logind.service")->why,
                         " (docs/units.md, systemd's own units)"));
  EXPECT_EQ(
      lines[1],
      absl::StrCat(root_,
                   "/systemd-initctl.socket: warning: systemd-initctl.socket: "
                   "not opened: ",
                   FindSystemdUnitPolicy("systemd-initctl.socket")->why,
                   " (docs/units.md, systemd's own units)"));
}

TEST_F(SystemdUnitsTest, FlatDirectoriesAreLeftAsTheyAre) {
  LoadedUnits units;
  units.units.emplace_back();
  units.units.back().unit.name = "systemd-journald";
  SkipSystemdUnits(&units);
  EXPECT_EQ(units.units.size(), 1u);
}

}  // namespace
}  // namespace faultinit
