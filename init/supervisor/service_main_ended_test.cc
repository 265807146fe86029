// A running service whose main process ends on its own (Service::
// MainEnded), on the fake effects: the stop states it goes through, as
// systemd's service_enter_running: a success runs ExecStop= and then the
// kill, a failure goes to the kill at once, RemainAfterExit=yes keeps it
// active (exited).

#include <signal.h>

#include <string>
#include <vector>

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

// ExecStop= and ExecStopPost=, one line each; pids: main 100, then the
// steps 101, 102.
ServicePolicy WithStopSteps() {
  ServicePolicy p = Simple();
  p.stop_steps = 1;
  p.stop_post_steps = 1;
  return p;
}

// A main process that exits 0 and leaves a process that ignores SIGTERM:
// ExecStop= runs, then KillSignal= to what is left, TimeoutStopSec= later
// FinalKillSignal=, then ExecStopPost=; the stop timed out, so the
// service fails (systemd's result "timeout").
TEST(MainEnded, SuccessRunsExecStopThenTheKillThenExecStopPost) {
  FakeEffects fx;
  ServicePolicy p = WithStopSteps();
  Extras(p).final_kill_signal = SIGQUIT;
  Service s("d", p, fx);
  fx.Start(s);
  ASSERT_EQ(s.sub_state(), ServiceSubState::kRunning);
  fx.running.insert(300);  // forked by the main process
  fx.log.clear();
  fx.End(s, 100, Exited(0, 0));
  ASSERT_EQ(s.sub_state(), ServiceSubState::kStop);
  EXPECT_EQ(fx.log, (std::vector<std::string>{"stopping", "timer 1min 30s",
                                              "start stop0 101"}));
  fx.log.clear();
  fx.End(s, 101, Exited(0, 0));
  ASSERT_EQ(s.sub_state(), ServiceSubState::kStopSigterm);
  EXPECT_EQ(fx.log,
            (std::vector<std::string>{"timer 1min 30s", "signal 15 group"}));
  fx.log.clear();
  fx.Fire(s);  // TimeoutStopSec=
  ASSERT_EQ(s.sub_state(), ServiceSubState::kStopSigkill);
  EXPECT_EQ(fx.log,
            (std::vector<std::string>{"timer 1min 30s", "signal 3 final"}));
  fx.log.clear();
  fx.End(s, 300, Exited(0, 0));  // the last process: on to ExecStopPost=
  ASSERT_EQ(s.sub_state(), ServiceSubState::kStopPost);
  EXPECT_EQ(fx.log, (std::vector<std::string>{"timer 1min 30s",
                                              "start stoppost0 102"}));
  fx.End(s, 102, Exited(0, 0));
  EXPECT_EQ(s.sub_state(), ServiceSubState::kFailed);
  EXPECT_EQ(s.reason(), "stop timed out after 1min 30s: killed");
}

// Nothing left after a success: ExecStop=, then ExecStopPost=, and the
// service is dead, successfully; Restart=always restarts it after them.
TEST(MainEnded, SuccessWithNothingLeftEndsDeadOrRestarts) {
  for (bool always : {false, true}) {
    FakeEffects fx;
    ServicePolicy p = WithStopSteps();
    if (always) p.restart = RestartPolicy::kAlways;
    Service s("d", p, fx);
    fx.Start(s);
    fx.End(s, 100, Exited(0, 0));
    ASSERT_EQ(s.step_pid(), 101) << always;
    fx.log.clear();
    fx.End(s, 101, Exited(0, 0));
    ASSERT_EQ(s.sub_state(), ServiceSubState::kStopPost) << always;
    EXPECT_EQ(fx.log, (std::vector<std::string>{"timer 1min 30s",
                                                "start stoppost0 102"}))
        << always;
    fx.End(s, 102, Exited(0, 0));
    EXPECT_EQ(s.sub_state(),
              always ? ServiceSubState::kAutoRestart : ServiceSubState::kDead)
        << always;
    EXPECT_EQ(s.succeeded(), !always);
  }
}

// A main process that failed skips ExecStop=: KillSignal= to what is
// left at once, then ExecStopPost=, and the failure stands.
TEST(MainEnded, FailureSkipsExecStop) {
  FakeEffects fx;
  ServicePolicy p = WithStopSteps();
  Service s("d", p, fx);
  fx.Start(s);
  fx.running.insert(300);
  fx.log.clear();
  fx.End(s, 100, Exited(0, 3));
  ASSERT_EQ(s.sub_state(), ServiceSubState::kStopSigterm);
  EXPECT_EQ(fx.log, (std::vector<std::string>{"stopping", "timer 1min 30s",
                                              "signal 15 group"}));
  fx.log.clear();
  fx.End(s, 300, Exited(0, 0));
  ASSERT_EQ(s.sub_state(), ServiceSubState::kStopPost);
  EXPECT_EQ(fx.log, (std::vector<std::string>{"timer 1min 30s",
                                              "start stoppost0 101"}));
  fx.End(s, 101, Exited(0, 0));
  EXPECT_EQ(s.sub_state(), ServiceSubState::kFailed);
  EXPECT_EQ(s.reason(), "main process ended with exit 3");
}

// KillMode=mixed: KillSignal= would reach the main process alone, which
// is gone: the final kill signal goes to every process at once
// (stop-sigkill), after ExecStop= for a success, and is waited for; with
// SendSIGKILL=no, ExecStopPost= follows at once and what is left runs on.
TEST(MainEnded, MixedKillsWhatIsLeftAtOnce) {
  for (bool success : {true, false}) {
    for (bool send_sigkill : {true, false}) {
      FakeEffects fx;
      ServicePolicy p = WithStopSteps();
      LifecycleExtras& x = Extras(p);
      x.kill_mixed = true;
      x.send_sigkill = send_sigkill;
      Service s("d", p, fx);
      fx.Start(s);
      fx.running.insert(300);
      fx.log.clear();
      fx.End(s, 100, Exited(0, success ? 0 : 1));
      if (success) {
        ASSERT_EQ(s.sub_state(), ServiceSubState::kStop);
        fx.log.clear();
        fx.End(s, 101, Exited(0, 0));
      }
      const pid_t stop_post = success ? 102 : 101;
      for (const std::string& line : fx.log) {
        EXPECT_EQ(line.find("signal 15"), std::string::npos) << line;
      }
      if (send_sigkill) {
        ASSERT_EQ(s.sub_state(), ServiceSubState::kStopSigkill);
        EXPECT_EQ(fx.log.back(), "signal 9 final");
        fx.End(s, 300, Killed(0, SIGKILL));
      }
      ASSERT_EQ(s.sub_state(), ServiceSubState::kStopPost)
          << success << send_sigkill;
      EXPECT_EQ(s.step_pid(), stop_post);
      fx.End(s, stop_post, Exited(0, 0));
      EXPECT_EQ(s.sub_state(),
                success ? ServiceSubState::kDead : ServiceSubState::kFailed);
    }
  }
}

// RemainAfterExit=yes: a success leaves the service active (exited), its
// leftovers alone; a failure stops it as without.
TEST(MainEnded, RemainAfterExitKeepsASuccessActive) {
  FakeEffects fx;
  ServicePolicy p = WithStopSteps();
  p.remain_after_exit = true;
  Service s("d", p, fx);
  fx.Start(s);
  fx.running.insert(300);
  fx.log.clear();
  fx.End(s, 100, Exited(0, 0));
  EXPECT_EQ(s.sub_state(), ServiceSubState::kExited);
  EXPECT_TRUE(fx.log.empty()) << fx.log.front();

  Service t("e", p, fx);
  fx.Start(t);
  fx.End(t, t.main_pid(), Exited(0, 1));
  EXPECT_EQ(t.sub_state(), ServiceSubState::kStopSigterm);
}

}  // namespace
}  // namespace faultinit
