// /etc/fstab and systemd's own units in the real faultinit, PID 1 of a PID
// and mount namespace (`--fstab` names a test fstab; the mounts stay in the
// namespace):
//   - a tmpfs entry is mounted before any unit starts: a service sees it;
//     a `nofail` entry whose type does not exist and one whose device never
//     appears (x-systemd.device-timeout=) are one line each, and the boot
//     goes on; at shutdown, after the services stopped, the tmpfs is
//     unmounted;
//   - `faultinit --check --fstab` names an ignored x-systemd option and a
//     bad line;
//   - a unit named as one of systemd's that faultinit does not run
//     (systemd-journald.service) is not started, with one line, and the
//     unit that requires it starts.

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace faultinit::testing {
namespace {

class Fstab : public UnitDirectoryTest {};

TEST_F(Fstab, MountedBeforeTheUnitsAndUnmountedAfterThem) {
  const std::string mnt = dir_ + "/mnt";
  const std::string fstab = dir_ + "/fstab";
  ASSERT_TRUE(WriteFile(
      fstab,
      absl::StrCat("# test fstab\n",  //
                   "tmpfs ", mnt, " tmpfs size=1m,mode=0700,nodev 0 0\n",
                   "none ", dir_, "/bad faultinit-no-such-fs nofail 0 0\n",
                   "/dev/faultinit-test-never ", dir_,
                   "/late ext4 nofail,x-systemd.device-timeout=300ms "
                   "0 2\n")));
  // The service looks for the mount in its own mount table.
  Unit("seer", absl::StrCat("[Service]\nType=oneshot\n",
                            "ExecStart=/bin/sh -c 'if grep -q \" ", mnt,
                            " \" /proc/self/mountinfo; then echo mount-seen; "
                            "else echo mount-missing; fi'\n"));
  LaunchOptions o = Boot();
  o.args.insert(o.args.end(), {"--fstab", fstab});
  Running running(o);
  ASSERT_TRUE(running.WaitForStderr("[seer] mount-")) << running.err();
  EXPECT_NE(running.err().find("[seer] mount-seen"), std::string::npos)
      << running.err();
  At(running.err(), absl::StrCat("mounted ", mnt, " (tmpfs, tmpfs)"));
  At(running.err(),
     absl::StrCat(fstab, ":3: unable to mount none on ", dir_,
                  "/bad (faultinit-no-such-fs, options \"nofail\"): "));
  At(running.err(),
     absl::StrCat(fstab,
                  ":4: device /dev/faultinit-test-never did not appear "
                  "within 300ms (x-systemd.device-timeout=) (nofail: the "
                  "boot goes on)"));
  running.Signal(SIGTERM);
  ASSERT_TRUE(running.WaitForStderr(absl::StrCat("unmounted ", mnt)))
      << running.err();
  EXPECT_EQ(running.Wait().ToString(), "exit 0");
  // Unmounted after the services stopped.
  const std::string& err = running.err();
  EXPECT_LT(At(err, "stopping services"), At(err, "unmounted " + mnt)) << err;
}

TEST_F(Fstab, CheckNamesIgnoredOptionsAndBadLines) {
  const std::string fstab = dir_ + "/fstab";
  ASSERT_TRUE(WriteFile(fstab,
                        "tmpfs /a tmpfs x-systemd.automount 0 0\n"
                        "tmpfs relative tmpfs defaults 0 0\n"));
  LaunchOptions check;
  check.args = {"--fstab", fstab, "--check", dir_};
  Result r = RunFaultinit(check);
  EXPECT_EQ(r.status.ToString(), "exit 1") << r.out << r.err;
  At(r.out, absl::StrCat(fstab,
                         ":1: warning: option \"x-systemd.automount\" is "
                         "ignored by faultinit (/a)"));
  At(r.out, absl::StrCat(fstab,
                         ":2: error: MOUNT-POINT is not an absolute path: "
                         "\"relative\"; entry ignored"));
}

TEST_F(Fstab, SystemdUnitsFaultinitDoesNotRunAreSkippedWithOneLine) {
  const std::string lib = dir_ + "/lib";
  ASSERT_EQ(mkdir(lib.c_str(), 0755), 0);
  ASSERT_EQ(mkdir((lib + "/default.target.wants").c_str(), 0755), 0);
  ASSERT_TRUE(WriteFile(lib + "/default.target", "[Unit]\nDescription=d\n"));
  ASSERT_TRUE(WriteFile(lib + "/systemd-journald.service",
                        "[Service]\nType=oneshot\n"
                        "ExecStart=/bin/sh -c 'echo journald-ran'\n"));
  ASSERT_TRUE(WriteFile(lib + "/app.service",
                        "[Unit]\nRequires=systemd-journald.service\n"
                        "After=systemd-journald.service\n"
                        "[Service]\nType=oneshot\n"
                        "ExecStart=/bin/sh -c 'echo app-ran'\n"));
  for (const char* name : {"systemd-journald.service", "app.service"}) {
    ASSERT_EQ(
        symlink(absl::StrCat("../", name).c_str(),
                absl::StrCat(lib, "/default.target.wants/", name).c_str()),
        0);
  }
  LaunchOptions o;
  o.args = {"-v", "--units-path", lib};
  o.pid_namespace = true;
  Running running(o);
  ASSERT_TRUE(running.WaitForStderr("[app] app-ran")) << running.err();
  EXPECT_EQ(running.Terminate().ToString(), "exit 0");
  const std::string& err = running.err();
  EXPECT_EQ(Count(err, "systemd-journald.service: not started: "), 1u) << err;
  EXPECT_EQ(err.find("journald-ran"), std::string::npos) << err;
}

// In the layout a remote entry (_netdev here, on a tmpfs the test can
// mount) is not mounted before the units: its service (fstab_units.h)
// runs mount(8) after network-online.target, before remote-fs.target, and
// umount(8) at shutdown.
TEST_F(Fstab, RemoteEntryIsMountedForRemoteFsTarget) {
  const std::string lib = dir_ + "/lib";
  const std::string net = dir_ + "/net";
  const std::string fstab = dir_ + "/fstab";
  ASSERT_EQ(mkdir(lib.c_str(), 0755), 0);
  ASSERT_EQ(mkdir(net.c_str(), 0755), 0);
  ASSERT_TRUE(WriteFile(
      fstab, absl::StrCat("remote-src ", net, " tmpfs _netdev,size=1m 0 0\n")));
  auto seen = [&](const std::string& who) {
    return absl::StrCat("/bin/sh -c 'if grep -q \" ", net,
                        " \" /proc/self/mountinfo; then echo ", who,
                        "-mounted; else echo ", who, "-not-mounted; fi'\n");
  };
  ASSERT_TRUE(WriteFile(lib + "/default.target",
                        "[Unit]\nWants=remote-fs.target early.service "
                        "late.service\n"));
  // Before network-online.target: not mounted yet.
  ASSERT_TRUE(WriteFile(lib + "/early.service",
                        absl::StrCat("[Unit]\nBefore=network-online.target\n"
                                     "[Service]\nType=oneshot\nExecStart=",
                                     seen("early"))));
  ASSERT_TRUE(WriteFile(lib + "/late.service",
                        absl::StrCat("[Unit]\nAfter=remote-fs.target\n"
                                     "[Service]\nType=oneshot\nExecStart=",
                                     seen("late"))));
  LaunchOptions o;
  o.args = {"-v", "--units-path", lib, "--fstab", fstab};
  o.pid_namespace = true;
  Running running(o);
  ASSERT_TRUE(running.WaitForAllStderr({"[early] early-", "[late] late-"}))
      << running.err();
  const std::string unit = "remote-mount-" + UnitPathName(net);
  EXPECT_NE(running.err().find("[early] early-not-mounted"), std::string::npos)
      << running.err();
  EXPECT_NE(running.err().find("[late] late-mounted"), std::string::npos)
      << running.err();
  At(running.err(),
     absl::StrCat(fstab, ":1: ", net,
                  ": a remote file system (tmpfs): mounted after "
                  "network-online.target by ",
                  unit, ".service (remote-fs.target)"));
  running.Signal(SIGTERM);
  ASSERT_TRUE(running.WaitForStderr(unit + ": stopped")) << running.err();
  EXPECT_EQ(running.Wait().ToString(), "exit 0");
}

}  // namespace
}  // namespace faultinit::testing
