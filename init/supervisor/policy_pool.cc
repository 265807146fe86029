// PolicyPool: see policy_pool.h.

#include "init/supervisor/policy_pool.h"

#include <bitset>
#include <functional>
#include <utility>

#include "absl/hash/hash.h"

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
  // compared whole by SamePolicy.
  return absl::HashOf(
      static_cast<int>(p.type), p.condition_steps, p.pre_steps, p.start_steps,
      p.stop_steps, p.post_steps, p.reload_steps, p.stop_post_steps,
      p.remain_after_exit, static_cast<int>(p.restart),
      fault::ToInt64Nanoseconds(p.restart_delay), p.restart_steps,
      fault::ToInt64Nanoseconds(p.start_timeout),
      fault::ToInt64Nanoseconds(p.stop_timeout), p.start_limit_burst,
      p.kill_signal, std::hash<CodeSet>{}(p.success_exit_codes),
      p.restart_exceptions.get(), p.lifecycle.get());
}

std::shared_ptr<const ServicePolicy> PolicyPool::Share(ServicePolicy policy) {
  Ptr candidate = std::make_shared<const ServicePolicy>(std::move(policy));
  return *policies_.insert(std::move(candidate)).first;
}

void PolicyPool::Prune() {
  absl::erase_if(policies_, [](const Ptr& p) { return p.use_count() == 1; });
}

}  // namespace faultinit
