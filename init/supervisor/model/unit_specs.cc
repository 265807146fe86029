#include "init/supervisor/model/unit_specs.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "init/system/unit.h"

namespace faultinit::model {
namespace {

template <size_t N>
std::string Pick(Choices& choices, const char* const (&values)[N]) {
  return values[choices.Below(N)];
}

// Up to two other units, drawn from kUnitNames.
std::vector<std::string> Others(Choices& choices, const std::string& name,
                                uint32_t percent) {
  std::vector<std::string> out;
  for (int i = 0; i < 2 && choices.Chance(percent); ++i) {
    std::string other = kUnitNames[choices.Below(kUnitCount)];
    if (other != name && std::find(out.begin(), out.end(), other) == out.end())
      out.push_back(other);
  }
  return out;
}

}  // namespace

UnitSpec RandomUnit(Choices& choices, const std::string& name, int revision) {
  UnitSpec s;
  s.revision = revision;
  static const char* const kTypes[] = {"simple", "simple", "exec",
                                       "notify", "notify", "oneshot"};
  s.type = Pick(choices, kTypes);
  s.notification_fd = s.type == "notify" && choices.Chance(75);
  s.pre_steps = choices.Chance(25) ? 1 + static_cast<int>(choices.Below(2)) : 0;
  s.pre_ignore_failure = s.pre_steps > 0 && choices.Chance(30);
  s.start_steps =
      s.type == "oneshot" ? 1 + static_cast<int>(choices.Below(2)) : 1;
  s.exec_stop = choices.Chance(20);
  s.missing_executable = choices.Chance(5);
  static const char* const kRestarts[] = {"no", "no", "always", "on-failure"};
  static const char* const kOneshotRestarts[] = {"no", "on-failure"};
  s.restart = s.type == "oneshot" ? Pick(choices, kOneshotRestarts)
                                  : Pick(choices, kRestarts);
  static const char* const kRestartSecs[] = {"", "0", "100ms", "1s", "5s"};
  s.restart_sec = Pick(choices, kRestartSecs);
  // Finite start timeouts only: a start that can never end would keep a
  // blocking start request waiting by design.
  static const char* const kStartTimeouts[] = {"", "2s", "30s"};
  s.timeout_start = Pick(choices, kStartTimeouts);
  // Finite stop timeouts only: with infinity, a process forked after the
  // stop's signal (or left by KillMode=mixed) is never signalled, and the
  // stop waits for it by design (as systemd's does).
  static const char* const kStopTimeouts[] = {"", "1s", "10s"};
  s.timeout_stop = Pick(choices, kStopTimeouts);
  static const char* const kBursts[] = {"", "", "2", "0"};
  s.start_limit_burst = Pick(choices, kBursts);
  static const char* const kKillModes[] = {"", "", "mixed", "process"};
  s.kill_mode = Pick(choices, kKillModes);
  static const char* const kKillSignals[] = {"", "", "", "SIGINT", "SIGHUP"};
  s.kill_signal = Pick(choices, kKillSignals);
  s.after = Others(choices, name, 35);
  s.before = Others(choices, name, 10);
  s.requires = Others(choices, name, 20);
  return s;
}

std::string UnitPath(const std::string& name) {
  return absl::StrCat("/m/units/", name, ".service");
}

std::string RenderUnit(const std::string& name, const UnitSpec& s) {
  const std::string prefix = absl::StrCat("/m/", name, "/", s.revision, "/");
  std::string text = absl::StrCat("[Unit]\nDescription=", name, " revision ",
                                  s.revision, "\n");
  std::vector<std::string>
  requires = s.requires;
  if (s.broken == Break::kMissingRequirement) requires.push_back("missing");
  if (!s.after.empty())
    absl::StrAppend(&text, "After=", absl::StrJoin(s.after, " "), "\n");
  if (!s.before.empty())
    absl::StrAppend(&text, "Before=", absl::StrJoin(s.before, " "), "\n");
  if (!requires.empty())
    absl::StrAppend(&text, "Requires=", absl::StrJoin(requires, " "), "\n");
  if (!s.start_limit_burst.empty())
    absl::StrAppend(&text, "StartLimitBurst=", s.start_limit_burst, "\n");
  absl::StrAppend(&text, "[Service]\nType=",
                  s.broken == Break::kBadType ? "sometimes" : s.type, "\n");
  if (s.notification_fd) absl::StrAppend(&text, "NotificationFd=3\n");
  for (int i = 0; i < s.pre_steps; ++i) {
    absl::StrAppend(&text, "ExecStartPre=", s.pre_ignore_failure ? "-" : "",
                    prefix, "pre", i, "\n");
  }
  for (int i = 0; i < s.start_steps; ++i) {
    if (s.missing_executable && i == 0) {
      absl::StrAppend(&text, "ExecStart=/m/missing/", name, "\n");
    } else {
      absl::StrAppend(&text, "ExecStart=", prefix, "main", i, "\n");
    }
  }
  if (s.exec_stop) absl::StrAppend(&text, "ExecStop=", prefix, "stop0\n");
  absl::StrAppend(&text, "Restart=", s.restart, "\n");
  if (s.broken == Break::kBadRestartSec) {
    absl::StrAppend(&text, "RestartSec=5x\n");
  } else if (!s.restart_sec.empty()) {
    absl::StrAppend(&text, "RestartSec=", s.restart_sec, "\n");
  }
  if (!s.timeout_start.empty())
    absl::StrAppend(&text, "TimeoutStartSec=", s.timeout_start, "\n");
  if (!s.timeout_stop.empty())
    absl::StrAppend(&text, "TimeoutStopSec=", s.timeout_stop, "\n");
  if (!s.kill_mode.empty())
    absl::StrAppend(&text, "KillMode=", s.kill_mode, "\n");
  if (!s.kill_signal.empty())
    absl::StrAppend(&text, "KillSignal=", s.kill_signal, "\n");
  return text;
}

LoadedUnits LoadTexts(const UnitTexts& texts) {
  std::vector<ParsedUnit> units;
  for (const auto& [name, text] : texts) {
    ParsedUnit parsed = ParseUnit(UnitPath(name), text);
    parsed.source = text;
    units.push_back(std::move(parsed));
  }
  return LinkUnits("/m/units", std::move(units));
}

LoadedUnits LoadSpecs(const std::map<std::string, UnitSpec>& directory) {
  UnitTexts texts;
  for (const auto& [name, spec] : directory) {
    texts.emplace_back(name, RenderUnit(name, spec));
  }
  return LoadTexts(texts);
}

}  // namespace faultinit::model
