// System mode's resources, on the real binary as PID 1 of a fresh PID
// namespace: the resource limits services get (Limit*=, and LimitNOFILE='s
// default of 1024 under PID 1's raised limit), and the descriptors PID 1
// keeps for the services' output (one per service, none once no process
// writes; output of processes a service left behind is still read). Every
// wait is on a line faultinit or a service prints; where no event exists
// (a descriptor closing in PID 1), a bounded poll of /proc.

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "init/supervisor/descriptor_limits.h"
#include "runtime/fd.h"
#include "tests/harness.h"

namespace faultinit::testing {
namespace {

using Resources = UnitDirectoryTest;

// "SOFT HARD" of /proc/PID/limits' line for `name` ("Max open files").
std::string LimitsLine(pid_t pid, const std::string& name) {
  fault::UniqueFd fd(open(absl::StrCat("/proc/", pid, "/limits").c_str(),
                          O_RDONLY | O_CLOEXEC));
  std::string text = fault::ReadAll(fd.get(), 1 << 16).value_or("");
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::StartsWith(line, name)) continue;
    std::vector<absl::string_view> words =
        absl::StrSplit(line.substr(name.size()), ' ', absl::SkipEmpty());
    if (words.size() >= 2) return absl::StrCat(words[0], " ", words[1]);
  }
  return "";
}

// Pipes among `pid`'s descriptors above 2 (0-2 are the harness's).
int PipesAbove2(pid_t pid) {
  const std::string dir = absl::StrCat("/proc/", pid, "/fd");
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return -1;
  int pipes = 0;
  while (struct dirent* entry = readdir(d)) {
    if (atoi(entry->d_name) <= 2) continue;
    char target[256];
    ssize_t n = readlink(absl::StrCat(dir, "/", entry->d_name).c_str(), target,
                         sizeof target);
    if (n > 0 && absl::StartsWith(absl::string_view(target, n), "pipe:")) {
      ++pipes;
    }
  }
  closedir(d);
  return pipes;
}

// Started with a soft RLIMIT_NOFILE of 512, PID 1 raises its own, both
// values, to fs.nr_open (where it may not raise the hard limit: the soft
// one to the hard one); a service gets 1024:max(hard, 524288), at most
// nr_open and at most what it may raise its hard limit to, unless
// LimitNOFILE= says otherwise; LimitCPU= (a time span) is seen as seconds.
TEST_F(Resources, LimitsSeenInsideServices) {
  struct rlimit own;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &own), 0);
  ASSERT_GE(own.rlim_max, 1024u) << "the test needs a hard limit of 1024";
  const rlim_t nr_open = ReadNrOpen();
  const bool raises = HardNofileAvailable(nr_open);
  const std::string pid1_limit =
      raises ? absl::StrCat(std::max(own.rlim_max, nr_open))
             : absl::StrCat(own.rlim_max);
  const std::string hard =
      raises ? absl::StrCat(ServiceNofileHard(own.rlim_max, nr_open))
             : absl::StrCat(own.rlim_max);
  const std::string report =
      "ExecStart=/bin/sh -c 'echo nofile=$(ulimit -Sn):$(ulimit -Hn) "
      "cpu=$(ulimit -t)'\n";
  Unit("plain", "[Service]\nType=oneshot\n" + report);
  Unit("limited",
       "[Service]\nType=oneshot\nLimitNOFILE=100:200\nLimitCPU=1h\n" + report);
  LaunchOptions o = Boot();
  o.before_exec = [] {
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) _exit(120);
    limit.rlim_cur = 512;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) _exit(121);
  };
  Running r(o);
  ASSERT_TRUE(r.WaitForAllStderr({"plain: finished", "limited: finished"}));
  EXPECT_EQ(LimitsLine(r.faultinit_pid(), "Max open files"),
            pid1_limit + " " + pid1_limit);
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  EXPECT_NE(r.err().find("[plain] nofile=1024:" + hard + " cpu=unlimited\n"),
            std::string::npos)
      << r.err();
  EXPECT_NE(r.err().find("[limited] nofile=100:200 cpu=3600\n"),
            std::string::npos)
      << r.err();
}

// PID 1 holds one descriptor per service for output, also while a process
// the service left behind (KillMode=process) holds the pipe; what that
// process writes after the main process ended is logged; once it is gone
// PID 1 holds none for that service.
TEST_F(Resources, OneOutputDescriptorPerServiceAndLeftoversStillHeard) {
  const std::string fifo = dir_ + "/go";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  Unit("a", "[Service]\nExecStart=/bin/sleep 1000\n");
  Unit("b", "[Service]\nExecStart=/bin/sleep 1000\n");
  Unit("parent",
       absl::StrCat("[Service]\nKillMode=process\n"
                    "ExecStart=/bin/sh -c '(read x < ",
                    fifo, "; echo from the leftover) & echo from the main'\n"));
  Running r(Boot());
  ASSERT_TRUE(
      r.WaitForAllStderr({"a: running", "b: running", "[parent] from the main",
                          "parent: "
                          "finished"}));
  const pid_t pid1 = r.faultinit_pid();
  EXPECT_EQ(PipesAbove2(pid1), 3);  // a, b, and parent's leftover's
  {
    fault::UniqueFd go(open(fifo.c_str(), O_WRONLY | O_CLOEXEC));
    ASSERT_TRUE(go.valid());
    ASSERT_EQ(write(go.get(), "\n", 1), 1);
  }
  ASSERT_TRUE(r.WaitForStderr("[parent] from the leftover"));
  // The leftover has exited: its pipe is closed (no event tells when).
  int pipes = -1;
  for (int waited = 0; waited < 30000; waited += 10) {
    pipes = PipesAbove2(pid1);
    if (pipes == 2) break;
    poll(nullptr, 0, 10);
  }
  EXPECT_EQ(pipes, 2);
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
}

}  // namespace
}  // namespace faultinit::testing
