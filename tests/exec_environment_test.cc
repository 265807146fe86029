// Integration tests of the execution environment systemd gives a service
// (docs/units.md, "Execution environment"): the real binary as PID 1 of a
// fresh PID and mount namespace, the effect observed from inside the
// services. /var/lib, /var/cache, /var/log and /etc are private copies in
// that namespace (`in_namespace_first`), /run the tmpfs faultinit mounts:
// nothing a test makes reaches the host.

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace faultinit::testing {
namespace {

class ExecEnvironment : public UnitDirectoryTest {
 protected:
  // Boot with private /var/lib, /var/cache, /var/log (empty tmpfs) and a
  // private copy of /etc, and "/var/lib/precious": a root-owned 0700
  // directory with a file, that no service may have PID 1 change.
  LaunchOptions Boot() const {
    LaunchOptions o = UnitDirectoryTest::Boot();
    const std::string etc = absl::StrCat(dir_, "/etc-copy");
    o.in_namespace_first = absl::StrCat(
        "mount -t tmpfs tmpfs /var/lib; mount -t tmpfs tmpfs /var/cache; "
        "mount -t tmpfs tmpfs /var/log; mkdir -p ",
        etc, "; cp -a /etc/. ", etc, "; mount --bind ", etc,
        " /etc; mkdir -m 0700 /var/lib/precious; "
        "touch /var/lib/precious/file; echo namespace-ready >&2");
    return o;
  }
};

// Each key's directories are made before the service runs, the innermost
// owned by User=/Group= with the key's mode (parents root's, 0755;
// ConfigurationDirectory= root's), named by $RUNTIME_DIRECTORY and its
// family; the runtime ones are removed when the service stops, the others
// stay.
TEST_F(ExecEnvironment, DirectoriesAreMadeOwnedNamedAndRemoved) {
  Unit("dirs",
       "[Service]\nType=oneshot\nUser=nobody\n"
       "RuntimeDirectory=dirs-test nested/deeper\nRuntimeDirectoryMode=0750\n"
       "StateDirectory=st\nCacheDirectory=ca\nLogsDirectory=lo\n"
       "LogsDirectoryMode=2770\nConfigurationDirectory=co\n"
       "ExecStart=/bin/sh -c 'echo run=$RUNTIME_DIRECTORY "
       "state=$STATE_DIRECTORY cache=$CACHE_DIRECTORY logs=$LOGS_DIRECTORY "
       "conf=$CONFIGURATION_DIRECTORY; "
       "stat -c \"%%n %%U:%%G %%a\" /run/dirs-test /run/nested "
       "/run/nested/deeper $STATE_DIRECTORY $CACHE_DIRECTORY "
       "$LOGS_DIRECTORY $CONFIGURATION_DIRECTORY; "
       "touch /run/dirs-test/file && echo writable'\n");
  Unit("after",
       "[Unit]\nAfter=dirs\n[Service]\nType=oneshot\n"
       "ExecStart=/bin/sh -c 'test -e /run/dirs-test || echo run-removed; "
       "test -e /run/nested/deeper || echo deeper-removed; "
       "test -d /run/nested && echo parent-kept; "
       "test -d /var/lib/st && echo state-kept'\n");
  Running r(Boot());
  ASSERT_TRUE(r.WaitForStderr("after: finished"));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  const std::string& err = r.err();
  At(err, "namespace-ready");
  At(err,
     "[dirs] run=/run/dirs-test:/run/nested/deeper state=/var/lib/st "
     "cache=/var/cache/ca logs=/var/log/lo conf=/etc/co\n");
  At(err, "[dirs] /run/dirs-test nobody:nogroup 750\n");
  At(err, "[dirs] /run/nested root:root 755\n");
  At(err, "[dirs] /run/nested/deeper nobody:nogroup 750\n");
  At(err, "[dirs] /var/lib/st nobody:nogroup 755\n");
  At(err, "[dirs] /var/cache/ca nobody:nogroup 755\n");
  At(err, "[dirs] /var/log/lo nobody:nogroup 2770\n");
  At(err, "[dirs] /etc/co root:root 755\n");
  At(err, "[dirs] writable\n");
  size_t finished = At(err, "dirs: finished (exit 0)");
  size_t removed = At(err, "[after] run-removed\n");
  EXPECT_LT(finished, removed);
  At(err, "[after] deeper-removed\n");
  At(err, "[after] parent-kept\n");
  At(err, "[after] state-kept\n");
}

// RuntimeDirectoryPreserve=: restart keeps the directory over an automatic
// restart (no does not); yes keeps it after the service stopped.
TEST_F(ExecEnvironment, RuntimeDirectoryPreserve) {
  // Fails on its first run, leaving a mark in its runtime directory; the
  // restart tells whether the mark is still there.
  auto twice = [](const std::string& name, const std::string& preserve) {
    return absl::StrCat(
        "[Service]\nType=oneshot\nRestart=on-failure\nRestartSec=0\n"
        "RuntimeDirectory=",
        name, "\nRuntimeDirectoryPreserve=", preserve,
        "\nExecStart=/bin/sh -c 'if test -e /run/", name,
        ".once; then test -e $RUNTIME_DIRECTORY/mark && echo kept || "
        "echo fresh; else touch /run/",
        name, ".once $RUNTIME_DIRECTORY/mark; exit 1; fi'\n");
  };
  Unit("over-restart", twice("over-restart", "restart"));
  Unit("not-over-restart", twice("not-over-restart", "no"));
  Unit("forever",
       "[Service]\nType=oneshot\nRuntimeDirectory=forever\n"
       "RuntimeDirectoryPreserve=yes\nExecStart=/bin/true\n");
  // faultinit may start it while over-restart waits to restart: it
  // waits for the removal, polling against a generous deadline (30 s).
  Unit("check",
       "[Unit]\nAfter=forever over-restart not-over-restart\n"
       "[Service]\nType=oneshot\nExecStart=/bin/sh -c "
       "'test -d /run/forever && echo forever-kept; "
       "for i in $(seq 600); do test -e /run/over-restart || break; "
       "sleep 0.05; done; "
       "test -e /run/over-restart || echo over-restart-removed'\n");
  Running r(Boot());
  // "faultinit: " keeps "over-restart" from matching "not-over-restart".
  ASSERT_TRUE(r.WaitForAllStderr({"faultinit: check: finished",
                                  "faultinit: over-restart: finished",
                                  "faultinit: not-over-restart: finished"}));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  const std::string& err = r.err();
  At(err, "[over-restart] kept\n");
  At(err, "[not-over-restart] fresh\n");
  At(err, "[check] forever-kept\n");
  // Kept over the restart, removed once the service finished.
  At(err, "[check] over-restart-removed\n");
}

// A service that made a directory PID 1 will chown into a symbolic link
// (here: StateDirectory=a a/b, so "a" is the service's) fails the next
// start with a one-line reason, and PID 1 changes nothing the link names;
// a link left in a runtime directory is removed, not followed.
TEST_F(ExecEnvironment, PlantedLinksAreNeverFollowed) {
  Unit("planter",
       "[Service]\nType=oneshot\nUser=nobody\nStateDirectory=a\n"
       "RuntimeDirectory=planter\n"
       "ExecStart=/bin/sh -c 'ln -s /var/lib/precious /var/lib/a/b && "
       "ln -s /var/lib/precious /run/planter/link && echo planted'\n");
  Unit("victim",
       "[Unit]\nAfter=planter\n[Service]\nType=oneshot\nUser=nobody\n"
       "StateDirectory=a/b\nStateDirectoryMode=0777\nExecStart=/bin/true\n");
  Unit("check",
       "[Unit]\nAfter=victim\n[Service]\nType=oneshot\nExecStart=/bin/sh -c "
       "'stat -c \"%%n %%U %%a\" /var/lib/precious; "
       "test -e /var/lib/precious/file && echo file-kept; "
       "test -e /run/planter || echo planter-removed'\n");
  Running r(Boot());
  ASSERT_TRUE(r.WaitForStderr("check: finished"));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  const std::string& err = r.err();
  At(err, "[planter] planted\n");
  At(err,
     "victim: failed: StateDirectory=: unable to create /var/lib/a/b: "
     "/var/lib/a/b is a symbolic link (not followed)\n");
  At(err, "[check] /var/lib/precious root 700\n");
  At(err, "[check] file-kept\n");
  At(err, "[check] planter-removed\n");
}

// A StateDirectory= there already with another owner is given to User=
// whole, as systemd does.
TEST_F(ExecEnvironment, ExistingDirectoryIsGivenToTheUserWhole) {
  Unit("owner",
       "[Service]\nType=oneshot\nUser=nobody\nStateDirectory=precious\n"
       "ExecStart=/bin/sh -c 'stat -c \"%%n %%U\" $STATE_DIRECTORY "
       "$STATE_DIRECTORY/file'\n");
  Running r(Boot());
  ASSERT_TRUE(r.WaitForStderr("owner: finished"));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  At(r.err(), "[owner] /var/lib/precious nobody\n");
  At(r.err(), "[owner] /var/lib/precious/file nobody\n");
}

// A directory that cannot be made fails the start, naming key and path.
TEST_F(ExecEnvironment, DirectoryFailureFailsTheStart) {
  Unit("blocked",
       "[Service]\nType=oneshot\nStateDirectory=precious/file/sub\n"
       "ExecStart=/bin/sh -c 'echo should not run'\n");
  Running r(Boot());
  ASSERT_TRUE(r.WaitForStderr("blocked: failed"));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  At(r.err(),
     "blocked: failed: StateDirectory=: unable to create "
     "/var/lib/precious/file/sub: /var/lib/precious/file is not a "
     "directory\n");
  EXPECT_EQ(r.err().find("should not run"), std::string::npos);
}

// Nice=, OOMScoreAdjust=, IOScheduling*=, CPUScheduling*= and
// CPUAffinity= as the service sees them, set before User= takes effect.
TEST_F(ExecEnvironment, SchedulingAttributes) {
  const bool two_cpus = sysconf(_SC_NPROCESSORS_ONLN) >= 2;
  Unit("sched",
       absl::StrCat("[Service]\nType=oneshot\nUser=nobody\nNice=7\n"
                    "OOMScoreAdjust=500\nIOSchedulingClass=best-effort\n"
                    "IOSchedulingPriority=6\nCPUSchedulingPolicy=batch\n"
                    "CPUSchedulingResetOnFork=yes\nCPUAffinity=",
                    two_cpus ? "1" : "0",
                    "\nExecStart=/bin/sh -c 'echo nice=$(nice) "
                    "oom=$(cat /proc/self/oom_score_adj) uid=$(id -u); "
                    "ionice -p $$$$; chrt -p $$$$; "
                    "grep Cpus_allowed_list /proc/self/status'\n"));
  Unit("bad-priority",
       "[Service]\nType=oneshot\nCPUSchedulingPolicy=other\n"
       "CPUSchedulingPriority=50\nExecStart=/bin/sh -c 'echo ran'\n");
  Running r(Boot());
  ASSERT_TRUE(r.WaitForAllStderr({"sched: finished", "bad-priority: failed"}));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  const std::string& err = r.err();
  At(err, "[sched] nice=7 oom=500 uid=65534\n");
  At(err, "[sched] best-effort: prio 6\n");
  At(err, "current scheduling policy: SCHED_BATCH|SCHED_RESET_ON_FORK\n");
  At(err,
     absl::StrCat("[sched] Cpus_allowed_list:\t", two_cpus ? "1" : "0", "\n"));
  At(err,
     "bad-priority: failed: unable to spawn /bin/sh: setting the CPU "
     "scheduling policy: Invalid argument\n");
  EXPECT_EQ(err.find("[bad-priority] ran"), std::string::npos);
}

// SupplementaryGroups= after the account's groups; PassEnvironment= from
// faultinit's environment; Environment=, then EnvironmentFile= (a SHELL=
// there wins over the account's); UnsetEnvironment= last.
TEST_F(ExecEnvironment, GroupsAndEnvironment) {
  const std::string env_file = absl::StrCat(dir_, "/env");
  ASSERT_TRUE(WriteFile(env_file, "SHELL=/bin/from-file\nFROM_FILE=1\n"));
  Unit("groups",
       absl::StrCat(
           "[Service]\nType=oneshot\nUser=nobody\n"
           "SupplementaryGroups=adm 4242\n"
           "PassEnvironment=FAULTINIT_TEST_PASSED FAULTINIT_TEST_UNSET_HERE\n"
           "Environment=FAULTINIT_TEST_PASSED=overridden-by-unit "
           "DROPPED=x\nEnvironmentFile=",
           env_file,
           "\nUnsetEnvironment=DROPPED FROM_FILE=2\n"
           "ExecStart=/bin/sh -c 'echo groups=$(id -G); echo "
           "passed=$FAULTINIT_TEST_PASSED "
           "other=$${FAULTINIT_TEST_OTHER-none} dropped=$${DROPPED-unset} "
           "file=$FROM_FILE shell=$SHELL user=$USER'\n"));
  LaunchOptions o = Boot();
  o.env = {"FAULTINIT_TEST_PASSED=from-faultinit",
           "FAULTINIT_TEST_OTHER=not-passed"};
  Running r(o);
  ASSERT_TRUE(r.WaitForStderr("groups: finished"));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  At(r.err(), "[groups] groups=65534 4 4242\n");
  At(r.err(),
     "[groups] passed=overridden-by-unit other=none dropped=unset file=1 "
     "shell=/bin/from-file user=nobody\n");
}

// PassEnvironment= alone passes faultinit's value.
TEST_F(ExecEnvironment, PassEnvironmentPassesFaultinitsValue) {
  Unit("pass",
       "[Service]\nType=oneshot\nPassEnvironment=FAULTINIT_TEST_PASSED\n"
       "ExecStart=/bin/sh -c 'echo passed=$FAULTINIT_TEST_PASSED'\n");
  LaunchOptions o = Boot();
  o.env = {"FAULTINIT_TEST_PASSED=from-faultinit"};
  Running r(o);
  ASSERT_TRUE(r.WaitForStderr("pass: finished"));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  At(r.err(), "[pass] passed=from-faultinit\n");
}

// User= and Group= are checked when the units load: --check reports a uid
// out of range, which used to pass as a name.
TEST_F(ExecEnvironment, CheckRejectsAnInvalidUser) {
  Unit("big", "[Service]\nUser=4294967296\nExecStart=/bin/true\n");
  LaunchOptions o;
  o.args = {"--check", dir_};
  Result result = RunFaultinit(o);
  EXPECT_EQ(result.status.ToString(), "exit 1");
  At(result.out + result.err,
     absl::StrCat(dir_,
                  "/big.service:2: error: User: invalid name \"4294967296\": "
                  "a number must be from 0 to 4294967294, and not 65535"));
}

}  // namespace
}  // namespace faultinit::testing
