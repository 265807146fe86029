#include "init/system/exec_command.h"

#include "gtest/gtest.h"

namespace faultinit {
namespace {

using Words = std::vector<std::string>;

Words Split(absl::string_view text, const EnvironmentMap& env = {}) {
  fault::StatusOr<Words> words = SplitCommandLine(text, env);
  EXPECT_TRUE(words.ok()) << text << ": " << words.status().ToString();
  return words.value_or(Words{"<error>"});
}

std::string SplitError(absl::string_view text) {
  fault::StatusOr<Words> words = SplitCommandLine(text, {});
  EXPECT_FALSE(words.ok()) << text;
  return words.ok() ? "" : std::string(words.status().message());
}

std::string ExecError(absl::string_view value) {
  fault::StatusOr<ExecLine> line = ParseExecLine(value);
  EXPECT_FALSE(line.ok()) << value;
  return line.ok() ? "" : std::string(line.status().message());
}

// Whitespace (spaces, tabs, newlines) separates words; runs of it count once.
TEST(SplitCommandLine, WhitespaceSeparatesWords) {
  EXPECT_EQ(Split("/bin/echo a  b\tc\n d "),
            (Words{"/bin/echo", "a", "b", "c", "d"}));
  EXPECT_EQ(Split(""), Words{});
  EXPECT_EQ(Split("   "), Words{});
}

// Double and single quotes wrap a whole word, empty words included.
TEST(SplitCommandLine, QuotesWrapWholeWords) {
  EXPECT_EQ(Split("sh -c \"echo a  b\" 'x \"y\"' \"\" ''"),
            (Words{"sh", "-c", "echo a  b", "x \"y\"", "", ""}));
}

// A closing quote must be followed by whitespace or the end, and a quote
// cannot start in the middle of a word.
TEST(SplitCommandLine, QuotePlacementErrors) {
  EXPECT_EQ(SplitError("echo \"a\"b"),
            "closing quote must be followed by whitespace in \"echo \"a\"b\"");
  EXPECT_EQ(SplitError("echo --opt=\"a b\""),
            "quote in the middle of a word in \"echo --opt=\"a b\"\" (a quote "
            "may only start a word; write \\\" or \\' for a literal one)");
}

// An unterminated quote is an error that quotes the whole text.
TEST(SplitCommandLine, UnbalancedQuote) {
  EXPECT_EQ(SplitError("echo \"abc"), "unbalanced quote in \"echo \"abc\"");
  EXPECT_EQ(SplitError("echo 'abc"), "unbalanced quote in \"echo 'abc\"");
  EXPECT_EQ(SplitError("echo \"abc\\\""),
            "unbalanced quote in \"echo \"abc\\\"\"");
}

// The C escapes and \s are decoded, inside quotes and out.
TEST(SplitCommandLine, Escapes) {
  EXPECT_EQ(Split("a\\sb \"t\\tn\\n\" 'q\\'' \\\\ \\\" \\a\\b\\f\\r\\v"),
            (Words{"a b", "t\tn\n", "q'", "\\", "\"", "\a\b\f\r\v"}));
  EXPECT_EQ(Split("\\x41\\102\\u00e9\\U0001F600"),
            (Words{"AB\xC3\xA9\xF0\x9F\x98\x80"}));
  // An escaped space does not separate words.
  EXPECT_EQ(Split("a\\ b c"), (Words{"a\\ b", "c"}));
}

// Escapes that cannot be decoded (unknown, malformed, NUL) stay as written,
// as systemd keeps them; ParseExecLine reports each as a warning.
TEST(SplitCommandLine, UnknownEscapesKept) {
  EXPECT_EQ(Split("grep \\d \\xZZ \\x00 \\9 \\uD800"),
            (Words{"grep", "\\d", "\\xZZ", "\\x00", "\\9", "\\uD800"}));
  fault::StatusOr<ExecLine> line = ParseExecLine("/bin/grep \\d");
  ASSERT_TRUE(line.ok());
  EXPECT_EQ(line->warnings,
            Words{"unknown escape \"\\d\" in \"/bin/grep \\d\": kept as "
                  "written"});
}

// A backslash at the very end is an error.
TEST(SplitCommandLine, TrailingBackslash) {
  EXPECT_EQ(SplitError("echo a\\"), "trailing backslash in \"echo a\\\"");
}

// A word that is exactly $NAME becomes the value's words; unset, none.
TEST(SplitCommandLine, DollarNameSplitsIntoWords) {
  EnvironmentMap env = {{"ARGS", "  -a  -b\tc "}, {"EMPTY", ""}};
  EXPECT_EQ(Split("cmd $ARGS $UNSET $EMPTY end", env),
            (Words{"cmd", "-a", "-b", "c", "end"}));
  // Quoting does not prevent the split: phase 2 sees the unquoted word.
  EXPECT_EQ(Split("cmd \"$ARGS\"", env), (Words{"cmd", "-a", "-b", "c"}));
}

// ${NAME} is replaced inside its word, as one word; unset is empty.
TEST(SplitCommandLine, BracedNameIsOneWordPart) {
  EnvironmentMap env = {{"ARGS", "-a -b"}, {"DIR", "/srv"}};
  EXPECT_EQ(Split("cmd ${ARGS} --dir=${DIR}/x ${UNSET} x${UNSET}y", env),
            (Words{"cmd", "-a -b", "--dir=/srv/x", "", "xy"}));
  EXPECT_EQ(Split("cmd ${UNSET:-fallback} ${DIR:-fallback} ${DIR:+set} "
                  "${UNSET:+set}",
                  env),
            (Words{"cmd", "fallback", "/srv", "set", ""}));
}

// $$ is a literal $; other dollars, and an unterminated ${, stay as written.
TEST(SplitCommandLine, DollarDollarAndLiteralDollars) {
  EnvironmentMap env = {{"HOME", "/root"}};
  EXPECT_EQ(Split("echo $$ $$HOME a$HOME $1 $ ${HOME", env),
            (Words{"echo", "$", "$HOME", "a$HOME", "$1", "$", "${HOME"}));
}

// A lone ";" (systemd's old command separator) is rejected; "\;" is ";".
TEST(SplitCommandLine, Semicolons) {
  EXPECT_EQ(SplitError("a ; b"),
            "lone \";\" in \"a ; b\": several commands on one line are not "
            "supported; write one line per command, or \\; for a literal "
            "\";\"");
  EXPECT_EQ(Split("find . -exec rm {} \\;"),
            (Words{"find", ".", "-exec", "rm", "{}", ";"}));
  EXPECT_EQ(Split("a \";\" b;"), (Words{"a", ";", "b;"}));
}

// UnquoteWords is phase 1 only: no variables, ";" is a word.
TEST(UnquoteWords, NoVariablesNoSeparator) {
  fault::StatusOr<Words> words = UnquoteWords("\"A=1 2\" B=$X ;", nullptr);
  ASSERT_TRUE(words.ok());
  EXPECT_EQ(*words, (Words{"A=1 2", "B=$X", ";"}));
}

// Variable names are C identifiers.
TEST(IsValidEnvironmentName, Identifiers) {
  EXPECT_TRUE(IsValidEnvironmentName("PATH"));
  EXPECT_TRUE(IsValidEnvironmentName("_a1"));
  EXPECT_FALSE(IsValidEnvironmentName(""));
  EXPECT_FALSE(IsValidEnvironmentName("1A"));
  EXPECT_FALSE(IsValidEnvironmentName("A-B"));
}

// Without prefixes: the words, failure counts, variables expand.
TEST(ParseExecLine, Plain) {
  fault::StatusOr<ExecLine> line = ParseExecLine("/bin/echo \"a b\" $X");
  ASSERT_TRUE(line.ok()) << line.status().ToString();
  EXPECT_EQ(line->raw, "/bin/echo \"a b\" $X");
  EXPECT_FALSE(line->ignore_failure);
  EXPECT_FALSE(line->argv0_given);
  EXPECT_TRUE(line->expand_variables);
  EXPECT_EQ(line->words, (Words{"/bin/echo", "a b", "$X"}));
  EXPECT_TRUE(line->warnings.empty());
}

// "-", "@" and ":" are supported, in any order.
TEST(ParseExecLine, SupportedPrefixes) {
  fault::StatusOr<ExecLine> line = ParseExecLine("-@:/bin/sh sh-name $X");
  ASSERT_TRUE(line.ok()) << line.status().ToString();
  EXPECT_TRUE(line->ignore_failure);
  EXPECT_TRUE(line->argv0_given);
  EXPECT_FALSE(line->expand_variables);
  EXPECT_EQ(line->words, (Words{"/bin/sh", "sh-name", "$X"}));
  EXPECT_TRUE(ParseExecLine("-true")->ignore_failure);
}

// "+", "!" and "!!" set what the command is exempt from (systemd's
// "Command lines" table), with the other prefixes in any order.
TEST(ParseExecLine, PrivilegePrefixes) {
  auto privileges = [](absl::string_view value) {
    fault::StatusOr<ExecLine> line = ParseExecLine(value);
    EXPECT_TRUE(line.ok()) << value << ": " << line.status().ToString();
    return line.ok() ? line->privileges : ExecPrivileges::kNormal;
  };
  EXPECT_EQ(privileges("/bin/true"), ExecPrivileges::kNormal);
  EXPECT_EQ(privileges("+/bin/true"), ExecPrivileges::kFull);
  EXPECT_EQ(privileges("!/bin/true"), ExecPrivileges::kNoSetuid);
  EXPECT_EQ(privileges("!!/bin/true"), ExecPrivileges::kNoSetuidWithoutAmbient);
  EXPECT_EQ(privileges("-!!/bin/true"),
            ExecPrivileges::kNoSetuidWithoutAmbient);
  EXPECT_EQ(privileges("!-!/bin/true"),
            ExecPrivileges::kNoSetuidWithoutAmbient);
  fault::StatusOr<ExecLine> line = ParseExecLine("@-+:/bin/sh sh $X");
  ASSERT_TRUE(line.ok()) << line.status().ToString();
  EXPECT_EQ(line->privileges, ExecPrivileges::kFull);
  EXPECT_TRUE(line->ignore_failure);
  EXPECT_TRUE(line->argv0_given);
  EXPECT_FALSE(line->expand_variables);
  EXPECT_EQ(line->words, (Words{"/bin/sh", "sh", "$X"}));
}

// As in systemd, a second privilege prefix ends the prefixes: what is
// left is no executable.
TEST(ParseExecLine, PrivilegePrefixesTogether) {
  EXPECT_EQ(ExecError("+!/bin/true"),
            "executable \"!/bin/true\" must be an absolute path or a plain "
            "name, in \"+!/bin/true\"");
  EXPECT_EQ(ExecError("!+/bin/true"),
            "executable \"+/bin/true\" must be an absolute path or a plain "
            "name, in \"!+/bin/true\"");
  EXPECT_EQ(ExecError("!!!/bin/true"),
            "executable \"!/bin/true\" must be an absolute path or a plain "
            "name, in \"!!!/bin/true\"");
}

// The shell prefix is an error naming the prefix.
TEST(ParseExecLine, UnsupportedPrefixes) {
  EXPECT_EQ(ExecError("|/bin/true"),
            "prefix \"|\" (run through the user's shell) is not supported in "
            "\"|/bin/true\"");
}

// The command itself must be there and be an absolute path or a name.
TEST(ParseExecLine, BadCommands) {
  EXPECT_EQ(ExecError("-"), "missing command in \"-\"");
  EXPECT_EQ(ExecError("- /bin/true"),
            "prefix must be followed directly by the executable in "
            "\"- /bin/true\"");
  EXPECT_EQ(ExecError("@/bin/sh"),
            "prefix \"@\" needs an executable and an argv[0] in \"@/bin/sh\"");
  EXPECT_EQ(ExecError("bin/sh -c x"),
            "executable \"bin/sh\" must be an absolute path or a plain name, "
            "in \"bin/sh -c x\"");
  EXPECT_EQ(ExecError("--/bin/true"),
            "executable \"-/bin/true\" must be an absolute path or a plain "
            "name, in \"--/bin/true\"");
  EXPECT_EQ(ExecError("\"\" x"),
            "executable \"\" must be an absolute path or a plain name, in "
            "\"\"\" x\"");
  EXPECT_EQ(ExecError("/bin/echo \"x"),
            "unbalanced quote in \"/bin/echo \"x\"");
}

// Expansion: the executable and argv[0] as written, the arguments expanded
// (not with ":"); "@" gives argv[0].
TEST(ExpandExecLine, Arguments) {
  EnvironmentMap env = {{"X", "1 2"}};
  Command c = ExpandExecLine(*ParseExecLine("echo $X ${X}"), env);
  EXPECT_EQ(c.executable, "echo");
  EXPECT_EQ(c.argv, (Words{"echo", "1", "2", "1 2"}));
  c = ExpandExecLine(*ParseExecLine("@/bin/sh -sh $X"), env);
  EXPECT_EQ(c.executable, "/bin/sh");
  EXPECT_EQ(c.argv, (Words{"-sh", "1", "2"}));
  c = ExpandExecLine(*ParseExecLine(":/bin/echo $X $$"), env);
  EXPECT_EQ(c.argv, (Words{"/bin/echo", "$X", "$$"}));
}

// Messages show control and non-ASCII bytes as \xNN and cut long text.
TEST(QuoteText, PrintableAndShort) {
  EXPECT_EQ(QuoteText("a\tb\x01\xff"), "\"a\\x09b\\x01\\xff\"");
  EXPECT_EQ(QuoteText(std::string(150, 'x')),
            "\"" + std::string(100, 'x') + "...\"");
}

}  // namespace
}  // namespace faultinit
