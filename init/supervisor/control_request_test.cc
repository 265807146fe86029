#include "init/supervisor/control_request.h"

#include <string>
#include <variant>
#include <vector>

#include "gtest/gtest.h"

namespace faultinit {
namespace {

using Names = std::vector<std::string>;

// Accepted parses a line that must be a valid request.
ControlRequest Accepted(absl::string_view line) {
  ParsedControlRequest parsed = ParseControlRequest(line);
  const auto* request = std::get_if<ControlRequest>(&parsed);
  EXPECT_NE(request, nullptr) << line;
  return request == nullptr ? ControlRequest{} : *request;
}

// Refused renders the answer to a line that must be refused: "CODE: MESSAGE".
std::string Refused(absl::string_view line) {
  ParsedControlRequest parsed = ParseControlRequest(line);
  const auto* error = std::get_if<ControlRequestError>(&parsed);
  EXPECT_NE(error, nullptr) << line;
  return error == nullptr ? "" : error->code + ": " + error->message;
}

// The request is the first line; what follows its "\n" is not looked at.
TEST(FrameRequest, FindsTheFirstLine) {
  RequestFrame frame = FrameRequest("1\tstatus\n1\treboot\n");
  EXPECT_EQ(frame.kind, RequestFrame::Kind::kLine);
  EXPECT_EQ(frame.line, "1\tstatus");
  EXPECT_EQ(FrameRequest("\n").line, "");
  EXPECT_EQ(FrameRequest("").kind, RequestFrame::Kind::kIncomplete);
  EXPECT_EQ(FrameRequest("1\tsta").kind, RequestFrame::Kind::kIncomplete);
}

// At most 4096 bytes including the "\n": 4095 bytes and a "\n" is a
// request; 4096 bytes without one can never become one.
TEST(FrameRequest, BoundsTheLine) {
  const std::string longest(kMaxRequestLine - 1, 'a');
  EXPECT_EQ(FrameRequest(longest + "\n").line, longest);
  EXPECT_EQ(FrameRequest(longest).kind, RequestFrame::Kind::kIncomplete);
  EXPECT_EQ(FrameRequest(longest + "a").kind, RequestFrame::Kind::kTooLong);
}

// Regression: the server used to look for the "\n" in everything a client
// had sent, so a line of 4096 bytes or more was accepted when its "\n"
// arrived in the same read as its 4096th byte (docs/control.md: at most
// 4096 bytes including the "\n").
TEST(FrameRequest, RefusesALongLineWhoseNewlineCameLate) {
  EXPECT_EQ(FrameRequest(std::string(kMaxRequestLine, 'a') + "\n").kind,
            RequestFrame::Kind::kTooLong);
  EXPECT_EQ(FrameRequest(std::string(8000, 'a') + "\n").kind,
            RequestFrame::Kind::kTooLong);
}

TEST(ParseControlRequest, Verbs) {
  ControlRequest status = Accepted("1\tstatus");
  EXPECT_EQ(status.verb, ControlVerb::kStatus);
  EXPECT_EQ(status.names, Names{});
  EXPECT_EQ(Accepted("1\tstatus\tweb\tdb").names, (Names{"web", "db"}));

  ControlRequest start = Accepted("1\tstart\tweb");
  EXPECT_EQ(start.verb, ControlVerb::kStart);
  EXPECT_FALSE(start.nowait);
  EXPECT_EQ(start.verb_text, "start");
  EXPECT_EQ(start.names, Names{"web"});

  ControlRequest stop = Accepted("1\tstop-nowait\ta\tb");
  EXPECT_EQ(stop.verb, ControlVerb::kStop);
  EXPECT_TRUE(stop.nowait);
  EXPECT_EQ(stop.verb_text, "stop-nowait");
  EXPECT_EQ(stop.names, (Names{"a", "b"}));

  EXPECT_EQ(Accepted("1\trestart\tweb").verb, ControlVerb::kRestart);
  EXPECT_EQ(Accepted("1\treload").verb, ControlVerb::kReload);
  EXPECT_EQ(Accepted("1\tpoweroff").verb, ControlVerb::kPowerOff);
  EXPECT_EQ(Accepted("1\treboot").verb, ControlVerb::kReboot);
  EXPECT_EQ(Accepted("1\thalt").verb, ControlVerb::kHalt);

  ControlRequest log = Accepted("1\tlog\t20\tweb");
  EXPECT_EQ(log.verb, ControlVerb::kLog);
  EXPECT_EQ(log.lines, 20u);
  EXPECT_EQ(log.names, Names{"web"});
  ControlRequest follow = Accepted("1\tfollow\t0\tweb");
  EXPECT_EQ(follow.verb, ControlVerb::kFollow);
  EXPECT_EQ(follow.lines, 0u);
}

// Each refusal is the ERR answer docs/control.md gives.
TEST(ParseControlRequest, Refusals) {
  EXPECT_EQ(Refused(""), "usage: expected VERSION<tab>VERB");
  EXPECT_EQ(Refused("1"), "usage: expected VERSION<tab>VERB");
  EXPECT_EQ(Refused("2\tstatus"),
            "version: unsupported protocol version \"2\"; this faultinit "
            "speaks 1");
  EXPECT_EQ(Refused("1\tfrobnicate"),
            "usage: unknown verb or wrong arguments: \"frobnicate\"");
  EXPECT_EQ(Refused("1\t"), "usage: unknown verb or wrong arguments: \"\"");
  EXPECT_EQ(Refused("1\tSTATUS"),
            "usage: unknown verb or wrong arguments: \"STATUS\"");
  EXPECT_EQ(Refused("1\treload\tweb"),
            "usage: unknown verb or wrong arguments: \"reload\"");
  EXPECT_EQ(Refused("1\thalt\t"),
            "usage: unknown verb or wrong arguments: \"halt\"");
  EXPECT_EQ(Refused("1\tstart"), "usage: start needs a service name");
  EXPECT_EQ(Refused("1\trestart-nowait"),
            "usage: restart-nowait needs a service name");
  EXPECT_EQ(Refused("1\tlog\tweb"), "usage: expected N<tab>NAME");
  EXPECT_EQ(Refused("1\tlog\tx\tweb"), "usage: expected N<tab>NAME");
  EXPECT_EQ(Refused("1\tfollow\t-1\tweb"), "usage: expected N<tab>NAME");
  EXPECT_EQ(Refused("1\tlog\t1\tweb\tdb"), "usage: expected N<tab>NAME");
}

// Every field is unescaped (init/control_field.h): a name may hold a
// backslash (systemd's "\x2d"); an escape the protocol lacks is refused.
TEST(ParseControlRequest, FieldsAreUnescaped) {
  EXPECT_EQ(Accepted("1\tstatus\tdev-x\\\\x2dy\ta\\tb").names,
            (Names{"dev-x\\x2dy", "a\tb"}));
  EXPECT_EQ(Accepted("1\tlog\t5\tline\\none").names, (Names{"line\none"}));
  EXPECT_EQ(Refused("1\tstatus\tbad\\q"),
            "usage: field 3 has an invalid escape");
  EXPECT_EQ(Refused("1\tstatus\\"), "usage: field 2 has an invalid escape");
}

}  // namespace
}  // namespace faultinit
