#include "init/control/protocol.h"

#include <optional>
#include <string>

#include "gtest/gtest.h"

namespace faultinit::control {
namespace {

// The names docs/control.md lists, in its order.
TEST(VerbName, EveryDocumentedVerb) {
  std::string names;
  for (Verb verb : kVerbs) {
    names += std::string(VerbName(verb)) + " ";
  }
  EXPECT_EQ(names,
            "status start stop restart reload daemon-reload isolate log follow "
            "poweroff "
            "reboot halt ");
}

// Only the transitions have a -nowait form; ParseWireVerb reads back
// exactly what WireVerb writes, and nothing else.
TEST(WireVerb, NowaitFormsRoundTrip) {
  EXPECT_EQ(WireVerb(Verb::kStart, true), "start-nowait");
  EXPECT_EQ(WireVerb(Verb::kStop, true), "stop-nowait");
  EXPECT_EQ(WireVerb(Verb::kRestart, true), "restart-nowait");
  EXPECT_EQ(WireVerb(Verb::kIsolate, true), "isolate-nowait");
  EXPECT_EQ(WireVerb(Verb::kStatus, true), "status");
  EXPECT_EQ(WireVerb(Verb::kStart, false), "start");
  for (Verb verb : kVerbs) {
    for (bool nowait : {false, true}) {
      std::optional<ParsedVerb> back = ParseWireVerb(WireVerb(verb, nowait));
      ASSERT_TRUE(back.has_value()) << VerbName(verb);
      EXPECT_EQ(back->verb, verb);
      EXPECT_EQ(back->nowait, nowait && TakesNowait(verb));
    }
  }
  for (const char* text :
       {"", "STATUS", "status-nowait", "log-nowait", "-nowait",
        "start-nowait-nowait", "notify", "start "}) {
    EXPECT_FALSE(ParseWireVerb(text).has_value()) << text;
  }
}

TEST(ParseErrorCode, EveryDocumentedCode) {
  EXPECT_EQ(ParseErrorCode("usage"), ErrorCode::kUsage);
  EXPECT_EQ(ParseErrorCode("permission"), ErrorCode::kPermission);
  EXPECT_EQ(ParseErrorCode("unknown"), ErrorCode::kUnknown);
  EXPECT_EQ(ParseErrorCode("failed"), ErrorCode::kFailed);
  EXPECT_EQ(ParseErrorCode("busy"), ErrorCode::kBusy);
  EXPECT_EQ(ParseErrorCode("version"), ErrorCode::kVersion);
  EXPECT_EQ(ParseErrorCode("Usage"), ErrorCode::kOther);
  EXPECT_EQ(ParseErrorCode(""), ErrorCode::kOther);
  EXPECT_EQ(ParseErrorCode("other"), ErrorCode::kOther);
}

}  // namespace
}  // namespace faultinit::control
