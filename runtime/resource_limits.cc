#include "runtime/resource_limits.h"

#include <errno.h>
#include <sys/resource.h>

#include <algorithm>

namespace fault {

void ResourceLimits::Set(int resource, rlim_t soft, rlim_t hard) {
  for (ResourceLimit& limit : limits) {
    if (limit.resource == resource) {
      limit.soft = soft;
      limit.hard = hard;
      return;
    }
  }
  limits.push_back(ResourceLimit{resource, soft, hard});
}

void ResourceLimits::Clear(int resource) {
  limits.erase(std::remove_if(limits.begin(), limits.end(),
                              [resource](const ResourceLimit& limit) {
                                return limit.resource == resource;
                              }),
               limits.end());
}

const ResourceLimit* ResourceLimits::Find(int resource) const {
  for (const ResourceLimit& limit : limits) {
    if (limit.resource == resource) return &limit;
  }
  return nullptr;
}

absl::string_view ResourceLimitKey(int resource) {
  switch (resource) {
    case RLIMIT_CPU:
      return "LimitCPU";
    case RLIMIT_FSIZE:
      return "LimitFSIZE";
    case RLIMIT_DATA:
      return "LimitDATA";
    case RLIMIT_STACK:
      return "LimitSTACK";
    case RLIMIT_CORE:
      return "LimitCORE";
    case RLIMIT_RSS:
      return "LimitRSS";
    case RLIMIT_NOFILE:
      return "LimitNOFILE";
    case RLIMIT_AS:
      return "LimitAS";
    case RLIMIT_NPROC:
      return "LimitNPROC";
    case RLIMIT_MEMLOCK:
      return "LimitMEMLOCK";
    case RLIMIT_LOCKS:
      return "LimitLOCKS";
    case RLIMIT_SIGPENDING:
      return "LimitSIGPENDING";
    case RLIMIT_MSGQUEUE:
      return "LimitMSGQUEUE";
    case RLIMIT_NICE:
      return "LimitNICE";
    case RLIMIT_RTPRIO:
      return "LimitRTPRIO";
    case RLIMIT_RTTIME:
      return "LimitRTTIME";
  }
  return "";
}

int ApplyResourceLimits(const ResourceLimits& limits, int* failed_resource) {
  for (const ResourceLimit& limit : limits.limits) {
    struct rlimit wanted = {limit.soft, limit.hard};
    if (setrlimit(limit.resource, &wanted) == 0) continue;
    int error = errno;
    if (error == EPERM) {
      // As close as this process may get: its own hard limit.
      struct rlimit highest;
      if (getrlimit(limit.resource, &highest) == 0 &&
          highest.rlim_max != RLIM_INFINITY) {
        struct rlimit closest = {std::min(limit.soft, highest.rlim_max),
                                 std::min(limit.hard, highest.rlim_max)};
        if (setrlimit(limit.resource, &closest) == 0) continue;
        error = errno;
      }
    }
    *failed_resource = limit.resource;
    return error;
  }
  return 0;
}

}  // namespace fault
