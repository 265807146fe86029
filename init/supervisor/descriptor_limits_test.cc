#include "init/supervisor/descriptor_limits.h"

#include <sys/resource.h>

#include "gtest/gtest.h"

namespace faultinit {
namespace {

// The kernel's start for init, 1024:4096, under the default fs.nr_open:
// PID 1 takes nr_open for both, services 1024:524288 (systemd's figures:
// a service's /proc/PID/limits under systemd shows them).
TEST(DescriptorLimits, KernelDefaults) {
  const struct rlimit inherited = {1024, 4096};
  const struct rlimit pid1 = Pid1NofileLimit(inherited, 1048576);
  EXPECT_EQ(pid1.rlim_cur, 1048576u);
  EXPECT_EQ(pid1.rlim_max, 1048576u);
  EXPECT_EQ(ServiceNofileHard(inherited.rlim_max, 1048576), 524288u);
}

// A lowered fs.nr_open bounds both; nothing is ever lowered below what
// PID 1 was given.
TEST(DescriptorLimits, NrOpenBoundsAndNothingIsLowered) {
  EXPECT_EQ(ServiceNofileHard(4096, 65536), 65536u);
  EXPECT_EQ(ServiceNofileHard(800000, 1048576), 800000u);
  const struct rlimit high = {2000000, 2000000};
  const struct rlimit pid1 = Pid1NofileLimit(high, 1048576);
  EXPECT_EQ(pid1.rlim_cur, 2000000u);
  EXPECT_EQ(pid1.rlim_max, 2000000u);
  const struct rlimit soft_low = {1024, 600000};
  EXPECT_EQ(Pid1NofileLimit(soft_low, 65536).rlim_cur, 65536u);
  EXPECT_EQ(Pid1NofileLimit(soft_low, 65536).rlim_max, 600000u);
}

// This machine's fs.nr_open, read: a positive number (the kernel's
// minimum for it is 1024).
TEST(DescriptorLimits, ReadsNrOpen) { EXPECT_GE(ReadNrOpen(), 1024u); }

}  // namespace
}  // namespace faultinit
