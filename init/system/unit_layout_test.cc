// Tests of the systemd layout: the search path's precedence, masks,
// aliases, drop-ins and the closure of the start unit, on temporary trees.

#include "init/system/unit_layout.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "init/system/source_digest.h"
#include "init/system/testing/unit_tree.h"
#include "init/system/unit_closure.h"
#include "init/system/unit_dropins.h"
#include "init/system/unit_search_path.h"

namespace faultinit::testing {
namespace {

using Names = std::vector<std::string>;

TEST(UnitSearchPath, FirstDirectoryHoldingANameWins) {
  Tree tree;
  tree.Write("lib/web.service", Service("/bin/lib"));
  tree.Write("etc/web.service", Service("/bin/etc"));
  tree.Write("lib/only.service", Service("/bin/only"));
  LoadedUnits units = LoadUnitLayout(tree.SearchPath(), "default.target");
  EXPECT_EQ(UnitNames(units.units), "only web");
  // No default.target: the built-in multi-user.target, which wants no
  // service here.
  EXPECT_TRUE(units.diagnostics.empty());
  EXPECT_EQ(units.start_unit, "multi-user.target");
  EXPECT_TRUE(NotTargets(units.boot).empty());
  EXPECT_EQ(Words(units.Find("web")), "/bin/etc");
  EXPECT_EQ(units.Find("web")->unit.path, tree.Path("etc/web.service"));
}

// A template linked without an instance in an alias's .wants/ takes the
// unit's own name, as systemd resolves it by the unit's id.
TEST(UnitSearchPath, TemplateLinkInAnAliasDirectoryTakesTheUnitsName) {
  Tree tree;
  tree.Write("lib/web.service", Service("/bin/web"));
  tree.Link(tree.Path("lib/web.service"), "etc/www.service");
  tree.Write("lib/log@.service", Service("/bin/log"));
  tree.Link(tree.Path("lib/log@.service"),
            "etc/www.service.wants/log@.service");
  tree.Link(tree.Path("lib/web.service"),
            "etc/multi-user.target.wants/web.service");
  LoadedUnits units = LoadUnitLayout(tree.SearchPath(), "default.target");
  ASSERT_NE(units.Find("web"), nullptr);
  Names wanted;
  for (const Dependency& d : units.Find("web")->unit.wanted) {
    wanted.push_back(d.name);
  }
  EXPECT_EQ(wanted, (Names{"log@web"}));
  EXPECT_EQ(NotTargets(units.boot), (Names{"log@web", "web"}));
}

TEST(UnitSearchPath, SystemdsDefault) {
  EXPECT_EQ(DefaultUnitSearchPath(),
            (Names{"/etc/systemd/system", "/run/systemd/system",
                   "/lib/systemd/system", "/usr/lib/systemd/system"}));
}

TEST(UnitSearchPath, MaskedByALinkToDevNullOrAnEmptyFile) {
  Tree tree;
  tree.Write("lib/a.service", Service("/bin/a"));
  tree.Link("/dev/null", "etc/a.service");
  tree.Write("lib/b.service", Service("/bin/b"));
  tree.Write("etc/b.service", "");
  tree.Write("lib/c.service", Service("/bin/c"));
  LoadedUnits units = LoadUnitLayout(tree.SearchPath(), "default.target");
  EXPECT_EQ(UnitNames(units.units), "c");
  EXPECT_EQ(units.masked, (Names{"a", "b"}));
  EXPECT_FALSE(units.has_errors());
}

TEST(UnitSearchPath, RequiringAMaskedUnitFails) {
  Tree tree;
  tree.Write("lib/db.service", Service("/bin/db"));
  tree.Link("/dev/null", "etc/db.service");
  tree.Write("lib/app.service",
             Service("/bin/app", "Requires=db.service\nAfter=db.service"));
  tree.Write("lib/web.service", Service("/bin/web", "Requires=app.service"));
  tree.Write("lib/opt.service", Service("/bin/opt", "Wants=db.service"));
  LoadedUnits units = LoadUnitLayout(tree.SearchPath(), "default.target");
  ASSERT_NE(units.Find("app"), nullptr);
  EXPECT_FALSE(units.Find("app")->ok());
  EXPECT_EQ(units.Find("app")->diagnostics.front().ToString(),
            absl::StrCat(tree.Path("lib/app.service"),
                         ":2: error: Requires: unit \"db\" is masked; this "
                         "unit cannot start"));
  EXPECT_FALSE(units.Find("web")->ok());  // through Requires=app
  ASSERT_NE(units.Find("opt"), nullptr);
  EXPECT_TRUE(units.Find("opt")->ok());
  EXPECT_TRUE(units.Find("opt")->diagnostics.empty());
  EXPECT_TRUE(units.Find("opt")->unit.wanted.empty());
}

TEST(UnitSearchPath, AliasesResolveToOneUnit) {
  Tree tree;
  tree.Write("lib/ssh.service", Service("/bin/sshd"));
  // An alias in a directory of higher precedence, as `systemctl enable`
  // makes from Alias=sshd.service.
  tree.Link(tree.Path("lib/ssh.service"), "etc/sshd.service");
  tree.Write("lib/client.service",
             Service("/bin/client", "Wants=sshd.service\nAfter=sshd"));
  // Alias= alone (not enabled) makes no name.
  tree.Write("lib/web.service",
             Service("/bin/web") + "[Install]\nAlias=www.service\n");
  // A linked unit file: the link has the file's own name.
  tree.Write("elsewhere/linked.service", Service("/bin/linked"));
  tree.Link(tree.Path("elsewhere/linked.service"), "etc/linked.service");
  LoadedUnits units = LoadUnitLayout(tree.SearchPath(), "default.target");
  EXPECT_EQ(UnitNames(units.units), "client linked ssh web");
  const ParsedUnit* client = units.Find("client");
  ASSERT_NE(client, nullptr);
  ASSERT_EQ(client->unit.wanted.size(), 1u);
  EXPECT_EQ(client->unit.wanted[0].name, "ssh");
  EXPECT_EQ(client->unit.after[0].name, "ssh");
  EXPECT_EQ(Words(units.Find("linked")), "/bin/linked");

  UnitSearchPath path = ScanUnitSearchPath(tree.SearchPath());
  std::optional<ResolvedUnitFile> sshd = path.Resolve("sshd.service");
  ASSERT_TRUE(sshd.has_value());
  EXPECT_EQ(sshd->name, "ssh.service");
  EXPECT_FALSE(path.Resolve("www.service").has_value());
  EXPECT_EQ(path.Aliases().at("ssh.service"), (Names{"sshd.service"}));
}

TEST(UnitSearchPath, AliasLoopsAndOtherTypesAreWarnings) {
  Tree tree;
  // A loop of names: each link leads to a file, named as the other.
  tree.Write("x/b.service", Service("/bin/b"));
  tree.Write("y/a.service", Service("/bin/a"));
  tree.Link(tree.Path("x/b.service"), "lib/a.service");
  tree.Link(tree.Path("y/a.service"), "etc/b.service");
  // A loop of links.
  tree.Link("d.service", "lib/c.service");
  tree.Link("c.service", "lib/d.service");
  tree.Write("lib/t.target", "[Unit]\n");
  tree.Link(tree.Path("lib/t.target"), "lib/x.service");
  UnitSearchPath path = ScanUnitSearchPath(tree.SearchPath());
  EXPECT_FALSE(path.Resolve("a.service").has_value());
  std::string all;
  for (const Diagnostic& d : path.diagnostics) {
    absl::StrAppend(&all, d.ToString(), "\n");
  }
  EXPECT_TRUE(absl::StrContains(all,
                                "lib/a.service: warning: alias of "
                                "b.service, which resolves to no unit"))
      << all;
  EXPECT_TRUE(absl::StrContains(all, "x.service: warning: alias to ")) << all;
  EXPECT_TRUE(absl::StrContains(all,
                                "lib/c.service: warning: link to d.service "
                                "leads nowhere (Too many levels of symbolic "
                                "links); ignored"))
      << all;
}

TEST(UnitDropIns, MergedByFileNameAndAppliedInLexicalOrder) {
  Tree tree;
  tree.Write("lib/web.service", Service("/bin/web", "Description=plain") +
                                    "Environment=A=main B=main\n");
  // Replaced whole by /etc's file of the same name.
  tree.Write("lib/web.service.d/10-env.conf", "[Service]\nEnvironment=A=lib\n");
  tree.Write("etc/web.service.d/10-env.conf", "[Service]\nEnvironment=A=etc\n");
  // Applied after 10-env.conf, though in a directory of lower precedence.
  tree.Write("lib/web.service.d/20-exec.conf",
             "[Service]\nExecStart=\nExecStart=/bin/web --dropin\n");
  // The top-level service.d/ applies to every service, in the same order.
  tree.Write("lib/service.d/05-all.conf",
             "[Unit]\nDescription=from service.d\n[Service]\n"
             "Environment=B=top\n");
  // Masked by a link to /dev/null of the same name.
  tree.Write("lib/web.service.d/30-masked.conf",
             "[Service]\nEnvironment=A=masked\n");
  tree.Link("/dev/null", "etc/web.service.d/30-masked.conf");
  LoadedUnits units = LoadUnitLayout(tree.SearchPath(), "default.target");
  const ParsedUnit* web = units.Find("web");
  ASSERT_NE(web, nullptr);
  EXPECT_TRUE(web->ok());
  EXPECT_EQ(Words(web), "/bin/web --dropin");
  EXPECT_EQ(web->unit.environment.at("A"), "etc");
  EXPECT_EQ(web->unit.environment.at("B"), "top");
  EXPECT_EQ(web->unit.description, "from service.d");
  std::vector<DropInFile> files =
      FindDropIns(tree.SearchPath(), "web.service", {});
  std::vector<std::string> order;
  for (const DropInFile& f : files) {
    order.push_back(absl::StrCat(f.path.substr(tree.Path("").size()),
                                 f.masked ? " masked" : ""));
  }
  EXPECT_EQ(order,
            (Names{"lib/service.d/05-all.conf", "etc/web.service.d/10-env.conf",
                   "lib/web.service.d/20-exec.conf",
                   "etc/web.service.d/30-masked.conf masked"}));
  // A changed drop-in is a changed unit for a reload: the digest covers
  // the drop-ins, not the file alone.
  const std::string before = web->source;
  EXPECT_EQ(before.size(), 8u);
  EXPECT_NE(before, SourceDigest(Service("/bin/web", "Description=plain") +
                                 "Environment=A=main B=main\n"));
  tree.Write("lib/web.service.d/20-exec.conf",
             "[Service]\nExecStart=\nExecStart=/bin/web --changed\n");
  LoadedUnits again = LoadUnitLayout(tree.SearchPath(), "default.target");
  ASSERT_NE(again.Find("web"), nullptr);
  EXPECT_NE(again.Find("web")->source, before);
}

TEST(UnitDropIns, WithoutTheResetExecStartAccumulates) {
  Tree tree;
  tree.Write("lib/web.service", Service("/bin/web"));
  tree.Write("lib/web.service.d/x.conf", "[Service]\nExecStart=/bin/two\n");
  LoadedUnits units = LoadUnitLayout(tree.SearchPath(), "default.target");
  const ParsedUnit* web = units.Find("web");
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(Words(web), "/bin/web; /bin/two");
  // Two ExecStart= in a Type=simple service: named where the second is.
  ASSERT_FALSE(web->diagnostics.empty());
  EXPECT_EQ(web->diagnostics.back().ToString(),
            absl::StrCat(tree.Path("lib/web.service.d/x.conf"),
                         ":2: error: ExecStart: more than one command; only "
                         "Type=oneshot may have several"));
}

TEST(UnitDropIns, DirectoriesOfTemplatesPrefixesAndTheType) {
  EXPECT_EQ(DropInDirectories("a-b-c.service"),
            (Names{"a-b-c.service.d", "a-b-.service.d", "a-.service.d",
                   "service.d"}));
  EXPECT_EQ(DropInDirectories("getty@tty1.service"),
            (Names{"getty@tty1.service.d", "getty@.service.d", "service.d"}));
  EXPECT_EQ(DropInDirectories("multi-user.target"),
            (Names{"multi-user.target.d", "multi-.target.d", "target.d"}));
}

TEST(UnitDropIns, InstanceGetsItsTemplatesDropIns) {
  Tree tree;
  tree.Write("lib/getty@tty1.service", Service("/bin/getty tty1"));
  tree.Write("lib/getty@.service.d/x.conf",
             "[Service]\nEnvironment=T=template\n");
  LoadedUnits units = LoadUnitLayout(tree.SearchPath(), "default.target");
  const ParsedUnit* getty = units.Find("getty@tty1");
  ASSERT_NE(getty, nullptr);
  EXPECT_EQ(getty->unit.environment.at("T"), "template");
}

TEST(UnitDropIns, ABadDropInFailsItsUnitNamingFileAndLine) {
  Tree tree;
  tree.Write("lib/web.service", Service("/bin/web"));
  tree.Write("etc/web.service.d/bad.conf",
             "[Service]\nRestart=sometimes\nNoSuchKey=1\n");
  tree.Write("etc/early.service.d/bad.conf", "Restart=always\n");
  tree.Write("etc/early.service", Service("/bin/early"));
  LoadedUnits units = LoadUnitLayout(tree.SearchPath(), "default.target");
  ASSERT_NE(units.Find("web"), nullptr);
  EXPECT_FALSE(units.Find("web")->ok());
  CheckReport report = RenderCheckReport(units);
  EXPECT_TRUE(report.has_errors);
  const std::string bad = tree.Path("etc/web.service.d/bad.conf");
  EXPECT_TRUE(
      absl::StrContains(report.text, absl::StrCat(bad, ":2: error: Restart: ")))
      << report.text;
  EXPECT_TRUE(absl::StrContains(report.text,
                                absl::StrCat(bad, ":3: warning: unknown key")))
      << report.text;
  EXPECT_TRUE(absl::StrContains(
      report.text,
      absl::StrCat(tree.Path("etc/early.service.d/bad.conf"),
                   ":1: error: key \"Restart\" before any [Section] header")))
      << report.text;
}

TEST(UnitClosure, DefaultTargetPullsInWhatIsEnabled) {
  Tree tree;
  tree.Link("multi-user.target", "lib/default.target");
  tree.Write("lib/multi-user.target",
             "[Unit]\nDescription=Multi-User\nWants=b.service\n"
             "AllowIsolate=yes\n");
  // Enabled: a .wants/ link, as `systemctl enable` makes it.
  tree.Link(tree.Path("lib/a.service"),
            "etc/multi-user.target.wants/a.service");
  tree.Write("lib/a.service", Service("/bin/a", "Wants=d.service"));
  tree.Write("lib/b.service", Service("/bin/b"));
  tree.Write("lib/c.service", Service("/bin/c"));  // not enabled
  tree.Write("lib/d.service", Service("/bin/d", "After=a.service"));
  tree.Write("lib/e.service", Service("/bin/e"));
  tree.Link(tree.Path("lib/e.service"),
            "lib/multi-user.target.wants/e.service");
  tree.Link("/dev/null", "etc/e.service");  // masked, though enabled
  // A target's .requires/ and a service's own .wants/.
  tree.Link("../f.service", "lib/b.service.requires/f.service");
  tree.Write("lib/f.service", Service("/bin/f"));
  LoadedUnits units = LoadUnitLayout(tree.SearchPath(), "default.target");
  EXPECT_EQ(UnitNames(units.units), "a b c d f");
  EXPECT_EQ(units.start_unit, "multi-user.target");
  EXPECT_EQ(NotTargets(units.boot), (Names{"a", "b", "d", "f"}));
  EXPECT_EQ(units.masked, (Names{"e"}));
  CheckReport report = RenderCheckReport(units);
  EXPECT_TRUE(absl::StrContains(report.text,
                                "boot (multi-user.target): a b d f\n"
                                "masked: e\n"))
      << report.text;

  // A masked start unit starts nothing, with a warning.
  tree.Link("/dev/null", "etc/rescue.target");
  LoadedUnits rescue = LoadUnitLayout(tree.SearchPath(), "rescue.target");
  EXPECT_TRUE(rescue.boot.empty());  // not even sysinit.target
  ASSERT_FALSE(rescue.diagnostics.empty());
  EXPECT_TRUE(absl::StrContains(rescue.diagnostics.back().message,
                                "the start unit \"rescue.target\" is masked"))
      << rescue.diagnostics.back().ToString();

  // Another start unit: a service of its own.
  LoadedUnits only_c = LoadUnitLayout(tree.SearchPath(), "c.service");
  EXPECT_EQ(NotTargets(only_c.boot), (Names{"c"}));
}

TEST(UnitClosure, KernelCommandLine) {
  EXPECT_EQ(KernelCommandLineUnit("console=ttyS0 quiet"), std::nullopt);
  EXPECT_EQ(
      KernelCommandLineUnit("root=/dev/vda systemd.unit=rescue.target quiet\n"),
      "rescue.target");
  EXPECT_EQ(
      KernelCommandLineUnit("systemd.unit=a.target systemd.unit=b.service"),
      "b.service");
  EXPECT_EQ(KernelCommandLineUnit("systemd.unit=a.target systemd.unit=bad"),
            "a.target");
  EXPECT_EQ(KernelCommandLineUnit("rd.systemd.unit=x.target"), std::nullopt);
}

TEST(UnitLayout, OnlyReadsTheUnitsNamed) {
  Tree tree;
  tree.Write("lib/multi-user.target", "[Unit]\nDescription=m\n");
  tree.Link("multi-user.target", "lib/default.target");
  tree.Write("lib/app.service",
             Service("/bin/app", "After=idle.service\nWants=log.socket"));
  tree.Link("../app.service", "lib/multi-user.target.wants/app.service");
  // Named only by a unit not read: read all the same.
  tree.Write("lib/idle.service", Service("/bin/idle", "Wants=mod@drm.service"));
  tree.Write("lib/mod@.service", Service("/bin/mod %i"));
  tree.Write("lib/log.socket", "[Socket]\nListenStream=/run/log\n");
  tree.Write("lib/other.socket", "[Socket]\nListenStream=/run/other\n");
  const UnitFileNames only = {"app.service", "multi-user.target",
                              "mod@drm.service", "other.socket"};
  LoadedUnits units =
      LoadUnitLayout(tree.SearchPath(), "default.target", {}, &only);
  EXPECT_EQ(UnitNames(units.units), "app mod@drm");
  ASSERT_NE(units.Find("app"), nullptr);
  // After= a unit not read: as on one that exists.
  EXPECT_TRUE(units.Find("app")->diagnostics.empty());
  ASSERT_EQ(units.sockets.size(), 1u);
  EXPECT_EQ(units.sockets[0].unit.name, "other.socket");
  EXPECT_TRUE(units.boot.empty());
  EXPECT_TRUE(units.start_unit.empty());
  // Without `only`, every unit, and the sockets the start unit pulls in.
  LoadedUnits all = LoadUnitLayout(tree.SearchPath(), "default.target");
  EXPECT_EQ(UnitNames(all.units), "app idle mod@drm");
  ASSERT_EQ(all.sockets.size(), 1u);
  EXPECT_EQ(all.sockets[0].unit.name, "log.socket");
}

}  // namespace
}  // namespace faultinit::testing

namespace faultinit::testing {
namespace {

// A generated unit (unit_template.h's GeneratedUnit) is in its target's
// Requires= when `required`, in its Wants= otherwise, and both are pulled
// in with the target.
TEST(GeneratedUnits, RequiredOrWantedByTheirTarget) {
  Tree tree;
  tree.Write("lib/default.target", "[Unit]\nWants=remote-fs.target\n");
  LayoutInstances instances;
  instances.generated.push_back(GeneratedUnit{
      "hard.service", Service("/bin/hard"), "remote-fs.target", true});
  instances.generated.push_back(GeneratedUnit{
      "soft.service", Service("/bin/soft"), "remote-fs.target", false});
  LoadedUnits units =
      LoadUnitLayout(tree.SearchPath(), "default.target", instances);
  const ParsedUnit* target = units.Find("remote-fs.target");
  ASSERT_NE(target, nullptr);
  auto names = [](const std::vector<Dependency>& list) {
    Names out;
    for (const Dependency& d : list) out.push_back(d.name);
    return out;
  };
  EXPECT_EQ(names(target->unit.required), Names{"hard"});
  EXPECT_EQ(names(target->unit.wanted), Names{"soft"});
  Names boot = NotTargets(units.boot);
  std::sort(boot.begin(), boot.end());
  EXPECT_EQ(boot, (Names{"hard", "soft"}));
}

}  // namespace
}  // namespace faultinit::testing
