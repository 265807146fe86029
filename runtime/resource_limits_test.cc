// ResourceLimits applied by Spawn in the child (SpawnOptions::
// resource_limits).

#include "runtime/resource_limits.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "gtest/gtest.h"
#include "runtime/exit_status.h"
#include "runtime/fd.h"
#include "runtime/spawn.h"

namespace fault {
namespace {

ExitStatus Wait(pid_t pid) {
  siginfo_t info = {};
  EXPECT_EQ(waitid(P_PID, pid, &info, WEXITED), 0);
  return ExitStatus::FromSiginfo(info);
}

// Runs `script` under /bin/sh with `limits`; returns its output.
std::string Output(const ResourceLimits& limits, const std::string& script) {
  StatusOr<Pipe> out = MakePipe();
  SpawnOptions options;
  options.argv = {"sh", "-c", script};
  options.stdout_fd = out->write.get();
  options.resource_limits = limits;
  StatusOr<pid_t> pid = Spawn(options);
  EXPECT_TRUE(pid.ok()) << pid.status().ToString();
  if (!pid.ok()) return "";
  out->write.Reset();
  StatusOr<std::string> text = ReadAll(out->read.get(), 1 << 16);
  Wait(*pid);
  return text.value_or("");
}

struct rlimit Own(int resource) {
  struct rlimit limit = {};
  EXPECT_EQ(getrlimit(resource, &limit), 0);
  return limit;
}

TEST(ResourceLimits, SetFindClear) {
  ResourceLimits limits;
  EXPECT_TRUE(limits.empty());
  limits.Set(RLIMIT_NOFILE, 1, 2);
  limits.Set(RLIMIT_CORE, 0, 0);
  limits.Set(RLIMIT_NOFILE, 3, 4);
  ASSERT_NE(limits.Find(RLIMIT_NOFILE), nullptr);
  EXPECT_EQ(limits.Find(RLIMIT_NOFILE)->soft, 3u);
  EXPECT_EQ(limits.limits.size(), 2u);
  limits.Clear(RLIMIT_NOFILE);
  EXPECT_EQ(limits.Find(RLIMIT_NOFILE), nullptr);
  EXPECT_EQ(ResourceLimitKey(RLIMIT_RTTIME), "LimitRTTIME");
  EXPECT_EQ(ResourceLimitKey(-1), "");
}

// The child sees the limits; the parent's are untouched.
TEST(ResourceLimits, AppliedInTheChild) {
  const struct rlimit before = Own(RLIMIT_NOFILE);
  ASSERT_GE(before.rlim_max, 100u);
  ResourceLimits limits;
  limits.Set(RLIMIT_NOFILE, 50, 100);
  limits.Set(RLIMIT_CORE, 0, 0);
  EXPECT_EQ(Output(limits, "ulimit -Sn; ulimit -Hn; ulimit -c"),
            "50\n100\n0\n");
  EXPECT_EQ(Own(RLIMIT_NOFILE).rlim_cur, before.rlim_cur);
  EXPECT_EQ(Own(RLIMIT_NOFILE).rlim_max, before.rlim_max);
}

// A hard limit above what may be set (RLIMIT_NOFILE above fs.nr_open,
// EPERM even for root) is lowered to the current hard limit, as systemd's
// setrlimit_closest does.
TEST(ResourceLimits, ClosestWhenAboveWhatMayBeSet) {
  const struct rlimit own = Own(RLIMIT_NOFILE);
  ResourceLimits limits;
  limits.Set(RLIMIT_NOFILE, RLIM_INFINITY, RLIM_INFINITY);
  EXPECT_EQ(Output(limits, "ulimit -Sn; ulimit -Hn"),
            std::to_string(own.rlim_max) + "\n" + std::to_string(own.rlim_max) +
                "\n");
}

// A limit that cannot be set at all fails the spawn, naming the key.
TEST(ResourceLimits, FailureNamesTheKey) {
  SpawnOptions options;
  options.argv = {"true"};
  options.resource_limits.Set(RLIMIT_NOFILE, 20, 10);  // soft above hard
  StatusOr<pid_t> pid = Spawn(options);
  EXPECT_EQ(pid.status().code(), StatusCode::kAborted);
  EXPECT_EQ(pid.status().message(),
            "unable to spawn true: setting LimitNOFILE=20:10: Invalid "
            "argument");
}

}  // namespace
}  // namespace fault
