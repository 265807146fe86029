#include "runtime/descriptor_table.h"

#include <fcntl.h>
#include <unistd.h>

#include <vector>

#include "gtest/gtest.h"

namespace fault {
namespace {

// Every open descriptor is below the table's size, and the table grows
// with the highest descriptor: one opened at 5,000 makes it larger than
// 5,000. (The kernel's table starts at 64 and doubles.)
TEST(DescriptorTable, HoldsEveryOpenDescriptor) {
  const rlim_t before = DescriptorTableSize();
  ASSERT_GE(before, 64u);
  struct rlimit limit;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_cur <= 5000) GTEST_SKIP() << "needs a soft limit above 5000";
  const int high = fcntl(0, F_DUPFD_CLOEXEC, 5000);
  ASSERT_GE(high, 5000);
  const rlim_t after = DescriptorTableSize();
  EXPECT_GT(after, static_cast<rlim_t>(high));
  close(high);
}

}  // namespace
}  // namespace fault
