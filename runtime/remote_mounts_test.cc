// RemoteMounts: which paths a spawn must not look up from a parent sharing
// its memory with the child (remote_mounts.h), from an injected mount
// table. The remote mount points named here need not exist: the decision
// never touches them, which is what the tests with links rely on.

#include "runtime/remote_mounts.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace fault {
namespace {

constexpr char kTable[] =
    "22 1 0:21 / /proc rw,nosuid shared:12 - proc proc rw\n"
    "25 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
    "40 25 0:35 / /srv/data rw,relatime shared:20 - nfs4 server:/data "
    "rw,vers=4.2\n"
    "41 25 0:36 / /home/me/remote\\040dir rw - fuse.sshfs me@host: rw\n"
    "42 25 0:37 / /mnt/share rw master:3 unbindable - cifs //h/s rw\n"
    "43 25 0:38 / /net rw - autofs systemd-1 rw\n"
    "44 25 0:39 / /tmp rw - tmpfs tmpfs rw\n"
    "malformed line\n";

TEST(RemoteMounts, ParseKeepsNetworkFuseAndAutofsMountPoints) {
  RemoteMounts mounts = RemoteMounts::Parse(kTable);
  EXPECT_EQ(mounts.points(),
            (std::vector<std::string>{"/srv/data", "/home/me/remote dir",
                                      "/mnt/share", "/net"}));
  EXPECT_TRUE(
      RemoteMounts::Parse("25 1 8:1 / / rw - ext4 /dev/sda1 rw\n").empty());
}

TEST(RemoteMounts, Types) {
  for (const char* type :
       {"nfs", "nfs4", "cifs", "smb3", "9p", "ceph", "fuse", "fuseblk",
        "fuse.sshfs", "virtiofs", "autofs", "glusterfs"}) {
    EXPECT_TRUE(IsRemoteType(type)) << type;
  }
  for (const char* type : {"ext4", "xfs", "tmpfs", "proc", "overlay", "fusectl",
                           "nfsd", "btrfs"}) {
    EXPECT_FALSE(IsRemoteType(type)) << type;
  }
}

TEST(RemoteMounts, UnderIsByWholeComponents) {
  RemoteMounts mounts = RemoteMounts::Parse(kTable);
  EXPECT_TRUE(mounts.Under("/srv/data"));
  EXPECT_TRUE(mounts.Under("/srv/data/"));
  EXPECT_TRUE(mounts.Under("/srv/data/bin/tool"));
  EXPECT_TRUE(mounts.Under("/home/me/remote dir/x"));
  EXPECT_TRUE(mounts.Under("/usr/../srv/./data/x"));
  EXPECT_FALSE(mounts.Under("/srv/database"));
  EXPECT_FALSE(mounts.Under("/srv"));
  EXPECT_FALSE(mounts.Under("/usr/bin/true"));
  EXPECT_FALSE(mounts.Under("/home/me/remote"));
}

TEST(RemoteMounts, MayWaitWalksRelativePathsAndDotDot) {
  RemoteMounts mounts = RemoteMounts::Parse(kTable);
  EXPECT_FALSE(mounts.MayWait("/bin/true", "/"));
  EXPECT_TRUE(mounts.MayWait("/srv/data/app", "/"));
  EXPECT_TRUE(mounts.MayWait("data/app", "/srv"));
  EXPECT_TRUE(mounts.MayWait("./tool", "/mnt/share/bin"));
  // Through the mount and back out: the lookup still crosses it.
  EXPECT_TRUE(mounts.MayWait("/srv/data/../../bin/true", "/"));
  EXPECT_TRUE(mounts.MayWait("/net/host/x", "/"));
  EXPECT_FALSE(mounts.MayWait("/", "/"));
}

TEST(RemoteMounts, NoRemoteMountMeansNoWaitWithoutAnyLookup) {
  RemoteMounts none = RemoteMounts::Parse("");
  EXPECT_FALSE(none.MayWait("/srv/data/app", "/"));
}

TEST(RemoteMounts, ARemoteRootCoversEverything) {
  RemoteMounts mounts =
      RemoteMounts::Parse("1 0 0:20 / / rw - nfs server:/root rw\n");
  EXPECT_TRUE(mounts.MayWait("/bin/true", "/"));
  EXPECT_TRUE(mounts.Under("/etc"));
}

// A link on a local file system into a remote mount is followed before
// the walk decides; links elsewhere change nothing.
TEST(RemoteMounts, MayWaitFollowsLocalLinks) {
  const std::string dir = absl::StrCat(getenv("TEST_TMPDIR"), "/links");
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  const std::string remote = dir + "/remote";  // never made: never touched
  RemoteMounts mounts = RemoteMounts::Parse(
      absl::StrCat("40 25 0:35 / ", remote, " rw - nfs h:/x rw\n"));
  ASSERT_EQ(symlink((remote + "/bin").c_str(), (dir + "/bin").c_str()), 0);
  ASSERT_EQ(symlink("remote/tool", (dir + "/relative").c_str()), 0);
  ASSERT_EQ(symlink("/bin/true", (dir + "/local").c_str()), 0);
  ASSERT_EQ(symlink("loop", (dir + "/loop").c_str()), 0);
  EXPECT_TRUE(mounts.MayWait(dir + "/bin/tool", "/"));
  EXPECT_TRUE(mounts.MayWait("bin", dir));
  EXPECT_TRUE(mounts.MayWait(dir + "/relative", "/"));
  EXPECT_FALSE(mounts.MayWait(dir + "/local", "/"));
  EXPECT_FALSE(mounts.MayWait(dir + "/missing/tool", "/"));
  // A loop of links: the child's lookup fails (ELOOP); said safely.
  EXPECT_TRUE(mounts.MayWait(dir + "/loop", "/"));
}

}  // namespace
}  // namespace fault
