#include "init/system/environment_file.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "gtest/gtest.h"

namespace faultinit {
namespace {

EnvironmentMap Parsed(absl::string_view contents) {
  fault::StatusOr<EnvironmentMap> env =
      ParseEnvironmentFile("/etc/app.env", contents);
  EXPECT_TRUE(env.ok()) << env.status().ToString();
  return env.value_or(EnvironmentMap{});
}

std::string Error(absl::string_view contents) {
  fault::StatusOr<EnvironmentMap> env =
      ParseEnvironmentFile("/etc/app.env", contents);
  EXPECT_FALSE(env.ok());
  return env.ok() ? "" : std::string(env.status().message());
}

std::string TempPath(absl::string_view name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + std::string(name);
}

// KEY=VALUE lines; blank lines and # or ; comments are skipped; whitespace
// around the key and the value is trimmed; a later key wins.
TEST(ParseEnvironmentFile, AssignmentsAndComments) {
  EXPECT_EQ(Parsed("# comment\n"
                   "\n"
                   "  ; another\n"
                   "A=1\n"
                   "  B = two words  \n"
                   "C=\n"
                   "A=3\n"
                   "D=x#not a comment"),
            (EnvironmentMap{{"A", "3"},
                            {"B", "two words"},
                            {"C", ""},
                            {"D", "x#not a comment"}}));
}

// "export " before the key is tolerated.
TEST(ParseEnvironmentFile, ExportPrefix) {
  EXPECT_EQ(Parsed("export PATH=/bin\nexport\tX=1\nexported=2\n"),
            (EnvironmentMap{{"PATH", "/bin"}, {"X", "1"}, {"exported", "2"}}));
}

// Single quotes are literal; double quotes decode \" \\ \$ \` only; quotes
// keep blanks and may span lines.
TEST(ParseEnvironmentFile, Quotes) {
  EXPECT_EQ(Parsed("A='a \\n \"b\"  '\n"
                   "B=\"x \\\"y\\\" \\\\ \\$ \\n\"\n"
                   "C=pre\"mid dle\"post\n"
                   "D=\"two\nlines\"\n"),
            (EnvironmentMap{{"A", "a \\n \"b\"  "},
                            {"B", "x \"y\" \\ $ \\n"},
                            {"C", "premid dlepost"},
                            {"D", "two\nlines"}}));
}

// A backslash takes the next character literally; at the end of a line it
// continues the value.
TEST(ParseEnvironmentFile, BackslashesAndContinuation) {
  EXPECT_EQ(Parsed("A=a\\ \\#b\\\\\nB=one \\\ntwo\nC=3\n"),
            (EnvironmentMap{{"A", "a #b\\"}, {"B", "one two"}, {"C", "3"}}));
}

// Errors give the file and the line where the assignment starts.
TEST(ParseEnvironmentFile, Errors) {
  EXPECT_EQ(Error("A=1\nnot an assignment\n"),
            "/etc/app.env:2: expected KEY=VALUE, got \"not an assignment\"");
  EXPECT_EQ(Error("\n1X=2\n"), "/etc/app.env:2: invalid variable name \"1X\"");
  EXPECT_EQ(Error("A=1\nB=\"open\nstill\n"),
            "/etc/app.env:2: unbalanced quote in the value of B");
  EXPECT_EQ(Error(absl::string_view("A=1\n\nB=x\0y\n", 11)),
            "/etc/app.env:3: NUL byte in the file");
}

// ReadEnvironmentFile reads and parses; a missing file is kNotFound.
TEST(ReadEnvironmentFile, ReadsAndReportsMissing) {
  std::string path = TempPath("read.env");
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("A=1\nB='2 3'\n", f);
  std::fclose(f);
  fault::StatusOr<EnvironmentMap> env = ReadEnvironmentFile(path);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_EQ(*env, (EnvironmentMap{{"A", "1"}, {"B", "2 3"}}));

  std::string missing = TempPath("missing.env");
  env = ReadEnvironmentFile(missing);
  EXPECT_EQ(env.status().code(), fault::StatusCode::kNotFound);
  EXPECT_EQ(env.status().message(), "unable to read environment file " +
                                        missing +
                                        ": No such file or directory");
}

}  // namespace
}  // namespace faultinit
