// faultinit called by the name systemctl (a link, as faultctl is) against
// the real faultinit in system mode, PID 1 of a fresh PID namespace: the
// verbs scripts use, what they print and systemctl's exit statuses, end to
// end; `kill` from inside the namespace (as a shell on the board is) and
// refused from outside it.

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "runtime/duration.h"
#include "runtime/testing/child.h"
#include "tests/harness.h"

namespace faultinit::testing {
namespace {

using Outcome = ClientResult;

class Systemctl : public ScratchTest {
 protected:
  void SetUp() override {
    ScratchTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    socket_ = base_ + "/run/control";
    const std::string units = base_ + "/units";
    mkdir(units.c_str(), 0755);
    link_ = base_ + "/systemctl";
    ASSERT_EQ(symlink(FaultinitPath().c_str(), link_.c_str()), 0);
    ASSERT_TRUE(WriteFile(units + "/web.service",
                          "[Unit]\nDescription=the web\n[Service]\n"
                          "ExecStart=/bin/sleep 1000\n"));
    ASSERT_TRUE(WriteFile(units + "/bad.service",
                          "[Service]\nExecStart=/bin/sh -c 'exit 3'\n"));
    LaunchOptions o;
    o.args = {"-v", "--services", units, "--control", socket_};
    o.pid_namespace = true;
    running_ = std::make_unique<Running>(o);
    ASSERT_TRUE(running_->WaitForAllStderr({"web: running"}));
  }
  // Run: `systemctl --socket SOCKET ARGS...`, by the link; `inside`: from
  // faultinit's PID and mount namespaces (as nsenter -t PID -p -m would).
  Outcome Run(std::vector<std::string> args, bool inside = false) {
    args.insert(args.begin(), {link_, "--socket", socket_});
    const pid_t init = running_->faultinit_pid();
    fault::testing::ChildResult r = fault::testing::RunInChild([&] {
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      if (!inside) {
        execv(argv[0], argv.data());
        _exit(127);
      }
      const std::string ns = absl::StrCat("/proc/", init, "/ns/");
      const int pid_ns = open((ns + "pid").c_str(), O_RDONLY | O_CLOEXEC);
      const int mnt_ns = open((ns + "mnt").c_str(), O_RDONLY | O_CLOEXEC);
      if (pid_ns < 0 || mnt_ns < 0 || setns(pid_ns, CLONE_NEWPID) != 0 ||
          setns(mnt_ns, CLONE_NEWNS) != 0) {
        _exit(126);
      }
      const pid_t child = fork();  // the first process in the namespace
      if (child == 0) {
        execv(argv[0], argv.data());
        _exit(127);
      }
      int status = 0;
      if (child < 0 || waitpid(child, &status, 0) != child) _exit(125);
      _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 124);
    });
    return {r.status.ToString(), r.out, r.err};
  }

  // Value: `show -p PROP --value UNIT`'s answer, without its newline.
  std::string Value(const std::string& property, const std::string& unit) {
    Outcome o = Run({"show", "-p", property, "--value", unit});
    EXPECT_EQ(o.status, "exit 0") << o.err;
    return o.out.empty() ? o.out : o.out.substr(0, o.out.size() - 1);
  }

  // AwaitValue polls Value until it is `want` (a 30 s deadline; each poll
  // is a full request and answer, no sleep).
  bool AwaitValue(const std::string& property, const std::string& unit,
                  const std::string& want) {
    const fault::Duration deadline = fault::MonotonicNow() + fault::Seconds(30);
    while (fault::MonotonicNow() < deadline) {
      if (Value(property, unit) == want) return true;
    }
    return false;
  }

  std::string socket_, link_;
};

TEST_F(Systemctl, StartStopIsActiveStatus) {
  Outcome active = Run({"is-active", "web"});
  EXPECT_EQ(active.status, "exit 0") << active.err;
  EXPECT_EQ(active.out, "active\n");
  // Any active: 0, each state printed.
  active = Run({"is-active", "nope", "web.service"});
  EXPECT_EQ(active.status, "exit 0");
  EXPECT_EQ(active.out, "inactive\nactive\n");

  Outcome stop = Run({"stop", "web.service"});
  EXPECT_EQ(stop.status, "exit 0") << stop.err;
  EXPECT_EQ(stop.out, "");
  Outcome inactive = Run({"is-active", "web"});
  EXPECT_EQ(inactive.status, "exit 3");
  EXPECT_EQ(inactive.out, "inactive\n");
  Outcome quiet = Run({"is-active", "--quiet", "web"});
  EXPECT_EQ(quiet.status, "exit 3");
  EXPECT_EQ(quiet.out, "");
  Outcome status = Run({"status", "web"});
  EXPECT_EQ(status.status, "exit 3");
  EXPECT_NE(status.out.find("web.service - the web\n"), std::string::npos)
      << status.out;
  EXPECT_NE(status.out.find("Active: inactive (dead)"), std::string::npos)
      << status.out;
  Outcome unknown = Run({"status", "nope.service"});
  EXPECT_EQ(unknown.status, "exit 4");
  EXPECT_EQ(unknown.err, "systemctl: Unit nope.service could not be found.\n");

  Outcome start = Run({"start", "web"});
  EXPECT_EQ(start.status, "exit 0") << start.err;
  status = Run({"status", "web.service"});
  EXPECT_EQ(status.status, "exit 0");
  EXPECT_NE(status.out.find("Active: active (running)"), std::string::npos)
      << status.out;
  EXPECT_NE(status.out.find("Main PID: "), std::string::npos);
  EXPECT_EQ(Run({"start", "nope"}).status, "exit 5");
  EXPECT_EQ(Run({"stop", "nope"}).status, "exit 5");
  EXPECT_EQ(Run({"--no-block", "restart", "web"}).status, "exit 0");
}

TEST_F(Systemctl, ShowProperties) {
  Outcome show =
      Run({"show", "-p", "ActiveState,SubState", "-p", "LoadState", "web"});
  EXPECT_EQ(show.status, "exit 0") << show.err;
  EXPECT_EQ(show.out,
            "ActiveState=active\nSubState=running\nLoadState=loaded\n");
  int pid = 0;
  EXPECT_TRUE(absl::SimpleAtoi(Value("MainPID", "web.service"), &pid));
  EXPECT_GT(pid, 1);
  EXPECT_EQ(Run({"show", "-p", "LoadState", "nope"}).out,
            "LoadState=not-found\n");
  Outcome unsupported = Run({"show", "-p", "ControlGroup", "web"});
  EXPECT_EQ(unsupported.status, "exit 1");
  EXPECT_NE(unsupported.err.find("property \"ControlGroup\" is not supported"),
            std::string::npos)
      << unsupported.err;
}

// bad.service exits 3: failed, with its exit status; the system degraded.
TEST_F(Systemctl, FailedUnit) {
  ASSERT_TRUE(AwaitValue("ActiveState", "bad", "failed"));
  Outcome failed = Run({"is-failed", "bad"});
  EXPECT_EQ(failed.status, "exit 0");
  EXPECT_EQ(failed.out, "failed\n");
  EXPECT_EQ(Run({"is-failed", "web"}).status, "exit 1");
  EXPECT_EQ(
      Run({"show", "-p", "Result,ExecMainCode,ExecMainStatus", "bad"}).out,
      "Result=exit-code\nExecMainCode=1\nExecMainStatus=3\n");
  Outcome system = Run({"is-system-running"});
  EXPECT_EQ(system.status, "exit 1");
  EXPECT_EQ(system.out, "degraded\n");
  Outcome list = Run({"list-units", "--no-legend"});
  EXPECT_EQ(list.status, "exit 0");
  EXPECT_NE(list.out.find("bad.service loaded failed failed\n"),
            std::string::npos)
      << list.out;
  EXPECT_NE(list.out.find("web.service loaded active running the web\n"),
            std::string::npos)
      << list.out;
}

// kill signals the main process from faultinit's PID namespace; from
// another it is refused, and nothing is signalled.
TEST_F(Systemctl, Kill) {
  const std::string pid = Value("MainPID", "web");
  Outcome outside = Run({"kill", "-s", "KILL", "web"});
  EXPECT_EQ(outside.status, "exit 1");
  EXPECT_NE(outside.err.find("not in this PID namespace"), std::string::npos)
      << outside.err;
  EXPECT_EQ(Value("MainPID", "web"), pid);

  Outcome kill = Run({"kill", "--signal=KILL", "web.service"}, true);
  EXPECT_EQ(kill.status, "exit 0") << kill.err;
  ASSERT_TRUE(AwaitValue("ActiveState", "web", "failed"));
  EXPECT_EQ(
      Run({"show", "-p", "Result,ExecMainCode,ExecMainStatus", "web"}).out,
      "Result=signal\nExecMainCode=2\nExecMainStatus=9\n");
  EXPECT_EQ(Run({"kill", "nope"}, true).status, "exit 5");
  Outcome none = Run({"kill", "web"}, true);
  EXPECT_EQ(none.status, "exit 1");
  EXPECT_NE(none.err.find("No main process to kill"), std::string::npos);
}

TEST_F(Systemctl, TryRestartReloadOrRestartDaemonReload) {
  const std::string before = Value("MainPID", "web");
  EXPECT_EQ(Run({"try-restart", "web"}).status, "exit 0");
  const std::string after = Value("MainPID", "web");
  EXPECT_NE(after, before);
  EXPECT_NE(after, "0");
  EXPECT_EQ(Run({"stop", "web"}).status, "exit 0");
  EXPECT_EQ(Run({"try-restart", "web"}).status, "exit 0");
  EXPECT_EQ(Value("ActiveState", "web"), "inactive");  // not started
  // Not active: started; active without ExecReload=: restarted.
  EXPECT_EQ(Run({"reload-or-restart", "web"}).status, "exit 0");
  const std::string started = Value("MainPID", "web");
  EXPECT_NE(started, "0");
  EXPECT_EQ(Run({"reload-or-restart", "web.service"}).status, "exit 0");
  EXPECT_NE(Value("MainPID", "web"), started);
  Outcome reload = Run({"reload", "web"});
  EXPECT_EQ(reload.status, "exit 3");  // no ExecReload=, as systemctl
  ASSERT_TRUE(WriteFile(base_ + "/units/extra.service",
                        "[Service]\nExecStart=/bin/sleep 1000\n"));
  Outcome daemon_reload = Run({"daemon-reload"});
  EXPECT_EQ(daemon_reload.status, "exit 0") << daemon_reload.err;
  EXPECT_EQ(daemon_reload.out, "");
  EXPECT_EQ(daemon_reload.err, "");
  // As systemd's: the new unit is loaded, and nothing starts it.
  EXPECT_EQ(Value("LoadState", "extra"), "loaded");
  EXPECT_EQ(Value("ActiveState", "extra"), "inactive");
  EXPECT_EQ(Run({"start", "extra"}).status, "exit 0");
  EXPECT_EQ(Value("ActiveState", "extra"), "active");
}

// systemd's daemon-reload starts, stops and restarts nothing: a changed
// service runs on with its process, and its next start (a restart) runs
// the new ExecStart=; a changed failed one stays failed.
TEST_F(Systemctl, DaemonReloadKeepsAChangedServiceRunning) {
  ASSERT_TRUE(AwaitValue("ActiveState", "bad", "failed"));
  const std::string before = Value("MainPID", "web");
  ASSERT_NE(before, "0");
  ASSERT_TRUE(WriteFile(base_ + "/units/web.service",
                        "[Unit]\nDescription=the web\n[Service]\n"
                        "ExecStart=/bin/sh -c 'echo new-web; exec sleep "
                        "1000'\n"));
  ASSERT_TRUE(WriteFile(base_ + "/units/bad.service",
                        "[Service]\nExecStart=/bin/sleep 1000\n"));
  Outcome daemon_reload = Run({"daemon-reload"});
  EXPECT_EQ(daemon_reload.status, "exit 0") << daemon_reload.err;
  EXPECT_EQ(daemon_reload.out, "");
  EXPECT_EQ(daemon_reload.err, "");
  EXPECT_EQ(Value("ActiveState", "web"), "active");
  EXPECT_EQ(Value("MainPID", "web"), before);
  EXPECT_EQ(Value("ActiveState", "bad"), "failed");
  // The restart runs the new definition.
  EXPECT_EQ(Run({"restart", "web"}).status, "exit 0");
  EXPECT_NE(Value("MainPID", "web"), before);
  EXPECT_TRUE(running_->WaitForAllStderr({"new-web"})) << running_->err();
  EXPECT_EQ(Run({"start", "bad"}).status, "exit 0");
  EXPECT_EQ(Value("ActiveState", "bad"), "active");
}

// After a daemon-reload, a changed service's automatic restart
// (Restart=) runs its new definition, as systemd's: killed, it comes back
// with the new ExecStart=.
TEST_F(Systemctl, DaemonReloadAutomaticRestartRunsTheNewDefinition) {
  const std::string unit = base_ + "/units/again.service";
  ASSERT_TRUE(WriteFile(unit,
                        "[Service]\nExecStart=/bin/sh -c 'echo old-again; "
                        "exec sleep 1000'\nRestart=always\n"));
  EXPECT_EQ(Run({"daemon-reload"}).status, "exit 0");
  EXPECT_EQ(Run({"start", "again"}).status, "exit 0");
  ASSERT_TRUE(running_->WaitForAllStderr({"old-again"})) << running_->err();
  const std::string before = Value("MainPID", "again");
  ASSERT_NE(before, "0");
  ASSERT_TRUE(WriteFile(unit,
                        "[Service]\nExecStart=/bin/sh -c 'echo new-again; "
                        "exec sleep 1000'\nRestart=always\n"));
  Outcome daemon_reload = Run({"daemon-reload"});
  EXPECT_EQ(daemon_reload.status, "exit 0") << daemon_reload.err;
  EXPECT_EQ(Value("MainPID", "again"), before);
  Outcome kill = Run({"kill", "--signal=KILL", "again"}, true);
  EXPECT_EQ(kill.status, "exit 0") << kill.err;
  EXPECT_TRUE(running_->WaitForAllStderr({"new-again"})) << running_->err();
  ASSERT_TRUE(AwaitValue("NRestarts", "again", "1"));
  EXPECT_EQ(Value("ActiveState", "again"), "active");
  EXPECT_NE(Value("MainPID", "again"), before);
}

// A service whose file is gone runs on after a daemon-reload, as
// systemd's, and is forgotten once stopped.
TEST_F(Systemctl, DaemonReloadKeepsARemovedServiceUntilItStops) {
  const std::string before = Value("MainPID", "web");
  ASSERT_NE(before, "0");
  ASSERT_EQ(unlink((base_ + "/units/web.service").c_str()), 0);
  Outcome daemon_reload = Run({"daemon-reload"});
  EXPECT_EQ(daemon_reload.status, "exit 0") << daemon_reload.err;
  EXPECT_EQ(Value("ActiveState", "web"), "active");
  EXPECT_EQ(Value("MainPID", "web"), before);
  // Not found for a start, as systemd's (LoadState=not-found).
  EXPECT_EQ(Run({"start", "web"}).status, "exit 5");
  EXPECT_EQ(Run({"stop", "web"}).status, "exit 0");
  EXPECT_TRUE(running_->WaitForAllStderr({"web: removed"})) << running_->err();
  EXPECT_EQ(Value("LoadState", "web"), "not-found");
}

// Never a silent success: a verb or option not supported is one line,
// exit 1.
TEST_F(Systemctl, UnsupportedVerbsAndOptions) {
  for (const char* verb : {"edit", "link", "revert"}) {
    Outcome o = Run({verb, "web"});
    EXPECT_EQ(o.status, "exit 1") << verb;
    EXPECT_EQ(o.err, absl::StrCat("systemctl: verb \"", verb,
                                  "\" is not supported yet by faultinit's "
                                  "systemctl\n"));
  }
  Outcome user = Run({"--user", "start", "web"});
  EXPECT_EQ(user.status, "exit 1");
  EXPECT_EQ(user.err,
            "systemctl: unknown option \"--user\" (not supported by "
            "faultinit's systemctl)\n");
  EXPECT_EQ(Run({"set-property", "web", "CPUWeight=1"}).status, "exit 1");
  // A flat directory has no targets: no such unit, and nothing stops.
  EXPECT_EQ(Run({"isolate", "rescue.target"}).status, "exit 5");
  EXPECT_EQ(Value("ActiveState", "web"), "active");  // nothing happened
}

TEST_F(Systemctl, Poweroff) {
  EXPECT_EQ(Run({"poweroff", "--no-block"}).status, "exit 0");
  EXPECT_EQ(running_->Wait().ToString(), "exit 0");
  running_.reset();
}

}  // namespace
}  // namespace faultinit::testing
