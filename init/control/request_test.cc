#include "init/control/request.h"

#include <string>
#include <variant>
#include <vector>

#include "gtest/gtest.h"

namespace faultinit::control {
namespace {

using Names = std::vector<std::string>;

// Accepted parses a line that must be a valid request.
Request Accepted(absl::string_view line) {
  ParsedRequest parsed = ParseRequest(line);
  const auto* request = std::get_if<Request>(&parsed);
  EXPECT_NE(request, nullptr) << line;
  return request == nullptr ? Request{} : *request;
}

// Refused renders the answer to a line that must be refused: "CODE: MESSAGE".
std::string Refused(absl::string_view line) {
  ParsedRequest parsed = ParseRequest(line);
  const auto* error = std::get_if<RequestError>(&parsed);
  EXPECT_NE(error, nullptr) << line;
  return error == nullptr
             ? ""
             : std::string(ErrorCodeName(error->code)) + ": " + error->message;
}

// The request is the version, the verb and the arguments, tab-separated.
TEST(EncodeRequest, VersionVerbArguments) {
  fault::StatusOr<std::string> request =
      EncodeRequest(Request{Verb::kStart, false, {"web", "db"}});
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  EXPECT_EQ(*request, "1\tstart\tweb\tdb\n");
  EXPECT_EQ(EncodeRequest(Request{Verb::kStop, true, {"web"}}).value(),
            "1\tstop-nowait\tweb\n");
  EXPECT_EQ(EncodeRequest(Request{Verb::kFollow, false, {"web"}, 20}).value(),
            "1\tfollow\t20\tweb\n");
}

// A verb without arguments is just the version and the verb.
TEST(EncodeRequest, NoArguments) {
  fault::StatusOr<std::string> request = EncodeRequest(Request{Verb::kReload});
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(*request, "1\treload\n");
}

// An empty argument stays a field (the server decides what it means).
TEST(EncodeRequest, EmptyArgumentIsAField) {
  fault::StatusOr<std::string> request =
      EncodeRequest(Request{Verb::kStatus, false, {""}});
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(*request, "1\tstatus\t\n");
}

// Every field is escaped (init/control/field.h): a tab, a newline or a
// backslash in an argument cannot change the framing.
TEST(EncodeRequest, EscapesEveryField) {
  fault::StatusOr<std::string> request = EncodeRequest(
      Request{Verb::kStart, false, {"a\tb", "a\nb", "dev-x\\x2dy"}});
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  EXPECT_EQ(*request, "1\tstart\ta\\tb\ta\\nb\tdev-x\\\\x2dy\n");
}

// The limit is 4096 bytes including the newline: 4096 passes, 4097 fails.
TEST(EncodeRequest, AtMost4096Bytes) {
  // "1\tstatus\t" is 9 bytes, the "\n" one more.
  const std::string fits(4096 - 10, 'x');
  fault::StatusOr<std::string> request =
      EncodeRequest(Request{Verb::kStatus, false, {fits}});
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  EXPECT_EQ(request->size(), 4096u);
  EXPECT_EQ(FrameRequest(*request).kind, RequestFrame::Kind::kLine);

  fault::StatusOr<std::string> over =
      EncodeRequest(Request{Verb::kStatus, false, {fits + "x"}});
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().message(),
            "request too long: 4097 bytes, at most 4096");
}

// What the client encodes, the server parses to the same request.
TEST(EncodeRequest, ParsesBackToTheSameRequest) {
  const Request requests[] = {
      {Verb::kStatus, false, {}},
      {Verb::kStatus, false, {"a", "b\tc"}},
      {Verb::kRestart, true, {"web"}},
      {Verb::kLog, false, {"web"}, 7},
      {Verb::kFollow, false, {"a\\b"}, 0},
      {Verb::kHalt, false, {}},
      {Verb::kIsolate, true, {"rescue.target"}},
  };
  for (const Request& request : requests) {
    fault::StatusOr<std::string> line = EncodeRequest(request);
    ASSERT_TRUE(line.ok());
    const RequestFrame frame = FrameRequest(*line);
    ASSERT_EQ(frame.kind, RequestFrame::Kind::kLine);
    Request back = Accepted(frame.line);
    EXPECT_EQ(back.verb, request.verb);
    EXPECT_EQ(back.nowait, request.nowait);
    EXPECT_EQ(back.names, request.names);
    EXPECT_EQ(back.lines, request.lines);
  }
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
  const std::string longest(kMaxRequestBytes - 1, 'a');
  EXPECT_EQ(FrameRequest(longest + "\n").line, longest);
  EXPECT_EQ(FrameRequest(longest).kind, RequestFrame::Kind::kIncomplete);
  EXPECT_EQ(FrameRequest(longest + "a").kind, RequestFrame::Kind::kTooLong);
  // The answer to it (docs/control.md).
  EXPECT_EQ(RequestTooLong().code, ErrorCode::kUsage);
  EXPECT_EQ(RequestTooLong().message, "request longer than 4096 bytes");
}

// Regression: the server used to look for the "\n" in everything a client
// had sent, so a line of 4096 bytes or more was accepted when its "\n"
// arrived in the same read as its 4096th byte (docs/control.md: at most
// 4096 bytes including the "\n").
TEST(FrameRequest, RefusesALongLineWhoseNewlineCameLate) {
  EXPECT_EQ(FrameRequest(std::string(kMaxRequestBytes, 'a') + "\n").kind,
            RequestFrame::Kind::kTooLong);
  EXPECT_EQ(FrameRequest(std::string(8000, 'a') + "\n").kind,
            RequestFrame::Kind::kTooLong);
}

TEST(ParseRequest, Verbs) {
  Request status = Accepted("1\tstatus");
  EXPECT_EQ(status.verb, Verb::kStatus);
  EXPECT_EQ(status.names, Names{});
  EXPECT_EQ(Accepted("1\tstatus\tweb\tdb").names, (Names{"web", "db"}));

  Request start = Accepted("1\tstart\tweb");
  EXPECT_EQ(start.verb, Verb::kStart);
  EXPECT_FALSE(start.nowait);
  EXPECT_EQ(WireVerb(start.verb, start.nowait), "start");
  EXPECT_EQ(start.names, Names{"web"});

  Request stop = Accepted("1\tstop-nowait\ta\tb");
  EXPECT_EQ(stop.verb, Verb::kStop);
  EXPECT_TRUE(stop.nowait);
  EXPECT_EQ(WireVerb(stop.verb, stop.nowait), "stop-nowait");
  EXPECT_EQ(stop.names, (Names{"a", "b"}));

  EXPECT_EQ(Accepted("1\trestart\tweb").verb, Verb::kRestart);
  EXPECT_EQ(Accepted("1\treload").verb, Verb::kReload);
  EXPECT_EQ(Accepted("1\tpoweroff").verb, Verb::kPowerOff);
  EXPECT_EQ(Accepted("1\treboot").verb, Verb::kReboot);
  EXPECT_EQ(Accepted("1\thalt").verb, Verb::kHalt);

  Request log = Accepted("1\tlog\t20\tweb");
  EXPECT_EQ(log.verb, Verb::kLog);
  EXPECT_EQ(log.lines, 20u);
  EXPECT_EQ(log.names, Names{"web"});
  Request follow = Accepted("1\tfollow\t0\tweb");
  EXPECT_EQ(follow.verb, Verb::kFollow);
  EXPECT_EQ(follow.lines, 0u);
}

// Each refusal is the ERR answer docs/control.md gives.
TEST(ParseRequest, Refusals) {
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
  EXPECT_EQ(Refused("1\tpoweroff\tweb"),
            "usage: unknown verb or wrong arguments: \"poweroff\"");
  EXPECT_EQ(Refused("1\thalt\t"),
            "usage: unknown verb or wrong arguments: \"halt\"");
  EXPECT_EQ(Refused("1\tstart"), "usage: start needs a service name");
  EXPECT_EQ(Refused("1\tisolate"), "usage: isolate needs one unit name");
  EXPECT_EQ(Refused("1\tisolate-nowait\ta.target\tb.target"),
            "usage: isolate-nowait needs one unit name");
  EXPECT_EQ(Refused("1\trestart-nowait"),
            "usage: restart-nowait needs a service name");
  EXPECT_EQ(Refused("1\tlog\tweb"), "usage: expected N<tab>NAME");
  EXPECT_EQ(Refused("1\tlog\tx\tweb"), "usage: expected N<tab>NAME");
  EXPECT_EQ(Refused("1\tfollow\t-1\tweb"), "usage: expected N<tab>NAME");
  EXPECT_EQ(Refused("1\tlog\t1\tweb\tdb"), "usage: expected N<tab>NAME");
}

// Every field is unescaped (init/control/field.h): a name may hold a
// backslash (systemd's "\x2d"); an escape the protocol lacks is refused.
TEST(ParseRequest, FieldsAreUnescaped) {
  EXPECT_EQ(Accepted("1\tstatus\tdev-x\\\\x2dy\ta\\tb").names,
            (Names{"dev-x\\x2dy", "a\tb"}));
  EXPECT_EQ(Accepted("1\tlog\t5\tline\\none").names, (Names{"line\none"}));
  EXPECT_EQ(Refused("1\tstatus\tbad\\q"),
            "usage: field 3 has an invalid escape");
  EXPECT_EQ(Refused("1\tstatus\\"), "usage: field 2 has an invalid escape");
}

}  // namespace
}  // namespace faultinit::control
