// The execution-environment keys of issue #27 that exec_environment_test,
// resources_test and privileges_test leave out, each observed from inside
// a service of the real faultinit as PID 1 of a fresh PID namespace: the
// environment's precedence (the account's HOME, SHELL, USER, LOGNAME, then
// Environment=, then EnvironmentFile=), every Limit*= in its SOFT:HARD
// form, the *DirectoryMode= keys, the real-time scheduling and I/O
// classes, StandardInput=null, SecureBits=, PAMName= (a warning), and
// User=/Group= checked by --check.

#include <pwd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace faultinit::testing {
namespace {

// Whether this process (and so faultinit) has CAP_SYS_RESOURCE (24): what
// raising a hard limit and lowering oom_score_adj take.
bool HasSysResource() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("CapEff:", 0) != 0) continue;
    return (std::stoull(line.substr(7), nullptr, 16) >> 24) & 1;
  }
  return false;
}

// "unlimited" or a number, as /proc/self/limits writes a limit.
std::string LimitText(rlim_t value) {
  return value == RLIM_INFINITY ? "unlimited" : absl::StrCat(value);
}

class ExecKeys : public UnitDirectoryTest {
 protected:
  // Boot with private, empty /var/lib, /var/cache and /var/log, and a
  // private copy of /etc: nothing the services make reaches the host.
  LaunchOptions PrivateBoot() const {
    LaunchOptions o = Boot();
    const std::string etc = absl::StrCat(dir_, "/etc-copy");
    o.in_namespace_first = absl::StrCat(
        "set -e; for d in /var/lib /var/cache /var/log; do "
        "mount -t tmpfs tmpfs $d; done; mkdir -p ",
        etc, "; cp -a /etc/. ", etc, "; mount --bind ", etc,
        " /etc; echo namespace-ready >&2");
    return o;
  }

  // Boots, waits for "NAME: finished" of each of `units`, stops.
  std::string RunUntilFinished(const LaunchOptions& o,
                               const std::vector<std::string>& units) {
    std::vector<std::string> lines;
    for (const std::string& u : units) {
      lines.push_back(absl::StrCat("faultinit: ", u, ": finished"));
    }
    Running r(o);
    EXPECT_TRUE(r.WaitForAllStderr(lines)) << r.err();
    EXPECT_EQ(r.Terminate().ToString(), "exit 0");
    return r.err();
  }
};

// systemd's order (exec_invoke's strv_env_merge): the User= account's
// HOME, SHELL, USER and LOGNAME; PassEnvironment= over them;
// Environment= over those; EnvironmentFile= over all. Without User= none
// is set (faultinit's own HOME is not passed on).
TEST_F(ExecKeys, EnvironmentPrecedence) {
  const std::string file = dir_ + "/env";
  ASSERT_TRUE(WriteFile(file, "HOME=/from-file\nLOGNAME=file\n"));
  const std::string show =
      "ExecStart=/bin/sh -c 'echo home=$${HOME-unset} shell=$${SHELL-unset} "
      "user=$${USER-unset} logname=$${LOGNAME-unset}'\n";
  Unit("account", "[Service]\nType=oneshot\nUser=nobody\n" + show);
  Unit("root", "[Service]\nType=oneshot\nUser=root\n" + show);
  Unit("layered",
       absl::StrCat("[Service]\nType=oneshot\nUser=nobody\n"
                    "Environment=HOME=/from-unit SHELL=/from-unit USER=unit "
                    "LOGNAME=unit\nEnvironmentFile=",
                    file, "\n", show));
  Unit("no-user", "[Service]\nType=oneshot\n" + show);
  Unit("passed",
       "[Service]\nType=oneshot\nUser=nobody\n"
       "PassEnvironment=HOME SHELL\n" +
           show);
  const struct passwd* root = getpwnam("root");
  ASSERT_NE(root, nullptr);
  const std::string root_shell = root->pw_shell;
  LaunchOptions o = Boot();
  o.in_namespace_first = "export HOME=/faultinits-home; unset SHELL";
  const std::string err =
      RunUntilFinished(o, {"account", "root", "layered", "no-user", "passed"});
  At(err,
     "[account] home=/nonexistent shell=/usr/sbin/nologin user=nobody "
     "logname=nobody\n");
  At(err, absl::StrCat("[root] home=/root shell=", root_shell,
                       " user=root logname=root\n"));
  At(err,
     "[layered] home=/from-file shell=/from-unit user=unit logname=file\n");
  // PassEnvironment= comes after the account (a variable faultinit
  // lacks, SHELL here, is not passed: the account's stays).
  At(err,
     "[passed] home=/faultinits-home shell=/usr/sbin/nologin user=nobody "
     "logname=nobody\n");
  At(err, "[no-user] home=unset shell=unset user=unset logname=unset\n");
}

// Every Limit*=, soft:hard, as /proc/self/limits shows it in the service
// (sizes base 1024, LimitCPU= in seconds, LimitRTTIME= in µs, LimitNICE=
// as 20 - nice). Without CAP_SYS_RESOURCE (a container) a hard limit
// cannot be raised: both values are then lowered to the hard limit
// faultinit has (systemd's setrlimit_closest).
TEST_F(ExecKeys, EveryResourceLimit) {
  struct Limit {
    int resource;
    const char* key;
    const char* value;
    const char* proc_name;  // /proc/self/limits' row
    rlim_t soft, hard;
  };
  constexpr rlim_t kInfinity = RLIM_INFINITY;
  const Limit limits[] = {
      {RLIMIT_CPU, "LimitCPU", "10:1min", "Max cpu time", 10, 60},
      {RLIMIT_FSIZE, "LimitFSIZE", "1M:2M", "Max file size", 1048576, 2097152},
      {RLIMIT_DATA, "LimitDATA", "infinity", "Max data size", kInfinity,
       kInfinity},
      {RLIMIT_STACK, "LimitSTACK", "4M:infinity", "Max stack size", 4194304,
       kInfinity},
      {RLIMIT_CORE, "LimitCORE", "0", "Max core file size", 0, 0},
      {RLIMIT_RSS, "LimitRSS", "1.5G", "Max resident set", 1610612736,
       1610612736},
      {RLIMIT_NOFILE, "LimitNOFILE", "100:200", "Max open files", 100, 200},
      {RLIMIT_AS, "LimitAS", "infinity", "Max address space", kInfinity,
       kInfinity},
      {RLIMIT_NPROC, "LimitNPROC", "500:1000", "Max processes", 500, 1000},
      {RLIMIT_MEMLOCK, "LimitMEMLOCK", "64K", "Max locked memory", 65536,
       65536},
      {RLIMIT_LOCKS, "LimitLOCKS", "300", "Max file locks", 300, 300},
      {RLIMIT_SIGPENDING, "LimitSIGPENDING", "400:500", "Max pending signals",
       400, 500},
      {RLIMIT_MSGQUEUE, "LimitMSGQUEUE", "8K:16K", "Max msgqueue size", 8192,
       16384},
      {RLIMIT_NICE, "LimitNICE", "+5:-5", "Max nice priority", 15, 25},
      {RLIMIT_RTPRIO, "LimitRTPRIO", "10:20", "Max realtime priority", 10, 20},
      {RLIMIT_RTTIME, "LimitRTTIME", "1s:2s", "Max realtime timeout", 1000000,
       2000000},
  };
  const bool raise = HasSysResource();
  std::string unit = "[Service]\nType=oneshot\n";
  for (const Limit& l : limits) {
    absl::StrAppend(&unit, l.key, "=", l.value, "\n");
  }
  Unit("limits", unit + "ExecStart=/bin/cat /proc/self/limits\n");
  const std::string err = RunUntilFinished(Boot(), {"limits"});
  for (const Limit& l : limits) {
    struct rlimit own;
    ASSERT_EQ(getrlimit(l.resource, &own), 0);
    rlim_t soft = l.soft, hard = l.hard;
    if (!raise && own.rlim_max != RLIM_INFINITY && hard > own.rlim_max) {
      soft = std::min(soft, own.rlim_max);
      hard = own.rlim_max;
    }
    const std::string row = absl::StrCat("[limits] ", l.proc_name, " ");
    const size_t at = At(err, row);
    if (at == std::string::npos) continue;
    const std::string line = err.substr(at, err.find('\n', at) - at);
    std::vector<std::string> words =
        absl::StrSplit(line.substr(row.size()), ' ', absl::SkipEmpty());
    ASSERT_GE(words.size(), 2u) << line;
    EXPECT_EQ(absl::StrCat(words[0], ":", words[1]),
              absl::StrCat(LimitText(soft), ":", LimitText(hard)))
        << l.key << "=" << l.value << ": " << line;
  }
}

// Each *DirectoryMode= gives its directory its mode; the directories of
// all but ConfigurationDirectory= belong to User=.
TEST_F(ExecKeys, DirectoryModes) {
  Unit("modes",
       "[Service]\nType=oneshot\nUser=nobody\n"
       "RuntimeDirectory=ru\nRuntimeDirectoryMode=0700\n"
       "StateDirectory=st\nStateDirectoryMode=0750\n"
       "CacheDirectory=ca\nCacheDirectoryMode=0711\n"
       "LogsDirectory=lo\nLogsDirectoryMode=0701\n"
       "ConfigurationDirectory=co\nConfigurationDirectoryMode=0710\n"
       "ExecStart=/bin/stat -c \"%%n %%U:%%G %%a\" $RUNTIME_DIRECTORY "
       "$STATE_DIRECTORY $CACHE_DIRECTORY $LOGS_DIRECTORY "
       "$CONFIGURATION_DIRECTORY\n");
  const std::string err = RunUntilFinished(PrivateBoot(), {"modes"});
  At(err, "[modes] /run/ru nobody:nogroup 700\n");
  At(err, "[modes] /var/lib/st nobody:nogroup 750\n");
  At(err, "[modes] /var/cache/ca nobody:nogroup 711\n");
  At(err, "[modes] /var/log/lo nobody:nogroup 701\n");
  At(err, "[modes] /etc/co root:root 710\n");
}

// The real-time policies with CPUSchedulingPriority=, the other I/O
// classes, a negative Nice= and OOMScoreAdjust=, two CPUs in
// CPUAffinity=.
TEST_F(ExecKeys, RealTimeAndIoClasses) {
  // A kernel with real-time group scheduling and no run time for this
  // cgroup refuses SCHED_RR to everyone: nothing to observe then.
  if (RunCommand({"/bin/sh", "-c", "chrt -r 1 true"}, 30000).exit_code != 0) {
    GTEST_SKIP() << "SCHED_RR is refused here";
  }
  const bool two_cpus = sysconf(_SC_NPROCESSORS_ONLN) >= 2;
  const std::string show =
      "ExecStart=/bin/sh -c 'echo nice=$(nice) oom=$(cat "
      "/proc/self/oom_score_adj); chrt -p $$$$; ionice -p $$$$; "
      "grep Cpus_allowed_list /proc/self/status'\n";
  Unit("rr",
       "[Service]\nType=oneshot\nCPUSchedulingPolicy=rr\n"
       "CPUSchedulingPriority=10\nIOSchedulingClass=realtime\n"
       "IOSchedulingPriority=3\nNice=-5\nOOMScoreAdjust=-100\n" +
           show);
  Unit("fifo", absl::StrCat("[Service]\nType=oneshot\n"
                            "CPUSchedulingPolicy=fifo\n"
                            "CPUSchedulingPriority=5\nIOSchedulingClass=idle\n"
                            "CPUAffinity=",
                            two_cpus ? "0 1" : "0", "\n", show));
  Unit("idle", "[Service]\nType=oneshot\nCPUSchedulingPolicy=idle\n" + show);
  const std::string err = RunUntilFinished(Boot(), {"rr", "fifo", "idle"});
  // Lowering the OOM score takes CAP_SYS_RESOURCE; without it (a
  // container) the service runs with PID 1's, as in systemd.
  At(err,
     HasSysResource() ? "[rr] nice=-5 oom=-100\n" : "[rr] nice=-5 oom=0\n");
  At(err, "scheduling policy: SCHED_RR\n");
  At(err, "scheduling priority: 10\n");
  At(err, "[rr] realtime: prio 3\n");
  At(err, "scheduling policy: SCHED_FIFO\n");
  At(err, "scheduling priority: 5\n");
  At(err, "[fifo] idle\n");
  At(err,
     absl::StrCat("[fifo] Cpus_allowed_list:\t", two_cpus ? "0-1" : "0", "\n"));
  At(err, "scheduling policy: SCHED_IDLE\n");
}

// StandardInput=null (and its default): the service's stdin is /dev/null,
// not faultinit's (a pipe here).
TEST_F(ExecKeys, StandardInputNull) {
  const std::string show = "ExecStart=/bin/readlink /proc/self/fd/0\n";
  Unit("null", "[Service]\nType=oneshot\nStandardInput=null\n" + show);
  Unit("default", "[Service]\nType=oneshot\n" + show);
  LaunchOptions o = Boot();
  o.stdin_data = "faultinit's stdin\n";
  const std::string err = RunUntilFinished(o, {"null", "default"});
  At(err, "[null] /dev/null\n");
  At(err, "[default] /dev/null\n");
}

// SecureBits=noroot: root gains no capabilities by exec; without it root
// has them.
TEST_F(ExecKeys, SecureBitsNoroot) {
  const std::string show =
      "ExecStart=/bin/sh -c 'grep -e CapPrm -e CapEff /proc/self/status | "
      "tr \"\\t\\n\" \"  \"; echo uid=$(id -u)'\n";
  Unit("noroot", "[Service]\nType=oneshot\nSecureBits=noroot\n" + show);
  Unit("plain", "[Service]\nType=oneshot\n" + show);
  const std::string err = RunUntilFinished(Boot(), {"noroot", "plain"});
  At(err, "[noroot] CapPrm: 0000000000000000 CapEff: 0000000000000000 uid=0\n");
  const size_t plain = At(err, "[plain] CapPrm: ");
  ASSERT_NE(plain, std::string::npos);
  EXPECT_NE(err.substr(plain + 16, 16), "0000000000000000") << err;
}

// PAMName=: --check warns what differs (no PAM session), and the service
// runs with User= all the same.
TEST_F(ExecKeys, PamNameWarnsAndRuns) {
  Unit("pam",
       "[Service]\nType=oneshot\nUser=nobody\nPAMName=login\n"
       "ExecStart=/bin/sh -c 'echo uid=$(id -u)'\n");
  LaunchOptions check;
  check.args = {"--check", dir_};
  Result checked = RunFaultinit(check);
  EXPECT_EQ(checked.status.ToString(), "exit 0") << checked.err;
  At(checked.out + checked.err,
     absl::StrCat(dir_,
                  "/pam.service:4: warning: PAMName: differs from systemd: "
                  "faultinit opens no PAM session for \"login\""));
  const std::string err = RunUntilFinished(Boot(), {"pam"});
  At(err, "[pam] uid=65534\n");
}

// User= and Group= are checked when the unit loads: numbers 0 to
// 4294967294 but 65535, and systemd's name rules.
TEST_F(ExecKeys, CheckRejectsInvalidUsersAndGroups) {
  Unit("big-group", "[Service]\nGroup=4294967296\nExecStart=/bin/true\n");
  Unit("minus-one", "[Service]\nUser=-1\nExecStart=/bin/true\n");
  Unit("bad-name", "[Service]\nGroup=a:b\nExecStart=/bin/true\n");
  Unit("nobody-id", "[Service]\nUser=65535\nExecStart=/bin/true\n");
  Unit("minus-one-id", "[Service]\nGroup=4294967295\nExecStart=/bin/true\n");
  LaunchOptions o;
  o.args = {"--check", dir_};
  Result result = RunFaultinit(o);
  EXPECT_EQ(result.status.ToString(), "exit 1");
  const std::string all = result.out + result.err;
  At(all, absl::StrCat(dir_,
                       "/big-group.service:2: error: Group: invalid name "
                       "\"4294967296\": a number must be from 0 to "
                       "4294967294, and not 65535"));
  At(all, absl::StrCat(dir_,
                       "/minus-one.service:2: error: User: invalid name "
                       "\"-1\""));
  At(all, absl::StrCat(dir_,
                       "/bad-name.service:2: error: Group: invalid name "
                       "\"a:b\""));
  At(all, absl::StrCat(dir_,
                       "/nobody-id.service:2: error: User: invalid name "
                       "\"65535\""));
  At(all, absl::StrCat(dir_,
                       "/minus-one-id.service:2: error: Group: invalid name "
                       "\"4294967295\""));
}

}  // namespace
}  // namespace faultinit::testing
