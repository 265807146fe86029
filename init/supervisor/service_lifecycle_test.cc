// Service's steps beyond ExecStart=/ExecStop= (ExecStartPost=,
// ExecStopPost=, RemainAfterExit=, ExecReload=) and the kill keys, by
// behaviour, on the fake effects.

#include <signal.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "init/supervisor/service.h"
#include "init/supervisor/service_fake_effects.h"

namespace faultinit {
namespace {

using service_testing::Exited;
using service_testing::Extras;
using service_testing::FakeEffects;
using service_testing::Killed;
using service_testing::Simple;

// ExecStartPost= runs once the main process is ready; the service is
// running only after it; a failure fails the start and ExecStopPost= runs.
TEST(Service, StartPostAfterReadyAndItsFailureFails) {
  FakeEffects fx;
  ServicePolicy p = Simple();
  p.post_steps = 1;
  p.stop_post_steps = 1;
  Service s("web", p, fx);
  fx.Start(s);
  EXPECT_EQ(s.sub_state(), ServiceSubState::kStartPost);
  EXPECT_EQ(s.state(), ServiceState::kStarting);
  fx.End(s, 101, Exited(0, 0));
  EXPECT_EQ(s.state(), ServiceState::kRunning);
  s.Stop();
  fx.End(s, 100, Killed(0, SIGTERM));
  ASSERT_EQ(s.sub_state(), ServiceSubState::kStopPost);
  fx.End(s, 102, Exited(0, 0));
  EXPECT_EQ(s.state(), ServiceState::kInactive);
  fx.log.clear();
  fx.Start(s);
  fx.End(s, 104, Exited(0, 2));  // post0 fails: the main process is stopped
  EXPECT_EQ(s.sub_state(), ServiceSubState::kStopSigterm);
  EXPECT_EQ(fx.log.back(), "signal 15 group");
  EXPECT_EQ(s.reason(), "ExecStartPost= ended with exit 2");
  fx.End(s, 103, Killed(0, SIGTERM));
  EXPECT_EQ(s.sub_state(), ServiceSubState::kStopPost);
  fx.End(s, 105, Exited(0, 1));  // a failing ExecStopPost= is only logged
  EXPECT_EQ(s.state(), ServiceState::kFailed);
  EXPECT_EQ(fx.log.back(), "failed");
  EXPECT_NE(std::find(fx.log.begin(), fx.log.end(),
                      "warn ExecStopPost= ended with exit 1"),
            fx.log.end());
}

// ExecStopPost= runs after a crash, before the restart is scheduled.
TEST(Service, StopPostAfterACrashThenRestart) {
  FakeEffects fx;
  ServicePolicy p = Simple();
  p.stop_post_steps = 1;
  p.restart = RestartPolicy::kOnFailure;
  Service s("web", p, fx);
  fx.Start(s);
  fx.End(s, 100, Killed(0, SIGSEGV));
  EXPECT_EQ(s.sub_state(), ServiceSubState::kStopPost);
  EXPECT_EQ(s.step_pid(), 101);
  fx.End(s, 101, Exited(0, 0));
  EXPECT_EQ(s.state(), ServiceState::kRestarting);
}

// RemainAfterExit=: a oneshot stays active (exited); stop runs ExecStop=
// and then ExecStopPost=.
TEST(Service, RemainAfterExitOneshotStaysActive) {
  FakeEffects fx;
  ServicePolicy p = Simple();
  p.type = ServiceType::kOneshot;
  p.remain_after_exit = true;
  p.stop_steps = 1;
  p.stop_post_steps = 1;
  Service s("setup", p, fx);
  s.Start();
  fx.End(s, 100, Exited(0, 0));
  EXPECT_EQ(s.sub_state(), ServiceSubState::kExited);
  EXPECT_EQ(s.state(), ServiceState::kRunning);
  s.Stop();
  EXPECT_EQ(s.sub_state(), ServiceSubState::kStop);
  fx.End(s, 101, Exited(0, 0));
  EXPECT_EQ(s.sub_state(), ServiceSubState::kStopPost);
  fx.End(s, 102, Exited(0, 0));
  EXPECT_EQ(s.state(), ServiceState::kInactive);
}

// ExecReload= runs from running and returns there; a failure is logged
// and leaves the service running.
TEST(Service, ReloadRunsAndItsFailureLeavesItRunning) {
  FakeEffects fx;
  ServicePolicy p = Simple();
  p.reload_steps = 1;
  Service s("web", p, fx);
  fx.Start(s);
  s.Reload();
  EXPECT_EQ(s.sub_state(), ServiceSubState::kReloading);
  EXPECT_EQ(s.state(), ServiceState::kRunning);
  fx.End(s, 101, Exited(0, 0));
  EXPECT_EQ(s.sub_state(), ServiceSubState::kRunning);
  EXPECT_FALSE(s.reload_failed());
  s.Reload();
  fx.End(s, 102, Exited(0, 1));
  EXPECT_EQ(s.sub_state(), ServiceSubState::kRunning);
  EXPECT_TRUE(s.reload_failed());
  EXPECT_EQ(fx.log.back(), "warn reload failed: ExecReload= ended with exit 1");
  EXPECT_EQ(s.main_pid(), 100);
}

// The kill keys: SendSIGHUP= follows KillSignal= with SIGHUP; SendSIGKILL=no
// sends nothing at the timeout; FinalKillSignal= replaces SIGKILL;
// RestartKillSignal= is the signal of a restart's stop.
TEST(Service, KillKeys) {
  {
    FakeEffects fx;
    ServicePolicy p = Simple();
    Extras(p).send_sighup = true;
    Extras(p).final_kill_signal = SIGQUIT;
    Service s("web", p, fx);
    fx.Start(s);
    fx.log.clear();
    s.Stop();
    s.TimerFired();
    EXPECT_EQ(fx.log,
              (std::vector<std::string>{"stopping", "timer 1min 30s",
                                        "signal 15 group", "signal 1 group",
                                        "timer 1min 30s", "signal 3 final"}));
  }
  {
    FakeEffects fx;
    ServicePolicy p = Simple();
    Extras(p).send_sigkill = false;
    Service s("web", p, fx);
    fx.Start(s);
    s.Stop();
    fx.log.clear();
    s.TimerFired();
    // Left running; the stop timed out: failed, as systemd's "timeout".
    EXPECT_EQ(s.state(), ServiceState::kFailed);
    EXPECT_EQ(s.reason(),
              "stop timed out after 1min 30s; SendSIGKILL=no: left running");
    EXPECT_EQ(fx.log, (std::vector<std::string>{"failed"}));
  }
  {
    // The same at the final-sigterm timeout (a stop of a failed service
    // that left a process): failed, and the process runs on, as systemd's
    // "Skipping SIGKILL".
    FakeEffects fx;
    ServicePolicy p = Simple();
    Extras(p).send_sigkill = false;
    Service s("web", p, fx);
    fx.Start(s);
    fx.running.insert(999);              // what it forked, left behind
    fx.End(s, 100, Killed(0, SIGSEGV));  // stop-sigterm: 999 is left
    s.TimerFired();                      // SendSIGKILL=no: left running
    ASSERT_EQ(s.state(), ServiceState::kFailed);
    s.Stop();
    ASSERT_EQ(s.sub_state(), ServiceSubState::kFinalSigterm);
    fx.log.clear();
    s.TimerFired();
    EXPECT_EQ(s.state(), ServiceState::kFailed);
    EXPECT_EQ(s.reason(),
              "stop timed out after 1min 30s; SendSIGKILL=no: left running");
    EXPECT_EQ(fx.log, (std::vector<std::string>{"failed"}));
  }
  {
    FakeEffects fx;
    ServicePolicy p = Simple();
    Extras(p).restart_kill_signal = SIGINT;
    Service s("web", p, fx);
    fx.Start(s);
    fx.log.clear();
    s.Stop(/*for_restart=*/true);
    EXPECT_EQ(fx.log.back(), "signal 2 group");
    fx.End(s, 100, Killed(0, SIGINT));
    fx.Start(s);
    s.Stop();
    EXPECT_EQ(fx.log.back(), "signal 15 group");
  }
}

// KillMode=none: only ExecStop= runs; the stop ends with it and signals
// nothing.
TEST(Service, KillModeNoneSignalsNothing) {
  FakeEffects fx;
  ServicePolicy p = Simple();
  p.stop_steps = 1;
  Extras(p).kill_none = true;
  Service s("web", p, fx);
  fx.Start(s);
  fx.log.clear();
  s.Stop();
  fx.End(s, 101, Exited(0, 0));
  EXPECT_EQ(s.state(), ServiceState::kInactive);
  for (const std::string& line : fx.log) {
    EXPECT_EQ(line.find("signal"), std::string::npos) << line;
  }
}

// Timeouts as systemd's: a start that times out gets KillSignal= and,
// TimeoutStopSec= later, SIGKILL (TimeoutStartFailureMode=terminate), and
// fails (Restart=on-failure restarts it); a stop that times out fails.
TEST(Service, TimeoutsTerminateAndFail) {
  for (RestartPolicy restart :
       {RestartPolicy::kNo, RestartPolicy::kOnFailure, RestartPolicy::kOnAbort,
        RestartPolicy::kOnAbnormal, RestartPolicy::kAlways,
        RestartPolicy::kOnSuccess}) {
    FakeEffects fx;
    ServicePolicy p = Simple();
    p.type = ServiceType::kNotify;  // never ready
    p.restart = restart;
    p.stop_post_steps = 1;
    Service s("web", p, fx);
    fx.Start(s);
    fx.log.clear();
    s.TimerFired();
    EXPECT_EQ(s.sub_state(), ServiceSubState::kStopSigterm);
    EXPECT_EQ(fx.log, (std::vector<std::string>{"stopping", "timer 1min 30s",
                                                "signal 15 group"}));
    s.TimerFired();
    EXPECT_EQ(s.sub_state(), ServiceSubState::kStopSigkill);
    EXPECT_EQ(fx.log.back(), "signal 9 final");
    fx.End(s, 100, Killed(0, SIGKILL));
    ASSERT_EQ(s.sub_state(), ServiceSubState::kStopPost);
    fx.End(s, 101, Exited(0, 0));
    // Restart='s row "Timeout" in systemd's table: restarted with
    // on-failure, on-abnormal and always; failed with the others.
    const bool restarts = restart == RestartPolicy::kOnFailure ||
                          restart == RestartPolicy::kOnAbnormal ||
                          restart == RestartPolicy::kAlways;
    EXPECT_EQ(s.sub_state(), restarts ? ServiceSubState::kAutoRestart
                                      : ServiceSubState::kFailed)
        << static_cast<int>(restart);
    EXPECT_EQ(s.reason(), "start timed out after 1min 30s");
    if (restarts) {
      // A stop requested while it is killed after the timeout cancels the
      // restart: a requested stop stays stopped.
      FakeEffects fx2;
      Service t("web", p, fx2);
      fx2.Start(t);
      t.TimerFired();
      ASSERT_EQ(t.sub_state(), ServiceSubState::kStopSigterm);
      t.Stop();
      t.TimerFired();
      fx2.End(t, 100, Killed(0, SIGKILL));
      fx2.End(t, 101, Exited(0, 0));
      EXPECT_NE(t.sub_state(), ServiceSubState::kAutoRestart);
    }
  }
  {
    FakeEffects fx;
    Service s("web", Simple(), fx);
    fx.Start(s);
    s.Stop();
    s.TimerFired();
    fx.End(s, 100, Killed(0, SIGKILL));
    EXPECT_EQ(s.state(), ServiceState::kFailed);
    EXPECT_EQ(s.reason(), "stop timed out after 1min 30s: killed");
  }
}

// A start step that fails (ExecStartPre=, a oneshot's ExecStart=,
// ExecStartPost=) and leaves processes: as systemd after a failed start,
// what is left gets KillSignal= (stop-sigterm) and, TimeoutStopSec=
// later, FinalKillSignal= (stop-sigkill), then ExecStopPost= runs and the
// service fails (or restarts, as Restart= says).
TEST(Service, FailedStartStepStopsItsLeftoversAsAStop) {
  enum class Step { kPre, kOneshot, kPost };
  for (Step step : {Step::kPre, Step::kOneshot, Step::kPost}) {
    for (bool restart : {false, true}) {
      FakeEffects fx;
      ServicePolicy p = Simple();
      p.kill_signal = SIGINT;
      p.stop_post_steps = 1;
      if (restart) p.restart = RestartPolicy::kOnFailure;
      auto x = std::make_shared<LifecycleExtras>();
      x->final_kill_signal = SIGQUIT;
      p.lifecycle = x;
      pid_t failing = 0;
      if (step == Step::kPre) {
        p.pre_steps = 1;
        failing = 100;
      } else if (step == Step::kOneshot) {
        p.type = ServiceType::kOneshot;
        failing = 100;
      } else {
        p.post_steps = 1;
        failing = 101;  // the main process, 100, still runs
      }
      Service s("web", p, fx);
      s.Start();
      fx.Report(s);
      fx.running.insert(300);  // forked by the step, trapping KillSignal=
      fx.log.clear();
      fx.End(s, failing, Exited(0, 3));
      const std::string where =
          absl::StrCat("step ", static_cast<int>(step), " restart ", restart);
      ASSERT_EQ(s.sub_state(), ServiceSubState::kStopSigterm) << where;
      EXPECT_EQ(fx.log, (std::vector<std::string>{"stopping", "timer 1min 30s",
                                                  "signal 2 group"}))
          << where;
      for (const std::string& line : fx.log) {
        EXPECT_EQ(line.find("signal 9"), std::string::npos) << where;
      }
      if (step == Step::kPost) fx.End(s, 100, Killed(0, SIGINT));
      ASSERT_EQ(s.sub_state(), ServiceSubState::kStopSigterm) << where;
      s.TimerFired();  // TimeoutStopSec=: the final kill signal
      ASSERT_EQ(s.sub_state(), ServiceSubState::kStopSigkill) << where;
      EXPECT_EQ(fx.log.back(), "signal 3 final") << where;
      fx.running.erase(300);
      s.ProcessesGone();
      ASSERT_EQ(s.sub_state(), ServiceSubState::kStopPost) << where;
      fx.End(s, s.step_pid(), Exited(0, 0));
      EXPECT_EQ(s.sub_state(), restart ? ServiceSubState::kAutoRestart
                                       : ServiceSubState::kFailed)
          << where;
      EXPECT_NE(s.reason().find("exit 3"), std::string::npos)
          << where << ": " << s.reason();
    }
  }
}

// A failing ExecStop= line ends the lines and fails the stop (systemd's
// result "exit-code"); what runs still gets KillSignal=. With "-" it counts
// as success.
TEST(Service, FailingExecStopFailsTheStop) {
  for (bool dash : {false, true}) {
    FakeEffects fx;
    ServicePolicy p = Simple();
    p.stop_steps = 2;
    if (dash) Extras(p).stop_ignore_failure = {true, false};
    Service s("web", p, fx);
    fx.Start(s);
    s.Stop();
    fx.End(s, 101, Exited(0, 3));  // stop0
    if (dash) {
      ASSERT_EQ(s.sub_state(), ServiceSubState::kStop);  // stop1 102
      fx.End(s, 102, Exited(0, 0));
    }
    ASSERT_EQ(s.sub_state(), ServiceSubState::kStopSigterm);
    EXPECT_EQ(fx.log.back(), "signal 15 group");
    fx.End(s, 100, Killed(0, SIGTERM));
    if (dash) {
      EXPECT_EQ(s.state(), ServiceState::kInactive);
    } else {
      EXPECT_EQ(s.state(), ServiceState::kFailed);
      EXPECT_EQ(s.reason(), "ExecStop= ended with exit 3");
    }
  }
}

}  // namespace
}  // namespace faultinit
