// PolicyPool: see policy_pool.h.

#include "init/supervisor/policy_pool.h"

#include <bitset>
#include <cstdint>
#include <functional>
#include <iterator>
#include <utility>

namespace faultinit {
namespace {

// The fields SamePolicy and PolicyHash cover. A new field of ServicePolicy
// changes the size: add it to both, then the size here.
static_assert(sizeof(void*) != 8 || sizeof(ServicePolicy) == 192,
              "ServicePolicy changed: compare and hash the new field in "
              "policy_pool.cc");

}  // namespace

bool SamePolicy(const ServicePolicy& a, const ServicePolicy& b) {
  return a.type == b.type && a.condition_steps == b.condition_steps &&
         a.pre_steps == b.pre_steps && a.start_steps == b.start_steps &&
         a.stop_steps == b.stop_steps && a.post_steps == b.post_steps &&
         a.reload_steps == b.reload_steps &&
         a.stop_post_steps == b.stop_post_steps &&
         a.remain_after_exit == b.remain_after_exit && a.restart == b.restart &&
         a.restart_delay == b.restart_delay &&
         a.restart_steps == b.restart_steps &&
         a.restart_max_delay == b.restart_max_delay &&
         a.start_timeout == b.start_timeout &&
         a.stop_timeout == b.stop_timeout &&
         a.start_limit_interval == b.start_limit_interval &&
         a.start_limit_burst == b.start_limit_burst &&
         a.kill_signal == b.kill_signal &&
         a.success_exit_codes == b.success_exit_codes &&
         a.success_signals == b.success_signals &&
         a.restart_exceptions == b.restart_exceptions &&
         a.lifecycle == b.lifecycle;
}

size_t PolicyHash(const ServicePolicy& p) {
  // The counts and durations tell most policies apart; equal ones are
  // compared whole by SamePolicy. Each value mixed in as boost's
  // hash_combine does.
  size_t h = 0;
  auto mix = [&h](uint64_t v) {
    h ^= std::hash<uint64_t>{}(v) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  };
  for (uint64_t v :
       {static_cast<uint64_t>(p.type), static_cast<uint64_t>(p.condition_steps),
        static_cast<uint64_t>(p.pre_steps),
        static_cast<uint64_t>(p.start_steps),
        static_cast<uint64_t>(p.stop_steps),
        static_cast<uint64_t>(p.post_steps),
        static_cast<uint64_t>(p.reload_steps),
        static_cast<uint64_t>(p.stop_post_steps),
        static_cast<uint64_t>(p.remain_after_exit),
        static_cast<uint64_t>(p.restart),
        static_cast<uint64_t>(fault::ToInt64Nanoseconds(p.restart_delay)),
        static_cast<uint64_t>(p.restart_steps),
        static_cast<uint64_t>(fault::ToInt64Nanoseconds(p.start_timeout)),
        static_cast<uint64_t>(fault::ToInt64Nanoseconds(p.stop_timeout)),
        static_cast<uint64_t>(p.start_limit_burst),
        static_cast<uint64_t>(p.kill_signal),
        static_cast<uint64_t>(std::hash<CodeSet>{}(p.success_exit_codes)),
        static_cast<uint64_t>(
            reinterpret_cast<uintptr_t>(p.restart_exceptions.get())),
        static_cast<uint64_t>(
            reinterpret_cast<uintptr_t>(p.lifecycle.get()))}) {
    mix(v);
  }
  return h;
}

std::shared_ptr<const ServicePolicy> PolicyPool::Share(ServicePolicy policy) {
  Ptr candidate = std::make_shared<const ServicePolicy>(std::move(policy));
  return *policies_.insert(std::move(candidate)).first;
}

void PolicyPool::Prune() {
  for (auto it = policies_.begin(); it != policies_.end();) {
    it = it->use_count() == 1 ? policies_.erase(it) : std::next(it);
  }
}

}  // namespace faultinit
