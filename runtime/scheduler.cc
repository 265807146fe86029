// Design of the Scheduler (see scheduler.h for the contract).
//
// Impl owns four descriptors, all O_CLOEXEC and all in one epoll set:
//   timer_fd_   a CLOCK_MONOTONIC timerfd armed (absolute) for the earliest
//               entry of timer_queue_, disarmed when the queue is empty;
//               a timer due already when the loop would wait runs without
//               it (RunOnce: no arming, an epoll_wait that does not block);
//   wake_fd_    an eventfd written by Interject and Stop;
//   signal_fd_  a signalfd whose mask is every signal held in signals_;
//   pidfds      one per OnExit watch, owned by the watch.
// Each epoll entry carries a key: a Source tag in the top byte and, below
// it, the watched fd (fd watches) or the WatchId (exit watches).
//
// Watches live in watches_ (id -> shared_ptr<Watch>, ordered by id, that is
// by registration). Dispatch looks every watch up again right before running
// it, so a watch cancelled earlier in the same batch never runs; callbacks
// run from a shared_ptr copy (or, for one-shot watches, a moved-out
// std::function), so Cancel from inside a callback never destroys the
// running function. Fd events are delivered only to watches that existed
// when epoll_wait returned (an fd number may be closed and reused by a
// callback).
//
// Signals are reference-counted in signals_ (an array by signal number:
// container mode holds some 50 signals, and PID 1's memory counts): the
// first holder blocks the signal (remembering whether it was blocked
// already) and adds it to the signalfd mask; the last one undoes both. SIGCHLD
// is held internally while orphans are reaped and by each exit watch that has
// no pidfd (pidfd_open failed with ENOSYS). On SIGCHLD, ReapChildren loops
// waitid(P_ALL) when orphans are reaped, then polls waitid(P_PID) for each
// pidfd-less watch. Reporting an exit erases its watch first, so a child seen
// both through its pidfd and through SIGCHLD is reported once. While orphans
// are reaped, exit watches take no pidfd: the waitid(P_ALL) loop reports
// them.
//
// Kernel reaping (OrphanReaping::kByKernel). With SIGCHLD at SIG_IGN the
// kernel reaps every exiting child at once and sends no SIGCHLD, so an
// orphan costs the loop nothing. Exit watches then hold pidfds (OnExit
// opens one; Spawn's opens before exec, so a program that exits at once is
// still named), and HandlePidfd, finding waitid's ECHILD, reads the status
// the kernel kept (ReadReapedExit). Between a child's exit and its release
// the pidfd is readable but nothing is kept yet (EAGAIN): the watch stays
// and the level-triggered pidfd reports again. SIGCHLD stays held, so a
// child that became a zombie while SIGCHLD was not ignored is still
// reaped by the waitid(P_ALL) loop.
//
// kByKernelFromFirstOrphan starts as kReport with switch_on_orphan_ set.
// When ReapAll reaps a child that no watch names, it reports it, then
// SwitchToKernelReaping opens a pidfd for each exit watch that has none (a
// child not yet reaped keeps its pid, so pidfd_open names it), moves the
// watch onto it, and ignores SIGCHLD; the rest of ReapAll's loop reaps the
// zombies made before that. If a pidfd cannot be opened nothing changes
// and orphans stay reported.
//
// Waiting on signals alone. When nothing but a signal can end the wait (no
// fd watch, no timer, no pidfd, orphans reaped so SIGCHLD is held, no
// deadline), RunOnce takes the next signal with rt_sigtimedwait
// (TakeSignal) instead of epoll_wait followed by a read of signal_fd_: one
// system call less per wake-up, a quarter of what an orphan costs PID 1
// (rt_sigtimedwait, waitid, waitid: three, as for a sigwait-based init,
// against four). rt_sigtimedwait rather than a read of a blocking signalfd:
// the kernel's path from the sender to the waiter is shorter (a minimal
// forwarding loop, on one CPU, kill to the child's handler: 3.31 µs against
// 3.45), and no second signalfd is kept in step with the mask. Meanwhile
// signal_fd_ is out of the epoll set (PollSignalFd): while it is in, each
// kill of the process runs epoll's wake-up callback before it returns (the
// same minimal loop with a polled signalfd beside it: 3.44 µs). It rejoins the
// set before the next epoll_wait, where it reports what is pending. The
// siginfo_t becomes the signalfd_siginfo callbacks take (ToSignalfdSiginfo,
// siginfo.h). Wake (Stop, Interject) cannot reach that wait through the
// eventfd, so it also sends SIGCHLD to the loop thread when waiting_on_signals_
// says the loop may be in it; the loop checks wakes_ after setting
// waiting_on_signals_ (both sequentially consistent), so either the loop sees
// the wake and does not block, or Wake sees the flag and sends the signal. That
// SIGCHLD (SI_TKILL from our own pid) is a wake-up, not dispatched as a signal;
// a spare one costs one waitid.
//
// Relaying (RelaySignals). Container mode's hot path is a signal in, the
// same signal out to the child; through a callback it costs the loop some
// 550 instructions (conversion to signalfd_siginfo, the watch scan, the
// watch lookup, shared_ptr and std::function calls, RunOnce's return and
// re-entry), five times what a sigwait-and-kill loop costs. A relay is a
// table by signal number (relay_, allocated only while on): the signal
// taken is looked up there before anything else (Relay, from
// DispatchSignals and from the wait on signals alone), and a hit is one
// kill(2). The wait on signals alone loops on rt_sigtimedwait while what it
// takes is relayed, so a relayed signal costs two system calls and a few
// dozen instructions. It is not an event (dispatched_ is not counted), so
// RunOnce goes on waiting.

#include "runtime/scheduler.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "runtime/callsets.h"
#include "runtime/fd.h"
#include "runtime/pidfd.h"
#include "runtime/siginfo.h"
#include "runtime/signal_set.h"
#include "runtime/signal_state.h"

namespace fault {
namespace {

// P_PIDFD (Linux >= 5.4). glibc >= 2.36 declares it as an enumerator, not a
// macro, so it cannot be tested with #ifdef: use the kernel's value.
constexpr idtype_t kIdTypePidfd = static_cast<idtype_t>(3);

// Stop touches only these atomics and write(2): they must not hide a lock.
static_assert(std::atomic<bool>::is_always_lock_free &&
                  std::atomic<uint32_t>::is_always_lock_free,
              "Stop must be async-signal-safe");

// What an epoll entry stands for: the top byte of its key.
enum class Source : uint64_t { kTimer = 1, kWake, kSignal, kFd, kExit };
constexpr int kSourceShift = 56;
constexpr int kEpollBatch = 16;
constexpr uint64_t kValueMask = (uint64_t{1} << kSourceShift) - 1;

uint64_t EpollKey(Source source, uint64_t value) {
  return (static_cast<uint64_t>(source) << kSourceShift) | value;
}
Source KeySource(uint64_t key) { return Source(key >> kSourceShift); }
uint64_t KeyValue(uint64_t key) { return key & kValueMask; }

// EpollTimeout: milliseconds until `deadline`, rounded up so that the wait
// never ends before it; -1 for no deadline.
int EpollTimeout(Duration deadline) {
  if (deadline == InfiniteDuration()) return -1;
  const Duration left = deadline - MonotonicNow();
  if (left <= ZeroDuration()) return 0;
  const int64_t ms = (left.nanoseconds() - 1) / 1000000 + 1;  // rounded up
  return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

// WaitNoHang: waitid(..., WEXITED | WNOHANG). Returns the errno (0 on
// success); `info->si_pid` is 0 when no child has exited.
int WaitNoHang(idtype_t type, id_t id, siginfo_t* info) {
  for (;;) {
    memset(info, 0, sizeof *info);
    if (waitid(type, id, info, WEXITED | WNOHANG) == 0) return 0;
    if (errno != EINTR) return errno;
  }
}

// DrainCounter empties an eventfd (not a semaphore one) or a timerfd: one
// read(2) takes the whole count; EAGAIN when it was empty.
void DrainCounter(int fd) {
  uint64_t count;
  while (read(fd, &count, sizeof count) < 0 && errno == EINTR) {
  }
}

struct Watch {
  enum class Kind {
    kTimer,
    kSignal,
    kRelay,
    kExit,
    kReadable,
    kWritable,
    kBeforeWait
  };
  Kind kind;
  Scheduler::Callback callback;  // timers and fd watches
  Scheduler::SignalCallback signal_callback;
  Scheduler::ExitCallback exit_callback;
  Duration deadline;  // timers: when next due (monotonic)
  Duration period;    // timers: zero for a one-shot timer
  int fd = -1;
  pid_t pid = 0;
  UniqueFd pidfd;  // exit watches; invalid when SIGCHLD is used instead
};

// The watches of one fd, by direction, in registration order.
struct FdInterest {
  std::vector<Scheduler::WatchId> readers;
  std::vector<Scheduler::WatchId> writers;
};

constexpr size_t kMaxSignalWatches = 65535;  // SignalHold::watches

// One signal held by watches or internal users.
struct SignalHold {
  int holders = 0;
  // Entries of signal_watches_ for the signal; 16 bits keep the array as
  // small as it was without (OnSignals refuses a watch beyond the limit).
  uint16_t watches = 0;
  bool was_blocked = false;  // blocked in the thread mask before the first
};

// The relay (RelaySignals): by signal taken, the signal sent for it; 0 for
// a signal not relayed.
struct SignalRelay {
  pid_t target = 0;
  uint8_t sent[NSIG] = {};
};
static_assert(NSIG <= 256, "a sent signal is stored in 8 bits");

}  // namespace

class Scheduler::Impl {
 public:
  static StatusOr<std::unique_ptr<Impl>> Create();
  ~Impl();

  WatchId AddTimer(Duration delay, Duration period, Callback fn);
  StatusOr<WatchId> OnSignals(const std::vector<int>& signos,
                              SignalCallback fn);
  StatusOr<WatchId> RelaySignals(const std::vector<int>& signos, pid_t target,
                                 const std::map<int, int>& rewrite);
  StatusOr<WatchId> OnExit(pid_t pid, ExitCallback fn);
  StatusOr<WatchId> OnExit(pid_t pid, UniqueFd pidfd, ExitCallback fn);
  Status ReapOrphans(ExitCallback fn, OrphanReaping how);
  bool KernelReapsOrphans() const { return kernel_reaps_; }
  StatusOr<WatchId> OnFd(int fd, Watch::Kind kind, Callback fn);
  WatchId BeforeWait(Callback fn);
  void Cancel(WatchId id);
  void Interject(Callback fn);
  Status RunOnce(Duration deadline);
  Status Run();
  void Stop();
  size_t Pending() const;

 private:
  Impl() = default;

  Status Init();
  void InChild() const;
  Status EpollAdd(int fd, uint64_t key, uint32_t events);
  WatchId Insert(std::shared_ptr<Watch> watch);
  std::shared_ptr<Watch> Find(WatchId id) const;
  void Wake();

  // Signals.
  Status HoldSignal(int signo);
  Status HoldSignals(const std::vector<int>& signos);
  void ReleaseSignal(int signo);
  Status UpdateSignalFd();
  Status PollSignalFd(bool polled);
  Status HandleSignals();
  // Relay: if the relay takes `signo`, sends what it says; true if it did.
  bool Relay(int signo);
  void EndRelay();
  // Dispatches `count` signals read into `buffer`, relayed or to their
  // watches; true if SIGCHLD was among them (the caller reaps).
  bool DispatchSignals(const signalfd_siginfo* buffer, size_t count);
  bool CanWaitOnSignalsAlone(Duration deadline) const;
  // Not inlined: its siginfo stays out of RunOnce's frame, on which the
  // loop sleeps in epoll_wait.
  ABSL_ATTRIBUTE_NOINLINE Status WaitOnSignalsAlone();
  void DispatchSignal(const signalfd_siginfo& info);

  // Timers.
  Status ArmTimer();
  bool TimerDue() const;
  void RunDueTimers();

  // Processes.
  Status CheckWatchable(pid_t pid);
  Status CheckUnreapedChild(pid_t pid);
  StatusOr<WatchId> AddExitWatch(pid_t pid, UniqueFd pidfd, ExitCallback fn);
  void RemoveExitWatch(WatchId id, Watch& watch);
  void ReportExit(WatchId id, const ExitStatus& status);
  void SetKernelReaping(bool on);
  void SwitchToKernelReaping();
  void HandlePidfd(WatchId id);
  void ReapChildren();
  void ReapAll();
  void ReapWatchedWithoutPidfd();

  // Fds.
  Status UpdateFdInterest(int fd);
  void DispatchFd(int fd, uint32_t events);
  void RunFdWatches(const std::vector<WatchId>& ids);

  // Wake-ups.
  void HandleWake();
  void RunBeforeWait();

  Status Dispatch(const epoll_event* events, int count);
  void Run(const std::shared_ptr<Watch>& watch);

  UniqueFd epoll_fd_;
  UniqueFd timer_fd_;
  UniqueFd wake_fd_;
  UniqueFd signal_fd_;
  bool signal_fd_polled_ = false;  // in the epoll set (PollSignalFd)

  WatchId next_id_ = 1;
  // Watches with an id >= this were added during the current batch.
  WatchId batch_first_new_id_ = 1;
  uint64_t dispatched_ = 0;  // callbacks run so far

  std::map<WatchId, std::shared_ptr<Watch>> watches_;
  std::set<std::pair<Duration, WatchId>> timer_queue_;
  std::optional<Duration> armed_deadline_;
  bool timer_fired_ = false;  // the timerfd was in the batch (Dispatch)
  // (signal, watch) for every signal of every signal watch, in
  // registration order.
  std::vector<std::pair<int, WatchId>> signal_watches_;
  SignalHold signals_[NSIG] = {};
  sigset_t signal_mask_;
  std::unique_ptr<SignalRelay> relay_;  // while a relay is on
  std::map<pid_t, WatchId> exit_watches_;
  std::set<WatchId> watches_without_pidfd_;
  bool pidfds_available_ = true;
  std::shared_ptr<ExitCallback> orphan_reaper_;
  bool reap_requested_ = false;
  // SIGCHLD is SIG_IGN, the kernel reaping orphans (see the design note);
  // saved_sigchld_ is the disposition to restore.
  bool kernel_reaps_ = false;
  // kByKernelFromFirstOrphan, before its first orphan.
  bool switch_on_orphan_ = false;
  struct sigaction saved_sigchld_ = {};
  std::map<int, FdInterest> fds_;
  std::vector<WatchId> before_wait_;  // BeforeWait hooks, in order added

  // Waiting on signals alone (see the design note): set while the loop
  // thread may be in the blocking read; wakes_ counts Wake calls,
  // wakes_seen_ (loop thread only) those the loop has acted on.
  std::atomic<bool> waiting_on_signals_{false};
  std::atomic<uint32_t> wakes_{0};
  uint32_t wakes_seen_ = 0;
  pid_t loop_tid_ = 0;
  pthread_t loop_thread_{};

  mutable std::mutex interjections_mutex_;
  // Guarded by interjections_mutex_. A vector, not a deque: an empty
  // deque allocates.
  std::vector<Callback> interjections_;
  // Stop sets stop_ (consumed by Run) and counts in stops_ (so that a
  // RunOnce during which Stop was called returns). Both are lock-free, hence
  // async-signal-safe.
  std::atomic<bool> stop_{false};
  std::atomic<uint32_t> stops_{0};
  // InChild in the fork child callset, from Init to the destructor.
  CallsetHandle in_child_;
};

// ---------------------------------------------------------------------------
// Creation and bookkeeping.

StatusOr<std::unique_ptr<Scheduler::Impl>> Scheduler::Impl::Create() {
  std::unique_ptr<Impl> impl(new Impl());
  FAULT_RETURN_IF_ERROR(impl->Init());
  return impl;
}

Status Scheduler::Impl::Init() {
  signal_mask_ = NoSignals();
  in_child_ = RegisterForkCallback(ForkPhase::kChild, [this] { InChild(); });
  epoll_fd_.Reset(epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_fd_)
    return ErrnoToStatus(errno, "unable to create epoll instance");
  timer_fd_.Reset(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
  if (!timer_fd_) return ErrnoToStatus(errno, "unable to create timerfd");
  wake_fd_.Reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake_fd_) return ErrnoToStatus(errno, "unable to create eventfd");
  signal_fd_.Reset(signalfd(-1, &signal_mask_, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!signal_fd_) return ErrnoToStatus(errno, "unable to create signalfd");
  FAULT_RETURN_IF_ERROR(
      EpollAdd(timer_fd_.get(), EpollKey(Source::kTimer, 0), EPOLLIN));
  // signal_fd_ joins the epoll set before the first epoll_wait (PollSignalFd).
  return EpollAdd(wake_fd_.get(), EpollKey(Source::kWake, 0), EPOLLIN);
}

Scheduler::Impl::~Impl() {
  in_child_.Reset();
  SetKernelReaping(false);
  // Give back every signal still held, restoring the thread's mask.
  for (int signo = 1; signo < NSIG; ++signo) {
    const SignalHold& hold = signals_[signo];
    if (hold.holders == 0 || hold.was_blocked) continue;
    sigset_t set = NoSignals();
    AddSignal(&set, signo);
    ChangeSignalMask(SIG_UNBLOCK, &set, nullptr);
  }
}

// InChild is the scheduler's part of the fork child callset: a child does
// not run this loop (see scheduler.h, "Fork"), so what the scheduler did to
// the process's signal state for it is undone there: SIGCHLD's disposition
// while the kernel reaps orphans, and the mask bits its watches hold.
// Between fork and exec: sigaction and sigprocmask only, no allocation.
void Scheduler::Impl::InChild() const {
  if (kernel_reaps_) sigaction(SIGCHLD, &saved_sigchld_, nullptr);
  sigset_t held = NoSignals();
  for (int signo = 1; signo < NSIG; ++signo) {
    if (signals_[signo].holders > 0 && !signals_[signo].was_blocked) {
      AddSignal(&held, signo);
    }
  }
  ChangeSignalMask(SIG_UNBLOCK, &held, nullptr);
}

Status Scheduler::Impl::EpollAdd(int fd, uint64_t key, uint32_t events) {
  epoll_event event = {};
  event.events = events;
  event.data.u64 = key;
  if (epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, fd, &event) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("unable to watch fd ", fd));
  }
  return OkStatus();
}

Scheduler::WatchId Scheduler::Impl::Insert(std::shared_ptr<Watch> watch) {
  const WatchId id = next_id_++;
  watches_.emplace(id, std::move(watch));
  return id;
}

std::shared_ptr<Watch> Scheduler::Impl::Find(WatchId id) const {
  auto it = watches_.find(id);
  return it == watches_.end() ? nullptr : it->second;
}

void Scheduler::Impl::Run(const std::shared_ptr<Watch>& watch) {
  ++dispatched_;
  watch->callback();
}

void Scheduler::Impl::Wake() {
  // A raw write: Stop must stay async-signal-safe. EAGAIN (counter full)
  // still leaves the eventfd readable, which is all that matters.
  const int saved_errno = errno;
  wakes_.fetch_add(1);
  const uint64_t one = 1;
  ssize_t ignored = write(wake_fd_.get(), &one, sizeof one);
  (void)ignored;
  if (waiting_on_signals_.load()) {
    syscall(SYS_tgkill, getpid(), loop_tid_, SIGCHLD);
  }
  errno = saved_errno;
}

void Scheduler::Impl::Cancel(WatchId id) {
  auto it = watches_.find(id);
  if (it == watches_.end()) return;
  std::shared_ptr<Watch> watch = std::move(it->second);
  watches_.erase(it);
  switch (watch->kind) {
    case Watch::Kind::kTimer:
      timer_queue_.erase({watch->deadline, id});
      break;
    case Watch::Kind::kSignal: {
      // Compacts signal_watches_ in place, releasing each signal of `id`.
      size_t kept = 0;
      for (const std::pair<int, WatchId>& entry : signal_watches_) {
        if (entry.second == id) {
          --signals_[entry.first].watches;
          ReleaseSignal(entry.first);
        } else {
          signal_watches_[kept++] = entry;
        }
      }
      signal_watches_.resize(kept);
      break;
    }
    case Watch::Kind::kRelay:
      EndRelay();
      break;
    case Watch::Kind::kExit:
      RemoveExitWatch(id, *watch);
      break;
    case Watch::Kind::kBeforeWait:
      before_wait_.erase(
          std::find(before_wait_.begin(), before_wait_.end(), id));
      break;
    case Watch::Kind::kReadable:
    case Watch::Kind::kWritable: {
      FdInterest& interest = fds_[watch->fd];
      auto& ids = watch->kind == Watch::Kind::kReadable ? interest.readers
                                                        : interest.writers;
      ids.erase(std::find(ids.begin(), ids.end(), id));
      // Failure leaves the fd in the epoll set with a stale mask; its events
      // find no watch and are ignored.
      UpdateFdInterest(watch->fd).IgnoreError();
      break;
    }
  }
}

size_t Scheduler::Impl::Pending() const {
  std::lock_guard<std::mutex> lock(interjections_mutex_);
  return watches_.size() + interjections_.size();
}

// ---------------------------------------------------------------------------
// Timers.

Scheduler::WatchId Scheduler::Impl::AddTimer(Duration delay, Duration period,
                                             Callback fn) {
  auto watch = std::make_shared<Watch>();
  watch->kind = Watch::Kind::kTimer;
  watch->callback = std::move(fn);
  watch->deadline = MonotonicNow() + std::max(delay, ZeroDuration());
  watch->period = period;
  const Duration deadline = watch->deadline;
  const WatchId id = Insert(std::move(watch));
  timer_queue_.emplace(deadline, id);
  return id;
}

// ArmTimer points the timerfd at the earliest pending timer, or disarms it.
Status Scheduler::Impl::ArmTimer() {
  std::optional<Duration> earliest;
  if (!timer_queue_.empty()) earliest = timer_queue_.begin()->first;
  if (earliest == armed_deadline_) return OkStatus();
  itimerspec spec = {};
  if (earliest) {
    // A zero it_value would disarm: the monotonic epoch is never due.
    spec.it_value = ToTimespec(std::max(*earliest, Nanoseconds(1)));
  }
  if (timerfd_settime(timer_fd_.get(), TFD_TIMER_ABSTIME, &spec, nullptr) !=
      0) {
    return ErrnoToStatus(errno, "unable to arm timerfd");
  }
  armed_deadline_ = earliest;
  return OkStatus();
}

// TimerDue: whether the earliest timer is due already (After with no delay,
// or a deadline passed during callbacks).
bool Scheduler::Impl::TimerDue() const {
  return !timer_queue_.empty() && timer_queue_.begin()->first <= MonotonicNow();
}

// RunDueTimers runs the timers due now, by (deadline, id). A repeating timer
// is requeued before it runs (so it may cancel itself), at most once per
// call: one that has fallen behind skips the missed periods. The timerfd is
// the caller's (Dispatch drains it when it fires).
void Scheduler::Impl::RunDueTimers() {
  const Duration now = MonotonicNow();
  std::vector<WatchId> due;
  while (!timer_queue_.empty() && timer_queue_.begin()->first <= now) {
    due.push_back(timer_queue_.begin()->second);
    timer_queue_.erase(timer_queue_.begin());
  }
  for (WatchId id : due) {
    std::shared_ptr<Watch> watch = Find(id);
    if (watch == nullptr) continue;  // cancelled by an earlier callback
    if (watch->period == ZeroDuration()) {
      watches_.erase(id);
    } else {
      watch->deadline += watch->period;
      if (watch->deadline <= now) watch->deadline = now + watch->period;
      timer_queue_.emplace(watch->deadline, id);
    }
    Run(watch);
  }
}

// ---------------------------------------------------------------------------
// Signals.

// PollSignalFd puts signal_fd_ in the epoll set or takes it out (see
// "Waiting on signals alone"): each signal sent to a process whose signalfd
// is polled runs the epoll callback in the sender's kill, so the loop keeps
// it out while it takes signals with rt_sigtimedwait.
Status Scheduler::Impl::PollSignalFd(bool polled) {
  if (polled == signal_fd_polled_) return OkStatus();
  if (polled) {
    FAULT_RETURN_IF_ERROR(
        EpollAdd(signal_fd_.get(), EpollKey(Source::kSignal, 0), EPOLLIN));
  } else if (epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, signal_fd_.get(),
                       nullptr) != 0) {
    return ErrnoToStatus(errno, "unable to stop polling signalfd");
  }
  signal_fd_polled_ = polled;
  return OkStatus();
}

Status Scheduler::Impl::UpdateSignalFd() {
  if (signalfd(signal_fd_.get(), &signal_mask_, 0) < 0) {
    return ErrnoToStatus(errno, "unable to update signalfd mask");
  }
  return OkStatus();
}

// HoldSignal: the first holder blocks `signo` and routes it to the signalfd.
Status Scheduler::Impl::HoldSignal(int signo) {
  SignalHold& hold = signals_[signo];
  if (hold.holders++ > 0) return OkStatus();
  sigset_t set = NoSignals(), old;
  AddSignal(&set, signo);
  int error = ChangeSignalMask(SIG_BLOCK, &set, &old);
  if (error != 0) {
    hold.holders = 0;
    return ErrnoToStatus(error, "unable to block signal");
  }
  hold.was_blocked = HasSignal(old, signo);
  AddSignal(&signal_mask_, signo);
  Status status = UpdateSignalFd();
  if (!status.ok()) ReleaseSignal(signo);
  return status;
}

// HoldSignals holds each of `signos`, or none of them.
Status Scheduler::Impl::HoldSignals(const std::vector<int>& signos) {
  for (size_t i = 0; i < signos.size(); ++i) {
    Status held = HoldSignal(signos[i]);
    if (!held.ok()) {
      while (i > 0) ReleaseSignal(signos[--i]);
      return held;
    }
  }
  return OkStatus();
}

// ReleaseSignal: the last holder undoes what the first one did.
void Scheduler::Impl::ReleaseSignal(int signo) {
  SignalHold& hold = signals_[signo];
  if (hold.holders == 0 || --hold.holders > 0) return;
  const bool was_blocked = hold.was_blocked;
  hold.was_blocked = false;
  RemoveSignal(&signal_mask_, signo);
  UpdateSignalFd().IgnoreError();  // removing a signal cannot fail
  if (!was_blocked) {
    sigset_t set = NoSignals();
    AddSignal(&set, signo);
    ChangeSignalMask(SIG_UNBLOCK, &set, nullptr);
  }
}

StatusOr<Scheduler::WatchId> Scheduler::Impl::OnSignals(
    const std::vector<int>& signos, SignalCallback fn) {
  for (int signo : signos) {
    sigset_t probe = NoSignals();
    if (signo == SIGKILL || signo == SIGSTOP || !AddSignal(&probe, signo)) {
      return InvalidArgumentError(absl::StrCat("unable to watch signal ", signo,
                                               ": not a signal that "
                                               "can be caught"));
    }
    const size_t listed = std::count(signos.begin(), signos.end(), signo);
    if (signals_[signo].watches + listed > kMaxSignalWatches) {
      return ResourceExhaustedError(
          absl::StrCat("unable to watch signal ", signo, ": ",
                       kMaxSignalWatches, " watches of one signal at most"));
    }
  }
  FAULT_RETURN_IF_ERROR(HoldSignals(signos));
  auto watch = std::make_shared<Watch>();
  watch->kind = Watch::Kind::kSignal;
  watch->signal_callback = std::move(fn);
  const WatchId id = Insert(std::move(watch));
  // Exactly what the first watch needs (container mode's one watch of some
  // 50 signals: one allocation), and geometric growth after it: an exact
  // reserve on each call would copy the whole vector on each.
  const size_t needed = signal_watches_.size() + signos.size();
  if (needed > signal_watches_.capacity()) {
    signal_watches_.reserve(std::max(needed, 2 * signal_watches_.size()));
  }
  for (int signo : signos) {
    signal_watches_.emplace_back(signo, id);
    ++signals_[signo].watches;
  }
  return id;
}

// Signals taken per read(2): standard signals coalesce, so one wake-up
// rarely has more than a few pending; a full batch is followed by another
// read. 8 (1 KB) rather than more: the buffer is on the loop's stack, which
// PID 1 keeps resident at its deepest.
constexpr size_t kSignalBatch = 8;

// HandleSignals reads every pending signal, dispatching each batch read to
// the watches of its signals, then, if SIGCHLD was among them, reaps. A
// read that does not fill the buffer took every pending signal (signalfd
// dequeues until none is left), so the usual wake-up makes one read(2), not
// a second one to see EAGAIN: an orphan storm wakes the loop per exit.
Status Scheduler::Impl::HandleSignals() {
  signalfd_siginfo buffer[kSignalBatch];
  bool child_exited = false;
  for (;;) {
    ssize_t n = read(signal_fd_.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      return ErrnoToStatus(errno, "unable to read signalfd");
    }
    const size_t count = static_cast<size_t>(n) / sizeof buffer[0];
    child_exited |= DispatchSignals(buffer, count);
    if (count < sizeof buffer / sizeof buffer[0]) break;
  }
  if (child_exited) ReapChildren();
  return OkStatus();
}

bool Scheduler::Impl::DispatchSignals(const signalfd_siginfo* buffer,
                                      size_t count) {
  bool child_exited = false;
  for (size_t i = 0; i < count; ++i) {
    if (buffer[i].ssi_signo == SIGCHLD) {
      child_exited = true;
      // Wake's signal to a loop waiting on signals alone: not an event.
      if (buffer[i].ssi_code == SI_TKILL &&
          static_cast<pid_t>(buffer[i].ssi_pid) == getpid()) {
        continue;
      }
    } else if (Relay(static_cast<int>(buffer[i].ssi_signo))) {
      continue;
    }
    DispatchSignal(buffer[i]);
  }
  return child_exited;
}

bool Scheduler::Impl::CanWaitOnSignalsAlone(Duration deadline) const {
  return deadline == InfiniteDuration() && orphan_reaper_ != nullptr &&
         !reap_requested_ && fds_.empty() && timer_queue_.empty() &&
         exit_watches_.size() == watches_without_pidfd_.size();
}

// WaitOnSignalsAlone: see "Waiting on signals alone" in the design note.
Status Scheduler::Impl::WaitOnSignalsAlone() {
  if (loop_tid_ == 0 || !pthread_equal(loop_thread_, pthread_self())) {
    loop_thread_ = pthread_self();
    loop_tid_ = static_cast<pid_t>(syscall(SYS_gettid));
  }
  siginfo_t info;
  int signo = 0;
  waiting_on_signals_.store(true);
  while (wakes_.load() == wakes_seen_) {
    signo = TakeSignal(signal_mask_, &info);
    if (signo <= 0 || !Relay(signo)) break;
    signo = 0;  // relayed: not an event, the wait goes on
  }
  waiting_on_signals_.store(false);
  if (signo < 0 && signo != -EINTR) {
    return ErrnoToStatus(-signo, "unable to wait for signals");
  }
  bool child_exited = false;
  if (signo > 0) {
    const signalfd_siginfo taken = ToSignalfdSiginfo(info);
    child_exited = DispatchSignals(&taken, 1);
  }
  if (child_exited) ReapChildren();
  if (wakes_.load() != wakes_seen_) HandleWake();
  return OkStatus();
}

StatusOr<Scheduler::WatchId> Scheduler::Impl::RelaySignals(
    const std::vector<int>& signos, pid_t target,
    const std::map<int, int>& rewrite) {
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
  if (signos.empty()) {
    return InvalidArgumentError("unable to relay signals: none listed");
  }
  auto relay = std::make_unique<SignalRelay>();
  relay->target = target;
  for (int taken : signos) {
    auto rewritten = rewrite.find(taken);
    const int sent = rewritten == rewrite.end() ? taken : rewritten->second;
    sigset_t probe = NoSignals();
    if (taken == SIGKILL || taken == SIGSTOP || taken == SIGCHLD ||
        !AddSignal(&probe, taken)) {
      return InvalidArgumentError(
          absl::StrCat("unable to relay signal ", taken,
                       ": not a signal that can be relayed"));
    }
    if (sent <= 0 || sent >= NSIG) {
      return InvalidArgumentError(absl::StrCat("unable to relay signal ", taken,
                                               " as ", sent, ": not a signal"));
    }
    if (relay->sent[taken] != 0) {
      return InvalidArgumentError(
          absl::StrCat("unable to relay signal ", taken, ": listed twice"));
    }
    relay->sent[taken] = static_cast<uint8_t>(sent);
  }
  FAULT_RETURN_IF_ERROR(HoldSignals(signos));
  auto watch = std::make_shared<Watch>();
  watch->kind = Watch::Kind::kRelay;
  relay_ = std::move(relay);
  return Insert(std::move(watch));
}

// EndRelay releases the relay's signals and drops it.
void Scheduler::Impl::EndRelay() {
  if (relay_ == nullptr) return;
  for (int signo = 1; signo < NSIG; ++signo) {
    if (relay_->sent[signo] != 0) ReleaseSignal(signo);
  }
  relay_.reset();
}

bool Scheduler::Impl::Relay(int signo) {
  if (relay_ == nullptr || signo <= 0 || signo >= NSIG) return false;
  const int sent = relay_->sent[signo];
  if (sent == 0) return false;
  // A failure is ESRCH (the target has just exited): nothing to do.
  kill(relay_->target, sent);
  return true;
}

void Scheduler::Impl::DispatchSignal(const signalfd_siginfo& info) {
  // A copy, as callbacks may change the watches; on the stack, as a signal
  // has one watch or few.
  absl::InlinedVector<WatchId, 4> ids;
  const int signo = static_cast<int>(info.ssi_signo);
  if (signo <= 0 || signo >= NSIG) return;
  int left = signals_[signo].watches;  // the scan ends at the last one
  for (auto it = signal_watches_.begin();
       left > 0 && it != signal_watches_.end(); ++it) {
    if (it->first == signo) {
      ids.push_back(it->second);
      --left;
    }
  }
  for (WatchId id : ids) {
    std::shared_ptr<Watch> watch = Find(id);
    if (watch == nullptr) continue;
    ++dispatched_;
    watch->signal_callback(info);
  }
}

// ---------------------------------------------------------------------------
// Processes.

// CheckWatchable fails unless `pid` is a process id not watched yet.
Status Scheduler::Impl::CheckWatchable(pid_t pid) {
  if (pid <= 0) {
    return InvalidArgumentError(
        absl::StrCat("unable to watch process ", pid, ": not a process id"));
  }
  if (exit_watches_.count(pid) != 0) {
    return InvalidArgumentError(
        absl::StrCat("unable to watch process ", pid, ": already watched"));
  }
  return OkStatus();
}

// CheckUnreapedChild fails unless `pid` is an unreaped child of ours.
Status Scheduler::Impl::CheckUnreapedChild(pid_t pid) {
  FAULT_RETURN_IF_ERROR(CheckWatchable(pid));
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

StatusOr<Scheduler::WatchId> Scheduler::Impl::OnExit(pid_t pid,
                                                     ExitCallback fn) {
  FAULT_RETURN_IF_ERROR(CheckUnreapedChild(pid));
  UniqueFd pidfd;
  if (pidfds_available_ && (orphan_reaper_ == nullptr || kernel_reaps_)) {
    pidfd = OpenPidfd(pid);
    if (!pidfd) {
      if (errno != ENOSYS) {
        return ErrnoToStatus(errno,
                             absl::StrCat("unable to open pidfd of ", pid));
      }
      pidfds_available_ = false;
    }
  }
  if (kernel_reaps_ && !pidfd) {  // only where seccomp denies pidfd_open
    return UnavailableError(absl::StrCat(
        "unable to watch process ", pid,
        ": no pidfd, and the kernel reaps children (SIGCHLD ignored)"));
  }
  return AddExitWatch(pid, std::move(pidfd), std::move(fn));
}

StatusOr<Scheduler::WatchId> Scheduler::Impl::OnExit(pid_t pid, UniqueFd pidfd,
                                                     ExitCallback fn) {
  if (!pidfd) return OnExit(pid, std::move(fn));
  FAULT_RETURN_IF_ERROR(CheckWatchable(pid));
  return AddExitWatch(pid, std::move(pidfd), std::move(fn));
}

// AddExitWatch watches `pid` through `pidfd`, or through SIGCHLD when it
// is invalid.
StatusOr<Scheduler::WatchId> Scheduler::Impl::AddExitWatch(pid_t pid,
                                                           UniqueFd pidfd,
                                                           ExitCallback fn) {
  auto watch = std::make_shared<Watch>();
  watch->kind = Watch::Kind::kExit;
  watch->exit_callback = std::move(fn);
  watch->pid = pid;
  watch->pidfd = std::move(pidfd);
  const WatchId id = next_id_;
  if (watch->pidfd) {
    FAULT_RETURN_IF_ERROR(
        EpollAdd(watch->pidfd.get(), EpollKey(Source::kExit, id), EPOLLIN));
  } else {
    FAULT_RETURN_IF_ERROR(HoldSignal(SIGCHLD));
    watches_without_pidfd_.insert(id);
    // The child may have exited before SIGCHLD was blocked, its signal lost.
    reap_requested_ = true;
    Wake();
  }
  Insert(std::move(watch));
  exit_watches_.emplace(pid, id);
  return id;
}

// RemoveExitWatch undoes the bookkeeping of an exit watch already erased
// from watches_ (closing its pidfd also removes it from the epoll set).
void Scheduler::Impl::RemoveExitWatch(WatchId id, Watch& watch) {
  exit_watches_.erase(watch.pid);
  if (watches_without_pidfd_.erase(id) != 0) ReleaseSignal(SIGCHLD);
  watch.pidfd.Reset();
}

// ReportExit runs an exit watch's callback, once: the watch goes first.
void Scheduler::Impl::ReportExit(WatchId id, const ExitStatus& status) {
  auto it = watches_.find(id);
  if (it == watches_.end()) return;
  std::shared_ptr<Watch> watch = std::move(it->second);
  watches_.erase(it);
  RemoveExitWatch(id, *watch);
  ExitCallback fn = std::move(watch->exit_callback);
  ++dispatched_;
  fn(status);
}

void Scheduler::Impl::HandlePidfd(WatchId id) {
  std::shared_ptr<Watch> watch = Find(id);
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
    Cancel(id);
  }
}

// ReapChildren: with an orphan reaper, ReapAll's waitid(P_ALL) loop reaps
// every exited child, watched ones included, so the per-pid pass is needed
// only without one (or once a callback has dropped it).
void Scheduler::Impl::ReapChildren() {
  if (orphan_reaper_ != nullptr) ReapAll();
  if (orphan_reaper_ == nullptr && !watches_without_pidfd_.empty()) {
    ReapWatchedWithoutPidfd();
  }
}

// ReapAll reaps every exited child: one SIGCHLD may stand for many exits.
void Scheduler::Impl::ReapAll() {
  while (orphan_reaper_ != nullptr) {
    siginfo_t info;
    if (WaitNoHang(P_ALL, 0, &info) != 0 || info.si_pid == 0) return;
    auto watched = exit_watches_.find(info.si_pid);
    if (watched != exit_watches_.end()) {
      ReportExit(watched->second, ExitStatus::FromSiginfo(info));
    } else {
      std::shared_ptr<ExitCallback> reaper = orphan_reaper_;
      ++dispatched_;
      (*reaper)(ExitStatus::FromSiginfo(info));
      if (switch_on_orphan_ && orphan_reaper_ == reaper) {
        SwitchToKernelReaping();
      }
    }
  }
}

void Scheduler::Impl::ReapWatchedWithoutPidfd() {
  const std::vector<WatchId> ids(watches_without_pidfd_.begin(),
                                 watches_without_pidfd_.end());
  for (WatchId id : ids) {
    std::shared_ptr<Watch> watch = Find(id);
    if (watch == nullptr) continue;
    siginfo_t info;
    int error = WaitNoHang(P_PID, static_cast<id_t>(watch->pid), &info);
    if (error == 0 && info.si_pid != 0) {
      ReportExit(id, ExitStatus::FromSiginfo(info));
    } else if (error == ECHILD) {
      Cancel(id);  // reaped behind our back, as in HandlePidfd
    }
  }
}

Status Scheduler::Impl::ReapOrphans(ExitCallback fn, OrphanReaping how) {
  switch_on_orphan_ = false;
  if (fn == nullptr) {
    SetKernelReaping(false);
    if (orphan_reaper_ != nullptr) {
      orphan_reaper_.reset();
      ReleaseSignal(SIGCHLD);
    }
    return OkStatus();
  }
  if (orphan_reaper_ == nullptr) FAULT_RETURN_IF_ERROR(HoldSignal(SIGCHLD));
  orphan_reaper_ = std::make_shared<ExitCallback>(std::move(fn));
  // Every exit watch needs a pidfd before the kernel may reap.
  SetKernelReaping(how == Scheduler::OrphanReaping::kByKernel &&
                   watches_without_pidfd_.empty() && ReapedExitsAvailable());
  switch_on_orphan_ =
      how == Scheduler::OrphanReaping::kByKernelFromFirstOrphan &&
      pidfds_available_ && ReapedExitsAvailable();
  // Children that exited before SIGCHLD was blocked (or while it was
  // ignored and they were being watched) left no signal.
  reap_requested_ = true;
  Wake();
  return OkStatus();
}

// SwitchToKernelReaping: see kByKernelFromFirstOrphan in the design note.
void Scheduler::Impl::SwitchToKernelReaping() {
  switch_on_orphan_ = false;
  std::vector<std::pair<WatchId, UniqueFd>> moves;
  for (WatchId id : watches_without_pidfd_) {
    std::shared_ptr<Watch> watch = Find(id);
    if (watch == nullptr) continue;
    UniqueFd pidfd = OpenPidfd(watch->pid);
    if (!pidfd) return;  // stay with kReport
    moves.emplace_back(id, std::move(pidfd));
  }
  for (auto& [id, pidfd] : moves) {
    std::shared_ptr<Watch> watch = Find(id);
    if (!EpollAdd(pidfd.get(), EpollKey(Source::kExit, id), EPOLLIN).ok()) {
      continue;  // still reported through SIGCHLD: kReport stays
    }
    watch->pidfd = std::move(pidfd);
    watches_without_pidfd_.erase(id);
    ReleaseSignal(SIGCHLD);
  }
  SetKernelReaping(watches_without_pidfd_.empty());
}

// SetKernelReaping ignores SIGCHLD (on), or restores the disposition it had
// (off). sigaction cannot fail for SIGCHLD with a valid action.
void Scheduler::Impl::SetKernelReaping(bool on) {
  if (on == kernel_reaps_) return;
  if (on) {
    struct sigaction ignore = {};
    ignore.sa_handler = SIG_IGN;
    (void)ChangeDisposition(SIGCHLD, &ignore, &saved_sigchld_);
  } else {
    (void)ChangeDisposition(SIGCHLD, &saved_sigchld_, nullptr);
  }
  kernel_reaps_ = on;
}

// ---------------------------------------------------------------------------
// Fds.

StatusOr<Scheduler::WatchId> Scheduler::Impl::OnFd(int fd, Watch::Kind kind,
                                                   Callback fn) {
  FdInterest& interest = fds_[fd];
  auto& ids =
      kind == Watch::Kind::kReadable ? interest.readers : interest.writers;
  const WatchId id = next_id_;
  ids.push_back(id);
  Status status = UpdateFdInterest(fd);
  if (!status.ok()) {
    ids.pop_back();
    UpdateFdInterest(fd).IgnoreError();
    return status;
  }
  auto watch = std::make_shared<Watch>();
  watch->kind = kind;
  watch->callback = std::move(fn);
  watch->fd = fd;
  Insert(std::move(watch));
  return id;
}

// UpdateFdInterest makes the epoll entry of `fd` match its watches: added,
// modified, or removed when none is left.
Status Scheduler::Impl::UpdateFdInterest(int fd) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return OkStatus();
  const FdInterest& interest = it->second;
  uint32_t events = 0;
  if (!interest.readers.empty()) events |= EPOLLIN;
  if (!interest.writers.empty()) events |= EPOLLOUT;
  epoll_event event = {};
  event.events = events;
  event.data.u64 = EpollKey(Source::kFd, static_cast<uint64_t>(fd));
  int op = EPOLL_CTL_MOD;
  if (events == 0) {
    op = EPOLL_CTL_DEL;
    fds_.erase(it);
  }
  if (epoll_ctl(epoll_fd_.get(), op, fd, &event) == 0) return OkStatus();
  if (op == EPOLL_CTL_MOD && errno == ENOENT &&
      epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, fd, &event) == 0) {
    return OkStatus();
  }
  return ErrnoToStatus(errno, absl::StrCat("unable to watch fd ", fd));
}

void Scheduler::Impl::DispatchFd(int fd, uint32_t events) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return;
  // Copies: the callbacks may change the interest of this fd.
  const std::vector<WatchId> readers = it->second.readers;
  const std::vector<WatchId> writers = it->second.writers;
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) RunFdWatches(readers);
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) RunFdWatches(writers);
}

void Scheduler::Impl::RunFdWatches(const std::vector<WatchId>& ids) {
  for (WatchId id : ids) {
    if (id >= batch_first_new_id_) continue;  // the event is not for it
    std::shared_ptr<Watch> watch = Find(id);
    if (watch != nullptr) Run(watch);
  }
}

// ---------------------------------------------------------------------------
// Wake-ups, the loop.

void Scheduler::Impl::Interject(Callback fn) {
  {
    std::lock_guard<std::mutex> lock(interjections_mutex_);
    interjections_.push_back(std::move(fn));
  }
  Wake();
}

void Scheduler::Impl::Stop() {
  stop_.store(true);
  stops_.fetch_add(1);
  Wake();
}

// HandleWake runs a requested reap, then the interjections queued so far;
// those queued meanwhile wait for the next wake-up (the eventfd is set).
void Scheduler::Impl::HandleWake() {
  wakes_seen_ = wakes_.load();
  DrainCounter(wake_fd_.get());
  if (reap_requested_) {
    reap_requested_ = false;
    ReapChildren();
  }
  std::vector<Callback> queued;
  {
    std::lock_guard<std::mutex> lock(interjections_mutex_);
    queued.swap(interjections_);
  }
  for (Callback& fn : queued) {
    ++dispatched_;
    fn();
  }
}

Status Scheduler::Impl::Dispatch(const epoll_event* events, int count) {
  for (int i = 0; i < count; ++i) {
    const uint64_t key = events[i].data.u64;
    switch (KeySource(key)) {
      case Source::kTimer:
        DrainCounter(timer_fd_.get());
        armed_deadline_.reset();  // an absolute one-shot timerfd disarms
        timer_fired_ = true;      // RunOnce runs the timers after the batch
        break;
      case Source::kWake:
        HandleWake();
        break;
      case Source::kSignal:
        FAULT_RETURN_IF_ERROR(HandleSignals());
        break;
      case Source::kFd:
        DispatchFd(static_cast<int>(KeyValue(key)), events[i].events);
        break;
      case Source::kExit:
        HandlePidfd(KeyValue(key));
        break;
    }
  }
  return OkStatus();
}

Scheduler::WatchId Scheduler::Impl::BeforeWait(Callback fn) {
  auto watch = std::make_shared<Watch>();
  watch->kind = Watch::Kind::kBeforeWait;
  watch->callback = std::move(fn);
  const WatchId id = Insert(std::move(watch));
  before_wait_.push_back(id);
  return id;
}

// RunBeforeWait runs the hooks present when it starts, each looked up
// again first (one may cancel another). Not counted in dispatched_: a hook
// is not an event.
void Scheduler::Impl::RunBeforeWait() {
  if (before_wait_.empty()) return;
  const std::vector<WatchId> ids = before_wait_;
  for (WatchId id : ids) {
    if (std::shared_ptr<Watch> watch = Find(id)) watch->callback();
  }
}

Status Scheduler::Impl::RunOnce(Duration deadline) {
  const uint64_t dispatched_before = dispatched_;
  const uint32_t stops_before = stops_.load();
  // 16 events per wait: level-triggered, any left over are reported by the
  // next epoll_wait; more would only deepen the stack PID 1 sleeps on.
  epoll_event events[kEpollBatch];
  for (;;) {
    RunBeforeWait();
    // A timer due already runs without the timerfd (arming it, waiting for
    // it, reading it: three system calls): an epoll_wait that does not
    // block takes what else is ready, so a chain of zero-delay timers
    // starves no fd, then the timers run.
    const bool timer_due = TimerDue();
    if (!timer_due) FAULT_RETURN_IF_ERROR(ArmTimer());
    if (!timer_due && CanWaitOnSignalsAlone(deadline)) {
      FAULT_RETURN_IF_ERROR(PollSignalFd(false));
      FAULT_RETURN_IF_ERROR(WaitOnSignalsAlone());
      if (dispatched_ != dispatched_before || stops_.load() != stops_before) {
        return OkStatus();
      }
      continue;
    }
    FAULT_RETURN_IF_ERROR(PollSignalFd(true));
    const int count = epoll_wait(epoll_fd_.get(), events, kEpollBatch,
                                 timer_due ? 0 : EpollTimeout(deadline));
    if (count < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, "unable to wait for events");
    }
    batch_first_new_id_ = next_id_;
    FAULT_RETURN_IF_ERROR(Dispatch(events, count));
    const bool timer_fired = std::exchange(timer_fired_, false);
    if (timer_due || timer_fired) RunDueTimers();
    // Wake-ups that ran nothing (a Stop, a timer cancelled meanwhile) do
    // not count as events.
    if (dispatched_ != dispatched_before || stops_.load() != stops_before ||
        MonotonicNow() >= deadline) {
      return OkStatus();
    }
  }
}

Status Scheduler::Impl::Run() {
  while (!stop_.exchange(false)) {
    FAULT_RETURN_IF_ERROR(RunOnce(InfiniteDuration()));
  }
  return OkStatus();
}

// ---------------------------------------------------------------------------
// Scheduler: forwards to Impl.

Scheduler::Scheduler() = default;
Scheduler::~Scheduler() = default;

StatusOr<std::unique_ptr<Scheduler>> Scheduler::Create() {
  FAULT_ASSIGN_OR_RETURN(std::unique_ptr<Impl> impl, Impl::Create());
  std::unique_ptr<Scheduler> scheduler(new Scheduler());
  scheduler->impl_ = std::move(impl);
  return scheduler;
}

Scheduler::WatchId Scheduler::After(Duration delay, Callback fn) {
  return impl_->AddTimer(delay, ZeroDuration(), std::move(fn));
}

Scheduler::WatchId Scheduler::Every(Duration period, Callback fn) {
  period = std::max(period, Nanoseconds(1));
  return impl_->AddTimer(period, period, std::move(fn));
}

StatusOr<Scheduler::WatchId> Scheduler::OnSignal(int signo, SignalCallback fn) {
  return impl_->OnSignals({signo}, std::move(fn));
}

StatusOr<Scheduler::WatchId> Scheduler::OnSignals(
    const std::vector<int>& signos, SignalCallback fn) {
  return impl_->OnSignals(signos, std::move(fn));
}

StatusOr<Scheduler::WatchId> Scheduler::RelaySignals(
    const std::vector<int>& signos, pid_t target,
    const std::map<int, int>& rewrite) {
  return impl_->RelaySignals(signos, target, rewrite);
}

StatusOr<Scheduler::WatchId> Scheduler::OnExit(pid_t pid, ExitCallback fn) {
  return impl_->OnExit(pid, std::move(fn));
}

StatusOr<Scheduler::WatchId> Scheduler::OnExit(pid_t pid, UniqueFd pidfd,
                                               ExitCallback fn) {
  return impl_->OnExit(pid, std::move(pidfd), std::move(fn));
}

Status Scheduler::ReapOrphans(ExitCallback fn, OrphanReaping how) {
  return impl_->ReapOrphans(std::move(fn), how);
}

bool Scheduler::KernelReapsOrphans() const {
  return impl_->KernelReapsOrphans();
}

StatusOr<Scheduler::WatchId> Scheduler::OnReadable(int fd, Callback fn) {
  return impl_->OnFd(fd, Watch::Kind::kReadable, std::move(fn));
}

StatusOr<Scheduler::WatchId> Scheduler::OnWritable(int fd, Callback fn) {
  return impl_->OnFd(fd, Watch::Kind::kWritable, std::move(fn));
}

Scheduler::WatchId Scheduler::BeforeWait(Callback fn) {
  return impl_->BeforeWait(std::move(fn));
}
void Scheduler::Cancel(WatchId id) { impl_->Cancel(id); }
void Scheduler::Interject(Callback fn) { impl_->Interject(std::move(fn)); }
Status Scheduler::RunOnce(Duration deadline) {
  return impl_->RunOnce(deadline);
}
Status Scheduler::Run() { return impl_->Run(); }
void Scheduler::Stop() { impl_->Stop(); }
size_t Scheduler::Pending() const { return impl_->Pending(); }

Scheduler& Scheduling() {
  static std::unique_ptr<Scheduler> scheduler = [] {
    StatusOr<std::unique_ptr<Scheduler>> created = Scheduler::Create();
    if (!created.ok()) {
      WriteString(STDERR_FILENO,
                  absl::StrCat("fault: fatal: unable to create the scheduler: ",
                               created.status().message(), "\n"));
      abort();
    }
    return std::move(created).value();
  }();
  return *scheduler;
}

}  // namespace fault
