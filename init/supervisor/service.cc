// Service (service.h, design note): construction, the events (each one
// column of kTable, service_table.cc), Enter, and the cells of the active
// states (running, exited, reloading): the main process's end and
// ExecReload=. The start is in service_start.cc, the stop phases in
// service_stop.cc, the restart decisions in service_restart.cc.

#include "init/supervisor/service.h"

#include <signal.h>

#include "absl/strings/str_cat.h"
#include "runtime/duration.h"

namespace faultinit {

const LifecycleExtras& ServicePolicy::extras() const {
  static const LifecycleExtras kDefaults;
  return lifecycle ? *lifecycle : kDefaults;
}

Service::Service(std::string name, ServicePolicy policy,
                 ServiceEffects& effects)
    : Service(std::move(name),
              std::make_shared<const ServicePolicy>(std::move(policy)),
              effects) {}

Service::Service(std::string name, std::shared_ptr<const ServicePolicy> policy,
                 ServiceEffects& effects)
    : name_(std::move(name)),
      shared_policy_(std::move(policy)),
      effects_(effects) {}

// --- Events. ---

void Service::Start() { Dispatch({ServiceEvent::kStart}); }
void Service::Stop(bool for_restart) {
  Dispatch({for_restart ? ServiceEvent::kRestartStop : ServiceEvent::kStop});
}
void Service::Reload() { Dispatch({ServiceEvent::kReload}); }

void Service::Redefine(std::shared_ptr<const ServicePolicy> policy) {
  Event event{ServiceEvent::kRedefine};
  event.policy = &policy;
  Dispatch(event);
}

void Service::ProcessExited(pid_t pid, const fault::ExitStatus& status) {
  if (pid == exec_pending_) exec_pending_ = 0;  // no report will come now
  Event event{pid == step_pid_   ? ServiceEvent::kStepExited
              : pid == main_pid_ ? ServiceEvent::kMainExited
                                 : ServiceEvent::kOtherExited,
              pid, &status};
  if (pid == 0) event.kind = ServiceEvent::kOtherExited;
  Dispatch(event);
}

void Service::ExecReported(pid_t pid, const fault::Status& result) {
  if (pid == 0 || pid != exec_pending_) return;  // an abandoned step's
  exec_pending_ = 0;
  Event event{result.ok() ? ServiceEvent::kExecOk : ServiceEvent::kExecFailed,
              pid};
  event.result = &result;
  Dispatch(event);
}

void Service::Ready() { Dispatch({ServiceEvent::kReady}); }
void Service::TimerFired() { Dispatch({ServiceEvent::kTimer}); }
void Service::ProcessesGone() { Dispatch({ServiceEvent::kProcessesGone}); }

void Service::Refuse(absl::string_view reason) {
  Event event{ServiceEvent::kRefuse};
  event.reason = reason;
  Dispatch(event);
}

void Service::DependencyFailed(absl::string_view reason) {
  Event event{ServiceEvent::kDependencyFailed};
  event.reason = reason;
  Dispatch(event);
}

// --- Actions (the table's cells). ---

void Service::Ignore(const Event&) {}

void Service::BeginReload(const Event&) {
  if (policy().reload_steps == 0) return;  // the supervisor refuses it first
  reload_failed_ = false;
  step_index_ = 0;
  Enter(ServiceSubState::kReloading);
  if (policy().start_timeout != fault::InfiniteDuration()) {
    effects_.ArmTimer(*this, policy().start_timeout);
  }
  RunReloadStep();
}

void Service::ReloadStepExited(const Event& event) {
  const fault::ExitStatus& status = *event.status;
  step_pid_ = 0;
  if (!Successful(status) && !StepIgnoresFailure()) {
    // systemd: the service goes on running; the reload job failed.
    reload_failed_ = true;
    effects_.Warn(*this, absl::StrCat("reload failed: ExecReload= ended with ",
                                      status.ToString()));
    EndReload();
    return;
  }
  ++step_index_;
  RunReloadStep();
}

void Service::MainEnded(const Event& event) {
  const fault::ExitStatus& status = *event.status;
  const bool was_running =
      sub_ == ServiceSubState::kRunning || sub_ == ServiceSubState::kReloading;
  main_pid_ = 0;
  last_exit_ = status;
  reason_ = status.ToString();
  effects_.CancelTimer(*this);
  // A service that stayed up a whole start-limit interval is healthy again.
  if (was_running &&
      effects_.Now() - running_since_ >= policy().start_limit_interval) {
    consecutive_restarts_ = 0;
  }
  if (sub_ == ServiceSubState::kRunning && policy().remain_after_exit &&
      Clean(status)) {
    Enter(ServiceSubState::kExited);  // what it left runs on, as systemd
    return;
  }
  if (ShouldRestart(status)) {
    ScheduleRestart();
  } else if (Clean(status)) {
    succeeded_ = true;
    result_ = Result::kSuccess;
  } else {
    reason_ = absl::StrCat("main process ended with ", status.ToString());
    result_ = Result::kFailure;
  }
  exec_pending_ = 0;
  // systemd (service_enter_running): a main process of a service that ran
  // and that ended successfully takes the service through its stop
  // operation, as a stop request would: ExecStop= (run even though the
  // processes ended on their own), then stop-sigterm. One that failed
  // skips ExecStop= and goes to stop-sigterm at once, as a start that
  // failed does. Either way what is left gets KillSignal= as KillMode=
  // says, then FinalKillSignal= after TimeoutStopSec=, then ExecStopPost=;
  // the result decided above (success, failure, restart) is kept.
  if (was_running && Clean(status) && policy().stop_steps > 0) {
    EnterStop();
    return;
  }
  EnterStopSigterm();
}

void Service::ReloadStepNotRun(const Event& event) {
  if (event.pid == step_pid_) step_pid_ = 0;
  reload_failed_ = true;
  effects_.Warn(*this,
                absl::StrCat("reload failed: ", event.result->message()));
  EndReload();
}

void Service::ReloadTimedOut(const Event&) {
  reload_failed_ = true;
  effects_.Warn(*this,
                absl::StrCat("reload failed: ExecReload= timed out after ",
                             fault::FormatTimeSpan(policy().start_timeout)));
  KillStep(SIGKILL);
  EndReload();  // its exit, when it comes, is a leftover's
}

void Service::RefuseNow(const Event& event) { FailNow(event.reason); }

// --- Helpers. ---

void Service::Enter(ServiceSubState next) {
  const ServiceState from = CoarseState(sub_);
  const ServiceState to = CoarseState(next);
  sub_ = next;
  // A step of the same phase is not news; an end is, even a repeated one
  // (a skip or a refusal of a service already down).
  if (from == to && next != ServiceSubState::kDead &&
      next != ServiceSubState::kFailed) {
    return;
  }
  since_ = effects_.Now();
  if (to == ServiceState::kRunning) running_since_ = since_;
  if (to == ServiceState::kStarting) {
    succeeded_ = false;
    skipped_ = false;
    assert_failed_ = false;
  }
  effects_.StateChanged(*this, from, to);
}

bool Service::StepIgnoresFailure() const {
  const LifecycleExtras& x = policy().extras();
  const std::vector<bool>* flags = nullptr;
  switch (sub_) {
    case ServiceSubState::kCondition:
      flags = &x.condition_ignore_failure;
      break;
    case ServiceSubState::kStartPre:
      flags = &x.pre_ignore_failure;
      break;
    case ServiceSubState::kStartPost:
      flags = &x.post_ignore_failure;
      break;
    case ServiceSubState::kReloading:
      flags = &x.reload_ignore_failure;
      break;
    case ServiceSubState::kStopPost:
      flags = &x.stop_post_ignore_failure;
      break;
    case ServiceSubState::kStop:
      flags = &x.stop_ignore_failure;
      break;
    case ServiceSubState::kDead:
    case ServiceSubState::kStart:
    case ServiceSubState::kRunning:
    case ServiceSubState::kExited:
    case ServiceSubState::kStopSigterm:
    case ServiceSubState::kStopSigkill:
    case ServiceSubState::kFinalSigterm:
    case ServiceSubState::kFinalSigkill:
    case ServiceSubState::kAutoRestart:
    case ServiceSubState::kFailed:
      return false;
  }
  return flags != nullptr && step_index_ < static_cast<int>(flags->size()) &&
         (*flags)[step_index_];
}

void Service::RunReloadStep() {
  while (step_index_ < policy().reload_steps) {
    fault::StatusOr<pid_t> pid =
        effects_.StartStep(*this, StepKind::kReload, step_index_);
    if (pid.ok()) {
      exec_pending_ = *pid;
      step_pid_ = *pid;
      return;
    }
    if (StepIgnoresFailure()) {
      ++step_index_;
      continue;
    }
    reload_failed_ = true;
    effects_.Warn(*this,
                  absl::StrCat("reload failed: ", pid.status().message()));
    break;
  }
  EndReload();
}

void Service::EndReload() {
  effects_.CancelTimer(*this);
  step_pid_ = 0;
  step_index_ = 0;
  Enter(main_pid_ != 0 ? ServiceSubState::kRunning : ServiceSubState::kExited);
}

}  // namespace faultinit
