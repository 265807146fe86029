// Nice=, OOMScoreAdjust=, IOScheduling*=, CPUScheduling*= and CPUAffinity=,
// as ParseUnit reads them.

#include <sched.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "init/system/testing/service_lines.h"
#include "init/system/unit.h"
#include "runtime/process_attributes.h"

namespace faultinit {
namespace {

using fault::IoClass;
using fault::ProcessAttributes;
using testing::ParseServiceLines;
using testing::ServiceLinesError;

ProcessAttributes Clean(const std::string& service_lines) {
  ParsedUnit p = ParseServiceLines(service_lines);
  EXPECT_TRUE(p.ok()) << (p.diagnostics.empty() ? std::string()
                                                : p.diagnostics[0].ToString());
  return p.unit.attributes;
}

TEST(ProcessAttributeKeys, DefaultsInheritEverything) {
  EXPECT_TRUE(Clean("").empty());
}

TEST(ProcessAttributeKeys, NiceAndOomScore) {
  ProcessAttributes a = Clean("Nice=-5\nOOMScoreAdjust=-1000\n");
  EXPECT_TRUE(a.nice_set);
  EXPECT_EQ(a.nice, -5);
  EXPECT_TRUE(a.oom_score_adjust_set);
  EXPECT_EQ(a.oom_score_adjust, -1000);
  EXPECT_EQ(Clean("Nice=19\nOOMScoreAdjust=+1000\n").oom_score_adjust, 1000);
  EXPECT_TRUE(
      Clean("Nice=3\nNice=\nOOMScoreAdjust=5\nOOMScoreAdjust=\n").empty());
  EXPECT_EQ(ServiceLinesError("Nice=20\n"),
            "Nice: invalid value \"20\": expected a number from -20 to 19");
  EXPECT_EQ(ServiceLinesError("Nice=high\n"),
            "Nice: invalid value \"high\": expected a number from -20 to 19");
  EXPECT_EQ(ServiceLinesError("OOMScoreAdjust=-1001\n"),
            "OOMScoreAdjust: invalid value \"-1001\": expected a number from "
            "-1000 to 1000");
}

TEST(ProcessAttributeKeys, IoScheduling) {
  ProcessAttributes a = Clean("IOSchedulingClass=idle\n");
  EXPECT_TRUE(a.io_priority_set);
  EXPECT_EQ(a.io_class, IoClass::kIdle);
  EXPECT_EQ(a.io_level, 4);
  a = Clean("IOSchedulingPriority=7\n");  // the class stays best-effort
  EXPECT_TRUE(a.io_priority_set);
  EXPECT_EQ(a.io_priority(), (2 << 13) | 7);
  a = Clean("IOSchedulingPriority=0\nIOSchedulingClass=realtime\n");
  EXPECT_EQ(a.io_priority(), (1 << 13) | 0);
  a = Clean("IOSchedulingClass=2\n");
  EXPECT_EQ(a.io_class, IoClass::kBestEffort);
  a = Clean("IOSchedulingPriority=1\nIOSchedulingClass=none\n");
  EXPECT_EQ(a.io_priority(), (2 << 13) | 4);
  EXPECT_TRUE(Clean("IOSchedulingClass=idle\nIOSchedulingPriority=\n").empty());
  EXPECT_EQ(ServiceLinesError("IOSchedulingClass=fast\n"),
            "IOSchedulingClass: invalid value \"fast\": expected realtime, "
            "best-effort, idle, none or 0 to 3");
  EXPECT_EQ(ServiceLinesError("IOSchedulingPriority=8\n"),
            "IOSchedulingPriority: invalid value \"8\": expected a number "
            "from 0 to 7");
}

TEST(ProcessAttributeKeys, CpuScheduling) {
  ProcessAttributes a = Clean("CPUSchedulingPolicy=fifo\n");
  EXPECT_TRUE(a.cpu_scheduling_set);
  EXPECT_EQ(a.cpu_policy, SCHED_FIFO);
  EXPECT_EQ(a.cpu_priority, 1);  // brought into fifo's range
  a = Clean("CPUSchedulingPriority=40\nCPUSchedulingPolicy=rr\n");
  EXPECT_EQ(a.cpu_policy, SCHED_RR);
  EXPECT_EQ(a.cpu_priority, 40);
  a = Clean("CPUSchedulingPriority=40\nCPUSchedulingPolicy=batch\n");
  EXPECT_EQ(a.cpu_policy, SCHED_BATCH);
  EXPECT_EQ(a.cpu_priority, 0);
  a = Clean("CPUSchedulingResetOnFork=yes\n");
  EXPECT_TRUE(a.cpu_scheduling_set);
  EXPECT_TRUE(a.cpu_reset_on_fork);
  EXPECT_EQ(a.cpu_policy, SCHED_OTHER);
  EXPECT_EQ(Clean("CPUSchedulingPolicy=idle\n").cpu_policy, SCHED_IDLE);
  EXPECT_EQ(Clean("CPUSchedulingPolicy=other\n").cpu_policy, SCHED_OTHER);
  EXPECT_TRUE(
      Clean("CPUSchedulingPolicy=fifo\nCPUSchedulingPolicy=\n").empty());
  EXPECT_EQ(ServiceLinesError("CPUSchedulingPolicy=deadline\n"),
            "CPUSchedulingPolicy: invalid value \"deadline\": expected "
            "other, batch, idle, fifo or rr");
  EXPECT_EQ(ServiceLinesError("CPUSchedulingPriority=100\n"),
            "CPUSchedulingPriority: invalid value \"100\": expected a number "
            "from 0 to 99");
  EXPECT_EQ(ServiceLinesError("CPUSchedulingResetOnFork=maybe\n"),
            "CPUSchedulingResetOnFork: invalid value \"maybe\": expected a "
            "boolean (yes or no)");
}

TEST(ProcessAttributeKeys, CpuAffinity) {
  ProcessAttributes a = Clean("CPUAffinity=0 2-3,5\nCPUAffinity=64\n");
  ASSERT_EQ(a.cpu_affinity.size(), 2u);
  EXPECT_EQ(a.cpu_affinity[0], 0b101101u);
  EXPECT_EQ(a.cpu_affinity[1], 1u);
  EXPECT_TRUE(Clean("CPUAffinity=1\nCPUAffinity=\n").empty());
  EXPECT_EQ(Clean("CPUAffinity=8191\n").cpu_affinity.size(), 128u);
  EXPECT_EQ(ServiceLinesError("CPUAffinity=8192\n"),
            "CPUAffinity: invalid CPU \"8192\" in \"8192\": expected CPU "
            "numbers or ranges (2-5) from 0 to 8191");
  EXPECT_EQ(ServiceLinesError("CPUAffinity=3-1\n"),
            "CPUAffinity: invalid CPU \"3-1\" in \"3-1\": expected CPU "
            "numbers or ranges (2-5) from 0 to 8191");
  EXPECT_EQ(ServiceLinesError("CPUAffinity=-1\n"),
            "CPUAffinity: invalid CPU \"-1\" in \"-1\": expected CPU numbers "
            "or ranges (2-5) from 0 to 8191");
  EXPECT_EQ(ServiceLinesError("CPUAffinity=numa\n"),
            "CPUAffinity: \"numa\" is not supported: faultinit has no "
            "NUMAPolicy=; list the CPUs");
  // A bad value adds nothing.
  ParsedUnit p = ParseServiceLines("CPUAffinity=1\nCPUAffinity=2 x\n");
  EXPECT_FALSE(p.ok());
  EXPECT_EQ(p.unit.attributes.cpu_affinity, std::vector<uint64_t>{2});
}

}  // namespace
}  // namespace faultinit
