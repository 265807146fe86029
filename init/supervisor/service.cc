#include "init/supervisor/service.h"

#include <errno.h>
#include <signal.h>

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
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

// ResourceShortage: a start that failed for want of processes, memory or
// descriptors (in faultinit, or in the child before exec), which may
// succeed later.
bool ResourceShortage(const fault::Status& status) {
  if (status.code() == fault::StatusCode::kResourceExhausted) return true;
  const int error = status.error_number();
  return error == EAGAIN || error == ENOMEM || error == EMFILE ||
         error == ENFILE;
}

}  // namespace

absl::string_view ServiceStateName(ServiceState state) {
  switch (state) {
    case ServiceState::kInactive:
      return "inactive";
    case ServiceState::kStarting:
      return "starting";
    case ServiceState::kRunning:
      return "running";
    case ServiceState::kStopping:
      return "stopping";
    case ServiceState::kRestarting:
      return "restarting";
    case ServiceState::kFailed:
      return "failed";
  }
  return "unknown";
}

Service::Service(std::string name, ServicePolicy policy,
                 ServiceEffects& effects)
    : name_(std::move(name)), policy_(std::move(policy)), effects_(effects) {}

// --- Events: every state is written out. ---

void Service::Start() {
  switch (state_) {
    case ServiceState::kInactive:
    case ServiceState::kFailed:
      start_failures_ = 0;  // a new request: a new episode
      if (ConditionsHold()) BeginStart();
      return;
    case ServiceState::kRestarting:
      // The restart Restart= decided, taken now: it counts as one.
      effects_.CancelTimer(*this);
      CountRestart();
      BeginStart();
      return;
    case ServiceState::kStopping:
      start_after_stop_ = true;
      return;
    case ServiceState::kStarting:
    case ServiceState::kRunning:
      return;  // already on its way
  }
}

void Service::Stop() {
  switch (state_) {
    case ServiceState::kStarting:
    case ServiceState::kRunning:
      BeginStop();
      return;
    case ServiceState::kStopping:
      start_after_stop_ = false;
      return;
    case ServiceState::kRestarting:
      effects_.CancelTimer(*this);
      start_failures_ = 0;
      // What the main process left (a child KillMode=mixed did not
      // signal, one that ignored KillSignal=) is stopped as a service is.
      if (effects_.HasProcesses(*this)) {
        BeginStop();
        return;
      }
      Enter(ServiceState::kInactive);
      return;
    case ServiceState::kInactive:
    case ServiceState::kFailed:
      if (effects_.HasProcesses(*this)) BeginStop();  // leftovers, as above
      return;
  }
}

void Service::ProcessExited(pid_t pid, const fault::ExitStatus& status) {
  if (pid == exec_pending_) exec_pending_ = 0;  // no report will come now
  switch (state_) {
    case ServiceState::kStarting:
      if (pid == step_pid_) {
        step_pid_ = 0;
        if (step_kind_ == StepKind::kCondition) {
          ConditionStepExited(status);
          return;
        }
        const bool pre = step_kind_ == StepKind::kPre;
        const bool ignored = pre && StepIgnoresFailure();
        if (!pre && policy_.type == ServiceType::kForking) {
          // The launcher is done: the daemon it left is the main process.
          if (!status.exited() || status.exit_code() != 0) {
            MainExited(status);
            return;
          }
          fault::StatusOr<pid_t> daemon = effects_.MainPidOf(*this);
          if (!daemon.ok()) {
            Fail(daemon.status().message());
            return;
          }
          main_pid_ = *daemon;
          effects_.CancelTimer(*this);
          Enter(ServiceState::kRunning);
          return;
        }
        if (!pre) {  // a oneshot's ExecStart=
          main_pid_ = 0;
          if (!Successful(status)) {
            MainExited(status);
            return;
          }
        } else if (!Successful(status) && !ignored) {
          last_exit_ = status;
          Fail(absl::StrCat("ExecStartPre= ended with ", status.ToString()));
          return;
        }
        ++step_index_;
        if (!pre && step_index_ >= policy_.start_steps) {
          effects_.CancelTimer(*this);
          last_exit_ = status;
          succeeded_ = true;
          reason_ = status.ToString();
          Enter(ServiceState::kInactive);
          return;
        }
        RunNextStartStep();
      } else if (pid == main_pid_) {
        MainExited(status);  // a notify service died before READY=1
      }
      return;
    case ServiceState::kRunning:
      if (pid == main_pid_) MainExited(status);
      return;
    case ServiceState::kStopping:
      if (pid == main_pid_) {
        main_pid_ = 0;
        last_exit_ = status;
      }
      if (pid == step_pid_) {
        // ExecStop= is done: what remains gets KillSignal=.
        step_pid_ = 0;
        if (effects_.HasProcesses(*this)) {
          effects_.Signal(*this, policy_.kill_signal, true);
        }
      }
      if (!effects_.HasProcesses(*this)) FinishStop();
      return;
    case ServiceState::kInactive:
    case ServiceState::kRestarting:
    case ServiceState::kFailed:
      return;  // a leftover of an earlier run, reaped
  }
}

void Service::ExecReported(pid_t pid, const fault::Status& result) {
  if (pid == 0 || pid != exec_pending_) return;  // an abandoned step's
  exec_pending_ = 0;
  switch (state_) {
    case ServiceState::kStarting:
      if (!result.ok()) {
        if (pid == step_pid_) step_pid_ = 0;
        if (StepNotStarted(result)) RunNextStartStep();
        return;
      }
      if (step_kind_ != StepKind::kMain) return;  // a pre step runs on
      start_failures_ = 0;  // a main process runs: the episode is over
      if (policy_.type == ServiceType::kSimple ||
          policy_.type == ServiceType::kExec) {
        effects_.CancelTimer(*this);
        Enter(ServiceState::kRunning);
      }
      return;
    case ServiceState::kStopping:
      // Only ExecStop= is reported here (BeginStop forgets an interrupted
      // start's process): one that could not run is as one that could not
      // be spawned, and what remains gets KillSignal=.
      if (!result.ok() && pid == step_pid_) {
        step_pid_ = 0;
        reason_ = std::string(result.message());
        effects_.Signal(*this, policy_.kill_signal, true);
      }
      return;
    case ServiceState::kInactive:
    case ServiceState::kRunning:
    case ServiceState::kRestarting:
    case ServiceState::kFailed:
      return;  // too late: a stop or a failure came first
  }
}

void Service::Ready() {
  switch (state_) {
    case ServiceState::kStarting:
      if (step_kind_ == StepKind::kMain && main_pid_ != 0) {
        effects_.CancelTimer(*this);
        Enter(ServiceState::kRunning);
      }
      return;
    case ServiceState::kInactive:
    case ServiceState::kRunning:
    case ServiceState::kStopping:
    case ServiceState::kRestarting:
    case ServiceState::kFailed:
      return;  // READY=1 again, or too late: nothing to do
  }
}

void Service::TimerFired() {
  switch (state_) {
    case ServiceState::kStarting:
      Fail(absl::StrCat("start timed out after ",
                        fault::FormatTimeSpan(policy_.start_timeout)));
      return;
    case ServiceState::kStopping:
      reason_ =
          absl::StrCat("stop timed out after ",
                       fault::FormatTimeSpan(policy_.stop_timeout), ": killed");
      effects_.Signal(*this, SIGKILL, true);
      return;
    case ServiceState::kRestarting:
      CountRestart();
      BeginStart();
      return;
    case ServiceState::kInactive:
    case ServiceState::kRunning:
    case ServiceState::kFailed:
      return;  // a timer cancelled too late
  }
}

void Service::ProcessesGone() {
  switch (state_) {
    case ServiceState::kStopping:
      FinishStop();
      return;
    case ServiceState::kInactive:
    case ServiceState::kStarting:
    case ServiceState::kRunning:
    case ServiceState::kRestarting:
    case ServiceState::kFailed:
      return;
  }
}

void Service::Refuse(absl::string_view reason) {
  switch (state_) {
    case ServiceState::kInactive:
    case ServiceState::kRestarting:
    case ServiceState::kFailed:
      Fail(reason);
      return;
    case ServiceState::kStarting:
    case ServiceState::kRunning:
    case ServiceState::kStopping:
      return;  // runs from an earlier configuration: left to stop normally
  }
}

void Service::DependencyFailed(absl::string_view reason) {
  switch (state_) {
    case ServiceState::kInactive:
    case ServiceState::kRestarting:
      Fail(reason);
      return;
    case ServiceState::kStarting:
    case ServiceState::kRunning:
      reason_ = std::string(reason);
      BeginStop();
      return;
    case ServiceState::kStopping:
      start_after_stop_ = false;
      return;
    case ServiceState::kFailed:
      return;
  }
}

// --- Actions. ---

void Service::Enter(ServiceState next) {
  ServiceState from = state_;
  state_ = next;
  if (next == ServiceState::kInactive || next == ServiceState::kFailed) {
    // Ended without an automatic restart: the count stays visible until
    // the next start, which is not an automatic one (systemd's
    // flush_n_restarts).
    auto_restart_ = false;
    flush_restarts_ = true;
  }
  since_ = effects_.Now();
  if (next == ServiceState::kRunning) running_since_ = since_;
  if (next == ServiceState::kStarting) {
    succeeded_ = false;
    skipped_ = false;
  }
  effects_.StateChanged(*this, from, next);
}

void Service::Fail(absl::string_view reason) {
  effects_.CancelTimer(*this);
  reason_ = std::string(reason);
  if (effects_.HasProcesses(*this)) effects_.Signal(*this, SIGKILL, true);
  main_pid_ = 0;
  step_pid_ = 0;
  succeeded_ = false;
  skipped_ = false;
  Enter(ServiceState::kFailed);
}

void Service::Skip(absl::string_view reason) {
  effects_.CancelTimer(*this);
  reason_ = std::string(reason);
  if (effects_.HasProcesses(*this)) effects_.Signal(*this, SIGKILL, true);
  main_pid_ = 0;
  step_pid_ = 0;
  succeeded_ = false;
  skipped_ = true;
  Enter(ServiceState::kInactive);
}

bool Service::ConditionsHold() {
  StartCheck check = effects_.CheckConditions(*this);
  switch (check.outcome) {
    case StartCheck::Outcome::kProceed:
      return true;
    case StartCheck::Outcome::kSkip:
      Skip(check.reason);
      return false;
    case StartCheck::Outcome::kFail:
      Fail(check.reason);
      return false;
  }
  return true;
}

void Service::ConditionStepExited(const fault::ExitStatus& status) {
  if (!Successful(status) && !StepIgnoresFailure()) {
    last_exit_ = status;
    // systemd: exit 1 to 254 means "condition not met"; 255 or a signal
    // is a failure.
    if (status.exited() && status.exit_code() >= 1 &&
        status.exit_code() <= 254) {
      Skip(absl::StrCat("condition failed: ExecCondition= ended with ",
                        status.ToString()));
    } else {
      Fail(absl::StrCat("ExecCondition= ended with ", status.ToString()));
    }
    return;
  }
  ++step_index_;
  RunNextStartStep();
}

bool Service::StepIgnoresFailure() const {
  const std::vector<bool>* flags =
      step_kind_ == StepKind::kCondition ? &policy_.condition_ignore_failure
      : step_kind_ == StepKind::kPre     ? &policy_.pre_ignore_failure
                                         : nullptr;
  return flags != nullptr && step_index_ < static_cast<int>(flags->size()) &&
         (*flags)[step_index_];
}

void Service::RetryStart(absl::string_view reason) {
  // Nothing was started: the attempt does not count against the limit.
  if (!recent_starts_.empty()) recent_starts_.pop_back();
  effects_.CancelTimer(*this);
  if (effects_.HasProcesses(*this)) effects_.Signal(*this, SIGKILL, true);
  main_pid_ = 0;
  step_pid_ = 0;
  reason_ = std::string(reason);
  ++start_failures_;
  // At least the resource back-off, whatever RestartSec= says (0 would
  // retry at once, spinning while descriptors or processes are short).
  restart_delay_ = std::max(RestartDelay(consecutive_restarts_),
                            ResourceRetryDelay(start_failures_));
  ++consecutive_restarts_;
  Enter(ServiceState::kRestarting);
  effects_.ArmTimer(*this, restart_delay_);
}

bool Service::StepNotStarted(const fault::Status& status) {
  if (ResourceShortage(status)) {
    RetryStart(status.message());
    return false;
  }
  if (StepIgnoresFailure()) {
    ++step_index_;
    return true;
  }
  Fail(status.message());
  return false;
}

void Service::CountRestart() {
  if (!auto_restart_) return;  // a retry for want of resources
  auto_restart_ = false;
  ++restarts_;
}

void Service::BeginStart() {
  if (StartLimitHit()) {
    Fail(absl::StrCat("start limit hit: ", policy_.start_limit_burst,
                      " starts within ",
                      fault::FormatTimeSpan(policy_.start_limit_interval)));
    return;
  }
  if (flush_restarts_) {  // not an automatic restart: counting starts over
    flush_restarts_ = false;
    restarts_ = 0;
  }
  step_kind_ = policy_.condition_steps > 0 ? StepKind::kCondition
               : policy_.pre_steps > 0     ? StepKind::kPre
                                           : StepKind::kMain;
  step_index_ = 0;
  main_pid_ = 0;
  step_pid_ = 0;
  exec_pending_ = 0;
  Enter(ServiceState::kStarting);
  if (policy_.start_timeout != fault::InfiniteDuration()) {
    effects_.ArmTimer(*this, policy_.start_timeout);
  }
  RunNextStartStep();
}

void Service::RunNextStartStep() {
  while (state_ == ServiceState::kStarting) {
    if (step_kind_ == StepKind::kCondition &&
        step_index_ >= policy_.condition_steps) {
      step_kind_ = StepKind::kPre;
      step_index_ = 0;
    }
    if (step_kind_ == StepKind::kPre && step_index_ >= policy_.pre_steps) {
      step_kind_ = StepKind::kMain;
      step_index_ = 0;
    }
    fault::StatusOr<pid_t> pid =
        effects_.StartStep(*this, step_kind_, step_index_);
    if (!pid.ok()) {
      if (StepNotStarted(pid.status())) continue;
      return;
    }
    exec_pending_ = *pid;
    if (step_kind_ != StepKind::kMain) {  // ExecCondition=, ExecStartPre=
      step_pid_ = *pid;
      return;
    }
    main_pid_ = *pid;
    switch (policy_.type) {
      case ServiceType::kOneshot:
        step_pid_ = *pid;
        return;
      case ServiceType::kForking:
        step_pid_ = *pid;  // the launcher; the main pid comes later
        main_pid_ = 0;
        return;
      case ServiceType::kNotify:
        return;  // ready on READY=1
      case ServiceType::kSimple:
      case ServiceType::kExec:
        return;  // ready once exec'd: ExecReported
    }
  }
}

void Service::BeginStop() {
  effects_.CancelTimer(*this);
  const bool was_running = state_ == ServiceState::kRunning;
  exec_pending_ = 0;  // an interrupted start's report no longer matters
  Enter(ServiceState::kStopping);
  if (!effects_.HasProcesses(*this)) {
    FinishStop();
    return;
  }
  if (policy_.stop_timeout != fault::InfiniteDuration()) {
    effects_.ArmTimer(*this, policy_.stop_timeout);
  }
  if (was_running && policy_.has_exec_stop) {
    fault::StatusOr<pid_t> pid = effects_.StartStep(*this, StepKind::kStop, 0);
    if (pid.ok()) {
      step_pid_ = *pid;
      exec_pending_ = *pid;
      return;
    }
    reason_ = std::string(pid.status().message());
  }
  effects_.Signal(*this, policy_.kill_signal, true);
}

void Service::FinishStop() {
  effects_.CancelTimer(*this);
  main_pid_ = 0;
  step_pid_ = 0;
  Enter(ServiceState::kInactive);
  if (start_after_stop_) {
    start_after_stop_ = false;
    if (ConditionsHold()) BeginStart();
  }
}

void Service::MainExited(const fault::ExitStatus& status) {
  main_pid_ = 0;
  last_exit_ = status;
  reason_ = status.ToString();
  effects_.CancelTimer(*this);
  // What the main process leaves behind goes with it.
  if (effects_.HasProcesses(*this)) {
    effects_.Signal(*this, policy_.kill_signal, true);
  }
  // A service that stayed up a whole start-limit interval is healthy again.
  if (state_ == ServiceState::kRunning &&
      effects_.Now() - running_since_ >= policy_.start_limit_interval) {
    consecutive_restarts_ = 0;
  }
  if (ShouldRestart(status)) {
    fault::Duration delay = RestartDelay(consecutive_restarts_);
    restart_delay_ = delay;
    ++consecutive_restarts_;
    auto_restart_ = true;  // counted when it is carried out
    Enter(ServiceState::kRestarting);
    effects_.ArmTimer(*this, delay);
    return;
  }
  if (Successful(status)) {
    succeeded_ = true;
    Enter(ServiceState::kInactive);
    return;
  }
  Fail(absl::StrCat("main process ended with ", status.ToString()));
}

bool Service::Successful(const fault::ExitStatus& status) const {
  const auto value = static_cast<size_t>(status.exited() ? status.exit_code()
                                                         : status.signal());
  if (value >= CodeSet().size()) return false;
  return status.exited() ? policy_.success_exit_codes[value]
                         : policy_.success_signals[value];
}

bool Service::ShouldRestart(const fault::ExitStatus& status) const {
  if (const RestartExceptions* exceptions = policy_.restart_exceptions.get()) {
    const int code = status.exited() ? status.exit_code() : status.signal();
    if (exceptions->prevent.Contains(status.exited(), code)) return false;
    if (exceptions->force.Contains(status.exited(), code)) return true;
  }
  // systemd's table: a clean exit, an unclean exit code, an unclean signal.
  const bool clean = Successful(status);
  const bool unclean_signal = status.signaled() && !clean;
  switch (policy_.restart) {
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

bool Service::StartLimitHit() {
  if (policy_.start_limit_burst <= 0 ||
      policy_.start_limit_interval <= fault::ZeroDuration()) {
    return false;
  }
  const fault::Duration now = effects_.Now();
  auto expired = recent_starts_.begin();  // the oldest first
  while (expired != recent_starts_.end() &&
         now - *expired >= policy_.start_limit_interval) {
    ++expired;
  }
  recent_starts_.erase(recent_starts_.begin(), expired);
  if (static_cast<int>(recent_starts_.size()) >= policy_.start_limit_burst) {
    return true;
  }
  recent_starts_.push_back(now);
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
  const fault::Duration base = policy_.restart_delay;
  const fault::Duration top = policy_.restart_max_delay;
  if (policy_.restart_steps <= 0 || top == fault::InfiniteDuration() ||
      base <= fault::ZeroDuration() || top <= base) {
    return base;
  }
  if (n >= policy_.restart_steps) return top;
  // Exponential from base to top in restart_steps steps (as systemd).
  const double ratio = static_cast<double>(top.nanoseconds()) /
                       static_cast<double>(base.nanoseconds());
  return fault::Scale(base, RootPower(ratio, n, policy_.restart_steps));
}

}  // namespace faultinit
