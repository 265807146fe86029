#include "init/system/unit.h"

#include <signal.h>

#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace faultinit {
namespace {

using Lines = std::vector<std::string>;

constexpr char kPath[] = "/srv/units/web.service";

// Codes is the CodeSet holding `values`.
CodeSet Codes(std::initializer_list<int> values) {
  CodeSet set;
  for (int v : values) set[static_cast<size_t>(v)] = true;
  return set;
}

// Diagnostics renders every diagnostic as --check prints it.
Lines Diagnostics(const ParsedUnit& parsed) {
  Lines out;
  for (const Diagnostic& d : parsed.diagnostics) out.push_back(d.ToString());
  return out;
}

// Clean parses a unit that must have no diagnostic at all.
Unit Clean(absl::string_view contents) {
  ParsedUnit parsed = ParseUnit(kPath, contents);
  EXPECT_EQ(Diagnostics(parsed), Lines{}) << contents;
  EXPECT_TRUE(parsed.ok());
  return parsed.unit;
}

// ServiceWith parses a [Service] holding ExecStart=/bin/true and `lines`.
ParsedUnit ServiceWith(absl::string_view lines) {
  return ParseUnit(kPath,
                   absl::StrCat("[Service]\nExecStart=/bin/true\n", lines));
}

// One bad line (line 3 of ServiceWith) gives exactly one error.
std::string BadLine(absl::string_view line) {
  ParsedUnit parsed = ServiceWith(absl::StrCat(line, "\n"));
  EXPECT_FALSE(parsed.ok()) << line;
  Lines all = Diagnostics(parsed);
  EXPECT_EQ(all.size(), 1u) << line;
  return all.empty() ? "" : all[0];
}

std::vector<std::string> Names(const std::vector<Dependency>& deps) {
  std::vector<std::string> out;
  for (const Dependency& d : deps) out.push_back(d.name);
  return out;
}

// A unit with only ExecStart= has systemd's default for every other key.
TEST(ParseUnit, Defaults) {
  Unit u = Clean("[Service]\nExecStart=/bin/server\n");
  EXPECT_EQ(u.name, "web");
  EXPECT_EQ(u.path, kPath);
  EXPECT_EQ(u.description, "");
  EXPECT_TRUE(u.after.empty());
  EXPECT_TRUE(u.before.empty());
  EXPECT_TRUE(u.required.empty());
  EXPECT_TRUE(u.wanted.empty());
  EXPECT_EQ(u.start_limit_interval, fault::Seconds(10));
  EXPECT_EQ(u.start_limit_burst, 5u);
  EXPECT_EQ(u.type, ServiceType::kSimple);
  EXPECT_EQ(u.pid_file, "");
  EXPECT_TRUE(u.exec_start_pre.empty());
  ASSERT_EQ(u.exec_start.size(), 1u);
  EXPECT_EQ(u.exec_start[0].words, Lines{"/bin/server"});
  EXPECT_EQ(u.exec_start[0].line, 2);
  EXPECT_TRUE(u.exec_stop.empty());
  EXPECT_EQ(u.restart, RestartPolicy::kNo);
  EXPECT_EQ(u.restart_sec, fault::Milliseconds(100));
  EXPECT_EQ(u.restart_steps, 0u);
  EXPECT_EQ(u.restart_max_delay, fault::InfiniteDuration());
  EXPECT_EQ(u.timeout_start, fault::Seconds(90));
  EXPECT_EQ(u.timeout_stop, fault::Seconds(90));
  EXPECT_EQ(u.kill_signal, SIGTERM);
  EXPECT_EQ(u.kill_mode, KillMode::kControlGroup);
  EXPECT_TRUE(u.success_exit_status.codes.none());
  EXPECT_TRUE(u.success_exit_status.signals.none());
  EXPECT_EQ(u.user, "");
  EXPECT_EQ(u.group, "");
  EXPECT_EQ(u.working_directory, "");
  EXPECT_FALSE(u.working_directory_optional);
  EXPECT_TRUE(u.environment.empty());
  EXPECT_TRUE(u.environment_files.empty());
  EXPECT_EQ(u.umask, 022u);
  EXPECT_EQ(u.standard_output,
            (OutputTarget{OutputTarget::Kind::kJournal, ""}));
  EXPECT_EQ(u.standard_error, (OutputTarget{OutputTarget::Kind::kInherit, ""}));
}

// Every key of the subset, set: each value lands in its field.
TEST(ParseUnit, EveryKeySet) {
  Unit u = Clean(
      "[Unit]\n"
      "Description=The web server\n"
      "After=db.service cache\n"
      "After=db\n"
      "Before=proxy.service\n"
      "Requires=db\n"
      "Wants=cache.service metrics\n"
      "StartLimitIntervalSec=1min\n"
      "StartLimitBurst=3\n"
      "[Service]\n"
      "Type=forking\n"
      "PIDFile=web.pid\n"
      "ExecStartPre=-/bin/mkdir -p /run/web\n"
      "ExecStartPre=/bin/check\n"
      "ExecStart=/usr/bin/web --port 80\n"
      "ExecStop=/usr/bin/web --stop\n"
      "Restart=on-failure\n"
      "RestartSec=2s\n"
      "RestartSteps=4\n"
      "RestartMaxDelaySec=1min 30s\n"
      "TimeoutStartSec=5\n"
      "TimeoutStopSec=500ms\n"
      "KillSignal=SIGINT\n"
      "KillMode=mixed\n"
      "SuccessExitStatus=3 143 SIGUSR1 HUP\n"
      "User=www-data\n"
      "Group=1000\n"
      "WorkingDirectory=-/srv/web\n"
      "Environment=\"A=1\" \"B=2 x\" C=3\n"
      "Environment=A=4\n"
      "EnvironmentFile=-/etc/default/web\n"
      "EnvironmentFile=/etc/web.env\n"
      "UMask=0027\n"
      "StandardOutput=append:/var/log/web.log\n"
      "StandardError=null\n");
  EXPECT_EQ(u.description, "The web server");
  EXPECT_EQ(Names(u.after), (Lines{"db", "cache"}));
  EXPECT_EQ(u.after[1].line, 3);
  EXPECT_EQ(Names(u.before), Lines{"proxy"});
  EXPECT_EQ(Names(u.required), Lines{"db"});
  EXPECT_EQ(Names(u.wanted), (Lines{"cache", "metrics"}));
  EXPECT_EQ(u.start_limit_interval, fault::Minutes(1));
  EXPECT_EQ(u.start_limit_burst, 3u);
  EXPECT_EQ(u.type, ServiceType::kForking);
  EXPECT_EQ(u.pid_file, "/run/web.pid");
  ASSERT_EQ(u.exec_start_pre.size(), 2u);
  EXPECT_TRUE(u.exec_start_pre[0].ignore_failure);
  EXPECT_EQ(u.exec_start_pre[0].words, (Lines{"/bin/mkdir", "-p", "/run/web"}));
  EXPECT_FALSE(u.exec_start_pre[1].ignore_failure);
  ASSERT_EQ(u.exec_start.size(), 1u);
  EXPECT_EQ(u.exec_start[0].words, (Lines{"/usr/bin/web", "--port", "80"}));
  ASSERT_EQ(u.exec_stop.size(), 1u);
  EXPECT_EQ(u.exec_stop[0].raw, "/usr/bin/web --stop");
  EXPECT_EQ(u.restart, RestartPolicy::kOnFailure);
  EXPECT_EQ(u.restart_sec, fault::Seconds(2));
  EXPECT_EQ(u.restart_steps, 4u);
  EXPECT_EQ(u.restart_max_delay, fault::Seconds(90));
  EXPECT_EQ(u.timeout_start, fault::Seconds(5));
  EXPECT_EQ(u.timeout_stop, fault::Milliseconds(500));
  EXPECT_EQ(u.kill_signal, SIGINT);
  EXPECT_EQ(u.kill_mode, KillMode::kMixed);
  EXPECT_EQ(u.success_exit_status.codes, Codes({3, 143}));
  EXPECT_EQ(u.success_exit_status.signals, Codes({SIGUSR1, SIGHUP}));
  EXPECT_TRUE(u.restart_prevent_exit_status.empty());
  EXPECT_EQ(u.user, "www-data");
  EXPECT_EQ(u.group, "1000");
  EXPECT_EQ(u.working_directory, "/srv/web");
  EXPECT_TRUE(u.working_directory_optional);
  EXPECT_EQ(u.environment,
            (EnvironmentMap{{"A", "4"}, {"B", "2 x"}, {"C", "3"}}));
  ASSERT_EQ(u.environment_files.size(), 2u);
  EXPECT_EQ(u.environment_files[0].path, "/etc/default/web");
  EXPECT_TRUE(u.environment_files[0].optional);
  EXPECT_EQ(u.environment_files[1].path, "/etc/web.env");
  EXPECT_FALSE(u.environment_files[1].optional);
  EXPECT_EQ(u.umask, 027u);
  EXPECT_EQ(u.standard_output,
            (OutputTarget{OutputTarget::Kind::kAppend, "/var/log/web.log"}));
  EXPECT_EQ(u.standard_error, (OutputTarget{OutputTarget::Kind::kNull, ""}));
}

// Every accepted word of the enumerated keys.
TEST(ParseUnit, EnumeratedValues) {
  const std::pair<const char*, ServiceType> types[] = {
      {"simple", ServiceType::kSimple},   {"exec", ServiceType::kExec},
      {"oneshot", ServiceType::kOneshot}, {"notify", ServiceType::kNotify},
      {"forking", ServiceType::kForking},
  };
  for (const auto& [word, type] : types) {
    EXPECT_EQ(ServiceWith(absl::StrCat("Type=", word)).unit.type, type);
  }
  const std::pair<const char*, RestartPolicy> policies[] = {
      {"no", RestartPolicy::kNo},
      {"always", RestartPolicy::kAlways},
      {"on-success", RestartPolicy::kOnSuccess},
      {"on-failure", RestartPolicy::kOnFailure},
      {"on-abnormal", RestartPolicy::kOnAbnormal},
      {"on-abort", RestartPolicy::kOnAbort},
      {"on-watchdog", RestartPolicy::kOnWatchdog},
  };
  for (const auto& [word, policy] : policies) {
    EXPECT_EQ(ServiceWith(absl::StrCat("Restart=", word)).unit.restart, policy);
  }
  EXPECT_EQ(ServiceWith("KillMode=process").unit.kill_mode, KillMode::kProcess);
  EXPECT_EQ(ServiceWith("KillMode=control-group").unit.kill_mode,
            KillMode::kControlGroup);
  const std::pair<const char*, OutputTarget> outputs[] = {
      {"journal", {OutputTarget::Kind::kJournal, ""}},
      {"inherit", {OutputTarget::Kind::kInherit, ""}},
      {"null", {OutputTarget::Kind::kNull, ""}},
      {"console", {OutputTarget::Kind::kConsole, ""}},
      {"file:/var/log/x", {OutputTarget::Kind::kFile, "/var/log/x"}},
      {"append:/var/log/y", {OutputTarget::Kind::kAppend, "/var/log/y"}},
  };
  for (const auto& [word, target] : outputs) {
    EXPECT_EQ(
        ServiceWith(absl::StrCat("StandardOutput=", word)).unit.standard_output,
        target);
    EXPECT_EQ(
        ServiceWith(absl::StrCat("StandardError=", word)).unit.standard_error,
        target);
  }
  EXPECT_EQ(ServiceWith("KillSignal=process/interrupt").unit.kill_signal,
            SIGINT);
  EXPECT_EQ(ServiceWith("KillSignal=9").unit.kill_signal, SIGKILL);
  EXPECT_EQ(ServiceWith("WorkingDirectory=~").unit.working_directory, "~");
  EXPECT_EQ(ServiceWith("PIDFile=/var/run/x.pid").unit.pid_file,
            "/var/run/x.pid");
  EXPECT_EQ(Clean("[Service]\nType=notify\nExecStart=/bin/d\n"
                  "NotificationFd=3\n")
                .notification_fd,
            3);
  EXPECT_EQ(Clean("[Service]\nType=notify\nExecStart=/bin/d\n"
                  "NotificationFd=1023\nNotificationFd=\n")
                .notification_fd,
            0);
}

// NotificationFd= is a readiness channel: any other Type= is an error, on
// the key's line.
TEST(ParseUnit, NotificationFdNeedsTypeNotify) {
  EXPECT_EQ(BadLine("NotificationFd=3"),
            absl::StrCat(kPath,
                         ":3: error: NotificationFd: only a "
                         "Type=notify service reports readiness"));
  EXPECT_EQ(Diagnostics(ServiceWith("Type=notify\nNotificationFd=3\n")),
            Lines{});
}

// An empty value resets a key to its default, and empties a list, except
// the dependency lists (systemd cannot reset those either).
TEST(ParseUnit, EmptyValueResets) {
  Unit u = Clean(
      "[Unit]\n"
      "After=a\n"
      "After=\n"
      "[Service]\n"
      "ExecStartPre=/bin/a\n"
      "ExecStartPre=\n"
      "ExecStart=/bin/first\n"
      "ExecStart=\n"
      "ExecStart=/bin/second\n"
      "Environment=A=1\n"
      "Environment=\n"
      "Environment=B=2\n"
      "SuccessExitStatus=3 TERM\n"
      "SuccessExitStatus=\n"
      "RestartSec=5\n"
      "RestartSec=\n"
      "KillSignal=KILL\n"
      "KillSignal=\n"
      "UMask=077\n"
      "UMask=\n"
      "StandardOutput=null\n"
      "StandardOutput=\n");
  EXPECT_EQ(Names(u.after), Lines{"a"});
  EXPECT_TRUE(u.exec_start_pre.empty());
  ASSERT_EQ(u.exec_start.size(), 1u);
  EXPECT_EQ(u.exec_start[0].words, Lines{"/bin/second"});
  EXPECT_EQ(u.environment, (EnvironmentMap{{"B", "2"}}));
  EXPECT_TRUE(u.success_exit_status.codes.none());
  EXPECT_TRUE(u.success_exit_status.signals.none());
  EXPECT_EQ(u.restart_sec, fault::Milliseconds(100));
  EXPECT_EQ(u.kill_signal, SIGTERM);
  EXPECT_EQ(u.umask, 022u);
  EXPECT_EQ(u.standard_output.kind, OutputTarget::Kind::kJournal);
}

// Type=oneshot may have several ExecStart= and has no start timeout unless
// one is set; a set 0 is infinity for either timeout.
TEST(ParseUnit, OneshotAndTimeouts) {
  Unit u =
      Clean("[Service]\nType=oneshot\nExecStart=/bin/a\nExecStart=/bin/b\n");
  EXPECT_EQ(u.exec_start.size(), 2u);
  EXPECT_EQ(u.timeout_start, fault::InfiniteDuration());
  u = Clean("[Service]\nType=oneshot\nExecStart=/bin/a\nTimeoutStartSec=7\n");
  EXPECT_EQ(u.timeout_start, fault::Seconds(7));
  u = Clean(
      "[Service]\nExecStart=/bin/a\nTimeoutStartSec=0\nTimeoutStopSec=0\n");
  EXPECT_EQ(u.timeout_start, fault::InfiniteDuration());
  EXPECT_EQ(u.timeout_stop, fault::InfiniteDuration());
}

// Comments (# and ;), blank lines, whitespace around "=", CRLF endings,
// [Install] and X- sections and keys are all accepted silently.
TEST(ParseUnit, CommentsAndIgnoredParts) {
  Unit u = Clean(
      "# a comment\n"
      "; another\n"
      "\n"
      "   \n"
      "[Unit]\r\n"
      "  Description   =   spaced out  \r\n"
      "X-Custom=whatever\n"
      "[Service]\n"
      "   # indented comment\n"
      "ExecStart = /bin/true\n"
      "[Install]\n"
      "WantedBy=multi-user.target\n"
      "Alias=other.service\n"
      "[X-Vendor]\n"
      "Anything=goes\n");
  EXPECT_EQ(u.description, "spaced out");
  EXPECT_EQ(u.exec_start[0].words, Lines{"/bin/true"});
}

// A line ending in a backslash continues on the next, the backslash
// becoming a space; comment lines inside are skipped; an escaped backslash
// does not continue; the entry's first line is the one reported.
TEST(ParseUnit, ContinuationLines) {
  ParsedUnit parsed = ParseUnit(kPath,
                                "[Service]\n"
                                "ExecStart=/bin/echo one \\\n"
                                "# skipped comment\n"
                                "   two \\\n"
                                "three\n"
                                "Description=x\\\\\n"
                                "ExecStop=/bin/echo \"unbalanced \\\n"
                                "  still\n");
  ASSERT_EQ(parsed.unit.exec_start.size(), 1u);
  EXPECT_EQ(parsed.unit.exec_start[0].words,
            (Lines{"/bin/echo", "one", "two", "three"}));
  EXPECT_EQ(Diagnostics(parsed),
            (Lines{"/srv/units/web.service:6: warning: unknown key "
                   "\"Description\" in [Service] (it belongs in [Unit]); "
                   "ignored",
                   "/srv/units/web.service:7: error: ExecStop: unbalanced "
                   "quote in \"/bin/echo \"unbalanced    still\""}));
}

// A continuation at the end of the file ends the entry there.
TEST(ParseUnit, ContinuationAtEndOfFile) {
  Unit u = Clean("[Service]\nExecStart=/bin/echo a \\");
  EXPECT_EQ(u.exec_start[0].words, (Lines{"/bin/echo", "a"}));
}

// Unknown keys and sections are warnings naming file, line and key; the
// unit stays usable.
TEST(ParseUnit, UnknownKeyAndSectionWarn) {
  ParsedUnit parsed = ServiceWith(
      "ProtectSystem=strict\n"
      "[Unit]\n"
      "ExecStart=/bin/false\n"
      "[Socket]\n"
      "ListenStream=80\n");
  EXPECT_TRUE(parsed.ok());
  EXPECT_EQ(Diagnostics(parsed),
            (Lines{"/srv/units/web.service:3: warning: unknown key "
                   "\"ProtectSystem\" in [Service]; ignored",
                   "/srv/units/web.service:5: warning: unknown key "
                   "\"ExecStart\" in [Unit] (it belongs in [Service]); "
                   "ignored",
                   "/srv/units/web.service:6: warning: unknown section "
                   "\"[Socket]\"; its keys are ignored"}));
}

// Syntax errors: each names file, line and the offending text.
TEST(ParseUnit, SyntaxErrors) {
  ParsedUnit parsed = ParseUnit(kPath,
                                "Description=early\n"
                                "[Unit\n"
                                "[Service]\n"
                                "ExecStart=/bin/true\n"
                                "just some words\n"
                                "=value\n"
                                "Bad Key=1\n"
                                "[]\n");
  EXPECT_FALSE(parsed.ok());
  EXPECT_EQ(Diagnostics(parsed),
            (Lines{"/srv/units/web.service:1: error: key \"Description\" "
                   "before any [Section] header",
                   "/srv/units/web.service:2: error: invalid section header "
                   "\"[Unit\"",
                   "/srv/units/web.service:5: error: expected "
                   "\"Key=Value\" or \"[Section]\", got \"just some words\"",
                   "/srv/units/web.service:6: error: missing key before "
                   "\"=\" in \"=value\"",
                   "/srv/units/web.service:7: error: invalid key \"Bad Key\"",
                   "/srv/units/web.service:8: error: invalid section header "
                   "\"[]\""}));
}

// Invalid values: each an error with file, line, key and the value quoted.
TEST(ParseUnit, InvalidValues) {
  const std::string p = "/srv/units/web.service:3: error: ";
  EXPECT_EQ(BadLine("Type=sometimes"),
            p + "Type: invalid value \"sometimes\": expected simple, exec, "
                "oneshot, notify or forking");
  EXPECT_EQ(BadLine("Restart=sometimes"),
            p + "Restart: invalid value \"sometimes\": expected no, always, "
                "on-success, on-failure, on-abnormal, on-abort or "
                "on-watchdog");
  EXPECT_EQ(BadLine("KillMode=all"),
            p + "KillMode: invalid value \"all\": expected control-group, "
                "mixed, process or none");
  EXPECT_EQ(BadLine("RestartSec=5x"),
            p + "RestartSec: invalid duration \"5x\": expected seconds "
                "(\"5\"), a number with a unit (\"500ms\", \"5s\", \"2min\", "
                "\"1h\"), terms that add up (\"1min 30s\") or \"infinity\"");
  EXPECT_EQ(BadLine("KillSignal=SIGFOO"),
            p +
                "KillSignal: unknown signal \"SIGFOO\": expected a "
                "categorized name (process/terminate), an identifier "
                "(SIGTERM, TERM, term) or a number from 1 to " +
                std::to_string(NSIG - 1));
  EXPECT_EQ(BadLine("RestartSteps=-1"),
            p + "RestartSteps: invalid number \"-1\": expected a whole "
                "number from 0 to 4294967295");
  EXPECT_EQ(BadLine("RestartSteps=99999999999"),
            p + "RestartSteps: invalid number \"99999999999\": expected a "
                "whole number from 0 to 4294967295");
  for (const char* fd : {"2", "1024", "-3", "x", "3 4", "00003"}) {
    EXPECT_EQ(BadLine(absl::StrCat("Type=notify\nNotificationFd=", fd)),
              absl::StrCat(kPath,
                           ":4: error: NotificationFd: invalid "
                           "descriptor \"",
                           fd,
                           "\": expected a number from 3 to 1023 (0 to 2 "
                           "are the standard streams)"));
  }
  EXPECT_EQ(BadLine("UMask=0999"),
            p + "UMask: invalid mode \"0999\": expected an octal number "
                "from 0 to 07777, such as 0022");
  EXPECT_EQ(BadLine("SuccessExitStatus=0 256"),
            p + "SuccessExitStatus: invalid exit status \"256\": expected 0 "
                "to 255, an exit status name or a signal name");
  EXPECT_EQ(BadLine("RestartPreventExitStatus=NOSUCH"),
            p + "RestartPreventExitStatus: invalid exit status \"NOSUCH\": "
                "expected 0 to 255, an exit status name or a signal name");
  EXPECT_EQ(BadLine("User=4294967296"),
            p + "User: invalid name \"4294967296\": a number must be from 0 "
                "to 4294967294, and not 65535");
  EXPECT_EQ(BadLine("Group=daemon:x"),
            p + "Group: invalid name \"daemon:x\": \":\" and \"/\" are not "
                "allowed");
  EXPECT_EQ(BadLine("WorkingDirectory=srv"),
            p + "WorkingDirectory: invalid directory \"srv\": expected an "
                "absolute path or \"~\"");
  EXPECT_EQ(BadLine("Environment=\"A=1"),
            p + "Environment: unbalanced quote in \"\"A=1\"");
  EXPECT_EQ(BadLine("Environment=A=1 2=x"),
            p + "Environment: invalid assignment \"2=x\": expected "
                "NAME=VALUE");
  EXPECT_EQ(BadLine("EnvironmentFile=-etc/x"),
            p + "EnvironmentFile: invalid path \"etc/x\": expected an "
                "absolute path");
  EXPECT_EQ(BadLine("StandardOutput=pipe"),
            p + "StandardOutput: invalid value \"pipe\": expected journal, "
                "inherit, null, console, tty, kmsg, syslog, journal+console, "
                "kmsg+console, syslog+console, socket, file:PATH or "
                "append:PATH");
  EXPECT_EQ(BadLine("StandardError=file:log"),
            p + "StandardError: invalid path \"log\" in \"file:log\": "
                "expected an absolute path");
  EXPECT_EQ(BadLine("ExecStop=|/bin/kill"),
            p + "ExecStop: prefix \"|\" (run through the user's shell) is "
                "not supported in \"|/bin/kill\"");
  EXPECT_EQ(BadLine("ExecStartPre=/bin/echo \"x"),
            p + "ExecStartPre: unbalanced quote in \"/bin/echo \"x\"");
}

// Invalid values in [Unit] too, including unit names.
TEST(ParseUnit, InvalidUnitSectionValues) {
  ParsedUnit parsed = ParseUnit(kPath,
                                "[Unit]\n"
                                "Requires=a/b.service\n"
                                "StartLimitIntervalSec=soon\n"
                                "StartLimitBurst=many\n"
                                "Wants=@.service\n"
                                "[Service]\nExecStart=/bin/true\n");
  EXPECT_EQ(Diagnostics(parsed),
            (Lines{"/srv/units/web.service:2: error: Requires: invalid unit "
                   "name \"a/b.service\"",
                   "/srv/units/web.service:3: error: StartLimitIntervalSec: "
                   "invalid duration \"soon\": expected seconds (\"5\"), a "
                   "number with a unit (\"500ms\", \"5s\", \"2min\", \"1h\"), "
                   "terms that add up (\"1min 30s\") or \"infinity\"",
                   "/srv/units/web.service:4: error: StartLimitBurst: invalid "
                   "number \"many\": expected a whole number from 0 to "
                   "4294967295",
                   "/srv/units/web.service:5: error: Wants: invalid unit name "
                   "\"@.service\""}));
}

// A template named without an instance is its instance of the naming
// unit's name (web), as systemd makes it.
TEST(ParseUnit, TemplateDependencyTakesTheUnitsName) {
  ParsedUnit parsed = ParseUnit(
      kPath, "[Unit]\nWants=tmpl@.service\n[Service]\nExecStart=/bin/true\n");
  EXPECT_TRUE(parsed.ok()) << ::testing::PrintToString(Diagnostics(parsed));
  ASSERT_EQ(parsed.unit.wanted.size(), 1u);
  EXPECT_EQ(parsed.unit.wanted[0].name, "tmpl@web");
}

// Unknown escapes in commands and Environment= are warnings, kept as
// written.
TEST(ParseUnit, UnknownEscapeWarns) {
  ParsedUnit parsed = ParseUnit(kPath,
                                "[Service]\n"
                                "ExecStart=/bin/grep \\d+\n"
                                "Environment=RE=\\w\n");
  EXPECT_TRUE(parsed.ok());
  EXPECT_EQ(parsed.unit.exec_start[0].words, (Lines{"/bin/grep", "\\d+"}));
  EXPECT_EQ(parsed.unit.environment, (EnvironmentMap{{"RE", "\\w"}}));
  EXPECT_EQ(Diagnostics(parsed),
            (Lines{"/srv/units/web.service:2: warning: ExecStart: unknown "
                   "escape \"\\d\" in \"/bin/grep \\d+\": kept as written",
                   "/srv/units/web.service:3: warning: Environment: unknown "
                   "escape \"\\w\" in \"RE=\\w\": kept as written"}));
}

// Specifiers are replaced in every value (unit_specifiers_test.cc has each
// one); an unknown one is an error naming it.
TEST(ParseUnit, Specifiers) {
  ParsedUnit parsed = ParseUnit("/srv/units/getty@tty1.service",
                                "[Unit]\n"
                                "Description=%N on %i (%p, %n)\n"
                                "[Service]\n"
                                "ExecStart=/bin/date +%%Y %t/x\n"
                                "ExecStop=/bin/echo %h %K\n"
                                "PIDFile=%t/%p.pid\n"
                                "User=%\n");
  EXPECT_EQ(parsed.unit.description,
            "getty@tty1 on tty1 (getty, "
            "getty@tty1.service)");
  EXPECT_EQ(parsed.unit.exec_start[0].words,
            (Lines{"/bin/date", "+%Y", "/run/x"}));
  EXPECT_EQ(parsed.unit.pid_file, "/run/getty.pid");
  EXPECT_EQ(Diagnostics(parsed),
            (Lines{"/srv/units/getty@tty1.service:5: error: ExecStop: "
                   "specifier \"%K\" in \"/bin/echo %h %K\": unknown "
                   "specifier",
                   "/srv/units/getty@tty1.service:7: error: User: lone \"%\" "
                   "at the end of \"%\": write %% for a literal %"}));
}

// Environment= unquotes its words first and then replaces specifiers, as
// systemd's config_parse_environ: an instance's "\x2d" stays as written
// (ExecStart= replaces them first, then unquotes the words).
TEST(ParseUnit, EnvironmentSpecifiersAfterUnquoting) {
  ParsedUnit parsed = ParseUnit("/srv/units/fsck@by\\x2dlabel.service",
                                "[Service]\n"
                                "Environment=\"I=%i %I\" \"P=%%i\"\n"
                                "Environment=BAD=%K\n"
                                "ExecStart=/bin/echo %i\n");
  EXPECT_EQ(parsed.unit.environment.at("I"), "by\\x2dlabel by-label");
  EXPECT_EQ(parsed.unit.environment.at("P"), "%i");
  EXPECT_EQ(parsed.unit.exec_start[0].words, (Lines{"/bin/echo", "by-label"}));
  EXPECT_EQ(Diagnostics(parsed),
            (Lines{"/srv/units/fsck@by\\x2dlabel.service:3: error: "
                   "Environment: specifier \"%K\" in \"BAD=%K\": unknown "
                   "specifier"}));
}

// A missing ExecStart= is an error naming the file (line 0: no line),
// unless, as in systemd, the unit is a oneshot (Type= unset makes it one)
// with ExecStop= or SuccessAction=, and RemainAfterExit=yes or
// SuccessAction=.
TEST(ParseUnit, MissingExecStart) {
  ParsedUnit parsed = ParseUnit(kPath, "[Unit]\nDescription=nothing\n");
  EXPECT_FALSE(parsed.ok());
  EXPECT_EQ(Diagnostics(parsed),
            Lines{"/srv/units/web.service: error: missing ExecStart=: a "
                  "service needs ExecStart=, ExecStop= or SuccessAction="});
  EXPECT_EQ(Diagnostics(ParseUnit(kPath, "[Service]\nType=simple\n")),
            Lines{"/srv/units/web.service: error: missing ExecStart=: only "
                  "Type=oneshot may have none"});
  EXPECT_EQ(Diagnostics(ParseUnit(kPath, "[Service]\nExecStop=/bin/true\n")),
            Lines{"/srv/units/web.service: error: missing ExecStart=: a "
                  "Type=oneshot without it needs RemainAfterExit=yes or "
                  "SuccessAction="});
  ParsedUnit stop_only =
      ParseUnit(kPath, "[Service]\nRemainAfterExit=yes\nExecStop=/bin/true\n");
  EXPECT_TRUE(stop_only.ok())
      << ::testing::PrintToString(Diagnostics(stop_only));
  EXPECT_EQ(stop_only.unit.type, ServiceType::kOneshot);
  ParsedUnit action_only =
      ParseUnit(kPath, "[Unit]\nSuccessAction=exit\n[Service]\n");
  EXPECT_TRUE(action_only.ok())
      << ::testing::PrintToString(Diagnostics(action_only));
}

// Only Type=oneshot may have several ExecStart=, and it cannot restart
// always or on success.
TEST(ParseUnit, TypeConstraints) {
  EXPECT_EQ(Diagnostics(ParseUnit(kPath,
                                  "[Service]\n"
                                  "ExecStart=/bin/a\n"
                                  "ExecStart=/bin/b\n")),
            Lines{"/srv/units/web.service:3: error: ExecStart: more than one "
                  "command; only Type=oneshot may have several"});
  EXPECT_EQ(Diagnostics(ParseUnit(kPath,
                                  "[Service]\n"
                                  "Type=oneshot\n"
                                  "Restart=always\n"
                                  "ExecStart=/bin/a\n")),
            Lines{"/srv/units/web.service:3: error: Restart: Type=oneshot "
                  "cannot be restarted always or on success"});
}

// A file name that is not a valid unit name is an error.
TEST(ParseUnit, InvalidFileName) {
  ParsedUnit parsed =
      ParseUnit("/srv/units/tmpl@.service", "[Service]\nExecStart=/bin/a\n");
  EXPECT_EQ(parsed.unit.name, "tmpl@");
  EXPECT_EQ(Diagnostics(parsed),
            Lines{"/srv/units/tmpl@.service: error: invalid unit name "
                  "\"tmpl@\": the name is a template (NAME@.service), which "
                  "does not run itself: its instances "
                  "(NAME@INSTANCE.service) do, in the layout"});
}

// Text over 1 MiB is one error and is not parsed.
TEST(ParseUnit, FileTooLarge) {
  std::string big = "[Service]\nExecStart=/bin/true\n";
  big.resize(2 << 20, '#');
  ParsedUnit parsed = ParseUnit(kPath, big);
  EXPECT_TRUE(parsed.unit.exec_start.empty());
  EXPECT_EQ(Diagnostics(parsed),
            Lines{"/srv/units/web.service: error: the file is 2097152 bytes, "
                  "over the limit of 1048576 (1 MiB); not parsed"});
}

// A line over 64 KiB, alone or continued, is an error; the rest is parsed.
TEST(ParseUnit, LineTooLong) {
  std::string text = "[Service]\nDescription=" + std::string(70000, 'x') +
                     "\nExecStart=/bin/true\nExecStop=/bin/" +
                     std::string(40000, 'y') + " \\\n" +
                     std::string(40000, 'z') + "\n";
  ParsedUnit parsed = ParseUnit(kPath, text);
  EXPECT_EQ(parsed.unit.exec_start.size(), 1u);
  EXPECT_EQ(Diagnostics(parsed),
            (Lines{"/srv/units/web.service:2: error: line longer than 65536 "
                   "bytes",
                   "/srv/units/web.service:4: error: continued line longer "
                   "than 65536 bytes"}));
}

// NUL bytes are errors on their line.
TEST(ParseUnit, NulBytes) {
  std::string text("[Service]\nExecStart=/bin/true\nUser=ro\0ot\n", 41);
  EXPECT_EQ(Diagnostics(ParseUnit(kPath, text)),
            Lines{"/srv/units/web.service:3: error: NUL byte in the line"});
}

// After 20 errors the rest of the file is not checked.
TEST(ParseUnit, TooManyErrors) {
  std::string text = "[Service]\n";
  for (int k = 0; k < 50; ++k) text += "garbage\n";
  ParsedUnit parsed = ParseUnit(kPath, text);
  ASSERT_EQ(parsed.diagnostics.size(), 21u);
  EXPECT_EQ(parsed.diagnostics.back().ToString(),
            "/srv/units/web.service:21: error: too many errors (20); the rest "
            "of the file is not checked");
}

// Random bytes never crash the parser and always give an error.
TEST(ParseUnit, RandomBytesAreErrors) {
  std::mt19937 rng(20240501);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int round = 0; round < 200; ++round) {
    std::string text(1 + rng() % 4096, '\0');
    for (char& c : text) c = static_cast<char>(byte(rng));
    ParsedUnit parsed = ParseUnit(kPath, text);
    EXPECT_FALSE(parsed.ok()) << round;
    for (const Diagnostic& d : parsed.diagnostics) {
      for (char c : d.message) {
        ASSERT_TRUE(c >= 0x20 && c < 0x7f) << d.message;
      }
    }
  }
}

// Random mixes of valid-looking pieces never crash the parser either.
TEST(ParseUnit, RandomPiecesDoNotCrash) {
  const char* pieces[] = {"[Service]", "[Unit]",  "ExecStart=", "\"", "'",
                          "\\",        "\n",      "=",          "$",  "${",
                          "Type=",     "oneshot", " ",          "#",  "\r",
                          "After=",    "a",       "-",          "@",  ";"};
  std::mt19937 rng(7);
  for (int round = 0; round < 500; ++round) {
    std::string text;
    int count = 1 + rng() % 60;
    for (int k = 0; k < count; ++k) text += pieces[rng() % 20];
    ParsedUnit parsed = ParseUnit(kPath, text);
    for (const Diagnostic& d : parsed.diagnostics) {
      EXPECT_EQ(d.file, kPath);
      EXPECT_GE(d.line, 0);
    }
  }
}

// Names: the file's last component without ".service"; normalizing accepts
// both spellings and rejects invalid names.
TEST(UnitNames, FromPathAndNormalized) {
  EXPECT_EQ(UnitNameFromPath("/etc/faultinit/services/web.service"), "web");
  EXPECT_EQ(UnitNameFromPath("db.service"), "db");
  EXPECT_EQ(UnitNameFromPath("/x/plain"), "plain");
  EXPECT_EQ(NormalizeUnitName("db.service"), "db");
  EXPECT_EQ(NormalizeUnitName("db"), "db");
  EXPECT_EQ(NormalizeUnitName("getty@tty1.service"), "getty@tty1");
  EXPECT_EQ(NormalizeUnitName("network.target"), "network.target");
  EXPECT_EQ(NormalizeUnitName(".service"), "");
  EXPECT_EQ(NormalizeUnitName("a b"), "");
  EXPECT_EQ(NormalizeUnitName("getty@.service"), "");
  EXPECT_EQ(NormalizeUnitName(std::string(256, 'a')), "");
}

// Diagnostic::ToString: "file:line: severity: message", no line when 0.
TEST(Diagnostic, ToString) {
  EXPECT_EQ((Diagnostic{"a.service", 3, Severity::kWarning, "m"}).ToString(),
            "a.service:3: warning: m");
  EXPECT_EQ((Diagnostic{"a.service", 0, Severity::kError, "m"}).ToString(),
            "a.service: error: m");
}

// The exit-status lists take systemd's names of exit codes (libc, LSB,
// BSD's sysexits, systemd's own) before signal names.
TEST(ParseUnit, ExitStatusLists) {
  ParsedUnit parsed = ParseUnit(kPath,
                                "[Service]\n"
                                "ExecStart=/bin/true\n"
                                "SuccessExitStatus=DATAERR NOTINSTALLED 7\n"
                                "RestartPreventExitStatus=EXEC TEMPFAIL "
                                "SIGKILL\n"
                                "RestartForceExitStatus=CONFIG USR1\n"
                                "RestartForceExitStatus=\n"
                                "RestartForceExitStatus=255 FAILURE\n");
  ASSERT_TRUE(parsed.ok()) << Diagnostics(parsed)[0];
  const Unit& u = parsed.unit;
  EXPECT_EQ(u.success_exit_status.codes, Codes({65, 5, 7}));
  EXPECT_EQ(u.restart_prevent_exit_status.codes, Codes({203, 75}));
  EXPECT_EQ(u.restart_prevent_exit_status.signals, Codes({SIGKILL}));
  EXPECT_EQ(u.restart_force_exit_status.codes, Codes({255, 1}));
  EXPECT_TRUE(u.restart_force_exit_status.signals.none());
}

// TimeoutSec= sets both timeouts; Type=idle and Type=dbus start as
// Type=simple and say so; Type=dbus needs BusName=; the older
// StartLimitInterval= and the [Service] places are read.
TEST(ParseUnit, SystemdCompatibilityKeys) {
  ParsedUnit parsed = ParseUnit(kPath,
                                "[Unit]\n"
                                "StartLimitInterval=20\n"
                                "[Service]\n"
                                "ExecStart=/bin/true\n"
                                "TimeoutSec=7\n"
                                "Type=dbus\n"
                                "BusName=org.example.Web\n"
                                "StartLimitBurst=3\n");
  EXPECT_TRUE(parsed.ok());
  EXPECT_EQ(parsed.unit.timeout_start, fault::Seconds(7));
  EXPECT_EQ(parsed.unit.timeout_stop, fault::Seconds(7));
  EXPECT_EQ(parsed.unit.type, ServiceType::kSimple);
  EXPECT_EQ(parsed.unit.start_limit_interval, fault::Seconds(20));
  EXPECT_EQ(parsed.unit.start_limit_burst, 3u);
  EXPECT_EQ(Diagnostics(parsed),
            Lines{"/srv/units/web.service:6: warning: Type: differs from "
                  "systemd: Type=dbus is ready once started, as Type=simple "
                  "(faultinit does not watch the bus for org.example.Web)"});

  EXPECT_EQ(Diagnostics(ParseUnit(kPath,
                                  "[Service]\nExecStart=/bin/true\n"
                                  "Type=dbus\n")),
            Lines{"/srv/units/web.service:3: error: Type: Type=dbus needs "
                  "BusName=, the name it takes"});
  EXPECT_EQ(Diagnostics(ParseUnit(kPath,
                                  "[Service]\nExecStart=/bin/true\n"
                                  "Type=idle\nBusName=9bad\n")),
            (Lines{"/srv/units/web.service:3: warning: Type: differs from "
                   "systemd: Type=idle starts at once, as Type=simple "
                   "(faultinit has no job queue to wait for)",
                   "/srv/units/web.service:4: error: BusName: invalid bus "
                   "name \"9bad\": expected a D-Bus well-known name such as "
                   "org.example.Daemon"}));
  ParsedUnit oneshot = ParseUnit(
      kPath, "[Service]\nType=oneshot\nExecStart=/bin/true\nTimeoutSec=0\n");
  EXPECT_EQ(oneshot.unit.timeout_start, fault::InfiniteDuration());
  EXPECT_EQ(oneshot.unit.timeout_stop, fault::InfiniteDuration());
}

}  // namespace
}  // namespace faultinit
