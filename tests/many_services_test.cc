// Many services under the descriptor limits a real PID 1 gets from the
// kernel (RLIMIT_NOFILE soft 1024, hard 4096), with faultinit as PID 1 of
// a PID namespace: every one starts (issue 26). 2,000: PID 1 kept both
// ends of each output pipe and never raised its soft limit, so 504
// started. 4,000: PID 1 also kept a pidfd for each process, so about 2,040
// started; a pidfd is now kept only while it leaves a descriptor for every
// service's output. PID 1 raises its soft limit to the hard one and keeps
// one descriptor per service for output. A correctness test: no timing is
// asserted; the wait polls `faultctl status` against a generous deadline.

#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace faultinit::testing {
namespace {

size_t Count(const std::string& haystack, const std::string& text) {
  size_t n = 0;
  for (size_t at = haystack.find(text); at != std::string::npos;
       at = haystack.find(text, at + text.size())) {
    ++n;
  }
  return n;
}

// How many of `pid`'s descriptors are pipes.
int PipesOf(pid_t pid) {
  const std::string dir = absl::StrCat("/proc/", pid, "/fd");
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return -1;
  int pipes = 0;
  while (struct dirent* entry = readdir(d)) {
    char target[256];
    const std::string path = absl::StrCat(dir, "/", entry->d_name);
    ssize_t n = readlink(path.c_str(), target, sizeof target - 1);
    if (n > 0 && absl::StartsWith(absl::string_view(target, n), "pipe:")) {
      ++pipes;
    }
  }
  closedir(d);
  return pipes;
}

// RunMany starts `services` services, each capturing its output, under
// faultinit as PID 1 with RLIMIT_NOFILE `soft`:`hard`, and checks that all
// run, with one pipe per service in PID 1, and that it stops them all.
void RunMany(int services, rlim_t soft, rlim_t hard) {
  const int kServices = services;
  std::string why;
  if (!PidNamespacesAvailable(&why)) GTEST_SKIP() << why;
  char pattern[] = "/var/tmp/faultinit-many.XXXXXX";  // sun_path is short
  ASSERT_NE(mkdtemp(pattern), nullptr);
  const std::string base = pattern;
  const std::string units = base + "/units";
  const std::string socket = base + "/control";
  ASSERT_EQ(mkdir(units.c_str(), 0755), 0);
  for (int i = 0; i < kServices; ++i) {
    // The journal (the default) for output: a pipe per service.
    ASSERT_TRUE(WriteFile(absl::StrCat(units, "/s", i, ".service"),
                          "[Service]\nExecStart=/bin/sleep infinity\n"));
  }
  LaunchOptions o;
  o.args = {"--services", units, "--control", socket};
  o.pid_namespace = true;
  o.before_exec = [soft, hard] {
    struct rlimit limits = {soft, hard};
    if (setrlimit(RLIMIT_NOFILE, &limits) != 0) _exit(120);
  };
  Running r(o);

  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::minutes(10);
  size_t running = 0;
  std::string last;
  while (std::chrono::steady_clock::now() < deadline) {
    CommandResult status = RunCommand(
        {FaultctlPath(), "--socket", socket, "status", "--json"}, 60 * 1000);
    last = status.output;
    running = Count(status.output, "\"state\":\"running\"");
    if (running == static_cast<size_t>(kServices)) break;
    poll(nullptr, 0, 200);  // a bounded poll of faultctl: no event exists
  }
  EXPECT_EQ(running, static_cast<size_t>(kServices))
      << last.substr(0, 2000) << "\n"
      << r.err().substr(0, 2000);
  // One descriptor per service for its output (and a few of its own).
  const int pipes = PipesOf(r.faultinit_pid());
  EXPECT_GE(pipes, kServices);
  EXPECT_LE(pipes, kServices + 10);

  r.Signal(SIGTERM);
  EXPECT_EQ(r.Wait().ToString(), "exit 0") << r.err().substr(0, 2000);
  EXPECT_EQ(Count(r.err(), "unable to create pipe"), 0u)
      << r.err().substr(0, 2000);
  EXPECT_EQ(system(("rm -rf " + base).c_str()), 0);
}

// What init gets from the kernel: soft 1024, hard 4096.
TEST(ManyServices, TwoThousandStartUnderTheKernelsDescriptorLimits) {
  RunMany(2000, 1024, 4096);
}

// Nearly as many services as descriptors: one each for output, no pidfd
// left over for most of their processes (watched through SIGCHLD).
TEST(ManyServices, FourThousandStartUnderTheKernelsDescriptorLimits) {
  RunMany(4000, 1024, 4096);
}

}  // namespace
}  // namespace faultinit::testing
