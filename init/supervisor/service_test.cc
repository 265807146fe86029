#include "init/supervisor/service.h"

#include <errno.h>
#include <signal.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "init/supervisor/service_fake_effects.h"
#include "runtime/duration.h"

namespace faultinit {
namespace {

using fault::ExitStatus;
using service_testing::Exited;
using service_testing::Extras;
using service_testing::FakeEffects;
using service_testing::Killed;
using service_testing::Simple;

// A simple service is running as soon as its process is exec'd.
TEST(Service, SimpleStartsAndRuns) {
  FakeEffects fx;
  Service s("web", Simple(), fx);
  fx.Start(s);
  EXPECT_EQ(s.state(), ServiceState::kRunning);
  EXPECT_EQ(s.main_pid(), 100);
  EXPECT_EQ(fx.log, (std::vector<std::string>{"starting", "timer 1min 30s",
                                              "start main0 100", "running"}));
}

// ExecStartPre= steps run one by one before the main process; a failing
// one fails the service unless marked '-'.
TEST(Service, PreStepsInOrderAndFailure) {
  FakeEffects fx;
  ServicePolicy p = Simple();
  p.pre_steps = 2;
  Extras(p).pre_ignore_failure = {true, false};
  Service s("db", p, fx);
  fx.Start(s);
  EXPECT_EQ(s.step_pid(), 100);
  fx.End(s, 100, Exited(0, 1));  // ignored: '-'
  EXPECT_EQ(s.step_pid(), 101);
  fx.End(s, 101, Exited(0, 2));
  EXPECT_EQ(s.state(), ServiceState::kFailed);
  EXPECT_EQ(s.reason(), "ExecStartPre= ended with exit 2");
}

// A missing executable fails the service once, with the reason.
TEST(Service, MissingExecutableFails) {
  FakeEffects fx;
  fx.failing = {"main0"};
  Service s("ghost", Simple(), fx);
  fx.Start(s);
  EXPECT_EQ(s.state(), ServiceState::kFailed);
  EXPECT_EQ(s.reason(), "unable to execute main0");
}

// A command that cannot run, restarted (Restart=always, RestartSec=0, no
// start limit), waits at least the resource back-off before each new
// attempt: it fails the same way at once every time, and PID 1 would
// otherwise restart it without pause. Found by the supervisor model.
TEST(Service, CommandThatCannotRunRestartsWithBackOff) {
  for (bool at_spawn : {true, false}) {
    FakeEffects fx;
    ServicePolicy p = Simple();
    p.restart = RestartPolicy::kAlways;
    p.restart_delay = fault::ZeroDuration();
    p.start_limit_burst = 0;
    if (at_spawn) {
      fx.failing = {"main0"};
    } else {
      fx.failing_exec = {{"main0", ENOENT}};
    }
    Service s("ghost", p, fx);
    fx.Start(s);
    std::vector<fault::Duration> delays;
    for (int attempt = 1; attempt <= 8; ++attempt) {
      fx.Report(s);
      for (pid_t pid : std::set<pid_t>(fx.running)) {
        fx.End(s, pid, Exited(0, 127));  // the child that could not exec
      }
      ASSERT_EQ(s.state(), ServiceState::kRestarting)
          << attempt << " " << ServiceSubStateName(s.sub_state());
      delays.push_back(s.restart_delay());
      s.TimerFired();
    }
    EXPECT_EQ(delays.front(), fault::Milliseconds(100)) << at_spawn;
    EXPECT_EQ(delays[1], fault::Milliseconds(200)) << at_spawn;
    EXPECT_EQ(delays.back(), fault::Seconds(10)) << at_spawn;
  }
}

// A start that cannot fork is retried with the back-off whatever Restart=
// says, without counting against the start limit; start_failures() counts
// the episode's attempts and is reset once a main process is spawned.
TEST(Service, ResourceShortageRetriesWithBackOff) {
  FakeEffects fx;
  ServicePolicy p = Simple();  // Restart=no
  p.restart_delay = fault::Milliseconds(10);
  p.restart_steps = 2;
  p.restart_max_delay = fault::Milliseconds(40);
  p.start_limit_burst = 2;
  fx.short_of_resources = 4;
  Service s("web", p, fx);
  fx.Start(s);
  std::vector<std::string> delays;
  for (int attempt = 1; attempt <= 4; ++attempt) {
    ASSERT_EQ(s.state(), ServiceState::kRestarting) << attempt;
    EXPECT_EQ(s.start_failures(), attempt);
    EXPECT_EQ(s.reason(), "unable to fork: Resource temporarily unavailable");
    delays.push_back(fault::FormatTimeSpan(fx.timer));
    fx.now += fx.timer;
    fx.Fire(s);
  }
  // At least the resource back-off (100ms, doubling), over RestartSec='s.
  EXPECT_EQ(delays,
            (std::vector<std::string>{"100ms", "200ms", "400ms", "800ms"}));
  EXPECT_EQ(s.state(), ServiceState::kRunning);
  EXPECT_EQ(s.main_pid(), 100);
  EXPECT_EQ(s.start_failures(), 0);
  EXPECT_EQ(s.restarts(), 0);  // none of it was a restart of a process

  // The next episode counts from one again.
  fx.short_of_resources = 1;
  fx.Stop(s);
  fx.End(s, 100, Killed(0, SIGTERM));
  fx.Start(s);
  EXPECT_EQ(s.state(), ServiceState::kRestarting);
  EXPECT_EQ(s.start_failures(), 1);
  // A stop wins over the pending retry.
  fx.Stop(s);
  EXPECT_EQ(s.state(), ServiceState::kInactive);
  EXPECT_EQ(s.start_failures(), 0);
}

// RestartSec=0 does not make a resource shortage a busy loop: the retries
// wait 100ms, doubling up to 10s, and a longer restart back-off wins.
TEST(Service, ResourceRetriesHaveAFloorWhateverRestartSec) {
  FakeEffects fx;
  ServicePolicy p = Simple();
  p.restart = RestartPolicy::kAlways;
  p.restart_delay = fault::ZeroDuration();
  fx.short_of_resources = 10;
  Service s("web", p, fx);
  s.Start();
  std::vector<int64_t> delays_ms;
  for (int attempt = 1; attempt <= 10; ++attempt) {
    ASSERT_EQ(s.state(), ServiceState::kRestarting) << attempt;
    delays_ms.push_back(fault::ToInt64Milliseconds(fx.timer));
    fx.now += fx.timer;
    s.TimerFired();
  }
  EXPECT_EQ(delays_ms, (std::vector<int64_t>{100, 200, 400, 800, 1600, 3200,
                                             6400, 10000, 10000, 10000}));
  fx.Report(s);
  EXPECT_EQ(s.state(), ServiceState::kRunning);

  FakeEffects slow;
  p.restart_delay = fault::Seconds(30);
  slow.short_of_resources = 1;
  Service t("db", p, slow);
  t.Start();
  EXPECT_EQ(fault::ToInt64Milliseconds(slow.timer), 30000);
  EXPECT_EQ(ResourceRetryDelay(1), fault::Milliseconds(100));
  EXPECT_EQ(ResourceRetryDelay(1000), fault::Seconds(10));
}

// A oneshot is done (inactive, succeeded) when every ExecStart= exited
// successfully; a failing one fails it.
TEST(Service, OneshotRunsEachStep) {
  FakeEffects fx;
  ServicePolicy p = Simple();
  p.type = ServiceType::kOneshot;
  p.start_steps = 2;
  Service s("setup", p, fx);
  fx.Start(s);
  EXPECT_EQ(s.state(), ServiceState::kStarting);
  fx.End(s, 100, Exited(0, 0));
  EXPECT_EQ(s.state(), ServiceState::kStarting);
  fx.End(s, 101, Exited(0, 0));
  EXPECT_EQ(s.state(), ServiceState::kInactive);
  EXPECT_TRUE(s.succeeded());

  fx.Start(s);
  fx.End(s, 102, Exited(0, 4));
  EXPECT_EQ(s.state(), ServiceState::kFailed);
  EXPECT_EQ(s.reason(), "main process ended with exit 4");
}

// A notify service is running only after READY=1; the start timeout fails
// it otherwise and kills what runs.
TEST(Service, NotifyWaitsForReadyOrTimesOut) {
  FakeEffects fx;
  ServicePolicy p = Simple();
  p.type = ServiceType::kNotify;
  p.start_timeout = fault::Seconds(5);
  Service s("api", p, fx);
  fx.Start(s);
  EXPECT_EQ(s.state(), ServiceState::kStarting);
  s.Ready();
  EXPECT_EQ(s.state(), ServiceState::kRunning);

  Service slow("slow", p, fx);
  fx.Start(slow);
  // The timeout: KillSignal= (TimeoutStartFailureMode=terminate), SIGKILL
  // TimeoutStopSec= later, then failed.
  fx.Fire(slow);
  EXPECT_EQ(slow.state(), ServiceState::kStopping);
  EXPECT_EQ(fx.log.back(), "signal 15 group");
  slow.TimerFired();
  EXPECT_EQ(fx.log.back(), "signal 9 final");
  fx.running.clear();  // api's process too: the fake's are shared
  slow.ProcessesGone();
  EXPECT_EQ(slow.state(), ServiceState::kFailed);
  EXPECT_EQ(slow.reason(), "start timed out after 5s");
  EXPECT_EQ(fx.log.back(), "failed");
}

// Restart=on-failure restarts after RestartSec= on failure, not on success.
TEST(Service, RestartOnFailure) {
  FakeEffects fx;
  ServicePolicy p = Simple();
  p.restart = RestartPolicy::kOnFailure;
  p.restart_delay = fault::Milliseconds(250);
  Service s("web", p, fx);
  fx.Start(s);
  fx.End(s, 100, Killed(0, SIGSEGV));  // unclean: restarted
  EXPECT_EQ(s.state(), ServiceState::kRestarting);
  EXPECT_EQ(fx.timer, fault::Milliseconds(250));
  fx.Fire(s);
  EXPECT_EQ(s.state(), ServiceState::kRunning);
  EXPECT_EQ(s.restarts(), 1);
  fx.End(s, 101, Exited(0, 0));
  EXPECT_EQ(s.state(), ServiceState::kInactive);
  EXPECT_TRUE(s.succeeded());
}

// Restart=on-abnormal restarts only after an unclean signal.
TEST(Service, RestartOnAbnormal) {
  FakeEffects fx;
  ServicePolicy p = Simple();
  p.restart = RestartPolicy::kOnAbnormal;
  Service s("w", p, fx);
  fx.Start(s);
  fx.End(s, 100, Exited(0, 3));
  EXPECT_EQ(s.state(), ServiceState::kFailed);
  fx.Start(s);
  fx.End(s, 101, Killed(0, SIGKILL));
  EXPECT_EQ(s.state(), ServiceState::kRestarting);
}

// The back-off grows exponentially from RestartSec= to RestartMaxDelaySec=
// in RestartSteps= steps, and resets once the service stays up.
TEST(Service, BackOffAndReset) {
  FakeEffects fx;
  ServicePolicy p = Simple();
  p.restart = RestartPolicy::kAlways;
  p.restart_delay = fault::Milliseconds(100);
  p.restart_steps = 2;
  p.restart_max_delay = fault::Milliseconds(400);
  p.start_limit_burst = 100;
  Service s("flaky", p, fx);
  EXPECT_EQ(s.RestartDelay(0), fault::Milliseconds(100));
  EXPECT_EQ(s.RestartDelay(1), fault::Milliseconds(200));
  EXPECT_EQ(s.RestartDelay(2), fault::Milliseconds(400));
  EXPECT_EQ(s.RestartDelay(9), fault::Milliseconds(400));
  fx.Start(s);
  std::vector<fault::Duration> delays;
  for (int i = 0; i < 4; ++i) {
    fx.End(s, s.main_pid(), Exited(0, 1));
    delays.push_back(fx.timer);
    fx.Fire(s);
  }
  EXPECT_EQ(delays, (std::vector<fault::Duration>{
                        fault::Milliseconds(100), fault::Milliseconds(200),
                        fault::Milliseconds(400), fault::Milliseconds(400)}));
  fx.now += fault::Seconds(10);  // stayed up a whole start-limit interval
  fx.End(s, s.main_pid(), Exited(0, 1));
  EXPECT_EQ(fx.timer, fault::Milliseconds(100));
}

// More than StartLimitBurst= starts within StartLimitIntervalSec= fail the
// service instead of starting it again.
TEST(Service, StartLimit) {
  FakeEffects fx;
  ServicePolicy p = Simple();
  p.restart = RestartPolicy::kAlways;
  p.restart_delay = fault::ZeroDuration();
  p.start_limit_burst = 3;
  Service s("loop", p, fx);
  fx.Start(s);
  for (int i = 0; i < 3; ++i) {
    fx.End(s, s.main_pid(), Exited(0, 1));
    fx.Fire(s);
  }
  EXPECT_EQ(s.state(), ServiceState::kFailed);
  EXPECT_EQ(s.reason(), "start limit hit: 3 starts within 10s");
  EXPECT_EQ(s.restarts(), 3);    // the refused one counts, as in systemd
  fx.now += fault::Seconds(11);  // the window has passed: starts again
  fx.Start(s);
  EXPECT_EQ(s.state(), ServiceState::kRunning);
  EXPECT_EQ(s.restarts(), 0);  // a requested start: counting starts over
}

// The window is systemd's (ratelimit_below): it opens at a start after
// the last window has passed and counts the starts in it, not the starts
// of the last StartLimitIntervalSec=: 3 starts at 0, 5 and 9 s, then at
// 10.5 s a new window opens, so 3 more fit in it (a sliding window would
// refuse the second of them, with the starts at 5 and 9 s still in it).
TEST(Service, StartLimitCountsWithinSystemdsWindow) {
  FakeEffects fx;
  ServicePolicy p = Simple();
  p.restart = RestartPolicy::kAlways;
  p.restart_delay = fault::ZeroDuration();
  p.start_limit_burst = 3;
  Service s("loop", p, fx);
  s.Start();
  fx.Report(s);
  const fault::Duration start = fx.now;
  auto restart_at = [&](fault::Duration after) {
    fx.now = start + after;
    fx.End(s, s.main_pid(), Exited(0, 1));
    s.TimerFired();
    fx.Report(s);
  };
  restart_at(fault::Seconds(5));
  restart_at(fault::Seconds(9));
  ASSERT_EQ(s.state(), ServiceState::kRunning);
  restart_at(fault::Milliseconds(10500));  // a new window
  ASSERT_EQ(s.state(), ServiceState::kRunning);
  restart_at(fault::Milliseconds(10600));
  ASSERT_EQ(s.state(), ServiceState::kRunning);
  restart_at(fault::Milliseconds(10700));
  ASSERT_EQ(s.state(), ServiceState::kRunning);
  restart_at(fault::Milliseconds(10800));  // a fourth in the window
  EXPECT_EQ(s.state(), ServiceState::kFailed);
  EXPECT_EQ(s.reason(), "start limit hit: 3 starts within 10s");
}

// restarts() is systemd's NRestarts (service.c: n_restarts++ when the
// restart job is queued, flushed by the next start after the service
// ended without one): a first start and 5 automatic restarts are 5; a
// restart is counted when it is carried out, not while it waits; a start
// that is not automatic starts the count over.
TEST(Service, RestartsCountsAutomaticRestartsOnly) {
  FakeEffects fx;
  ServicePolicy p = Simple();
  p.restart = RestartPolicy::kOnFailure;
  p.restart_delay = fault::Milliseconds(250);
  p.start_limit_burst = 100;
  Service s("flaky", p, fx);
  fx.Start(s);
  EXPECT_EQ(s.restarts(), 0);  // the first start is no restart
  for (int i = 1; i <= 5; ++i) {
    fx.End(s, s.main_pid(), Exited(0, 1));
    ASSERT_EQ(s.state(), ServiceState::kRestarting);
    EXPECT_EQ(s.restarts(), i - 1) << "waiting: not carried out yet";
    fx.Fire(s);
    ASSERT_EQ(s.state(), ServiceState::kRunning);
    EXPECT_EQ(s.restarts(), i);
  }
  // 6 starts, 5 of them automatic: 5, as systemd's NRestarts.
  EXPECT_EQ(fx.next_pid, 106);
  // A start request that cuts a pending restart's wait short carries the
  // restart out: it counts.
  fx.End(s, s.main_pid(), Exited(0, 1));
  EXPECT_EQ(s.restarts(), 5);
  fx.Start(s);
  EXPECT_EQ(s.state(), ServiceState::kRunning);
  EXPECT_EQ(s.restarts(), 6);
  // A clean exit, no restart: the count stays visible until the next start.
  fx.End(s, s.main_pid(), Exited(0, 0));
  EXPECT_EQ(s.state(), ServiceState::kInactive);
  EXPECT_EQ(s.restarts(), 6);
  fx.Start(s);
  EXPECT_EQ(s.restarts(), 0);
  // A restart request is a stop and a start, not an automatic restart.
  fx.End(s, s.main_pid(), Exited(0, 1));
  fx.Fire(s);
  EXPECT_EQ(s.restarts(), 1);
  fx.Stop(s);
  fx.End(s, s.main_pid(), Killed(0, SIGTERM));
  fx.Start(s);
  EXPECT_EQ(s.state(), ServiceState::kRunning);
  EXPECT_EQ(s.restarts(), 0);
  // A stop during the wait ends it: inactive, the count kept for display.
  fx.End(s, s.main_pid(), Exited(0, 1));
  fx.Fire(s);
  fx.End(s, s.main_pid(), Exited(0, 1));
  fx.Stop(s);
  EXPECT_EQ(s.state(), ServiceState::kInactive);
  EXPECT_EQ(s.restarts(), 1);
}

// Stop sends KillSignal= to the group, SIGKILL after TimeoutStopSec=, and
// ends when every process is gone.
TEST(Service, StopThenKillAfterTimeout) {
  FakeEffects fx;
  ServicePolicy p = Simple();
  p.stop_timeout = fault::Seconds(3);
  p.kill_signal = SIGINT;
  Service s("stubborn", p, fx);
  fx.Start(s);
  fx.log.clear();
  fx.Stop(s);
  EXPECT_EQ(s.state(), ServiceState::kStopping);
  EXPECT_EQ(fx.log, (std::vector<std::string>{"stopping", "timer 3s",
                                              "signal 2 group"}));
  fx.Fire(s);
  EXPECT_EQ(fx.log.back(), "signal 9 final");
  fx.End(s, 100, Killed(0, SIGKILL));
  // A stop that timed out failed (systemd's result "timeout").
  EXPECT_EQ(s.state(), ServiceState::kFailed);
  EXPECT_EQ(s.reason(), "stop timed out after 3s: killed");
}

// ExecStop= runs first; what remains after it gets KillSignal=.
TEST(Service, ExecStopThenKillSignal) {
  FakeEffects fx;
  ServicePolicy p = Simple();
  p.stop_steps = 1;
  Service s("db", p, fx);
  fx.Start(s);
  fx.log.clear();
  fx.Stop(s);
  EXPECT_EQ(s.step_pid(), 101);
  fx.End(s, 101, Exited(0, 0));
  EXPECT_EQ(fx.log.back(), "signal 15 group");
  fx.End(s, 100, Exited(0, 0));
  EXPECT_EQ(s.state(), ServiceState::kInactive);
}

// A stop cancels a pending restart; a start while stopping is not taken
// (the supervisor keeps it queued until the service is down).
TEST(Service, StopCancelsRestartAndIgnoresStartWhileStopping) {
  FakeEffects fx;
  ServicePolicy p = Simple();
  p.restart = RestartPolicy::kAlways;
  Service s("w", p, fx);
  fx.Start(s);
  fx.End(s, 100, Exited(0, 1));
  ASSERT_EQ(s.state(), ServiceState::kRestarting);
  fx.Stop(s);
  EXPECT_EQ(s.state(), ServiceState::kInactive);
  s.TimerFired();  // a timer that raced the cancel does nothing
  fx.Report(s);
  EXPECT_EQ(s.state(), ServiceState::kInactive);

  fx.Start(s);
  fx.Stop(s);
  s.Start();  // not taken while stopping: the supervisor keeps it queued
  fx.Report(s);
  EXPECT_EQ(s.state(), ServiceState::kStopping);
  fx.End(s, s.main_pid(), Killed(0, SIGTERM));
  EXPECT_EQ(s.state(), ServiceState::kInactive);
}

// A stop of a service that is down or waiting to restart stops what its
// main process left (with SendSIGKILL=no, one that ignored KillSignal=
// after the main process ended is left running when the service goes
// down). Found by tests/soak_test.cc.
TEST(Service, StopStopsWhatTheMainProcessLeft) {
  FakeEffects fx;
  ServicePolicy p = Simple();
  p.restart = RestartPolicy::kAlways;
  Extras(p).send_sigkill = false;
  Service s("w", p, fx);
  fx.Start(s);
  fx.running.insert(200);  // forked by the main process
  fx.End(s, 100, Killed(0, SIGKILL));
  ASSERT_EQ(s.sub_state(), ServiceSubState::kStopSigterm);
  s.TimerFired();  // 200 ignored SIGTERM; SendSIGKILL=no leaves it
  ASSERT_EQ(s.state(), ServiceState::kRestarting);
  fx.log.clear();
  fx.Stop(s);
  EXPECT_EQ(s.state(), ServiceState::kStopping);
  EXPECT_EQ(fx.log, (std::vector<std::string>{"stopping", "timer 1min 30s",
                                              "signal 15 group"}));
  fx.running.erase(200);
  s.ProcessesGone();
  EXPECT_EQ(s.state(), ServiceState::kInactive);

  // Down (failed: the stop after the exit timed out) after a clean exit,
  // with a leftover that ignored SIGTERM.
  p.restart = RestartPolicy::kNo;
  Service t("v", p, fx);
  fx.Start(t);
  const pid_t main = t.main_pid();
  fx.running.insert(201);
  fx.End(t, main, Exited(0, 0));
  t.TimerFired();
  ASSERT_EQ(t.state(), ServiceState::kFailed);
  fx.Stop(t);
  EXPECT_EQ(t.state(), ServiceState::kStopping);
  fx.log.clear();
  t.TimerFired();  // the stop timeout; SendSIGKILL=no: 201 is left again
  EXPECT_EQ(fx.log, (std::vector<std::string>{"failed"}));
  EXPECT_EQ(t.state(), ServiceState::kFailed);  // the stop timed out
}

// SuccessExitStatus= makes listed codes and signals clean exits.
TEST(Service, SuccessExitStatus) {
  FakeEffects fx;
  ServicePolicy p = Simple();
  p.restart = RestartPolicy::kOnFailure;
  p.success_exit_codes = CodeSet((1u << 0));
  p.success_exit_codes[143] = true;
  p.success_signals = CodeSet(1u << SIGUSR1);
  Service s("jvm", p, fx);
  fx.Start(s);
  fx.End(s, 100, Exited(0, 143));
  EXPECT_EQ(s.state(), ServiceState::kInactive);
  fx.Start(s);
  fx.End(s, 101, Killed(0, SIGUSR1));
  EXPECT_EQ(s.state(), ServiceState::kInactive);
  fx.Start(s);
  fx.End(s, 102, Killed(0, SIGUSR2));
  EXPECT_EQ(s.state(), ServiceState::kRestarting);
}

// A forking service runs once its launcher exited successfully and the
// PID file named the daemon, which is then the main process.
TEST(Service, ForkingReadsMainPid) {
  FakeEffects fx;
  ServicePolicy p = Simple();
  p.type = ServiceType::kForking;
  Service s("daemon", p, fx);
  fx.Start(s);
  EXPECT_EQ(s.state(), ServiceState::kStarting);
  fx.daemon = 555;
  fx.End(s, 100, Exited(0, 0));
  EXPECT_EQ(s.state(), ServiceState::kRunning);
  EXPECT_EQ(s.main_pid(), 555);
  fx.End(s, 555, Killed(0, SIGSEGV));
  EXPECT_EQ(s.state(), ServiceState::kFailed);

  fx.daemon = 0;  // the PID file names nothing
  fx.Start(s);
  fx.End(s, 101, Exited(0, 0));
  EXPECT_EQ(s.state(), ServiceState::kFailed);
  EXPECT_EQ(s.reason(), "no pid in /run/d.pid");
  fx.Start(s);
  fx.End(s, 102, Exited(0, 1));  // the launcher failed
  EXPECT_EQ(s.reason(), "main process ended with exit 1");
}

// A failed requirement fails a waiting service and stops a running one.
TEST(Service, DependencyFailed) {
  FakeEffects fx;
  Service waiting("app", Simple(), fx);
  waiting.DependencyFailed("required unit db failed");
  EXPECT_EQ(waiting.state(), ServiceState::kFailed);
  EXPECT_EQ(waiting.reason(), "required unit db failed");

  Service running("app2", Simple(), fx);
  fx.Start(running);
  running.DependencyFailed("required unit db stopped");
  EXPECT_EQ(running.state(), ServiceState::kStopping);
  fx.End(running, running.main_pid(), Killed(0, SIGTERM));
  EXPECT_EQ(running.state(), ServiceState::kInactive);
}

// Conditions are checked when a start is requested: a failed one leaves
// the service inactive and skipped (not failed), and starts nothing.
TEST(Service, FailedConditionSkipsTheStart) {
  FakeEffects fx;
  fx.check = {StartCheck::Outcome::kSkip,
              "condition failed: ConditionPathExists=/etc/foo"};
  Service s("web", Simple(), fx);
  s.Start();
  EXPECT_EQ(s.state(), ServiceState::kInactive);
  EXPECT_TRUE(s.skipped());
  EXPECT_FALSE(s.succeeded());
  EXPECT_EQ(s.reason(), "condition failed: ConditionPathExists=/etc/foo");
  EXPECT_EQ(fx.log, (std::vector<std::string>{"inactive"}));
  // A later start checks again; the condition now holds.
  fx.check = {};
  fx.Start(s);
  EXPECT_EQ(fx.checks, 2);
  EXPECT_EQ(s.state(), ServiceState::kRunning);
  EXPECT_FALSE(s.skipped());
}

// A failed assert fails the start; so does nothing else start.
TEST(Service, FailedAssertFailsTheStart) {
  FakeEffects fx;
  fx.check = {StartCheck::Outcome::kFail,
              "assertion failed: AssertPathExists=/etc/initrd-release"};
  Service s("web", Simple(), fx);
  s.Start();
  EXPECT_EQ(s.state(), ServiceState::kFailed);
  EXPECT_FALSE(s.skipped());
  EXPECT_EQ(s.reason(),
            "assertion failed: AssertPathExists=/etc/initrd-release");
  EXPECT_EQ(fx.log, (std::vector<std::string>{"failed"}));
}

// The conditions are checked before the start limit counts a start, and
// not again for an automatic restart (systemd: the unit is activating).
TEST(Service, AutomaticRestartDoesNotCheckAgain) {
  FakeEffects fx;
  ServicePolicy p = Simple();
  p.restart = RestartPolicy::kAlways;
  Service s("web", p, fx);
  s.Start();
  EXPECT_EQ(fx.checks, 1);
  fx.check = {StartCheck::Outcome::kSkip, "condition failed: X"};
  fx.End(s, s.main_pid(), Exited(0, 1));
  ASSERT_EQ(s.state(), ServiceState::kRestarting);
  fx.Fire(s);
  EXPECT_EQ(s.state(), ServiceState::kRunning);
  EXPECT_EQ(fx.checks, 1);
}

// A restart request checks again once the service has stopped.
TEST(Service, RestartRequestChecksOnceStopped) {
  FakeEffects fx;
  Service s("web", Simple(), fx);
  s.Start();
  s.Stop();
  fx.check = {StartCheck::Outcome::kSkip, "condition failed: X"};
  fx.End(s, 100, Killed(0, SIGTERM));
  s.Start();  // the supervisor's queued start, once stopped
  EXPECT_EQ(s.state(), ServiceState::kInactive);
  EXPECT_TRUE(s.skipped());
  EXPECT_EQ(fx.checks, 2);
}

ServicePolicy WithConditionSteps(std::vector<bool> ignore) {
  ServicePolicy p = Simple();
  p.condition_steps = static_cast<int>(ignore.size());
  Extras(p).condition_ignore_failure = std::move(ignore);
  p.pre_steps = 1;
  Extras(p).pre_ignore_failure = {false};
  return p;
}

// ExecCondition= runs before ExecStartPre=; exit 0 goes on.
TEST(Service, ExecConditionRunsFirst) {
  FakeEffects fx;
  Service s("web", WithConditionSteps({false, false}), fx);
  s.Start();
  fx.End(s, 100, Exited(0, 0));
  fx.End(s, 101, Exited(0, 0));
  fx.End(s, 102, Exited(0, 0));
  EXPECT_EQ(s.state(), ServiceState::kRunning);
  EXPECT_EQ(fx.log, (std::vector<std::string>{
                        "starting", "timer 1min 30s", "start cond0 100",
                        "start cond1 101", "start pre0 102", "start main0 103",
                        "running"}));
}

// Exit 1 to 254 skips the unit: inactive, not failed, nothing more runs,
// and no restart.
TEST(Service, ExecConditionExit1To254Skips) {
  for (int code : {1, 254}) {
    FakeEffects fx;
    ServicePolicy p = WithConditionSteps({false});
    p.restart = RestartPolicy::kAlways;
    Service s("web", p, fx);
    s.Start();
    fx.End(s, 100, Exited(0, code));
    EXPECT_EQ(s.state(), ServiceState::kInactive) << code;
    EXPECT_TRUE(s.skipped());
    EXPECT_EQ(s.reason(), absl::StrCat("condition failed: ExecCondition= "
                                       "ended with exit ",
                                       code));
    EXPECT_EQ(fx.log.back(), "inactive");
    EXPECT_EQ(fx.timer, fault::ZeroDuration());  // no restart pending
  }
}

// Exit 255 and a signal fail it.
TEST(Service, ExecCondition255OrSignalFails) {
  for (ExitStatus status : {Exited(0, 255), Killed(0, SIGKILL)}) {
    FakeEffects fx;
    Service s("web", WithConditionSteps({false}), fx);
    s.Start();
    fx.End(s, 100, status);
    EXPECT_EQ(s.state(), ServiceState::kFailed);
    EXPECT_FALSE(s.skipped());
    EXPECT_THAT(s.reason(),
                ::testing::StartsWith("ExecCondition= ended with "));
  }
}

// "-": any failure counts as success, as for ExecStartPre=; a command that
// cannot run is then skipped too.
TEST(Service, ExecConditionDashIgnoresFailure) {
  FakeEffects fx;
  fx.failing = {"cond1"};
  Service s("web", WithConditionSteps({true, true}), fx);
  s.Start();
  fx.End(s, 100, Exited(0, 1));
  fx.End(s, 101, Exited(0, 0));  // pre0
  EXPECT_EQ(s.state(), ServiceState::kRunning);
  EXPECT_FALSE(s.skipped());
}

// A condition command that cannot run fails the start.
TEST(Service, ExecConditionThatCannotRunFails) {
  FakeEffects fx;
  fx.failing = {"cond0"};
  Service s("web", WithConditionSteps({false}), fx);
  s.Start();
  EXPECT_EQ(s.state(), ServiceState::kFailed);
  EXPECT_EQ(s.reason(), "unable to execute cond0");
}

// RestartPreventExitStatus= wins over Restart=; RestartForceExitStatus=
// restarts whatever Restart= says (systemd's order).
TEST(Service, RestartExitStatusExceptions) {
  FakeEffects fx;
  ServicePolicy p = Simple();
  p.restart = RestartPolicy::kAlways;
  RestartExceptions exceptions;
  exceptions.prevent.codes[75] = true;
  exceptions.prevent.signals[SIGKILL] = true;
  p.restart_exceptions = std::make_shared<const RestartExceptions>(exceptions);
  Service s("a", p, fx);
  s.Start();
  fx.End(s, fx.next_pid - 1, Exited(0, 75));
  EXPECT_EQ(s.state(), ServiceState::kFailed);
  s.Start();
  fx.End(s, fx.next_pid - 1, Killed(0, SIGKILL));
  EXPECT_EQ(s.state(), ServiceState::kFailed);
  s.Start();
  fx.End(s, fx.next_pid - 1, Exited(0, 3));
  EXPECT_EQ(s.state(), ServiceState::kRestarting);

  ServicePolicy q = Simple();
  q.restart = RestartPolicy::kNo;
  RestartExceptions force;
  force.force.codes[3] = true;
  q.restart_exceptions = std::make_shared<const RestartExceptions>(force);
  Service t("b", q, fx);
  t.Start();
  fx.End(t, fx.next_pid - 1, Exited(0, 3));
  EXPECT_EQ(t.state(), ServiceState::kRestarting);
  t.Stop();
  t.Start();
  fx.End(t, fx.next_pid - 1, Exited(0, 4));
  EXPECT_EQ(t.state(), ServiceState::kFailed);
}

// Issue #26: a step's exec is reported after StartStep returned. Type=exec
// (and simple) is starting until the report says exec'd, then running; the
// start timeout runs meanwhile.
TEST(Service, ExecReadyOnceExecReported) {
  for (ServiceType type : {ServiceType::kExec, ServiceType::kSimple}) {
    FakeEffects fx;
    ServicePolicy p = Simple();
    p.type = type;
    Service s("web", p, fx);
    s.Start();
    EXPECT_EQ(s.state(), ServiceState::kStarting);
    EXPECT_EQ(s.main_pid(), 100);
    EXPECT_EQ(fx.timer, fault::Seconds(90));
    s.ExecReported(999, fault::OkStatus());  // not its process
    EXPECT_EQ(s.state(), ServiceState::kStarting);
    fx.Report(s);
    EXPECT_EQ(s.state(), ServiceState::kRunning);
    EXPECT_EQ(fx.timer, fault::ZeroDuration());
    EXPECT_EQ(fx.log, (std::vector<std::string>{"starting", "timer 1min 30s",
                                                "start main0 100", "running"}));
    s.ExecReported(100, fault::OkStatus());  // once only: nothing more
    EXPECT_EQ(fx.log.size(), 4u);
  }
}

// A main process whose exec failed fails the start as a spawn that
// failed did: the same reason, and Restart= decides as for systemd's
// result "exit-code" (203/EXEC): always restarts it, on-abnormal does
// not. The failing child is still there, exiting: the failure's
// KillSignal= to the group reaches it, and its exit ends the stop.
TEST(Service, ExecFailureReportedFails) {
  for (RestartPolicy restart :
       {RestartPolicy::kAlways, RestartPolicy::kOnAbnormal}) {
    FakeEffects fx;
    ServicePolicy p = Simple();
    p.restart = restart;
    fx.failing_exec = {{"main0", ENOENT}};
    Service s("ghost", p, fx);
    s.Start();
    EXPECT_EQ(s.state(), ServiceState::kStarting);
    fx.End(s, 100, Exited(0, 127));  // the exit first: the report comes first
    const bool again = restart == RestartPolicy::kAlways;
    EXPECT_EQ(s.state(),
              again ? ServiceState::kRestarting : ServiceState::kFailed);
    EXPECT_EQ(s.reason(), "unable to execute main0: No such file or directory");
    EXPECT_EQ(s.main_pid(), 0);
    std::vector<std::string> expected = {
        "starting", "timer 1min 30s", "start main0 100", "exec failed main0",
        "stopping", "timer 1min 30s", "signal 15 group"};
    if (again) {
      expected.push_back("restarting");
      expected.push_back("timer 100ms");
    } else {
      expected.push_back("failed");
    }
    EXPECT_EQ(fx.log, expected);
  }
}

// A child short of resources before exec (EMFILE, ENOMEM) waits and
// retries with the back-off, outside the start limit, as a fork that
// failed does; an ExecStartPre= marked '-' whose exec failed is skipped.
TEST(Service, ExecReportedShortageRetriesAndIgnoredPreSkipped) {
  FakeEffects fx;
  ServicePolicy p = Simple();
  p.restart_delay = fault::Milliseconds(10);
  p.start_limit_burst = 1;
  fx.failing_exec = {{"main0", EMFILE}};
  Service s("web", p, fx);
  fx.Start(s);
  ASSERT_EQ(s.state(), ServiceState::kRestarting);
  EXPECT_EQ(s.start_failures(), 1);
  EXPECT_EQ(s.reason().rfind("unable to spawn main0: ", 0), 0u) << s.reason();
  // RestartSec= under the floor of a resource retry (ResourceRetryDelay).
  EXPECT_EQ(fx.timer, fault::Milliseconds(100));
  fx.End(s, 100, Exited(0, 126));  // its exit: a leftover
  EXPECT_EQ(s.state(), ServiceState::kRestarting);
  fx.failing_exec.clear();
  s.TimerFired();  // within the start limit: the retry did not count
  fx.Report(s);
  EXPECT_EQ(s.state(), ServiceState::kRunning);
  EXPECT_EQ(s.start_failures(), 0);

  FakeEffects fx2;
  ServicePolicy q = Simple();
  q.pre_steps = 1;
  Extras(q).pre_ignore_failure = {true};
  fx2.failing_exec = {{"pre0", ENOENT}};
  Service t("db", q, fx2);
  fx2.Start(t);
  EXPECT_EQ(t.state(), ServiceState::kRunning);
  EXPECT_EQ(t.main_pid(), 101);
  fx2.End(t, 100, Exited(0, 127));  // the skipped step's exit
  EXPECT_EQ(t.state(), ServiceState::kRunning);
}

// A stop while the exec report is pending stops the service; the report
// that comes later is ignored. An ExecStop= whose exec failed is as one
// that could not be spawned: KillSignal= for what remains.
TEST(Service, StopWhileExecPending) {
  FakeEffects fx;
  ServicePolicy p = Simple();
  p.stop_steps = 1;
  Service s("web", p, fx);
  s.Start();
  ASSERT_EQ(s.state(), ServiceState::kStarting);
  s.Stop();  // no report yet
  EXPECT_EQ(s.state(), ServiceState::kStopping);
  EXPECT_EQ(fx.log.back(), "signal 15 group");  // no ExecStop=: not running
  fx.Report(s);
  EXPECT_EQ(s.state(), ServiceState::kStopping);
  fx.End(s, 100, Killed(0, SIGTERM));
  EXPECT_EQ(s.state(), ServiceState::kInactive);

  fx.failing_exec = {{"stop0", ENOENT}};
  fx.Start(s);
  ASSERT_EQ(s.state(), ServiceState::kRunning);
  s.Stop();
  EXPECT_EQ(s.step_pid(), 102);
  fx.log.clear();
  fx.Report(s);
  EXPECT_EQ(s.reason(), "unable to execute stop0: No such file or directory");
  // ExecStop= failed: stop-sigterm, with a timer of its own (as systemd),
  // and the stop fails (systemd's child would exit 203).
  EXPECT_EQ(fx.log,
            (std::vector<std::string>{"exec failed stop0", "timer 1min 30s",
                                      "signal 15 group"}));
  fx.End(s, 102, Exited(0, 127));
  fx.End(s, 101, Killed(0, SIGTERM));
  EXPECT_EQ(s.state(), ServiceState::kFailed);
}

}  // namespace
}  // namespace faultinit
