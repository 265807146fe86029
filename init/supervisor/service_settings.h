// File: init/supervisor/service_settings.h
//
// ServiceSettings: what a loaded service keeps of its unit besides the
// ServicePolicy of its state machine (service.h): its Exec*= lines, the
// settings its commands are spawned with (exec_context.h), and the few
// the supervisor reads while it runs (Description=, PIDFile=, KillMode=).
// PID 1 keeps one per service for as long as the unit is loaded, so it is
// the running service's compact form of its unit, made once by SettingsOf:
//   - what only loading needs is not kept: the file's path and text (a
//     reload compares a fingerprint, supervisor_entry.h), dependencies (the
//     supervisor keeps their names), line numbers, load warnings, each
//     Exec*= line's text as written, and what ServicePolicy holds;
//   - the settings most units leave at their defaults are in SpawnExtras,
//     allocated only when the unit sets one of them (extras() gives the
//     defaults otherwise), and those even fewer set in its
//     RareSpawnExtras, allocated only when the unit sets one of those.
//
// A new per-service setting that a running service needs (a spawn-time
// key): a field here or, when most units leave it at its default, in
// SpawnExtras or RareSpawnExtras (and in operator== or
// RareSpawnExtras::AllDefault, which decide whether the blocks are kept);
// SettingsOf copies it from the Unit.
//
// Values; thread-compatible; allocate. No errors (a unit reaching here has
// passed the loader's checks).

#ifndef FAULT_INIT_SUPERVISOR_SERVICE_SETTINGS_H_
#define FAULT_INIT_SUPERVISOR_SERVICE_SETTINGS_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "init/supervisor/service.h"
#include "init/system/exec_command.h"
#include "init/system/unit.h"

namespace faultinit {

// RareSpawnExtras: the spawn-time settings that even the units with
// SpawnExtras seldom set (the Unit's defaults: see unit.h). In
// a block of their own, allocated only for a unit that sets one: Debian's
// units set a user, an environment file or a condition far more often
// than these, and SpawnExtras without them fits musl's 320-byte class,
// not its 672-byte one.
struct RareSpawnExtras {
  // StandardInput=, TTY*=, Syslog*=, IgnoreSIGPIPE= (standard_io_keys.h);
  // SpawnExtras::standard_output and standard_error are the effective
  // ones (a terminal's, with tty input).
  StandardIo io;
  ExecDirectories directories;               // RuntimeDirectory= and its family
  fault::ProcessAttributes attributes;       // Nice=, OOMScoreAdjust=...
  ExecEnvironmentSettings exec_environment;  // SupplementaryGroups=...
  fault::ResourceLimits limits;              // Limit*=
  // CapabilityBoundingSet=, AmbientCapabilities=, SecureBits=,
  // NoNewPrivileges=.
  fault::Privileges privileges;
  // PermissionsStartOnly=: every step but a main one as with "+".
  bool permissions_start_only = false;
  // NonBlocking=: O_NONBLOCK on the sockets the main process gets.
  bool non_blocking = false;

  // Whether every field is at its default: SettingsOf keeps the block only
  // when not.
  bool AllDefault() const;
};

// SpawnExtras: the spawn-time settings most units leave at their defaults
// (the Unit's defaults: see unit.h).
struct SpawnExtras {
  std::string user;               // empty: root (faultinit's own)
  std::string group;              // empty: the user's primary group
  std::string working_directory;  // empty: "/"; "~": the user's home
  EnvironmentMap environment;
  std::vector<EnvironmentFileRef> environment_files;
  std::string pid_file;  // Type=forking's PIDFile=
  OutputTarget standard_output;
  OutputTarget standard_error{OutputTarget::Kind::kInherit, ""};
  // Condition*=/Assert*=, checked when a start is requested.
  std::vector<Condition> conditions;
  // Null while every rare setting is at its default (rare() gives the
  // defaults then).
  std::unique_ptr<const RareSpawnExtras> more;

  const RareSpawnExtras& rare() const;
  // Whether every field, rare ones included, is at its default: SettingsOf
  // keeps the extras of a unit only when not.
  bool AllDefault() const;
};
// The fields compared by value, the rare ones' included (the lists that
// follow them are checked for emptiness by AllDefault).
bool operator==(const SpawnExtras& a, const SpawnExtras& b);
inline bool operator!=(const SpawnExtras& a, const SpawnExtras& b) {
  return !(a == b);
}

// StepCommand: one Exec*= line as a running service uses it: what
// ExpandExecLine needs of its ExecLine (Line() makes it back), with no text
// as written, load warnings or line number, and its words in one string.
// ServiceSettings keeps every line of a unit encoded in one block, and
// makes a StepCommand of one when a step is spawned (Step).
struct StepCommand {
  // ExecLine::words, each followed by a NUL (a unit file holds none).
  std::string words;
  bool ignore_failure = false;
  bool argv0_given = false;
  bool expand_variables = true;
  ExecPrivileges privileges = ExecPrivileges::kNormal;  // "+", "!", "!!"

  static StepCommand Of(const ExecLine& line);
  ExecLine Line() const;
};

struct ServiceSettings {
  // Description=, then the ExecStartPre=, ExecStart=, ExecStop=,
  // ExecStartPost=, ExecReload=, ExecStopPost= and ExecCondition= lines, in
  // that order (Step finds one), in one block: PID 1 keeps them per
  // service, and a string and a vector of StepCommand would take a block
  // for each, and one for each line's words longer than a string holds
  // inline. The block: the description's size and text, the number of
  // lines, then each line's flags (1 byte), the size of its words and its
  // words (StepCommand::words); sizes and count as varints (a byte each
  // below 128: service_settings.cc). Null: no description and no line.
  std::unique_ptr<const char[]> text;
  uint32_t pre_steps = 0;
  uint32_t main_steps = 0;
  uint32_t condition_steps = 0;
  int notification_fd = 0;  // NotificationFd=; 0: none
  mode_t umask = 022;
  KillMode kill_mode = KillMode::kControlGroup;
  bool working_directory_optional = false;  // "-" prefix
  // NotifyAccess=, systemd's default resolved (main_process_keys.h): a
  // byte, beside the other one (no padding).
  NotifyAccess notify_access = NotifyAccess::kNone;
  // ExecStop=, ExecStartPost=, ExecReload= lines: in the padding before
  // `more` (at most kMaxStepLines each: LoadErrorOf refuses more); the
  // ExecStopPost= lines are those left between them and ExecCondition=.
  uint16_t stop_steps = 0;
  uint16_t post_steps = 0;
  uint16_t reload_steps = 0;
  // Null while every field is at its default.
  std::unique_ptr<const SpawnExtras> more;

  const SpawnExtras& extras() const;
  // Description= ("" when the unit has none).
  absl::string_view description() const;
  // How many Exec*= lines the unit has, of all kinds.
  size_t step_count() const;
  // Step: line `index` of `kind` (precondition: it exists), decoded.
  StepCommand Step(StepKind kind, int index) const;
};

// The most lines of ExecStop=, ExecStartPost= or ExecReload= a unit may
// have (ServiceSettings counts them in 16 bits).
inline constexpr size_t kMaxStepLines = 65535;

// SettingsOf: the settings of `unit`.
ServiceSettings SettingsOf(const Unit& unit);

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_SERVICE_SETTINGS_H_
