// Integration tests of a service's privileges (docs/units.md, "Command
// lines" and [Service]: CapabilityBoundingSet=, AmbientCapabilities=,
// NoNewPrivileges=, PermissionsStartOnly=, the "+", "!" and "!!"
// prefixes): the real binary as PID 1 of a PID namespace, the effect read
// by the services from their own /proc/self/status.

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace faultinit::testing {
namespace {

using Privileges = UnitDirectoryTest;

// A command that prints, as "[unit] LABEL ...", the shell's own uid,
// ambient and effective sets, no-new-privileges, and whether CAP_SYS_ADMIN
// (21) is in its bounding set.
std::string Show(const std::string& label) {
  return absl::StrCat(
      "/bin/sh -c 'while read -r k v; do case $k in CapBnd:) b=$v;; "
      "CapAmb:) a=$v;; CapEff:) e=$v;; NoNewPrivs:) n=$v;; esac; "
      "done </proc/self/status; echo ",
      label,
      " uid=$(id -u) amb=$a eff=$e nnp=$n "
      "sysadmin=$(( (0x$b >> 21) & 1 ))'");
}

// AmbientCapabilities= with User=: the capability survives the change of
// user into the ambient and effective sets; without it a user has none.
TEST_F(Privileges, AmbientCapabilitiesAcrossTheChangeOfUser) {
  Unit("ambient", absl::StrCat("[Service]\nType=oneshot\nUser=nobody\n"
                               "AmbientCapabilities=CAP_NET_BIND_SERVICE\n"
                               "ExecStart=",
                               Show("ambient"), "\n"));
  Unit("plain", absl::StrCat("[Service]\nType=oneshot\nUser=nobody\n"
                             "ExecStart=",
                             Show("plain"), "\n"));
  Running r(Boot());
  ASSERT_TRUE(r.WaitForAllStderr({"ambient: finished", "plain: finished"}));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  // CAP_NET_BIND_SERVICE is 10.
  At(r.err(),
     "[ambient] ambient uid=65534 amb=0000000000000400 "
     "eff=0000000000000400 nnp=0");
  At(r.err(),
     "[plain] plain uid=65534 amb=0000000000000000 eff=0000000000000000 "
     "nnp=0");
}

// CapabilityBoundingSet=~CAP_SYS_ADMIN drops it from the bounding set
// (and so from root's effective set); NoNewPrivileges=yes sets NoNewPrivs.
TEST_F(Privileges, BoundingSetAndNoNewPrivileges) {
  Unit("bounded", absl::StrCat("[Service]\nType=oneshot\n"
                               "CapabilityBoundingSet=~CAP_SYS_ADMIN\n"
                               "ExecStart=",
                               Show("bounded"), "\n"));
  Unit("nnp", absl::StrCat("[Service]\nType=oneshot\nNoNewPrivileges=yes\n"
                           "ExecStart=",
                           Show("nnp"), "\n"));
  Unit("root",
       absl::StrCat("[Service]\nType=oneshot\nExecStart=", Show("root"), "\n"));
  Running r(Boot());
  ASSERT_TRUE(r.WaitForAllStderr(
      {"bounded: finished", "nnp: finished", "root: finished"}));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  At(r.err(), "[root] root uid=0 amb=0000000000000000");
  At(r.err(), "nnp=0 sysadmin=1\n");  // what the test has to drop
  At(r.err(), "[bounded] bounded uid=0 ");
  At(r.err(), "nnp=0 sysadmin=0\n");
  At(r.err(), "[nnp] nnp uid=0 ");
  At(r.err(), "nnp=1 sysadmin=1\n");
  // root's effective set lost CAP_SYS_ADMIN with the bounding set.
  const size_t bounded = At(r.err(), "[bounded] bounded uid=0 ");
  const size_t eff = r.err().find("eff=", bounded);
  ASSERT_NE(eff, std::string::npos);
  const uint64_t effective =
      std::stoull(r.err().substr(eff + 4, 16), nullptr, 16);
  EXPECT_EQ(effective >> 21 & 1, 0u);
}

// "+" runs a step as root with nothing of the unit's privilege settings;
// "!" as root with them; "!!" (a kernel with ambient capabilities) as if
// it had no prefix; PermissionsStartOnly= makes every step but ExecStart=
// as "+".
TEST_F(Privileges, PrefixesExemptASteps) {
  Unit("prefixed", absl::StrCat("[Service]\nType=oneshot\nUser=nobody\n"
                                "NoNewPrivileges=yes\nExecStartPre=+",
                                Show("plus"), "\nExecStartPre=!", Show("bang"),
                                "\nExecStartPre=!!", Show("bangbang"),
                                "\nExecStart=", Show("main"), "\n"));
  Unit("start-only",
       absl::StrCat("[Service]\nType=oneshot\nUser=nobody\n"
                    "PermissionsStartOnly=yes\nNoNewPrivileges=yes\n"
                    "ExecStartPre=",
                    Show("pre"), "\nExecStart=", Show("main"), "\n"));
  Running r(Boot());
  ASSERT_TRUE(
      r.WaitForAllStderr({"prefixed: finished", "start-only: finished"}));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  const std::string& err = r.err();
  At(err, "[prefixed] plus uid=0 ");
  At(err, "[prefixed] bang uid=0 ");
  At(err, "[prefixed] bangbang uid=65534 ");
  At(err, "[prefixed] main uid=65534 ");
  At(err, "[start-only] pre uid=0 ");
  At(err, "[start-only] main uid=65534 ");
  // No-new-privileges: not for "+" (nor PermissionsStartOnly='s steps),
  // for "!" and the rest.
  auto nnp = [&](const std::string& line) {
    const size_t at = At(err, line);
    const size_t n = err.find("nnp=", at);
    return n == std::string::npos ? std::string("?") : err.substr(n + 4, 1);
  };
  EXPECT_EQ(nnp("[prefixed] plus "), "0");
  EXPECT_EQ(nnp("[prefixed] bang "), "1");
  EXPECT_EQ(nnp("[prefixed] bangbang "), "1");
  EXPECT_EQ(nnp("[prefixed] main "), "1");
  EXPECT_EQ(nnp("[start-only] pre "), "0");
  EXPECT_EQ(nnp("[start-only] main "), "1");
  At(err, "warning: PermissionsStartOnly=yes is deprecated");
}

}  // namespace
}  // namespace faultinit::testing
