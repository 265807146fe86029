// unit_install.h against a root of its own (a temporary directory): the
// links enable, disable, mask, unmask and preset make and remove, and
// is-enabled's word for regular, aliased, template, static and masked
// units, as systemd's install.c has them.

#include "init/system/unit_install.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace faultinit {
namespace {

class Install : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/unit-install.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
    paths_.root = root_;
  }
  void TearDown() override {
    ASSERT_EQ(system(("rm -rf " + root_).c_str()), 0);
  }
  void MakeParent(const std::string& path) {
    ASSERT_EQ(system(("mkdir -p " + path.substr(0, path.rfind('/'))).c_str()),
              0);
  }
  void File(const std::string& path, const std::string& text) {
    MakeParent(root_ + path);
    std::ofstream(root_ + path) << text;
  }
  void Link(const std::string& target, const std::string& path) {
    MakeParent(root_ + path);
    ASSERT_EQ(symlink(target.c_str(), (root_ + path).c_str()), 0) << path;
  }
  // Target: the link's target, "" when no link is there.
  std::string Target(const std::string& path) {
    char buffer[4096];
    ssize_t n = readlink((root_ + path).c_str(), buffer, sizeof buffer);
    return n <= 0 ? "" : std::string(buffer, static_cast<size_t>(n));
  }
  bool Exists(const std::string& path) {
    struct stat st;
    return lstat((root_ + path).c_str(), &st) == 0;
  }
  std::string State(const std::string& name) {
    return std::string(UnitFileStateName(UnitInstaller(paths_).State(name)));
  }

  std::string root_;
  InstallPaths paths_;
};

constexpr char kLib[] = "/lib/systemd/system";
constexpr char kEtc[] = "/etc/systemd/system";

TEST(ParseInstallSection, KeysListsResetsAndSpecifiers) {
  std::vector<std::string> warnings;
  auto s = ParseInstallSection(
      "[Unit]\nWantedBy=ignored.target\n[Install]\n"
      "WantedBy=multi-user.target graphical.target\n"
      "WantedBy=\nWantedBy=b.target \\\n  c.target\n"
      "RequiredBy=%p-x.target\nAlias=sshd.service\nAlias=bad.socket\n"
      "Also=a.socket\nFrobnicate=yes\n# WantedBy=comment.target\n",
      "ssh.service", &warnings);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->wanted_by, (std::vector<std::string>{"b.target", "c.target"}));
  EXPECT_EQ(s->required_by, std::vector<std::string>{"ssh-x.target"});
  EXPECT_EQ(s->alias, std::vector<std::string>{"sshd.service"});
  EXPECT_EQ(s->also, std::vector<std::string>{"a.socket"});
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0],
            "line 10: Alias=bad.socket: an alias must have the unit's type; "
            "ignored");
  EXPECT_EQ(warnings[1],
            "line 12: unknown key \"Frobnicate\" in [Install]; "
            "ignored");
}

TEST_F(Install, EnableLinksWantedByRequiredByAliasAndAlso) {
  File(absl::StrCat(kLib, "/web.service"),
       "[Service]\nExecStart=/bin/true\n[Install]\n"
       "WantedBy=multi-user.target\nRequiredBy=web.target\n"
       "Alias=www.service\nAlso=web-log.service\n");
  File(absl::StrCat(kLib, "/web-log.service"),
       "[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=web.target\n");
  EXPECT_EQ(State("web.service"), "disabled");
  UnitInstaller installer(paths_);
  auto r = installer.Enable({"web.service"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  const std::string file = absl::StrCat(kLib, "/web.service");
  EXPECT_EQ(Target(absl::StrCat(kEtc, "/multi-user.target.wants/web.service")),
            file);
  EXPECT_EQ(Target(absl::StrCat(kEtc, "/web.target.requires/web.service")),
            file);
  EXPECT_EQ(Target(absl::StrCat(kEtc, "/www.service")), file);
  EXPECT_EQ(Target(absl::StrCat(kEtc, "/web.target.wants/web-log.service")),
            absl::StrCat(kLib, "/web-log.service"));
  EXPECT_EQ(r->changes.size(), 4u);
  EXPECT_EQ(State("web.service"), "enabled");
  EXPECT_EQ(State("www.service"), "alias");
  EXPECT_EQ(State("web-log.service"), "enabled");
  // Enabling again changes nothing.
  auto again = installer.Enable({"web.service"});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->changes.empty());

  // disable removes every link to it, and Also='s.
  auto d =
      installer.Disable({"web"
                         ".service"});
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->changes.size(), 4u);
  EXPECT_FALSE(
      Exists(absl::StrCat(kEtc, "/multi-user.target.wants/web.service")));
  EXPECT_FALSE(Exists(absl::StrCat(kEtc, "/www.service")));
  EXPECT_FALSE(Exists(absl::StrCat(kEtc, "/web.target.wants/web-log.service")));
  EXPECT_EQ(State("web.service"), "disabled");
}

TEST_F(Install, EnableByAliasNameEnablesTheUnit) {
  File(absl::StrCat(kLib, "/ssh.service"),
       "[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n"
       "Alias=sshd.service\n");
  Link(absl::StrCat(kLib, "/ssh.service"), absl::StrCat(kEtc, "/sshd.service"));
  EXPECT_EQ(State("sshd.service"), "alias");
  // The Alias= link alone makes the unit enabled (install.c: a known name).
  EXPECT_EQ(State("ssh.service"), "enabled");
  auto r = UnitInstaller(paths_).Enable({"sshd.service"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(Target(absl::StrCat(kEtc, "/multi-user.target.wants/ssh.service")),
            absl::StrCat(kLib, "/ssh.service"));
}

TEST_F(Install, StaticIndirectLinkedAndNotFound) {
  File(absl::StrCat(kLib, "/static.service"), "[Service]\nExecStart=/x\n");
  File(absl::StrCat(kLib, "/also.service"),
       "[Service]\nExecStart=/x\n[Install]\nAlso=static.service\n");
  File("/opt/linked.service", "[Service]\nExecStart=/x\n");
  Link("/opt/linked.service", absl::StrCat(kEtc, "/linked.service"));
  EXPECT_EQ(State("static.service"), "static");
  EXPECT_EQ(State("also.service"), "indirect");
  EXPECT_EQ(State("linked.service"), "linked");
  EXPECT_EQ(State("nope.service"), "not-found");
  EXPECT_FALSE(CountsAsEnabled(UnitFileState::kNotFound));
  // A link in a vendor directory's .wants/ does not enable a unit; a link
  // under a name [Install] does not give makes it indirect.
  File(absl::StrCat(kLib, "/vendor.service"),
       "[Service]\nExecStart=/x\n[Install]\nWantedBy=multi-user.target\n");
  Link(absl::StrCat(kLib, "/vendor.service"),
       absl::StrCat(kLib, "/multi-user.target.wants/vendor.service"));
  EXPECT_EQ(State("vendor.service"), "disabled");
  Link(absl::StrCat(kLib, "/vendor.service"),
       absl::StrCat(kEtc, "/other-name.service"));
  EXPECT_EQ(State("vendor.service"), "indirect");

  // enable of a unit without rules: no link, systemctl's warning.
  auto r = UnitInstaller(paths_).Enable({"static.service"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->changes.empty());
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("no installation config"), std::string::npos);
  auto missing = UnitInstaller(paths_).Enable({"nope.service"});
  EXPECT_EQ(missing.status().message(),
            "Unit file nope.service does not exist.");
  EXPECT_EQ(UnitInstaller(paths_).Disable({"nope.service"}).status().code(),
            fault::StatusCode::kNotFound);
}

TEST_F(Install, MaskAndUnmask) {
  File(absl::StrCat(kLib, "/web.service"),
       "[Service]\nExecStart=/x\n[Install]\nWantedBy=multi-user.target\n");
  UnitInstaller installer(paths_);
  auto m = installer.Mask({"web.service"});
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(Target(absl::StrCat(kEtc, "/web.service")), "/dev/null");
  EXPECT_EQ(State("web.service"), "masked");
  EXPECT_FALSE(CountsAsEnabled(UnitFileState::kMasked));
  auto enable = installer.Enable({"web.service"});
  EXPECT_EQ(enable.status().message(),
            absl::StrCat("Unit file ", kEtc, "/web.service is masked."));
  // disable leaves a mask alone.
  auto d = installer.Disable({"web.service"});
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->changes.empty());
  EXPECT_EQ(Target(absl::StrCat(kEtc, "/web.service")), "/dev/null");
  auto u = installer.Unmask({"web.service"});
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->changes.size(), 1u);
  EXPECT_EQ(State("web.service"), "disabled");
  // A real file where the mask would go is refused, and left.
  File(absl::StrCat(kEtc, "/local.service"), "[Service]\nExecStart=/x\n");
  auto refused = installer.Mask({"local.service"});
  EXPECT_EQ(refused.status().message(),
            absl::StrCat("File ", kEtc, "/local.service already exists."));
  EXPECT_EQ(Target(absl::StrCat(kEtc, "/local.service")), "");
  EXPECT_TRUE(installer.Unmask({"local.service"})->changes.empty());
  EXPECT_TRUE(Exists(absl::StrCat(kEtc, "/local.service")));
  // A unit no directory has can be masked (systemctl: a warning).
  auto ghost = installer.Mask({"ghost.service"});
  ASSERT_TRUE(ghost.ok());
  EXPECT_EQ(ghost->warnings.size(), 1u);
  EXPECT_EQ(State("ghost.service"), "masked");
}

TEST_F(Install, TemplatesEnableTheirDefaultInstance) {
  File(absl::StrCat(kLib, "/getty@.service"),
       "[Service]\nExecStart=/sbin/agetty %I\n[Install]\n"
       "WantedBy=getty.target\nDefaultInstance=tty1\n");
  EXPECT_EQ(State("getty@.service"), "disabled");
  UnitInstaller installer(paths_);
  auto r = installer.Enable({"getty@.service"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  const std::string file = absl::StrCat(kLib, "/getty@.service");
  EXPECT_EQ(
      Target(absl::StrCat(kEtc, "/getty.target.wants/getty@tty1.service")),
      file);
  EXPECT_EQ(State("getty@.service"), "enabled");
  // Another instance, by name: linked to the template's file.
  ASSERT_TRUE(installer.Enable({"getty@ttyS0.service"}).ok());
  EXPECT_EQ(
      Target(absl::StrCat(kEtc, "/getty.target.wants/getty@ttyS0.service")),
      file);
  EXPECT_EQ(State("getty@ttyS0.service"), "enabled");
  EXPECT_EQ(State("getty@ttyS1.service"), "disabled");
  // Disabling an instance removes its links only.
  ASSERT_TRUE(installer.Disable({"getty@ttyS0.service"}).ok());
  EXPECT_FALSE(
      Exists(absl::StrCat(kEtc, "/getty.target.wants/getty@ttyS0.service")));
  EXPECT_TRUE(
      Exists(absl::StrCat(kEtc, "/getty.target.wants/getty@tty1.service")));
  // Disabling the template removes all of its instances' links.
  ASSERT_TRUE(installer.Enable({"getty@ttyS0.service"}).ok());
  ASSERT_TRUE(installer.Disable({"getty@.service"}).ok());
  EXPECT_FALSE(
      Exists(absl::StrCat(kEtc, "/getty.target.wants/getty@ttyS0.service")));
  EXPECT_FALSE(
      Exists(absl::StrCat(kEtc, "/getty.target.wants/getty@tty1.service")));

  // A template without DefaultInstance=: no link, a warning; an instance
  // of it enabled makes the template indirect.
  File(absl::StrCat(kLib, "/worker@.service"),
       "[Service]\nExecStart=/x\n[Install]\nWantedBy=multi-user.target\n");
  auto w = installer.Enable({"worker@.service"});
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(w->changes.empty());
  ASSERT_EQ(w->warnings.size(), 1u);
  ASSERT_TRUE(installer.Enable({"worker@a.service"}).ok());
  EXPECT_EQ(State("worker@.service"), "indirect");
}

TEST_F(Install, ExistingOtherLinkIsAnErrorUnlessForced) {
  File(absl::StrCat(kLib, "/web.service"),
       "[Service]\nExecStart=/x\n[Install]\nAlias=www.service\n");
  File(absl::StrCat(kLib, "/other.service"), "[Service]\nExecStart=/x\n");
  Link(absl::StrCat(kLib, "/other.service"),
       absl::StrCat(kEtc, "/www.service"));
  UnitInstaller installer(paths_);
  auto r = installer.Enable({"web.service"});
  EXPECT_EQ(r.status().message(),
            absl::StrCat("File ", kEtc,
                         "/www.service already exists and is a symlink to ",
                         kLib, "/other.service."));
  ASSERT_TRUE(installer.Enable({"web.service"}, /*force=*/true).ok());
  EXPECT_EQ(Target(absl::StrCat(kEtc, "/www.service")),
            absl::StrCat(kLib, "/web.service"));
}

TEST_F(Install, PresetFollowsTheFirstMatchingRule) {
  File(absl::StrCat(kLib, "/a.service"),
       "[Service]\nExecStart=/x\n[Install]\nWantedBy=multi-user.target\n");
  File(absl::StrCat(kLib, "/b.service"),
       "[Service]\nExecStart=/x\n[Install]\nWantedBy=multi-user.target\n");
  File("/lib/systemd/system-preset/90-x.preset",
       "# comment\ndisable b.*\nenable *\n");
  File("/etc/systemd/system-preset/90-x.preset", "disable a.service\n");
  UnitInstaller installer(paths_);
  // /etc's 90-x.preset replaces /lib's: a is disabled, b has no rule.
  EXPECT_EQ(installer.PresetOf("a.service"), "disabled");
  EXPECT_EQ(installer.PresetOf("b.service"), "enabled");
  Link(absl::StrCat(kLib, "/a.service"),
       absl::StrCat(kEtc, "/multi-user.target.wants/a.service"));
  auto only =
      installer.Preset({"a.service", "b.service"}, PresetMode::kEnableOnly);
  ASSERT_TRUE(only.ok()) << only.status().message();
  EXPECT_EQ(State("a.service"), "enabled");  // enable-only: not disabled
  EXPECT_EQ(State("b.service"), "enabled");
  ASSERT_TRUE(installer.Preset({"a.service"}).ok());
  EXPECT_EQ(State("a.service"), "disabled");
}

TEST_F(Install, ListAndFiles) {
  File(absl::StrCat(kLib, "/web.service"),
       "[Service]\nExecStart=/x\n[Install]\nWantedBy=multi-user.target\n");
  File(absl::StrCat(kLib, "/web.service.d/10-a.conf"), "[Service]\n");
  File(absl::StrCat(kEtc, "/web.service.d/20-b.conf"), "[Service]\n");
  Link("/dev/null", absl::StrCat(kEtc, "/gone.service"));
  auto list = UnitInstaller(paths_).List();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].first, "gone.service");
  EXPECT_EQ(list[0].second, UnitFileState::kMasked);
  EXPECT_EQ(list[1].first, "web.service");
  EXPECT_EQ(list[1].second, UnitFileState::kDisabled);
  auto files = UnitInstaller(paths_).Files("web.service");
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(*files, (std::vector<std::string>{
                        absl::StrCat(kLib, "/web.service"),
                        absl::StrCat(kLib, "/web.service.d/10-a.conf"),
                        absl::StrCat(kEtc, "/web.service.d/20-b.conf")}));
  EXPECT_EQ(UnitInstaller(paths_).Files("gone.service").status().code(),
            fault::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace faultinit
