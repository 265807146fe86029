// RemoteMountUnits: the service made of each remote fstab entry parses,
// runs mount(8) with the entry's words as they are, and is ordered as
// systemd orders a network mount: required by remote-fs.target and
// ordered before it, or, with `nofail`, only wanted and not waited for.

#include "init/system/fstab_units.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "init/system/fstab.h"
#include "init/system/unit.h"

namespace faultinit {
namespace {

TEST(RemoteMountUnits, OneServicePerRemoteEntry) {
  Fstab fstab = ParseFstab("/etc/fstab",
                           "/dev/sda1 /data ext4 defaults 0 2\n"
                           "srv:/export/a%b /mnt/nfs nfs4 rw,_netdev 0 0\n"
                           "//srv/share /mnt/my\\040share cifs noauto 0 0\n"
                           "tmp$x /mnt/t tmpfs _netdev,size=1m 0 0\n");
  ASSERT_TRUE(fstab.diagnostics.empty());
  std::vector<GeneratedUnit> units = RemoteMountUnits("/etc/fstab", fstab);
  ASSERT_EQ(units.size(), 2u);
  EXPECT_EQ(units[0].name, "remote-mount-mnt-nfs.service");
  EXPECT_EQ(units[0].wanted_by, "remote-fs.target");
  EXPECT_EQ(units[1].name, "remote-mount-mnt-t.service");
  ParsedUnit nfs = ParseUnit("/run/x/" + units[0].name, units[0].text);
  ASSERT_TRUE(nfs.ok()) << units[0].text;
  EXPECT_TRUE(nfs.diagnostics.empty()) << nfs.diagnostics[0].message;
  EXPECT_EQ(nfs.unit.description, "Remote file system /mnt/nfs (/etc/fstab:2)");
  ASSERT_EQ(nfs.unit.exec_start.size(), 1u);
  EXPECT_EQ(
      nfs.unit.exec_start[0].words,
      (std::vector<std::string>{"/bin/mount", "-t", "nfs4", "-o", "rw,_netdev",
                                "srv:/export/a%b", "/mnt/nfs"}));
  ASSERT_EQ(nfs.unit.exec_stop.size(), 1u);
  EXPECT_EQ(nfs.unit.exec_stop[0].words,
            (std::vector<std::string>{"/bin/umount", "/mnt/nfs"}));
  EXPECT_FALSE(nfs.unit.default_dependencies);
  std::vector<std::string> after;
  for (const Dependency& d : nfs.unit.after) after.push_back(d.name);
  EXPECT_EQ(after,
            (std::vector<std::string>{"network-online.target", "network.target",
                                      "remote-fs-pre.target"}));
  ParsedUnit t = ParseUnit("/run/x/" + units[1].name, units[1].text);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t.unit.exec_start[0].words[5], "tmp$x");
  EXPECT_FALSE(t.unit.exec_start[0].expand_variables);
}

std::vector<std::string> Names(const std::vector<Dependency>& list) {
  std::vector<std::string> out;
  for (const Dependency& d : list) out.push_back(d.name);
  return out;
}

TEST(RemoteMountUnits, NofailIsWantedAndNotWaitedFor) {
  Fstab fstab = ParseFstab("/etc/fstab",
                           "srv:/a /mnt/a nfs defaults 0 0\n"
                           "srv:/b /mnt/b nfs nofail 0 0\n");
  ASSERT_TRUE(fstab.diagnostics.empty());
  std::vector<GeneratedUnit> units = RemoteMountUnits("/etc/fstab", fstab);
  ASSERT_EQ(units.size(), 2u);
  EXPECT_TRUE(units[0].required);
  EXPECT_FALSE(units[1].required);
  ParsedUnit a = ParseUnit("/run/x/" + units[0].name, units[0].text);
  ParsedUnit b = ParseUnit("/run/x/" + units[1].name, units[1].text);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(Names(a.unit.before),
            (std::vector<std::string>{"remote-fs.target", "shutdown.target"}));
  EXPECT_EQ(Names(b.unit.before),
            (std::vector<std::string>{"shutdown.target"}));
}

}  // namespace
}  // namespace faultinit
