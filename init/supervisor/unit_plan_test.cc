#include "init/supervisor/unit_plan.h"

#include <signal.h>
#include <unistd.h>

#include <stdexcept>

#include "gtest/gtest.h"
#include "init/system/unit.h"
#include "init/system/unit_directory.h"
#include "runtime/duration.h"

namespace faultinit {
namespace {

ParsedUnit Named(const std::string& name) {
  ParsedUnit p;
  p.unit.name = name;
  p.unit.path = "/lib/systemd/system/" + name;
  return p;
}

UnitPlan Sample() {
  LoadedUnits held;
  held.units.push_back(Named("ssh"));
  held.units.push_back(Named("multi-user.target"));
  held.units[0].diagnostics.push_back(
      Diagnostic{"/lib/a:b", 3, Severity::kError, "ordering cycle: a\nb:c"});
  held.units[0].diagnostics.push_back(
      Diagnostic{"/lib/x", 4, Severity::kWarning, "a warning"});
  held.boot = {"ssh", "multi-user.target"};
  return PlanOf(held, {"x: warning: 1:2", ""});
}

TEST(UnitPlan, NamesTheFilesBootOrderAndErrors) {
  const UnitPlan plan = Sample();
  EXPECT_EQ(plan.files, (UnitFileNames{"multi-user.target", "ssh.service"}));
  EXPECT_EQ(plan.boot, (std::vector<std::string>{"ssh", "multi-user.target"}));
  ASSERT_EQ(plan.errors.size(), 1u);            // the units with errors
  ASSERT_EQ(plan.errors.at("ssh").size(), 1u);  // errors only
}

TEST(UnitPlan, DecodesWhatItEncodes) {
  const UnitPlan plan = Sample();
  std::optional<UnitPlan> back = DecodeUnitPlan(EncodeUnitPlan(plan));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->files, plan.files);
  EXPECT_EQ(back->boot, plan.boot);
  EXPECT_EQ(back->errors, plan.errors);
  EXPECT_EQ(back->diagnostics, plan.diagnostics);
  EXPECT_TRUE(DecodeUnitPlan("").has_value());
}

TEST(UnitPlan, RejectsWhatItDoesNotEncode) {
  const std::string bytes = EncodeUnitPlan(Sample());
  EXPECT_FALSE(DecodeUnitPlan(bytes.substr(0, bytes.size() - 1)).has_value());
  EXPECT_FALSE(DecodeUnitPlan("X3:abc").has_value());
  EXPECT_FALSE(DecodeUnitPlan("F9:abc").has_value());
  EXPECT_FALSE(DecodeUnitPlan("F-1:abc").has_value());
  EXPECT_FALSE(DecodeUnitPlan("E1:a1:x1:m").has_value());  // no U before
  EXPECT_FALSE(DecodeUnitPlan("U1:uE1:a1:x1:m").has_value());
}

TEST(UnitPlan, AppliesTheWholeLoadsErrorsAndBootOrder) {
  const UnitPlan plan = Sample();
  LoadedUnits units;
  units.units.push_back(Named("ssh"));
  units.units.push_back(Named("multi-user.target"));
  units.units.push_back(Named("new"));  // not in the plan: kept as it is
  units.units[1].diagnostics.push_back(
      Diagnostic{"/x", 1, Severity::kError, "only in this load"});
  units.units[1].diagnostics.push_back(
      Diagnostic{"/x", 2, Severity::kWarning, "reported by the child"});
  units.units[2].diagnostics.push_back(
      Diagnostic{"/y", 1, Severity::kError, "its own"});
  units.boot = {"multi-user.target"};
  units.diagnostics.push_back(Diagnostic{"/d", 0, Severity::kWarning, "d"});
  ApplyUnitPlan(plan, &units);
  EXPECT_TRUE(units.diagnostics.empty());
  EXPECT_EQ(units.boot, plan.boot);
  EXPECT_EQ(units.units[0].diagnostics, plan.errors.at("ssh"));
  // In the plan without errors: its own are dropped, and its warnings.
  EXPECT_TRUE(units.units[1].diagnostics.empty());
  EXPECT_TRUE(units.units[1].ok());
  EXPECT_FALSE(units.units[0].ok());
  ASSERT_EQ(units.units[2].diagnostics.size(), 1u);
}

TEST(RunLoaderChild, ReturnsTheChildsResult) {
  const std::string big(200000, 'x');  // over a pipe's buffer
  fault::StatusOr<std::string> got =
      RunLoaderChild([&] { return "r" + big; }, fault::Seconds(600));
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(*got, "r" + big);
}

TEST(RunLoaderChild, ReportsAChildThatThrows) {
  fault::StatusOr<std::string> got =
      RunLoaderChild([]() -> std::string { throw std::runtime_error("no"); },
                     fault::Seconds(600));
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("exit 1"), std::string::npos)
      << got.status().message();
}

TEST(RunLoaderChild, ReportsAChildKilled) {
  fault::StatusOr<std::string> got = RunLoaderChild(
      []() -> std::string {
        kill(getpid(), SIGKILL);
        return "unreached";
      },
      fault::Seconds(600));
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("KILL"), std::string::npos)
      << got.status().message();
}

TEST(RunLoaderChild, GivesUpOnAChildThatHangs) {
  fault::StatusOr<std::string> got = RunLoaderChild(
      []() -> std::string {
        for (;;) pause();
      },
      fault::Milliseconds(50));
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("no result within"), std::string::npos)
      << got.status().message();
}

}  // namespace
}  // namespace faultinit
