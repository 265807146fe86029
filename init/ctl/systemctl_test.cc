// systemctl's command line and its state mapping (systemctl_command.h,
// systemctl_state.h): which verbs and options are taken, which are a
// one-line error, and systemctl's exit statuses.

#include <signal.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "init/ctl/systemctl_command.h"
#include "init/ctl/systemctl_state.h"

namespace faultinit::systemctl {
namespace {

fault::StatusOr<SystemctlCommand> Parse(std::vector<std::string> args) {
  return ParseSystemctlCommandLine(args);
}

std::string Error(std::vector<std::string> args) {
  fault::StatusOr<SystemctlCommand> c = Parse(std::move(args));
  return c.ok() ? "ok" : std::string(c.status().message());
}

TEST(SystemctlCommand, UnitNamesWithOrWithoutService) {
  fault::StatusOr<SystemctlCommand> c =
      Parse({"start", "web.service", "db", "sock.socket"});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->verb, SystemctlVerb::kStart);
  EXPECT_EQ(c->units, (std::vector<std::string>{"web", "db", "sock.socket"}));
  EXPECT_EQ(ServiceName("a.service.service"), "a.service");
  EXPECT_EQ(UnitName("web"), "web.service");
  EXPECT_EQ(UnitName("dbus.socket"), "dbus.socket");  // a socket's row
  EXPECT_EQ(UnitName("multi-user.target"), "multi-user.target");
  EXPECT_EQ(UnitName("data.mount"), "data.mount");
  EXPECT_EQ(UnitName("a.b"), "a.b.service");
}

TEST(SystemctlCommand, EveryVerb) {
  const std::pair<const char*, SystemctlVerb> verbs[] = {
      {"stop", SystemctlVerb::kStop},
      {"restart", SystemctlVerb::kRestart},
      {"try-restart", SystemctlVerb::kTryRestart},
      {"condrestart", SystemctlVerb::kTryRestart},
      {"reload", SystemctlVerb::kReload},
      {"reload-or-restart", SystemctlVerb::kReloadOrRestart},
      {"status", SystemctlVerb::kStatus},
      {"is-active", SystemctlVerb::kIsActive},
      {"is-failed", SystemctlVerb::kIsFailed},
      {"show", SystemctlVerb::kShow},
      {"kill", SystemctlVerb::kKill},
  };
  for (const auto& [word, verb] : verbs) {
    fault::StatusOr<SystemctlCommand> c = Parse({word, "web"});
    ASSERT_TRUE(c.ok()) << word << ": " << c.status().message();
    EXPECT_EQ(c->verb, verb) << word;
  }
  for (const char* word : {"is-system-running", "daemon-reload", "list-units",
                           "poweroff", "reboot", "halt", "status"}) {
    EXPECT_EQ(Error({word}), "ok") << word;
  }
  EXPECT_EQ(Parse({})->verb, SystemctlVerb::kListUnits);  // as systemctl
}

TEST(SystemctlCommand, OptionsAnywhere) {
  fault::StatusOr<SystemctlCommand> c =
      Parse({"--no-block", "restart", "-q", "web", "--no-pager", "--system",
             "--now", "--no-ask-password", "-l"});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_TRUE(c->no_block);
  EXPECT_TRUE(c->quiet);
  EXPECT_EQ(c->units, std::vector<std::string>{"web"});
  c = Parse({"is-active", "--quiet", "web"});
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->quiet);
  c = Parse({"--", "status", "-web"});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->units, std::vector<std::string>{"-web"});
}

TEST(SystemctlCommand, ShowProperties) {
  fault::StatusOr<SystemctlCommand> c =
      Parse({"show", "-p", "MainPID,ActiveState", "--property=SubState",
             "-pMainPID", "--value", "web.service"});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->properties,
            (std::vector<std::string>{"MainPID", "ActiveState", "SubState"}));
  EXPECT_TRUE(c->value);
  EXPECT_EQ(Error({"show", "-p", "ControlGroup", "web"}).substr(0, 49),
            "property \"ControlGroup\" is not supported (faultin");
  EXPECT_EQ(Error({"show", "-p", "mainpid", "web"}).substr(0, 30),
            "property \"mainpid\" is not supp");
  EXPECT_NE(Error({"show"}).find("not supported"), std::string::npos);
}

TEST(SystemctlCommand, KillSignal) {
  EXPECT_EQ(Parse({"kill", "web"})->signal, SIGTERM);
  EXPECT_EQ(Parse({"kill", "-s", "HUP", "web"})->signal, SIGHUP);
  EXPECT_EQ(Parse({"kill", "--signal=SIGUSR1", "web"})->signal, SIGUSR1);
  EXPECT_EQ(Parse({"kill", "--signal", "9", "web"})->signal, SIGKILL);
  EXPECT_EQ(Error({"kill", "-s", "NOPE", "web"}),
            "-s: unknown signal \"NOPE\"");
}

// Never a silent success: an unsupported verb or option is an error naming
// it.
TEST(SystemctlCommand, UnsupportedIsAnErrorNamingIt) {
  for (const char* verb : {"edit", "link", "revert"}) {
    EXPECT_EQ(Error({verb, "web"}),
              absl::StrCat("verb \"", verb,
                           "\" is not supported yet by faultinit's systemctl"));
  }
  EXPECT_EQ(Error({"isolate", "rescue.target"}),
            "unknown verb \"isolate\" (not supported by faultinit's "
            "systemctl)");
  EXPECT_EQ(Error({"--user", "start", "web"}),
            "unknown option \"--user\" (not supported by faultinit's "
            "systemctl)");
  EXPECT_EQ(Error({"start", "-H", "host", "web"}),
            "unknown option \"-H\" (not supported by faultinit's systemctl)");
  EXPECT_EQ(Error({"status", "--value", "web"}),
            "--value is not an option of \"status\"");
  EXPECT_EQ(Error({"start", "-s", "HUP", "web"}),
            "-s is not an option of \"start\"");
  EXPECT_EQ(Error({"list-units", "--type=socket"}),
            "--type: unit type \"socket\" is not supported (faultinit has "
            "service units only)");
  EXPECT_EQ(Error({"start"}), "start: no unit given");
  EXPECT_EQ(Error({"start", ".service"}),
            "start: empty unit name \".service\"");
  EXPECT_EQ(Error({"start", "web*"}),
            "start: unit patterns are not supported (\"web*\")");
  EXPECT_EQ(Error({"daemon-reload", "web"}),
            "daemon-reload takes no unit, got \"web\"");
  EXPECT_EQ(Parse({"enable", "--help"})->action,
            SystemctlCommand::Action::kHelp);
}

// The unit file verbs: their units by file name, their options, and the
// options they refuse.
TEST(SystemctlCommand, UnitFileVerbs) {
  fault::StatusOr<SystemctlCommand> c = Parse(
      {"enable", "--now", "web", "getty@tty1.service", "sock.socket", "-q"});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->verb, SystemctlVerb::kEnable);
  EXPECT_TRUE(IsUnitFileVerb(c->verb));
  EXPECT_TRUE(c->now);
  EXPECT_TRUE(c->quiet);
  EXPECT_EQ(c->unit_files,
            (std::vector<std::string>{"web.service", "getty@tty1.service",
                                      "sock.socket"}));
  EXPECT_EQ(c->units,
            (std::vector<std::string>{"web", "getty@tty1", "sock.socket"}));
  // deb-systemd-helper's and deb-systemd-invoke's command lines.
  c = Parse({"--root=/", "--system", "--preset-mode=enable-only", "preset",
             "ssh.service"});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->verb, SystemctlVerb::kPreset);
  EXPECT_EQ(c->preset_mode, "enable-only");
  EXPECT_TRUE(c->root_given);
  c = Parse({"--system", "is-enabled", "--", "ssh.service"});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->verb, SystemctlVerb::kIsEnabled);
  c = Parse({"list-unit-files", "--type=socket", "--state=enabled"});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->states, std::vector<std::string>{"enabled"});
  for (const char* verb :
       {"disable", "reenable", "mask", "unmask", "cat", "is-enabled"}) {
    EXPECT_TRUE(Parse({verb, "web"}).ok()) << verb;
  }
  EXPECT_EQ(Error({"enable"}), "enable: no unit given");
  EXPECT_EQ(Error({"start", "--root=/x", "web"}),
            "--root is not an option of \"start\"");
  EXPECT_EQ(Error({"enable", "--root=x", "web"}),
            "--root: \"x\" is not an absolute path");
  EXPECT_EQ(Error({"is-enabled", "--force", "web"}),
            "--force is not an option of \"is-enabled\"");
  EXPECT_EQ(Error({"preset", "--preset-mode=some", "web"}),
            "--preset-mode: unknown preset mode \"some\" (full, "
            "enable-only, disable-only)");
}

control::StatusRow Row(const char* state, int64_t pid = 0,
                       const char* last_exit = "") {
  control::StatusRow row;
  row.name = "web";
  row.state = state;
  row.pid = pid;
  row.last_exit = last_exit;
  return row;
}

TEST(SystemctlState, ActiveAndSubState) {
  struct Case {
    control::StatusRow row;
    const char* active;
    const char* sub;
  } cases[] = {
      {Row("running", 42), "active", "running"},
      {Row("running", 0), "active", "exited"},
      {Row("starting", 42), "activating", "start"},
      {Row("restarting"), "activating", "auto-restart"},
      {Row("stopping", 42), "deactivating", "stop"},
      {Row("failed"), "failed", "failed"},
      {Row("inactive"), "inactive", "dead"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ActiveState(c.row), c.active) << c.row.state;
    EXPECT_EQ(SubState(c.row), c.sub) << c.row.state;
  }
  EXPECT_EQ(ActiveState(std::nullopt), "inactive");
  EXPECT_EQ(SubState(std::nullopt), "dead");
}

TEST(SystemctlState, Properties) {
  control::StatusRow row = Row("failed", 0, "exit 3");
  row.restarts = 2;
  row.status_text = "bad";
  row.description = "the web";
  std::vector<std::pair<std::string, std::string>> all =
      ShowProperties("web", row, {});
  std::vector<std::pair<std::string, std::string>> expected = {
      {"Id", "web.service"},      {"Names", "web.service"},
      {"Description", "the web"}, {"LoadState", "loaded"},
      {"ActiveState", "failed"},  {"SubState", "failed"},
      {"MainPID", "0"},           {"ExecMainPID", "0"},
      {"ExecMainCode", "1"},      {"ExecMainStatus", "3"},
      {"Result", "exit-code"},    {"NRestarts", "2"},
      {"StatusText", "bad"},
  };
  EXPECT_EQ(all, expected);
  const std::vector<std::string> some = {"ExecMainCode", "ExecMainStatus",
                                         "Result"};
  EXPECT_EQ(
      ShowProperties("web", Row("failed", 0, "signal KILL"), some),
      (std::vector<std::pair<std::string, std::string>>{{"ExecMainCode", "2"},
                                                        {"ExecMainStatus", "9"},
                                                        {"Result", "signal"}}));
  const std::vector<std::string> load = {"LoadState", "ActiveState", "MainPID"};
  EXPECT_EQ(ShowProperties("nope", std::nullopt, load),
            (std::vector<std::pair<std::string, std::string>>{
                {"LoadState", "not-found"},
                {"ActiveState", "inactive"},
                {"MainPID", "0"}}));
  EXPECT_EQ(ShowProperties("web", Row("running", 7), {"Result"})[0].second,
            "success");
}

TEST(SystemctlState, ExitStatuses) {
  EXPECT_EQ(IsActiveExit({"inactive", "active"}), 0);
  EXPECT_EQ(IsActiveExit({"failed", "activating"}), 3);
  EXPECT_EQ(IsActiveExit({}), 3);
  EXPECT_EQ(IsFailedExit({"active", "failed"}), 0);
  EXPECT_EQ(IsFailedExit({"inactive"}), 1);
  control::ErrorLine e;
  e.code = control::ErrorCode::kUnknown;
  EXPECT_EQ(ErrorExitStatus(e), 5);
  e.code = control::ErrorCode::kPermission;
  EXPECT_EQ(ErrorExitStatus(e), 4);
  e.code = control::ErrorCode::kFailed;
  e.message = "Operation refused, unit web may be requested by dependency";
  EXPECT_EQ(ErrorExitStatus(e), 4);
  e.message = "Job type reload is not applicable for unit web.service.";
  EXPECT_EQ(ErrorExitStatus(e), 3);
  e.message = "Unit web.service is not active, cannot reload.";
  EXPECT_EQ(ErrorExitStatus(e), 6);
  e.message = "shutdown began";
  EXPECT_EQ(ErrorExitStatus(e), 1);
}

TEST(SystemctlState, StatusBlock) {
  control::StatusRow row = Row("running", 42);
  row.description = "the web";
  row.uptime_seconds = 65;
  row.status_text = "serving";
  EXPECT_EQ(FormatServiceStatus(row),
            "\xe2\x97\x8f web.service - the web\n"
            "     Loaded: loaded\n"
            "     Active: active (running) for 1min 5s\n"
            "   Main PID: 42\n"
            "     Status: \"serving\"\n");
}

}  // namespace
}  // namespace faultinit::systemctl
