// The unit-file specifiers real units use (systemd.unit(5), "Specifiers"),
// with systemd's values for the system manager, as a service sees them:
// the real faultinit as PID 1 of a fresh PID, UTS and mount namespace with
// a private /etc (its machine ID and host name known to the test), the
// values printed by the services.

#include <sys/utsname.h>

#include <fstream>
#include <iterator>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace faultinit::testing {
namespace {

constexpr char kMachineId[] = "0123456789abcdef0123456789abcdef";

class Specifiers : public UnitDirectoryTest {
 protected:
  // Boots with a private /etc (machine ID, host name fi-spec-host) and
  // the environment `env_first` sets (an export or unset) for PID 1.
  LaunchOptions Boot(const std::string& env_first) const {
    LaunchOptions o = UnitDirectoryTest::Boot();
    o.in_namespace_first = absl::StrCat(
        "set -e; cd ", dir_, "; mkdir etc; cp -a /etc/. etc; echo ", kMachineId,
        " > etc/machine-id; echo fi-spec-host > etc/hostname; "
        "mount --bind etc /etc; cd /; ",
        env_first, "; echo namespace-ready >&2");
    return o;
  }
};

std::string BootId() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id((std::istreambuf_iterator<char>(in)),
                 std::istreambuf_iterator<char>());
  return absl::StrReplaceAll(absl::StripAsciiWhitespace(id), {{"-", ""}});
}

// Each specifier in a command line and in Environment=, with User= set:
// %u %U %g %G %h are still the manager's (root), as systemd has them.
TEST_F(Specifiers, ValuesSeenByTheService) {
  const std::string all =
      "I=%I f=%f h=%h u=%u U=%U g=%g G=%G H=%H m=%m b=%b v=%v S=%S C=%C "
      "L=%L E=%E T=%T V=%V";
  // Instance "a\x2db-c": %i as written, %I "a-b/c", %f "/a-b/c".
  Unit("spec@a\\x2db-c",
       absl::StrCat("[Service]\nType=oneshot\nUser=nobody\n"
                    "Environment=\"FROM_ENV=%i %I\"\n"
                    "ExecStart=/bin/echo ",
                    all, "\nExecStart=/bin/sh -c 'echo env=\"$FROM_ENV\"'\n"));
  // Not a template: %f is the prefix, unescaped as a path.
  Unit("plain-name", "[Service]\nType=oneshot\nExecStart=/bin/echo f=%f\n");
  Running r(Boot("unset TMPDIR TEMP TMP"));
  ASSERT_TRUE(r.WaitForAllStderr(
      {"namespace-ready", "spec@a\\x2db-c: finished", "plain-name: finished"}));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  struct utsname u;
  ASSERT_EQ(uname(&u), 0);
  At(r.err(), absl::StrCat("[spec@a\\x2db-c] I=a-b/c f=/a-b/c h=/root u=root "
                           "U=0 g=root G=0 H=fi-spec-host m=",
                           kMachineId, " b=", BootId(), " v=", u.release,
                           " S=/var/lib C=/var/cache L=/var/log E=/etc T=/tmp "
                           "V=/var/tmp\n"));
  At(r.err(), "[spec@a\\x2db-c] env=a\\x2db-c a-b/c\n");
  At(r.err(), "[plain-name] f=/plain/name\n");
}

// %T and %V are $TMPDIR, else $TEMP, else $TMP of the manager when that
// is an absolute path to a directory (systemd's tmp_dir and var_tmp_dir);
// a relative one is passed over.
TEST_F(Specifiers, TemporaryDirectoriesFollowTheManagersEnvironment) {
  Unit("tmp", "[Service]\nType=oneshot\nExecStart=/bin/echo T=%T V=%V\n");
  const std::string tmp = dir_ + "/tmpdir";
  Running r(Boot(absl::StrCat(
      "mkdir ", tmp, "; export TMPDIR=relative TEMP=", tmp, "; unset TMP")));
  ASSERT_TRUE(r.WaitForAllStderr({"namespace-ready", "tmp: finished"}));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  At(r.err(), absl::StrCat("[tmp] T=", tmp, " V=", tmp, "\n"));
}

}  // namespace
}  // namespace faultinit::testing
