#include "init/control/response.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace faultinit::control {
namespace {

using fault::StatusCode;

template <typename T>
T DecodeAs(absl::string_view line) {
  fault::StatusOr<ResponseLine> decoded = DecodeResponseLine(line);
  EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
  if (!decoded.ok()) return T{};
  const T* value = std::get_if<T>(&*decoded);
  EXPECT_NE(value, nullptr) << "wrong kind of line for \"" << line << "\"";
  return value != nullptr ? *value : T{};
}

TEST(DecodeResponseLine, Ok) {
  fault::StatusOr<ResponseLine> line = DecodeResponseLine("OK");
  ASSERT_TRUE(line.ok());
  EXPECT_TRUE(std::holds_alternative<OkLine>(*line));
  EXPECT_FALSE(DecodeResponseLine("OK\textra").ok());
  EXPECT_FALSE(DecodeResponseLine("OK ").ok());
  EXPECT_FALSE(DecodeResponseLine("ok").ok());
}

// ERR carries a code (known codes mapped, others kept) and a message.
TEST(DecodeResponseLine, Err) {
  ErrorLine unknown = DecodeAs<ErrorLine>("ERR\tunknown\tno such service: web");
  EXPECT_EQ(unknown.code, ErrorCode::kUnknown);
  EXPECT_EQ(unknown.code_text, "unknown");
  EXPECT_EQ(unknown.message, "no such service: web");

  // The doc shows `ERR \t busy` without a message.
  ErrorLine busy = DecodeAs<ErrorLine>("ERR\tbusy");
  EXPECT_EQ(busy.code, ErrorCode::kBusy);
  EXPECT_EQ(busy.message, "");

  ErrorLine newer = DecodeAs<ErrorLine>("ERR\tquota\tslow down");
  EXPECT_EQ(newer.code, ErrorCode::kOther);
  EXPECT_EQ(newer.code_text, "quota");

  EXPECT_FALSE(DecodeResponseLine("ERR").ok());
  EXPECT_FALSE(DecodeResponseLine("ERR\t\tmessage").ok());
  EXPECT_FALSE(DecodeResponseLine("ERR\tfailed\tmessage\tmore").ok());
}

// An S row with every field, and one with the optional fields empty.
TEST(DecodeResponseLine, StatusRow) {
  StatusRow row = DecodeAs<StatusRow>(
      "S\tweb\trunning\t42\t3720\t2\texit 3\tserving\tWeb server");
  EXPECT_EQ(row.name, "web");
  EXPECT_EQ(row.state, "running");
  EXPECT_EQ(row.pid, 42);
  EXPECT_EQ(row.uptime_seconds, 3720u);
  EXPECT_EQ(row.restarts, 2u);
  EXPECT_EQ(row.last_exit, "exit 3");
  EXPECT_EQ(row.status_text, "serving");
  EXPECT_EQ(row.description, "Web server");

  StatusRow bare = DecodeAs<StatusRow>("S\tdb\tinactive\t0\t0\t0\t\t\t");
  EXPECT_EQ(bare.name, "db");
  EXPECT_EQ(bare.pid, 0);
  EXPECT_EQ(bare.last_exit, "");
  EXPECT_EQ(bare.status_text, "");
  EXPECT_EQ(bare.description, "");
}

// Numbers are plain decimal; anything else is refused, never a crash.
TEST(DecodeResponseLine, StatusRowRefusesBadFields) {
  const char* bad[] = {
      "S\tweb\trunning\t42\t1\t0\t\t",      // 8 fields
      "S\tweb\trunning\t42\t1\t0\t\t\t\t",  // 10 fields
      "S\t\trunning\t42\t1\t0\t\t\t",       // empty NAME
      "S\tweb\t\t42\t1\t0\t\t\t",           // empty STATE
      "S\tweb\trunning\t-1\t1\t0\t\t\t",    // signed PID
      "S\tweb\trunning\t+1\t1\t0\t\t\t",    // signed PID
      "S\tweb\trunning\t 1\t1\t0\t\t\t",    // space
      "S\tweb\trunning\t\t1\t0\t\t\t",      // empty PID
      "S\tweb\trunning\t1\tx\t0\t\t\t",     // UPTIME_S not a number
      "S\tweb\trunning\t1\t1\t0x1\t\t\t",   // RESTARTS hex
      "S\tweb\trunning\t1\t18446744073709551616\t0\t\t\t",  // overflow
      "S\tweb\trunning\t9223372036854775808\t1\t0\t\t\t",   // pid > int64
  };
  for (const char* line : bad) {
    fault::StatusOr<ResponseLine> decoded = DecodeResponseLine(line);
    EXPECT_FALSE(decoded.ok()) << line;
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument) << line;
  }
  StatusRow max =
      DecodeAs<StatusRow>("S\tweb\trunning\t1\t18446744073709551615\t0\t\t\t");
  EXPECT_EQ(max.uptime_seconds, 18446744073709551615u);
}

// R rows: the trailing MESSAGE field may be empty or absent.
TEST(DecodeResponseLine, ResultRow) {
  ResultRow failed =
      DecodeAs<ResultRow>("R\tweb\tfailed\tExecStart= exited with exit 3");
  EXPECT_EQ(failed.name, "web");
  EXPECT_EQ(failed.state, "failed");
  EXPECT_EQ(failed.message, "ExecStart= exited with exit 3");

  ResultRow nowait = DecodeAs<ResultRow>("R\tweb\tstarting\t");
  EXPECT_EQ(nowait.state, "starting");
  EXPECT_EQ(nowait.message, "");

  ResultRow short_form = DecodeAs<ResultRow>("R\tweb\trunning");
  EXPECT_EQ(short_form.state, "running");

  EXPECT_FALSE(DecodeResponseLine("R\tweb").ok());
  EXPECT_FALSE(DecodeResponseLine("R\t\trunning\t").ok());
  EXPECT_FALSE(DecodeResponseLine("R\tweb\t\t").ok());
  EXPECT_FALSE(DecodeResponseLine("R\tweb\trunning\t\textra").ok());
}

// C lines carry space-separated names; an empty list is no names.
TEST(DecodeResponseLine, ChangeLine) {
  ChangeLine started = DecodeAs<ChangeLine>("C\tstarted\ta b  c");
  EXPECT_EQ(started.kind, "started");
  EXPECT_EQ(started.names, (std::vector<std::string>{"a", "b", "c"}));

  EXPECT_TRUE(DecodeAs<ChangeLine>("C\tstopped\t").names.empty());
  EXPECT_TRUE(DecodeAs<ChangeLine>("C\trestarted").names.empty());

  EXPECT_FALSE(DecodeResponseLine("C").ok());
  EXPECT_FALSE(DecodeResponseLine("C\t\ta").ok());
  EXPECT_FALSE(DecodeResponseLine("C\tstarted\ta\tb").ok());
}

// D and L take one field, which may be empty or hold escaped tabs.
TEST(DecodeResponseLine, DiagnosticAndLogLines) {
  EXPECT_EQ(
      DecodeAs<DiagnosticLine>("D\tweb.service:3: error: unknown key \"Foo\"")
          .text,
      "web.service:3: error: unknown key \"Foo\"");
  EXPECT_EQ(DecodeAs<LogLine>("L\tcolumn\\tseparated\\\\").text,
            "column\tseparated\\");
  EXPECT_EQ(DecodeAs<LogLine>("L\t").text, "");
  EXPECT_FALSE(DecodeResponseLine("L").ok());
  EXPECT_FALSE(DecodeResponseLine("D").ok());
  EXPECT_FALSE(DecodeResponseLine("L\tcolumn\tseparated").ok());
}

// Every field is unescaped: a hostile name, STATUS= text or description
// comes back exactly, and never as more fields or lines.
TEST(DecodeResponseLine, FieldsAreUnescaped) {
  StatusRow row = DecodeAs<StatusRow>(
      "S\ta\\tfailed\\t0\\nS\\thealthy\trunning\t1\t2\t3\texit 3"
      "\tup\\tsince\\n09:28\tback\\\\slash \x1b[2J\xff");
  EXPECT_EQ(row.name, "a\tfailed\t0\nS\thealthy");
  EXPECT_EQ(row.status_text, "up\tsince\n09:28");
  EXPECT_EQ(row.description, "back\\slash \x1b[2J\xff");
  ResultRow result = DecodeAs<ResultRow>("R\tweb\tfailed\tline\\none");
  EXPECT_EQ(result.message, "line\none");
  ErrorLine error = DecodeAs<ErrorLine>("ERR\tunknown\tno such service: a\\tb");
  EXPECT_EQ(error.message, "no such service: a\tb");
  // An escape the protocol does not have, or a lone backslash: refused.
  for (const char* line : {"S\tweb\trunning\t1\t2\t3\t\t\\x41\t",
                           "R\tweb\tfailed\tend\\", "L\t\\r"}) {
    fault::StatusOr<ResponseLine> decoded = DecodeResponseLine(line);
    EXPECT_FALSE(decoded.ok()) << line;
  }
  // A field that is not a number is quoted unescaped: its newline shown
  // as \x0a, so the message stays one line (found by the fuzzer).
  fault::StatusOr<ResponseLine> uptime =
      DecodeResponseLine("S\tweb\trunning\t1\t1\\n2\t0\t\t\t");
  ASSERT_FALSE(uptime.ok());
  EXPECT_EQ(uptime.status().message(),
            "malformed response line \"S\\x09web\\x09running\\x091\\x091\\n2"
            "\\x090\\x09\\x09\\x09\": invalid UPTIME_S \"1\\x0a2\"");
  fault::StatusOr<ResponseLine> bad = DecodeResponseLine("L\ta\\qb");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "malformed response line \"L\\x09a\\qb\": field 2 has an "
            "invalid escape");
}

// Unknown tags, empty lines, stray newlines and garbage: errors that quote
// the line (shortened), never a crash.
TEST(DecodeResponseLine, MalformedLines) {
  fault::StatusOr<ResponseLine> unknown = DecodeResponseLine("X\tfoo");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(),
            "malformed response line \"X\\x09foo\": unknown tag");

  EXPECT_FALSE(DecodeResponseLine("").ok());
  EXPECT_FALSE(DecodeResponseLine("\t").ok());
  EXPECT_FALSE(DecodeResponseLine("OK\n").ok());
  EXPECT_FALSE(DecodeResponseLine(std::string("S\0\t", 3)).ok());

  const std::string long_line = "Z" + std::string(200, 'z');
  fault::StatusOr<ResponseLine> shortened = DecodeResponseLine(long_line);
  ASSERT_FALSE(shortened.ok());
  EXPECT_EQ(shortened.status().message(), "malformed response line \"" +
                                              long_line.substr(0, 80) +
                                              "...\": unknown tag");
}

// Every prefix of valid lines, and every byte value as a tag, decodes or
// fails cleanly (run under ASan/UBSan by --config=asan).
TEST(DecodeResponseLine, PrefixesAndBytesNeverCrash) {
  const std::string lines[] = {
      "S\tweb\trunning\t42\t3720\t2\texit 3\tserving\tWeb server",
      "R\tweb\tfailed\tmessage",
      "C\tstarted\ta b",
      "ERR\tusage\tbad",
      "D\tx",
      "L\ty",
      "OK"};
  for (const std::string& line : lines) {
    for (size_t n = 0; n <= line.size(); ++n) {
      DecodeResponseLine(absl::string_view(line).substr(0, n))
          .status()
          .IgnoreError();
    }
  }
  for (int c = 0; c < 256; ++c) {
    const std::string line(1, static_cast<char>(c));
    DecodeResponseLine(line).status().IgnoreError();
    DecodeResponseLine(line + "\t").status().IgnoreError();
  }
}

// Each line as the server sends it, and decoded back to the same struct.
TEST(EncodeResponseLine, EveryKindRoundTrips) {
  EXPECT_EQ(EncodeResponseLine(OkLine{}), "OK\n");

  ErrorLine error{ErrorCode::kUnknown, "", "no such service: a\tb"};
  EXPECT_EQ(EncodeResponseLine(error),
            "ERR\tunknown\tno such service: a\\tb\n");
  ErrorLine error_back =
      DecodeAs<ErrorLine>("ERR\tunknown\tno such service: a\\tb");
  EXPECT_EQ(error_back.code, ErrorCode::kUnknown);
  EXPECT_EQ(error_back.code_text, "unknown");
  EXPECT_EQ(error_back.message, error.message);

  StatusRow row;
  row.name = "a\tfailed";
  row.state = "running";
  row.pid = 42;
  row.uptime_seconds = 3720;
  row.restarts = 2;
  row.last_exit = "exit 3";
  row.status_text = "up\nsince";
  row.description = "back\\slash";
  const std::string status = EncodeResponseLine(row);
  EXPECT_EQ(status,
            "S\ta\\tfailed\trunning\t42\t3720\t2\texit 3\tup\\nsince\t"
            "back\\\\slash\n");
  StatusRow row_back = DecodeAs<StatusRow>(status.substr(0, status.size() - 1));
  EXPECT_EQ(row_back.name, row.name);
  EXPECT_EQ(row_back.pid, row.pid);
  EXPECT_EQ(row_back.uptime_seconds, row.uptime_seconds);
  EXPECT_EQ(row_back.restarts, row.restarts);
  EXPECT_EQ(row_back.status_text, row.status_text);
  EXPECT_EQ(row_back.description, row.description);

  // The MESSAGE field is sent even when empty.
  EXPECT_EQ(EncodeResponseLine(ResultRow{"web", "running", ""}),
            "R\tweb\trunning\t\n");
  EXPECT_EQ(EncodeResponseLine(ResultRow{"web", "failed", "exit 3\n"}),
            "R\tweb\tfailed\texit 3\\n\n");

  EXPECT_EQ(EncodeResponseLine(ChangeLine{"started", {"a", "b"}}),
            "C\tstarted\ta b\n");
  EXPECT_EQ(EncodeResponseLine(ChangeLine{"stopped", {}}), "C\tstopped\t\n");
  EXPECT_EQ(DecodeAs<ChangeLine>("C\tstarted\ta b").names,
            (std::vector<std::string>{"a", "b"}));

  EXPECT_EQ(EncodeResponseLine(DiagnosticLine{"x:1: error: \"a\tb\""}),
            "D\tx:1: error: \"a\\tb\"\n");
  EXPECT_EQ(EncodeResponseLine(LogLine{"line\\"}), "L\tline\\\\\n");
}

}  // namespace
}  // namespace faultinit::control
