// systemd's layout in the real faultinit (system mode, PID 1 of a fresh
// PID namespace) over a small tree of its own (`--units-path ETC:LIB`),
// observed through its log and the real faultctl: a drop-in's effect (an
// empty ExecStart= resets the list), a masked unit not loaded though
// enabled, an enabled unit started through a .wants/ link (also by an
// alias's name), a unit not enabled not held, loaded when `faultctl
// status` names it and not started until `faultctl start`; and `faultinit
// --check --units-path` naming a bad drop-in's file and line.

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "runtime/testing/child.h"
#include "tests/harness.h"

namespace faultinit::testing {
namespace {

class Layout : public UnitDirectoryTest {
 protected:
  void SetUp() override {
    UnitDirectoryTest::SetUp();
    if (IsSkipped()) return;
    etc_ = dir_ + "/etc";
    lib_ = dir_ + "/lib";
    ASSERT_EQ(mkdir(etc_.c_str(), 0755), 0);
    ASSERT_EQ(mkdir(lib_.c_str(), 0755), 0);
    char pattern[] = "/var/tmp/faultinit-layout.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    base_ = pattern;
    socket_ = base_ + "/control";
  }
  void TearDown() override {
    if (running_) {
      running_->Signal(SIGTERM);
      EXPECT_EQ(running_->Wait().ToString(), "exit 0");
    }
    if (!base_.empty()) {
      EXPECT_EQ(system(("rm -rf " + base_).c_str()), 0);
    }
  }
  // File writes `text` at `name` under the tree, making its directory.
  void File(const std::string& name, const std::string& text) {
    const std::string path = absl::StrCat(dir_, "/", name);
    mkdir(path.substr(0, path.rfind('/')).c_str(), 0755);
    ASSERT_TRUE(WriteFile(path, text)) << path;
  }
  // Link makes the symbolic link `name` under the tree to `target`.
  void Link(const std::string& target, const std::string& name) {
    const std::string path = absl::StrCat(dir_, "/", name);
    mkdir(path.substr(0, path.rfind('/')).c_str(), 0755);
    ASSERT_EQ(symlink(target.c_str(), path.c_str()), 0) << path;
  }
  std::string UnitsPath() const { return etc_ + ":" + lib_; }
  void Start(const std::vector<std::string>& lines) {
    LaunchOptions o;
    o.args = {"-v", "--units-path", UnitsPath(), "--control", socket_};
    o.pid_namespace = true;
    running_ = std::make_unique<Running>(o);
    ASSERT_TRUE(running_->WaitForAllStderr(lines)) << running_->err();
  }
  struct CtlResult {
    std::string status;
    std::string out;
  };
  CtlResult Ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {FaultctlPath(), "--socket", socket_});
    fault::testing::ChildResult r = fault::testing::RunInChild([&] {
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    });
    return {r.status.ToString(), r.out + r.err};
  }

  std::string etc_, lib_, base_, socket_;
  std::unique_ptr<Running> running_;
};

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
