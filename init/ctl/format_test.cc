#include "init/ctl/format.h"

#include <vector>

#include "gtest/gtest.h"

namespace faultinit::faultctl {
namespace {

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

TEST(LastExitCell, ExitAndStatusText) {
  EXPECT_EQ(LastExitCell(Row("a", "running", 1, 0, 0, "", "", "")), "-");
  EXPECT_EQ(LastExitCell(Row("a", "failed", 0, 0, 0, "exit 3", "", "")),
            "exit 3");
  EXPECT_EQ(LastExitCell(Row("a", "running", 1, 0, 0, "", "serving", "")),
            "(serving)");
  EXPECT_EQ(LastExitCell(Row("a", "running", 1, 0, 0, "signal TERM", "up", "")),
            "signal TERM (up)");
}

// Columns padded to their widest cell, two spaces apart, no trailing
// spaces, PID "-" for none.
TEST(FormatStatusTable, PaddedColumns) {
  std::vector<StatusRow> rows = {
      Row("web", "running", 4242, 3725, 0, "", "serving", "Web server"),
      Row("database", "failed", 0, 5, 3, "exit 3", "", "Database"),
      Row("tick", "inactive", 0, 0, 0, "", "", ""),
  };
  EXPECT_EQ(
      FormatStatusTable(rows),
      "NAME      STATE     PID   UPTIME   RESTARTS  LAST-EXIT  DESCRIPTION\n"
      "web       running   4242  1h 2min  0         (serving)  Web server\n"
      "database  failed    -     5s       3         exit 3     Database\n"
      "tick      inactive  -     0s       0         -\n");
}

TEST(FormatStatusTable, HeaderOnlyWhenEmpty) {
  EXPECT_EQ(FormatStatusTable({}),
            "NAME  STATE  PID  UPTIME  RESTARTS  LAST-EXIT  DESCRIPTION\n");
}

// A service's text cannot reach the terminal as control characters, and
// UTF-8 counts as one column per character.
TEST(FormatStatusTable, ControlCharactersAndUtf8) {
  std::vector<StatusRow> rows = {
      Row("évé", "running", 1, 1, 0, "", "a\x1b[2Jb", "tab\there"),
  };
  EXPECT_EQ(FormatStatusTable(rows),
            "NAME  STATE    PID  UPTIME  RESTARTS  LAST-EXIT  DESCRIPTION\n"
            "évé   running  1    1s      0         (a?[2Jb)   tab?here\n");
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

// Valid UTF-8 passes through; anything else becomes U+FFFD per byte.
TEST(JsonString, Utf8) {
  EXPECT_EQ(JsonString("é€😀"), "\"é€😀\"");
  EXPECT_EQ(JsonString("\xff"), "\"\\ufffd\"");
  EXPECT_EQ(JsonString("a\xc3"), "\"a\\ufffd\"");           // truncated
  EXPECT_EQ(JsonString("\xc0\xaf"), "\"\\ufffd\\ufffd\"");  // overlong
  EXPECT_EQ(JsonString("\xed\xa0\x80"),
            "\"\\ufffd\\ufffd\\ufffd\"");  // surrogate
  EXPECT_EQ(JsonString("\xf4\x90\x80\x80"),
            "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");  // above U+10FFFF
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
