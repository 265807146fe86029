// ExecStartPost=, ExecReload=, ExecStopPost=, RemainAfterExit= and the kill
// keys (unit_lifecycle_keys.h), through ParseUnit as a unit file is read.

#include "init/system/unit_lifecycle_keys.h"

#include <signal.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "init/system/unit.h"

namespace faultinit {
namespace {

constexpr char kPath[] = "/srv/units/web.service";

std::vector<std::string> Diagnostics(const ParsedUnit& parsed) {
  std::vector<std::string> out;
  for (const Diagnostic& d : parsed.diagnostics) out.push_back(d.ToString());
  return out;
}

ParsedUnit Parse(const std::string& lines) {
  return ParseUnit(kPath,
                   absl::StrCat("[Service]\nExecStart=/bin/true\n", lines));
}

// The defaults are systemd's.
TEST(LifecycleKeys, Defaults) {
  Unit u = Parse("").unit;
  EXPECT_TRUE(u.exec_start_post.empty());
  EXPECT_TRUE(u.exec_reload.empty());
  EXPECT_TRUE(u.exec_stop_post.empty());
  EXPECT_FALSE(u.remain_after_exit);
  EXPECT_FALSE(u.send_sighup);
  EXPECT_TRUE(u.send_sigkill);
  EXPECT_EQ(u.final_kill_signal, SIGKILL);
  EXPECT_EQ(u.restart_kill_signal, 0);
}

// The Exec*= lists add up, keep "-", and an empty value resets them.
TEST(LifecycleKeys, ExecLists) {
  ParsedUnit p = Parse(
      "ExecStartPost=/bin/echo a\nExecStartPost=-/bin/echo b\n"
      "ExecReload=/bin/kill -HUP $MAINPID\n"
      "ExecStopPost=/bin/echo x\nExecStopPost=\nExecStopPost=/bin/echo y\n");
  EXPECT_EQ(Diagnostics(p), std::vector<std::string>{});
  ASSERT_EQ(p.unit.exec_start_post.size(), 2u);
  EXPECT_FALSE(p.unit.exec_start_post[0].ignore_failure);
  EXPECT_TRUE(p.unit.exec_start_post[1].ignore_failure);
  ASSERT_EQ(p.unit.exec_reload.size(), 1u);
  EXPECT_EQ(p.unit.exec_reload[0].words,
            (std::vector<std::string>{"/bin/kill", "-HUP", "$MAINPID"}));
  ASSERT_EQ(p.unit.exec_stop_post.size(), 1u);
  EXPECT_EQ(p.unit.exec_stop_post[0].words[1], "y");
}

TEST(LifecycleKeys, BooleansAndSignals) {
  ParsedUnit p = Parse(
      "RemainAfterExit=yes\nSendSIGHUP=true\nSendSIGKILL=no\n"
      "FinalKillSignal=SIGQUIT\nRestartKillSignal=INT\n");
  EXPECT_EQ(Diagnostics(p), std::vector<std::string>{});
  EXPECT_TRUE(p.unit.remain_after_exit);
  EXPECT_TRUE(p.unit.send_sighup);
  EXPECT_FALSE(p.unit.send_sigkill);
  EXPECT_EQ(p.unit.final_kill_signal, SIGQUIT);
  EXPECT_EQ(p.unit.restart_kill_signal, SIGINT);
  EXPECT_EQ(Diagnostics(Parse("RemainAfterExit=maybe\n")),
            std::vector<std::string>{
                "/srv/units/web.service:3: error: RemainAfterExit: invalid "
                "boolean \"maybe\""});
  EXPECT_FALSE(Parse("FinalKillSignal=SIGNOPE\n").ok());
}

// KillMode=none: accepted with systemd's deprecation warning.
TEST(LifecycleKeys, KillModeNoneWarns) {
  ParsedUnit p = Parse("KillMode=none\n");
  EXPECT_TRUE(p.ok());
  EXPECT_EQ(p.unit.kill_mode, KillMode::kNone);
  EXPECT_EQ(Diagnostics(p),
            std::vector<std::string>{
                "/srv/units/web.service:3: warning: KillMode=none is "
                "deprecated: only ExecStop= runs on stop; no process is "
                "signalled"});
}

// TimeoutStartFailureMode=/TimeoutStopFailureMode= take systemd's words:
// terminate (the default) is what faultinit does; kill and abort warn that
// they are done as terminate.
TEST(LifecycleKeys, TimeoutFailureModesWarn) {
  ParsedUnit p = Parse(
      "TimeoutStartFailureMode=terminate\nTimeoutStopFailureMode=abort\n"
      "TimeoutStartFailureMode=kill\n");
  EXPECT_TRUE(p.ok());
  EXPECT_EQ(Diagnostics(p),
            (std::vector<std::string>{
                "/srv/units/web.service:4: warning: TimeoutStopFailureMode: "
                "differs from systemd: `abort` is done as `terminate` (no "
                "SIGABRT, no core dump)",
                "/srv/units/web.service:5: warning: TimeoutStartFailureMode: "
                "differs from systemd: `kill` is done as `terminate`: "
                "KillSignal= first, FinalKillSignal= after TimeoutStopSec="}));
  ParsedUnit bad = Parse("TimeoutStartFailureMode=gently\n");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(Diagnostics(bad),
            std::vector<std::string>{
                "/srv/units/web.service:3: error: TimeoutStartFailureMode: "
                "invalid value \"gently\": expected terminate, abort or "
                "kill"});
}

}  // namespace
}  // namespace faultinit
