// FstabStep on a fake MountOps: the calls it would make, in order, with no
// mount of the test's own; the device wait runs on a real scheduler.

#include "init/supervisor/fstab_step.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "init/log.h"
#include "init/supervisor/mount_ops.h"
#include "runtime/duration.h"
#include "runtime/scheduler.h"

namespace faultinit {
namespace {

class FakeMountOps : public MountOps {
 public:
  int Mount(const std::string& source, const std::string& target,
            const std::string& type, unsigned long flags,
            const std::string& data) override {
    calls.push_back(absl::StrCat("mount ", source, " ", target, " ", type,
                                 " 0x", absl::Hex(flags), " ", data));
    auto it = mount_errors.find(target + " " + type);
    return it == mount_errors.end() ? 0 : it->second;
  }
  int Unmount(const std::string& target, int flags) override {
    calls.push_back(absl::StrCat("umount ", target, " ", flags));
    return flags == 0 && busy.count(target) ? EBUSY : 0;
  }
  int SwapOn(const std::string& path, int flags) override {
    calls.push_back(absl::StrCat("swapon ", path, " 0x", absl::Hex(flags)));
    return 0;
  }
  int SwapOff(const std::string& path) override {
    calls.push_back(absl::StrCat("swapoff ", path));
    return 0;
  }
  bool Exists(const std::string& path) override {
    ++exists_calls[path];
    auto it = appears_after.find(path);
    if (it != appears_after.end()) return exists_calls[path] > it->second;
    return devices.count(path) != 0;
  }
  bool IsMountPoint(const std::string& path) override {
    return mounted.count(path) != 0;
  }
  std::optional<unsigned long> MountFlags(const std::string& path) override {
    auto it = flags_of.find(path);
    if (it == flags_of.end()) return std::nullopt;
    return it->second;
  }
  int MakeDirectories(const std::string& path) override {
    calls.push_back(absl::StrCat("mkdir ", path));
    return 0;
  }
  std::vector<std::string> BlockFilesystems() override {
    return {"ext4", "vfat"};
  }

  std::vector<std::string> calls;
  std::set<std::string> devices, mounted, busy;
  std::map<std::string, int> appears_after;  // checks before it exists
  std::map<std::string, int> exists_calls;
  std::map<std::string, int> mount_errors;  // "TARGET TYPE" -> errno
  std::map<std::string, unsigned long> flags_of;
};

class FstabStepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fault::StatusOr<std::unique_ptr<fault::Scheduler>> scheduler =
        fault::Scheduler::Create();
    ASSERT_TRUE(scheduler.ok());
    scheduler_ = std::move(*scheduler);
    int fds[2];
    ASSERT_EQ(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
    log_read_ = fds[0];
    log_ = std::make_unique<Logger>(3, fds[1]);
    log_write_ = fds[1];
    step_ = std::make_unique<FstabStep>(*scheduler_, *log_, ops_);
  }
  void TearDown() override {
    step_.reset();
    close(log_read_);
    close(log_write_);
  }
  void Begin(const std::string& text) {
    step_->BeginWith("/t/fstab", ParseFstab("/t/fstab", text),
                     /*machine_init=*/true, [this] { ++done_; });
  }
  // Runs the loop until the step is done; false after 30 s.
  bool RunUntilDone() {
    const fault::Duration deadline = fault::MonotonicNow() + fault::Seconds(30);
    while (done_ == 0) {
      if (fault::MonotonicNow() >= deadline) return false;
      if (!scheduler_->RunOnce(deadline).ok()) return false;
    }
    return true;
  }
  std::string Log() {
    char buf[8192];
    ssize_t n;
    while ((n = read(log_read_, buf, sizeof buf)) > 0) log_text_.append(buf, n);
    return log_text_;
  }
  std::string Calls() { return absl::StrJoin(ops_.calls, "\n"); }

  FakeMountOps ops_;
  std::unique_ptr<fault::Scheduler> scheduler_;
  std::unique_ptr<Logger> log_;
  std::unique_ptr<FstabStep> step_;
  int log_read_ = -1, log_write_ = -1;
  std::string log_text_;
  int done_ = 0;
};

TEST_F(FstabStepTest, MountsInOrderSkipsNoautoAndRemoteThenUnmountsInReverse) {
  ops_.devices = {"/dev/sda2", "/dev/sdb1"};
  Begin(
      "tmpfs /a tmpfs size=1m,nosuid 0 0\n"
      "/dev/sdb1 /a/b ext4 noauto 0 2\n"
      "server:/x /nfs nfs defaults 0 0\n"
      "/dev/sdb1 /c ext4 _netdev 0 2\n"
      "/dev/sda2 none swap sw 0 0\n"
      "/dev/sdb1 /a/d ext4 ro 0 2\n");
  // Nothing waited for: done at once, inside Begin.
  EXPECT_EQ(done_, 1);
  EXPECT_TRUE(step_->finished());
  EXPECT_FALSE(step_->failed());
  EXPECT_EQ(Calls(),
            "mkdir /a\n"
            "mount tmpfs /a tmpfs 0x2 size=1m\n"
            "swapon /dev/sda2 0x0\n"
            "mkdir /a/d\n"
            "mount /dev/sdb1 /a/d ext4 0x1 ");
  EXPECT_NE(Log().find("/t/fstab:3: /nfs: a remote file system (nfs), not "
                       "mounted"),
            std::string::npos)
      << Log();
  ops_.calls.clear();
  step_->Unmount();
  step_->Unmount();  // idempotent
  EXPECT_EQ(Calls(),
            "umount /a/d 0\n"
            "swapoff /dev/sda2\n"
            "umount /a 0");
}

TEST_F(FstabStepTest, RootIsRemountedOnlyWhenItsFlagsDiffer) {
  ops_.devices = {"/dev/root"};
  ops_.mounted = {"/", "/proc"};
  ops_.flags_of["/"] = MS_RDONLY;
  ops_.flags_of["/proc"] = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  Begin(
      "/dev/root / ext4 rw,noatime,errors=remount-ro 0 1\n"
      "proc /proc proc nosuid,nodev,noexec 0 0\n");
  EXPECT_EQ(done_, 1);
  EXPECT_EQ(Calls(), absl::StrCat("mount /dev/root / ", " 0x",
                                  absl::Hex(MS_REMOUNT | MS_NOATIME),
                                  " errors=remount-ro"));
  ops_.calls.clear();
  step_->Unmount();
  // The machine's init remounts an fstab's / read-only at the end.
  EXPECT_EQ(Calls(), absl::StrCat("mount  /  0x",
                                  absl::Hex(MS_REMOUNT | MS_RDONLY), " "));
}

TEST_F(FstabStepTest, DiagnosticsAreLoggedAsTheUnitsAre) {
  Begin(
      "tmpfs /a tmpfs x-systemd.automount 0 0\n"
      "tmpfs relative tmpfs\n");
  EXPECT_NE(
      Log().find("faultinit: /t/fstab:1: warning: option "
                 "\"x-systemd.automount\" is ignored by faultinit (/a)\n"),
      std::string::npos)
      << Log();
  EXPECT_NE(Log().find("faultinit: /t/fstab:2: error: MOUNT-POINT is not an "
                       "absolute path: \"relative\"; entry ignored\n"),
            std::string::npos)
      << Log();
  EXPECT_EQ(Calls(), "mkdir /a\nmount tmpfs /a tmpfs 0x0 ");
}

TEST_F(FstabStepTest, MissingFileIsEmptyAndAFifoIsNotRead) {
  const std::string dir = getenv("TEST_TMPDIR");
  step_->Begin(dir + "/no-such-fstab", true, [this] { ++done_; });
  EXPECT_EQ(done_, 1);
  EXPECT_EQ(Log(), "");
  // A FIFO in its place would block a read: it is refused, not read.
  const std::string fifo = dir + "/fifo-fstab";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  FstabStep other(*scheduler_, *log_, ops_);
  other.Begin(fifo, true, [this] { ++done_; });
  EXPECT_EQ(done_, 2);
  EXPECT_NE(Log().find(fifo + ": unable to read: not a regular file; no "
                              "file system of it is mounted"),
            std::string::npos)
      << Log();
  EXPECT_EQ(Calls(), "");
}

// A reload's read of the fstab (ReloadedFstabUnits) is whole or nothing:
// a bad line or an unreadable file is one warning naming it, and no units;
// a missing file is an empty one.
TEST(ReloadedFstabUnits, WholeOrNothing) {
  const std::string dir = getenv("TEST_TMPDIR");
  const std::string path = dir + "/reloaded-fstab";
  auto put = [&](const std::string& text) {
    const int fd =
        open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, text.data(), text.size()),
              static_cast<ssize_t>(text.size()));
    close(fd);
  };
  std::vector<Diagnostic> problems;
  put("srv:/a /mnt/a nfs defaults 0 0\n/dev/sda1 /data ext4 defaults\n");
  std::optional<std::vector<GeneratedUnit>> units =
      ReloadedFstabUnits(path, &problems);
  ASSERT_TRUE(units.has_value());
  ASSERT_EQ(units->size(), 1u);
  EXPECT_EQ((*units)[0].name, "remote-mount-mnt-a.service");
  EXPECT_TRUE(problems.empty());

  put("srv:/a /mnt/a nfs defaults 0 0\nsrv:/b relative nfs defaults\n");
  EXPECT_FALSE(ReloadedFstabUnits(path, &problems).has_value());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].ToString(),
            path +
                ":2: warning: MOUNT-POINT is not an absolute path: "
                "\"relative\"; its remote file systems' units are kept "
                "as they were");

  problems.clear();
  ASSERT_EQ(unlink(path.c_str()), 0);
  ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
  EXPECT_FALSE(ReloadedFstabUnits(path, &problems).has_value());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].ToString(),
            path +
                ": warning: unable to read: not a regular file; its "
                "remote file systems' units are kept as they were");

  problems.clear();
  ASSERT_EQ(unlink(path.c_str()), 0);
  units = ReloadedFstabUnits(path, &problems);
  ASSERT_TRUE(units.has_value());
  EXPECT_TRUE(units->empty());
  EXPECT_TRUE(problems.empty());
}

TEST_F(FstabStepTest, OtherMountPointsMountedAlreadyAreLeftAlone) {
  ops_.mounted = {"/data"};
  Begin("tmpfs /data tmpfs defaults 0 0\n");
  EXPECT_EQ(done_, 1);
  EXPECT_EQ(Calls(), "");
}

TEST_F(FstabStepTest, LateDeviceIsWaitedForOnTheLoop) {
  ops_.appears_after["/dev/disk/by-uuid/ab"] = 3;
  Begin(
      "UUID=ab /boot vfat x-systemd.device-timeout=1min 0 2\n"
      "tmpfs /t tmpfs defaults 0 0\n");
  // Not done, and nothing after the missing device was taken.
  EXPECT_EQ(done_, 0);
  EXPECT_TRUE(step_->waiting());
  EXPECT_EQ(Calls(), "");
  ASSERT_TRUE(RunUntilDone()) << Log();
  EXPECT_EQ(done_, 1);
  EXPECT_FALSE(step_->waiting());
  EXPECT_EQ(Calls(),
            "mkdir /boot\n"
            "mount /dev/disk/by-uuid/ab /boot vfat 0x0 \n"
            "mkdir /t\n"
            "mount tmpfs /t tmpfs 0x0 ");
  EXPECT_NE(Log().find("/t/fstab:1: waiting up to 1min for "
                       "/dev/disk/by-uuid/ab"),
            std::string::npos)
      << Log();
}

TEST_F(FstabStepTest, DeviceTimeoutWithNofailOnlyLogs) {
  Begin(
      "/dev/never /n ext4 nofail,x-systemd.device-timeout=200ms 0 2\n"
      "tmpfs /t tmpfs defaults 0 0\n");
  ASSERT_TRUE(RunUntilDone()) << Log();
  EXPECT_FALSE(step_->failed());
  EXPECT_EQ(Calls(), "mkdir /t\nmount tmpfs /t tmpfs 0x0 ");
  EXPECT_NE(Log().find("/t/fstab:1: device /dev/never did not appear within "
                       "200ms (x-systemd.device-timeout=) (nofail: the boot "
                       "goes on)"),
            std::string::npos)
      << Log();
}

TEST_F(FstabStepTest, FailureWithoutNofailFailsLocalFs) {
  ops_.mount_errors["/x bogusfs"] = ENODEV;
  Begin(
      "none /x bogusfs defaults 0 0\n"
      "tmpfs /t tmpfs defaults 0 0\n");
  EXPECT_EQ(done_, 1);  // the boot goes on
  EXPECT_TRUE(step_->failed());
  EXPECT_NE(Log().find("/t/fstab:1: unable to mount none on /x (bogusfs, "
                       "options \"defaults\"): "),
            std::string::npos)
      << Log();
  EXPECT_NE(Log().find("; local-fs.target fails"), std::string::npos);
  EXPECT_NE(Calls().find("mount tmpfs /t tmpfs"), std::string::npos);
}

TEST_F(FstabStepTest, AutoTriesEachBlockFilesystem) {
  ops_.devices = {"/dev/sda1"};
  ops_.mount_errors["/u ext4"] = EINVAL;
  Begin("/dev/sda1 /u auto defaults 0 0\n");
  EXPECT_EQ(Calls(),
            "mkdir /u\n"
            "mount /dev/sda1 /u ext4 0x0 \n"
            "mount /dev/sda1 /u vfat 0x0 ");
  EXPECT_FALSE(step_->failed());
}

TEST_F(FstabStepTest, BindMountGetsItsFlagsByARemount) {
  Begin(
      "/srv/data /b none bind,ro,nosuid 0 0\n"
      "/srv/more /c none bind 0 0\n");
  EXPECT_EQ(Calls(), absl::StrCat("mkdir /b\n"
                                  "mount /srv/data /b none 0x",
                                  absl::Hex(MS_BIND | MS_RDONLY | MS_NOSUID),
                                  " \n"
                                  "mount /srv/data /b  0x",
                                  absl::Hex(MS_REMOUNT | MS_BIND | MS_RDONLY |
                                            MS_NOSUID),
                                  " \n"
                                  "mkdir /c\n"
                                  "mount /srv/more /c none 0x",
                                  absl::Hex(MS_BIND), " "));
}

TEST_F(FstabStepTest, BusyMountIsRemountedReadOnlyAndDetached) {
  ops_.busy = {"/t"};
  Begin("tmpfs /t tmpfs defaults 0 0\n");
  ops_.calls.clear();
  step_->Unmount();
  EXPECT_EQ(Calls(), absl::StrCat("umount /t 0\n"
                                  "mount  /t  0x",
                                  absl::Hex(MS_REMOUNT | MS_RDONLY),
                                  " \n"
                                  "umount /t ",
                                  MNT_DETACH));
  EXPECT_NE(Log().find("unable to unmount /t: Device or resource busy; "
                       "remounted read-only; detached"),
            std::string::npos)
      << Log();
}

TEST_F(FstabStepTest, CancelEndsTheWaitWithoutStartingTheUnits) {
  Begin("/dev/never /n ext4 defaults 0 2\n");
  ASSERT_TRUE(step_->waiting());
  step_->Cancel();
  EXPECT_FALSE(step_->waiting());
  EXPECT_EQ(scheduler_->Pending(), 0u);
  EXPECT_EQ(done_, 0);
}

}  // namespace
}  // namespace faultinit
