// `systemctl isolate`, `systemctl default`, `systemctl rescue` and
// `faultctl isolate` against the real faultinit (system mode, PID 1 of a
// fresh PID namespace, systemd's layout over a tree of the test's own
// with `--units-path`): the target and what it pulls in start, every other
// unit stops but those with IgnoreOnIsolate=yes; a target without
// AllowIsolate=yes is refused with systemctl's message and exit status,
// and nothing changes; the answer comes once the stops are done.

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/harness.h"
#include "tests/unit_tree_fixture.h"

namespace faultinit::testing {
namespace {

constexpr char kSleeper[] = "exec sleep 1000'\n";

class Isolate : public UnitFilesTest {
 protected:
  // A service that says NAME-up and sleeps, with `unit` in its [Unit].
  void Sleeper(const std::string& name, const std::string& unit = "") {
    File(
        absl::StrCat(name, ".service"),
        absl::StrCat("[Unit]\n", unit, "[Service]\nExecStart=/bin/sh -c 'echo ",
                     name, "-up; ", kSleeper));
  }
  // Systemctl runs faultinit by the name systemctl on the control socket.
  CommandResult Systemctl(const std::vector<std::string>& args) {
    const std::string link = absl::StrCat(base_, "/systemctl");
    if (access(link.c_str(), F_OK) != 0) {
      EXPECT_EQ(symlink(FaultinitPath().c_str(), link.c_str()), 0);
    }
    std::vector<std::string> argv = {link, "--socket", socket_};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, 60 * 1000);
  }
  // The tree: multi-user.target (the default, AllowIsolate=yes) wants
  // plain, keeper (IgnoreOnIsolate=yes) and early (DefaultDependencies=no);
  // web.target (AllowIsolate=yes) wants front; closed.target says nothing
  // of isolation (systemd's default: no).
  void Tree() {
    File("multi-user.target",
         "[Unit]\nDescription=Multi-User System\nRequires=basic.target\n"
         "After=basic.target\nAllowIsolate=yes\n");
    Link("multi-user.target", "default.target");
    File("web.target",
         "[Unit]\nDescription=Web only\nWants=front.service\n"
         "AllowIsolate=yes\n");
    File("closed.target", "[Unit]\nDescription=Closed\nWants=front.service\n");
    Sleeper("plain");
    Sleeper("keeper", "IgnoreOnIsolate=yes\n");
    Sleeper("early", "DefaultDependencies=no\n");
    Sleeper("front");
    for (const char* unit : {"plain", "keeper", "early"}) {
      Enable("multi-user.target", absl::StrCat(unit, ".service"));
    }
  }
};

TEST_F(Isolate, StartsTheTargetAndStopsTheRest) {
  Tree();
  Start({"plain: running", "keeper: running", "early: running"});
  ASSERT_EQ(StateOf("front"), "inactive");

  CommandResult r = Systemctl({"isolate", "web"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "");
  // Answered once the stops are done: the states are settled already.
  EXPECT_EQ(StateOf("front"), "running");
  EXPECT_EQ(StateOf("web.target"), "running");
  EXPECT_EQ(StateOf("plain"), "inactive");
  EXPECT_EQ(StateOf("multi-user.target"), "inactive");
  // Outside web.target's closure too, as in systemd: only
  // IgnoreOnIsolate= keeps a unit.
  EXPECT_EQ(StateOf("early"), "inactive");
  EXPECT_EQ(StateOf("keeper"), "running");
  // front requires sysinit.target (its default dependencies): kept.
  EXPECT_EQ(StateOf("sysinit.target"), "running");
  EXPECT_TRUE(
      running_->WaitForStderr("plain: stopping: isolating to web.target"))
      << running_->err();

  // `systemctl default`: back to default.target (multi-user.target).
  r = Systemctl({"default"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(StateOf("plain"), "running");
  EXPECT_EQ(StateOf("early"), "running");
  EXPECT_EQ(StateOf("multi-user.target"), "running");
  EXPECT_EQ(StateOf("front"), "inactive");
  EXPECT_EQ(StateOf("web.target"), "inactive");
  EXPECT_EQ(StateOf("keeper"), "running");
}

TEST_F(Isolate, RefusedWithoutAllowIsolate) {
  Tree();
  Start({"plain: running", "keeper: running", "early: running"});
  CommandResult r = Systemctl({"isolate", "closed.target"});
  EXPECT_EQ(r.exit_code, 4) << r.output;
  EXPECT_EQ(r.output,
            "systemctl: Failed to start closed.target: Operation refused, "
            "unit may not be isolated.\n");
  CtlResult ctl = Ctl({"isolate", "closed"});
  EXPECT_NE(ctl.status, "exit 0") << ctl.out;
  EXPECT_NE(ctl.out.find("Operation refused, unit may not be isolated."),
            std::string::npos)
      << ctl.out;
  // Nothing changed.
  EXPECT_EQ(StateOf("plain"), "running");
  EXPECT_EQ(StateOf("front"), "inactive");
  EXPECT_EQ(StateOf("closed.target"), "inactive");
  // A unit faultinit does not have: systemctl's "not installed" status.
  r = Systemctl({"isolate", "nowhere.target"});
  EXPECT_EQ(r.exit_code, 5) << r.output;
}

TEST_F(Isolate, FaultctlIsolateAndRescue) {
  Tree();
  Start({"plain: running", "keeper: running", "early: running"});
  CtlResult ctl = Ctl({"isolate", "web"});
  EXPECT_EQ(ctl.status, "exit 0") << ctl.out;
  EXPECT_NE(ctl.out.find("web.target: running"), std::string::npos) << ctl.out;
  EXPECT_EQ(StateOf("plain"), "inactive");
  // rescue.target (built in: AllowIsolate=yes, as systemd's) keeps what
  // sysinit.target pulls in; faultinit has no rescue shell to start.
  CommandResult r = Systemctl({"rescue"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(StateOf("rescue.target"), "running");
  EXPECT_EQ(StateOf("sysinit.target"), "running");
  EXPECT_EQ(StateOf("front"), "inactive");
  EXPECT_EQ(StateOf("keeper"), "running");
}

}  // namespace
}  // namespace faultinit::testing
