// RuntimeDirectory= and its family, as ParseUnit reads them.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "init/system/exec_directories.h"
#include "init/system/testing/service_lines.h"
#include "init/system/unit.h"

namespace faultinit {
namespace {

using testing::ParseServiceLines;
using Lines = std::vector<std::string>;

constexpr char kPath[] = "/srv/units/web.service";

Lines Diagnostics(const ParsedUnit& parsed) {
  Lines out;
  for (const Diagnostic& d : parsed.diagnostics) out.push_back(d.ToString());
  return out;
}

std::vector<std::string> Paths(const Unit& unit) {
  std::vector<std::string> out;
  for (const ExecDirectory& d : unit.directories.directories) {
    out.push_back(ExecDirectoryPath(d));
  }
  return out;
}

TEST(ExecDirectoryKeys, Defaults) {
  ParsedUnit p = ParseServiceLines("");
  EXPECT_EQ(Diagnostics(p), Lines{});
  EXPECT_TRUE(p.unit.directories.empty());
  for (int t = 0; t < kExecDirectoryTypes; ++t) {
    EXPECT_EQ(p.unit.directories.mode(static_cast<ExecDirectoryType>(t)),
              0755u);
  }
  EXPECT_EQ(p.unit.directories.runtime_preserve, DirectoryPreserve::kNo);
}

TEST(ExecDirectoryKeys, NamesOfEveryKeyAddUpInOrder) {
  ParsedUnit p = ParseServiceLines(
      "RuntimeDirectory=sshd 'with space'\n"
      "StateDirectory=./lib//nested/\n"
      "CacheDirectory=c\nLogsDirectory=l\nConfigurationDirectory=%N\n"
      "RuntimeDirectory=second sshd\n");
  EXPECT_EQ(Diagnostics(p), Lines{});
  EXPECT_EQ(Paths(p.unit),
            (std::vector<std::string>{
                "/run/sshd", "/run/with space", "/var/lib/lib/nested",
                "/var/cache/c", "/var/log/l", "/etc/web", "/run/second"}));
}

TEST(ExecDirectoryKeys, EmptyValueResetsThatKeyOnly) {
  ParsedUnit p = ParseServiceLines(
      "RuntimeDirectory=a\nStateDirectory=s\nRuntimeDirectory=\n"
      "RuntimeDirectory=b\n");
  EXPECT_EQ(Diagnostics(p), Lines{});
  EXPECT_EQ(Paths(p.unit), (std::vector<std::string>{"/var/lib/s", "/run/b"}));
}

TEST(ExecDirectoryKeys, ModesAndPreserve) {
  ParsedUnit p = ParseServiceLines(
      "RuntimeDirectoryMode=0700\nStateDirectoryMode=750\n"
      "CacheDirectoryMode=0\nLogsDirectoryMode=2775\n"
      "ConfigurationDirectoryMode=0555\nRuntimeDirectoryPreserve=restart\n");
  EXPECT_EQ(Diagnostics(p), Lines{});
  const ExecDirectories& d = p.unit.directories;
  EXPECT_EQ(d.mode(ExecDirectoryType::kRuntime), 0700u);
  EXPECT_EQ(d.mode(ExecDirectoryType::kState), 0750u);
  EXPECT_EQ(d.mode(ExecDirectoryType::kCache), 0u);
  EXPECT_EQ(d.mode(ExecDirectoryType::kLogs), 02775u);
  EXPECT_EQ(d.mode(ExecDirectoryType::kConfiguration), 0555u);
  EXPECT_EQ(d.runtime_preserve, DirectoryPreserve::kRestart);
  EXPECT_EQ(ParseServiceLines("RuntimeDirectoryPreserve=yes\n")
                .unit.directories.runtime_preserve,
            DirectoryPreserve::kYes);
  EXPECT_EQ(ParseServiceLines("RuntimeDirectoryPreserve=true\n")
                .unit.directories.runtime_preserve,
            DirectoryPreserve::kYes);
  EXPECT_EQ(ParseServiceLines(
                "RuntimeDirectoryPreserve=yes\nRuntimeDirectoryPreserve=\n")
                .unit.directories.runtime_preserve,
            DirectoryPreserve::kNo);
  EXPECT_EQ(
      ParseServiceLines("RuntimeDirectoryMode=0700\nRuntimeDirectoryMode=\n")
          .unit.directories.mode(ExecDirectoryType::kRuntime),
      0755u);
}

// Hostile or wrong names are errors at load, as in systemd: a service's
// directory can never be outside its key's root.
TEST(ExecDirectoryKeys, BadValuesAreErrors) {
  struct Case {
    const char* line;
    const char* message;
  } cases[] = {
      {"RuntimeDirectory=/run/sshd",
       "RuntimeDirectory: invalid name \"/run/sshd\": expected a relative "
       "path (under the key's directory), not an absolute one"},
      {"StateDirectory=../etc",
       "StateDirectory: invalid name \"../etc\": \"..\" is not allowed"},
      {"CacheDirectory=a/../../b",
       "CacheDirectory: invalid name \"a/../../b\": \"..\" is not allowed"},
      {"LogsDirectory=.",
       "LogsDirectory: invalid name \".\": no directory "
       "named"},
      {"StateDirectory=private/x",
       "StateDirectory: invalid name \"private/x\": \"private\" is "
       "systemd's own (DynamicUser=)"},
      {"RuntimeDirectory=foo:bar",
       "RuntimeDirectory: invalid name \"foo:bar\": the NAME:LINK form (a "
       "symbolic link to the directory) is not supported"},
      {"RuntimeDirectory=\"unbalanced", nullptr},
      {"RuntimeDirectoryMode=0789",
       "RuntimeDirectoryMode: invalid mode \"0789\": expected an octal "
       "number from 0 to 07777, such as 0755"},
      {"StateDirectoryMode=17777",
       "StateDirectoryMode: invalid mode \"17777\": expected an octal "
       "number from 0 to 07777, such as 0755"},
      {"RuntimeDirectoryPreserve=sometimes",
       "RuntimeDirectoryPreserve: invalid value \"sometimes\": expected no, "
       "yes or restart"},
  };
  for (const Case& c : cases) {
    ParsedUnit p = ParseServiceLines(
        absl::StrCat("RuntimeDirectory=kept\n", c.line, "\n"));
    EXPECT_FALSE(p.ok()) << c.line;
    ASSERT_EQ(p.diagnostics.size(), 1u) << c.line;
    EXPECT_EQ(p.diagnostics[0].line, 4) << c.line;
    if (c.message != nullptr) {
      EXPECT_EQ(p.diagnostics[0].message, c.message);
    }
    // A bad value adds nothing: not even its good names.
    EXPECT_EQ(Paths(p.unit), std::vector<std::string>{"/run/kept"}) << c.line;
  }
  ParsedUnit mixed = ParseServiceLines("RuntimeDirectory=good ../bad\n");
  EXPECT_FALSE(mixed.ok());
  EXPECT_TRUE(mixed.unit.directories.empty());
}

TEST(ExecDirectoryKeys, BelongInService) {
  ParsedUnit p = ParseUnit(
      kPath, "[Unit]\nRuntimeDirectory=x\n[Service]\nExecStart=/bin/true\n");
  ASSERT_EQ(p.diagnostics.size(), 1u);
  EXPECT_EQ(p.diagnostics[0].message,
            "unknown key \"RuntimeDirectory\" in [Unit] (it belongs in "
            "[Service]); ignored");
}

}  // namespace
}  // namespace faultinit
