#include "init/system/fstab.h"

#include <sys/mount.h>
#include <sys/swap.h>

#include "gtest/gtest.h"
#include "runtime/duration.h"

namespace faultinit {
namespace {

TEST(Fstab, FieldsCommentsAndEscapes) {
  Fstab f = ParseFstab("/etc/fstab",
                       "# a comment\n"
                       "\n"
                       "  /dev/mmcblk0p2  /  ext4  defaults,noatime  0 1\n"
                       "tmpfs /mnt/my\\040disk tmpfs size=16m,mode=0755\n"
                       "/dev/sdb1\t/data/\text4\n");
  ASSERT_TRUE(f.diagnostics.empty()) << f.diagnostics[0].ToString();
  ASSERT_EQ(f.entries.size(), 3u);
  EXPECT_EQ(f.entries[0].line, 3);
  EXPECT_EQ(f.entries[0].what, "/dev/mmcblk0p2");
  EXPECT_EQ(f.entries[0].where, "/");
  EXPECT_EQ(f.entries[0].type, "ext4");
  EXPECT_EQ(f.entries[0].options.flags, static_cast<unsigned long>(MS_NOATIME));
  EXPECT_EQ(f.entries[0].options.data, "");
  EXPECT_TRUE(f.entries[0].IsDevice());
  EXPECT_EQ(f.entries[1].where, "/mnt/my disk");
  EXPECT_EQ(f.entries[1].options.data, "size=16m,mode=0755");
  EXPECT_FALSE(f.entries[1].IsDevice());
  EXPECT_EQ(f.entries[2].where, "/data");  // trailing slash dropped
  EXPECT_EQ(f.entries[2].options_text, "");
}

TEST(Fstab, UnescapeDecodesOctalOnly) {
  EXPECT_EQ(UnescapeFstabField("a\\040b\\011c\\134d"), "a b\tc\\d");
  EXPECT_EQ(UnescapeFstabField("a\\x20b\\04"), "a\\x20b\\04");
  EXPECT_EQ(UnescapeFstabField("\\"), "\\");
}

TEST(Fstab, TagsNameUdevLinks) {
  EXPECT_EQ(ResolveFstabSource("UUID=1234-ABCD"),
            "/dev/disk/by-uuid/1234-ABCD");
  EXPECT_EQ(ResolveFstabSource("LABEL=\"my root\""),
            "/dev/disk/by-label/my\\x20root");
  EXPECT_EQ(ResolveFstabSource("LABEL=a/b"), "/dev/disk/by-label/a\\x2fb");
  EXPECT_EQ(ResolveFstabSource("PARTUUID=abcd-02"),
            "/dev/disk/by-partuuid/abcd-02");
  EXPECT_EQ(ResolveFstabSource("PARTLABEL=boot"),
            "/dev/disk/by-partlabel/boot");
  EXPECT_EQ(ResolveFstabSource("tmpfs"), "tmpfs");
  Fstab f = ParseFstab("/etc/fstab", "UUID=ab /boot vfat defaults 0 2\n");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].spec, "UUID=ab");
  EXPECT_EQ(f.entries[0].what, "/dev/disk/by-uuid/ab");
  EXPECT_TRUE(f.entries[0].IsDevice());
}

TEST(Fstab, OptionsSplitFlagsFromData) {
  std::string problem;
  MountOptions o = ParseMountOptions(
      "ro,nosuid,nodev,noexec,relatime,errors=remount-ro,user,x-gvfs-show,"
      "comment=x,noauto,nofail",
      &problem);
  EXPECT_EQ(problem, "");
  EXPECT_EQ(o.flags,
            static_cast<unsigned long>(MS_RDONLY | MS_NOSUID | MS_NODEV |
                                       MS_NOEXEC | MS_RELATIME));
  EXPECT_EQ(o.data, "errors=remount-ro");
  EXPECT_TRUE(o.noauto);
  EXPECT_TRUE(o.nofail);
  // A later option undoes an earlier one, as in mount(8).
  EXPECT_EQ(ParseMountOptions("ro,rw", &problem).flags, 0u);
  EXPECT_EQ(ParseMountOptions("defaults", &problem).flags, 0u);
  EXPECT_EQ(ParseMountOptions("rbind", &problem).flags,
            static_cast<unsigned long>(MS_BIND | MS_REC));
}

TEST(Fstab, SystemdOptions) {
  std::string problem;
  MountOptions o = ParseMountOptions(
      "x-systemd.device-timeout=2s,x-systemd.automount,x-systemd.requires=a",
      &problem);
  EXPECT_EQ(problem, "");
  EXPECT_EQ(o.device_timeout, fault::Seconds(2));
  EXPECT_EQ(o.ignored, (std::vector<std::string>{"x-systemd.automount",
                                                 "x-systemd.requires=a"}));
  EXPECT_EQ(o.data, "");
  EXPECT_EQ(
      ParseMountOptions("x-systemd.device-timeout=5", &problem).device_timeout,
      fault::Seconds(5));
  EXPECT_EQ(ParseMountOptions("", &problem).device_timeout,
            kDefaultDeviceTimeout);

  Fstab f =
      ParseFstab("/etc/fstab", "/dev/sda1 /a ext4 x-systemd.automount 0 0\n");
  ASSERT_EQ(f.entries.size(), 1u);
  ASSERT_EQ(f.diagnostics.size(), 1u);
  EXPECT_EQ(f.diagnostics[0].ToString(),
            "/etc/fstab:1: warning: option \"x-systemd.automount\" is ignored "
            "by faultinit (/a)");
}

TEST(Fstab, RemoteAndSwap) {
  Fstab f = ParseFstab("/etc/fstab",
                       "server:/export /nfs nfs defaults 0 0\n"
                       "/dev/sdc1 /iscsi ext4 _netdev 0 0\n"
                       "/dev/sda2 none swap sw,pri=5,discard 0 0\n");
  ASSERT_EQ(f.entries.size(), 3u);
  EXPECT_TRUE(f.entries[0].remote);
  EXPECT_TRUE(f.entries[1].remote);
  EXPECT_FALSE(f.entries[2].remote);
  EXPECT_TRUE(f.entries[2].swap);
  EXPECT_EQ(f.entries[2].options.swap_flags,
            SWAP_FLAG_PREFER | (5 << SWAP_FLAG_PRIO_SHIFT) | SWAP_FLAG_DISCARD);
}

TEST(Fstab, ErrorsNameFileLineAndValue) {
  Fstab f = ParseFstab("/etc/fstab",
                       "/dev/sda1 /a\n"
                       "/dev/sda1 relative ext4\n"
                       "/dev/sda1 /b ext4 defaults zero 0\n"
                       "/dev/sda1 /c ext4 x-systemd.device-timeout=soon\n"
                       "/dev/sda1 /d ext4 defaults 0 0 extra\n"
                       "tmpfs /ok tmpfs\n");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].where, "/ok");
  ASSERT_EQ(f.diagnostics.size(), 5u);
  EXPECT_EQ(f.diagnostics[0].ToString(),
            "/etc/fstab:1: error: expected SOURCE MOUNT-POINT TYPE [OPTIONS "
            "[DUMP [PASS]]], got \"/dev/sda1 /a\"; entry ignored");
  EXPECT_EQ(f.diagnostics[1].ToString(),
            "/etc/fstab:2: error: MOUNT-POINT is not an absolute path: "
            "\"relative\"; entry ignored");
  EXPECT_EQ(f.diagnostics[2].ToString(),
            "/etc/fstab:3: error: DUMP is not a number: \"zero\"; entry "
            "ignored");
  EXPECT_EQ(f.diagnostics[3].line, 4);
  EXPECT_NE(f.diagnostics[3].message.find(
                "x-systemd.device-timeout=: invalid time span \"soon\""),
            std::string::npos)
      << f.diagnostics[3].message;
  EXPECT_EQ(f.diagnostics[4].ToString(),
            "/etc/fstab:5: error: more than six fields: \"extra\"; entry "
            "ignored");
}

}  // namespace
}  // namespace faultinit
