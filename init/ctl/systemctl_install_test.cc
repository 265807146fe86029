// systemctl_install.h: what the unit file verbs ask of the running
// faultinit (a daemon-reload after a change, the start or stop of --now),
// and their exit statuses, over a root of their own. The command's root
// is set without --root (root_given false), as if "/" were that root.

#include "init/ctl/systemctl_install.h"

#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "init/ctl/systemctl_command.h"

namespace faultinit::systemctl {
namespace {

class UnitFileVerbs : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/systemctl-install.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
    ASSERT_EQ(system(("mkdir -p " + root_ + "/lib/systemd/system").c_str()), 0);
    std::ofstream(root_ + "/lib/systemd/system/web.service")
        << "[Service]\nExecStart=/x\n[Install]\nWantedBy=multi-user.target\n";
    hooks_.reload = [this] {
      calls_.push_back("reload");
      return reload_ok_;
    };
    hooks_.transition = [this](bool start,
                               const std::vector<std::string>& names) {
      std::string call = start ? "start" : "stop";
      for (const std::string& n : names) call += " " + n;
      calls_.push_back(call);
      return 0;
    };
  }
  void TearDown() override {
    ASSERT_EQ(system(("rm -rf " + root_).c_str()), 0);
  }
  int Run(std::vector<std::string> args) {
    fault::StatusOr<SystemctlCommand> c = ParseSystemctlCommandLine(args);
    EXPECT_TRUE(c.ok()) << c.status().message();
    if (!c.ok()) return -1;
    c->root = root_;
    return RunUnitFileVerb(*c, "systemctl", hooks_);
  }

  std::string root_;
  InstallHooks hooks_;
  bool reload_ok_ = true;
  std::vector<std::string> calls_;
};

TEST_F(UnitFileVerbs, ReloadAfterAChangeAndNowStartsOrStops) {
  EXPECT_EQ(Run({"enable", "--now", "-q", "web"}), 0);
  EXPECT_EQ(calls_, (std::vector<std::string>{"reload", "start web"}));
  calls_.clear();
  // Nothing changed: no reload; --now still starts.
  EXPECT_EQ(Run({"enable", "--now", "-q", "web"}), 0);
  EXPECT_EQ(calls_, std::vector<std::string>{"start web"});
  calls_.clear();
  EXPECT_EQ(Run({"disable", "--now", "--no-reload", "-q", "web"}), 0);
  EXPECT_EQ(calls_, std::vector<std::string>{"stop web"});
  calls_.clear();
  EXPECT_EQ(Run({"mask", "-q", "web"}), 0);
  EXPECT_EQ(calls_, std::vector<std::string>{"reload"});
  calls_.clear();
  // A refused reload fails the verb (the files are changed all the same).
  reload_ok_ = false;
  EXPECT_EQ(Run({"unmask", "-q", "web"}), 1);
  EXPECT_EQ(calls_, std::vector<std::string>{"reload"});
}

TEST_F(UnitFileVerbs, ExitStatuses) {
  EXPECT_EQ(Run({"is-enabled", "-q", "web"}), 1);   // disabled
  EXPECT_EQ(Run({"is-enabled", "-q", "nope"}), 4);  // not-found
  EXPECT_EQ(Run({"is-enabled", "-q", "nope", "web"}), 1);
  EXPECT_EQ(Run({"enable", "-q", "nope"}), 1);
  EXPECT_EQ(Run({"enable", "-q", "web"}), 0);
  EXPECT_EQ(Run({"is-enabled", "-q", "nope", "web"}), 0);  // one enabled
  EXPECT_EQ(Run({"cat", "web"}), 0);
  EXPECT_EQ(Run({"cat", "nope"}), 1);
  EXPECT_EQ(Run({"list-unit-files", "--no-legend"}), 0);
  EXPECT_TRUE(calls_ == std::vector<std::string>{"reload"});
}

// What status says of a unit faultinit does not know.
TEST_F(UnitFileVerbs, MaskedUnit) {
  EXPECT_FALSE(MaskedUnit("web.service", root_));
  EXPECT_EQ(Run({"mask", "-q", "web", "ghost"}), 0);
  EXPECT_TRUE(MaskedUnit("web.service", root_));
  EXPECT_TRUE(MaskedUnit("ghost.service", root_));
  EXPECT_FALSE(MaskedUnit("other.service", root_));
}

}  // namespace
}  // namespace faultinit::systemctl
