#include "runtime/timeout.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <limits>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "runtime/abort.h"
#include "runtime/signal_state.h"

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

namespace fault {
namespace {

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
constexpr int64_t kNanosPerSecond = 1000000000;
// After expiry, SIGALRM is sent again this often until the scope ends.
constexpr int64_t kRefireNanos = 1000000;

// ThreadState: one thread's scopes and timer. Trivially constructible and
// destructible, and initial-exec TLS, so the signal handler may read it.
struct ThreadState {
  // The innermost scope's flag; read by the signal handler.
  std::atomic<std::atomic<bool>*> innermost_fired;
  ScopedTimeout* innermost;  // Only touched by the owning thread.
  timer_t timer;
  bool timer_created;
  bool alarm_was_blocked;  // SIGALRM's state in the mask before the scopes.
  int timer_error;         // timer_create's errno, or 0.
};

thread_local ThreadState t_state __attribute__((tls_model("initial-exec")));

// Process-wide: how many threads have a scope, and the SIGALRM disposition
// to restore when none has. g_previous is written only while g_users is 0
// (before the handler is installed), so the handler may read it.
std::mutex g_mu;
int g_users = 0;  // Guarded by g_mu.
struct sigaction g_previous;

int64_t MonotonicNanos() {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * kNanosPerSecond + now.tv_nsec;
}

int64_t DeadlineAfter(Duration limit) {
  const int64_t now = MonotonicNanos();
  const int64_t limit_ns = ToInt64Nanoseconds(limit);  // Saturates.
  if (limit_ns >= kNever - now) return kNever;
  if (limit_ns <= std::numeric_limits<int64_t>::min() + now) return 0;
  return now + limit_ns;
}

void ForwardToPrevious(int signo, siginfo_t* info, void* context) {
  if (g_previous.sa_flags & SA_SIGINFO) {
    if (g_previous.sa_sigaction != nullptr) {
      g_previous.sa_sigaction(signo, info, context);
    }
  } else if (g_previous.sa_handler != SIG_DFL &&
             g_previous.sa_handler != SIG_IGN) {
    g_previous.sa_handler(signo);
  }
}

// OnAlarm marks the innermost scope of the receiving thread expired when
// the signal comes from that thread's scope timer. Async-signal-safe.
void OnAlarm(int signo, siginfo_t* info, void* context) {
  const int saved_errno = errno;
  std::atomic<bool>* fired = t_state.innermost_fired.load();
  if (fired != nullptr && info != nullptr && info->si_code == SI_TIMER &&
      info->si_value.sival_ptr == &t_state) {
    fired->store(true);
  } else {
    ForwardToPrevious(signo, info, context);
  }
  errno = saved_errno;
}

void AcquireHandler() {
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_users++ > 0) return;
  struct sigaction action = {};
  action.sa_sigaction = &OnAlarm;
  action.sa_flags = SA_SIGINFO;  // No SA_RESTART: blocking calls get EINTR.
  sigemptyset(&action.sa_mask);
  ChangeDisposition(SIGALRM, &action, &g_previous);
}

void ReleaseHandler() {
  std::lock_guard<std::mutex> lock(g_mu);
  if (--g_users > 0) return;
  ChangeDisposition(SIGALRM, &g_previous, nullptr);
}

// BeginThread prepares the calling thread for its outermost scope.
void BeginThread() {
  AcquireHandler();
  sigset_t alarm, previous;
  sigemptyset(&alarm);
  sigaddset(&alarm, SIGALRM);
  pthread_sigmask(SIG_UNBLOCK, &alarm, &previous);
  t_state.alarm_was_blocked = sigismember(&previous, SIGALRM) == 1;

  struct sigevent event = {};
  event.sigev_notify = SIGEV_THREAD_ID;
  event.sigev_signo = SIGALRM;
  event.sigev_value.sival_ptr = &t_state;
  event.sigev_notify_thread_id = static_cast<pid_t>(syscall(SYS_gettid));
  t_state.timer_created =
      timer_create(CLOCK_MONOTONIC, &event, &t_state.timer) == 0;
  t_state.timer_error = t_state.timer_created ? 0 : errno;
}

// EndThread undoes BeginThread when the outermost scope ends.
void EndThread() {
  if (t_state.timer_created) {
    timer_delete(t_state.timer);
    t_state.timer_created = false;
  }
  if (t_state.alarm_was_blocked) {
    sigset_t alarm;
    sigemptyset(&alarm);
    sigaddset(&alarm, SIGALRM);
    pthread_sigmask(SIG_BLOCK, &alarm, nullptr);
  }
  ReleaseHandler();
}

// Arm sets the thread's timer to fire at `deadline` and every kRefireNanos
// after it; kNever disarms it.
void Arm(int64_t deadline) {
  if (!t_state.timer_created) return;
  struct itimerspec spec = {};
  if (deadline != kNever) {
    if (deadline <= 0) deadline = 1;  // {0, 0} would disarm.
    spec.it_value.tv_sec = static_cast<time_t>(deadline / kNanosPerSecond);
    spec.it_value.tv_nsec = static_cast<long>(deadline % kNanosPerSecond);
    spec.it_interval.tv_sec = 0;
    spec.it_interval.tv_nsec = kRefireNanos;
  }
  // Fails only for an invalid timer: in a forked child, which has no timers.
  timer_settime(t_state.timer, TIMER_ABSTIME, &spec, nullptr);
}

[[noreturn]] void DieOutOfOrder() {
  static const char kMessage[] =
      "fault: fatal: ScopedTimeout ended out of order (not the innermost "
      "scope of its thread)\n";
  ssize_t ignored = write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
  (void)ignored;
  Abort();
}

}  // namespace

ScopedTimeout::ScopedTimeout(Duration limit)
    : deadline_ns_(DeadlineAfter(limit)), outer_(t_state.innermost) {
  if (outer_ == nullptr) {
    BeginThread();
  } else if (outer_->deadline_ns_ < deadline_ns_) {
    deadline_ns_ = outer_->deadline_ns_;
  }
  if (!t_state.timer_created) {
    status_ = ErrnoToStatus(t_state.timer_error,
                            "unable to create the timeout's timer");
  }
  t_state.innermost = this;
  t_state.innermost_fired.store(&fired_);
  Arm(deadline_ns_);
}

ScopedTimeout::~ScopedTimeout() {
  if (t_state.innermost != this) DieOutOfOrder();
  // A signal already sent is delivered on return from this call, while this
  // scope is still the innermost.
  Arm(kNever);
  t_state.innermost = outer_;
  t_state.innermost_fired.store(outer_ != nullptr ? &outer_->fired_ : nullptr);
  if (outer_ != nullptr) {
    Arm(outer_->deadline_ns_);
  } else {
    EndThread();
  }
}

bool ScopedTimeout::expired() const {
  if (fired_.load()) return true;
  return deadline_ns_ != kNever && MonotonicNanos() >= deadline_ns_;
}

}  // namespace fault
