#include "runtime/scheduler_signals.h"

#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include <algorithm>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "runtime/siginfo.h"
#include "runtime/signal_set.h"

namespace fault {
namespace scheduler_internal {
namespace {

constexpr size_t kMaxSignalWatches = 65535;  // SignalHold::watches

// Signals taken per read(2): standard signals coalesce, so one wake-up
// rarely has more than a few pending; a full batch is followed by another
// read. Kept small because the buffer is on the loop's stack, which PID 1
// keeps resident at its deepest.
constexpr size_t kSignalBatch = 8;

}  // namespace

Status Signals::Init() {
  mask_ = NoSignals();
  fd_.Reset(signalfd(-1, &mask_, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!fd_) return ErrnoToStatus(errno, "unable to create signalfd");
  return OkStatus();
}

Signals::~Signals() {
  // Give back every signal still held, restoring the thread's mask.
  for (int signo = 1; signo < NSIG; ++signo) {
    const SignalHold& hold = holds_[signo];
    if (hold.holders == 0 || hold.was_blocked) continue;
    sigset_t set = NoSignals();
    AddSignal(&set, signo);
    ChangeSignalMask(SIG_UNBLOCK, &set, nullptr);
  }
}

Status Signals::SetPolled(bool polled) {
  if (polled == polled_) return OkStatus();
  if (polled) {
    FAULT_RETURN_IF_ERROR(
        epoll_.Add(fd_.get(), EpollKey(Source::kSignal, 0), EPOLLIN));
  } else if (int error = epoll_.Remove(fd_.get()); error != 0) {
    return ErrnoToStatus(error, "unable to stop polling signalfd");
  }
  polled_ = polled;
  return OkStatus();
}

Status Signals::UpdateSignalFd() {
  if (signalfd(fd_.get(), &mask_, 0) < 0) {
    return ErrnoToStatus(errno, "unable to update signalfd mask");
  }
  return OkStatus();
}

Status Signals::Hold(int signo) {
  SignalHold& hold = holds_[signo];
  if (hold.holders++ > 0) return OkStatus();
  sigset_t set = NoSignals(), old;
  AddSignal(&set, signo);
  int error = ChangeSignalMask(SIG_BLOCK, &set, &old);
  if (error != 0) {
    hold.holders = 0;
    return ErrnoToStatus(error, "unable to block signal");
  }
  hold.was_blocked = HasSignal(old, signo);
  AddSignal(&mask_, signo);
  Status status = UpdateSignalFd();
  if (!status.ok()) Release(signo);
  return status;
}

Status Signals::Hold(const std::vector<int>& signos) {
  for (size_t i = 0; i < signos.size(); ++i) {
    Status held = Hold(signos[i]);
    if (!held.ok()) {
      while (i > 0) Release(signos[--i]);
      return held;
    }
  }
  return OkStatus();
}

void Signals::Release(int signo) {
  SignalHold& hold = holds_[signo];
  if (hold.holders == 0 || --hold.holders > 0) return;
  const bool was_blocked = hold.was_blocked;
  hold.was_blocked = false;
  RemoveSignal(&mask_, signo);
  UpdateSignalFd().IgnoreError();  // removing a signal cannot fail
  if (!was_blocked) {
    sigset_t set = NoSignals();
    AddSignal(&set, signo);
    ChangeSignalMask(SIG_UNBLOCK, &set, nullptr);
  }
}

StatusOr<WatchId> Signals::AddWatch(const std::vector<int>& signos,
                                    Scheduler::SignalCallback fn) {
  for (int signo : signos) {
    sigset_t probe = NoSignals();
    if (signo == SIGKILL || signo == SIGSTOP || !AddSignal(&probe, signo)) {
      return InvalidArgumentError(absl::StrCat("unable to watch signal ", signo,
                                               ": not a signal that "
                                               "can be caught"));
    }
    const size_t listed = std::count(signos.begin(), signos.end(), signo);
    if (holds_[signo].watches + listed > kMaxSignalWatches) {
      return ResourceExhaustedError(
          absl::StrCat("unable to watch signal ", signo, ": ",
                       kMaxSignalWatches, " watches of one signal at most"));
    }
  }
  FAULT_RETURN_IF_ERROR(Hold(signos));
  auto watch = WatchPtr::Make();
  watch->kind = Watch::Kind::kSignal;
  watch->SetCallback(std::move(fn));
  const WatchId id = watches_.Insert(std::move(watch));
  // Exactly what the first watch needs (one allocation for container
  // mode's one watch of all its signals), and geometric growth after it:
  // an exact reserve on each call would copy the whole vector on each.
  const size_t needed = watch_list_.size() + signos.size();
  if (needed > watch_list_.capacity()) {
    watch_list_.reserve(std::max(needed, 2 * watch_list_.size()));
  }
  for (int signo : signos) {
    watch_list_.emplace_back(signo, id);
    ++holds_[signo].watches;
  }
  return id;
}

void Signals::RemoveWatch(WatchId id) {
  // Compacts watch_list_ in place, releasing each signal of `id`.
  size_t kept = 0;
  for (const std::pair<int, WatchId>& entry : watch_list_) {
    if (entry.second == id) {
      --holds_[entry.first].watches;
      Release(entry.first);
    } else {
      watch_list_[kept++] = entry;
    }
  }
  watch_list_.resize(kept);
}

StatusOr<WatchId> Signals::StartRelay(const SignalRelay& table, pid_t target) {
  if (relay_ != nullptr) {
    return FailedPreconditionError(
        "unable to relay signals: another relay is on");
  }
  if (target == 0 || target == -1 || target == INT_MIN || target == getpid() ||
      target == -getpgrp()) {
    return InvalidArgumentError(
        absl::StrCat("unable to relay signals to ", target,
                     ": not another process or process group"));
  }
  if (table.empty()) {
    return InvalidArgumentError("unable to relay signals: none listed");
  }
  for (int signo = 1; signo < NSIG; ++signo) {
    if (table.Sent(signo) == 0) continue;
    Status held = Hold(signo);
    if (!held.ok()) {
      while (--signo > 0) {
        if (table.Sent(signo) != 0) Release(signo);
      }
      return held;
    }
  }
  relay_ = std::make_unique<Relay>();
  relay_->target = target;
  relay_->table = table;
  auto watch = WatchPtr::Make();
  watch->kind = Watch::Kind::kRelay;
  return watches_.Insert(std::move(watch));
}

void Signals::EndRelay() {
  if (relay_ == nullptr) return;
  for (int signo = 1; signo < NSIG; ++signo) {
    if (relay_->table.Sent(signo) != 0) Release(signo);
  }
  relay_.reset();
}

bool Signals::Relayed(int signo) {
  if (relay_ == nullptr) return false;
  const int sent = relay_->table.Sent(signo);
  if (sent == 0) return false;
  // A failure is ESRCH (the target has just exited): nothing to do.
  kill(relay_->target, sent);
  return true;
}

// A read that does not fill the buffer took every pending signal (signalfd
// dequeues until none is left), so the usual wake-up makes one read(2), not
// a second one to see EAGAIN.
StatusOr<bool> Signals::ReadAndDispatch() {
  signalfd_siginfo buffer[kSignalBatch];
  bool child_exited = false;
  for (;;) {
    ssize_t n = read(fd_.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      return ErrnoToStatus(errno, "unable to read signalfd");
    }
    const size_t count = static_cast<size_t>(n) / sizeof buffer[0];
    child_exited |= Dispatch(buffer, count);
    if (count < kSignalBatch) break;
  }
  return child_exited;
}

StatusOr<bool> Signals::WaitAlone(Wakeups& wakeups) {
  siginfo_t info;
  int signo = 0;
  wakeups.EnterSignalWait();
  while (!wakeups.Unseen()) {
    signo = TakeSignal(mask_, &info);
    if (signo <= 0 || !Relayed(signo)) break;
    signo = 0;  // relayed: not an event, the wait goes on
  }
  wakeups.LeaveSignalWait();
  if (signo < 0 && signo != -EINTR) {
    return ErrnoToStatus(-signo, "unable to wait for signals");
  }
  if (signo <= 0) return false;
  const signalfd_siginfo taken = ToSignalfdSiginfo(info);
  return Dispatch(&taken, 1);
}

bool Signals::Dispatch(const signalfd_siginfo* buffer, size_t count) {
  bool child_exited = false;
  for (size_t i = 0; i < count; ++i) {
    if (buffer[i].ssi_signo == SIGCHLD) {
      child_exited = true;
      // Wake's signal to a loop waiting on signals alone: not an event.
      if (buffer[i].ssi_code == SI_TKILL &&
          static_cast<pid_t>(buffer[i].ssi_pid) == getpid()) {
        continue;
      }
      const int code = buffer[i].ssi_code;
      if ((code == CLD_EXITED || code == CLD_KILLED || code == CLD_DUMPED) &&
          exited_pids_.size() < kMaxExitedPids) {
        exited_pids_.push_back(static_cast<pid_t>(buffer[i].ssi_pid));
      }
    } else if (Relayed(static_cast<int>(buffer[i].ssi_signo))) {
      continue;
    }
    RunWatches(buffer[i]);
  }
  return child_exited;
}

void Signals::RunWatches(const signalfd_siginfo& info) {
  // A copy, as callbacks may change the watches; on the stack, as a signal
  // has one watch or few.
  absl::InlinedVector<WatchId, 4> ids;
  const int signo = static_cast<int>(info.ssi_signo);
  if (signo <= 0 || signo >= NSIG) return;
  int left = holds_[signo].watches;  // the scan ends at the last one
  for (auto it = watch_list_.begin(); left > 0 && it != watch_list_.end();
       ++it) {
    if (it->first == signo) {
      ids.push_back(it->second);
      --left;
    }
  }
  for (WatchId id : ids) {
    WatchPtr watch = watches_.Find(id);
    if (watch == nullptr) continue;
    watches_.CountDispatch();
    watch->signal_callback()(info);
  }
}

void Signals::UndoInChild() const {
  sigset_t held = NoSignals();
  for (int signo = 1; signo < NSIG; ++signo) {
    if (holds_[signo].holders > 0 && !holds_[signo].was_blocked) {
      AddSignal(&held, signo);
    }
  }
  ChangeSignalMask(SIG_UNBLOCK, &held, nullptr);
}

}  // namespace scheduler_internal
}  // namespace fault
