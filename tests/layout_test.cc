// systemd's layout in the real faultinit (system mode, PID 1 of a fresh
// PID namespace) over a small tree of its own (`--units-path ETC:LIB`),
// observed through its log and the real faultctl: a drop-in's effect (an
// empty ExecStart= resets the list), a masked unit not loaded though
// enabled, an enabled unit started through a .wants/ link (also by an
// alias's name), a unit not enabled not held, loaded when `faultctl
// status` names it and not started until `faultctl start`; and `faultinit
// --check --units-path` naming a bad drop-in's file and line.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/harness.h"
#include "tests/unit_tree_fixture.h"

namespace faultinit::testing {
namespace {

using Layout = UnitTreeTest;

std::string Sleeper(const std::string& word) {
  return absl::StrCat("[Service]\nExecStart=/bin/sh -c 'echo ", word,
                      "; exec sleep 1000'\n");
}

TEST_F(Layout, BootsWhatDefaultTargetPullsIn) {
  Link("multi-user.target", "lib/default.target");
  File("lib/multi-user.target", "[Unit]\nDescription=Multi-User System\n");
  // web: enabled, with a drop-in in /etc that replaces its ExecStart= and
  // sets its environment.
  File("lib/web.service",
       "[Unit]\nDescription=web\n[Service]\nEnvironment=GREETING=main\n"
       "ExecStart=/bin/sh -c 'echo from-the-unit-file; exec sleep 1000'\n");
  File("etc/web.service.d/10-override.conf",
       "[Service]\nEnvironment=GREETING=from-the-drop-in\nExecStart=\n"
       "ExecStart=/bin/sh -c 'echo \"greeting $GREETING\"; "
       "exec sleep 1000'\n");
  Link(lib_ + "/web.service", "etc/multi-user.target.wants/web.service");
  // ssh: enabled through its alias's name, as `systemctl enable` links
  // Alias=sshd.service.
  File("lib/ssh.service", Sleeper("ssh-up"));
  Link(lib_ + "/ssh.service", "etc/sshd.service");
  Link(lib_ + "/ssh.service", "etc/multi-user.target.wants/sshd.service");
  // quiet: enabled, but masked in /etc.
  File("lib/quiet.service", Sleeper("quiet-up"));
  Link(lib_ + "/quiet.service", "lib/multi-user.target.wants/quiet.service");
  Link("/dev/null", "etc/quiet.service");
  // idle: installed, not enabled.
  File("lib/idle.service", Sleeper("idle-up"));

  Start({"starting multi-user.target: ssh web; masked: quiet",
         "[web] greeting from-the-drop-in", "web: running", "[ssh] ssh-up",
         "ssh: running"});
  const std::string& err = running_->err();
  EXPECT_EQ(err.find("from-the-unit-file"), std::string::npos) << err;
  EXPECT_EQ(err.find("quiet-up"), std::string::npos) << err;

  // idle is installed, not held (init/system/needed_units.h): loaded when
  // a request names it, not started.
  EXPECT_NE(running_->err().find("holding "), std::string::npos)
      << running_->err();
  CtlResult idle = Ctl({"status", "idle"});
  EXPECT_EQ(idle.status, "exit 3") << idle.out;  // systemctl's: not running
  EXPECT_NE(idle.out.find("inactive"), std::string::npos) << idle.out;
  EXPECT_TRUE(running_->WaitForStderr("loaded on demand: idle"))
      << running_->err();
  EXPECT_EQ(err.find("idle-up"), std::string::npos) << err;
  CtlResult masked = Ctl({"status", "quiet"});
  EXPECT_NE(masked.status, "exit 0") << masked.out;
  EXPECT_NE(masked.out.find("no such service"), std::string::npos)
      << masked.out;

  CtlResult start = Ctl({"start", "idle"});
  EXPECT_EQ(start.status, "exit 0") << start.out;
  ASSERT_TRUE(running_->WaitForAllStderr({"[idle] idle-up", "idle: running"}))
      << running_->err();
}

TEST_F(Layout, CheckNamesABadDropInsFileAndLine) {
  Link("multi-user.target", "lib/default.target");
  File("lib/multi-user.target", "[Unit]\n");
  File("lib/web.service", Sleeper("web-up"));
  Link(lib_ + "/web.service", "etc/multi-user.target.wants/web.service");
  File("etc/web.service.d/20-bad.conf",
       "[Service]\n# a comment\nRestart=sometimes\n");
  File("lib/idle.service", Sleeper("idle-up"));
  Link("/dev/null", "etc/quiet.service");
  File("lib/quiet.service", Sleeper("quiet-up"));
  Result r =
      RunFaultinit(LaunchOptions{{"--check", "--units-path", UnitsPath()}});
  EXPECT_EQ(r.status.ToString(), "exit 1") << r.out << r.err;
  EXPECT_NE(r.out.find(absl::StrCat(etc_,
                                    "/web.service.d/20-bad.conf:3: error: "
                                    "Restart: ")),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("start order: idle\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("boot (multi-user.target): web\nmasked: quiet\n"),
            std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace faultinit::testing
