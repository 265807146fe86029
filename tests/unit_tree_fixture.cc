#include "tests/unit_tree_fixture.h"

#include <sys/stat.h>
#include <unistd.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace faultinit::testing {

void UnitTreeTest::SetUp() {
  ControlledUnitTest::SetUp();
  if (IsSkipped() || HasFatalFailure()) return;
  etc_ = dir_ + "/etc";
  lib_ = dir_ + "/lib";
  ASSERT_EQ(mkdir(etc_.c_str(), 0755), 0);
  ASSERT_EQ(mkdir(lib_.c_str(), 0755), 0);
}

void UnitFilesTest::File(const std::string& name, const std::string& text) {
  const std::string path = absl::StrCat(dir_, "/", name);
  mkdir(path.substr(0, path.rfind('/')).c_str(), 0755);
  ASSERT_TRUE(WriteFile(path, text)) << path;
}

void UnitFilesTest::Link(const std::string& target, const std::string& name) {
  const std::string path = absl::StrCat(dir_, "/", name);
  mkdir(path.substr(0, path.rfind('/')).c_str(), 0755);
  ASSERT_EQ(symlink(target.c_str(), path.c_str()), 0) << path;
}

void UnitFilesTest::Enable(const std::string& target, const std::string& unit) {
  Link(absl::StrCat(dir_, "/", unit), absl::StrCat(target, ".wants/", unit));
}

std::string UnitFilesTest::UnitsPath() const { return dir_; }

std::string UnitTreeTest::UnitsPath() const { return etc_ + ":" + lib_; }

LaunchOptions UnitFilesTest::Boot() const {
  LaunchOptions o;
  o.args = {"-v", "--units-path", UnitsPath()};
  o.pid_namespace = true;
  return o;
}

void UnitFilesTest::Start(const std::vector<std::string>& lines,
                          const std::vector<std::string>& more) {
  LaunchOptions o = Boot();
  o.args.insert(o.args.end(), {"--control", socket_});
  o.args.insert(o.args.end(), more.begin(), more.end());
  running_ = std::make_unique<Running>(o);
  ASSERT_TRUE(running_->WaitForAllStderr(lines)) << running_->err();
}

}  // namespace faultinit::testing
