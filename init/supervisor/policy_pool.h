// File: init/supervisor/policy_pool.h
//
// PolicyPool: one ServicePolicy (service.h) shared by every service whose
// unit gives the same one. A policy is most of a Service's size (about
// 190 of its bytes on 64-bit), and most units leave every key of it at its
// default or at the same values, so PID 1 keeps one copy instead of one per
// service (issue #26). Services hold their share (Service's constructor
// taking a shared_ptr); the pool holds one more, until Prune.
//
// SamePolicy compares every field by value, the two optional blocks
// (restart_exceptions, lifecycle) by pointer: units that set those keys
// share nothing, which is correct and rare. A field added to ServicePolicy
// must be added to SamePolicy and PolicyHash (a static_assert on the
// structure's size on 64-bit targets says so).
//
// Loop thread only (not thread-safe); allocates; no errors.

#ifndef FAULT_INIT_SUPERVISOR_POLICY_POOL_H_
#define FAULT_INIT_SUPERVISOR_POLICY_POOL_H_

#include <cstddef>
#include <memory>
#include <unordered_set>

#include "init/supervisor/service.h"

namespace faultinit {

bool SamePolicy(const ServicePolicy& a, const ServicePolicy& b);
size_t PolicyHash(const ServicePolicy& p);

class PolicyPool {
 public:
  // Share: the pool's policy equal to `policy`, added if there is none.
  std::shared_ptr<const ServicePolicy> Share(ServicePolicy policy);
  // Prune drops the policies no service holds any more (after a reload).
  void Prune();
  // How many distinct policies the pool holds.
  size_t size() const { return policies_.size(); }

 private:
  using Ptr = std::shared_ptr<const ServicePolicy>;
  struct Hash {
    size_t operator()(const Ptr& p) const { return PolicyHash(*p); }
  };
  struct Eq {
    bool operator()(const Ptr& a, const Ptr& b) const {
      return SamePolicy(*a, *b);
    }
  };
  // std::unordered_set, not absl's: absl's hash tables include
  // absl/hash/hash.h, which includes <iostream> (see supervisor_entry.h).
  std::unordered_set<Ptr, Hash, Eq> policies_;
};

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_POLICY_POOL_H_
