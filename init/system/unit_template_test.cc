// Tests of templates and instances in the systemd layout: which instances
// are loaded, from which file, under which name, with which drop-ins and
// specifiers, on temporary trees.

#include "init/system/unit_template.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "init/system/testing/unit_tree.h"
#include "init/system/unit_layout.h"

namespace faultinit::testing {
namespace {

using Names = std::vector<std::string>;

void DefaultTarget(const Tree& tree) {
  tree.Write("lib/multi-user.target", "[Unit]\nDescription=m\n");
  tree.Link("multi-user.target", "lib/default.target");
}

TEST(UnitTemplate, WantsLinkInstantiatesWithSpecifiers) {
  Tree tree;
  DefaultTarget(tree);
  tree.Write("lib/echo@.service", Service("/bin/echo %i %I %n %N %p %P %j %J",
                                          "Description=echo on %I"));
  tree.Link("../echo@.service", "etc/multi-user.target.wants/echo@a-b.service");
  tree.Link("../echo@.service",
            "etc/multi-user.target.wants/echo@x\\x2dy.service");
  LoadedUnits units = LoadUnitLayout(tree.SearchPath(), "default.target");
  EXPECT_EQ(UnitNames(units.units), "echo@a-b echo@x\\x2dy");
  EXPECT_FALSE(units.has_errors());
  EXPECT_EQ(NotTargets(units.boot), (Names{"echo@a-b", "echo@x\\x2dy"}));
  const ParsedUnit* ab = units.Find("echo@a-b");
  ASSERT_NE(ab, nullptr);
  EXPECT_EQ(ab->unit.path, tree.Path("lib/echo@.service"));
  EXPECT_EQ(Words(ab),
            "/bin/echo a-b a/b echo@a-b.service echo@a-b echo echo echo echo");
  // As in systemd, specifiers are replaced before the command line's C
  // escapes are read: "\x2d" in %i reaches the command as "-".
  EXPECT_EQ(Words(units.Find("echo@x\\x2dy")),
            "/bin/echo x-y x-y echo@x-y.service echo@x-y echo echo echo echo");
  EXPECT_EQ(units.Find("echo@x\\x2dy")->unit.description, "echo on x-y");
  EXPECT_EQ(units.Find("echo@a-b")->unit.description, "echo on a/b");
}

TEST(UnitTemplate, DashedPrefixGivesJ) {
  Tree tree;
  tree.Write("lib/my-app@.service", Service("/bin/echo %p %j %J"));
  LoadedUnits units = LoadUnitLayout(tree.SearchPath(), "default.target",
                                     {{"my-app@1.service"}, {}});
  EXPECT_EQ(Words(units.Find("my-app@1")), "/bin/echo my-app app app");
}

TEST(UnitTemplate, DependencyInstantiatesTransitively) {
  Tree tree;
  DefaultTarget(tree);
  tree.Write(
      "lib/web.service",
      Service("/bin/web", "Wants=worker@1.service\nAfter=worker@1.service"));
  tree.Write("lib/worker@.service",
             Service("/bin/worker %i", "Requires=log@%i.service"));
  tree.Write("lib/log@.service", Service("/bin/log %i"));
  tree.Link("../web.service", "lib/multi-user.target.wants/web.service");
  LoadedUnits units = LoadUnitLayout(tree.SearchPath(), "default.target");
  EXPECT_EQ(UnitNames(units.units), "log@1 web worker@1");
  EXPECT_FALSE(units.has_errors());
  EXPECT_EQ(NotTargets(units.boot), (Names{"log@1", "worker@1", "web"}));
  EXPECT_EQ(Words(units.Find("log@1")), "/bin/log 1");
}

TEST(UnitTemplate, OwnFileWinsAndBothDropInsApply) {
  Tree tree;
  tree.Write("lib/getty@.service", Service("/bin/template %i"));
  tree.Write("etc/getty@tty1.service", Service("/bin/own %i"));
  tree.Write("lib/getty@.service.d/10-t.conf",
             "[Service]\nEnvironment=A=template B=template\n");
  tree.Write("etc/getty@tty2.service.d/20-i.conf",
             "[Service]\nEnvironment=B=instance\n");
  LoadedUnits units =
      LoadUnitLayout(tree.SearchPath(), "default.target",
                     {{"getty@tty1.service", "getty@tty2.service"}, {}});
  EXPECT_EQ(UnitNames(units.units), "getty@tty1 getty@tty2");
  EXPECT_EQ(Words(units.Find("getty@tty1")), "/bin/own tty1");
  EXPECT_EQ(units.Find("getty@tty1")->unit.path,
            tree.Path("etc/getty@tty1.service"));
  const ParsedUnit* tty2 = units.Find("getty@tty2");
  ASSERT_NE(tty2, nullptr);
  EXPECT_EQ(Words(tty2), "/bin/template tty2");
  EXPECT_EQ(tty2->unit.environment.at("A"), "template");
  EXPECT_EQ(tty2->unit.environment.at("B"), "instance");
}

TEST(UnitTemplate, MaskedTemplateMasksItsInstances) {
  Tree tree;
  tree.Write("lib/getty@.service", Service("/bin/getty %i"));
  tree.Link("/dev/null", "etc/getty@.service");
  tree.Write("lib/other@.service", Service("/bin/other %i"));
  tree.Link("/dev/null", "etc/other@b.service");
  tree.Write(
      "lib/app.service",
      Service("/bin/app", "Requires=getty@a.service\nWants=other@b.service"));
  LoadedUnits units = LoadUnitLayout(tree.SearchPath(), "default.target");
  EXPECT_EQ(UnitNames(units.units), "app");
  EXPECT_EQ(units.masked, (Names{"other@b", "getty@a"}));
  EXPECT_FALSE(units.Find("app")->ok());
}

TEST(UnitTemplate, NoTemplateNoInstance) {
  Tree tree;
  tree.Write("lib/app.service", Service("/bin/app", "Wants=nothing@x.service"));
  LoadedUnits units = LoadUnitLayout(tree.SearchPath(), "default.target",
                                     {{"missing@y.service"}, {}});
  EXPECT_EQ(UnitNames(units.units), "app");
}

TEST(UnitTemplate, GeneratedWantsArePulledIn) {
  Tree tree;
  DefaultTarget(tree);
  tree.Write("lib/getty.target", "[Unit]\nDescription=g\n");
  tree.Link("../getty.target", "lib/multi-user.target.wants/getty.target");
  tree.Write("lib/serial-getty@.service", Service("/sbin/agetty %I"));
  LoadedUnits units = LoadUnitLayout(
      tree.SearchPath(), "default.target",
      {{}, {{"getty.target", {"serial-getty@ttyAMA0.service"}}}});
  EXPECT_EQ(NotTargets(units.boot), (Names{"serial-getty@ttyAMA0"}));
  EXPECT_EQ(Words(units.Find("serial-getty@ttyAMA0")), "/sbin/agetty ttyAMA0");
}

TEST(UnitTemplate, SelfInstantiationEndsAtTheNameLimit) {
  Tree tree;
  tree.Write("lib/a@.service", Service("/bin/a", "Wants=a@%i-x.service"));
  LoadedUnits units = LoadUnitLayout(tree.SearchPath(), "default.target",
                                     {{"a@x.service"}, {}});
  // Each instance names a longer one until the name would pass 255 bytes.
  EXPECT_GT(units.units.size(), 50u);
  EXPECT_LT(units.units.size(), 256u);
}

TEST(UnitTemplate, FindInstanceFile) {
  Tree tree;
  tree.Write("lib/t@.service", Service("/bin/t"));
  tree.Write("etc/t@own.service", Service("/bin/own"));
  UnitSearchPath path = ScanUnitSearchPath(tree.SearchPath());
  std::optional<InstanceFile> own = FindInstanceFile(path, "t@own.service");
  ASSERT_TRUE(own.has_value());
  EXPECT_FALSE(own->from_template);
  EXPECT_EQ(own->file->path, tree.Path("etc/t@own.service"));
  std::optional<InstanceFile> other = FindInstanceFile(path, "t@x.service");
  ASSERT_TRUE(other.has_value());
  EXPECT_TRUE(other->from_template);
  EXPECT_EQ(other->file->path, tree.Path("lib/t@.service"));
  EXPECT_FALSE(FindInstanceFile(path, "t@.service").has_value());
  EXPECT_FALSE(FindInstanceFile(path, "u@x.service").has_value());
}

}  // namespace
}  // namespace faultinit::testing
