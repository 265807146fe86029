#include "init/system/testing/unit_tree.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace faultinit::testing {

Tree::Tree() {
  const char* root = std::getenv("TEST_TMPDIR");
  const ::testing::TestInfo* test =
      ::testing::UnitTest::GetInstance()->current_test_info();
  root_ = absl::StrCat(root != nullptr ? root : "/tmp", "/",
                       test->test_suite_name(), "-", test->name());
  MakeDirs("etc");
  MakeDirs("lib");
}

std::vector<std::string> Tree::SearchPath() const {
  return {Path("etc"), Path("lib")};
}

std::string Tree::Path(absl::string_view name) const {
  return absl::StrCat(root_, "/", name);
}

void Tree::MakeDirs(absl::string_view name) const {
  std::string path = root_;
  mkdir(path.c_str(), 0755);
  for (absl::string_view part : absl::StrSplit(name, '/')) {
    absl::StrAppend(&path, "/", part);
    mkdir(path.c_str(), 0755);
  }
}

void Tree::Write(absl::string_view name, absl::string_view text) const {
  MakeDirs(name.substr(0, name.rfind('/')));
  FILE* f = std::fopen(Path(name).c_str(), "wbe");
  ASSERT_NE(f, nullptr) << name;
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

void Tree::Link(absl::string_view target, absl::string_view name) const {
  MakeDirs(name.substr(0, name.rfind('/')));
  ASSERT_EQ(symlink(std::string(target).c_str(), Path(name).c_str()), 0)
      << name;
}

std::string Service(absl::string_view exec, absl::string_view more) {
  return absl::StrCat("[Unit]\n", more, "\n[Service]\nExecStart=", exec, "\n");
}

std::string Words(const ParsedUnit* unit) {
  if (unit == nullptr) return "<no unit>";
  std::vector<std::string> lines;
  for (const ExecLine& line : unit->unit.exec_start) {
    lines.push_back(absl::StrJoin(line.words, " "));
  }
  return absl::StrJoin(lines, "; ");
}

std::string UnitNames(const std::vector<ParsedUnit>& units) {
  std::vector<std::string> names;
  for (const ParsedUnit& u : units) {
    if (!absl::EndsWith(u.unit.name, ".target")) names.push_back(u.unit.name);
  }
  return absl::StrJoin(names, " ");
}

std::vector<std::string> NotTargets(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const std::string& name : names) {
    if (!absl::EndsWith(name, ".target")) out.push_back(name);
  }
  return out;
}

}  // namespace faultinit::testing
