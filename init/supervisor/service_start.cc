// Service's start (service.h, design note): the cells of a start request
// and of the start states (condition, start-pre, start, start-post), the
// start steps run one by one, readiness, and how a start fails (through
// the stop phases of service_stop.cc), is skipped, or is retried for want
// of resources.

#include <errno.h>
#include <signal.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "init/supervisor/service.h"
#include "runtime/duration.h"

namespace faultinit {
namespace {

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

void Service::RequestStart(const Event&) {
  start_failures_ = 0;  // a new request: a new episode
  if (ConditionsHold()) BeginStart(Cause::kRequest);
}

void Service::RestartNow(const Event&) {
  // The restart Restart= decided, taken now: it counts as one.
  effects_.CancelTimer(*this);
  BeginStart(Cause::kAutomatic);
}

void Service::ConditionStepExited(const Event& event) {
  const fault::ExitStatus& status = *event.status;
  step_pid_ = 0;
  if (!Successful(status) && !StepIgnoresFailure()) {
    last_exit_ = status;
    // systemd: exit 1 to 254 means "condition not met"; 255 or a signal
    // is a failure.
    if (status.exited() && status.exit_code() >= 1 &&
        status.exit_code() <= 254) {
      // What it left gets KillSignal= (stop-sigterm), as after a failed
      // step, then ExecStopPost= runs.
      effects_.CancelTimer(*this);
      reason_ = absl::StrCat("condition failed: ExecCondition= ended with ",
                             status.ToString());
      exec_pending_ = 0;
      result_ = Result::kSkipped;
      EnterStopSigterm();
    } else {
      Fail(absl::StrCat("ExecCondition= ended with ", status.ToString()),
           FailureOf(status));
    }
    return;
  }
  ++step_index_;
  RunStartSteps();
}

void Service::PreStepExited(const Event& event) {
  const fault::ExitStatus& status = *event.status;
  step_pid_ = 0;
  if (!Successful(status) && !StepIgnoresFailure()) {
    last_exit_ = status;
    Fail(absl::StrCat("ExecStartPre= ended with ", status.ToString()),
         FailureOf(status));
    return;
  }
  ++step_index_;
  RunStartSteps();
}

void Service::MainStepExited(const Event& event) {
  const fault::ExitStatus& status = *event.status;
  step_pid_ = 0;
  if (policy().type == ServiceType::kForking) {
    // The launcher is done: the daemon it left is the main process.
    if (!status.exited() || status.exit_code() != 0) {
      MainEnded(event);
      return;
    }
    fault::StatusOr<pid_t> daemon = effects_.MainPidOf(*this);
    if (!daemon.ok()) {
      Fail(daemon.status().message(), Failure::kProtocol);
      return;
    }
    main_pid_ = *daemon;
    MainReady(event);
    return;
  }
  // A oneshot's ExecStart= line.
  main_pid_ = 0;
  if (!Clean(status)) {
    MainEnded(event);
    return;
  }
  ++step_index_;
  if (step_index_ < policy().start_steps) {
    RunStartSteps();
    return;
  }
  last_exit_ = status;
  reason_ = status.ToString();
  MainReady(event);
}

void Service::PostStepExited(const Event& event) {
  const fault::ExitStatus& status = *event.status;
  step_pid_ = 0;
  if (!Successful(status) && !StepIgnoresFailure()) {
    Fail(absl::StrCat("ExecStartPost= ended with ", status.ToString()),
         FailureOf(status));
    return;
  }
  ++step_index_;
  RunStartSteps();
}

void Service::MainExecOk(const Event&) {
  start_failures_ = 0;  // a main process runs: the episode is over
  if (policy().type == ServiceType::kSimple ||
      policy().type == ServiceType::kExec) {
    MainReady({ServiceEvent::kExecOk});
  }
}

void Service::StartStepNotRun(const Event& event) {
  if (event.pid == step_pid_) step_pid_ = 0;
  if (StepNotStarted(*event.result)) RunStartSteps();
}

void Service::MainReady(const Event& event) {
  // READY=1 before there is a main process (a forking launcher's) is early.
  if (event.kind == ServiceEvent::kReady && main_pid_ == 0) return;
  step_index_ = 0;
  if (policy().post_steps > 0) {
    Enter(ServiceSubState::kStartPost);
    RunStartSteps();
    return;
  }
  StartPostDone();
}

void Service::StartTimedOut(const Event&) {
  // TimeoutStartFailureMode=terminate, systemd's default: the start ends
  // with the result "timeout"; what runs gets KillSignal=, FinalKillSignal=
  // after TimeoutStopSec= (stop-sigterm, stop-sigkill), then ExecStopPost=.
  // Then Restart= decides, as for systemd's result "timeout" (restarted
  // with always, on-failure and on-abnormal); a start job waiting on it
  // ends there, failed (Supervisor::StartPending).
  effects_.CancelTimer(*this);
  reason_ = absl::StrCat("start timed out after ",
                         fault::FormatTimeSpan(policy().start_timeout));
  exec_pending_ = 0;
  succeeded_ = false;
  if (RestartsAfter(Failure::kTimeout)) {
    ScheduleRestart();
  } else {
    result_ = Result::kFailure;
  }
  EnterStopSigterm();
}

void Service::RestartTimer(const Event&) { BeginStart(Cause::kAutomatic); }

void Service::Fail(absl::string_view reason, Failure failure, bool ran) {
  effects_.CancelTimer(*this);
  reason_ = std::string(reason);
  exec_pending_ = 0;
  succeeded_ = false;
  skipped_ = false;
  // Restart= decides, as in systemd, where a failed start step is the
  // result "exit-code" or "signal" (a forking daemon without a main pid:
  // "protocol"); RestartPreventExitStatus= names main processes only.
  if (RestartsAfter(failure)) {
    ScheduleRestart();
    if (!ran) {
      restart_delay_ =
          std::max(restart_delay_, ResourceRetryDelay(consecutive_restarts_));
    }
  } else {
    result_ = Result::kFailure;
  }
  // What the start left (its main process, what a step forked) is stopped
  // as systemd stops it after a failed start: KillSignal= (stop-sigterm),
  // FinalKillSignal= after TimeoutStopSec= (stop-sigkill), then
  // ExecStopPost=. The main pid is kept until then: KillMode=process and
  // mixed signal it.
  EnterStopSigterm();
}

void Service::FailNow(absl::string_view reason) {
  effects_.CancelTimer(*this);
  reason_ = std::string(reason);
  if (effects_.HasProcesses(*this))
    effects_.Signal(*this, SIGKILL, ServiceEffects::SignalPhase::kKill);
  main_pid_ = 0;
  step_pid_ = 0;
  succeeded_ = false;
  skipped_ = false;
  assert_failed_ = false;
  result_ = Result::kFailure;
  Conclude();
}

bool Service::ConditionsHold() {
  StartCheck check = effects_.CheckConditions(*this);
  switch (check.outcome) {
    case StartCheck::Outcome::kProceed:
      return true;
    case StartCheck::Outcome::kSkip:
      effects_.CancelTimer(*this);
      reason_ = std::move(check.reason);
      if (effects_.HasProcesses(*this))
        effects_.Signal(*this, SIGKILL, ServiceEffects::SignalPhase::kKill);
      main_pid_ = 0;
      step_pid_ = 0;
      succeeded_ = false;
      result_ = Result::kSkipped;
      Conclude();
      return false;
    case StartCheck::Outcome::kFail:
      FailNow(check.reason);
      assert_failed_ = true;
      return false;
  }
  return true;
}

void Service::RetryStart(absl::string_view reason) {
  // Nothing was started: the attempt does not count against the limit.
  if (limit_starts_ > 0) --limit_starts_;
  effects_.CancelTimer(*this);
  if (effects_.HasProcesses(*this))
    effects_.Signal(*this, SIGKILL, ServiceEffects::SignalPhase::kKill);
  main_pid_ = 0;
  step_pid_ = 0;
  reason_ = std::string(reason);
  ++start_failures_;
  // At least the resource back-off, whatever RestartSec= says (0 would
  // retry at once, spinning while descriptors or processes are short).
  restart_delay_ = std::max(RestartDelay(consecutive_restarts_),
                            ResourceRetryDelay(start_failures_));
  ++consecutive_restarts_;
  result_ = Result::kRetry;
  Conclude();
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
  // systemd's child of a command that cannot run exits 203 (EXEC) and
  // the like: an exit code.
  Fail(status.message(), Failure::kExitCode, /*ran=*/false);
  return false;
}

void Service::BeginStart(Cause cause) {
  // An automatic restart counts when it is carried out, even if the start
  // limit refuses it; a retry for want of resources does not count.
  if (cause == Cause::kAutomatic && result_ == Result::kRestart) ++restarts_;
  if (StartLimitHit()) {
    FailNow(absl::StrCat("start limit hit: ", policy().start_limit_burst,
                         " starts within ",
                         fault::FormatTimeSpan(policy().start_limit_interval)));
    return;
  }
  // A requested start comes from dead or failed: the service ended since
  // the last start, and the count starts over (systemd's
  // flush_n_restarts). It stayed visible until now.
  if (cause == Cause::kRequest) restarts_ = 0;
  step_index_ = 0;
  main_pid_ = 0;
  step_pid_ = 0;
  exec_pending_ = 0;
  result_ = Result::kSuccess;
  Enter(policy().condition_steps > 0 ? ServiceSubState::kCondition
        : policy().pre_steps > 0     ? ServiceSubState::kStartPre
                                     : ServiceSubState::kStart);
  if (policy().start_timeout != fault::InfiniteDuration()) {
    effects_.ArmTimer(*this, policy().start_timeout);
  }
  RunStartSteps();
}

void Service::RunStartSteps() {
  for (;;) {
    StepKind kind;
    int steps;
    switch (sub_) {
      case ServiceSubState::kCondition:
        kind = StepKind::kCondition;
        steps = policy().condition_steps;
        break;
      case ServiceSubState::kStartPre:
        kind = StepKind::kPre;
        steps = policy().pre_steps;
        break;
      case ServiceSubState::kStart:
        kind = StepKind::kMain;
        steps = policy().start_steps;
        break;
      case ServiceSubState::kStartPost:
        kind = StepKind::kPost;
        steps = policy().post_steps;
        break;
      case ServiceSubState::kDead:
      case ServiceSubState::kRunning:
      case ServiceSubState::kExited:
      case ServiceSubState::kReloading:
      case ServiceSubState::kStop:
      case ServiceSubState::kStopSigterm:
      case ServiceSubState::kStopSigkill:
      case ServiceSubState::kStopPost:
      case ServiceSubState::kFinalSigterm:
      case ServiceSubState::kFinalSigkill:
      case ServiceSubState::kAutoRestart:
      case ServiceSubState::kFailed:
        return;  // a step failed and the service left the start
    }
    if (step_index_ >= steps) {
      step_index_ = 0;
      switch (sub_) {
        case ServiceSubState::kCondition:
          Enter(policy().pre_steps > 0 ? ServiceSubState::kStartPre
                                       : ServiceSubState::kStart);
          continue;
        case ServiceSubState::kStartPre:
          Enter(ServiceSubState::kStart);
          continue;
        case ServiceSubState::kStart:  // no ExecStart= (a oneshot's right)
          MainReady({ServiceEvent::kExecOk});
          return;
        default:  // start-post: its lines are done
          StartPostDone();
          return;
      }
    }
    fault::StatusOr<pid_t> pid = effects_.StartStep(*this, kind, step_index_);
    if (!pid.ok()) {
      if (StepNotStarted(pid.status())) continue;
      return;
    }
    exec_pending_ = *pid;
    if (kind != StepKind::kMain) {
      step_pid_ = *pid;
      return;
    }
    main_pid_ = *pid;
    switch (policy().type) {
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

void Service::StartPostDone() {
  if (main_pid_ != 0) {
    EnterRunning();
    return;
  }
  // A oneshot whose lines all succeeded.
  effects_.CancelTimer(*this);
  if (policy().remain_after_exit) {
    Enter(ServiceSubState::kExited);
    return;
  }
  succeeded_ = true;
  result_ = Result::kSuccess;
  AfterStop();
}

void Service::EnterRunning() {
  effects_.CancelTimer(*this);
  Enter(ServiceSubState::kRunning);
}

}  // namespace faultinit
