// Service's stop phases (service.h, design note): the cells of a stop
// request and of stop, stop-sigterm, stop-sigkill, stop-post,
// final-sigterm and final-sigkill: ExecStop=, KillSignal=, the final kill
// signal after TimeoutStopSec=, ExecStopPost=, and the end the stop's
// result names (Conclude).

#include <signal.h>

#include "absl/strings/str_cat.h"
#include "init/supervisor/service.h"
#include "runtime/duration.h"

namespace faultinit {

void Service::StopLeftovers(const Event&) {
  // What the main process left (a child KillMode=mixed did not signal, one
  // that ignored KillSignal=) is stopped as a service is.
  if (policy().extras().kill_none || !effects_.HasProcesses(*this)) return;
  result_ = Result::kSuccess;
  stop_signal_ = policy().kill_signal;  // a requested stop
  Enter(ServiceSubState::kFinalSigterm);
  if (policy().stop_timeout != fault::InfiniteDuration()) {
    effects_.ArmTimer(*this, policy().stop_timeout);
  }
  effects_.Signal(*this, KillSignal(), ServiceEffects::SignalPhase::kTerminate);
}

void Service::StopStarting(const Event& event) {
  effects_.CancelTimer(*this);
  BeginStop(false, event.kind);
}

void Service::StopActive(const Event& event) {
  effects_.CancelTimer(*this);
  BeginStop(true, event.kind);
}

void Service::StopRestart(const Event& event) {
  effects_.CancelTimer(*this);
  start_failures_ = 0;
  result_ = Result::kSuccess;
  if (!policy().extras().kill_none && effects_.HasProcesses(*this)) {
    StopLeftovers(event);
    return;
  }
  Conclude();
}

void Service::StopStepExited(const Event& event) {
  const fault::ExitStatus& status = *event.status;
  step_pid_ = 0;
  if (!Successful(status) && !StepIgnoresFailure()) {
    StopStepFailed(absl::StrCat("ExecStop= ended with ", status.ToString()));
    return;
  }
  ++step_index_;
  RunStopStep();
}

void Service::StopPostStepExited(const Event& event) {
  const fault::ExitStatus& status = *event.status;
  step_pid_ = 0;
  if (!Successful(status) && !StepIgnoresFailure()) {
    effects_.Warn(*this,
                  absl::StrCat("ExecStopPost= ended with ", status.ToString()));
  }
  ++step_index_;
  RunStopPostStep();
}

void Service::StopWhileStopping(const Event&) {
  // The service is stopping on its own (its main process ended): a stop
  // requested now cancels the restart that would follow, so a requested
  // stop stays stopped; its failure, if it failed, stands. From now on it
  // is a requested stop (stop_requested()), with the signal it had.
  if (stop_signal_ == 0) stop_signal_ = policy().kill_signal;
  if (result_ == Result::kRestart || result_ == Result::kRetry) {
    result_ = Result::kSuccess;
  }
}

void Service::MainEndedWhileStopping(const Event& event) {
  main_pid_ = 0;
  last_exit_ = *event.status;
}

void Service::ExitedWhileKilling(const Event& event) {
  if (event.pid == main_pid_) {
    main_pid_ = 0;
    last_exit_ = *event.status;
  }
  if (event.pid == step_pid_) step_pid_ = 0;
  if (!effects_.HasProcesses(*this)) Dispatch({ServiceEvent::kProcessesGone});
}

void Service::StopStepNotRun(const Event& event) {
  // One that could not run failed (systemd's child exits 203), unless "-".
  if (event.pid == step_pid_) step_pid_ = 0;
  if (!StepIgnoresFailure()) {
    StopStepFailed(event.result->message());
    return;
  }
  ++step_index_;
  RunStopStep();
}

void Service::StopPostStepNotRun(const Event& event) {
  if (event.pid == step_pid_) step_pid_ = 0;
  effects_.Warn(*this, event.result->message());
  ++step_index_;
  RunStopPostStep();
}

void Service::StopTimedOut(const Event&) {
  StopFailed(absl::StrCat("ExecStop= timed out after ",
                          fault::FormatTimeSpan(policy().stop_timeout)));
  KillStep(KillSignal());
  EnterStopSigterm();
}

void Service::SigtermTimedOut(const Event&) {
  const LifecycleExtras& x = policy().extras();
  const std::string timed_out = absl::StrCat(
      "stop timed out after ", fault::FormatTimeSpan(policy().stop_timeout));
  if (!x.send_sigkill) {
    StopFailed(absl::StrCat(timed_out, "; SendSIGKILL=no: left running"));
    AfterStop();
    return;
  }
  StopFailed(absl::StrCat(timed_out, ": killed"));
  EnterStopSigkill();
}

void Service::SigkillTimedOut(const Event&) {
  // systemd gives up on processes that survive SIGKILL (stuck in the
  // kernel) and goes on; faultinit waits for them, so that a service that
  // is down has nothing running (its next start would meet them).
  effects_.Warn(*this,
                "processes still around after the final kill signal; waiting");
}

void Service::StopPostTimedOut(const Event&) {
  effects_.Warn(
      *this,
      absl::StrCat("ExecStopPost= timed out after ",
                   fault::FormatTimeSpan(policy().stop_timeout), ": killed"));
  KillStep(SIGKILL);  // its exit ends the stop-post state
}

void Service::FinalSigtermTimedOut(const Event&) {
  const std::string timed_out = absl::StrCat(
      "stop timed out after ", fault::FormatTimeSpan(policy().stop_timeout));
  if (!policy().extras().send_sigkill) {
    // systemd's final-sigterm timeout with SendSIGKILL=no: failed, and what
    // is left runs on.
    StopFailed(absl::StrCat(timed_out, "; SendSIGKILL=no: left running"));
    Conclude();
    return;
  }
  StopFailed(absl::StrCat(timed_out, ": killed"));
  Enter(ServiceSubState::kFinalSigkill);
  if (policy().stop_timeout != fault::InfiniteDuration()) {
    effects_.ArmTimer(*this, policy().stop_timeout);
  }
  effects_.Signal(*this, policy().extras().final_kill_signal,
                  ServiceEffects::SignalPhase::kKill);
}

void Service::FinalSigkillTimedOut(const Event&) {
  effects_.Warn(*this,
                "processes still around after the final kill signal; waiting");
}

void Service::KillingDone(const Event&) { AfterStop(); }

void Service::FinalKillingDone(const Event&) { Conclude(); }

void Service::DependencyStopsStart(const Event& event) {
  reason_ = std::string(event.reason);
  StopStarting(event);
}

void Service::DependencyStopsActive(const Event& event) {
  reason_ = std::string(event.reason);
  StopActive(event);
}

void Service::BeginStop(bool run_exec_stop, ServiceEvent request) {
  const int restart_signal = policy().extras().restart_kill_signal;
  stop_signal_ = request == ServiceEvent::kRestartStop && restart_signal != 0
                     ? restart_signal
                     : policy().kill_signal;
  exec_pending_ = 0;  // an interrupted step's report no longer matters
  result_ = Result::kSuccess;
  step_index_ = 0;
  if (run_exec_stop && policy().stop_steps > 0) {
    EnterStop();
    return;
  }
  EnterStopSigterm();
}

void Service::EnterStop() {
  step_pid_ = 0;
  step_index_ = 0;
  Enter(ServiceSubState::kStop);
  if (policy().stop_timeout != fault::InfiniteDuration()) {
    effects_.ArmTimer(*this, policy().stop_timeout);
  }
  RunStopStep();
}

void Service::RunStopStep() {
  while (step_index_ < policy().stop_steps) {
    fault::StatusOr<pid_t> pid =
        effects_.StartStep(*this, StepKind::kStop, step_index_);
    if (pid.ok()) {
      step_pid_ = *pid;
      exec_pending_ = *pid;
      return;
    }
    if (!StepIgnoresFailure()) {
      StopStepFailed(pid.status().message());
      return;
    }
    ++step_index_;
  }
  effects_.CancelTimer(*this);
  EnterStopSigterm();
}

void Service::EnterStopSigterm() {
  const LifecycleExtras& x = policy().extras();
  if (x.kill_none || !effects_.HasProcesses(*this)) {
    // KillMode=none: only ExecStop= stops it; what runs is left alone.
    AfterStop();
    return;
  }
  if (x.kill_mixed && main_pid_ == 0 && step_pid_ == 0) {
    // KillMode=mixed sends KillSignal= to the main process (or the step
    // running) alone: with neither left, it would reach nothing and there
    // would be nothing to wait for. As systemd (service_enter_signal),
    // the final kill signal follows at once; it reaches every process.
    EnterStopSigkill();
    return;
  }
  Enter(ServiceSubState::kStopSigterm);
  if (policy().stop_timeout != fault::InfiniteDuration()) {
    effects_.ArmTimer(*this, policy().stop_timeout);
  }
  effects_.Signal(*this, KillSignal(), ServiceEffects::SignalPhase::kTerminate);
  if (policy().extras().send_sighup && KillSignal() != SIGHUP) {
    effects_.Signal(*this, SIGHUP, ServiceEffects::SignalPhase::kTerminate);
  }
}

void Service::EnterStopSigkill() {
  if (!policy().extras().send_sigkill) {
    AfterStop();  // SendSIGKILL=no: what is left runs on
    return;
  }
  Enter(ServiceSubState::kStopSigkill);
  effects_.CancelTimer(*this);
  if (policy().stop_timeout != fault::InfiniteDuration()) {
    effects_.ArmTimer(*this, policy().stop_timeout);
  }
  effects_.Signal(*this, policy().extras().final_kill_signal,
                  ServiceEffects::SignalPhase::kKill);
}

void Service::AfterStop() {
  step_index_ = 0;
  if (policy().stop_post_steps == 0) {
    Conclude();
    return;
  }
  Enter(ServiceSubState::kStopPost);
  effects_.CancelTimer(*this);
  if (policy().stop_timeout != fault::InfiniteDuration()) {
    effects_.ArmTimer(*this, policy().stop_timeout);
  }
  RunStopPostStep();
}

void Service::RunStopPostStep() {
  while (step_index_ < policy().stop_post_steps) {
    fault::StatusOr<pid_t> pid =
        effects_.StartStep(*this, StepKind::kStopPost, step_index_);
    if (pid.ok()) {
      step_pid_ = *pid;
      exec_pending_ = *pid;
      return;
    }
    effects_.Warn(*this, pid.status().message());
    ++step_index_;
  }
  Conclude();
}

void Service::Conclude() {
  effects_.CancelTimer(*this);
  main_pid_ = 0;
  step_pid_ = 0;
  step_index_ = 0;
  // stop_signal_ is cleared once the end is entered: the supervisor's log
  // of it asks stop_requested().
  switch (result_) {
    case Result::kSuccess:
      Enter(ServiceSubState::kDead);
      break;
    case Result::kSkipped:
      skipped_ = true;
      Enter(ServiceSubState::kDead);
      break;
    case Result::kFailure:
      succeeded_ = false;
      Enter(ServiceSubState::kFailed);
      break;
    case Result::kRestart:
    case Result::kRetry:
      Enter(ServiceSubState::kAutoRestart);
      effects_.ArmTimer(*this, restart_delay_);
      break;
  }
  stop_signal_ = 0;
}

void Service::KillStep(int signo) {
  if (step_pid_ != 0) effects_.Kill(*this, step_pid_, signo);
}

void Service::StopFailed(absl::string_view reason) {
  // systemd keeps the first result that is not success: a stop that had
  // succeeded so far fails; a failure or a restart already decided stands
  // (and its reason), and this one is logged.
  if (result_ != Result::kSuccess) {
    effects_.Warn(*this, reason);
    return;
  }
  result_ = Result::kFailure;
  succeeded_ = false;
  reason_ = std::string(reason);
}

void Service::StopStepFailed(absl::string_view reason) {
  // systemd: a failed ExecStop= line ends the lines, and what remains gets
  // KillSignal=; the stop's result is the failure.
  effects_.CancelTimer(*this);
  StopFailed(reason);
  EnterStopSigterm();
}

int Service::KillSignal() const {
  return stop_signal_ != 0 ? stop_signal_ : policy().kill_signal;
}

}  // namespace faultinit
