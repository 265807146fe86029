#include "runtime/process_attributes.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>

#include "gtest/gtest.h"
#include "runtime/testing/child.h"

namespace fault {
namespace {

// What a child that applied the attributes sees of itself.
struct Seen {
  int error = -1;
  int failed = -1;
  int nice = 0;
  int oom = 0;
  int ioprio = 0;
  int policy = 0;
  unsigned long affinity = 0;  // CPUs 0-63
};

Seen ApplyInChild(const ProcessAttributes& attributes) {
  std::optional<Seen> answer = testing::ValueInChild<Seen>([&] {
    Seen seen;
    ProcessAttribute which = ProcessAttribute::kNice;
    seen.error = ApplyProcessAttributes(attributes, &which);
    seen.failed = seen.error == 0 ? -1 : static_cast<int>(which);
    errno = 0;
    seen.nice = getpriority(PRIO_PROCESS, 0);
    FILE* f = fopen("/proc/self/oom_score_adj", "r");
    if (f != nullptr) {
      if (fscanf(f, "%d", &seen.oom) != 1) seen.oom = -9999;
      fclose(f);
    }
    seen.ioprio = static_cast<int>(syscall(SYS_ioprio_get, 1, 0));
    seen.policy = static_cast<int>(syscall(SYS_sched_getscheduler, 0));
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
      for (int cpu = 0; cpu < 64; ++cpu) {
        if (CPU_ISSET(cpu, &set)) seen.affinity |= 1ul << cpu;
      }
    }
    return seen;
  });
  EXPECT_TRUE(answer.has_value()) << "no answer from the child";
  return answer.value_or(Seen{});
}

TEST(ProcessAttributes, EmptyChangesNothing) {
  ProcessAttributes none;
  EXPECT_TRUE(none.empty());
  Seen before = ApplyInChild(none);
  EXPECT_EQ(before.error, 0);
  EXPECT_EQ(before.nice, getpriority(PRIO_PROCESS, 0));
}

TEST(ProcessAttributes, EachIsApplied) {
  ProcessAttributes a;
  a.nice_set = true;
  a.nice = 7;
  a.oom_score_adjust_set = true;
  a.oom_score_adjust = 512;
  a.io_priority_set = true;
  a.io_class = IoClass::kIdle;
  a.io_level = 0;
  a.cpu_scheduling_set = true;
  a.cpu_policy = SCHED_BATCH;
  a.cpu_affinity = {1};  // CPU 0
  EXPECT_FALSE(a.empty());
  Seen seen = ApplyInChild(a);
  EXPECT_EQ(seen.error, 0);
  EXPECT_EQ(seen.nice, 7);
  EXPECT_EQ(seen.oom, 512);
  EXPECT_EQ(seen.ioprio, 3 << 13);
  EXPECT_EQ(seen.policy, SCHED_BATCH);
  EXPECT_EQ(seen.affinity, 1ul);
}

TEST(ProcessAttributes, NegativeOomScoreIsWritten) {
  if (geteuid() != 0) GTEST_SKIP() << "lowering the OOM score takes root";
  ProcessAttributes a;
  a.oom_score_adjust_set = true;
  a.oom_score_adjust = -17;
  Seen seen = ApplyInChild(a);
  EXPECT_EQ(seen.error, 0);
  // Without CAP_SYS_RESOURCE (a user namespace) the write is refused and
  // ignored, as systemd ignores it.
  if (seen.oom != -17) EXPECT_EQ(seen.oom, 0);
}

TEST(ProcessAttributes, TheFirstFailureIsNamed) {
  ProcessAttributes a;
  a.cpu_scheduling_set = true;
  a.cpu_policy = SCHED_OTHER;
  a.cpu_priority = 50;  // only 0 is valid for SCHED_OTHER
  a.cpu_affinity = {1};
  Seen seen = ApplyInChild(a);
  EXPECT_EQ(seen.error, EINVAL);
  EXPECT_EQ(seen.failed, static_cast<int>(ProcessAttribute::kCpuScheduling));
  EXPECT_NE(seen.policy, SCHED_BATCH);
}

}  // namespace
}  // namespace fault
