// When a Service restarts (service.h): which ends are clean
// (SuccessExitStatus=), which restart (RestartPreventExitStatus=,
// RestartForceExitStatus=, then Restart='s table, as systemd's
// service_shall_restart), the back-off (RestartSec= to RestartMaxDelaySec=
// in RestartSteps= steps), the start limit, and the cells of a
// daemon-reload's new definition (kRedefine: the restart keys it brings,
// or the whole of it). The lifecycle's actions are in service.cc.

#include <algorithm>
#include <cmath>

#include "init/supervisor/service.h"
#include "runtime/duration.h"

namespace faultinit {
namespace {

// RootPower: x^(n/k) for x >= 1 and 0 <= n < k, from the binary digits of
// n/k and repeated square roots (x^(1/2), x^(1/4), ...): accurate to a few
// units in the last place, without std::pow, which would link libm's pow
// and its tables into the static binary for this one use.
double RootPower(double x, int64_t n, int64_t k) {
  double result = 1;
  double root = x;
  for (int bit = 0; bit < 53 && n != 0; ++bit) {
    root = std::sqrt(root);
    n *= 2;
    if (n >= k) {
      result *= root;
      n -= k;
    }
  }
  return result;
}

}  // namespace

ServicePolicy WithRestartKeys(const ServicePolicy& running,
                              const ServicePolicy& loaded) {
  ServicePolicy p = running;
  p.restart = loaded.restart;
  p.restart_delay = loaded.restart_delay;
  p.restart_steps = loaded.restart_steps;
  p.restart_max_delay = loaded.restart_max_delay;
  p.restart_exceptions = loaded.restart_exceptions;
  return p;
}

bool SameRestartKeys(const ServicePolicy& a, const ServicePolicy& b) {
  return a.restart == b.restart && a.restart_delay == b.restart_delay &&
         a.restart_steps == b.restart_steps &&
         a.restart_max_delay == b.restart_max_delay &&
         a.restart_exceptions == b.restart_exceptions;
}

// --- A daemon-reload's new definition (kRedefine). ---

void Service::TakeDefinition(const Event& event) {
  // Down, with nothing of it running (the supervisor's part): its next
  // start runs the new definition.
  shared_policy_ = *event.policy;
}

void Service::TakeDefinitionWaiting(const Event& event) {
  // The restart Restart= decided runs the new definition; its wait is the
  // new RestartSec= from when it began, as systemd arms the timer of a
  // restart it deserializes.
  const fault::Duration delay = PendingRestartDelay(**event.policy);
  shared_policy_ = *event.policy;
  if (delay == restart_delay_) return;
  restart_delay_ = delay;
  effects_.ArmTimer(
      *this, std::max(since_ + delay - effects_.Now(), fault::Duration()));
}

void Service::TakeRestartKeys(const Event& event) {
  // What it runs stays until it ends (the supervisor swaps the rest in
  // then); whether and when it restarts follows the new definition from
  // now on. A restart decided already (the stop phases of its end) stands,
  // and waits the new RestartSec=.
  const ServicePolicy& loaded = **event.policy;
  if (SameRestartKeys(policy(), loaded)) return;
  if (result_ == Result::kRestart || result_ == Result::kRetry) {
    restart_delay_ = PendingRestartDelay(loaded);
  }
  shared_policy_ =
      std::make_shared<const ServicePolicy>(WithRestartKeys(policy(), loaded));
}

fault::Duration Service::PendingRestartDelay(const ServicePolicy& next) const {
  // The back-off step the pending restart reached (ScheduleRestart and
  // RetryStart counted it); a wait lengthened beyond RestartSec= for want
  // of resources, or for a command that could not run, keeps its length
  // when that is the longer.
  const int n = std::max(consecutive_restarts_ - 1, 0);
  const fault::Duration floor = restart_delay_ > RestartDelayOf(policy(), n)
                                    ? restart_delay_
                                    : fault::Duration();
  return std::max(RestartDelayOf(next, n), floor);
}

// --- Which ends are clean, which restart. ---

bool Service::Successful(const fault::ExitStatus& status) const {
  const auto value = static_cast<size_t>(status.exited() ? status.exit_code()
                                                         : status.signal());
  if (value >= CodeSet().size()) return false;
  return status.exited() ? policy().success_exit_codes[value]
                         : policy().success_signals[value];
}

bool Service::Clean(const fault::ExitStatus& status) const {
  if (Successful(status)) return true;
  // The line whose exit this is: a oneshot's current one, else the first.
  const std::vector<bool>& ignore = policy().extras().start_ignore_failure;
  const size_t line = policy().type == ServiceType::kOneshot
                          ? static_cast<size_t>(step_index_)
                          : 0;
  return line < ignore.size() && ignore[line];
}

bool Service::ShouldRestart(const fault::ExitStatus& status) const {
  if (const RestartExceptions* exceptions = policy().restart_exceptions.get()) {
    const int code = status.exited() ? status.exit_code() : status.signal();
    if (exceptions->prevent.Contains(status.exited(), code)) return false;
    if (exceptions->force.Contains(status.exited(), code)) return true;
  }
  // systemd's table: a clean exit, an unclean exit code, an unclean signal.
  const bool clean = Clean(status);
  const bool unclean_signal = status.signaled() && !clean;
  switch (policy().restart) {
    case RestartPolicy::kNo:
    case RestartPolicy::kOnWatchdog:  // faultinit has no watchdog
      return false;
    case RestartPolicy::kAlways:
      return true;
    case RestartPolicy::kOnSuccess:
      return clean;
    case RestartPolicy::kOnFailure:
      return !clean;
    case RestartPolicy::kOnAbnormal:
    case RestartPolicy::kOnAbort:
      return unclean_signal;
  }
  return false;
}

Service::Failure Service::FailureOf(const fault::ExitStatus& status) {
  return status.signaled() ? Failure::kSignal : Failure::kExitCode;
}

bool Service::RestartsAfter(Failure failure) const {
  // systemd's table (service_shall_restart), for a start that failed with
  // the result "exit-code", "signal", "timeout" or "protocol".
  switch (policy().restart) {
    case RestartPolicy::kAlways:
    case RestartPolicy::kOnFailure:
      return true;
    case RestartPolicy::kOnAbnormal:
      return failure != Failure::kExitCode;
    case RestartPolicy::kOnAbort:
      return failure == Failure::kSignal;
    case RestartPolicy::kNo:
    case RestartPolicy::kOnSuccess:
    case RestartPolicy::kOnWatchdog:
      return false;
  }
  return false;
}

void Service::ScheduleRestart() {
  restart_delay_ = RestartDelay(consecutive_restarts_);
  ++consecutive_restarts_;
  result_ = Result::kRestart;  // counted when it is carried out
}

bool Service::StartLimitHit() {
  if (policy().start_limit_burst <= 0 ||
      policy().start_limit_interval <= fault::ZeroDuration()) {
    return false;
  }
  // systemd's rate limit: a window opens at the first start after the last
  // one has passed, and at most start_limit_burst starts fit in it.
  const fault::Duration now = effects_.Now();
  if (limit_starts_ == 0 ||
      now - limit_window_ > policy().start_limit_interval) {
    limit_window_ = now;
    limit_starts_ = 0;
  }
  if (limit_starts_ >= policy().start_limit_burst) return true;
  ++limit_starts_;
  return false;
}

fault::Duration ResourceRetryDelay(int attempt) {
  fault::Duration delay = kResourceRetryFirst;
  for (int i = 1; i < attempt && delay < kResourceRetryMax; ++i) {
    delay = delay + delay;
  }
  return std::min(delay, kResourceRetryMax);
}

fault::Duration Service::RestartDelay(int n) const {
  return RestartDelayOf(policy(), n);
}

fault::Duration Service::RestartDelayOf(const ServicePolicy& p, int n) {
  const fault::Duration base = p.restart_delay;
  const fault::Duration top = p.restart_max_delay;
  if (p.restart_steps <= 0 || top == fault::InfiniteDuration() ||
      base <= fault::ZeroDuration() || top <= base) {
    return base;
  }
  if (n >= p.restart_steps) return top;
  // Exponential from base to top in restart_steps steps (as systemd).
  const double ratio = static_cast<double>(top.nanoseconds()) /
                       static_cast<double>(base.nanoseconds());
  return fault::Scale(base, RootPower(ratio, n, p.restart_steps));
}

}  // namespace faultinit
