// When a Service restarts (service.h): which ends are clean
// (SuccessExitStatus=), which restart (RestartPreventExitStatus=,
// RestartForceExitStatus=, then Restart='s table, as systemd's
// service_shall_restart), the back-off (RestartSec= to RestartMaxDelaySec=
// in RestartSteps= steps) and the start limit. The lifecycle's actions are
// in service.cc.

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
  const fault::Duration base = policy().restart_delay;
  const fault::Duration top = policy().restart_max_delay;
  if (policy().restart_steps <= 0 || top == fault::InfiniteDuration() ||
      base <= fault::ZeroDuration() || top <= base) {
    return base;
  }
  if (n >= policy().restart_steps) return top;
  // Exponential from base to top in restart_steps steps (as systemd).
  const double ratio = static_cast<double>(top.nanoseconds()) /
                       static_cast<double>(base.nanoseconds());
  return fault::Scale(base, RootPower(ratio, n, policy().restart_steps));
}

}  // namespace faultinit
