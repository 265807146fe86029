// File: init/supervisor/service.h
//
// Service: one supervised service's state machine. It decides; it does not
// act: every effect (start a process, send a signal, arm a timer, tell the
// supervisor) goes through the ServiceEffects interface, so the whole table
// is tested in memory with a fake, and the real supervisor implements the
// effects with the runtime (spawn, kill, scheduler timers).
//
// Design note. The lifecycle is one table, kTable in service_table.cc (its
// actions by phase: service_start.cc the start, service_stop.cc the stop
// phases, service.cc the events, Enter and the active states; the restart
// decisions in service_restart.cc): for
// each sub-state (ServiceSubState, systemd's names) and each event
// (ServiceEvent), the action taken, every cell written out; Dispatch looks
// the cell up and runs it, and Enter is the one place the sub-state
// changes. The supervisor and `status` see the coarse ServiceState that
// CoarseState maps each sub-state to (in brackets below):
//
//   sub-state      [coarse]     meaning
//   dead           [inactive]   nothing runs. Initial; also after a clean
//                               stop, after a oneshot finished (then
//                               `succeeded()`), after a start skipped by a
//                               condition (`skipped()`).
//   condition      [starting]   ExecCondition= lines, one by one
//   start-pre      [starting]   ExecStartPre= lines, one by one
//   start          [starting]   the main process until it is ready (simple,
//                               exec: once exec'd; notify: READY=1;
//                               forking: the launcher exited 0 and PIDFile=
//                               names the daemon; oneshot: each ExecStart=
//                               line exiting successfully)
//   start-post     [starting]   ExecStartPost= lines, after readiness; a
//                               failure (no "-") fails the start.
//                               TimeoutStartSec= bounds condition ..
//                               start-post together: at that timeout the
//                               start fails (systemd's result "timeout",
//                               restarted as Restart= says: always,
//                               on-failure, on-abnormal) through
//                               stop-sigterm
//                               (TimeoutStartFailureMode=terminate).
//   running        [running]    the main process runs and is ready
//   exited         [running]    RemainAfterExit=yes: the service's
//                               processes ended successfully and it stays
//                               active (systemd's "active (exited)")
//   reloading      [running]    ExecReload= lines (faultctl reload NAME),
//                               TimeoutStartSec= bounded; a failure is
//                               logged and leaves the service as it was
//   stop           [stopping]   ExecStop= lines, on a stop of a running,
//                               exited or reloading service, or when its
//                               main process ended on its own
//                               successfully (below); a line that fails
//                               (no "-") or times out ends them and
//                               fails the stop
//   stop-sigterm   [stopping]   KillSignal= sent (and SIGHUP with
//                               SendSIGHUP=) as KillMode= says; waits for
//                               every process. Also after a start that
//                               failed or timed out, or a main process
//                               that failed (below)
//   stop-sigkill   [stopping]   TimeoutStopSec= passed: the stop fails;
//                               FinalKillSignal= (SIGKILL) sent, unless
//                               SendSIGKILL=no (then on to stop-post);
//                               waits for every process (systemd gives up
//                               after one more TimeoutStopSec=: faultinit
//                               keeps "down" meaning nothing runs). Also
//                               at once, with no failure, where
//                               KillSignal= would reach nothing:
//                               KillMode=mixed with neither the main
//                               process nor a step left (systemd's
//                               service_enter_signal)
//   stop-post      [stopping]   ExecStopPost= lines: after a stop, a failed
//                               start, a crash or a finished oneshot; a
//                               failure is logged, never fatal
//   final-sigterm  [stopping]   a stop of a down service that left
//   final-sigkill  [stopping]   processes (a child KillMode=mixed did not
//                               signal): KillSignal=, then SIGKILL
//   auto-restart   [restarting] waiting RestartSec= (with back-off) before
//                               a new start: Restart= said so after the
//                               main process ended, a start step failed
//                               or the start timed out (systemd's results
//                               exit-code, signal, timeout, protocol:
//                               RestartsAfter); also a retry for want of
//                               resources
//   failed         [failed]     a start step failed, the start timed out,
//                               or the main process ended, and Restart=
//                               said no; or the start limit was hit
//
// No hidden sub-states. The cell run is chosen by sub_ and the event
// alone; what else a Service keeps is data the cells carry, never a flag
// that makes one state behave as two:
//   - step_index_: which line of the current step state runs.
//   - result_: what the stop phases end in (dead, dead skipped, failed,
//     auto-restart), decided when they begin, as systemd's service result,
//     and kept until stop-post is done; a stop that goes wrong later
//     (StopFailed) turns a success into a failure, and leaves a failure or
//     a restart already decided as it was. A restart Restart= decided
//     (kRestart) counts in restarts() when carried out; a retry for want
//     of resources (kRetry, systemd's result "resources") does not.
//   - stop_signal_: the kill signal of the stop phases under way, chosen
//     by the request that began them: a restart request's stop is an event
//     of its own (kRestartStop: RestartKillSignal=), with the cells of a
//     stop.
//   - whether restarts() starts over is the start's cause (BeginStart): a
//     requested start (the cells of dead and failed) resets it, the
//     automatic one of auto-restart counts one more.
// What the supervisor will do with the unit beside what its Service does
// is not kept here, and no cell reads it: a queued start job, a reload's
// wait to forget the unit or to swap in its new definition once it is
// down. systemd keeps its jobs apart from the unit's state, and so does
// the supervisor: that is UnitJob (unit_job.h), one explicit state per
// entry with a table of its own (none, start, forget, replace,
// replace-then-start); the supervisor delivers kStart when a queued
// start's order allows, and stops a unit for a reload with the ordinary
// kStop.
//
// A start that fails. A start step that fails (ExecCondition= exit 255
// or a signal, ExecStartPre=, a oneshot's ExecStart= line,
// ExecStartPost=, a command that cannot run, a forking daemon without a
// main pid: Fail), an ExecCondition= that skips the unit (exit 1 to 254),
// and a main process that ends before the service ran (MainEnded from
// start or start-post) leave what runs (the main process, what a step
// forked) to the stop phases, as systemd does after a failed start:
// stop-sigterm (KillSignal=), stop-sigkill (FinalKillSignal= after
// TimeoutStopSec=), then stop-post. The main pid is kept until then
// (KillMode=process and mixed signal it). The start's result (a failure,
// a skip, or the restart Restart= decided) stands; a timeout on the way is
// logged (StopFailed).
//
// A main process that ends after the service ran (running, reloading:
// MainEnded), as systemd's service_enter_running: with RemainAfterExit=yes
// and a successful exit (from running), the service stays active
// (exited), what it left running untouched. Else the result is decided
// at once (success, failure, or the restart Restart= says) and the
// service goes through the stop states as a stop would: a successful
// exit runs ExecStop= first (stop: systemd performs the stop operation
// even when the processes ended on their own), a failed one skips it;
// then stop-sigterm (KillSignal= to what is left, as KillMode= says:
// control-group every process, process and mixed the main process, gone,
// so nothing: mixed goes on to stop-sigkill at once, process to
// stop-post), stop-sigkill at TimeoutStopSec=, stop-post, and the end
// the result names. An ExecReload= running is stopped with the rest
// (systemd lets it finish first, then decides the same way; and from
// reloading RemainAfterExit=yes does not keep the service active).
// What a stop leaves (KillMode=process, SendSIGKILL=no) is stopped by a
// later stop of the service, down: final-sigterm.
//
// Events come from the supervisor as methods (Start, Stop, Reload,
// ProcessExited, ExecReported, Ready, TimerFired, ProcessesGone, Refuse,
// DependencyFailed, Redefine); ProcessExited is the step's exit, the main
// process's, or another's, by pid. A shutdown (Supervisor::Shutdown) sends
// kStop to a service starting or in auto-restart at once: a pending restart is
// dropped, never spawned.
//
// Conditions. A start request (from dead or failed) first asks
// CheckConditions (Condition*=, Assert*=, as systemd checks them when the
// start job runs, not when the unit is loaded; an automatic restart does
// not ask again): a failed condition leaves the service dead with
// `skipped()` true and the reason ("condition failed: ..."), which is not
// a failure; a failed assert fails it. An ExecCondition= command that exits
// 1 to 254 skips it the same way (its leftovers stopped through
// stop-sigterm, ExecStopPost= run); exit 255, a signal, or a command that
// cannot run fails it; "-" makes any failure count as success, as for
// ExecStartPre=. A skipped service is not
// restarted; the next start request checks again.
//
// A start step that cannot begin for want of resources (fork's EAGAIN,
// ENOMEM, EMFILE, ENFILE) does not fail the service: whatever Restart=
// says, it waits in auto-restart with the back-off and tries again, and
// the attempt does not count against the start limit (it started nothing).
// The wait is at least ResourceRetryDelay(attempt) whatever RestartSec=
// says (RestartSec=0 would retry at once: a busy loop while the shortage
// lasts): 100ms, doubling with each failed attempt of the episode, up to
// 10s. start_failures() counts such attempts until a main process is
// spawned, so the supervisor logs one line per episode, not one per
// attempt.
//
// Exec reports. StartStep returns as soon as the step's process is forked;
// whether its program was exec'd comes later, as ExecReported(pid, result):
// OK once exec'd (simple and exec services are then ready), or the reason
// it could not be (a missing executable, a bad directory, a lack of
// resources in the child), handled exactly as a StartStep that failed: the
// same state, reason, back-off and start-limit rules. The supervisor
// reports a process's exec before its exit, and only once.
//
// A daemon-reload (Redefine). systemd's unit carries its new definition
// from the daemon-reload on; faultinit's service runs on with the one it
// was started with, and takes the new one whole once nothing of it runs:
// down (dead, failed), or between its end and the automatic restart
// Restart= decided (auto-restart, whose wait is re-armed for the new
// RestartSec=), so that restart runs the new definition, as systemd's
// does. Until then it takes the new definition's restart keys only
// (WithRestartKeys): the restart decided when it ends, and its delay, are
// the new definition's, as systemd decides them with the unit as loaded
// then (an end decided already, its stop phases under way, stands; a
// restart decided waits the new RestartSec=). The steps it runs until its
// end (ExecStop=, ExecStopPost=, the kill settings) and how its exit is
// judged (SuccessExitStatus=) are those it started with.
//
// A stop request wins over everything: it cancels a pending restart and
// interrupts a start (the running step is signalled like a main process).
// Of a service that is down or waiting to restart, it stops what its main
// process left running: final-sigterm until that is gone. A start request
// while stopping is not taken (Start ignores it): the supervisor keeps it
// queued until the service is down.
//
// Loop thread only.

#ifndef FAULT_INIT_SUPERVISOR_SERVICE_H_
#define FAULT_INIT_SUPERVISOR_SERVICE_H_

#include <signal.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "init/supervisor/rare_text.h"
#include "init/system/unit.h"
#include "runtime/duration.h"
#include "runtime/exit_status.h"
#include "runtime/status.h"

namespace faultinit {

enum class ServiceState {
  kInactive,
  kStarting,
  kRunning,
  kStopping,
  kRestarting,
  kFailed,
};
absl::string_view ServiceStateName(ServiceState state);

// ServiceSubState: the lifecycle's states (design note above), with the
// names systemd shows.
enum class ServiceSubState : uint8_t {
  kDead,
  kCondition,
  kStartPre,
  kStart,
  kStartPost,
  kRunning,
  kExited,
  kReloading,
  kStop,
  kStopSigterm,
  kStopSigkill,
  kStopPost,
  kFinalSigterm,
  kFinalSigkill,
  kAutoRestart,
  kFailed,
};
inline constexpr int kServiceSubStates = 16;
absl::string_view ServiceSubStateName(ServiceSubState state);
// CoarseState: the ServiceState the supervisor and status see.
ServiceState CoarseState(ServiceSubState state);

// ServiceEvent: what the supervisor tells a Service (one method each,
// below; a process exit is one of three events, by pid).
enum class ServiceEvent : uint8_t {
  kStart,             // a start request
  kStop,              // a stop request
  kRestartStop,       // the stop of a restart request (RestartKillSignal=)
  kReload,            // a reload request (faultctl reload NAME)
  kStepExited,        // the running step's process ended
  kMainExited,        // the main process ended (not the step's)
  kOtherExited,       // any other process of the service ended
  kExecOk,            // the last step started was exec'd
  kExecFailed,        // ... or could not be
  kReady,             // READY=1
  kTimer,             // the one timer fired
  kProcessesGone,     // no process of the service is left
  kRefuse,            // the unit cannot run (Refuse)
  kDependencyFailed,  // a Requires= unit failed or stopped
  kRedefine,          // a daemon-reload's new definition (Redefine)
};
inline constexpr int kServiceEvents = 15;
absl::string_view ServiceEventName(ServiceEvent event);

// RestartPreventExitStatus= and RestartForceExitStatus= of the main
// process: checked before Restart= (systemd's order: prevent, force, then
// Restart='s table).
struct RestartExceptions {
  ExitStatusSet prevent;
  ExitStatusSet force;
};

// LifecycleExtras: what few units set: the "-" flags of the step lines
// (a vector each: 40 bytes even empty, so not in every policy), and the
// kill keys (systemd.kill).
struct LifecycleExtras {
  std::vector<bool> condition_ignore_failure;  // ExecCondition=
  std::vector<bool> pre_ignore_failure;        // ExecStartPre=
  std::vector<bool> start_ignore_failure;      // ExecStart=
  std::vector<bool> post_ignore_failure;
  std::vector<bool> reload_ignore_failure;
  std::vector<bool> stop_ignore_failure;  // ExecStop=
  std::vector<bool> stop_post_ignore_failure;
  bool send_sighup = false;  // SendSIGHUP=
  bool send_sigkill = true;  // SendSIGKILL=
  bool kill_none = false;    // KillMode=none: nothing signalled
  // KillMode=mixed: KillSignal= reaches the main process (or the step
  // running) alone; the final kill signal reaches every process.
  bool kill_mixed = false;
  int final_kill_signal = SIGKILL;  // FinalKillSignal=
  int restart_kill_signal = 0;      // RestartKillSignal=; 0: KillSignal=
};

// ServicePolicy: what the state machine needs from a unit file (Type= and
// Restart= use the unit model's enums).
struct ServicePolicy {
  ServiceType type = ServiceType::kSimple;
  int condition_steps = 0;  // ExecCondition= lines
  int pre_steps = 0;        // ExecStartPre= lines
  int start_steps = 1;      // ExecStart= lines (several only for oneshot)
  int stop_steps = 0;       // ExecStop= lines
  int post_steps = 0;       // ExecStartPost= lines
  int reload_steps = 0;     // ExecReload= lines
  int stop_post_steps = 0;  // ExecStopPost= lines
  bool remain_after_exit = false;
  RestartPolicy restart = RestartPolicy::kNo;
  fault::Duration restart_delay = fault::Milliseconds(100);
  int restart_steps = 0;
  fault::Duration restart_max_delay = fault::InfiniteDuration();
  fault::Duration start_timeout = fault::Seconds(90);
  fault::Duration stop_timeout = fault::Seconds(90);
  fault::Duration start_limit_interval = fault::Seconds(10);
  int start_limit_burst = 5;
  int kill_signal = 15;  // SIGTERM
  // Clean exits: exit 0 and systemd's clean signals (HUP, INT, TERM,
  // PIPE), plus SuccessExitStatus=.
  CodeSet success_exit_codes = CodeSet(1);  // {0}
  CodeSet success_signals = CodeSet((1u << SIGHUP) | (1u << SIGINT) |
                                    (1u << SIGTERM) | (1u << SIGPIPE));
  // Null unless the unit sets either key: few do, and PID 1 keeps a policy
  // per service.
  std::shared_ptr<const RestartExceptions> restart_exceptions;
  // Null unless the unit sets one of them (LifecycleExtras).
  std::shared_ptr<const LifecycleExtras> lifecycle;

  const LifecycleExtras& extras() const;
};

// The wait before retrying a start that failed for want of resources, for
// the n-th failed attempt of an episode (n >= 1): kResourceRetryFirst,
// doubled per attempt, at most kResourceRetryMax; the restart back-off
// when that is longer.
inline constexpr fault::Duration kResourceRetryFirst = fault::Milliseconds(100);
inline constexpr fault::Duration kResourceRetryMax = fault::Seconds(10);
fault::Duration ResourceRetryDelay(int attempt);

// WithRestartKeys: `running` with the restart keys of `loaded`, the keys
// that decide whether and when a service restarts: Restart=, RestartSec=,
// RestartSteps=, RestartMaxDelaySec=, RestartPreventExitStatus=,
// RestartForceExitStatus= (Service::Redefine). SameRestartKeys: whether
// `a` and `b` have the same (the exceptions compared by pointer, as
// SamePolicy does).
ServicePolicy WithRestartKeys(const ServicePolicy& running,
                              const ServicePolicy& loaded);
bool SameRestartKeys(const ServicePolicy& a, const ServicePolicy& b);

// Which Exec*= line a step runs.
enum class StepKind {
  kPre,        // ExecStartPre=
  kMain,       // ExecStart=
  kStop,       // ExecStop=
  kCondition,  // ExecCondition=
  kPost,       // ExecStartPost=
  kReload,     // ExecReload=
  kStopPost,   // ExecStopPost=
};

// StartCheck: what CheckConditions found.
struct StartCheck {
  enum class Outcome { kProceed, kSkip, kFail };
  Outcome outcome = Outcome::kProceed;
  std::string reason;  // unless kProceed: "condition failed: ..."
};

class Service;

// ServiceEffects: how a Service acts on the world.
class ServiceEffects {
 public:
  virtual ~ServiceEffects() = default;
  // StartStep runs step `index` of `kind` and returns its pid as soon as
  // it is forked (its exec is reported later: Service::ExecReported), or
  // the reason it could not start (bad user, fork failed...).
  virtual fault::StatusOr<pid_t> StartStep(Service& service, StepKind kind,
                                           int index) = 0;
  // SignalPhase: which of systemd's kill operations a Signal is, so that
  // KillMode= decides whom it reaches: control-group, every process of the
  // service in both; mixed, the main process (or the step running) in
  // kTerminate (KillSignal=, SIGHUP, RestartKillSignal=) and every process
  // in kKill (FinalKillSignal=, SIGKILL); process, the main process (or
  // step) alone; none, nobody.
  enum class SignalPhase { kTerminate, kKill };
  // Signal sends `signo` to the service's processes as `phase` and its
  // KillMode= say, each process once.
  virtual void Signal(Service& service, int signo, SignalPhase phase) = 0;
  // Kill sends `signo` to one process of the service (a step that timed
  // out while the main process runs on).
  virtual void Kill(Service& service, pid_t pid, int signo) = 0;
  // Warn logs what went wrong without changing the service's state (a
  // failed ExecReload= or ExecStopPost=).
  virtual void Warn(Service& service, absl::string_view message) = 0;
  // MainPidOf reads the main pid of a forking service (its PIDFile=) once
  // the launcher has exited; the supervisor watches that process from then.
  virtual fault::StatusOr<pid_t> MainPidOf(Service& service) = 0;
  // HasProcesses reports whether any process of the service still runs.
  virtual bool HasProcesses(Service& service) = 0;
  // ArmTimer (re)arms the service's one timer; CancelTimer disarms it.
  virtual void ArmTimer(Service& service, fault::Duration after) = 0;
  virtual void CancelTimer(Service& service) = 0;
  // StateChanged reports a transition (for dependents and logging).
  virtual void StateChanged(Service& service, ServiceState from,
                            ServiceState to) = 0;
  // Now: the current fault::MonotonicNow() instant.
  virtual fault::Duration Now() = 0;
  // CheckConditions evaluates the unit's Condition*= and Assert*= before a
  // start; by default there are none.
  virtual StartCheck CheckConditions(Service& service) { return {}; }
};

class Service {
 public:
  Service(std::string name, ServicePolicy policy, ServiceEffects& effects);
  // With a policy shared with other services (policy_pool.h): PID 1 keeps
  // one copy of each distinct policy, not one per service. Not null.
  Service(std::string name, std::shared_ptr<const ServicePolicy> policy,
          ServiceEffects& effects);

  // Events. Each is one column of the table (ServiceEvent).
  void Start();
  // kStop, or with `for_restart` kRestartStop: the stop of a restart
  // request (RestartKillSignal=).
  void Stop(bool for_restart = false);
  // Runs ExecReload= of a running (or exited) service; ignored in other
  // states and without ExecReload= (the supervisor refuses those first).
  void Reload();
  // A step process (pre, oneshot main, stop) or the main process exited.
  // A process's exec report, if any, comes first.
  void ProcessExited(pid_t pid, const fault::ExitStatus& status);
  // The exec report of a process StartStep returned: OK once it exec'd,
  // else why it could not (as StartStep's errors). Reports of processes
  // that are no longer the step's (an interrupted start's) are ignored.
  void ExecReported(pid_t pid, const fault::Status& result);
  // The main process is ready (notify READY=1; exec: exec'd).
  void Ready();
  void TimerFired();
  // The supervisor reaped the last process of a stopping service.
  void ProcessesGone();
  // The unit cannot run (an error in its file, an unsupported setting):
  // fails at once with `reason` unless something of it still runs.
  void Refuse(absl::string_view reason);
  // Redefine: the unit's new definition, read by a daemon-reload
  // (kRedefine). Down (dead, failed) or waiting to restart (auto-restart),
  // the service takes it whole, keeping its state, its reason, its last
  // exit and its restart count: its next start, the automatic one
  // included, runs it; a restart waiting is re-armed for the new
  // RestartSec= counted from when the wait began (as systemd re-arms a
  // restart it deserializes). In any other state it runs on with the
  // definition it has but takes the new one's restart keys at once
  // (WithRestartKeys: Restart=, RestartSec= and the keys of its back-off
  // and exceptions), so that whether and when it restarts when it ends
  // are the new definition's, as systemd's unit carries its new settings
  // from the daemon-reload on; the rest is taken whole at its end. The
  // supervisor gives it whole only when nothing of the service runs, and
  // swaps the commands the steps run (its entry's definition) at the same
  // time. Not null.
  void Redefine(std::shared_ptr<const ServicePolicy> policy);
  // A unit this one Requires= failed or stopped: a pending or waiting
  // service fails with `reason`; a starting or running one is stopped.
  void DependencyFailed(absl::string_view reason);

  const std::string& name() const { return name_; }
  // The effects it was made with: the Supervisor finds a service's entry
  // by them.
  ServiceEffects& effects() const { return effects_; }
  ServiceState state() const { return CoarseState(sub_); }
  ServiceSubState sub_state() const { return sub_; }
  // Whether the last reload's ExecReload= failed (logged through Warn).
  bool reload_failed() const { return reload_failed_; }
  const ServicePolicy& policy() const { return *shared_policy_; }
  // Whether the last run succeeded (a oneshot that finished; a clean stop).
  bool succeeded() const { return succeeded_; }
  // Whether the last start was skipped by a condition (Condition*=,
  // ExecCondition=): the service is kInactive, not failed, and reason()
  // says which condition. Cleared by the next start.
  bool skipped() const { return skipped_; }
  // Whether the last start failed on an Assert*= (CheckConditions'
  // kFail): the service is kFailed, never ran, and reason() says which
  // assert. Cleared by the next start.
  bool assert_failed() const { return assert_failed_; }
  // Whether the stop phases under way (or that just ended: asked as the
  // service enters its end) were begun by a request (a stop, a restart, a
  // dependency's stop), not by the service's own end (its main process
  // ended, a start failed).
  bool stop_requested() const { return stop_signal_ != 0; }
  pid_t main_pid() const { return main_pid_; }
  // The pid of the step running now (pre, oneshot, stop), or 0.
  pid_t step_pid() const { return step_pid_; }
  // restarts: systemd's NRestarts. Each automatic restart (Restart= fired
  // and its RestartSec= passed, or a start request cut the wait short)
  // counts one when it is carried out, even if the start limit then
  // refuses it; a retry for want of resources does not count. A start
  // that is not an automatic restart (the first, a request, a restart
  // request) resets it to 0 if the service had ended since, so it counts
  // the restarts since the last such start and stays visible after the
  // service failed.
  int restarts() const { return restarts_; }
  // Starts that failed for want of resources since the last successful
  // spawn of a main process (0 when none): the current episode.
  int start_failures() const { return start_failures_; }
  // Why the service failed, or how its last process ended ("exit 3").
  const std::string& reason() const { return reason_.get(); }
  const fault::ExitStatus& last_exit() const { return last_exit_; }
  // When the state last changed (a Now() instant).
  fault::Duration since() const { return since_; }
  // The delay of the pending (or last) restart.
  fault::Duration restart_delay() const { return restart_delay_; }
  // RestartDelay: the back-off for the n-th consecutive restart (n >= 0).
  fault::Duration RestartDelay(int n) const;

 private:
  // Event: one event's data (the fields its cell reads).
  struct Event {
    ServiceEvent kind;
    pid_t pid = 0;
    const fault::ExitStatus* status = nullptr;
    const fault::Status* result = nullptr;
    absl::string_view reason;
    const std::shared_ptr<const ServicePolicy>* policy = nullptr;  // kRedefine
  };
  using Action = void (Service::*)(const Event&);
  // service_test.cc drives each cell of the table, reachable or not.
  friend struct ServiceTablePeer;
  // kTable[sub-state][event]: the whole lifecycle (service_table.cc).
  static const Action kTable[kServiceSubStates][kServiceEvents];
  // Result: what the stop phases end in (decided when they begin).
  // kRestart: Restart= said so (counted in restarts() when carried out);
  // kRetry: a start short of resources is tried again (not counted).
  enum class Result : uint8_t {
    kSuccess,
    kSkipped,
    kFailure,
    kRestart,
    kRetry
  };
  // Cause: why a start begins: a request (from dead or failed: restarts()
  // starts over) or the automatic restart auto-restart waits for.
  enum class Cause : uint8_t { kRequest, kAutomatic };
  // Failure: how a start failed, as systemd's service result names it.
  enum class Failure : uint8_t { kExitCode, kSignal, kTimeout, kProtocol };

  void Dispatch(const Event& event);
  void Enter(ServiceSubState next);

  // The table's actions, one per kind of cell.
  void Ignore(const Event&);
  void RequestStart(const Event&);
  void RestartNow(const Event&);
  void StopLeftovers(const Event&);
  void StopStarting(const Event&);
  void StopActive(const Event&);
  void StopRestart(const Event&);
  void BeginReload(const Event&);
  void ConditionStepExited(const Event&);
  void PreStepExited(const Event&);
  void MainStepExited(const Event&);
  void PostStepExited(const Event&);
  void ReloadStepExited(const Event&);
  void StopStepExited(const Event&);
  void StopPostStepExited(const Event&);
  void MainEnded(const Event&);
  void MainEndedWhileStopping(const Event&);
  void StopWhileStopping(const Event&);
  void ExitedWhileKilling(const Event&);
  void MainExecOk(const Event&);
  void StartStepNotRun(const Event&);
  void ReloadStepNotRun(const Event&);
  void StopStepNotRun(const Event&);
  void StopPostStepNotRun(const Event&);
  void MainReady(const Event&);
  void StartTimedOut(const Event&);
  void ReloadTimedOut(const Event&);
  void StopTimedOut(const Event&);
  void SigtermTimedOut(const Event&);
  void SigkillTimedOut(const Event&);
  void StopPostTimedOut(const Event&);
  void FinalSigtermTimedOut(const Event&);
  void FinalSigkillTimedOut(const Event&);
  void RestartTimer(const Event&);
  void KillingDone(const Event&);
  void FinalKillingDone(const Event&);
  void RefuseNow(const Event&);
  void DependencyStopsStart(const Event&);
  void DependencyStopsActive(const Event&);
  void TakeDefinition(const Event&);
  void TakeDefinitionWaiting(const Event&);
  void TakeRestartKeys(const Event&);

  // Helpers of the actions.
  // Fail: a start failed: stop-post, then failed or, as Restart= says for
  // `failure`, auto-restart.
  // `ran`: false for a command that could not run (a missing executable, a
  // bad User=): it fails the same way at once every time, so its restart
  // waits at least ResourceRetryDelay, whatever RestartSec= says (0 with no
  // start limit would keep PID 1 restarting it without pause).
  void Fail(absl::string_view reason, Failure failure, bool ran = true);
  void FailNow(absl::string_view reason);  // never started: no stop-post
  void RetryStart(absl::string_view reason);
  // StepNotStarted: the current start step could not start (StartStep's
  // error, or its exec report's); true when the next step should run (a
  // line marked '-').
  bool StepNotStarted(const fault::Status& status);
  // BeginStart: the start, unless the start limit refuses it.
  void BeginStart(Cause cause);
  // ConditionsHold: CheckConditions before a requested start; false when
  // it skipped or failed the service instead.
  bool ConditionsHold();
  // Whether the current step's line has "-".
  bool StepIgnoresFailure() const;
  // RunStartSteps runs the current start state's next line, moving on to
  // the next state when its lines are done.
  void RunStartSteps();
  void StartPostDone();
  void EnterRunning();
  void RunReloadStep();
  void EndReload();
  // BeginStop: the stop phases of a stop request (kStop, kRestartStop),
  // with its kill signal.
  void BeginStop(bool run_exec_stop, ServiceEvent request);
  void RunStopStep();
  // EnterStop: the stop state, its ExecStop= lines from the first (a step
  // still running, a reload's, is stopped with the rest), each within
  // TimeoutStopSec=; stop-sigterm follows them.
  void EnterStop();
  // EnterStopSigterm: KillSignal= to what is left (per KillMode=), or on
  // at once when it would reach nothing: stop-sigkill, or stop-post.
  void EnterStopSigterm();
  // EnterStopSigkill: FinalKillSignal= to every process, waiting
  // TimeoutStopSec= again; with SendSIGKILL=no, stop-post at once.
  void EnterStopSigkill();
  // AfterStop: ExecStopPost= if any, then Conclude.
  void AfterStop();
  void RunStopPostStep();
  // Conclude: the end result_ names (dead, failed, auto-restart).
  void Conclude();
  void KillStep(int signo);
  // ScheduleRestart: the stop phases end in auto-restart (Restart= said
  // so), after the back-off; counted when it is carried out.
  void ScheduleRestart();
  // StopFailed: a stop went wrong (a failed or timed-out ExecStop=, a kill
  // that timed out): the result becomes a failure with `reason`, unless a
  // failure or restart was decided already (then `reason` is logged).
  void StopFailed(absl::string_view reason);
  // StopStepFailed: an ExecStop= line failed: StopFailed, then the kill.
  void StopStepFailed(absl::string_view reason);
  bool Successful(const fault::ExitStatus& status) const;
  bool ShouldRestart(const fault::ExitStatus& status) const;
  // Clean: a main process's (or a oneshot's ExecStart= line's) exit that
  // counts as success: SuccessExitStatus=, or any exit of a "-" line
  // (systemd records it and treats it as success: no failure, no
  // Restart=on-failure).
  bool Clean(const fault::ExitStatus& status) const;
  static Failure FailureOf(const fault::ExitStatus& status);
  // RestartsAfter: whether Restart= restarts after a start that failed so.
  bool RestartsAfter(Failure failure) const;
  bool StartLimitHit();
  // RestartDelayOf: RestartDelay under `p`'s keys.
  static fault::Duration RestartDelayOf(const ServicePolicy& p, int n);
  // PendingRestartDelay: the delay of the restart decided (auto-restart,
  // or the stop phases that end in it) under `next`'s restart keys.
  fault::Duration PendingRestartDelay(const ServicePolicy& next) const;
  // KillSignal: the signal of the stop under way (stop_signal_), else
  // KillSignal=.
  int KillSignal() const;

  std::string name_;
  // The policy, shared (policy_pool.h); never null. A daemon-reload
  // replaces it (Redefine): whole while the service is down or waits to
  // restart, else by a copy of it with the new restart keys (not pooled:
  // it lives until the service takes its new definition whole).
  std::shared_ptr<const ServicePolicy> shared_policy_;
  ServiceEffects& effects_;
  ServiceSubState sub_ = ServiceSubState::kDead;
  Result result_ = Result::kSuccess;
  bool reload_failed_ = false;
  // The kill signal of the stop phases under way, chosen by the request
  // that began them (KillSignal=, or RestartKillSignal= for kRestartStop);
  // 0 outside them, and in those the service began itself (then
  // KillSignal=). A datum the cells pass on, never one they branch on.
  int stop_signal_ = 0;
  fault::Duration since_;
  // The line of the current step state (condition, start-pre, start,
  // start-post, reloading, stop, stop-post) to run next or running.
  int step_index_ = 0;
  pid_t step_pid_ = 0;
  pid_t main_pid_ = 0;
  // The process of the last step started whose exec is not reported yet.
  pid_t exec_pending_ = 0;
  // Among the 4-byte fields (no padding).
  fault::ExitStatus last_exit_;
  bool succeeded_ = false;
  bool skipped_ = false;
  bool assert_failed_ = false;
  int restarts_ = 0;              // restarts(): systemd's NRestarts
  int consecutive_restarts_ = 0;  // for the back-off
  int start_failures_ = 0;        // see start_failures()
  // The start limit (StartLimitHit), as systemd keeps it: the starts
  // counted in the window that opened at limit_window_ (not a time per
  // start: PID 1 keeps a Service per service). Beside the ints above (no
  // padding).
  int limit_starts_ = 0;
  fault::Duration restart_delay_;
  fault::Duration running_since_;
  fault::Duration limit_window_;
  // Empty while the service runs (a block only once there is a reason):
  // PID 1 keeps a Service per service.
  RareText reason_;
};

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_SERVICE_H_
