#include "runtime/timeout.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "gtest/gtest.h"
#include "runtime/duration.h"
#include "runtime/fd.h"

namespace fault {
namespace {

// Elapsed time on CLOCK_MONOTONIC since construction.
class Stopwatch {
 public:
  Stopwatch() : start_(Now()) {}
  fault::Duration elapsed() const { return Now() - start_; }

 private:
  static fault::Duration Now() { return fault::MonotonicNow(); }
  fault::Duration start_;
};

// ReadOne reads one byte; returns read(2)'s result, with errno in `error`.
ssize_t ReadOne(int fd, int* error) {
  char byte;
  errno = 0;
  ssize_t n = read(fd, &byte, 1);
  *error = errno;
  return n;
}

Pipe MustMakePipe() {
  StatusOr<Pipe> pipe = MakePipe();
  EXPECT_TRUE(pipe.ok()) << pipe.status().ToString();
  return std::move(pipe).value();
}

bool AlarmBlocked() {
  sigset_t mask;
  pthread_sigmask(SIG_BLOCK, nullptr, &mask);
  return sigismember(&mask, SIGALRM) == 1;
}

// A blocking read on an empty pipe fails with EINTR once the limit passes,
// and the scope reports expired.
TEST(ScopedTimeout, InterruptsBlockingRead) {
  Pipe pipe = MustMakePipe();
  Stopwatch stopwatch;
  ScopedTimeout timeout(fault::Milliseconds(50));
  EXPECT_TRUE(timeout.status().ok()) << timeout.status().ToString();
  int error;
  EXPECT_EQ(ReadOne(pipe.read.get(), &error), -1);
  EXPECT_EQ(error, EINTR);
  EXPECT_TRUE(timeout.expired());
  EXPECT_GE(stopwatch.elapsed(), fault::Milliseconds(50));
}

// Work that finishes before the limit is not interrupted and the scope does
// not report expired.
TEST(ScopedTimeout, NoExpiryWhenWorkFinishesEarly) {
  Pipe pipe = MustMakePipe();
  ScopedTimeout timeout(fault::Seconds(5));
  ASSERT_EQ(write(pipe.write.get(), "x", 1), 1);
  int error;
  EXPECT_EQ(ReadOne(pipe.read.get(), &error), 1);
  EXPECT_FALSE(timeout.expired());
}

// An inner scope cannot extend the outer limit: a long inner scope inside a
// short outer one is interrupted at the outer deadline, and both expire.
TEST(ScopedTimeout, InnerCannotExtendOuter) {
  Pipe pipe = MustMakePipe();
  Stopwatch stopwatch;
  ScopedTimeout outer(fault::Milliseconds(50));
  {
    ScopedTimeout inner(fault::Seconds(5));
    int error;
    EXPECT_EQ(ReadOne(pipe.read.get(), &error), -1);
    EXPECT_EQ(error, EINTR);
    EXPECT_TRUE(inner.expired());
  }
  EXPECT_TRUE(outer.expired());
  EXPECT_LT(stopwatch.elapsed(), fault::Seconds(2));
}

// A shorter inner scope fires first; the outer continues unexpired, its
// timer is re-armed, and it interrupts at its own deadline.
TEST(ScopedTimeout, InnerExpiresFirstOuterContinues) {
  Pipe pipe = MustMakePipe();
  Stopwatch stopwatch;
  ScopedTimeout outer(fault::Seconds(2));
  int error;
  {
    ScopedTimeout inner(fault::Milliseconds(50));
    EXPECT_EQ(ReadOne(pipe.read.get(), &error), -1);
    EXPECT_EQ(error, EINTR);
    EXPECT_TRUE(inner.expired());
  }
  EXPECT_FALSE(outer.expired());

  ASSERT_EQ(write(pipe.write.get(), "x", 1), 1);
  EXPECT_EQ(ReadOne(pipe.read.get(), &error), 1);  // Not interrupted.
  EXPECT_FALSE(outer.expired());

  EXPECT_EQ(ReadOne(pipe.read.get(), &error), -1);
  EXPECT_EQ(error, EINTR);
  EXPECT_TRUE(outer.expired());
  EXPECT_GE(stopwatch.elapsed(), fault::Seconds(2));
}

// A blocking call that starts after the scope has expired (the signal has
// come and gone) is still interrupted, by the timer firing again.
TEST(ScopedTimeout, InterruptsCallStartedAfterExpiry) {
  Pipe pipe = MustMakePipe();
  ScopedTimeout timeout(fault::Milliseconds(1));
  while (!timeout.expired()) {
    // Spin on the deadline itself; nothing else to wait for.
  }
  int error;
  EXPECT_EQ(ReadOne(pipe.read.get(), &error), -1);
  EXPECT_EQ(error, EINTR);
  EXPECT_EQ(ReadOne(pipe.read.get(), &error), -1);  // And again.
  EXPECT_EQ(error, EINTR);
}

// A zero limit expires at once.
TEST(ScopedTimeout, ZeroLimitExpiresImmediately) {
  Pipe pipe = MustMakePipe();
  ScopedTimeout timeout(fault::ZeroDuration());
  EXPECT_TRUE(timeout.expired());
  int error;
  EXPECT_EQ(ReadOne(pipe.read.get(), &error), -1);
  EXPECT_EQ(error, EINTR);
}

std::atomic<int> g_previous_handler_runs{0};
void CountingHandler(int) { g_previous_handler_runs.fetch_add(1); }

// The SIGALRM disposition in place before the scope (handler and flags) is
// back after it ends; the runtime's handler is in place meanwhile.
TEST(ScopedTimeout, RestoresPreviousHandler) {
  struct sigaction counting = {};
  counting.sa_handler = &CountingHandler;
  counting.sa_flags = SA_RESTART;
  sigemptyset(&counting.sa_mask);
  struct sigaction original;
  ASSERT_EQ(sigaction(SIGALRM, &counting, &original), 0);
  {
    ScopedTimeout timeout(fault::Seconds(5));
    struct sigaction during;
    ASSERT_EQ(sigaction(SIGALRM, nullptr, &during), 0);
    EXPECT_NE(during.sa_handler, &CountingHandler);
    EXPECT_EQ(during.sa_flags & SA_RESTART, 0);
  }
  struct sigaction after;
  ASSERT_EQ(sigaction(SIGALRM, nullptr, &after), 0);
  EXPECT_EQ(after.sa_handler, &CountingHandler);
  EXPECT_EQ(after.sa_flags & (SA_RESTART | SA_SIGINFO), SA_RESTART);
  ASSERT_EQ(sigaction(SIGALRM, &original, nullptr), 0);
}

// A SIGALRM that does not come from the scope's timer goes to the previous
// handler and does not expire the scope.
TEST(ScopedTimeout, ForeignAlarmGoesToPreviousHandler) {
  struct sigaction counting = {};
  counting.sa_handler = &CountingHandler;
  sigemptyset(&counting.sa_mask);
  struct sigaction original;
  ASSERT_EQ(sigaction(SIGALRM, &counting, &original), 0);
  const int before = g_previous_handler_runs.load();
  {
    ScopedTimeout timeout(fault::Seconds(5));
    ASSERT_EQ(raise(SIGALRM), 0);  // Delivered before raise returns.
    EXPECT_EQ(g_previous_handler_runs.load(), before + 1);
    EXPECT_FALSE(timeout.expired());
  }
  ASSERT_EQ(sigaction(SIGALRM, &original, nullptr), 0);
}

// The scope's own timer signals are recognised as such: they interrupt and
// expire the scope without reaching the previous handler.
TEST(ScopedTimeout, TimerSignalsAreNotForwarded) {
  struct sigaction counting = {};
  counting.sa_handler = &CountingHandler;
  sigemptyset(&counting.sa_mask);
  struct sigaction original;
  ASSERT_EQ(sigaction(SIGALRM, &counting, &original), 0);
  const int before = g_previous_handler_runs.load();
  Pipe pipe = MustMakePipe();
  {
    ScopedTimeout timeout(fault::Milliseconds(20));
    int error;
    EXPECT_EQ(ReadOne(pipe.read.get(), &error), -1);
    EXPECT_EQ(error, EINTR);
    EXPECT_EQ(ReadOne(pipe.read.get(), &error), -1);  // A re-fire.
    EXPECT_EQ(error, EINTR);
    EXPECT_TRUE(timeout.expired());
  }
  EXPECT_EQ(g_previous_handler_runs.load(), before);
  ASSERT_EQ(sigaction(SIGALRM, &original, nullptr), 0);
}

// SIGALRM blocked in the thread is unblocked while a scope is active (so the
// scope still interrupts) and blocked again when it ends.
TEST(ScopedTimeout, UnblocksAlarmWhileActive) {
  sigset_t alarm, original;
  sigemptyset(&alarm);
  sigaddset(&alarm, SIGALRM);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &alarm, &original), 0);
  Pipe pipe = MustMakePipe();
  {
    ScopedTimeout timeout(fault::Milliseconds(50));
    EXPECT_FALSE(AlarmBlocked());
    int error;
    EXPECT_EQ(ReadOne(pipe.read.get(), &error), -1);
    EXPECT_EQ(error, EINTR);
  }
  EXPECT_TRUE(AlarmBlocked());
  ASSERT_EQ(pthread_sigmask(SIG_SETMASK, &original, nullptr), 0);
}

// Each thread's scope interrupts only that thread: a short scope on one
// thread does not interrupt a long scope's blocking read on another.
TEST(ScopedTimeout, TimersArePerThread) {
  Pipe idle = MustMakePipe();
  Pipe report = MustMakePipe();
  ScopedTimeout timeout(fault::Seconds(30));
  std::thread short_scope([&] {
    ScopedTimeout short_timeout(fault::Milliseconds(50));
    int error;
    ssize_t n = ReadOne(idle.read.get(), &error);
    // Report the short scope's outcome; it wakes the main thread's read.
    char outcome =
        (n == -1 && error == EINTR && short_timeout.expired()) ? 'y' : 'n';
    EXPECT_EQ(write(report.write.get(), &outcome, 1), 1);
  });
  // One read, not retried: an EINTR here would mean the other thread's
  // timer interrupted this thread.
  char outcome = 0;
  errno = 0;
  ssize_t n = read(report.read.get(), &outcome, 1);
  int error = errno;
  short_scope.join();
  EXPECT_EQ(n, 1) << "errno " << error;
  EXPECT_EQ(outcome, 'y');
  EXPECT_FALSE(timeout.expired());
}

// An infinite limit never expires, even nested in a finite scope (which
// keeps its own deadline).
TEST(ScopedTimeout, InfiniteLimitNeverExpires) {
  ScopedTimeout forever(fault::InfiniteDuration());
  EXPECT_FALSE(forever.expired());
  {
    ScopedTimeout outer(fault::Milliseconds(1));
    ScopedTimeout inner(fault::InfiniteDuration());
    while (!inner.expired()) {
      // Spin: the inner scope inherits the outer 1 ms deadline.
    }
    EXPECT_TRUE(outer.expired());
  }
  EXPECT_FALSE(forever.expired());
}

}  // namespace
}  // namespace fault
