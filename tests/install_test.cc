// [Install] end to end: the real faultinit (system mode, PID 1 of a fresh
// PID namespace) over systemd's layout under a root of its own, and the
// real binary called as systemctl (and faultctl) with --root on it:
// `enable` links a unit WantedBy=multi-user.target, and the next boot
// starts it; `mask` keeps it from starting (a daemon-reload leaves it
// running until it is stopped);
// `unmask` and `disable` undo them; `is-enabled` answers systemctl's words
// and exit statuses all along.

#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "runtime/duration.h"
#include "runtime/testing/child.h"
#include "tests/harness.h"

namespace faultinit::testing {
namespace {

using Outcome = ClientResult;

class Install : public ScratchTest {
 protected:
  void SetUp() override {
    ScratchTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    root_ = base_ + "/root";
    socket_ = base_ + "/control";
    systemctl_ = base_ + "/systemctl";
    ASSERT_EQ(symlink(FaultinitPath().c_str(), systemctl_.c_str()), 0);
    ASSERT_EQ(system(("mkdir -p " + root_ + "/etc/systemd/system " + root_ +
                      "/lib/systemd/system")
                         .c_str()),
              0);
    const std::string lib = root_ + "/lib/systemd/system";
    ASSERT_EQ(symlink("multi-user.target", (lib + "/default.target").c_str()),
              0);
    ASSERT_TRUE(WriteFile(lib + "/multi-user.target", "[Unit]\n"));
    ASSERT_TRUE(WriteFile(lib + "/web.service",
                          "[Unit]\nDescription=the web\n[Service]\n"
                          "ExecStart=/bin/sh -c 'echo web-up; "
                          "exec sleep 1000'\n"
                          "[Install]\nWantedBy=multi-user.target\n"));
    ASSERT_TRUE(WriteFile(lib + "/helper.service",
                          "[Service]\nExecStart=/bin/sleep 1000\n"));
  }
  // Boot starts faultinit over the root's /etc and /lib and waits for its
  // "starting multi-user.target" line (which names what it starts).
  void Boot(const std::vector<std::string>& lines) {
    LaunchOptions o;
    o.args = {"-v", "--units-path",
              root_ + "/etc/systemd/system:" + root_ + "/lib/systemd/system",
              "--control", socket_};
    o.pid_namespace = true;
    running_ = std::make_unique<Running>(o);
    ASSERT_TRUE(running_->WaitForAllStderr(lines)) << running_->err();
    // The control socket may come after that line: poll until faultinit
    // answers (each poll a full request, no sleep; a 30 s deadline).
    const auto deadline = fault::MonotonicNow() + fault::Seconds(30);
    while (Systemctl({"is-system-running"}).out == "offline\n") {
      ASSERT_LT(fault::MonotonicNow(), deadline) << "faultinit never answered";
    }
  }
  void Stop() {
    if (running_) {
      EXPECT_EQ(running_->Terminate().ToString(), "exit 0");
      running_.reset();
    }
  }
  Outcome Run(std::string program, std::vector<std::string> args) {
    return RunClient(program, socket_, std::move(args));
  }
  // RunMasked: Run with /etc/systemd/system, in a mount namespace of the
  // child's own, an empty tmpfs where `unit` is masked: what status looks
  // at (it looks under "/"), without touching the host's.
  Outcome RunMasked(std::string program, std::vector<std::string> args,
                    const std::string& unit) {
    args.insert(args.begin(), {program, "--socket", socket_});
    fault::testing::ChildResult r = fault::testing::RunInChild([&] {
      if (unshare(CLONE_NEWNS) != 0 ||
          mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
          mount("tmpfs", "/etc/systemd/system", "tmpfs", 0, "mode=0755") != 0 ||
          symlink("/dev/null", ("/etc/systemd/system/" + unit).c_str()) != 0) {
        _exit(126);
      }
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    });
    return {r.status.ToString(), r.out, r.err};
  }
  Outcome Systemctl(std::vector<std::string> args) {
    return Run(systemctl_, std::move(args));
  }
  std::string Root() const { return "--root=" + root_; }

  std::string root_, socket_, systemctl_;
};

TEST_F(Install, EnableBootsMaskKeepsFromStarting) {
  // Not enabled: loaded, not started.
  Boot({"starting multi-user.target: "});
  EXPECT_EQ(running_->err().find("web-up"), std::string::npos);
  Outcome state = Systemctl({Root(), "is-enabled", "web"});
  EXPECT_EQ(state.status, "exit 1");
  EXPECT_EQ(state.out, "disabled\n");
  Outcome other = Systemctl({Root(), "is-enabled", "helper.service"});
  EXPECT_EQ(other.status, "exit 0");  // no [Install]: static counts
  EXPECT_EQ(other.out, "static\n");
  Outcome missing = Systemctl({Root(), "is-enabled", "nope"});
  EXPECT_EQ(missing.status, "exit 4");
  EXPECT_EQ(missing.out, "not-found\n");

  Outcome enable = Systemctl({Root(), "enable", "web.service"});
  EXPECT_EQ(enable.status, "exit 0") << enable.err;
  EXPECT_EQ(enable.err,
            "Created symlink /etc/systemd/system/multi-user.target.wants/"
            "web.service \xe2\x86\x92 /lib/systemd/system/web.service.\n");
  state = Systemctl({Root(), "is-enabled", "web"});
  EXPECT_EQ(state.status, "exit 0");
  EXPECT_EQ(state.out, "enabled\n");

  Outcome list = Systemctl({Root(), "list-unit-files", "--type=service"});
  EXPECT_EQ(list.status, "exit 0") << list.err;
  EXPECT_EQ(list.out,
            "UNIT FILE      STATE   VENDOR PRESET\n"
            "helper.service static  -\n"
            "web.service    enabled enabled\n"
            "\n"
            "2 unit files listed.\n");
  const std::string dropins = root_ + "/etc/systemd/system/web.service.d";
  ASSERT_EQ(mkdir(dropins.c_str(), 0755), 0);
  ASSERT_TRUE(
      WriteFile(dropins + "/10-env.conf", "[Service]\nEnvironment=A=1\n"));
  Outcome cat = Systemctl({Root(), "cat", "web"});
  EXPECT_EQ(cat.status, "exit 0") << cat.err;
  EXPECT_EQ(cat.out,
            "# /lib/systemd/system/web.service\n"
            "[Unit]\nDescription=the web\n[Service]\n"
            "ExecStart=/bin/sh -c 'echo web-up; exec sleep 1000'\n"
            "[Install]\nWantedBy=multi-user.target\n"
            "\n# /etc/systemd/system/web.service.d/10-env.conf\n"
            "[Service]\nEnvironment=A=1\n");

  // The next boot starts it.
  Stop();
  Boot({"starting multi-user.target: web", "[web] web-up", "web: running"});

  // mask: masked; a daemon-reload leaves it running, as systemd's, and it
  // is forgotten once stopped; the next boot does not start it.
  Outcome mask = Systemctl({Root(), "mask", "web"});
  EXPECT_EQ(mask.status, "exit 0") << mask.err;
  state = Systemctl({Root(), "is-enabled", "web"});
  EXPECT_EQ(state.status, "exit 1");
  EXPECT_EQ(state.out, "masked\n");
  EXPECT_EQ(Systemctl({"daemon-reload"}).status, "exit 0");
  ASSERT_TRUE(running_->WaitForAllStderr({"removed [web]"})) << running_->err();
  Outcome active = Systemctl({"is-active", "web"});
  EXPECT_EQ(active.out, "active\n") << active.err;
  EXPECT_EQ(Systemctl({"stop", "web"}).status, "exit 0");
  ASSERT_TRUE(running_->WaitForAllStderr({"web: removed"})) << running_->err();
  Stop();
  Boot({"starting multi-user.target: ; masked: web"});
  EXPECT_EQ(running_->err().find("web-up"), std::string::npos);
  // status of the masked unit (faultinit does not load it) says masked,
  // for systemctl and faultctl; a unit not masked stays unknown.
  Outcome status = RunMasked(systemctl_, {"status", "web"}, "web.service");
  EXPECT_EQ(status.status, "exit 3") << status.err;
  EXPECT_EQ(status.out,
            "\xe2\x97\x8b web.service\n"
            "     Loaded: masked (Reason: Unit web.service is masked.)\n"
            "     Active: inactive (dead)\n");
  Outcome faultctl_status =
      RunMasked(FaultctlPath(), {"status", "web"}, "web.service");
  EXPECT_EQ(faultctl_status.status, "exit 3") << faultctl_status.err;
  EXPECT_EQ(faultctl_status.out,
            "web: masked (its unit file is a link to /dev/null: not loaded; "
            "faultctl unmask web)\n");
  Outcome unknown = RunMasked(systemctl_, {"status", "nope"}, "web.service");
  EXPECT_EQ(unknown.status, "exit 4");
  EXPECT_EQ(unknown.err, "systemctl: Unit nope.service could not be found.\n");

  // unmask (faultctl's verb this time), and it is enabled again; disable
  // removes the link.
  Outcome unmask = Run(FaultctlPath(), {Root(), "unmask", "web"});
  EXPECT_EQ(unmask.status, "exit 0") << unmask.err;
  EXPECT_EQ(unmask.err, "Removed \"/etc/systemd/system/web.service\".\n");
  EXPECT_EQ(Systemctl({Root(), "is-enabled", "web"}).out, "enabled\n");
  Outcome disable = Run(FaultctlPath(), {Root(), "disable", "web"});
  EXPECT_EQ(disable.status, "exit 0") << disable.err;
  EXPECT_EQ(Systemctl({Root(), "is-enabled", "web"}).out, "disabled\n");
  struct stat st;
  EXPECT_NE(lstat((root_ + "/etc/systemd/system/multi-user.target.wants/"
                           "web.service")
                      .c_str(),
                  &st),
            0);
}

// Errors are one line: systemctl's exit 1, faultctl's usage exit 2.
TEST_F(Install, RootMustBeAbsoluteAndFaultctlUsageExitsTwo) {
  Outcome bad = Systemctl({"--root=relative", "enable", "web"});
  EXPECT_EQ(bad.status, "exit 1");
  EXPECT_EQ(bad.err,
            "systemctl: --root: \"relative\" is not an absolute path\n");
  Outcome faultctl_bad = Run(FaultctlPath(), {"--root=relative", "mask", "x"});
  EXPECT_EQ(faultctl_bad.status, "exit 2");
  EXPECT_EQ(faultctl_bad.err,
            "faultctl: --root: \"relative\" is not an absolute path\n");
  Outcome refused = Systemctl({Root(), "enable", "nope"});
  EXPECT_EQ(refused.status, "exit 1");
  EXPECT_EQ(refused.err,
            "systemctl: Failed to enable unit: Unit file nope.service does "
            "not exist.\n");
}

// Offline (--root): --now makes the links, then refuses the start or stop
// with systemctl's message and exit 1; a running faultinit is neither
// reloaded nor asked to start anything.
TEST_F(Install, NowWithRootMakesTheLinksAndRefusesTheRest) {
  Boot({"starting multi-user.target: "});
  Outcome enable = Systemctl({Root(), "--now", "enable", "web"});
  EXPECT_EQ(enable.status, "exit 1");
  EXPECT_EQ(enable.err,
            "Created symlink /etc/systemd/system/multi-user.target.wants/"
            "web.service \xe2\x86\x92 /lib/systemd/system/web.service.\n"
            "systemctl: --now cannot be used when systemd is not running or "
            "in conjunction with --root=/--global, refusing.\n");
  EXPECT_EQ(Systemctl({Root(), "is-enabled", "web"}).out, "enabled\n");
  Outcome active = Systemctl({"is-active", "web"});
  EXPECT_EQ(active.out, "inactive\n");
  Outcome disable = Systemctl({Root(), "disable", "--now", "web"});
  EXPECT_EQ(disable.status, "exit 1");
  EXPECT_EQ(disable.err,
            "Removed \"/etc/systemd/system/multi-user.target.wants/"
            "web.service\".\n"
            "systemctl: --now cannot be used when systemd is not running or "
            "in conjunction with --root=/--global, refusing.\n");
  EXPECT_EQ(Systemctl({Root(), "is-enabled", "web"}).out, "disabled\n");
  EXPECT_EQ(running_->err().find("reloaded"), std::string::npos)
      << running_->err();
}

}  // namespace
}  // namespace faultinit::testing
