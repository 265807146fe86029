// File: init/supervisor/service_fake_effects.h
//
// FakeEffects: ServiceEffects in memory for Service's tests
// (service_test.cc, service_table_test.cc): processes are numbers, time
// moves when told, and every effect is a line in `log`. Test only.

#ifndef FAULT_INIT_SUPERVISOR_SERVICE_FAKE_EFFECTS_H_
#define FAULT_INIT_SUPERVISOR_SERVICE_FAKE_EFFECTS_H_

#include <errno.h>
#include <signal.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "init/supervisor/service.h"
#include "runtime/duration.h"
#include "runtime/exit_status.h"

namespace faultinit {
namespace service_testing {

inline fault::ExitStatus Exited(pid_t pid, int code) {
  return fault::ExitStatus{pid, CLD_EXITED, code};
}
inline fault::ExitStatus Killed(pid_t pid, int signo) {
  return fault::ExitStatus{pid, CLD_KILLED, signo};
}

inline const char* KindName(StepKind kind) {
  switch (kind) {
    case StepKind::kPre:
      return "pre";
    case StepKind::kMain:
      return "main";
    case StepKind::kStop:
      return "stop";
    case StepKind::kCondition:
      return "cond";
    case StepKind::kPost:
      return "post";
    case StepKind::kReload:
      return "reload";
    case StepKind::kStopPost:
      return "stoppost";
  }
  return "?";
}

// A world in memory: processes are numbers, time moves when told.
class FakeEffects : public ServiceEffects {
 public:
  struct Started {
    pid_t pid;
    std::string what;
  };
  fault::StatusOr<pid_t> StartStep(Service& s, StepKind kind,
                                   int index) override {
    std::string what = absl::StrCat(KindName(kind), index);
    if (failing.count(what)) {
      log.push_back("cannot " + what);
      return fault::NotFoundError(absl::StrCat("unable to execute ", what));
    }
    if (short_of_resources > 0) {
      --short_of_resources;
      log.push_back("no fork " + what);
      return fault::ErrnoToStatus(EAGAIN, "unable to fork");
    }
    pid_t pid = next_pid++;
    running.insert(pid);
    log.push_back(absl::StrCat("start ", what, " ", pid));
    unreported.push_back({pid, what});
    return pid;
  }
  // "signal N group": KillSignal= and the like (SignalPhase::kTerminate);
  // "signal N final": the final kill (kKill).
  void Signal(Service&, int signo, SignalPhase phase) override {
    log.push_back(absl::StrCat(
        "signal ", signo, phase == SignalPhase::kKill ? " final" : " group"));
  }
  void Kill(Service&, pid_t pid, int signo) override {
    log.push_back(absl::StrCat("kill ", pid, " ", signo));
  }
  void Warn(Service&, absl::string_view message) override {
    log.push_back(absl::StrCat("warn ", message));
  }
  fault::StatusOr<pid_t> MainPidOf(Service&) override {
    if (daemon == 0) return fault::NotFoundError("no pid in /run/d.pid");
    running.insert(daemon);
    return daemon;
  }
  bool HasProcesses(Service&) override { return !running.empty(); }
  void ArmTimer(Service&, fault::Duration after) override {
    timer = after;
    log.push_back(absl::StrCat("timer ", fault::FormatTimeSpan(after)));
  }
  void CancelTimer(Service&) override { timer = fault::ZeroDuration(); }
  void StateChanged(Service&, ServiceState, ServiceState to) override {
    log.push_back(std::string(ServiceStateName(to)));
  }
  fault::Duration Now() override { return now; }
  StartCheck CheckConditions(Service&) override {
    ++checks;
    return check;
  }

  // Report: the exec reports of the processes started since, in order
  // (a failure for a step in `failing_exec`), as the supervisor delivers
  // them once each report pipe is readable.
  void Report(Service& s) {
    while (!unreported.empty()) {
      Started next = unreported.front();
      unreported.erase(unreported.begin());
      ReportOne(s, next);
    }
  }
  void ReportOne(Service& s, const Started& started) {
    if (failing_exec.count(started.what)) {
      log.push_back("exec failed " + started.what);
      s.ExecReported(
          started.pid,
          failing_exec[started.what] == ENOENT
              ? fault::Status(fault::StatusCode::kNotFound,
                              "unable to execute " + started.what +
                                  ": No such file or directory",
                              ENOENT)
              : fault::ErrnoToStatus(failing_exec[started.what],
                                     "unable to spawn " + started.what));
      return;
    }
    s.ExecReported(started.pid, fault::OkStatus());
  }

  // The process `pid` ends with `status`: its exec report first, if not
  // delivered yet (the supervisor reads it when the exit comes first),
  // then the exit, then the reports of what that started.
  void End(Service& s, pid_t pid, fault::ExitStatus status) {
    for (auto it = unreported.begin(); it != unreported.end(); ++it) {
      if (it->pid == pid) {
        Started started = *it;
        unreported.erase(it);
        ReportOne(s, started);
        break;
      }
    }
    running.erase(pid);
    status.pid = pid;
    s.ProcessExited(pid, status);
    Report(s);
  }

  // Start, Stop, Fire: s.Start(), s.Stop(), s.TimerFired(), then the
  // exec reports of what the call started (Report).
  void Start(Service& s) {
    s.Start();
    Report(s);
  }
  void Stop(Service& s) {
    s.Stop();
    Report(s);
  }
  void Fire(Service& s) {
    s.TimerFired();
    Report(s);
  }

  StartCheck check;               // what CheckConditions answers
  int checks = 0;                 // how many times it was asked
  std::set<std::string> failing;  // StartStep fails (no fork, bad user)
  // The step forks, and its exec report is this errno.
  std::map<std::string, int> failing_exec;
  std::vector<Started> unreported;  // exec reports not delivered yet
  int short_of_resources = 0;       // how many StartStep calls fail with EAGAIN
  std::set<pid_t> running;
  pid_t next_pid = 100;
  pid_t daemon = 0;
  fault::Duration timer = fault::ZeroDuration();
  fault::Duration now = fault::Seconds(1000);  // a MonotonicNow() instant
  std::vector<std::string> log;
};

// Extras: a copy of `p`'s LifecycleExtras that `p` now holds, to set.
inline LifecycleExtras& Extras(ServicePolicy& p) {
  auto x = std::make_shared<LifecycleExtras>(p.extras());
  p.lifecycle = x;
  return *x;
}

inline ServicePolicy Simple() {
  ServicePolicy p;
  p.start_timeout = fault::Seconds(90);
  return p;
}

}  // namespace service_testing
}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_SERVICE_FAKE_EFFECTS_H_
