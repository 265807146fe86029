// target_unit.h and standard_targets.h: a target file parsed as a target
// (no "missing ExecStart=", no command), systemd's default dependencies of
// services and targets, and the built-in standard targets parsing cleanly.

#include "init/system/target_unit.h"

#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "init/system/standard_targets.h"
#include "init/system/unit.h"

namespace faultinit {
namespace {

std::string Names(const std::vector<Dependency>& list) {
  std::vector<std::string> names;
  for (const Dependency& d : list) names.push_back(d.name);
  return absl::StrJoin(names, " ");
}

std::string Errors(const ParsedUnit& p) {
  std::string out;
  for (const Diagnostic& d : p.diagnostics) out += d.ToString() + "\n";
  return out;
}

ParsedUnit Target(const std::string& name, const std::string& text) {
  ParsedUnit p = ParseUnit("/lib/" + name, text);
  MakeTarget(&p);
  return p;
}

TEST(TargetUnit, ATargetFileIsATargetWithNoCommand) {
  ParsedUnit p = Target("web.target",
                        "[Unit]\nDescription=Web\nWants=a.service\n"
                        "After=a.service\nAllowIsolate=no\n");
  EXPECT_TRUE(p.ok()) << Errors(p);
  EXPECT_TRUE(p.diagnostics.empty()) << Errors(p);
  EXPECT_EQ(p.unit.name, "web.target");
  EXPECT_EQ(p.unit.type, ServiceType::kOneshot);
  EXPECT_TRUE(p.unit.remain_after_exit);
  EXPECT_TRUE(p.unit.exec_start.empty());
  EXPECT_EQ(Names(p.unit.wanted), "a");

  ParsedUnit commands =
      Target("odd.target", "[Service]\nExecStart=/bin/true\n");
  EXPECT_TRUE(commands.ok()) << Errors(commands);
  EXPECT_TRUE(commands.unit.exec_start.empty());
  EXPECT_NE(Errors(commands).find("a target runs no command"),
            std::string::npos)
      << Errors(commands);
}

TEST(TargetUnit, DefaultDependenciesKey) {
  ParsedUnit yes = ParseUnit("/s/a.service", "[Service]\nExecStart=/bin/a\n");
  EXPECT_TRUE(yes.unit.default_dependencies);
  ParsedUnit no = ParseUnit("/s/b.service",
                            "[Unit]\nDefaultDependencies=no\n"
                            "[Service]\nExecStart=/bin/b\n");
  EXPECT_TRUE(no.ok()) << Errors(no);
  EXPECT_FALSE(no.unit.default_dependencies);
  ParsedUnit bad = ParseUnit("/s/c.service",
                             "[Unit]\nDefaultDependencies=perhaps\n"
                             "[Service]\nExecStart=/bin/c\n");
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(Errors(bad).find(
                "c.service:2: error: DefaultDependencies: invalid boolean "
                "\"perhaps\""),
            std::string::npos)
      << Errors(bad);
  ParsedUnit isolate = Target("i.target", "[Unit]\nAllowIsolate=yes\n");
  EXPECT_TRUE(isolate.diagnostics.empty()) << Errors(isolate);
  EXPECT_TRUE(isolate.unit.jobs.allow_isolate);
  EXPECT_FALSE(isolate.unit.jobs.ignore_on_isolate);
  EXPECT_FALSE(isolate.unit.jobs.empty());
  ParsedUnit ignored = ParseUnit("/s/d.service",
                                 "[Unit]\nIgnoreOnIsolate=yes\n"
                                 "[Service]\nExecStart=/bin/d\n");
  EXPECT_TRUE(ignored.diagnostics.empty()) << Errors(ignored);
  EXPECT_TRUE(ignored.unit.jobs.ignore_on_isolate);
  EXPECT_FALSE(ignored.unit.jobs.allow_isolate);  // systemd's default: no
  EXPECT_FALSE(Target("j.target", "[Unit]\n").unit.jobs.allow_isolate);
}

TEST(TargetUnit, SystemdsDefaultDependencies) {
  std::vector<ParsedUnit> units;
  units.push_back(
      ParseUnit("/s/web.service", "[Service]\nExecStart=/bin/web\n"));
  units.push_back(ParseUnit("/s/early.service",
                            "[Unit]\nDefaultDependencies=no\n"
                            "Before=sysinit.target\n"
                            "[Service]\nExecStart=/bin/early\n"));
  units.push_back(Target("multi-user.target",
                         "[Unit]\nRequires=basic.target\nWants=web early\n"));
  units.push_back(Target("basic.target", "[Unit]\n"));
  // Ordered Before= one it wants: no After= added (no cycle).
  units.push_back(Target("first.target", "[Unit]\nWants=web\nBefore=web\n"));
  units.push_back(
      Target("shutdown.target", "[Unit]\nDefaultDependencies=no\n"));
  units.push_back(
      Target("quiet.target", "[Unit]\nDefaultDependencies=no\nWants=web\n"));
  AddDefaultDependencies(&units);
  const Unit& web = units[0].unit;
  EXPECT_EQ(Names(web.required), "sysinit.target");
  EXPECT_EQ(Names(web.after), "sysinit.target basic.target");
  EXPECT_EQ(Names(web.before), "shutdown.target");
  EXPECT_EQ(Names(web.jobs.conflicts), "shutdown.target");
  const Unit& early = units[1].unit;
  EXPECT_EQ(Names(early.required), "");
  EXPECT_EQ(Names(early.after), "");
  EXPECT_EQ(Names(early.before), "sysinit.target");
  const Unit& multi = units[2].unit;
  // After= what it wants and requires that has default dependencies:
  // basic.target and web, not early.
  EXPECT_EQ(Names(multi.after), "web basic.target");
  EXPECT_EQ(Names(multi.before), "shutdown.target");
  EXPECT_EQ(Names(multi.jobs.conflicts), "shutdown.target");
  EXPECT_EQ(Names(units[4].unit.after), "");
  EXPECT_EQ(Names(units[5].unit.before), "");
  EXPECT_EQ(Names(units[5].unit.jobs.conflicts), "");
  EXPECT_EQ(Names(units[6].unit.after), "");
  EXPECT_EQ(Names(units[6].unit.before), "");
}

// A service with default dependencies that sysinit.target or basic.target
// wants (systemd-pcrphase.service is in Debian's sysinit.target.wants/):
// its own defaults order it after them, so they get no After= on it (it
// would be an ordering cycle).
TEST(TargetUnit, NoCycleWithTheTargetsAServiceIsOrderedAfter) {
  std::vector<ParsedUnit> units;
  units.push_back(
      ParseUnit("/s/phase.service", "[Service]\nExecStart=/bin/phase\n"));
  units.push_back(Target("sysinit.target", "[Unit]\nWants=phase\n"));
  units.push_back(Target("basic.target", "[Unit]\nWants=phase\n"));
  AddDefaultDependencies(&units);
  EXPECT_EQ(Names(units[0].unit.after), "sysinit.target basic.target");
  EXPECT_EQ(Names(units[1].unit.after), "");
  EXPECT_EQ(Names(units[2].unit.after), "");
}

TEST(StandardTargets, EachParsesAsATargetWithoutWarnings) {
  std::string previous;
  for (const StandardTarget& t : StandardTargets()) {
    EXPECT_LT(previous, std::string(t.name));  // sorted
    previous = std::string(t.name);
    ParsedUnit p;
    ParseStandardTarget(t, &p);
    EXPECT_EQ(p.unit.name, t.name);
    EXPECT_TRUE(p.diagnostics.empty()) << t.name << "\n" << Errors(p);
    EXPECT_EQ(p.unit.path, "[built-in]/" + std::string(t.name));
  }
  EXPECT_GE(StandardTargets().size(), 20u);
}

}  // namespace
}  // namespace faultinit
