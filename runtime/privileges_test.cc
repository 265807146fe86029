#include "runtime/privileges.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <optional>

#include "gtest/gtest.h"
#include "runtime/testing/child.h"

namespace fault {
namespace {

// What a child that applied the privileges (around a setuid to `uid`, when
// not -1) sees of itself in /proc/self/status.
struct Seen {
  int error = -1;
  int failed = -1;
  uint64_t bounding = 0;
  uint64_t ambient = 0;
  uint64_t inheritable = 0;
  uint64_t permitted = 0;
  int no_new_privileges = -1;
  int secure_bits = -1;
  int uid = -1;
};

uint64_t Field(const char* status, const char* name) {
  const char* at = strstr(status, name);
  if (at == nullptr) return ~uint64_t{0};
  uint64_t value = 0;
  if (sscanf(at + strlen(name), " %" SCNx64, &value) != 1) return ~uint64_t{0};
  return value;
}

Seen ApplyInChild(const Privileges& privileges, int uid = -1) {
  std::optional<Seen> answer = testing::ValueInChild<Seen>([&] {
    Seen seen;
    PrivilegeStep step = PrivilegeStep::kCapabilities;
    seen.error = PrivilegesBeforeUser(privileges, &step);
    if (seen.error == 0 && uid >= 0) {
      seen.error = KeepCapabilitiesForUser(privileges, uid, &step);
      if (seen.error == 0 && setuid(uid) != 0) seen.error = errno;
    }
    if (seen.error == 0) seen.error = PrivilegesAfterUser(privileges, &step);
    seen.failed = seen.error == 0 ? -1 : static_cast<int>(step);
    char status[8192] = {};
    FILE* f = fopen("/proc/self/status", "r");
    if (f != nullptr) {
      (void)!fread(status, 1, sizeof status - 1, f);
      fclose(f);
    }
    seen.bounding = Field(status, "CapBnd:");
    seen.ambient = Field(status, "CapAmb:");
    seen.inheritable = Field(status, "CapInh:");
    seen.permitted = Field(status, "CapPrm:");
    seen.no_new_privileges = static_cast<int>(Field(status, "NoNewPrivs:"));
    seen.secure_bits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
    seen.uid = static_cast<int>(getuid());
    return seen;
  });
  EXPECT_TRUE(answer.has_value()) << "no answer from the child";
  return answer.value_or(Seen{});
}

// The tests change capabilities, which takes root's (CAP_SETPCAP,
// CAP_SETUID) in the test's namespace.
bool Privileged() {
  return geteuid() == 0 && prctl(PR_CAPBSET_READ, CAP_SETPCAP, 0, 0, 0) == 1;
}

TEST(PrivilegesTest, EmptyChangesNothing) {
  EXPECT_TRUE(Privileges().empty());
  Seen seen = ApplyInChild(Privileges());
  EXPECT_EQ(seen.error, 0);
  Seen again = ApplyInChild(Privileges());
  EXPECT_EQ(seen.bounding, again.bounding);
  EXPECT_EQ(seen.ambient, 0u);
}

TEST(PrivilegesTest, BoundingSetDropsWhatIsNotKept) {
  if (!Privileged()) GTEST_SKIP() << "needs root's capabilities";
  Privileges p;
  p.bounding = kAllCapabilities & ~CapabilityBit(CAP_SYS_ADMIN);
  Seen seen = ApplyInChild(p);
  ASSERT_EQ(seen.error, 0);
  EXPECT_EQ(seen.bounding & CapabilityBit(CAP_SYS_ADMIN), 0u);
  EXPECT_NE(seen.bounding & CapabilityBit(CAP_CHOWN), 0u);

  p.bounding = CapabilityBit(CAP_NET_BIND_SERVICE);
  seen = ApplyInChild(p);
  ASSERT_EQ(seen.error, 0);
  EXPECT_EQ(seen.bounding, CapabilityBit(CAP_NET_BIND_SERVICE));
  EXPECT_EQ(seen.inheritable & ~CapabilityBit(CAP_NET_BIND_SERVICE), 0u);
}

TEST(PrivilegesTest, AmbientSurvivesTheChangeOfUser) {
  if (!Privileged()) GTEST_SKIP() << "needs root's capabilities";
  Privileges p;
  p.ambient = CapabilityBit(CAP_NET_BIND_SERVICE);
  Seen seen = ApplyInChild(p, 65534);
  ASSERT_EQ(seen.error, 0) << "step " << seen.failed;
  EXPECT_EQ(seen.uid, 65534);
  EXPECT_EQ(seen.ambient, CapabilityBit(CAP_NET_BIND_SERVICE));
  EXPECT_EQ(seen.inheritable, CapabilityBit(CAP_NET_BIND_SERVICE));
  EXPECT_NE(seen.permitted & CapabilityBit(CAP_NET_BIND_SERVICE), 0u);

  // Without a user change too.
  seen = ApplyInChild(p);
  ASSERT_EQ(seen.error, 0);
  EXPECT_EQ(seen.ambient, CapabilityBit(CAP_NET_BIND_SERVICE));
}

TEST(PrivilegesTest, AmbientOutsideTheBoundingSetIsLeftOut) {
  if (!Privileged()) GTEST_SKIP() << "needs root's capabilities";
  Privileges p;
  p.bounding = CapabilityBit(CAP_NET_RAW);
  p.ambient = CapabilityBit(CAP_NET_RAW) | CapabilityBit(CAP_SYS_TIME);
  Seen seen = ApplyInChild(p, 65534);
  ASSERT_EQ(seen.error, 0) << "step " << seen.failed;
  EXPECT_EQ(seen.ambient, CapabilityBit(CAP_NET_RAW));
  // "~CAP_X" in AmbientCapabilities= sets bits above the kernel's last
  // capability: ignored.
  p.bounding = kAllCapabilities;
  p.ambient = kAllCapabilities & ~CapabilityBit(CAP_SYS_ADMIN);
  seen = ApplyInChild(p);
  ASSERT_EQ(seen.error, 0) << "step " << seen.failed;
  EXPECT_EQ(seen.ambient & CapabilityBit(CAP_SYS_ADMIN), 0u);
  EXPECT_NE(seen.ambient & CapabilityBit(CAP_CHOWN), 0u);
}

TEST(PrivilegesTest, SecureBitsAndNoNewPrivileges) {
  if (!Privileged()) GTEST_SKIP() << "needs root's capabilities";
  Privileges p;
  p.secure_bits = SECBIT_NOROOT;
  p.no_new_privileges = true;
  Seen seen = ApplyInChild(p, 65534);
  ASSERT_EQ(seen.error, 0) << "step " << seen.failed;
  EXPECT_EQ(seen.secure_bits, SECBIT_NOROOT);  // keep-caps gone again
  EXPECT_EQ(seen.no_new_privileges, 1);

  Seen plain = ApplyInChild(Privileges());
  EXPECT_EQ(plain.no_new_privileges, 0);
}

}  // namespace
}  // namespace fault
