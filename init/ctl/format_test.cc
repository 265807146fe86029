#include "init/ctl/format.h"

#include <vector>

#include "gtest/gtest.h"

namespace faultinit::faultctl {
namespace {

using control::StatusRow;

StatusRow Row(std::string name, std::string state, int64_t pid, uint64_t uptime,
              uint64_t restarts, std::string last_exit, std::string status_text,
              std::string description) {
  StatusRow row;
  row.name = std::move(name);
  row.state = std::move(state);
  row.pid = pid;
  row.uptime_seconds = uptime;
  row.restarts = restarts;
  row.last_exit = std::move(last_exit);
  row.status_text = std::move(status_text);
  row.description = std::move(description);
  return row;
}

// The two largest units, a zero second unit left out.
TEST(FormatUptime, TwoLargestUnits) {
  EXPECT_EQ(FormatUptime(0), "0s");
  EXPECT_EQ(FormatUptime(5), "5s");
  EXPECT_EQ(FormatUptime(59), "59s");
  EXPECT_EQ(FormatUptime(60), "1min");
  EXPECT_EQ(FormatUptime(65), "1min 5s");
  EXPECT_EQ(FormatUptime(3600), "1h");
  EXPECT_EQ(FormatUptime(3725), "1h 2min");
  EXPECT_EQ(FormatUptime(3601), "1h");
  EXPECT_EQ(FormatUptime(86400 + 7200 + 5), "1d 2h");
  EXPECT_EQ(FormatUptime(86400 * 400), "400d");
  EXPECT_EQ(FormatUptime(18446744073709551615u), "213503982334601d 7h");
}

// Backslashes and control bytes escaped, valid UTF-8 kept, anything else
// a byte: one line, and two different texts never look the same.
TEST(DisplayText, EscapesUnambiguously) {
  EXPECT_EQ(DisplayText(""), "");
  EXPECT_EQ(DisplayText("plain: é€😀"), "plain: é€😀");
  EXPECT_EQ(DisplayText("a\tb\nc\rd\\e"), "a\\tb\\nc\\rd\\\\e");
  EXPECT_EQ(DisplayText(std::string("\x1b[2J\x7f\0", 6)), "\\x1b[2J\\x7f\\x00");
  EXPECT_EQ(DisplayText("\xff\xc3"), "\\xff\\xc3");  // not UTF-8
  EXPECT_EQ(DisplayText("\xc2\x9b"
                        "2J"),
            "\\xc2\\x9b2J");                       // C1 CSI
  EXPECT_EQ(DisplayText("\xc2\xa0"), "\xc2\xa0");  // U+00A0 is text
  // The text and the escape of it differ.
  EXPECT_NE(DisplayText("\t"), DisplayText("\\t"));
  EXPECT_NE(DisplayText("\xff"), DisplayText("\\xff"));
}

// Columns padded to their widest cell, two spaces apart, no trailing
// spaces, "-" for no PID, no last exit, no status text.
TEST(FormatStatusTable, PaddedColumns) {
  std::vector<StatusRow> rows = {
      Row("web", "running", 4242, 3725, 0, "", "serving", "Web server"),
      Row("database", "failed", 0, 5, 3, "exit 3", "", "Database"),
      Row("tick", "inactive", 0, 0, 0, "", "", ""),
  };
  EXPECT_EQ(FormatStatusTable(rows),
            "NAME      STATE     PID   UPTIME   RESTARTS  LAST-EXIT  STATUS   "
            "DESCRIPTION\n"
            "web       running   4242  1h 2min  0         -          serving  "
            "Web server\n"
            "database  failed    -     5s       3         exit 3     -        "
            "Database\n"
            "tick      inactive  -     0s       0         -          -\n");
}

// A STATUS= text is not an exit: each has its own column.
TEST(FormatStatusTable, StatusTextIsNotLastExit) {
  std::vector<StatusRow> rows = {
      Row("api", "running", 7, 1, 1, "signal TERM", "(up since 09:28:05)", ""),
  };
  EXPECT_EQ(FormatStatusTable(rows),
            "NAME  STATE    PID  UPTIME  RESTARTS  LAST-EXIT    STATUS"
            "               DESCRIPTION\n"
            "api   running  7    1s      1         signal TERM  (up since "
            "09:28:05)\n");
}

TEST(FormatStatusTable, HeaderOnlyWhenEmpty) {
  EXPECT_EQ(FormatStatusTable({}),
            "NAME  STATE  PID  UPTIME  RESTARTS  LAST-EXIT  STATUS  "
            "DESCRIPTION\n");
}

// A service's text cannot reach the terminal as control characters, nor
// forge a row: tabs and newlines are escaped in the cell; UTF-8 counts as
// one column per character.
TEST(FormatStatusTable, ControlCharactersAndUtf8) {
  std::vector<StatusRow> rows = {
      Row("évé", "running", 1, 1, 0, "", "a\x1b[2Jb", "tab\there"),
      Row("a\tfailed\t0\nS\thealthy", "running", 1, 1, 0, "", "x\ny", ""),
  };
  EXPECT_EQ(FormatStatusTable(rows),
            "NAME                      STATE    PID  UPTIME  RESTARTS  "
            "LAST-EXIT  STATUS     DESCRIPTION\n"
            "évé                       running  1    1s      0         "
            "-          a\\x1b[2Jb  tab\\there\n"
            "a\\tfailed\\t0\\nS\\thealthy  running  1    1s      0         "
            "-          x\\ny\n");
}

TEST(JsonString, Escapes) {
  EXPECT_EQ(JsonString(""), "\"\"");
  EXPECT_EQ(JsonString("plain"), "\"plain\"");
  EXPECT_EQ(JsonString("q\"b\\s/"), "\"q\\\"b\\\\s/\"");
  EXPECT_EQ(JsonString("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(JsonString(std::string("\x01\x1f\x00", 3)),
            "\"\\u0001\\u001f\\u0000\"");
  EXPECT_EQ(JsonString("\x7f"), "\"\x7f\"");
}

// Valid UTF-8 passes through; anything else is its byte as a lone low
// surrogate, U+DC80..U+DCFF (Python's surrogateescape): nothing is lost.
TEST(JsonString, Utf8) {
  EXPECT_EQ(JsonString("é€😀"), "\"é€😀\"");
  EXPECT_EQ(JsonString("\xff"), "\"\\udcff\"");
  EXPECT_EQ(JsonString("a\xc3"), "\"a\\udcc3\"");           // truncated
  EXPECT_EQ(JsonString("\xc0\xaf"), "\"\\udcc0\\udcaf\"");  // overlong
  EXPECT_EQ(JsonString("\xed\xa0\x80"),
            "\"\\udced\\udca0\\udc80\"");  // surrogate
  EXPECT_EQ(JsonString("\xf4\x90\x80\x80"),
            "\"\\udcf4\\udc90\\udc80\\udc80\"");  // above U+10FFFF
  EXPECT_EQ(JsonString("\xc3\xa9\xe9"), "\"\xc3\xa9\\udce9\"");
}

TEST(FormatStatusJson, ArrayOfObjects) {
  EXPECT_EQ(FormatStatusJson({}), "[]\n");
  std::vector<StatusRow> rows = {
      Row("web", "running", 42, 3720, 1, "exit 3", "say \"hi\"", "Web"),
      Row("db", "inactive", 0, 0, 0, "", "", ""),
  };
  EXPECT_EQ(FormatStatusJson(rows),
            "[{\"name\":\"web\",\"state\":\"running\",\"pid\":42,"
            "\"uptime_seconds\":3720,\"restarts\":1,\"last_exit\":\"exit 3\","
            "\"status\":\"say \\\"hi\\\"\",\"description\":\"Web\"},"
            "{\"name\":\"db\",\"state\":\"inactive\",\"pid\":0,"
            "\"uptime_seconds\":0,\"restarts\":0,\"last_exit\":\"\","
            "\"status\":\"\",\"description\":\"\"}]\n");
}

}  // namespace
}  // namespace faultinit::faultctl
