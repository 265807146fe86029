// Tests of Scheduler::RelaySignals and its table (runtime/signal_relay.h)
// with real signals and a real target: a
// forked child that takes its signals with sigwaitinfo and writes each
// one's number to a pipe. Nothing sleeps: the tests wait on that pipe, on
// the scheduler's callbacks, or on the child's exit.

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/fd.h"
#include "runtime/scheduler.h"
#include "runtime/signal_relay.h"

namespace fault {
namespace {

// The signals the target takes; it exits 0 after SIGTERM.
const int kTargetSignals[] = {SIGHUP, SIGUSR1, SIGUSR2, SIGTERM};

bool IsBlocked(int signo) {
  sigset_t mask;
  pthread_sigmask(SIG_SETMASK, nullptr, &mask);
  return sigismember(&mask, signo) == 1;
}

// A child that reports each signal it takes on `report` (one byte, the
// signal's number) and exits 0 after SIGTERM. Its constructor returns once
// the child has blocked its signals: a signal sent then is taken, not
// acted on.
class Target {
 public:
  Target() {
    StatusOr<Pipe> report = MakePipe();
    StatusOr<Pipe> ready = MakePipe();
    EXPECT_TRUE(report.ok() && ready.ok());
    report_ = std::move(*report);
    sigset_t set;
    sigemptyset(&set);
    for (int signo : kTargetSignals) sigaddset(&set, signo);
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ == 0) {
      // Gone with the test, should it die first.
      if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) {
        _exit(3);
      }
      sigprocmask(SIG_BLOCK, &set, nullptr);
      ready->write.Reset();  // the parent reads end of file: ready
      for (;;) {
        const int signo = sigwaitinfo(&set, nullptr);
        if (signo < 0) continue;
        const unsigned char byte = static_cast<unsigned char>(signo);
        if (WriteAll(report_.write.get(), &byte, 1) != 0) _exit(2);
        if (signo == SIGTERM) _exit(0);
      }
    }
    EXPECT_GT(pid_, 0) << strerror(errno);
    ready->write.Reset();
    char byte;
    EXPECT_EQ(ReadFull(ready->read.get(), &byte, 1), 0);
    report_.write.Reset();
  }
  ~Target() {
    if (pid_ <= 0 || reaped_) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }

  pid_t pid() const { return pid_; }
  int report_fd() const { return report_.read.get(); }
  // The next signal the child took (blocking); 0 at end of file.
  int NextSignal() {
    unsigned char byte = 0;
    return ReadFull(report_fd(), &byte, 1) == 1 ? byte : 0;
  }
  // Marks the child reaped by someone else (the scheduler).
  void Reaped() { reaped_ = true; }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  Pipe report_;
};

std::unique_ptr<Scheduler> NewScheduler() {
  StatusOr<std::unique_ptr<Scheduler>> scheduler = Scheduler::Create();
  EXPECT_TRUE(scheduler.ok()) << scheduler.status().ToString();
  return std::move(scheduler).value();
}

// Runs the loop until `done()`, with a limit only a broken relay reaches.
void RunLoopUntil(Scheduler& scheduler, const std::function<bool()>& done) {
  const Duration limit = MonotonicNow() + Seconds(20);
  while (!done()) {
    ASSERT_LT(MonotonicNow(), limit) << "timed out";
    ASSERT_TRUE(scheduler.RunOnce(limit).ok());
  }
}

// Relay is RelaySignals with the table a caller builds: each of `signos`
// relayed as `rewrite` says, or as itself (entries of `rewrite` for other
// signals are left out). Returns the first refusal of the table, or
// RelaySignals' result.
StatusOr<Scheduler::WatchId> Relay(Scheduler& scheduler,
                                   const std::vector<int>& signos, pid_t target,
                                   const std::map<int, int>& rewrite = {}) {
  SignalRelay table;
  for (int taken : signos) {
    auto rewritten = rewrite.find(taken);
    FAULT_RETURN_IF_ERROR(table.Add(
        taken, rewritten == rewrite.end() ? taken : rewritten->second));
  }
  return scheduler.RelaySignals(table, target);
}

const std::vector<int> kRelayed = {SIGUSR1, SIGHUP, SIGTERM};
// SIGINT is not relayed: its entry is ignored.
const std::map<int, int> kRewrite = {{SIGUSR1, SIGUSR2}, {SIGINT, SIGKILL}};

// With an fd watched the loop waits in epoll_wait and reads the signalfd:
// each signal sent to this process reaches the target, rewritten.
TEST(SchedulerRelay, RelaysEachSignalAsListedFromEpollWait) {
  Target target;
  auto scheduler = NewScheduler();
  std::vector<int> taken;
  ASSERT_TRUE(scheduler
                  ->OnReadable(target.report_fd(),
                               [&] { taken.push_back(target.NextSignal()); })
                  .ok());
  ASSERT_TRUE(Relay(*scheduler, kRelayed, target.pid(), kRewrite).ok());
  for (int signo : {SIGUSR1, SIGHUP, SIGTERM}) {
    ASSERT_EQ(kill(getpid(), signo), 0);
    const size_t before = taken.size();
    RunLoopUntil(*scheduler, [&] { return taken.size() > before; });
  }
  EXPECT_EQ(taken, (std::vector<int>{SIGUSR2, SIGHUP, SIGTERM}));
}

// With nothing but signals to wait for, the loop relays in its
// rt_sigtimedwait and does not return for a relayed signal: the one
// RunOnce below returns for the target's exit, which the last relayed
// signal (SIGTERM) caused. A watchdog stops the loop after a minute, so a
// relay that fails ends the test instead of hanging it.
TEST(SchedulerRelay, RelaysWithinTheWaitOnSignalsAlone) {
  Target target;
  auto scheduler = NewScheduler();
  ASSERT_TRUE(scheduler->ReapOrphans([](const ExitStatus&) {}).ok());
  std::vector<ExitStatus> exits;
  ASSERT_TRUE(
      scheduler
          ->OnExit(target.pid(),
                   [&](const ExitStatus& status) { exits.push_back(status); })
          .ok());
  ASSERT_TRUE(Relay(*scheduler, kRelayed, target.pid(), kRewrite).ok());
  // ReapOrphans asked the loop to reap once (a wake-up through the
  // eventfd): taken here, so that the next wait is the one on signals.
  ASSERT_TRUE(scheduler->RunOnce(MonotonicNow()).ok());
  for (int signo : {SIGUSR1, SIGHUP, SIGTERM}) {
    ASSERT_EQ(kill(getpid(), signo), 0);
  }
  std::promise<void> returned;
  std::thread watchdog([&, done = returned.get_future()] {
    if (done.wait_for(std::chrono::minutes(1)) == std::future_status::timeout)
      scheduler->Stop();
  });
  const Status status = scheduler->RunOnce();
  returned.set_value();
  watchdog.join();
  ASSERT_TRUE(status.ok()) << status.ToString();
  target.Reaped();
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].exit_code(), 0);
  std::vector<int> taken;
  for (int signo; (signo = target.NextSignal()) != 0;) taken.push_back(signo);
  // The target takes what is pending lowest first: the order may vary.
  std::sort(taken.begin(), taken.end());
  EXPECT_EQ(taken, (std::vector<int>{SIGHUP, SIGUSR2, SIGTERM}));
}

// A relayed signal runs no watch of its own; once the relay is cancelled
// the watch runs again, and the signal stays blocked for it.
TEST(SchedulerRelay, WatchesOfARelayedSignalRunOnlyAfterCancel) {
  Target target;
  auto scheduler = NewScheduler();
  int watched = 0;
  ASSERT_TRUE(
      scheduler->OnSignal(SIGUSR1, [&](const signalfd_siginfo&) { ++watched; })
          .ok());
  std::vector<int> taken;
  ASSERT_TRUE(scheduler
                  ->OnReadable(target.report_fd(),
                               [&] { taken.push_back(target.NextSignal()); })
                  .ok());
  StatusOr<Scheduler::WatchId> relay =
      Relay(*scheduler, {SIGUSR1}, target.pid());
  ASSERT_TRUE(relay.ok());
  ASSERT_EQ(kill(getpid(), SIGUSR1), 0);
  RunLoopUntil(*scheduler, [&] { return !taken.empty(); });
  EXPECT_EQ(watched, 0);
  scheduler->Cancel(*relay);
  EXPECT_TRUE(IsBlocked(SIGUSR1));
  ASSERT_EQ(kill(getpid(), SIGUSR1), 0);
  RunLoopUntil(*scheduler, [&] { return watched == 1; });
  // The target took nothing more: its pipe is empty.
  ASSERT_EQ(fcntl(target.report_fd(), F_SETFL, O_NONBLOCK), 0);
  unsigned char byte;
  EXPECT_EQ(read(target.report_fd(), &byte, 1), -1);
  EXPECT_EQ(errno, EAGAIN);
  EXPECT_EQ(taken, (std::vector<int>{SIGUSR1}));
}

// Cancel gives back what the relay held: a signal it blocked is unblocked,
// one blocked before stays blocked.
TEST(SchedulerRelay, CancelRestoresTheSignalMask) {
  sigset_t before;
  sigemptyset(&before);
  sigaddset(&before, SIGUSR2);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &before, nullptr), 0);
  ASSERT_FALSE(IsBlocked(SIGWINCH));
  {
    Target target;
    auto scheduler = NewScheduler();
    StatusOr<Scheduler::WatchId> relay = Relay(
        *scheduler, {SIGWINCH, SIGUSR2}, target.pid(), {{SIGWINCH, SIGUSR1}});
    ASSERT_TRUE(relay.ok());
    EXPECT_TRUE(IsBlocked(SIGWINCH));
    scheduler->Cancel(*relay);
    EXPECT_FALSE(IsBlocked(SIGWINCH));
    EXPECT_TRUE(IsBlocked(SIGUSR2));
    EXPECT_EQ(scheduler->Pending(), 0u);
  }
  ASSERT_EQ(pthread_sigmask(SIG_UNBLOCK, &before, nullptr), 0);
}

// A target that is gone (no process has pid INT_MAX) still consumes the
// signal: the loop goes on, and nothing is left pending.
TEST(SchedulerRelay, ASignalForAGoneTargetIsConsumed) {
  auto scheduler = NewScheduler();
  ASSERT_TRUE(Relay(*scheduler, {SIGUSR1}, INT_MAX).ok());
  StatusOr<Pipe> pipe = MakePipe();
  ASSERT_TRUE(pipe.ok());
  bool read_pipe = false;
  ASSERT_TRUE(
      scheduler->OnReadable(pipe->read.get(), [&] { read_pipe = true; }).ok());
  ASSERT_EQ(kill(getpid(), SIGUSR1), 0);
  ASSERT_EQ(WriteAll(pipe->write.get(), "x", 1), 0);
  RunLoopUntil(*scheduler, [&] { return read_pipe; });
  sigset_t pending;
  ASSERT_EQ(sigpending(&pending), 0);
  EXPECT_EQ(sigismember(&pending, SIGUSR1), 0);
}

// The table: what each signal is relayed as; a refused Add changes nothing.
TEST(SignalRelay, AddsEachSignalOnceAsWhatItIsSentAs) {
  SignalRelay table;
  EXPECT_TRUE(table.empty());
  ASSERT_TRUE(table.Add(SIGTERM, SIGQUIT).ok());
  ASSERT_TRUE(table.Add(SIGHUP).ok());
  ASSERT_TRUE(table.Add(34).ok());  // glibc's SIGRTMIN, under musl too
  EXPECT_FALSE(table.Add(SIGTERM).ok());
  EXPECT_FALSE(table.Add(SIGUSR1, 0).ok());
  EXPECT_FALSE(table.Add(32).ok());
  EXPECT_EQ(table.Sent(SIGTERM), SIGQUIT);
  EXPECT_EQ(table.Sent(SIGHUP), SIGHUP);
  EXPECT_EQ(table.Sent(34), 34);
  EXPECT_EQ(table.Sent(SIGUSR1), 0);
  EXPECT_EQ(table.Sent(0), 0);
  EXPECT_EQ(table.Sent(NSIG), 0);
  EXPECT_FALSE(table.empty());
}

// Each refusal names what is wrong and holds nothing.
TEST(SchedulerRelay, RefusesWhatCannotBeRelayed) {
  Target target;
  auto scheduler = NewScheduler();
  const pid_t pid = target.pid();
  struct Case {
    std::vector<int> signos;
    std::map<int, int> rewrite;
    pid_t target;
    std::string message;
  };
  const std::string not_another = ": not another process or process group";
  const std::vector<Case> cases = {
      {{SIGUSR2, SIGKILL},
       {},
       pid,
       "unable to relay signal 9: not a signal that can be relayed"},
      {{SIGUSR2, SIGSTOP},
       {},
       pid,
       "unable to relay signal 19: not a signal that can be relayed"},
      {{SIGCHLD},
       {},
       pid,
       "unable to relay signal 17: not a signal that can be relayed"},
      {{0},
       {},
       pid,
       "unable to relay signal 0: not a signal that can be relayed"},
      {{65},
       {},
       pid,
       "unable to relay signal 65: not a signal that can be relayed"},
      {{SIGUSR2},
       {{SIGUSR2, 0}},
       pid,
       "unable to relay signal 12 as 0: not a signal"},
      {{SIGUSR2},
       {{SIGUSR2, 65}},
       pid,
       "unable to relay signal 12 as 65: not a signal"},
      {{SIGUSR2, SIGHUP, SIGUSR2},
       {},
       pid,
       "unable to relay signal 12: listed twice"},
      {{}, {}, pid, "unable to relay signals: none listed"},
      {kRelayed, {}, 0, "unable to relay signals to 0" + not_another},
      {kRelayed, {}, -1, "unable to relay signals to -1" + not_another},
      {kRelayed,
       {},
       getpid(),
       "unable to relay signals to " + std::to_string(getpid()) + not_another},
      {kRelayed,
       {},
       -getpgrp(),
       "unable to relay signals to " + std::to_string(-getpgrp()) +
           not_another},
  };
  for (const Case& c : cases) {
    StatusOr<Scheduler::WatchId> relay =
        Relay(*scheduler, c.signos, c.target, c.rewrite);
    ASSERT_FALSE(relay.ok()) << c.message;
    EXPECT_EQ(relay.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(relay.status().message(), c.message);
    EXPECT_FALSE(IsBlocked(SIGUSR2)) << c.message;
  }
  EXPECT_EQ(scheduler->Pending(), 0u);
  // One relay at a time.
  StatusOr<Scheduler::WatchId> first = Relay(*scheduler, kRelayed, pid);
  ASSERT_TRUE(first.ok());
  StatusOr<Scheduler::WatchId> second = Relay(*scheduler, {SIGUSR2}, pid);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(second.status().message(),
            "unable to relay signals: another relay is on");
  scheduler->Cancel(*first);
  EXPECT_TRUE(Relay(*scheduler, {SIGUSR2}, pid).ok());
}

}  // namespace
}  // namespace fault
