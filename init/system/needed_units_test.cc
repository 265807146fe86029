// Tests of KeepNeededUnits over real layouts (LoadUnitLayout on temporary
// trees): what the start unit needs is held, with what it may start
// through any of the followed keys; installed units nothing starts, and
// those only ordered or conflicting with held ones, are not.

#include "init/system/needed_units.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "init/system/unit_layout.h"

namespace faultinit {
namespace {

// A tree under $TEST_TMPDIR named after the test, with one search
// directory, "lib".
class NeededUnits : public testing::Test {
 protected:
  void SetUp() override {
    const char* root = std::getenv("TEST_TMPDIR");
    root_ = absl::StrCat(
        root != nullptr ? root : "/tmp", "/needed-",
        testing::UnitTest::GetInstance()->current_test_info()->name());
    MakeDirs("lib");
  }
  void MakeDirs(const std::string& name) const {
    std::string path = root_;
    mkdir(path.c_str(), 0755);
    for (absl::string_view part : absl::StrSplit(name, '/')) {
      absl::StrAppend(&path, "/", part);
      mkdir(path.c_str(), 0755);
    }
  }
  void Write(const std::string& name, const std::string& text) const {
    MakeDirs(name.substr(0, name.rfind('/')));
    FILE* f = std::fopen(absl::StrCat(root_, "/", name).c_str(), "wb");
    ASSERT_NE(f, nullptr) << name;
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  void Link(const std::string& target, const std::string& name) const {
    MakeDirs(name.substr(0, name.rfind('/')));
    const std::string path = absl::StrCat(root_, "/", name);
    ASSERT_EQ(symlink(target.c_str(), path.c_str()), 0) << name;
  }
  void Service(const std::string& name, const std::string& unit_keys) const {
    Write(absl::StrCat("lib/", name, ".service"),
          absl::StrCat("[Unit]\n", unit_keys,
                       "\n[Service]\nExecStart=/bin/true\n"));
  }
  LoadedUnits Load() const {
    return LoadUnitLayout({absl::StrCat(root_, "/lib")}, "default.target");
  }
  // The services held, by name (the targets left out).
  static std::string Services(const LoadedUnits& units) {
    std::vector<std::string> names;
    for (const ParsedUnit& parsed : units.units) {
      const std::string& name = parsed.unit.name;
      if (name.size() < 7 || name.substr(name.size() - 7) != ".target") {
        names.push_back(name);
      }
    }
    return absl::StrJoin(names, " ");
  }

  std::string root_;
};

TEST_F(NeededUnits, HoldsWhatTheBootCanStart) {
  Link("multi-user.target", "lib/default.target");
  // web is enabled; what it may start is needed, transitively.
  Service("web",
          "Wants=helper.service\nOnFailure=alert.service\n"
          "After=ordered.service\nConflicts=rival.service\n");
  Link("../web.service", "lib/multi-user.target.wants/web.service");
  Service("helper", "Requires=base.service\nBindsTo=bound.service\n");
  Service("base", "Requisite=present.service\n");
  Service("bound", "OnSuccess=after-bound.service\n");
  Service("present", "");
  Service("after-bound", "");
  Service("alert", "");
  // Ordered with web, conflicting with it, part of it, or installed
  // alone: nothing the boot does can start them.
  Service("ordered", "");
  Service("rival", "");
  Service("part", "PartOf=web.service\n");
  Service("idle", "Wants=idle-helper.service\n");
  Service("idle-helper", "");
  // A socket unit the boot pulls in: the service it activates.
  Write("lib/echo.socket", "[Socket]\nListenStream=/run/echo.sock\n");
  Link("../echo.socket", "lib/sockets.target.wants/echo.socket");
  Service("echo", "");

  LoadedUnits units = Load();
  ASSERT_EQ(Services(units),
            "after-bound alert base bound echo helper idle idle-helper "
            "ordered part present rival web");
  const size_t dropped = KeepNeededUnits(&units, {});
  EXPECT_EQ(Services(units),
            "after-bound alert base bound echo helper present web");
  // Every target the boot reaches stays; the others (rescue.target, ...)
  // are dropped with the services.
  EXPECT_NE(units.Find("multi-user.target"), nullptr);
  EXPECT_NE(units.Find("sockets.target"), nullptr);
  EXPECT_EQ(units.Find("rescue.target"), nullptr);
  EXPECT_GE(dropped, 5u);
  // Find still works (name order kept).
  ASSERT_NE(units.Find("web"), nullptr);
  EXPECT_EQ(units.Find("web")->unit.name, "web");
}

TEST_F(NeededUnits, AlsoHoldsNamedUnitsAndWhatTheyNeed) {
  Link("multi-user.target", "lib/default.target");
  Service("idle", "Wants=idle-helper.service\n");
  Service("idle-helper", "");
  Service("other", "");
  LoadedUnits units = Load();
  KeepNeededUnits(&units, {"idle.service", "rescue.target", "no-such"});
  EXPECT_EQ(Services(units), "idle idle-helper");
  EXPECT_NE(units.Find("rescue.target"), nullptr);
}

TEST_F(NeededUnits, FlatDirectoryIsLeftWhole) {
  Service("a", "");
  Service("b", "");
  LoadedUnits units = LoadUnitDirectory(absl::StrCat(root_, "/lib"));
  EXPECT_EQ(KeepNeededUnits(&units, {}), 0u);
  EXPECT_EQ(units.units.size(), 2u);
}

}  // namespace
}  // namespace faultinit
