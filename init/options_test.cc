#include "init/options.h"

#include <signal.h>

#include "gtest/gtest.h"

namespace faultinit {
namespace {

using Args = std::vector<std::string>;
using Env = fault::Invocation::Environment;

ContainerOptions Parsed(const Args& args, const Env& env = {}) {
  fault::StatusOr<CommandLine> c = ParseCommandLine(args, env);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? c->options : ContainerOptions();
}

std::string Error(const Args& args, const Env& env = {}) {
  fault::StatusOr<CommandLine> c = ParseCommandLine(args, env);
  EXPECT_FALSE(c.ok());
  return c.ok() ? "" : std::string(c.status().message());
}

// Options end at the first non-option: the command's own options are its.
TEST(ParseCommandLine, OptionsEndAtCommand) {
  ContainerOptions o = Parsed({"-g", "sh", "-c", "exit 3"});
  EXPECT_TRUE(o.process_group);
  EXPECT_EQ(o.command, (Args{"sh", "-c", "exit 3"}));
  EXPECT_EQ(Parsed({"--", "-v"}).command, (Args{"-v"}));
  EXPECT_EQ(Parsed({"--", "sh"}).verbosity, 1);
}

// Short options cluster and take attached or separate values.
TEST(ParseCommandLine, ShortClustersAndValues) {
  ContainerOptions o =
      Parsed({"-vvv", "-wrTERM:QUIT", "-r", "process/interrupt:9", "-e", "143",
              "-e143", "-e", "0", "-pSIGKILL", "-s", "cmd"});
  EXPECT_EQ(o.verbosity, 4);
  EXPECT_TRUE(o.warn_reaped);
  EXPECT_EQ(o.rewrite, (std::map<int, int>{{SIGTERM, SIGQUIT}, {SIGINT, 9}}));
  EXPECT_EQ(o.success_codes, (std::set<int>{0, 143}));
  EXPECT_EQ(o.parent_death_signal, SIGKILL);
}

// Long options take `=VALUE` or the next argument.
TEST(ParseCommandLine, LongOptions) {
  ContainerOptions o = Parsed({"--grace=1min 30s", "--rewrite", "HUP:USR1",
                               "--process-group", "--verbose", "cmd"});
  EXPECT_EQ(o.grace, fault::Seconds(90));
  EXPECT_EQ(o.rewrite.at(SIGHUP), SIGUSR1);
  EXPECT_TRUE(o.process_group);
  EXPECT_EQ(o.verbosity, 2);
  EXPECT_EQ(Parsed({"cmd"}).grace, fault::Seconds(5));
}

// tini's environment variables act as their options.
TEST(ParseCommandLine, TiniEnvironment) {
  ContainerOptions o = Parsed({"-v", "cmd"}, {{"TINI_KILL_PROCESS_GROUP", "1"},
                                              {"TINI_VERBOSITY", "3"},
                                              {"TINI_SUBREAPER", ""}});
  EXPECT_TRUE(o.process_group);
  EXPECT_EQ(o.verbosity, 4);  // the -v adds to the environment's level
  EXPECT_FALSE(
      Parsed({"cmd"}, {{"TINI_KILL_PROCESS_GROUP", "0"}}).process_group);
  EXPECT_EQ(Error({"cmd"}, {{"TINI_VERBOSITY", "loud"}}),
            "TINI_VERBOSITY: invalid level \"loud\": expected a number from 0 "
            "to 3");
}

// -P takes no command; help and version need none.
TEST(ParseCommandLine, PauseHelpVersion) {
  EXPECT_TRUE(Parsed({"-P"}).pause);
  EXPECT_EQ(Error({"-P", "sleep"}),
            "-P runs no command, but a command was given: \"sleep\"");
  EXPECT_EQ(ParseCommandLine({"--help"}, {})->action,
            CommandLine::Action::kHelp);
  EXPECT_EQ(ParseCommandLine({"-h"}, {})->action, CommandLine::Action::kHelp);
  EXPECT_EQ(ParseCommandLine({"--version"}, {})->action,
            CommandLine::Action::kVersion);
}

// Every usage error names the option and the value.
TEST(ParseCommandLine, UsageErrors) {
  EXPECT_EQ(Error({}),
            "no command given (system mode needs PID 1 or --system)");
  EXPECT_EQ(Error({"-x", "cmd"}), "unknown option \"-x\"");
  EXPECT_EQ(Error({"--frobnicate", "cmd"}), "unknown option \"--frobnicate\"");
  EXPECT_EQ(Error({"-r"}), "-r: missing value");
  EXPECT_EQ(Error({"-r", "TERM", "cmd"}), "-r: expected FROM:TO, got \"TERM\"");
  EXPECT_EQ(Error({"-e", "256", "cmd"}),
            "-e: invalid exit code \"256\": expected 0 to 255");
  EXPECT_EQ(Error({"--grace", "soon", "cmd"}).substr(0, 33),
            "--grace: invalid duration \"soon\":");
  EXPECT_EQ(Error({"-p", "FOO", "cmd"}).substr(0, 25),
            "-p: unknown signal \"FOO\":");
  EXPECT_EQ(Error({"--verbose=2", "cmd"}), "--verbose: takes no value");
}

// --crash-action picks what a fault in faultinit ends in; freeze by default.
TEST(ParseCommandLine, CrashAction) {
  fault::StatusOr<CommandLine> c = ParseCommandLine({"cmd"}, {});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->crash_action, fault::CrashAction::kFreeze);
  c = ParseCommandLine({"--crash-action=poweroff", "--system"}, {});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->crash_action, fault::CrashAction::kPowerOff);
  c = ParseCommandLine({"--crash-action", "reboot", "cmd"}, {});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->crash_action, fault::CrashAction::kReboot);
  EXPECT_EQ(Error({"--crash-action=explode", "cmd"}),
            "--crash-action: invalid crash action \"explode\": expected "
            "freeze, reboot or poweroff");
}

// No command as PID 1, or --system, is system mode; --check takes an
// optional directory.
TEST(ParseCommandLine, SystemModeAndCheck) {
  fault::StatusOr<CommandLine> pid1 = ParseCommandLine({}, {}, /*pid1=*/true);
  ASSERT_TRUE(pid1.ok());
  EXPECT_EQ(pid1->action, CommandLine::Action::kSystem);
  EXPECT_EQ(pid1->system.services, "/etc/faultinit/services");

  fault::StatusOr<CommandLine> system =
      ParseCommandLine({"-v", "--system", "--services", "/srv/units"}, {});
  ASSERT_TRUE(system.ok()) << system.status().ToString();
  EXPECT_EQ(system->action, CommandLine::Action::kSystem);
  EXPECT_EQ(system->system.services, "/srv/units");
  EXPECT_EQ(system->system.verbosity, 2);

  fault::StatusOr<CommandLine> check = ParseCommandLine({"--check", "/u"}, {});
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check->action, CommandLine::Action::kCheck);
  EXPECT_EQ(check->system.services, "/u");
  EXPECT_EQ(ParseCommandLine({"--check"}, {})->system.services,
            "/etc/faultinit/services");
  EXPECT_EQ(Error({"--check", "a", "b"}),
            "--check takes one directory, got \"b\" too");
  EXPECT_EQ(Error({"--system", "sh"}),
            "--system runs no command, but a command was given: \"sh\"");

  // --units-path: systemd's layout over these directories.
  fault::StatusOr<CommandLine> layout =
      ParseCommandLine({"--system", "--units-path", "/a:/b/:/a"}, {});
  ASSERT_TRUE(layout.ok()) << layout.status().ToString();
  EXPECT_EQ(layout->system.units_path, (std::vector<std::string>{"/a", "/b"}));
  EXPECT_FALSE(layout->system.services_given);
  EXPECT_TRUE(ParseCommandLine({"--system"}, {})->system.units_path.empty());
  EXPECT_EQ(Error({"--units-path", "/a::/b"}),
            "--units-path: expected absolute directories separated by "
            "\":\", got \"\"");
  EXPECT_EQ(Error({"--units-path", "rel"}),
            "--units-path: expected absolute directories separated by "
            "\":\", got \"rel\"");
  EXPECT_EQ(Error({"--services", "/s", "--units-path", "/a"}),
            "--services and --units-path: a flat directory or the layout, "
            "not both");
  EXPECT_EQ(Error({"--check", "--units-path", "/a", "/s"}),
            "--check checks a directory or the --units-path layout, not "
            "both: \"/s\"");

  // --kernel-cmdline: the file read instead of /proc/cmdline.
  EXPECT_EQ(ParseCommandLine({"--system", "--kernel-cmdline", "/t/cmdline"}, {})
                ->system.kernel_cmdline,
            "/t/cmdline");
  EXPECT_TRUE(
      ParseCommandLine({"--system"}, {})->system.kernel_cmdline.empty());
  EXPECT_EQ(Error({"--kernel-cmdline", "cmdline"}),
            "--kernel-cmdline: expected an absolute path, got \"cmdline\"");
  EXPECT_TRUE(ParseCommandLine({"--check", "/u"}, {})->system.services_given);
  // --fstab: the fstab of system mode's boot step.
  EXPECT_EQ(ParseCommandLine({"--system"}, {})->system.fstab, "/etc/fstab");
  EXPECT_FALSE(ParseCommandLine({"--system"}, {})->system.fstab_given);
  fault::StatusOr<CommandLine> fstab =
      ParseCommandLine({"--system", "--fstab", "/t/fstab"}, {});
  ASSERT_TRUE(fstab.ok()) << fstab.status().ToString();
  EXPECT_EQ(fstab->system.fstab, "/t/fstab");
  EXPECT_TRUE(fstab->system.fstab_given);
  EXPECT_EQ(Error({"--fstab", "fstab"}),
            "--fstab: expected an absolute path, got \"fstab\"");
  // A command as PID 1 is still container mode.
  EXPECT_EQ(ParseCommandLine({"sh"}, {}, true)->action,
            CommandLine::Action::kRun);
}

// --control takes an absolute path: a relative one would name a place
// under whatever directory faultinit runs in (issue 24: it made a
// directory named after the socket).
TEST(ParseCommandLine, ControlPathIsAbsolute) {
  fault::StatusOr<CommandLine> c =
      ParseCommandLine({"--system", "--control", "/run/x/control"}, {});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->system.control, "/run/x/control");
  EXPECT_EQ(Error({"--system", "--control", "run/control"}),
            "--control: expected an absolute path, got \"run/control\"");
  EXPECT_EQ(Error({"--system", "--control="}),
            "--control: expected an absolute path, got \"\"");
}

}  // namespace
}  // namespace faultinit
