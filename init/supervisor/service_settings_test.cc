#include "init/supervisor/service_settings.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "init/system/unit.h"

namespace faultinit {
namespace {

using ::testing::ElementsAre;

ServiceSettings Parse(const std::string& text) {
  ParsedUnit parsed = ParseUnit("/etc/faultinit/s.service", text);
  EXPECT_TRUE(parsed.ok()) << (parsed.diagnostics.empty()
                                   ? std::string()
                                   : parsed.diagnostics[0].ToString());
  return SettingsOf(parsed.unit);
}

// Each step keeps its words and prefixes, in step order.
TEST(ServiceSettingsTest, StepsKeepTheirCommands) {
  ServiceSettings s = Parse(
      "[Service]\nType=oneshot\nExecStartPre=-/bin/pre 'a b' ''\n"
      "ExecStart=@/bin/busybox echo $X\nExecStart=:/bin/main $Y\n"
      "ExecStop=/bin/stop\n");
  ASSERT_EQ(s.step_count(), 4u);
  ExecLine pre = s.Step(StepKind::kPre, 0).Line();
  EXPECT_THAT(pre.words, ElementsAre("/bin/pre", "a b", ""));
  EXPECT_TRUE(pre.ignore_failure);
  ExecLine main0 = s.Step(StepKind::kMain, 0).Line();
  EXPECT_THAT(main0.words, ElementsAre("/bin/busybox", "echo", "$X"));
  EXPECT_TRUE(main0.argv0_given);
  EXPECT_TRUE(main0.expand_variables);
  ExecLine main1 = s.Step(StepKind::kMain, 1).Line();
  EXPECT_THAT(main1.words, ElementsAre("/bin/main", "$Y"));
  EXPECT_FALSE(main1.expand_variables);
  EXPECT_FALSE(main1.ignore_failure);
  EXPECT_THAT(s.Step(StepKind::kStop, 0).Line().words,
              ElementsAre("/bin/stop"));
}

// The description and the lines are kept in one block, with sizes that
// take one byte below 128 and more above: long ones come back whole, each
// line with its own prefixes, and of every kind.
TEST(ServiceSettingsTest, LongTextAndEveryKindComeBack) {
  const std::string description(300, 'd');
  const std::string word(20000, 'w');
  ServiceSettings s =
      Parse("[Unit]\nDescription=" + description +
            "\n[Service]\nType=oneshot\nExecCondition=/bin/cond\n"
            "ExecStartPre=+/bin/pre " +
            word +
            "\nExecStart=!!/bin/main\n"
            "ExecStop=-:/bin/stop\nExecStartPost=!/bin/post\n"
            "ExecReload=/bin/reload\nExecStopPost=@/bin/stoppost sp\n");
  EXPECT_EQ(s.description(), description);
  ASSERT_EQ(s.step_count(), 7u);
  ExecLine pre = s.Step(StepKind::kPre, 0).Line();
  EXPECT_THAT(pre.words, ElementsAre("/bin/pre", word));
  EXPECT_EQ(pre.privileges, ExecPrivileges::kFull);
  EXPECT_EQ(s.Step(StepKind::kMain, 0).privileges,
            ExecPrivileges::kNoSetuidWithoutAmbient);
  ExecLine stop = s.Step(StepKind::kStop, 0).Line();
  EXPECT_THAT(stop.words, ElementsAre("/bin/stop"));
  EXPECT_TRUE(stop.ignore_failure);
  EXPECT_FALSE(stop.expand_variables);
  EXPECT_EQ(s.Step(StepKind::kPost, 0).privileges, ExecPrivileges::kNoSetuid);
  EXPECT_THAT(s.Step(StepKind::kReload, 0).Line().words,
              ElementsAre("/bin/reload"));
  ExecLine stop_post = s.Step(StepKind::kStopPost, 0).Line();
  EXPECT_THAT(stop_post.words, ElementsAre("/bin/stoppost", "sp"));
  EXPECT_TRUE(stop_post.argv0_given);
  EXPECT_THAT(s.Step(StepKind::kCondition, 0).Line().words,
              ElementsAre("/bin/cond"));
  // Neither: no block.
  EXPECT_EQ(SettingsOf(Unit()).text, nullptr);
}

// A unit that sets none of the extras keeps none; one that sets any keeps
// them all, and what it sets is there.
TEST(ServiceSettingsTest, ExtrasOnlyWhenSet) {
  ServiceSettings plain =
      Parse("[Unit]\nDescription=plain\n[Service]\nExecStart=/bin/true\n");
  EXPECT_EQ(plain.more, nullptr);
  EXPECT_EQ(plain.description(), "plain");
  EXPECT_EQ(plain.extras().standard_output.kind, OutputTarget::Kind::kJournal);
  EXPECT_EQ(plain.extras().standard_error.kind, OutputTarget::Kind::kInherit);

  const char* keys[] = {
      "User=daemon\n",
      "Group=daemon\n",
      "WorkingDirectory=/tmp\n",
      "Environment=A=1\n",
      "EnvironmentFile=-/etc/x\n",
      "StandardOutput=null\n",
      "StandardError=journal\n",
  };
  for (const char* key : keys) {
    ServiceSettings s =
        Parse(std::string("[Service]\nExecStart=/bin/true\n") + key);
    EXPECT_NE(s.more, nullptr) << key;
  }
  ServiceSettings forking =
      Parse("[Service]\nType=forking\nPIDFile=/run/d.pid\nExecStart=/bin/d\n");
  EXPECT_EQ(forking.extras().pid_file, "/run/d.pid");
  ServiceSettings user =
      Parse("[Service]\nUser=daemon\nUMask=0077\nExecStart=/bin/true\n");
  EXPECT_EQ(user.extras().user, "daemon");
  EXPECT_EQ(user.umask, 0077u);
}

}  // namespace
}  // namespace faultinit
