// Templates and instances in the real faultinit (system mode, PID 1 of a
// fresh PID namespace) over a small tree of its own (`--units-path
// ETC:LIB`), observed through its log, the real faultctl and systemctl
// (faultinit by that name): an instance enabled by a .wants/ link to its
// template (its %i, %I, %n, %p in the output), an instance a dependency
// names, an instance loaded on demand by `faultctl start`, the serial
// getty systemd-getty-generator adds for a console= argument (the kernel
// command line injected with --kernel-cmdline), and a unit known by an
// alias answered by faultctl and systemctl.

#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/harness.h"
#include "tests/unit_tree_fixture.h"

namespace faultinit::testing {
namespace {

class Templates : public UnitTreeTest {
 protected:
  void SetUp() override {
    UnitTreeTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    link_ = base_ + "/systemctl";
    ASSERT_EQ(symlink(FaultinitPath().c_str(), link_.c_str()), 0);
    Link("multi-user.target", "lib/default.target");
    File("lib/multi-user.target", "[Unit]\nDescription=Multi-User System\n");
  }
  // Ctl runs faultctl (or, with `systemctl`, systemctl) against the socket.
  CtlResult Ctl(std::vector<std::string> args, bool systemctl = false) {
    ClientResult r =
        RunClient(systemctl ? link_ : FaultctlPath(), socket_, std::move(args));
    return {r.status, r.out + r.err};
  }

  std::string link_;
};

// `systemctl enable echo@a-b.service` links the instance's name to the
// template: the instance starts at boot, its specifiers its own.
TEST_F(Templates, WantsLinkStartsAnInstanceWithItsSpecifiers) {
  File("lib/echo@.service",
       "[Unit]\nDescription=echo %I\n[Service]\nExecStart=/bin/sh -c "
       "'echo \"i=%i I=%I n=%n N=%N p=%p\"; exec sleep 1000'\n");
  Link(lib_ + "/echo@.service", "etc/multi-user.target.wants/echo@a-b.service");
  Start({"starting multi-user.target: echo@a-b",
         "[echo@a-b] i=a-b I=a/b n=echo@a-b.service N=echo@a-b p=echo",
         "echo@a-b: running"});
  CtlResult status = Ctl({"status", "echo@a-b.service"});
  EXPECT_EQ(status.status, "exit 0") << status.out;
  EXPECT_NE(status.out.find("echo a/b"), std::string::npos) << status.out;
}

// A dependency naming an instance loads it from its template and starts
// it; the instance's own Requires= of another instance too.
TEST_F(Templates, DependencyOnAnInstanceStartsIt) {
  File("lib/web.service",
       "[Unit]\nRequires=worker@1.service\nAfter=worker@1.service\n"
       "[Service]\nExecStart=/bin/sh -c 'echo web-up; exec sleep 1000'\n");
  Link(lib_ + "/web.service", "etc/multi-user.target.wants/web.service");
  File("lib/worker@.service",
       "[Unit]\nWants=log@%i.service\n[Service]\nExecStart=/bin/sh -c "
       "'echo worker %i; exec sleep 1000'\n");
  File("lib/log@.service",
       "[Service]\nExecStart=/bin/sh -c 'echo log %i; exec sleep 1000'\n");
  Start({"[worker@1] worker 1", "worker@1: running", "[log@1] log 1",
         "log@1: running", "[web] web-up", "web: running"});
}

// A dependency naming a template without an instance gets the naming
// unit's instance, else its name, as in systemd.
TEST_F(Templates, DependencyOnATemplateTakesTheInstanceOrTheName) {
  File("lib/web.service",
       "[Unit]\nWants=log@.service\n"
       "[Service]\nExecStart=/bin/sh -c 'echo web-up; exec sleep 1000'\n");
  Link(lib_ + "/web.service", "etc/multi-user.target.wants/web.service");
  Link(lib_ + "/worker@.service",
       "etc/multi-user.target.wants/worker@2.service");
  File("lib/worker@.service",
       "[Unit]\nWants=log@.service\n[Service]\nExecStart=/bin/sh -c "
       "'echo worker %i; exec sleep 1000'\n");
  File("lib/log@.service",
       "[Service]\nExecStart=/bin/sh -c 'echo log %i; exec sleep 1000'\n");
  Start({"[log@web] log web", "log@web: running", "[log@2] log 2",
         "log@2: running", "[worker@2] worker 2", "web: running"});
}

// A .wants/ link named as the template, without an instance, stands for
// the instance systemd makes of it (the wanting unit's instance, else its
// name), whatever DefaultInstance= says; --check names the link.
TEST_F(Templates, TemplateLinkedWithoutAnInstanceTakesTheUnitsName) {
  File("lib/echo@.service",
       "[Service]\nExecStart=/bin/sh -c 'echo echo %i; exec sleep 1000'\n"
       "[Install]\nWantedBy=multi-user.target\nDefaultInstance=tty1\n");
  Link(lib_ + "/echo@.service", "etc/multi-user.target.wants/echo@.service");
  File("lib/pair@.service",
       "[Unit]\nWants=log@.service\n[Service]\nExecStart=/bin/sh -c "
       "'echo pair %i; exec sleep 1000'\n");
  Link(lib_ + "/pair@.service", "etc/multi-user.target.wants/pair@7.service");
  File("lib/log@.service",
       "[Service]\nExecStart=/bin/sh -c 'echo log %i; exec sleep 1000'\n");
  Link(lib_ + "/log@.service", "etc/pair@7.service.requires/log@.service");
  Result check =
      RunFaultinit(LaunchOptions{{"--check", "--units-path", UnitsPath()}});
  EXPECT_NE(check.out.find(absl::StrCat(
                etc_,
                "/multi-user.target.wants/echo@.service: warning: a template "
                "linked without an instance stands for "
                "\"echo@multi-user.service\"")),
            std::string::npos)
      << check.out << check.err;
  EXPECT_NE(check.out.find(absl::StrCat(
                etc_, "/pair@7.service.requires/log@.service: warning: ")),
            std::string::npos)
      << check.out << check.err;
  Start({"[echo@multi-user] echo multi-user", "echo@multi-user: running",
         "[log@7] log 7", "log@7: running", "[pair@7] pair 7"});
  EXPECT_EQ(running_->err().find("echo@tty1"), std::string::npos)
      << running_->err();
}

// A template's instance nothing names is loaded when `faultctl start`
// names it, and started; systemctl knows it too after.
TEST_F(Templates, StartLoadsAnInstanceOnDemand) {
  File("lib/base.service",
       "[Service]\nExecStart=/bin/sh -c 'echo base-up; exec sleep 1000'\n");
  Link(lib_ + "/base.service", "etc/multi-user.target.wants/base.service");
  File("lib/tmpl@.service",
       "[Service]\nExecStart=/bin/sh -c 'echo tmpl %i; exec sleep 1000'\n");
  Start({"base: running"});
  CtlResult before = Ctl({"status", "tmpl@x"});
  EXPECT_NE(before.status, "exit 0") << before.out;
  CtlResult start = Ctl({"start", "tmpl@x.service"});
  EXPECT_EQ(start.status, "exit 0") << start.out;
  ASSERT_TRUE(running_->WaitForAllStderr(
      {"loaded on demand: tmpl@x", "[tmpl@x] tmpl x", "tmpl@x: running"}))
      << running_->err();
  CtlResult status = Ctl({"is-active", "tmpl@x.service"}, true);
  EXPECT_EQ(status.status, "exit 0") << status.out;
  CtlResult other = Ctl({"start", "tmpl@y.service"}, true);
  EXPECT_EQ(other.status, "exit 0") << other.out;
  ASSERT_TRUE(running_->WaitForAllStderr({"[tmpl@y] tmpl y"}))
      << running_->err();
  // No template, no instance.
  CtlResult none = Ctl({"start", "nothing@x.service"});
  EXPECT_NE(none.status, "exit 0") << none.out;
  EXPECT_NE(none.out.find("no such service: nothing@x.service"),
            std::string::npos)
      << none.out;
}

// systemd-getty-generator: a serial console= on the kernel command line
// gets serial-getty@TTY.service, wanted by getty.target; a virtual
// terminal's console= does not.
TEST_F(Templates, SerialGettyOnTheKernelConsole) {
  File("lib/getty.target", "[Unit]\nDescription=Login Prompts\n");
  Link(lib_ + "/getty.target", "lib/multi-user.target.wants/getty.target");
  File("lib/serial-getty@.service",
       "[Service]\nExecStart=/bin/sh -c 'echo getty on %I; exec sleep "
       "1000'\n");
  const std::string cmdline = base_ + "/cmdline";
  ASSERT_TRUE(WriteFile(cmdline,
                        "root=/dev/vda console=tty0 console=ttyAMA0,115200n8 "
                        "quiet\n"));
  Start({"starting multi-user.target: serial-getty@ttyAMA0",
         "[serial-getty@ttyAMA0] getty on ttyAMA0",
         "serial-getty@ttyAMA0: running"},
        {"--kernel-cmdline", cmdline});
  EXPECT_EQ(running_->err().find("serial-getty@tty0"), std::string::npos)
      << running_->err();
}

// A unit known by an alias (the link `Alias=sshd.service` makes): status,
// stop and start by that name act on the unit, in faultctl and systemctl.
TEST_F(Templates, AliasAnsweredByFaultctlAndSystemctl) {
  File("lib/ssh.service",
       "[Unit]\nDescription=OpenBSD Secure Shell server\n[Service]\n"
       "ExecStart=/bin/sh -c 'echo ssh-up; exec sleep 1000'\n");
  Link(lib_ + "/ssh.service", "etc/sshd.service");
  Link(lib_ + "/ssh.service", "etc/multi-user.target.wants/ssh.service");
  Start({"[ssh] ssh-up", "ssh: running"});
  for (const char* name : {"sshd", "sshd.service", "ssh.service"}) {
    CtlResult status = Ctl({"status", name});
    EXPECT_EQ(status.status, "exit 0") << name << ": " << status.out;
    EXPECT_NE(status.out.find("OpenBSD Secure Shell server"), std::string::npos)
        << status.out;
  }
  CtlResult active = Ctl({"is-active", "sshd.service"}, true);
  EXPECT_EQ(active.status, "exit 0") << active.out;
  CtlResult stop = Ctl({"stop", "sshd"});
  EXPECT_EQ(stop.status, "exit 0") << stop.out;
  CtlResult stopped = Ctl({"is-active", "sshd"}, true);
  EXPECT_EQ(stopped.status, "exit 3") << stopped.out;
  CtlResult start = Ctl({"start", "sshd.service"}, true);
  EXPECT_EQ(start.status, "exit 0") << start.out;
  CtlResult running = Ctl({"status", "sshd"});
  EXPECT_EQ(running.status, "exit 0") << running.out;
}

}  // namespace
}  // namespace faultinit::testing
