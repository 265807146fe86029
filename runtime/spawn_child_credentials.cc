// File: runtime/spawn_child_credentials.cc
//
// The child's limits, attributes and credentials
// (spawn_child_credentials.h): async-signal-safe.

#include "runtime/spawn_child_credentials.h"

#include <errno.h>
#include <grp.h>
#include <unistd.h>

#include "runtime/privileges.h"
#include "runtime/process_attributes.h"
#include "runtime/resource_limits.h"
#include "runtime/spawn_report.h"

namespace fault {
namespace spawn_internal {
namespace {

static_assert(static_cast<int>(SpawnStage::kNoNewPrivileges) -
                      static_cast<int>(SpawnStage::kCapabilities) ==
                  static_cast<int>(PrivilegeStep::kNoNewPrivileges),
              "one SpawnStage per PrivilegeStep, in its order");
static_assert(static_cast<int>(SpawnStage::kCpuAffinity) -
                      static_cast<int>(SpawnStage::kNice) ==
                  static_cast<int>(ProcessAttribute::kCpuAffinity),
              "one SpawnStage per ProcessAttribute, in its order");

[[noreturn]] void FailPrivileges(int report_fd, PrivilegeStep step, int error) {
  Fail(report_fd,
       static_cast<SpawnStage>(static_cast<int>(SpawnStage::kCapabilities) +
                               static_cast<int>(step)),
       error);
}

// SetUserWithPrivileges: setuid when asked, with the privileges around it
// (privileges.h has the order and why). In the child: async-signal-safe.
void SetUserWithPrivileges(const SpawnOptions& options, int report_fd) {
  const Privileges& privileges = options.privileges;
  const bool any = !privileges.empty();
  PrivilegeStep step = PrivilegeStep::kCapabilities;
  if (any) {
    if (int e = PrivilegesBeforeUser(privileges, &step)) {
      FailPrivileges(report_fd, step, e);
    }
  }
  if (options.uid) {
    if (any) {
      if (int e = KeepCapabilitiesForUser(privileges, *options.uid, &step)) {
        FailPrivileges(report_fd, step, e);
      }
    }
    if (setuid(*options.uid) != 0) {
      Fail(report_fd, SpawnStage::kCredentials, errno);
    }
  }
  if (any) {
    if (int e = PrivilegesAfterUser(privileges, &step)) {
      FailPrivileges(report_fd, step, e);
    }
  }
}

}  // namespace

void ApplyLimitsAndCredentials(const SpawnOptions& options, int report_fd) {
  int resource = 0;
  if (int error = ApplyResourceLimits(options.resource_limits, &resource)) {
    Fail(report_fd, SpawnStage::kResourceLimits, error,
         options.resource_limits.Find(resource));
  }
  if (!options.attributes.empty()) {
    ProcessAttribute which = ProcessAttribute::kNice;
    if (int e = ApplyProcessAttributes(options.attributes, &which); e != 0) {
      Fail(report_fd,
           static_cast<SpawnStage>(static_cast<int>(SpawnStage::kNice) +
                                   static_cast<int>(which)),
           e);
    }
  }
  if (options.groups &&
      setgroups(options.groups->size(), options.groups->data()) != 0) {
    Fail(report_fd, SpawnStage::kCredentials, errno);
  }
  if (options.gid && setgid(*options.gid) != 0) {
    Fail(report_fd, SpawnStage::kCredentials, errno);
  }
  SetUserWithPrivileges(options, report_fd);
}

}  // namespace spawn_internal
}  // namespace fault
