// /etc/fstab's remote file systems (init/system/fstab_units.h) in the real
// faultinit, PID 1 of a PID and mount namespace over systemd's layout
// (`--units-path`, `--fstab` naming a test fstab), driven by the real
// faultctl:
//   - a remote mount that fails fails remote-fs.target, which requires it
//     (systemd.mount(5)); one with `nofail` does not; a unit After=
//     remote-fs.target that only the start unit wants still starts;
//   - `faultctl reload` reads the fstab again, as systemd reruns its
//     generators on daemon-reload: an added entry's unit starts (mounts),
//     a removed one's stops (unmounts); a bad line is one warning naming
//     the file, line and value, and the units stay as they were.
// Waits are on faultinit's log lines and on faultctl's answers.

#include <sys/stat.h>

#include <cctype>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/harness.h"
#include "tests/unit_tree_fixture.h"

namespace faultinit::testing {
namespace {

class RemoteFs : public UnitFilesTest {
 protected:
  // The fstab's path, with `text` in it.
  std::string Fstab(const std::string& text) {
    const std::string path = base_ + "/fstab";
    EXPECT_TRUE(WriteFile(path, text));
    return path;
  }
};

// The unit of mount point `where`.
std::string MountUnit(const std::string& where) {
  return "remote-mount-" + UnitPathName(where);
}

// `name` as faultctl shows it: a backslash doubled.
std::string Shown(const std::string& name) {
  std::string out;
  for (char c : name) {
    out += c;
    if (c == '\\') out += c;
  }
  return out;
}

TEST_F(RemoteFs, AFailedRequiredMountFailsRemoteFsTarget) {
  const std::string hard = base_ + "/hard", soft = base_ + "/soft";
  const std::string fstab = Fstab(absl::StrCat(
      "none ", hard, " faultinit-no-such-fs _netdev 0 0\n",  //
      "none ", soft, " faultinit-no-such-fs _netdev,nofail 0 0\n"));
  for (const std::string& where : {hard, soft}) {
    ASSERT_EQ(mkdir(where.c_str(), 0755), 0) << where;
  }
  File("default.target", "[Unit]\nWants=remote-fs.target late.service\n");
  File("late.service",
       "[Unit]\nAfter=remote-fs.target\n[Service]\nType=oneshot\n"
       "ExecStart=/bin/echo late-ran\n");
  // late runs once remote-fs.target is settled: the required mount has
  // failed by then, and the target with it. The nofail one fails alone,
  // whenever it does (late does not wait for it).
  Start({"[late] late-ran", MountUnit(soft) + ": failed"}, {"--fstab", fstab});
  const std::string& err = running_->err();
  EXPECT_LT(At(err, absl::StrCat("remote-fs.target: failed: required unit ",
                                 MountUnit(hard), " failed")),
            At(err, "[late] late-ran"));
  EXPECT_FALSE(absl::StrContains(err, "required unit " + MountUnit(soft)))
      << err;
  EXPECT_EQ(StateOf(MountUnit(hard)), "failed");
  EXPECT_EQ(StateOf(MountUnit(soft)), "failed");
  EXPECT_EQ(StateOf("remote-fs.target"), "failed") << err;
}

TEST_F(RemoteFs, AReloadReadsTheFstabAgain) {
  const std::string a = base_ + "/a", b = base_ + "/b";
  const std::string fstab =
      Fstab(absl::StrCat("src-a ", a, " tmpfs _netdev,size=1m 0 0\n"));
  File("default.target", "[Unit]\nWants=remote-fs.target\n");
  for (const std::string& where : {a, b}) {
    ASSERT_EQ(mkdir(where.c_str(), 0755), 0) << where;
  }
  File(
      "seer.service",
      absl::StrCat("[Service]\nType=oneshot\nExecStart=/bin/sh -c 'grep -q \" ",
                   a, " \" /proc/self/mountinfo && echo a-in; grep -q \" ", b,
                   " \" /proc/self/mountinfo && echo b-in; echo looked'\n"));
  Start({"remote-fs.target: active"}, {"--fstab", fstab});
  ASSERT_EQ(StateOf("remote-fs.target"), "running") << running_->err();

  // A bad line: nothing of the file is applied.
  Fstab(absl::StrCat("src-b ", b, " tmpfs _netdev,size=1m 0 0\n",
                     "src-c relative tmpfs _netdev 0 0\n"));
  CtlResult bad = Ctl({"reload"});
  EXPECT_EQ(bad.status, "exit 0") << bad.out;
  EXPECT_EQ(bad.out, absl::StrCat(fstab,
                                  ":2: warning: MOUNT-POINT is not an absolute "
                                  "path: \"relative\"; its remote file "
                                  "systems' units are kept as they were\n"));
  EXPECT_EQ(StateOf(MountUnit(a)), "running");

  // Fixed: a's unit stops (unmounts), b's starts (mounts).
  Fstab(absl::StrCat("src-b ", b, " tmpfs _netdev,size=1m 0 0\n"));
  CtlResult good = Ctl({"reload"});
  EXPECT_EQ(good.status, "exit 0") << good.out;
  EXPECT_EQ(good.out, absl::StrCat("started: ", Shown(MountUnit(b)),
                                   "\nstopped: ", Shown(MountUnit(a)), "\n"));
  ASSERT_TRUE(running_->WaitForAllStderr(
      {MountUnit(a) + ": stopped", MountUnit(b) + ": running"}))
      << running_->err();
  CtlResult seen = Ctl({"start", "seer"});
  EXPECT_EQ(seen.status, "exit 0") << seen.out;
  ASSERT_TRUE(running_->WaitForStderr("[seer] looked")) << running_->err();
  EXPECT_FALSE(absl::StrContains(running_->err(), "[seer] a-in"))
      << running_->err();
  EXPECT_TRUE(absl::StrContains(running_->err(), "[seer] b-in"))
      << running_->err();
}

// A daemon-reload reads the fstab again too, as systemd reruns its
// generators, and mounts and unmounts nothing: an added entry's unit is
// loaded, not started; a removed entry's stays mounted until stopped.
TEST_F(RemoteFs, ADaemonReloadMountsAndUnmountsNothing) {
  const std::string a = base_ + "/a", b = base_ + "/b";
  const std::string fstab =
      Fstab(absl::StrCat("src-a ", a, " tmpfs _netdev,size=1m 0 0\n"));
  File("default.target", "[Unit]\nWants=remote-fs.target\n");
  for (const std::string& where : {a, b}) {
    ASSERT_EQ(mkdir(where.c_str(), 0755), 0) << where;
  }
  Start({"remote-fs.target: active"}, {"--fstab", fstab});
  Fstab(absl::StrCat("src-b ", b, " tmpfs _netdev,size=1m 0 0\n"));
  CtlResult reload = Ctl({"daemon-reload"});
  EXPECT_EQ(reload.status, "exit 0") << reload.out;
  EXPECT_TRUE(absl::StrContains(reload.out,
                                absl::StrCat("added: ", Shown(MountUnit(b)))))
      << reload.out;
  EXPECT_TRUE(absl::StrContains(reload.out,
                                absl::StrCat("removed: ", Shown(MountUnit(a)))))
      << reload.out;
  EXPECT_EQ(StateOf(MountUnit(a)), "running");
  EXPECT_EQ(StateOf(MountUnit(b)), "inactive");
  // The removed one is unmounted by its stop, and forgotten.
  CtlResult stop = Ctl({"stop", MountUnit(a)});
  EXPECT_EQ(stop.status, "exit 0") << stop.out;
  ASSERT_TRUE(running_->WaitForStderr(MountUnit(a) + ": removed"))
      << running_->err();
  CtlResult start = Ctl({"start", MountUnit(b)});
  EXPECT_EQ(start.status, "exit 0") << start.out;
  EXPECT_EQ(StateOf(MountUnit(b)), "running");
}

}  // namespace
}  // namespace faultinit::testing
