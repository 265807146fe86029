// File: init/supervisor/service.h
//
// Service: one supervised service's state machine. It decides; it does not
// act: every effect (start a process, send a signal, arm a timer, tell the
// supervisor) goes through the ServiceEffects interface, so the whole table
// is tested in memory with a fake, and the real supervisor implements the
// effects with the runtime (spawn, kill, scheduler timers).
//
// Design note. A service has one state and a goal:
//
//   state       meaning
//   kInactive   nothing runs. Initial; also after a clean stop, after a
//               oneshot finished successfully (then `succeeded()` is true),
//               and after a start skipped by a condition (`skipped()`).
//   kStarting   start steps run: ExecCondition= and ExecStartPre= lines one
//               by one, then the main process until it is ready (simple
//               and exec: once
//               exec'd; notify: READY=1; oneshot: each ExecStart= exiting
//               successfully; forking: the launcher exiting successfully,
//               then PIDFile= names the main process). TimeoutStartSec=
//               bounds the whole phase.
//   kRunning    the main process runs and is ready.
//   kStopping   ExecStop= or KillSignal= was sent; TimeoutStopSec= later,
//               SIGKILL. Ends when every process of the service is gone.
//   kRestarting the main process ended and Restart= says to start again:
//               waiting RestartSec= (with back-off) before kStarting.
//   kFailed     a start step failed, the start timed out, the main process
//               ended and Restart= says not to restart, or the start limit
//               was hit. Stays until a new start request.
//
// Conditions. A start request (from kInactive or kFailed, or the one a
// restart request makes once stopped) first asks CheckConditions
// (Condition*=, Assert*=, as systemd checks them when the start job runs,
// not when the unit is loaded; an automatic restart does not ask again):
// a failed condition leaves the service kInactive with `skipped()` true and
// the reason ("condition failed: ..."), which is not a failure; a failed
// assert fails it. An ExecCondition= command that exits 1 to 254 skips it
// the same way (its leftovers killed); exit 255, a signal, or a command
// that cannot run fails it; "-" makes any failure count as success, as for
// ExecStartPre=. A skipped service is not restarted; the next start
// request checks again.
//
// A start step that cannot begin for want of resources (fork's EAGAIN,
// ENOMEM, EMFILE, ENFILE) does not fail the service: whatever Restart=
// says, it waits in kRestarting with the back-off and tries again, and the
// attempt does not count against the start limit (it started nothing).
// The wait is at least ResourceRetryDelay(attempt) whatever RestartSec=
// says (RestartSec=0 would retry at once: a busy loop while the shortage
// lasts): 100ms, doubling with each failed attempt of the episode, up to
// 10s.
// start_failures() counts such attempts until a main process is spawned,
// so the supervisor logs one line per episode, not one per attempt.
//
// Exec reports. StartStep returns as soon as the step's process is forked;
// whether its program was exec'd comes later, as ExecReported(pid, result):
// OK once exec'd (simple and exec services are then running), or the
// reason it could not be (a missing executable, a bad directory, a lack of
// resources in the child), handled exactly as a StartStep that failed: the
// same state, reason, back-off and start-limit rules. The supervisor
// reports a process's exec before its exit, and only once.
//
// Events come from the supervisor: Start/Stop requests, a process' exit
// (the current step's, or the main one's), its exec report, readiness, the
// timer, and "all processes gone", each a method (Start, Stop,
// ProcessExited, ExecReported, Ready, TimerFired, ProcessesGone; Refuse and
// DependencyFailed from the supervisor's checks) that switches over every
// state: every state x event pair is written out in service.cc, none falls to a
// default (an unhandled state is a build error, -Werror=switch). Enter is the
// one place the state changes.
//
// A stop request wins over everything: it cancels a pending restart and
// interrupts a start (the running step is signalled like a main process).
// Of a service that is down or waiting to restart, it stops what its main
// process left running (a child KillMode=mixed did not signal, one that
// ignored KillSignal=): kStopping until that is gone.
// A start request while stopping is remembered and acted on once stopped.
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

// RestartPreventExitStatus= and RestartForceExitStatus= of the main
// process: checked before Restart= (systemd's order: prevent, force, then
// Restart='s table).
struct RestartExceptions {
  ExitStatusSet prevent;
  ExitStatusSet force;
};

// ServicePolicy: what the state machine needs from a unit file (Type= and
// Restart= use the unit model's enums).
struct ServicePolicy {
  ServiceType type = ServiceType::kSimple;
  int condition_steps = 0;                     // ExecCondition= lines
  std::vector<bool> condition_ignore_failure;  // '-' prefix, per line
  int pre_steps = 0;                           // ExecStartPre= lines
  int start_steps = 1;  // ExecStart= lines (several only for oneshot)
  std::vector<bool> pre_ignore_failure;  // '-' prefix, per pre step
  bool has_exec_stop = false;
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
};

// The wait before retrying a start that failed for want of resources, for
// the n-th failed attempt of an episode (n >= 1): kResourceRetryFirst,
// doubled per attempt, at most kResourceRetryMax; the restart back-off
// when that is longer.
inline constexpr fault::Duration kResourceRetryFirst = fault::Milliseconds(100);
inline constexpr fault::Duration kResourceRetryMax = fault::Seconds(10);
fault::Duration ResourceRetryDelay(int attempt);

// Which process a start or stop step runs.
enum class StepKind { kPre, kMain, kStop, kCondition };

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
  // Signal sends `signo` to the service's processes: its main process (or
  // running step), and with `group` its whole process group.
  virtual void Signal(Service& service, int signo, bool group) = 0;
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

  // Events.
  void Start();
  void Stop();
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
  // A unit this one Requires= failed or stopped: a pending or waiting
  // service fails with `reason`; a starting or running one is stopped.
  void DependencyFailed(absl::string_view reason);

  const std::string& name() const { return name_; }
  // The effects it was made with: the Supervisor finds a service's entry
  // by them.
  ServiceEffects& effects() const { return effects_; }
  ServiceState state() const { return state_; }
  const ServicePolicy& policy() const { return policy_; }
  // Whether the last run succeeded (a oneshot that finished; a clean stop).
  bool succeeded() const { return succeeded_; }
  // Whether the last start was skipped by a condition (Condition*=,
  // ExecCondition=): the service is kInactive, not failed, and reason()
  // says which condition. Cleared by the next start.
  bool skipped() const { return skipped_; }
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
  const std::string& reason() const { return reason_; }
  const fault::ExitStatus& last_exit() const { return last_exit_; }
  // When the state last changed (a Now() instant).
  fault::Duration since() const { return since_; }
  // The delay of the pending (or last) restart.
  fault::Duration restart_delay() const { return restart_delay_; }
  // RestartDelay: the back-off for the n-th consecutive restart (n >= 0).
  fault::Duration RestartDelay(int n) const;

 private:
  void Enter(ServiceState next);
  void Fail(absl::string_view reason);
  void RetryStart(absl::string_view reason);
  // StepNotStarted: the current start step could not start (StartStep's
  // error, or its exec report's); true when the next step should run (an
  // ExecStartPre= marked '-').
  bool StepNotStarted(const fault::Status& status);
  // CountRestart: a pending restart is carried out; counts it if it is
  // Restart='s.
  void CountRestart();
  void BeginStart();
  // ConditionsHold: CheckConditions before a requested start; false when
  // it skipped or failed the service instead.
  bool ConditionsHold();
  void Skip(absl::string_view reason);
  void ConditionStepExited(const fault::ExitStatus& status);
  // Whether the current ExecCondition= or ExecStartPre= step has "-".
  bool StepIgnoresFailure() const;
  void RunNextStartStep();
  void BeginStop();
  void FinishStop();
  void MainExited(const fault::ExitStatus& status);
  bool Successful(const fault::ExitStatus& status) const;
  bool ShouldRestart(const fault::ExitStatus& status) const;
  bool StartLimitHit();

  std::string name_;
  ServicePolicy policy_;
  ServiceEffects& effects_;
  ServiceState state_ = ServiceState::kInactive;
  fault::Duration since_;
  // The start step about to run: pre steps 0..n-1, then main steps.
  StepKind step_kind_ = StepKind::kPre;
  int step_index_ = 0;
  pid_t step_pid_ = 0;
  pid_t main_pid_ = 0;
  // The process of the last step started whose exec is not reported yet.
  pid_t exec_pending_ = 0;
  bool start_after_stop_ = false;
  bool succeeded_ = false;
  bool skipped_ = false;
  int restarts_ = 0;              // restarts(): systemd's NRestarts
  bool auto_restart_ = false;     // the pending restart is Restart='s
  bool flush_restarts_ = false;   // the next start resets restarts_
  int consecutive_restarts_ = 0;  // for the back-off
  int start_failures_ = 0;        // see start_failures()
  fault::Duration restart_delay_;
  fault::Duration running_since_;
  // For the start limit, oldest first; at most start_limit_burst entries. A
  // vector: a std::deque allocates a block even while empty.
  std::vector<fault::Duration> recent_starts_;
  std::string reason_;
  fault::ExitStatus last_exit_;
};

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_SERVICE_H_
