// File: init/supervisor/model/unit_specs.h
//
// The supervisor model's unit files: UnitSpec, what one revision of a
// unit says; RandomUnit draws one; RenderUnit writes it as a unit file
// whose commands name the unit, the revision and the step
// ("ExecStart=/m/web/7/main0"), which is how FakeWorld knows what it
// spawns; LoadSpecs parses and links a directory of them in memory, as
// LoadUnitDirectory would read it from disk.
//
// A spec may be broken on purpose (Break): an invalid value, a Requires=
// naming no unit, an unknown Type=; other errors arise from combinations
// (an ordering cycle across units, a Requires= of a removed unit). Which
// units have errors is decided by the parser, never assumed here.
//
// Values; pure functions.

#ifndef FAULT_INIT_SUPERVISOR_MODEL_UNIT_SPECS_H_
#define FAULT_INIT_SUPERVISOR_MODEL_UNIT_SPECS_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "init/supervisor/model/choices.h"
#include "init/system/unit_directory.h"

namespace faultinit::model {

// The unit names the model uses, and "missing", which no unit has.
inline constexpr const char* kUnitNames[] = {"a", "b", "c", "d", "e"};
inline constexpr int kUnitCount = 5;

enum class Break {
  kNone,
  kBadRestartSec,       // RestartSec=5x
  kMissingRequirement,  // Requires=missing
  kBadType,             // Type=sometimes
};

struct UnitSpec {
  int revision = 0;
  // "simple", "exec", "notify", "oneshot".
  std::string type = "simple";
  bool notification_fd = false;  // notify only: NotificationFd=3
  int pre_steps = 0;             // ExecStartPre= lines
  bool pre_ignore_failure = false;
  int start_steps = 1;  // several only for oneshot
  bool exec_stop = false;
  bool missing_executable = false;  // ExecStart= names /m/missing/...
  std::string restart = "no";
  std::string restart_sec;    // "" for the default
  std::string timeout_start;  // ""
  std::string timeout_stop;   // ""
  std::string start_limit_burst;
  std::string kill_mode;    // "", "mixed", "process"
  std::string kill_signal;  // "", "SIGINT", "SIGHUP"
  std::vector<std::string> after;
  std::vector<std::string> before;
  std::vector<std::string>
  requires;
  Break broken = Break::kNone;
};

// RandomUnit draws a spec for `name` (dependencies among kUnitNames, never
// itself), of `revision`, not broken.
UnitSpec RandomUnit(Choices& choices, const std::string& name, int revision);

// RenderUnit writes the unit file of `spec` for `name`.
std::string RenderUnit(const std::string& name, const UnitSpec& spec);

// The path of `name`'s unit file in the model's directory.
std::string UnitPath(const std::string& name);

// UnitTexts: unit names and their files' texts, in order.
using UnitTexts = std::vector<std::pair<std::string, std::string>>;

// LoadTexts parses every text as the unit file of its name (ParseUnit), in
// order, and links them (LinkUnits), with each ParsedUnit's source set as
// ReadUnitFile sets it.
LoadedUnits LoadTexts(const UnitTexts& texts);

// LoadSpecs: LoadTexts of every spec's RenderUnit.
LoadedUnits LoadSpecs(const std::map<std::string, UnitSpec>& directory);

}  // namespace faultinit::model

#endif  // FAULT_INIT_SUPERVISOR_MODEL_UNIT_SPECS_H_
