#include "init/container/container_init.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <vector>

#include "init/processes.h"
#include "runtime/control.h"
#include "runtime/exit.h"
#include "runtime/pidfd.h"
#include "runtime/signal_relay.h"
#include "runtime/signal_set.h"
#include "runtime/signals.h"
#include "runtime/spawn.h"

namespace faultinit {
namespace {

// Signals the kernel sends for a fault in faultinit itself: never blocked,
// never forwarded.
bool IsSynchronousFault(int signo) {
  return signo == SIGSEGV || signo == SIGBUS || signo == SIGILL ||
         signo == SIGFPE || signo == SIGTRAP || signo == SIGSYS;
}

std::string Name(int signo) {
  absl::string_view id = fault::SignalIdentifier(signo);
  return id.empty() ? absl::StrCat("signal ", signo) : std::string(id);
}

// The signals that end a pause (-P) and, while draining, kill the
// leftovers: the seed's `process/terminate` and `process/interrupt`
// (SIGTERM, SIGINT; the pair its Interruption.trap catches).
bool Ends(int signo) {
  return signo == fault::LookupSignalCode("process/terminate") ||
         signo == fault::LookupSignalCode("process/interrupt");
}

}  // namespace

bool ContainerInit::IsForwarded(int signo) {
  return signo != SIGKILL && signo != SIGSTOP && signo != SIGCHLD &&
         !IsSynchronousFault(signo) && !fault::IsLibraryReservedSignal(signo);
}

std::vector<int> ContainerInit::ForwardedSignals() {
  std::vector<int> signals;
  signals.reserve(NSIG);  // one allocation: PID 1's heap pages count
  for (int signo = 1; signo < NSIG; ++signo) {
    if (IsForwarded(signo)) signals.push_back(signo);
  }
  return signals;
}

ContainerInit::ContainerInit(fault::Scheduler& scheduler,
                             const ContainerOptions& options, const Logger& log)
    : scheduler_(scheduler), options_(options), log_(log), leftovers_(log) {}

void ContainerInit::Run() {
  if (fault::Status s = BecomeReaper(); !s.ok()) log_.Warning(s.message());
  if (options_.parent_death_signal != 0 &&
      prctl(PR_SET_PDEATHSIG, options_.parent_death_signal) != 0) {
    log_.Warning("unable to set the parent-death signal to ",
                 Name(options_.parent_death_signal), ": ", strerror(errno));
  }
  if (fault::Status s = WatchSignals(); !s.ok()) {
    log_.Fatal(s.message());
    throw fault::Exit(1);
  }
  if (options_.pause) {
    log_.Info("pausing: reaping until SIGTERM or SIGINT");
  } else if (int failed = StartChild(); failed != 0) {
    throw fault::Exit(failed);
  } else if (!log_.Enabled(LogLevel::kInfo)) {
    StartRelay();  // each forwarded signal is logged otherwise
  }
  // The work is in the watches' callbacks now (Handle); the main thread is
  // held in the loop until one of them ends the run with fault::Exit.
  try {
    fault::Protect();
  } catch (const fault::Critical& e) {
    // The loop itself failed (epoll_wait, the signalfd): faultinit can no
    // longer wait for the child, and says so in its status.
    log_.Fatal(e.cause());
    throw fault::Exit(1);
  }
}

void ContainerInit::Handle(absl::string_view context,
                           const std::function<void()>& work) {
  fault::RunCritical(context, work);
  if (state_ == State::kDone) throw fault::Exit(exit_status_);
}

fault::Status ContainerInit::BecomeReaper() {
  if (getpid() == 1) return fault::OkStatus();
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    return fault::ErrnoToStatus(
        errno,
        "unable to register as child subreaper (orphans of the command will "
        "not be reaped; run faultinit as PID 1 instead)");
  }
  log_.Debug("not PID 1: registered as child subreaper");
  return fault::OkStatus();
}

fault::Status ContainerInit::WatchSignals() {
  fault::StatusOr<fault::Scheduler::WatchId> watch = scheduler_.OnSignals(
      ForwardedSignals(), [this](const signalfd_siginfo& info) {
        const int signo = static_cast<int>(info.ssi_signo);
        Handle("forwarding a signal", [this, signo] { OnSignal(signo); });
      });
  if (!watch.ok()) return watch.status();
  // Orphans are news only when logged, or once draining has begun: until
  // then the kernel may reap them, so that PID 1 does not wake up for them.
  // It does so from the first orphan on (OnOrphanReaped): until then the
  // loop waits on signals alone, which a pidfd to wait on as well would
  // end, so a process tree that leaves no orphan keeps that wait. The
  // kernel's support is probed here, at start-up (the probe forks), not
  // within the first orphan's reaping.
  const bool logged =
      log_.Enabled(options_.warn_reaped ? LogLevel::kWarning : LogLevel::kInfo);
  kernel_reaps_from_first_orphan_ = !logged && fault::ReapedExitsAvailable();
  return ReapOrphans(fault::Scheduler::OrphanReaping::kReport);
}

fault::Status ContainerInit::ReapOrphans(fault::Scheduler::OrphanReaping how) {
  return scheduler_.ReapOrphans(
      [this](const fault::ExitStatus& status) {
        Handle("reaping an orphan", [&] { OnOrphanReaped(status); });
      },
      how);
}

int ContainerInit::StartChild() {
  fault::SpawnOptions spawn;
  spawn.argv = options_.command;
  spawn.signals = fault::SpawnOptions::Signals::kInitial;
  spawn.new_process_group = true;
  spawn.foreground_terminal = true;
  // The kernel may reap the child as soon as it exits: name it by a pidfd
  // opened before it can.
  fault::UniqueFd pidfd;
  if (scheduler_.KernelReapsOrphans()) spawn.pidfd = &pidfd;
  fault::StatusOr<pid_t> pid = fault::Spawn(spawn);
  if (!pid.ok()) {
    log_.Fatal(pid.status().message());
    switch (pid.status().code()) {
      case fault::StatusCode::kNotFound:
        return 127;
      case fault::StatusCode::kPermissionDenied:
        return 126;
      default:
        return 1;
    }
  }
  child_ = *pid;
  log_.Info("started ", options_.command[0], " as pid ", child_);
  fault::StatusOr<fault::Scheduler::WatchId> watch = scheduler_.OnExit(
      child_, std::move(pidfd), [this](const fault::ExitStatus& status) {
        Handle("the child's exit", [&] { OnChildExit(status); });
      });
  if (!watch.ok()) {
    // Still reaped as an orphan, but its status would be lost: give up.
    log_.Fatal(watch.status().message());
    kill(child_, SIGKILL);
    return 1;
  }
  return 0;
}

void ContainerInit::StartRelay() {
  // The table is built here, -r included (Rewritten, as OnSignal forwards):
  // the scheduler only looks it up. On error OnSignal forwards instead.
  fault::SignalRelay table;
  for (int signo = 1; signo < NSIG; ++signo) {
    if (!IsForwarded(signo)) continue;
    if (fault::Status s = table.Add(signo, Rewritten(signo)); !s.ok()) {
      log_.Warning(s.message());
      return;
    }
  }
  fault::StatusOr<fault::Scheduler::WatchId> relay =
      scheduler_.RelaySignals(table, options_.process_group ? -child_ : child_);
  if (!relay.ok()) {
    log_.Warning(relay.status().message());
    return;
  }
  relay_ = *relay;
}

int ContainerInit::Rewritten(int signo) const {
  auto rewritten = options_.rewrite.find(signo);
  return rewritten == options_.rewrite.end() ? signo : rewritten->second;
}

void ContainerInit::OnSignal(int signo) {
  switch (state_) {
    case State::kRunning:
      if (options_.pause) {
        if (Ends(signo)) {
          log_.Info("received ", Name(signo), ": exiting");
          state_ = State::kDone;
        }
        return;
      }
      break;
    case State::kDraining:
      if (Ends(signo)) {
        log_.Info("received ", Name(signo), " while waiting for leftovers");
        leftovers_.Signal(SIGKILL, child_);
      }
      return;
    case State::kDone:
      return;
  }
  const int forwarded = Rewritten(signo);
  pid_t target = options_.process_group ? -child_ : child_;
  if (kill(target, forwarded) != 0) {
    // The child may have just exited; its exit is on its way.
    log_.Debug("unable to forward ", Name(forwarded), " to ", target, ": ",
               strerror(errno));
    return;
  }
  // The line is made only when it is logged: forwarding is the hot path.
  if (!log_.Enabled(LogLevel::kInfo)) return;
  log_.Info("forwarded ", Name(signo),
            forwarded != signo ? absl::StrCat(" as ", Name(forwarded)) : "",
            " to ", options_.process_group ? "process group " : "pid ", child_);
}

void ContainerInit::OnChildExit(const fault::ExitStatus& status) {
  exit_status_ = status.ShellStatus();
  if (status.exited() && options_.success_codes.count(status.exit_code())) {
    exit_status_ = 0;
  }
  log_.Info("child ", child_, " ended with ", status.ToString());
  BeginDraining();
}

void ContainerInit::OnOrphanReaped(const fault::ExitStatus& status) {
  // Checked first: ToString allocates, once per orphan of a storm.
  if (options_.warn_reaped && log_.Enabled(LogLevel::kWarning)) {
    log_.Warning("reaped zombie process ", status.pid, " (", status.ToString(),
                 ")");
  } else if (!options_.warn_reaped && log_.Enabled(LogLevel::kInfo)) {
    log_.Info("reaped zombie process ", status.pid, " (", status.ToString(),
              ")");
  }
  // Orphans of the dying processes become ours: they get the signal too.
  if (state_ == State::kDraining) leftovers_.Rescan();
  FinishIfNothingLeft();
  // The first orphan while running (WatchSignals): from now on the kernel
  // reaps them, where it can. Called from within the scheduler's reaping
  // pass, the switch costs no wake-up.
  if (state_ == State::kRunning && kernel_reaps_from_first_orphan_) {
    kernel_reaps_from_first_orphan_ = false;
    if (fault::Status s =
            ReapOrphans(fault::Scheduler::OrphanReaping::kByKernel);
        !s.ok()) {
      log_.Warning(s.message());
    }
  }
}

void ContainerInit::BeginDraining() {
  state_ = State::kDraining;
  // From now on a SIGTERM or SIGINT kills the leftovers (OnSignal).
  if (relay_ != 0) scheduler_.Cancel(relay_);
  relay_ = 0;
  kernel_reaps_from_first_orphan_ = false;
  // Each leftover's exit is news now (FinishIfNothingLeft).
  if (fault::Status s = ReapOrphans(fault::Scheduler::OrphanReaping::kReport);
      !s.ok()) {
    log_.Warning(s.message());
  }
  if (!HasChildren()) {
    state_ = State::kDone;
    return;
  }
  leftovers_.Signal(SIGTERM, child_);
  if (options_.grace != fault::InfiniteDuration()) {
    scheduler_.After(options_.grace, [this] {
      Handle("the grace period", [this] {
        if (state_ != State::kDraining) return;
        log_.Info("grace period over: killing leftover processes");
        leftovers_.Signal(SIGKILL, child_);
      });
    });
  }
}

void ContainerInit::FinishIfNothingLeft() {
  if (state_ == State::kDraining && !HasChildren()) state_ = State::kDone;
}

}  // namespace faultinit
