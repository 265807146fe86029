// The lifecycle table (service_table.cc), every cell driven.

#include <stdio.h>
#include <stdlib.h>

#include <algorithm>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "init/supervisor/service.h"
#include "init/supervisor/service_fake_effects.h"

namespace faultinit {
namespace {

using fault::ExitStatus;
using service_testing::Exited;
using service_testing::Extras;
using service_testing::FakeEffects;
using service_testing::Killed;
using service_testing::Simple;

}  // namespace

// --- The table, cell by cell. ---

// ServiceTablePeer: dispatches any event in any state, as the table's
// cells are written (Service's methods reach only the cells a supervisor
// can: no step exits where no step runs).
struct ServiceTablePeer {
  static void Dispatch(Service& s, ServiceEvent kind, pid_t pid,
                       const fault::ExitStatus* status,
                       const fault::Status* result, absl::string_view reason) {
    Service::Event event{kind, pid, status, result, reason};
    s.Dispatch(event);
  }
};

namespace {

// Every line of every kind, Restart=on-failure: each state is reachable.
// RestartKillSignal=SIGINT tells a restart's stop from a stop.
ServicePolicy Full() {
  ServicePolicy p = Simple();
  p.condition_steps = 1;
  p.pre_steps = 1;
  p.post_steps = 1;
  p.reload_steps = 1;
  p.stop_steps = 1;
  p.stop_post_steps = 1;
  p.restart = RestartPolicy::kOnFailure;
  p.restart_delay = fault::Seconds(1);
  Extras(p).restart_kill_signal = SIGINT;
  return p;
}

// Redefined: a daemon-reload's new definition of Full(): its restart keys
// differ (Restart=always, RestartSec=5s).
ServicePolicy Redefined() {
  ServicePolicy p = Full();
  p.restart = RestartPolicy::kAlways;
  p.restart_delay = fault::Seconds(5);
  return p;
}

// Reach: a service of Full() (or a variant) brought into `state` by the
// events a supervisor delivers. Pids: cond0 100, pre0 101, main0 102,
// post0 103, then the next step 104, 105; 999 is a leftover process.
std::unique_ptr<Service> Reach(ServiceSubState state, FakeEffects& fx) {
  ServicePolicy p = Full();
  if (state == ServiceSubState::kExited) p.remain_after_exit = true;
  if (state == ServiceSubState::kFailed ||
      state == ServiceSubState::kFinalSigterm ||
      state == ServiceSubState::kFinalSigkill) {
    p.restart = RestartPolicy::kNo;
  }
  auto s = std::make_unique<Service>("t", p, fx);
  auto step = [&](ServiceSubState at) { return state == at; };
  if (step(ServiceSubState::kDead)) return s;
  s->Start();  // cond0 100
  if (step(ServiceSubState::kCondition)) return s;
  fx.End(*s, 100, Exited(0, 0));  // pre0 101
  if (step(ServiceSubState::kStartPre)) return s;
  fx.Report(*s);  // pre0's exec
  fx.running.erase(101);
  s->ProcessExited(101, Exited(101, 0));  // main0 102, not reported yet
  if (step(ServiceSubState::kStart)) return s;
  fx.Report(*s);  // exec'd: ready; post0 103
  if (step(ServiceSubState::kStartPost)) return s;
  fx.End(*s, 103, Exited(0, 0));
  if (step(ServiceSubState::kRunning)) return s;
  switch (state) {
    case ServiceSubState::kExited:
      fx.End(*s, 102, Exited(0, 0));
      return s;
    case ServiceSubState::kReloading:
      s->Reload();  // reload0 104
      fx.Report(*s);
      return s;
    case ServiceSubState::kStop:
    case ServiceSubState::kStopSigterm:
    case ServiceSubState::kStopSigkill:
    case ServiceSubState::kStopPost:
      s->Stop();  // stop0 104
      fx.Report(*s);
      if (step(ServiceSubState::kStop)) return s;
      fx.End(*s, 104, Exited(0, 0));  // 102 runs on: KillSignal=
      if (step(ServiceSubState::kStopSigterm)) return s;
      if (step(ServiceSubState::kStopSigkill)) {
        s->TimerFired();
        return s;
      }
      fx.End(*s, 102, Killed(0, SIGTERM));  // stoppost0 105
      fx.Report(*s);
      return s;
    case ServiceSubState::kAutoRestart:
    case ServiceSubState::kFailed:
    case ServiceSubState::kFinalSigterm:
    case ServiceSubState::kFinalSigkill:
      fx.running.insert(999);         // what it forked, left behind
      fx.End(*s, 102, Exited(0, 1));  // failed: KillSignal=, no ExecStop=
      s->ProcessesGone();             // 999 ignored it: stoppost0 104
      fx.Report(*s);
      fx.End(*s, 104, Exited(0, 0));
      if (step(ServiceSubState::kAutoRestart) ||
          step(ServiceSubState::kFailed)) {
        return s;
      }
      s->Stop();
      if (step(ServiceSubState::kFinalSigkill)) s->TimerFired();
      return s;
    default:
      return s;
  }
}

// Fire: `event` as its cell receives it. A step or the main process ends
// (the step successfully, the main process with exit 1), the exec report
// of the step (or main process) running, a leftover (999) ends.
void Fire(Service& s, FakeEffects& fx, ServiceEvent event) {
  const fault::Status not_found(fault::StatusCode::kNotFound,
                                "unable to execute x: No such file", ENOENT);
  const fault::Status ok;
  auto exited = [&](pid_t pid, int code) {
    fx.running.erase(pid);
    ExitStatus status = Exited(pid, code);
    ServiceTablePeer::Dispatch(s, event, pid, &status, nullptr, "");
  };
  switch (event) {
    case ServiceEvent::kStart:
      s.Start();
      return;
    case ServiceEvent::kStop:
      s.Stop();
      return;
    case ServiceEvent::kRestartStop:
      s.Stop(/*for_restart=*/true);
      return;
    case ServiceEvent::kReload:
      s.Reload();
      return;
    case ServiceEvent::kStepExited:
      exited(s.step_pid(), 0);
      return;
    case ServiceEvent::kMainExited:
      exited(s.main_pid(), 1);
      return;
    case ServiceEvent::kOtherExited:
      exited(999, 0);
      return;
    case ServiceEvent::kExecOk:
    case ServiceEvent::kExecFailed:
      ServiceTablePeer::Dispatch(
          s, event, s.step_pid() != 0 ? s.step_pid() : s.main_pid(), nullptr,
          event == ServiceEvent::kExecOk ? &ok : &not_found, "");
      return;
    case ServiceEvent::kReady:
      s.Ready();
      return;
    case ServiceEvent::kTimer:
      s.TimerFired();
      return;
    case ServiceEvent::kProcessesGone:
      fx.running.clear();
      s.ProcessesGone();
      return;
    case ServiceEvent::kRefuse:
      s.Refuse("bad unit");
      return;
    case ServiceEvent::kDependencyFailed:
      s.DependencyFailed("required unit x failed");
      return;
    case ServiceEvent::kRedefine:
      s.Redefine(std::make_shared<const ServicePolicy>(Redefined()));
      return;
  }
}

// Outcome: the sub-state reached, then each effect logged since `log` was
// cleared.
std::string Outcome(const Service& s, const FakeEffects& fx) {
  std::string out(ServiceSubStateName(s.sub_state()));
  for (const std::string& line : fx.log) absl::StrAppend(&out, " | ", line);
  return out;
}

// One cell: the sub-state reached and the effects, in order. With
// `follow_on`, what comes next (FollowOn) instead.
std::string Cell(ServiceSubState state, ServiceEvent event,
                 bool follow_on = false);

// FollowOn: after a cell that armed the timer (a start or stop timeout,
// the restart's RestartSec=, the next kill signal's TimeoutStopSec=),
// what follows: the exec reports are delivered and each step that runs
// ends successfully (the main process and leftovers run on), which
// settles the service in a state (its outcome first); then the timer,
// if still armed, fires (its outcome after " >> "), as the supervisor
// would deliver it: a restart carried out, a kill escalated, a step or a
// start that times out.
std::string FollowOn(Service& s, FakeEffects& fx) {
  fx.log.clear();
  fx.Report(s);
  for (int i = 0; i < 8 && s.step_pid() != 0; ++i) {
    fx.End(s, s.step_pid(), Exited(0, 0));
  }
  std::string out = Outcome(s, fx);
  if (fx.timer == fault::ZeroDuration()) return out + " >> no timer";
  fx.log.clear();
  fx.now = fx.now + fx.timer;
  s.TimerFired();
  return absl::StrCat(out, " >> ", Outcome(s, fx));
}

std::string Cell(ServiceSubState state, ServiceEvent event, bool follow_on) {
  FakeEffects fx;
  std::unique_ptr<Service> s = Reach(state, fx);
  EXPECT_EQ(s->sub_state(), state) << ServiceSubStateName(state);
  fx.log.clear();
  Fire(*s, fx, event);
  const bool armed = std::any_of(
      fx.log.begin(), fx.log.end(),
      [](const std::string& line) { return line.rfind("timer ", 0) == 0; });
  if (!follow_on) return Outcome(*s, fx);
  return armed ? FollowOn(*s, fx) : "";
}

struct ExpectedCell {
  ServiceSubState state;
  ServiceEvent event;
  const char* outcome;  // the sub-state reached | each effect
};

using S = ServiceSubState;
using E = ServiceEvent;

// kCells: every cell of kTable, in the table's order: the sub-state the
// cell leads to, then the effects in order (FakeEffects' log: a coarse
// state change by its name, "start KIND INDEX PID", signals, timers, kills
// of one process, warnings). Reached as Reach says, fired as Fire says.
// Cells no supervisor event reaches (a step exit where no step runs, an
// exec report of no step) are driven all the same: they show what the
// cell does.
constexpr ExpectedCell kCells[] = {
    // Dead
    {S::kDead, E::kStart,
     "condition | starting | timer 1min 30s | start cond0 100"},
    {S::kDead, E::kStop, "dead"},
    {S::kDead, E::kRestartStop, "dead"},
    {S::kDead, E::kReload, "dead"},
    {S::kDead, E::kStepExited, "dead"},
    {S::kDead, E::kMainExited, "dead"},
    {S::kDead, E::kOtherExited, "dead"},
    {S::kDead, E::kExecOk, "dead"},
    {S::kDead, E::kExecFailed, "dead"},
    {S::kDead, E::kReady, "dead"},
    {S::kDead, E::kTimer, "dead"},
    {S::kDead, E::kProcessesGone, "dead"},
    {S::kDead, E::kRefuse, "failed | failed"},
    {S::kDead, E::kDependencyFailed, "failed | failed"},
    {S::kDead, E::kRedefine, "dead"},
    // Condition
    {S::kCondition, E::kStart, "condition"},
    {S::kCondition, E::kStop,
     "stop-sigterm | stopping | timer 1min 30s | signal 15 group"},
    {S::kCondition, E::kRestartStop,
     "stop-sigterm | stopping | timer 1min 30s | signal 2 group"},
    {S::kCondition, E::kReload, "condition"},
    {S::kCondition, E::kStepExited, "start-pre | start pre0 101"},
    {S::kCondition, E::kMainExited, "condition"},
    {S::kCondition, E::kOtherExited, "condition"},
    {S::kCondition, E::kExecOk, "condition"},
    {S::kCondition, E::kExecFailed,
     "stop-sigterm | stopping | timer 1min 30s | signal 15 group"},
    {S::kCondition, E::kReady, "condition"},
    {S::kCondition, E::kTimer,
     "stop-sigterm | stopping | timer 1min 30s | signal 15 group"},
    {S::kCondition, E::kProcessesGone, "condition"},
    {S::kCondition, E::kRefuse, "condition"},
    {S::kCondition, E::kDependencyFailed,
     "stop-sigterm | stopping | timer 1min 30s | signal 15 group"},
    {S::kCondition, E::kRedefine, "condition"},
    // StartPre
    {S::kStartPre, E::kStart, "start-pre"},
    {S::kStartPre, E::kStop,
     "stop-sigterm | stopping | timer 1min 30s | signal 15 group"},
    {S::kStartPre, E::kRestartStop,
     "stop-sigterm | stopping | timer 1min 30s | signal 2 group"},
    {S::kStartPre, E::kReload, "start-pre"},
    {S::kStartPre, E::kStepExited, "start | start main0 102"},
    {S::kStartPre, E::kMainExited, "start-pre"},
    {S::kStartPre, E::kOtherExited, "start-pre"},
    {S::kStartPre, E::kExecOk, "start-pre"},
    {S::kStartPre, E::kExecFailed,
     "stop-sigterm | stopping | timer 1min 30s | signal 15 group"},
    {S::kStartPre, E::kReady, "start-pre"},
    {S::kStartPre, E::kTimer,
     "stop-sigterm | stopping | timer 1min 30s | signal 15 group"},
    {S::kStartPre, E::kProcessesGone, "start-pre"},
    {S::kStartPre, E::kRefuse, "start-pre"},
    {S::kStartPre, E::kDependencyFailed,
     "stop-sigterm | stopping | timer 1min 30s | signal 15 group"},
    {S::kStartPre, E::kRedefine, "start-pre"},
    // Start
    {S::kStart, E::kStart, "start"},
    {S::kStart, E::kStop,
     "stop-sigterm | stopping | timer 1min 30s | signal 15 group"},
    {S::kStart, E::kRestartStop,
     "stop-sigterm | stopping | timer 1min 30s | signal 2 group"},
    {S::kStart, E::kReload, "start"},
    {S::kStart, E::kStepExited, "start-post | start post0 103"},
    {S::kStart, E::kMainExited,
     "stop-post | stopping | timer 1min 30s | start stoppost0 103"},
    {S::kStart, E::kOtherExited, "start"},
    {S::kStart, E::kExecOk, "start-post | start post0 103"},
    {S::kStart, E::kExecFailed,
     "stop-sigterm | stopping | timer 1min 30s | signal 15 group"},
    {S::kStart, E::kReady, "start-post | start post0 103"},
    {S::kStart, E::kTimer,
     "stop-sigterm | stopping | timer 1min 30s | signal 15 group"},
    {S::kStart, E::kProcessesGone, "start"},
    {S::kStart, E::kRefuse, "start"},
    {S::kStart, E::kDependencyFailed,
     "stop-sigterm | stopping | timer 1min 30s | signal 15 group"},
    {S::kStart, E::kRedefine, "start"},
    // StartPost
    {S::kStartPost, E::kStart, "start-post"},
    {S::kStartPost, E::kStop,
     "stop-sigterm | stopping | timer 1min 30s | signal 15 group"},
    {S::kStartPost, E::kRestartStop,
     "stop-sigterm | stopping | timer 1min 30s | signal 2 group"},
    {S::kStartPost, E::kReload, "start-post"},
    {S::kStartPost, E::kStepExited, "running | running"},
    {S::kStartPost, E::kMainExited,
     "stop-sigterm | stopping | timer 1min 30s | signal 15 group"},
    {S::kStartPost, E::kOtherExited, "start-post"},
    {S::kStartPost, E::kExecOk, "start-post"},
    {S::kStartPost, E::kExecFailed,
     "stop-sigterm | stopping | timer 1min 30s | signal 15 group"},
    {S::kStartPost, E::kReady, "start-post"},
    {S::kStartPost, E::kTimer,
     "stop-sigterm | stopping | timer 1min 30s | signal 15 group"},
    {S::kStartPost, E::kProcessesGone, "start-post"},
    {S::kStartPost, E::kRefuse, "start-post"},
    {S::kStartPost, E::kDependencyFailed,
     "stop-sigterm | stopping | timer 1min 30s | signal 15 group"},
    {S::kStartPost, E::kRedefine, "start-post"},
    // Running
    {S::kRunning, E::kStart, "running"},
    {S::kRunning, E::kStop,
     "stop | stopping | timer 1min 30s | start stop0 104"},
    {S::kRunning, E::kRestartStop,
     "stop | stopping | timer 1min 30s | start stop0 104"},
    {S::kRunning, E::kReload, "reloading | timer 1min 30s | start reload0 104"},
    {S::kRunning, E::kStepExited, "running"},
    {S::kRunning, E::kMainExited,
     "stop-post | stopping | timer 1min 30s | start stoppost0 104"},
    {S::kRunning, E::kOtherExited, "running"},
    {S::kRunning, E::kExecOk, "running"},
    {S::kRunning, E::kExecFailed, "running"},
    {S::kRunning, E::kReady, "running"},
    {S::kRunning, E::kTimer, "running"},
    {S::kRunning, E::kProcessesGone, "running"},
    {S::kRunning, E::kRefuse, "running"},
    {S::kRunning, E::kDependencyFailed,
     "stop | stopping | timer 1min 30s | start stop0 104"},
    {S::kRunning, E::kRedefine, "running"},
    // Exited
    {S::kExited, E::kStart, "exited"},
    {S::kExited, E::kStop,
     "stop | stopping | timer 1min 30s | start stop0 104"},
    {S::kExited, E::kRestartStop,
     "stop | stopping | timer 1min 30s | start stop0 104"},
    {S::kExited, E::kReload, "reloading | timer 1min 30s | start reload0 104"},
    {S::kExited, E::kStepExited, "exited"},
    {S::kExited, E::kMainExited, "exited"},
    {S::kExited, E::kOtherExited, "exited"},
    {S::kExited, E::kExecOk, "exited"},
    {S::kExited, E::kExecFailed, "exited"},
    {S::kExited, E::kReady, "exited"},
    {S::kExited, E::kTimer, "exited"},
    {S::kExited, E::kProcessesGone, "exited"},
    {S::kExited, E::kRefuse, "exited"},
    {S::kExited, E::kDependencyFailed,
     "stop | stopping | timer 1min 30s | start stop0 104"},
    {S::kExited, E::kRedefine, "exited"},
    // Reloading
    {S::kReloading, E::kStart, "reloading"},
    {S::kReloading, E::kStop,
     "stop | stopping | timer 1min 30s | start stop0 105"},
    {S::kReloading, E::kRestartStop,
     "stop | stopping | timer 1min 30s | start stop0 105"},
    {S::kReloading, E::kReload, "reloading"},
    {S::kReloading, E::kStepExited, "running"},
    {S::kReloading, E::kMainExited,
     "stop-sigterm | stopping | timer 1min 30s | signal 15 group"},
    {S::kReloading, E::kOtherExited, "reloading"},
    {S::kReloading, E::kExecOk, "reloading"},
    {S::kReloading, E::kExecFailed,
     "running | warn reload failed: unable to execute x: No such file"},
    {S::kReloading, E::kReady, "reloading"},
    {S::kReloading, E::kTimer,
     "running | warn reload failed: ExecReload= timed out after 1min 30s | "
     "kill 104 9"},
    {S::kReloading, E::kProcessesGone, "reloading"},
    {S::kReloading, E::kRefuse, "reloading"},
    {S::kReloading, E::kDependencyFailed,
     "stop | stopping | timer 1min 30s | start stop0 105"},
    {S::kReloading, E::kRedefine, "reloading"},
    // Stop
    {S::kStop, E::kStart, "stop"},
    {S::kStop, E::kStop, "stop"},
    {S::kStop, E::kRestartStop, "stop"},
    {S::kStop, E::kReload, "stop"},
    {S::kStop, E::kStepExited,
     "stop-sigterm | timer 1min 30s | signal 15 group"},
    {S::kStop, E::kMainExited, "stop"},
    {S::kStop, E::kOtherExited, "stop"},
    {S::kStop, E::kExecOk, "stop"},
    {S::kStop, E::kExecFailed,
     "stop-sigterm | timer 1min 30s | signal 15 group"},
    {S::kStop, E::kReady, "stop"},
    {S::kStop, E::kTimer,
     "stop-sigterm | kill 104 15 | timer 1min 30s | signal 15 group"},
    {S::kStop, E::kProcessesGone, "stop"},
    {S::kStop, E::kRefuse, "stop"},
    {S::kStop, E::kDependencyFailed, "stop"},
    {S::kStop, E::kRedefine, "stop"},
    // StopSigterm
    {S::kStopSigterm, E::kStart, "stop-sigterm"},
    {S::kStopSigterm, E::kStop, "stop-sigterm"},
    {S::kStopSigterm, E::kRestartStop, "stop-sigterm"},
    {S::kStopSigterm, E::kReload, "stop-sigterm"},
    {S::kStopSigterm, E::kStepExited, "stop-sigterm"},
    {S::kStopSigterm, E::kMainExited,
     "stop-post | timer 1min 30s | start stoppost0 105"},
    {S::kStopSigterm, E::kOtherExited, "stop-sigterm"},
    {S::kStopSigterm, E::kExecOk, "stop-sigterm"},
    {S::kStopSigterm, E::kExecFailed, "stop-sigterm"},
    {S::kStopSigterm, E::kReady, "stop-sigterm"},
    {S::kStopSigterm, E::kTimer,
     "stop-sigkill | timer 1min 30s | signal 9 final"},
    {S::kStopSigterm, E::kProcessesGone,
     "stop-post | timer 1min 30s | start stoppost0 105"},
    {S::kStopSigterm, E::kRefuse, "stop-sigterm"},
    {S::kStopSigterm, E::kDependencyFailed, "stop-sigterm"},
    {S::kStopSigterm, E::kRedefine, "stop-sigterm"},
    // StopSigkill
    {S::kStopSigkill, E::kStart, "stop-sigkill"},
    {S::kStopSigkill, E::kStop, "stop-sigkill"},
    {S::kStopSigkill, E::kRestartStop, "stop-sigkill"},
    {S::kStopSigkill, E::kReload, "stop-sigkill"},
    {S::kStopSigkill, E::kStepExited, "stop-sigkill"},
    {S::kStopSigkill, E::kMainExited,
     "stop-post | timer 1min 30s | start stoppost0 105"},
    {S::kStopSigkill, E::kOtherExited, "stop-sigkill"},
    {S::kStopSigkill, E::kExecOk, "stop-sigkill"},
    {S::kStopSigkill, E::kExecFailed, "stop-sigkill"},
    {S::kStopSigkill, E::kReady, "stop-sigkill"},
    {S::kStopSigkill, E::kTimer,
     "stop-sigkill | warn processes still around after the final kill signal; "
     "waiting"},
    {S::kStopSigkill, E::kProcessesGone,
     "stop-post | timer 1min 30s | start stoppost0 105"},
    {S::kStopSigkill, E::kRefuse, "stop-sigkill"},
    {S::kStopSigkill, E::kDependencyFailed, "stop-sigkill"},
    {S::kStopSigkill, E::kRedefine, "stop-sigkill"},
    // StopPost
    {S::kStopPost, E::kStart, "stop-post"},
    {S::kStopPost, E::kStop, "stop-post"},
    {S::kStopPost, E::kRestartStop, "stop-post"},
    {S::kStopPost, E::kReload, "stop-post"},
    {S::kStopPost, E::kStepExited, "dead | inactive"},
    {S::kStopPost, E::kMainExited, "stop-post"},
    {S::kStopPost, E::kOtherExited, "stop-post"},
    {S::kStopPost, E::kExecOk, "stop-post"},
    {S::kStopPost, E::kExecFailed,
     "dead | warn unable to execute x: No such file | inactive"},
    {S::kStopPost, E::kReady, "stop-post"},
    {S::kStopPost, E::kTimer,
     "stop-post | warn ExecStopPost= timed out after 1min 30s: killed | kill "
     "105 9"},
    {S::kStopPost, E::kProcessesGone, "stop-post"},
    {S::kStopPost, E::kRefuse, "stop-post"},
    {S::kStopPost, E::kDependencyFailed, "stop-post"},
    {S::kStopPost, E::kRedefine, "stop-post"},
    // FinalSigterm
    {S::kFinalSigterm, E::kStart, "final-sigterm"},
    {S::kFinalSigterm, E::kStop, "final-sigterm"},
    {S::kFinalSigterm, E::kRestartStop, "final-sigterm"},
    {S::kFinalSigterm, E::kReload, "final-sigterm"},
    {S::kFinalSigterm, E::kStepExited, "final-sigterm"},
    {S::kFinalSigterm, E::kMainExited, "final-sigterm"},
    {S::kFinalSigterm, E::kOtherExited, "dead | inactive"},
    {S::kFinalSigterm, E::kExecOk, "final-sigterm"},
    {S::kFinalSigterm, E::kExecFailed, "final-sigterm"},
    {S::kFinalSigterm, E::kReady, "final-sigterm"},
    {S::kFinalSigterm, E::kTimer,
     "final-sigkill | timer 1min 30s | signal 9 final"},
    {S::kFinalSigterm, E::kProcessesGone, "dead | inactive"},
    {S::kFinalSigterm, E::kRefuse, "final-sigterm"},
    {S::kFinalSigterm, E::kDependencyFailed, "final-sigterm"},
    {S::kFinalSigterm, E::kRedefine, "final-sigterm"},
    // FinalSigkill
    {S::kFinalSigkill, E::kStart, "final-sigkill"},
    {S::kFinalSigkill, E::kStop, "final-sigkill"},
    {S::kFinalSigkill, E::kRestartStop, "final-sigkill"},
    {S::kFinalSigkill, E::kReload, "final-sigkill"},
    {S::kFinalSigkill, E::kStepExited, "final-sigkill"},
    {S::kFinalSigkill, E::kMainExited, "final-sigkill"},
    {S::kFinalSigkill, E::kOtherExited, "failed | failed"},
    {S::kFinalSigkill, E::kExecOk, "final-sigkill"},
    {S::kFinalSigkill, E::kExecFailed, "final-sigkill"},
    {S::kFinalSigkill, E::kReady, "final-sigkill"},
    {S::kFinalSigkill, E::kTimer,
     "final-sigkill | warn processes still around after the final kill signal; "
     "waiting"},
    {S::kFinalSigkill, E::kProcessesGone, "failed | failed"},
    {S::kFinalSigkill, E::kRefuse, "final-sigkill"},
    {S::kFinalSigkill, E::kDependencyFailed, "final-sigkill"},
    {S::kFinalSigkill, E::kRedefine, "final-sigkill"},
    // AutoRestart
    {S::kAutoRestart, E::kStart,
     "condition | starting | timer 1min 30s | start cond0 105"},
    {S::kAutoRestart, E::kStop,
     "final-sigterm | stopping | timer 1min 30s | signal 15 group"},
    {S::kAutoRestart, E::kRestartStop,
     "final-sigterm | stopping | timer 1min 30s | signal 15 group"},
    {S::kAutoRestart, E::kReload, "auto-restart"},
    {S::kAutoRestart, E::kStepExited, "auto-restart"},
    {S::kAutoRestart, E::kMainExited, "auto-restart"},
    {S::kAutoRestart, E::kOtherExited, "auto-restart"},
    {S::kAutoRestart, E::kExecOk, "auto-restart"},
    {S::kAutoRestart, E::kExecFailed, "auto-restart"},
    {S::kAutoRestart, E::kReady, "auto-restart"},
    {S::kAutoRestart, E::kTimer,
     "condition | starting | timer 1min 30s | start cond0 105"},
    {S::kAutoRestart, E::kProcessesGone, "auto-restart"},
    {S::kAutoRestart, E::kRefuse, "failed | signal 9 final | failed"},
    {S::kAutoRestart, E::kDependencyFailed, "failed | signal 9 final | failed"},
    {S::kAutoRestart, E::kRedefine, "auto-restart | timer 5s"},
    // Failed
    {S::kFailed, E::kStart,
     "condition | starting | timer 1min 30s | start cond0 105"},
    {S::kFailed, E::kStop,
     "final-sigterm | stopping | timer 1min 30s | signal 15 group"},
    {S::kFailed, E::kRestartStop,
     "final-sigterm | stopping | timer 1min 30s | signal 15 group"},
    {S::kFailed, E::kReload, "failed"},
    {S::kFailed, E::kStepExited, "failed"},
    {S::kFailed, E::kMainExited, "failed"},
    {S::kFailed, E::kOtherExited, "failed"},
    {S::kFailed, E::kExecOk, "failed"},
    {S::kFailed, E::kExecFailed, "failed"},
    {S::kFailed, E::kReady, "failed"},
    {S::kFailed, E::kTimer, "failed"},
    {S::kFailed, E::kProcessesGone, "failed"},
    {S::kFailed, E::kRefuse, "failed | signal 9 final | failed"},
    {S::kFailed, E::kDependencyFailed, "failed"},
    {S::kFailed, E::kRedefine, "failed"},
};

// Every cell of kTable, driven: each state reached as a supervisor would
// bring a service there, each event delivered, the sub-state reached and
// the effects (log of FakeEffects: state changes as coarse names, steps
// started, signals, timers, warnings) compared with kCells, which lists
// all kServiceSubStates x kServiceEvents cells.
TEST(ServiceTable, EveryCell) {
  ASSERT_EQ(sizeof(kCells) / sizeof(kCells[0]),
            static_cast<size_t>(kServiceSubStates * kServiceEvents));
  int index = 0;
  for (int st = 0; st < kServiceSubStates; ++st) {
    for (int ev = 0; ev < kServiceEvents; ++ev, ++index) {
      const auto state = static_cast<ServiceSubState>(st);
      const auto event = static_cast<ServiceEvent>(ev);
      const ExpectedCell& expected = kCells[index];
      ASSERT_EQ(expected.state, state) << index;
      ASSERT_EQ(expected.event, event) << index;
      EXPECT_EQ(Cell(state, event), expected.outcome)
          << ServiceSubStateName(state) << " x " << ServiceEventName(event);
    }
  }
}

// kFollowOns: for each cell that arms the timer (and only those), what
// follows it (FollowOn): the state its steps settle it in, " >> ", then
// what the timer does there.
constexpr ExpectedCell kFollowOns[] = {
#include "init/supervisor/service_table_follow_ons.inc"
};

// Every cell that arms the timer, followed on: the state reached and what
// the next events (the steps' ends, then the timer) do there, compared
// with kFollowOns, which lists exactly those cells.
TEST(ServiceTable, EveryCellThatArmsTheTimerFollowedOn) {
  size_t listed = 0;
  for (int st = 0; st < kServiceSubStates; ++st) {
    for (int ev = 0; ev < kServiceEvents; ++ev) {
      const auto state = static_cast<ServiceSubState>(st);
      const auto event = static_cast<ServiceEvent>(ev);
      const std::string got = Cell(state, event, /*follow_on=*/true);
      const ExpectedCell* expected = nullptr;
      for (const ExpectedCell& c : kFollowOns) {
        if (c.state == state && c.event == event) expected = &c;
      }
      const std::string where = absl::StrCat(ServiceSubStateName(state), " x ",
                                             ServiceEventName(event));
      if (got.empty()) {
        EXPECT_EQ(expected, nullptr) << where << ": arms no timer";
        continue;
      }
      ++listed;
      ASSERT_NE(expected, nullptr) << where << ": not in kFollowOns: " << got;
      EXPECT_EQ(got, expected->outcome) << where;
    }
  }
  EXPECT_EQ(listed, sizeof(kFollowOns) / sizeof(kFollowOns[0]));
}

// Prints kCells and kFollowOns as the code is now
// (FAULTINIT_PRINT_CELLS=1): to review and paste when the table changes
// on purpose.
// A service whose main process failed skips its ExecStop= (as systemd):
// what it left (999) gets KillSignal= (stop-sigterm), then its
// ExecStopPost= (stoppost0 104) runs on the way to its restart; a stop
// requested meanwhile cancels the restart: it ends dead, not auto-restart.
TEST(ServiceTable, AStopWhileStoppingOnItsOwnCancelsTheRestart) {
  for (bool stop : {false, true}) {
    FakeEffects fx;
    std::unique_ptr<Service> s = Reach(ServiceSubState::kRunning, fx);
    fx.running.insert(999);
    fx.End(*s, 102, Exited(0, 1));
    ASSERT_EQ(s->sub_state(), ServiceSubState::kStopSigterm);
    if (stop) s->Stop();
    fx.Report(*s);
    fx.End(*s, 999, Exited(0, 0));
    ASSERT_EQ(s->sub_state(), ServiceSubState::kStopPost);
    EXPECT_EQ(s->step_pid(), 104);
    fx.Report(*s);
    fx.End(*s, 104, Exited(0, 0));
    EXPECT_EQ(s->sub_state(),
              stop ? ServiceSubState::kDead : ServiceSubState::kAutoRestart)
        << "stop requested: " << stop;
  }
}

TEST(ServiceTable, PrintCells) {
  if (getenv("FAULTINIT_PRINT_CELLS") == nullptr) GTEST_SKIP();
  for (int st = 0; st < kServiceSubStates; ++st) {
    for (int ev = 0; ev < kServiceEvents; ++ev) {
      const auto state = static_cast<ServiceSubState>(st);
      const auto event = static_cast<ServiceEvent>(ev);
      printf("CELL %d %d %s\n", st, ev, Cell(state, event).c_str());
      const std::string then = Cell(state, event, /*follow_on=*/true);
      if (!then.empty()) printf("THEN %d %d %s\n", st, ev, then.c_str());
    }
  }
}

}  // namespace
}  // namespace faultinit
