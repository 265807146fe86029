#include "init/ctl/command_line.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace faultinit::faultctl {
namespace {

using control::Verb;

Command ParseOrDie(const std::vector<std::string>& argv) {
  fault::StatusOr<Command> command = ParseCommandLine(argv);
  EXPECT_TRUE(command.ok()) << command.status().ToString();
  return command.ok() ? *command : Command{};
}

std::string ErrorOf(const std::vector<std::string>& argv) {
  fault::StatusOr<Command> command = ParseCommandLine(argv);
  EXPECT_FALSE(command.ok());
  return command.ok() ? "" : std::string(command.status().message());
}

TEST(ParseCommandLine, StatusWithOptionsBeforeOrAfterTheVerb) {
  Command a = ParseOrDie({"status", "--json", "web", "db"});
  EXPECT_EQ(a.verb, Verb::kStatus);
  EXPECT_TRUE(a.json);
  EXPECT_EQ(a.operands, (std::vector<std::string>{"web", "db"}));

  Command b = ParseOrDie({"--socket", "/tmp/s", "--json", "status"});
  EXPECT_TRUE(b.json);
  EXPECT_EQ(b.socket, "/tmp/s");
  EXPECT_TRUE(b.operands.empty());

  EXPECT_EQ(ParseOrDie({"--socket=/x", "status"}).socket, "/x");
  EXPECT_FALSE(ParseOrDie({"status"}).socket.has_value());
}

TEST(ParseCommandLine, TransitionsAndNoBlock) {
  Command start = ParseOrDie({"start", "--no-block", "a", "b"});
  EXPECT_EQ(start.verb, Verb::kStart);
  EXPECT_TRUE(start.no_block);
  EXPECT_EQ(start.operands, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(ParseOrDie({"stop", "a"}).verb, Verb::kStop);
  EXPECT_EQ(ParseOrDie({"restart", "a"}).verb, Verb::kRestart);
  EXPECT_EQ(ErrorOf({"start"}), "start: no service name given");
  EXPECT_EQ(ErrorOf({"stop", ""}), "stop: empty service name");
}

TEST(ParseCommandLine, LogOptions) {
  Command plain = ParseOrDie({"log", "web"});
  EXPECT_EQ(plain.lines, 10u);
  EXPECT_FALSE(plain.follow);
  EXPECT_EQ(plain.operands, (std::vector<std::string>{"web"}));

  Command clustered = ParseOrDie({"log", "-fn5", "web"});
  EXPECT_TRUE(clustered.follow);
  EXPECT_EQ(clustered.lines, 5u);

  Command separate = ParseOrDie({"log", "-n", "0", "--follow", "web"});
  EXPECT_TRUE(separate.follow);
  EXPECT_EQ(separate.lines, 0u);
  EXPECT_EQ(ParseOrDie({"log", "--lines=20", "web"}).lines, 20u);

  EXPECT_EQ(ErrorOf({"log", "-n", "x", "web"}),
            "-n: invalid number of lines \"x\"");
  EXPECT_EQ(ErrorOf({"log", "-n", "-1", "web"}),
            "-n: invalid number of lines \"-1\"");
  EXPECT_EQ(ErrorOf({"log", "-n", "4294967296", "web"}),
            "-n: invalid number of lines \"4294967296\"");
  EXPECT_EQ(ErrorOf({"log", "web", "-n"}), "-n: missing value");
  EXPECT_EQ(ErrorOf({"log"}), "log: no service name given");
  EXPECT_EQ(ErrorOf({"log", "a", "b"}),
            "log takes one service name, got \"b\" too");
}

TEST(ParseCommandLine, VerbsWithoutArguments) {
  EXPECT_EQ(ParseOrDie({"reload"}).verb, Verb::kReload);
  EXPECT_EQ(ParseOrDie({"poweroff"}).verb, Verb::kPowerOff);
  EXPECT_EQ(ParseOrDie({"reboot"}).verb, Verb::kReboot);
  EXPECT_EQ(ParseOrDie({"halt"}).verb, Verb::kHalt);
  EXPECT_EQ(ErrorOf({"reboot", "now"}),
            "reboot takes no arguments, got \"now\"");
}

TEST(ParseCommandLine, Notify) {
  Command notify = ParseOrDie({"notify", "READY=1", "STATUS=up and -x"});
  EXPECT_EQ(notify.action, Command::Action::kNotify);
  EXPECT_EQ(notify.operands,
            (std::vector<std::string>{"READY=1", "STATUS=up and -x"}));
  EXPECT_EQ(ParseOrDie({"notify", "STATUS="}).operands.size(), 1u);
  EXPECT_EQ(ErrorOf({"notify"}), "notify: no assignment given (e.g. READY=1)");
  EXPECT_EQ(ErrorOf({"notify", "READY"}),
            "notify: \"READY\" is not a KEY=VALUE assignment");
  EXPECT_EQ(ErrorOf({"notify", "=1"}),
            "notify: \"=1\" is not a KEY=VALUE assignment");
  EXPECT_EQ(ErrorOf({"notify", "STATUS=a\nREADY=1"}),
            "notify: STATUS= holds a newline");
  EXPECT_EQ(ErrorOf({"notify", "--socket", "/x", "READY=1"}),
            "--socket is not an option of \"notify\"");
}

// Each option belongs to its verbs.
TEST(ParseCommandLine, OptionsOfOtherVerbs) {
  EXPECT_EQ(ErrorOf({"start", "--json", "a"}),
            "--json is not an option of \"start\"");
  EXPECT_EQ(ErrorOf({"status", "-f"}), "-f is not an option of \"status\"");
  EXPECT_EQ(ErrorOf({"log", "--no-block", "a"}),
            "--no-block is not an option of \"log\"");
}

TEST(ParseCommandLine, UnknownOptionsAndValues) {
  EXPECT_EQ(ErrorOf({"status", "--jsno"}), "unknown option \"--jsno\"");
  EXPECT_EQ(ErrorOf({"-x", "status"}), "unknown option \"-x\"");
  EXPECT_EQ(ErrorOf({"status", "--json=1"}), "--json: takes no value");
  EXPECT_EQ(ErrorOf({"status", "--socket"}), "--socket: missing value");
  EXPECT_EQ(ErrorOf({"status", "--socket="}), "--socket: empty path");
}

// "--" ends the options: a service may be named "-x".
TEST(ParseCommandLine, DoubleDash) {
  Command command = ParseOrDie({"status", "--", "-x", "--json"});
  EXPECT_FALSE(command.json);
  EXPECT_EQ(command.operands, (std::vector<std::string>{"-x", "--json"}));
}

TEST(ParseCommandLine, HelpAndVersionWin) {
  EXPECT_EQ(ParseOrDie({"--help"}).action, Command::Action::kHelp);
  EXPECT_EQ(ParseOrDie({"-h"}).action, Command::Action::kHelp);
  EXPECT_EQ(ParseOrDie({"stauts", "--help"}).action, Command::Action::kHelp);
  EXPECT_EQ(ParseOrDie({"--version"}).action, Command::Action::kVersion);
  EXPECT_EQ(ParseOrDie({"--version", "--help"}).action, Command::Action::kHelp);
}

TEST(ParseCommandLine, NoVerbAndUnknownVerb) {
  EXPECT_EQ(ErrorOf({}), "no verb given; try 'faultctl --help'");
  EXPECT_EQ(ErrorOf({"--json"}), "no verb given; try 'faultctl --help'");
  EXPECT_EQ(ErrorOf({"stauts"}),
            "unknown verb \"stauts\"; did you mean \"status\"?");
  EXPECT_EQ(ErrorOf({"restrat", "a"}),
            "unknown verb \"restrat\"; did you mean \"restart\"?");
  EXPECT_EQ(ErrorOf({"lgo"}), "unknown verb \"lgo\"; did you mean \"log\"?");
  EXPECT_EQ(ErrorOf({"powerof"}),
            "unknown verb \"powerof\"; did you mean \"poweroff\"?");
  // The wire's own forms are not faultctl's verbs: `log -f`, --no-block.
  EXPECT_EQ(ErrorOf({"follow", "web"}).rfind("unknown verb \"follow\"", 0), 0u);
  EXPECT_EQ(ErrorOf({"start-nowait", "web"})
                .rfind("unknown verb \"start-nowait\"", 0),
            0u);
}

TEST(EditDistance, OptimalStringAlignment) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("abc", ""), 3u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("status", "status"), 0u);
  EXPECT_EQ(EditDistance("stauts", "status"), 1u);  // one transposition
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("start", "stop"), 3u);
}

TEST(ClosestVerb, FirstOnTies) {
  EXPECT_EQ(ClosestVerb("sta"), "start");   // start and stop: both 2
  EXPECT_EQ(ClosestVerb("stat"), "start");  // 1; status is 2
  EXPECT_EQ(ClosestVerb("halts"), "halt");
  EXPECT_EQ(ClosestVerb("notfy"), "notify");
}

}  // namespace
}  // namespace faultinit::faultctl
