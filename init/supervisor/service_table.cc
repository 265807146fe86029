// Service's lifecycle table (service.h, design note): the names of the
// states and events, the coarse state of each sub-state, and kTable, every
// sub-state x event cell written out, which Dispatch runs. The actions are
// in service.cc.

#include "init/supervisor/service.h"

namespace faultinit {

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

absl::string_view ServiceSubStateName(ServiceSubState state) {
  switch (state) {
    case ServiceSubState::kDead:
      return "dead";
    case ServiceSubState::kCondition:
      return "condition";
    case ServiceSubState::kStartPre:
      return "start-pre";
    case ServiceSubState::kStart:
      return "start";
    case ServiceSubState::kStartPost:
      return "start-post";
    case ServiceSubState::kRunning:
      return "running";
    case ServiceSubState::kExited:
      return "exited";
    case ServiceSubState::kReloading:
      return "reloading";
    case ServiceSubState::kStop:
      return "stop";
    case ServiceSubState::kStopSigterm:
      return "stop-sigterm";
    case ServiceSubState::kStopSigkill:
      return "stop-sigkill";
    case ServiceSubState::kStopPost:
      return "stop-post";
    case ServiceSubState::kFinalSigterm:
      return "final-sigterm";
    case ServiceSubState::kFinalSigkill:
      return "final-sigkill";
    case ServiceSubState::kAutoRestart:
      return "auto-restart";
    case ServiceSubState::kFailed:
      return "failed";
  }
  return "unknown";
}

ServiceState CoarseState(ServiceSubState state) {
  switch (state) {
    case ServiceSubState::kDead:
      return ServiceState::kInactive;
    case ServiceSubState::kCondition:
    case ServiceSubState::kStartPre:
    case ServiceSubState::kStart:
    case ServiceSubState::kStartPost:
      return ServiceState::kStarting;
    case ServiceSubState::kRunning:
    case ServiceSubState::kExited:
    case ServiceSubState::kReloading:
      return ServiceState::kRunning;
    case ServiceSubState::kStop:
    case ServiceSubState::kStopSigterm:
    case ServiceSubState::kStopSigkill:
    case ServiceSubState::kStopPost:
    case ServiceSubState::kFinalSigterm:
    case ServiceSubState::kFinalSigkill:
      return ServiceState::kStopping;
    case ServiceSubState::kAutoRestart:
      return ServiceState::kRestarting;
    case ServiceSubState::kFailed:
      return ServiceState::kFailed;
  }
  return ServiceState::kFailed;
}

absl::string_view ServiceEventName(ServiceEvent event) {
  switch (event) {
    case ServiceEvent::kStart:
      return "start";
    case ServiceEvent::kStop:
      return "stop";
    case ServiceEvent::kRestartStop:
      return "restart stop";
    case ServiceEvent::kReload:
      return "reload";
    case ServiceEvent::kStepExited:
      return "step exited";
    case ServiceEvent::kMainExited:
      return "main exited";
    case ServiceEvent::kOtherExited:
      return "other exited";
    case ServiceEvent::kExecOk:
      return "exec ok";
    case ServiceEvent::kExecFailed:
      return "exec failed";
    case ServiceEvent::kReady:
      return "ready";
    case ServiceEvent::kTimer:
      return "timer";
    case ServiceEvent::kProcessesGone:
      return "processes gone";
    case ServiceEvent::kRefuse:
      return "refuse";
    case ServiceEvent::kDependencyFailed:
      return "dependency failed";
    case ServiceEvent::kRedefine:
      return "redefine";
  }
  return "unknown";
}

// --- The table: every sub-state x event cell written out. ---
//
// Columns, in ServiceEvent's order: start, stop, restart stop (the same
// cells as stop; the stop phases it begins send RestartKillSignal=),
// reload, step exited, main exited, other exited, exec ok, exec failed,
// ready, timer, processes gone, refuse, dependency failed, redefine.

#define X(action) &Service::action
const Service::Action Service::kTable[kServiceSubStates][kServiceEvents] = {
    // dead
    {X(RequestStart), X(StopLeftovers), X(StopLeftovers), X(Ignore), X(Ignore),
     X(Ignore), X(Ignore), X(Ignore), X(Ignore), X(Ignore), X(Ignore),
     X(Ignore), X(RefuseNow), X(RefuseNow), X(TakeDefinition)},
    // condition
    {X(Ignore), X(StopStarting), X(StopStarting), X(Ignore),
     X(ConditionStepExited), X(Ignore), X(Ignore), X(Ignore),
     X(StartStepNotRun), X(Ignore), X(StartTimedOut), X(Ignore), X(Ignore),
     X(DependencyStopsStart), X(TakeRestartKeys)},
    // start-pre
    {X(Ignore), X(StopStarting), X(StopStarting), X(Ignore), X(PreStepExited),
     X(Ignore), X(Ignore), X(Ignore), X(StartStepNotRun), X(Ignore),
     X(StartTimedOut), X(Ignore), X(Ignore), X(DependencyStopsStart),
     X(TakeRestartKeys)},
    // start
    {X(Ignore), X(StopStarting), X(StopStarting), X(Ignore), X(MainStepExited),
     X(MainEnded), X(Ignore), X(MainExecOk), X(StartStepNotRun), X(MainReady),
     X(StartTimedOut), X(Ignore), X(Ignore), X(DependencyStopsStart),
     X(TakeRestartKeys)},
    // start-post
    {X(Ignore), X(StopStarting), X(StopStarting), X(Ignore), X(PostStepExited),
     X(MainEnded), X(Ignore), X(Ignore), X(StartStepNotRun), X(Ignore),
     X(StartTimedOut), X(Ignore), X(Ignore), X(DependencyStopsStart),
     X(TakeRestartKeys)},
    // running
    {X(Ignore), X(StopActive), X(StopActive), X(BeginReload), X(Ignore),
     X(MainEnded), X(Ignore), X(Ignore), X(Ignore), X(Ignore), X(Ignore),
     X(Ignore), X(Ignore), X(DependencyStopsActive), X(TakeRestartKeys)},
    // exited
    {X(Ignore), X(StopActive), X(StopActive), X(BeginReload), X(Ignore),
     X(Ignore), X(Ignore), X(Ignore), X(Ignore), X(Ignore), X(Ignore),
     X(Ignore), X(Ignore), X(DependencyStopsActive), X(TakeRestartKeys)},
    // reloading
    {X(Ignore), X(StopActive), X(StopActive), X(Ignore), X(ReloadStepExited),
     X(MainEnded), X(Ignore), X(Ignore), X(ReloadStepNotRun), X(Ignore),
     X(ReloadTimedOut), X(Ignore), X(Ignore), X(DependencyStopsActive),
     X(TakeRestartKeys)},
    // stop
    {X(Ignore), X(StopWhileStopping), X(StopWhileStopping), X(Ignore),
     X(StopStepExited), X(MainEndedWhileStopping), X(Ignore), X(Ignore),
     X(StopStepNotRun), X(Ignore), X(StopTimedOut), X(Ignore), X(Ignore),
     X(Ignore), X(TakeRestartKeys)},
    // stop-sigterm
    {X(Ignore), X(StopWhileStopping), X(StopWhileStopping), X(Ignore),
     X(ExitedWhileKilling), X(ExitedWhileKilling), X(ExitedWhileKilling),
     X(Ignore), X(Ignore), X(Ignore), X(SigtermTimedOut), X(KillingDone),
     X(Ignore), X(Ignore), X(TakeRestartKeys)},
    // stop-sigkill
    {X(Ignore), X(StopWhileStopping), X(StopWhileStopping), X(Ignore),
     X(ExitedWhileKilling), X(ExitedWhileKilling), X(ExitedWhileKilling),
     X(Ignore), X(Ignore), X(Ignore), X(SigkillTimedOut), X(KillingDone),
     X(Ignore), X(Ignore), X(TakeRestartKeys)},
    // stop-post
    {X(Ignore), X(StopWhileStopping), X(StopWhileStopping), X(Ignore),
     X(StopPostStepExited), X(MainEndedWhileStopping), X(Ignore), X(Ignore),
     X(StopPostStepNotRun), X(Ignore), X(StopPostTimedOut), X(Ignore),
     X(Ignore), X(Ignore), X(TakeRestartKeys)},
    // final-sigterm
    {X(Ignore), X(StopWhileStopping), X(StopWhileStopping), X(Ignore),
     X(ExitedWhileKilling), X(ExitedWhileKilling), X(ExitedWhileKilling),
     X(Ignore), X(Ignore), X(Ignore), X(FinalSigtermTimedOut),
     X(FinalKillingDone), X(Ignore), X(Ignore), X(TakeRestartKeys)},
    // final-sigkill
    {X(Ignore), X(StopWhileStopping), X(StopWhileStopping), X(Ignore),
     X(ExitedWhileKilling), X(ExitedWhileKilling), X(ExitedWhileKilling),
     X(Ignore), X(Ignore), X(Ignore), X(FinalSigkillTimedOut),
     X(FinalKillingDone), X(Ignore), X(Ignore), X(TakeRestartKeys)},
    // auto-restart
    {X(RestartNow), X(StopRestart), X(StopRestart), X(Ignore), X(Ignore),
     X(Ignore), X(Ignore), X(Ignore), X(Ignore), X(Ignore), X(RestartTimer),
     X(Ignore), X(RefuseNow), X(RefuseNow), X(TakeDefinitionWaiting)},
    // failed
    {X(RequestStart), X(StopLeftovers), X(StopLeftovers), X(Ignore), X(Ignore),
     X(Ignore), X(Ignore), X(Ignore), X(Ignore), X(Ignore), X(Ignore),
     X(Ignore), X(RefuseNow), X(Ignore), X(TakeDefinition)},
};
#undef X

void Service::Dispatch(const Event& event) {
  (this->*kTable[static_cast<int>(sub_)][static_cast<int>(event.kind)])(event);
}

}  // namespace faultinit
