#include "init/supervisor/service.h"

#include <errno.h>
#include <signal.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
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

void Service::RequestStart(const Event&) {
  start_failures_ = 0;  // a new request: a new episode
  if (ConditionsHold()) BeginStart(Cause::kRequest);
}

void Service::RestartNow(const Event&) {
  // The restart Restart= decided, taken now: it counts as one.
  effects_.CancelTimer(*this);
  BeginStart(Cause::kAutomatic);
}

void Service::StopLeftovers(const Event&) {
  // What the main process left (a child KillMode=mixed did not signal, one
  // that ignored KillSignal=) is stopped as a service is.
  if (policy().extras().kill_none || !effects_.HasProcesses(*this)) return;
  result_ = Result::kSuccess;
  Enter(ServiceSubState::kFinalSigterm);
  if (policy().stop_timeout != fault::InfiniteDuration()) {
    effects_.ArmTimer(*this, policy().stop_timeout);
  }
  effects_.Signal(*this, KillSignal(), true);
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

void Service::ConditionStepExited(const Event& event) {
  const fault::ExitStatus& status = *event.status;
  step_pid_ = 0;
  if (!Successful(status) && !StepIgnoresFailure()) {
    last_exit_ = status;
    // systemd: exit 1 to 254 means "condition not met"; 255 or a signal
    // is a failure.
    if (status.exited() && status.exit_code() >= 1 &&
        status.exit_code() <= 254) {
      effects_.CancelTimer(*this);
      reason_ = absl::StrCat("condition failed: ExecCondition= ended with ",
                             status.ToString());
      if (effects_.HasProcesses(*this)) effects_.Signal(*this, SIGKILL, true);
      main_pid_ = 0;
      result_ = Result::kSkipped;
      AfterStop();
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
  step_pid_ = 0;  // a running ExecReload= is stopped with the rest
  exec_pending_ = 0;
  // A service that started ends through its ExecStop= lines even when the
  // main process ended on its own, as in systemd ("the stop operation is
  // always performed if the service started successfully"); they run with
  // the result kept, then what is left gets KillSignal=.
  if (was_running && policy().stop_steps > 0) {
    step_index_ = 0;
    Enter(ServiceSubState::kStop);
    if (policy().stop_timeout != fault::InfiniteDuration()) {
      effects_.ArmTimer(*this, policy().stop_timeout);
    }
    RunStopStep();
    return;
  }
  // What the main process leaves behind goes with it (a running
  // ExecStartPost= or ExecReload= too).
  if (!policy().extras().kill_none && effects_.HasProcesses(*this)) {
    effects_.Signal(*this, KillSignal(), true);
  }
  AfterStop();
}

void Service::StopWhileStopping(const Event&) {
  // The service is stopping on its own (its main process ended): a stop
  // requested now cancels the restart that would follow, so a requested
  // stop stays stopped; its failure, if it failed, stands.
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

void Service::ReloadStepNotRun(const Event& event) {
  if (event.pid == step_pid_) step_pid_ = 0;
  reload_failed_ = true;
  effects_.Warn(*this,
                absl::StrCat("reload failed: ", event.result->message()));
  EndReload();
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

void Service::ReloadTimedOut(const Event&) {
  reload_failed_ = true;
  effects_.Warn(*this,
                absl::StrCat("reload failed: ExecReload= timed out after ",
                             fault::FormatTimeSpan(policy().start_timeout)));
  KillStep(SIGKILL);
  EndReload();  // its exit, when it comes, is a leftover's
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
  Enter(ServiceSubState::kStopSigkill);
  if (policy().stop_timeout != fault::InfiniteDuration()) {
    effects_.ArmTimer(*this, policy().stop_timeout);
  }
  effects_.Signal(*this, x.final_kill_signal, true);
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
  StopFailed(absl::StrCat("stop timed out after ",
                          fault::FormatTimeSpan(policy().stop_timeout),
                          ": killed"));
  Enter(ServiceSubState::kFinalSigkill);
  if (policy().stop_timeout != fault::InfiniteDuration()) {
    effects_.ArmTimer(*this, policy().stop_timeout);
  }
  effects_.Signal(*this, policy().extras().final_kill_signal, true);
}

void Service::FinalSigkillTimedOut(const Event&) {
  effects_.Warn(*this,
                "processes still around after the final kill signal; waiting");
}

void Service::RestartTimer(const Event&) { BeginStart(Cause::kAutomatic); }

void Service::KillingDone(const Event&) { AfterStop(); }

void Service::FinalKillingDone(const Event&) { Conclude(); }

void Service::RefuseNow(const Event& event) { FailNow(event.reason); }

void Service::DependencyStopsStart(const Event& event) {
  reason_ = std::string(event.reason);
  StopStarting(event);
}

void Service::DependencyStopsActive(const Event& event) {
  reason_ = std::string(event.reason);
  StopActive(event);
}

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

void Service::Fail(absl::string_view reason, Failure failure) {
  effects_.CancelTimer(*this);
  reason_ = std::string(reason);
  if (effects_.HasProcesses(*this)) effects_.Signal(*this, SIGKILL, true);
  main_pid_ = 0;
  step_pid_ = 0;
  exec_pending_ = 0;
  succeeded_ = false;
  skipped_ = false;
  // Restart= decides, as in systemd, where a failed start step is the
  // result "exit-code" or "signal" (a forking daemon without a main pid:
  // "protocol"); RestartPreventExitStatus= names main processes only.
  if (RestartsAfter(failure)) {
    ScheduleRestart();
  } else {
    result_ = Result::kFailure;
  }
  AfterStop();
}

void Service::FailNow(absl::string_view reason) {
  effects_.CancelTimer(*this);
  reason_ = std::string(reason);
  if (effects_.HasProcesses(*this)) effects_.Signal(*this, SIGKILL, true);
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
      if (effects_.HasProcesses(*this)) effects_.Signal(*this, SIGKILL, true);
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

void Service::RetryStart(absl::string_view reason) {
  // Nothing was started: the attempt does not count against the limit.
  if (limit_starts_ > 0) --limit_starts_;
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
  Fail(status.message(), Failure::kExitCode);
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

void Service::BeginStop(bool run_exec_stop, ServiceEvent request) {
  const int restart_signal = policy().extras().restart_kill_signal;
  stop_signal_ = request == ServiceEvent::kRestartStop && restart_signal != 0
                     ? restart_signal
                     : policy().kill_signal;
  exec_pending_ = 0;  // an interrupted step's report no longer matters
  result_ = Result::kSuccess;
  step_index_ = 0;
  if (run_exec_stop && policy().stop_steps > 0) {
    step_pid_ = 0;  // a reload's step is stopped with the rest
    Enter(ServiceSubState::kStop);
    if (policy().stop_timeout != fault::InfiniteDuration()) {
      effects_.ArmTimer(*this, policy().stop_timeout);
    }
    RunStopStep();
    return;
  }
  EnterStopSigterm();
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
  if (policy().extras().kill_none || !effects_.HasProcesses(*this)) {
    // KillMode=none: only ExecStop= stops it; what runs is left alone.
    AfterStop();
    return;
  }
  Enter(ServiceSubState::kStopSigterm);
  if (policy().stop_timeout != fault::InfiniteDuration()) {
    effects_.ArmTimer(*this, policy().stop_timeout);
  }
  effects_.Signal(*this, KillSignal(), true);
  if (policy().extras().send_sighup && KillSignal() != SIGHUP) {
    effects_.Signal(*this, SIGHUP, true);
  }
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
  stop_signal_ = 0;
  main_pid_ = 0;
  step_pid_ = 0;
  step_index_ = 0;
  switch (result_) {
    case Result::kSuccess:
      Enter(ServiceSubState::kDead);
      return;
    case Result::kSkipped:
      skipped_ = true;
      Enter(ServiceSubState::kDead);
      return;
    case Result::kFailure:
      succeeded_ = false;
      Enter(ServiceSubState::kFailed);
      return;
    case Result::kRestart:
    case Result::kRetry:
      Enter(ServiceSubState::kAutoRestart);
      effects_.ArmTimer(*this, restart_delay_);
      return;
  }
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
