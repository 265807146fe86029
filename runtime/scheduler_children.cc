#include "runtime/scheduler_children.h"

#include <errno.h>
#include <string.h>
#include <sys/wait.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "runtime/pidfd.h"
#include "runtime/signal_state.h"

namespace fault {
namespace scheduler_internal {
namespace {

// P_PIDFD (Linux >= 5.4). glibc >= 2.36 declares it as an enumerator, not a
// macro, so it cannot be tested with #ifdef: use the kernel's value.
constexpr idtype_t kIdTypePidfd = static_cast<idtype_t>(3);

// WaitNoHang: waitid(..., WEXITED | WNOHANG). Returns the errno (0 on
// success); `info->si_pid` is 0 when no child has exited.
int WaitNoHang(idtype_t type, id_t id, siginfo_t* info) {
  for (;;) {
    memset(info, 0, sizeof *info);
    if (waitid(type, id, info, WEXITED | WNOHANG) == 0) return 0;
    if (errno != EINTR) return errno;
  }
}

}  // namespace

Children::~Children() {
  CancelSweepTimer();
  SetOrphans(Orphans::kLeft);
}

void Children::CancelSweepTimer() {
  if (sweep_timer_ == 0) return;
  if (WatchPtr timer = watches_.Take(sweep_timer_)) {
    timers_.Remove(sweep_timer_, *timer);
  }
  sweep_timer_ = 0;
  sweep_due_ = InfiniteDuration();
}

// CheckWatchable fails unless `pid` is a process id not watched yet.
Status Children::CheckWatchable(pid_t pid) {
  if (pid <= 0) {
    return InvalidArgumentError(
        absl::StrCat("unable to watch process ", pid, ": not a process id"));
  }
  if (FindPid(pid) != by_pid_.end()) {
    return InvalidArgumentError(
        absl::StrCat("unable to watch process ", pid, ": already watched"));
  }
  return OkStatus();
}

// CheckUnreapedChild fails unless `pid` is an unreaped child of ours.
Status Children::CheckUnreapedChild(pid_t pid) {
  siginfo_t info;
  int error;
  do {
    memset(&info, 0, sizeof info);
    error = waitid(P_PID, static_cast<id_t>(pid), &info,
                   WEXITED | WNOHANG | WNOWAIT) == 0
                ? 0
                : errno;
  } while (error == EINTR);
  if (error == ECHILD) {
    return NotFoundError(absl::StrCat("unable to watch process ", pid,
                                      ": not an unreaped child"));
  }
  if (error != 0) {
    return ErrnoToStatus(error, absl::StrCat("unable to watch process ", pid));
  }
  return OkStatus();
}

StatusOr<WatchId> Children::AddWatch(pid_t pid, Scheduler::ExitCallback fn) {
  FAULT_RETURN_IF_ERROR(CheckWatchable(pid));
  UniqueFd pidfd;
  if (pidfds_available_ && (orphans_ != Orphans::kReported || lazily_)) {
    // Opened before the check, so that the pidfd names the process found
    // to be our unreaped child: while the kernel reaps, the child could
    // exit, be reaped and its pid be reused between the two.
    pidfd = OpenPidfd(pid);
    if (!pidfd) {
      if (errno == ENOSYS) {
        pidfds_available_ = false;
      } else if (errno != EMFILE && errno != ENFILE && errno != ESRCH) {
        return ErrnoToStatus(errno,
                             absl::StrCat("unable to open pidfd of ", pid));
      }
      // Out of descriptors (a pidfd is one): this watch waits on SIGCHLD.
      // ESRCH: no such process, which the check below reports.
    }
  }
  FAULT_RETURN_IF_ERROR(CheckUnreapedChild(pid));
  if (orphans_ == Orphans::kKernelReaps && !pidfd) {
    // Only where seccomp denies pidfd_open.
    return UnavailableError(absl::StrCat(
        "unable to watch process ", pid,
        ": no pidfd, and the kernel reaps children (SIGCHLD ignored)"));
  }
  return Insert(pid, std::move(pidfd), std::move(fn));
}

StatusOr<WatchId> Children::AddWatch(pid_t pid, UniqueFd pidfd,
                                     Scheduler::ExitCallback fn) {
  if (!pidfd) return AddWatch(pid, std::move(fn));
  FAULT_RETURN_IF_ERROR(CheckWatchable(pid));
  return Insert(pid, std::move(pidfd), std::move(fn));
}

std::vector<Children::PidWatch>::iterator Children::FindPid(pid_t pid) {
  auto it = std::lower_bound(by_pid_.begin(), by_pid_.end(), PidWatch(pid, 0));
  return it != by_pid_.end() && it->first == pid && it->second != 0
             ? it
             : by_pid_.end();
}

// Insert watches `pid` through `pidfd`, or through SIGCHLD when it is
// invalid.
StatusOr<WatchId> Children::Insert(pid_t pid, UniqueFd pidfd,
                                   Scheduler::ExitCallback fn) {
  auto watch = WatchPtr::Make();
  watch->kind = Watch::Kind::kExit;
  watch->SetCallback(std::move(fn));
  watch->pid = pid;
  watch->pidfd = std::move(pidfd);
  const WatchId id = watches_.NextId();
  if (watch->pidfd) {
    FAULT_RETURN_IF_ERROR(
        epoll_.Add(watch->pidfd.get(), EpollKey(Source::kExit, id), EPOLLIN));
  } else {
    FAULT_RETURN_IF_ERROR(signals_.Hold(SIGCHLD));
    without_pidfd_.insert(id);
    if (orphans_ != Orphans::kReported) {
      // The child may have exited before SIGCHLD was blocked, its signal
      // lost: a reap of its pid on the next wake-up. (While orphans are
      // reported SIGCHLD stays held, and ReapOrphans swept once it was: a
      // SIGCHLD of its exit is pending, or was taken and a sweep follows.)
      reap_requested_pids_.push_back(pid);
      wakeups_.Wake();
    }
  }
  watches_.Insert(std::move(watch));
  auto at = std::lower_bound(by_pid_.begin(), by_pid_.end(), PidWatch(pid, 0));
  if (at != by_pid_.end() && at->first == pid) {  // a hole for this pid
    at->second = id;
    --by_pid_holes_;
  } else {
    // At the end but where pids wrap around: they grow.
    by_pid_.insert(at, PidWatch(pid, id));
  }
  return id;
}

// Closing the pidfd also removes it from the epoll set.
void Children::Remove(WatchId id, Watch& watch) {
  if (auto it = FindPid(watch.pid); it != by_pid_.end()) {
    // A hole, not an erase: an erase moves every later pid (PID 1 watches
    // one per service process). The holes go once they are a quarter.
    it->second = 0;
    if (++by_pid_holes_ > 16 && by_pid_holes_ * 4 > by_pid_.size()) {
      by_pid_.erase(
          std::remove_if(by_pid_.begin(), by_pid_.end(),
                         [](const PidWatch& w) { return w.second == 0; }),
          by_pid_.end());
      by_pid_holes_ = 0;
    }
  }
  if (!watch.pidfd && without_pidfd_.erase(id) != 0) {
    signals_.Release(SIGCHLD);
  }
  watch.pidfd.Reset();
}

void Children::Drop(WatchId id) {
  if (WatchPtr watch = watches_.Take(id)) Remove(id, *watch);
}

// ReportExit runs an exit watch's callback, once: the watch goes first.
void Children::ReportExit(WatchId id, const ExitStatus& status) {
  WatchPtr watch = watches_.Take(id);
  if (watch == nullptr) return;
  Remove(id, *watch);
  Scheduler::ExitCallback fn = std::move(watch->exit_callback());
  watches_.CountDispatch();
  fn(status);
}

void Children::OnPidfdReadable(WatchId id) {
  WatchPtr watch = watches_.Find(id);
  if (watch == nullptr) return;  // reported or cancelled earlier
  siginfo_t info;
  int error =
      WaitNoHang(kIdTypePidfd, static_cast<id_t>(watch->pidfd.get()), &info);
  if (error == EINVAL) {  // a kernel with pidfd_open but not P_PIDFD
    error = WaitNoHang(P_PID, static_cast<id_t>(watch->pid), &info);
  }
  if (error == 0 && info.si_pid != 0) {
    ReportExit(id, ExitStatus::FromSiginfo(info));
    return;
  }
  if (error != ECHILD) return;
  // Reaped by the kernel (SIGCHLD ignored) or behind our back (a waitpid
  // elsewhere): the kernel may have kept the status for the pidfd.
  int wait_status = 0;
  const int kept = ReadReapedExit(watch->pidfd.get(), &wait_status);
  if (kept == 0) {
    ReportExit(id, ExitStatus::FromWaitStatus(watch->pid, wait_status));
  } else if (kept != EAGAIN) {
    // No status to report, and the pidfd would stay readable: drop the
    // watch. (EAGAIN: exited, not yet released; readable again at once.)
    Drop(id);
  }
}

// With orphans reaped (kReported), each named child is reaped by its pid,
// then the sweep (ReapAll's waitid(P_ALL) loop) reaps every other exited
// child, watched ones included, so the per-pid pass over the watches
// without a pidfd is needed only without it (or once a callback has ended
// orphan reaping).
void Children::Reap(const std::vector<pid_t>& exited) {
  if (orphans_ == Orphans::kReported) {
    const bool outer = std::exchange(in_reap_all_, true);
    const uint64_t orphans_before = orphans_reported_;
    for (pid_t pid : exited) {
      if (orphans_ != Orphans::kReported) break;
      ReapPid(pid);
    }
    in_reap_all_ = outer;
    Sweep(orphans_reported_ != orphans_before ||
          exited.size() >= Signals::kMaxExitedPids);
  } else if (orphans_ == Orphans::kKernelReaps) {
    ReapAll();
  }
  if (orphans_ == Orphans::kLeft && !without_pidfd_.empty()) {
    ReapWatchedWithoutPidfd();
  }
}

bool Children::ReapPid(pid_t pid) {
  if (pid <= 0) return false;
  siginfo_t info;
  if (WaitNoHang(P_PID, static_cast<id_t>(pid), &info) != 0 ||
      info.si_pid == 0) {
    return false;  // running (or stopped), or not a child: ECHILD
  }
  Report(info);
  return true;
}

void Children::Report(const siginfo_t& info) {
  auto watched = FindPid(info.si_pid);
  if (watched != by_pid_.end()) {
    ReportExit(watched->second, ExitStatus::FromSiginfo(info));
  } else {
    // A copy: the callback may replace or end orphan reaping.
    std::shared_ptr<Scheduler::ExitCallback> callback = orphan_callback_;
    ++orphans_reported_;
    watches_.CountDispatch();
    (*callback)(ExitStatus::FromSiginfo(info));
  }
}

void Children::Sweep(bool orphans_seen) {
  const Duration now = MonotonicNow();
  if (orphans_ != Orphans::kReported ||
      by_pid_.size() - by_pid_holes_ < kFewWatches || sweep_found_merged_) {
    last_sweep_ = now;
    sweep_found_merged_ = ReapAll() > 0;
    return;
  }
  if (lazily_ && !orphans_seen && without_pidfd_.empty()) {
    if (sweep_timer_ == 0) SweepAt(now + kLazySweepInterval);
    return;
  }
  if (now - last_sweep_ >= kSweepInterval) {
    last_sweep_ = now;
    sweep_found_merged_ = ReapAll() > 0;
    return;
  }
  SweepAt(last_sweep_ + kSweepInterval);
}

void Children::SweepAt(Duration due) {
  if (sweep_timer_ != 0 && sweep_due_ <= due) return;  // due by then
  CancelSweepTimer();
  sweep_due_ = due;
  sweep_timer_ = timers_.Add(due - MonotonicNow(), ZeroDuration(), [this] {
    sweep_timer_ = 0;
    sweep_due_ = InfiniteDuration();
    if (orphans_ != Orphans::kReported) return;
    last_sweep_ = MonotonicNow();
    sweep_found_merged_ = ReapAll() > 0;
  });
}

void Children::ReapIfRequested() {
  if (!reap_requested_pids_.empty()) {
    const std::vector<pid_t> pids = std::move(reap_requested_pids_);
    reap_requested_pids_.clear();
    for (pid_t pid : pids) {
      auto watched = FindPid(pid);
      if (watched == by_pid_.end()) continue;  // reported or cancelled
      siginfo_t info;
      const int error = WaitNoHang(P_PID, static_cast<id_t>(pid), &info);
      if (error == 0 && info.si_pid != 0) {
        Report(info);
      } else if (error == ECHILD && without_pidfd_.count(watched->second)) {
        Drop(watched->second);  // reaped behind our back
      }
    }
  }
  if (!reap_requested_) return;
  reap_requested_ = false;
  if (orphans_ == Orphans::kReported) {
    // A sweep asked for is one at once: the children it is for left no
    // signal.
    last_sweep_ = MonotonicNow();
    sweep_found_merged_ = ReapAll() > 0;
  } else {
    Reap({});
  }
}

bool Children::OnlySignalsCanEnd() const {
  return orphans_ != Orphans::kLeft && !reap_requested_ &&
         reap_requested_pids_.empty() &&
         by_pid_.size() - by_pid_holes_ == without_pidfd_.size();
}

size_t Children::ReapAll() {
  ++sweeps_;
  CancelSweepTimer();  // this sweep is what it was due for
  const bool outer = std::exchange(in_reap_all_, true);
  size_t reaped = 0;
  while (orphans_ != Orphans::kLeft) {
    siginfo_t info;
    if (WaitNoHang(P_ALL, 0, &info) != 0 || info.si_pid == 0) break;
    ++reaped;
    Report(info);
  }
  in_reap_all_ = outer;
  return reaped;
}

void Children::ReapWatchedWithoutPidfd() {
  const std::vector<WatchId> ids(without_pidfd_.begin(), without_pidfd_.end());
  for (WatchId id : ids) {
    WatchPtr watch = watches_.Find(id);
    if (watch == nullptr) continue;
    siginfo_t info;
    int error = WaitNoHang(P_PID, static_cast<id_t>(watch->pid), &info);
    if (error == 0 && info.si_pid != 0) {
      ReportExit(id, ExitStatus::FromSiginfo(info));
    } else if (error == ECHILD) {
      Drop(id);  // reaped behind our back, as in OnPidfdReadable
    }
  }
}

Status Children::ReapOrphans(Scheduler::ExitCallback fn,
                             Scheduler::OrphanReaping how) {
  if (fn == nullptr) {
    lazily_ = false;
    if (orphans_ != Orphans::kLeft) {
      SetOrphans(Orphans::kLeft);
      orphan_callback_.reset();
      signals_.Release(SIGCHLD);
    }
    return OkStatus();
  }
  if (orphans_ == Orphans::kLeft) FAULT_RETURN_IF_ERROR(signals_.Hold(SIGCHLD));
  orphan_callback_ = std::make_shared<Scheduler::ExitCallback>(std::move(fn));
  // Every exit watch needs a pidfd before the kernel may reap.
  const bool kernel = how == Scheduler::OrphanReaping::kByKernel &&
                      ReapedExitsAvailable() && MoveWatchesToPidfds();
  const bool was_reported = orphans_ == Orphans::kReported;
  const bool was_lazy = was_reported && lazily_;
  lazily_ = how == Scheduler::OrphanReaping::kReportLazily;
  SetOrphans(kernel ? Orphans::kKernelReaps : Orphans::kReported);
  // A sweep for the children that exited unheard of (while the kernel
  // reaped, or no one did), and, leaving kReportLazily, for an orphan whose
  // SIGCHLD merged into another's, which a lazy sweep would reap later.
  // Staying reported owes nothing else: SIGCHLD stayed held.
  const bool stays_reported = was_reported && !kernel;
  const bool owed = !stays_reported || (was_lazy && !lazily_);
  if (owed && !in_reap_all_) RequestReap();
  return OkStatus();
}

// All or nothing for the pidfds: if one cannot be opened, no watch moves.
bool Children::MoveWatchesToPidfds() {
  if (without_pidfd_.empty()) return true;
  if (!pidfds_available_) return false;
  std::vector<std::pair<WatchId, UniqueFd>> moves;
  for (WatchId id : without_pidfd_) {
    WatchPtr watch = watches_.Find(id);
    if (watch == nullptr) continue;
    UniqueFd pidfd = OpenPidfd(watch->pid);
    if (!pidfd) return false;
    moves.emplace_back(id, std::move(pidfd));
  }
  for (auto& [id, pidfd] : moves) {
    WatchPtr watch = watches_.Find(id);
    if (!epoll_.Add(pidfd.get(), EpollKey(Source::kExit, id), EPOLLIN).ok()) {
      continue;  // still reported through SIGCHLD
    }
    watch->pidfd = std::move(pidfd);
    without_pidfd_.erase(id);
    signals_.Release(SIGCHLD);
  }
  return without_pidfd_.empty();
}

// Ignores SIGCHLD on entering kKernelReaps, restores the saved disposition
// on leaving it. sigaction cannot fail for SIGCHLD with a valid action.
void Children::SetOrphans(Orphans orphans) {
  const bool was = orphans_ == Orphans::kKernelReaps;
  const bool now = orphans == Orphans::kKernelReaps;
  if (now && !was) {
    struct sigaction ignore = {};
    ignore.sa_handler = SIG_IGN;
    (void)ChangeDisposition(SIGCHLD, &ignore, &saved_sigchld_);
  } else if (was && !now) {
    (void)ChangeDisposition(SIGCHLD, &saved_sigchld_, nullptr);
  }
  orphans_ = orphans;
}

void Children::RequestReap() {
  reap_requested_ = true;
  wakeups_.Wake();
}

void Children::UndoInChild() const {
  if (orphans_ == Orphans::kKernelReaps) {
    (void)ChangeDisposition(SIGCHLD, &saved_sigchld_, nullptr);
  }
}

}  // namespace scheduler_internal
}  // namespace fault
