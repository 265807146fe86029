#include "init/supervisor/unit_names.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace faultinit {
namespace {

class UnitNames : public testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    dir_ = absl::StrCat(
        tmp != nullptr ? tmp : "/tmp", "/",
        testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_EQ(mkdir(dir_.c_str(), 0755), 0) << dir_;
    for (const char* name :
         {"ssh.service", "multi-user.target", "getty@.service"}) {
      std::ofstream(absl::StrCat(dir_, "/", name)) << "[Unit]\n";
    }
    ASSERT_EQ(symlink("ssh.service", (dir_ + "/sshd.service").c_str()), 0);
    ASSERT_EQ(symlink("multi-user.target", (dir_ + "/default.target").c_str()),
              0);
    source_.layout = true;
    source_.directories = {dir_};
  }

  // The name a request for `requested` resolves to, "+" before it when
  // it is to be loaded, "-" when none.
  std::string Resolve(const std::string& requested) {
    const std::set<std::string> known = {"ssh", "multi-user.target"};
    std::optional<RequestedUnit> unit = ResolveRequestedUnit(
        source_, requested,
        [&](const std::string& name) { return known.count(name) != 0; });
    if (!unit.has_value()) return "-";
    return absl::StrCat(unit->load ? "+" : "", unit->name);
  }

  std::string dir_;
  UnitSource source_;
};

TEST_F(UnitNames, ServicesByNameAliasOrInstance) {
  EXPECT_EQ(Resolve("ssh"), "ssh");
  EXPECT_EQ(Resolve("ssh.service"), "ssh");
  EXPECT_EQ(Resolve("sshd"), "ssh");
  EXPECT_EQ(Resolve("sshd.service"), "ssh");
  EXPECT_EQ(Resolve("getty@tty3.service"), "+getty@tty3");
  EXPECT_EQ(Resolve("nowhere"), "-");
  EXPECT_EQ(Resolve(".service"), "-");
}

// A target is named with its suffix, by its own name or an alias
// (default.target); never as a service "NAME.target.service".
TEST_F(UnitNames, TargetsKeepTheirSuffix) {
  EXPECT_EQ(Resolve("multi-user.target"), "multi-user.target");
  EXPECT_EQ(Resolve("default.target"), "multi-user.target");
  EXPECT_EQ(Resolve("nowhere.target"), "-");
  EXPECT_EQ(Resolve("getty@tty3.target"), "-");
}

// A flat directory has neither aliases nor templates.
TEST_F(UnitNames, FlatDirectoryKnowsOnlyItsOwnNames) {
  source_.layout = false;
  EXPECT_EQ(Resolve("ssh.service"), "ssh");
  EXPECT_EQ(Resolve("sshd"), "-");
  EXPECT_EQ(Resolve("default.target"), "-");
}

}  // namespace
}  // namespace faultinit
