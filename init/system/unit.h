// File: init/system/unit.h
//
// The unit-file layer of system mode: `Unit`, the parsed model of one
// `NAME.service` file with systemd's defaults, and `ParseUnit`, which reads
// its text and reports every problem as a `Diagnostic` with file and line.
//
// Parsing never stops at the first problem and never throws the unit away:
// a unit with an error diagnostic is *failed* (it is kept so that `--check`
// and the supervisor can name it, and so that what requires it fails too);
// warnings (an unknown key) leave it usable. The subset of keys, their
// defaults and where faultinit differs from systemd are in docs/units.md.
//
// Limits, so that no file can exhaust PID 1: a file over 1 MiB is not
// parsed (one error); a line over 64 KiB is an error; after 20 errors the
// rest of a file is not checked. NUL bytes and other garbage are errors.
//
// Thread safety: ParseUnit is a pure function; thread-safe, not
// async-signal-safe. The types are values.

#ifndef FAULT_INIT_SYSTEM_UNIT_H_
#define FAULT_INIT_SYSTEM_UNIT_H_

#include <signal.h>
#include <sys/types.h>

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "init/system/condition.h"
#include "init/system/exec_command.h"
#include "init/system/exec_directories.h"
#include "runtime/duration.h"
#include "runtime/privileges.h"
#include "runtime/process_attributes.h"
#include "runtime/resource_limits.h"

namespace faultinit {

// Limits of ParseUnit.
inline constexpr size_t kMaxUnitFileSize = 1 << 20;    // 1 MiB
inline constexpr size_t kMaxUnitLineLength = 1 << 16;  // 64 KiB
inline constexpr int kMaxErrorsPerFile = 20;

enum class Severity { kWarning, kError };

// Diagnostic: one problem found in a unit file or a unit directory.
struct Diagnostic {
  std::string file;  // the path, as given to the parser or loader
  int line = 0;      // 1-based; 0 when about the whole file
  Severity severity = Severity::kError;
  std::string message;  // one line, no "error:" prefix

  // "FILE:LINE: error: MESSAGE" or "FILE:LINE: warning: MESSAGE";
  // "FILE: error: MESSAGE" when line is 0.
  std::string ToString() const;

  friend bool operator==(const Diagnostic& a, const Diagnostic& b) {
    return a.file == b.file && a.line == b.line && a.severity == b.severity &&
           a.message == b.message;
  }
};

// Type=.
// Exit codes (0 to 255) or signal numbers (1 to 64) as bits: a std::set
// would allocate a tree node per service and per value.
// Index with [], never test() (which throws).
using CodeSet = std::bitset<256>;

// ExitStatusSet: exit codes and signals, as SuccessExitStatus=,
// RestartPreventExitStatus= and RestartForceExitStatus= list them.
struct ExitStatusSet {
  CodeSet codes;
  CodeSet signals;

  bool empty() const { return codes.none() && signals.none(); }
  // Whether a process that ended with exit code `code` (exited) or signal
  // `code` (killed) is in the set.
  bool Contains(bool exited, int code) const {
    if (code < 0 || code > 255) return false;
    return exited ? codes[static_cast<size_t>(code)]
                  : signals[static_cast<size_t>(code)];
  }
};

enum class ServiceType { kSimple, kExec, kOneshot, kNotify, kForking };

// Restart=: when a service that ended is started again (systemd's table,
// docs/units.md). kOnWatchdog never restarts: faultinit has no watchdog.
enum class RestartPolicy {
  kNo,
  kAlways,
  kOnSuccess,
  kOnFailure,
  kOnAbnormal,
  kOnAbort,
  kOnWatchdog,
};

// KillMode=.
// kNone (deprecated in systemd, accepted with a warning): only ExecStop=
// runs; no process is signalled.
enum class KillMode { kControlGroup, kMixed, kProcess, kNone };

// StandardOutput= / StandardError= (standard_io_keys.h).
struct OutputTarget {
  enum class Kind {
    kJournal,  // through faultinit's log, "[ident] line"
    kInherit,  // stdout: faultinit's own (the terminal with tty input);
               // stderr: as StandardOutput=
    kNull,     // /dev/null
    kConsole,  // /dev/console
    kFile,     // path, opened for writing without truncation
    kAppend,   // path, opened for appending
    kTty,      // TTYPath= (the controlling terminal with tty input)
    kSocket,   // the socket of socket activation (StandardInput=socket)
    // Read from the journal's pipe like kJournal, each line then sent on:
    kKmsg,            // /dev/kmsg, "<PRI>ident[pid]: line"
    kSyslog,          // /dev/log (RFC 3164), else faultinit's log
    kJournalConsole,  // faultinit's log and /dev/console
    kKmsgConsole,     // kKmsg and /dev/console
    kSyslogConsole,   // kSyslog and /dev/console
  };
  Kind kind = Kind::kJournal;
  std::string path;  // absolute; for kFile and kAppend only

  friend bool operator==(const OutputTarget& a, const OutputTarget& b) {
    return a.kind == b.kind && a.path == b.path;
  }
};

// Whether output of `kind` goes through the pipe PID 1 reads (journal,
// kmsg, syslog and their +console forms).
inline bool ThroughJournalPipe(OutputTarget::Kind kind) {
  return kind == OutputTarget::Kind::kJournal ||
         kind >= OutputTarget::Kind::kKmsg;
}

// StandardInput=.
// kSocket: the service's one socket from socket activation (an
// Accept=yes instance's connection, an Accept=no unit's listening socket).
enum class StandardInput { kNull, kTty, kTtyForce, kTtyFail, kFile, kSocket };

inline bool IsTtyInput(StandardInput input) {
  return input == StandardInput::kTty || input == StandardInput::kTtyForce ||
         input == StandardInput::kTtyFail;
}

// NotifyAccess=: whose sd_notify datagrams count. kDefault: systemd's,
// kMain for Type=notify, kNone for the others.
enum class NotifyAccess : uint8_t { kDefault, kNone, kMain, kExec, kAll };

// StandardIo: StandardInput=, the TTY*= keys, SyslogIdentifier=,
// SyslogFacility=, SyslogLevel= and IgnoreSIGPIPE= (standard_io_keys.h).
struct StandardIo {
  StandardInput input = StandardInput::kNull;
  std::string input_path;  // StandardInput=file:PATH
  std::string tty_path;    // TTYPath=; empty: /dev/console
  bool tty_reset = false;
  bool tty_vhangup = false;
  bool tty_vt_disallocate = false;
  bool ignore_sigpipe = true;  // IgnoreSIGPIPE=, systemd's default
  // StandardOutput= was given: without it, tty input makes stdout the
  // terminal (systemd's inherit, duplicating stdin).
  bool output_given = false;
  uint8_t syslog_facility = 3;    // LOG_DAEMON >> 3
  uint8_t syslog_level = 6;       // LOG_INFO
  std::string syslog_identifier;  // empty: the unit's name

  const std::string& TtyPath() const;
  friend bool operator==(const StandardIo& a, const StandardIo& b) {
    return a.input == b.input && a.input_path == b.input_path &&
           a.tty_path == b.tty_path && a.tty_reset == b.tty_reset &&
           a.tty_vhangup == b.tty_vhangup &&
           a.tty_vt_disallocate == b.tty_vt_disallocate &&
           a.ignore_sigpipe == b.ignore_sigpipe &&
           a.output_given == b.output_given &&
           a.syslog_facility == b.syslog_facility &&
           a.syslog_level == b.syslog_level &&
           a.syslog_identifier == b.syslog_identifier;
  }
  friend bool operator!=(const StandardIo& a, const StandardIo& b) {
    return !(a == b);
  }
};

// Dependency: one unit named by After=, Before=, Requires= or Wants=.
struct Dependency {
  std::string name;  // without ".service"
  int line = 0;      // where it was named
};

// UnitAction: SuccessAction= and FailureAction= (systemd.unit(5)): what the
// whole system does when the unit succeeds or fails. The -force and
// -immediate forms are kept apart for messages; faultinit performs each as
// its plain form (unit_job_keys.h).
enum class UnitAction {
  kNone,
  kExit,
  kExitForce,
  kReboot,
  kRebootForce,
  kRebootImmediate,
  kPowerOff,
  kPowerOffForce,
  kPowerOffImmediate,
  kHalt,
  kHaltForce,
  kHaltImmediate,
};

// UnitJobs: the [Unit] keys about jobs across units besides After=,
// Before=, Requires= and Wants= (unit_job_keys.h parses them; the
// supervisor acts on them, supervisor_jobs.cc).
struct UnitJobs {
  std::vector<Dependency> binds_to;                // BindsTo=
  std::vector<Dependency> part_of;                 // PartOf=
  std::vector<Dependency> conflicts;               // Conflicts=
  std::vector<Dependency> requisite;               // Requisite=
  std::vector<Dependency> on_failure;              // OnFailure=
  std::vector<Dependency> on_success;              // OnSuccess=
  std::vector<Dependency> propagates_reload_to;    // PropagatesReloadTo=
  std::vector<Dependency> reload_propagated_from;  // ReloadPropagatedFrom=
  fault::Duration job_timeout = fault::InfiniteDuration();  // JobTimeoutSec=
  UnitAction success_action = UnitAction::kNone;
  UnitAction failure_action = UnitAction::kNone;
  // SuccessActionExitStatus=, FailureActionExitStatus= (0-255); -1: unset,
  // the main process's exit code (when it exited) is used.
  int success_action_exit_status = -1;
  int failure_action_exit_status = -1;
  bool refuse_manual_start = false;
  bool refuse_manual_stop = false;
  bool stop_when_unneeded = false;
  bool on_failure_job_mode_fail = false;  // OnFailureJobMode=fail
  // AllowIsolate=, IgnoreOnIsolate= (target_unit_keys.h): whether
  // `systemctl isolate` may take this unit, and whether an isolate to
  // another one leaves it running.
  bool allow_isolate = false;
  bool ignore_on_isolate = false;

  // Whether every key is at its default.
  bool empty() const {
    return binds_to.empty() && part_of.empty() && conflicts.empty() &&
           requisite.empty() && on_failure.empty() && on_success.empty() &&
           propagates_reload_to.empty() && reload_propagated_from.empty() &&
           success_action == UnitAction::kNone &&
           failure_action == UnitAction::kNone && !refuse_manual_start &&
           !refuse_manual_stop && !stop_when_unneeded && !allow_isolate &&
           !ignore_on_isolate;
  }
};

// EnvironmentFileRef: one EnvironmentFile= value.
struct EnvironmentFileRef {
  std::string path;       // absolute
  bool optional = false;  // "-" prefix: a missing file is not an error
  int line = 0;
};

// ExecEnvironmentSettings: SupplementaryGroups=, PassEnvironment= and
// UnsetEnvironment= (exec_environment_keys.h), each in the order written.
struct ExecEnvironmentSettings {
  std::vector<std::string> supplementary_groups;  // names or gids
  std::vector<std::string> pass_environment;      // variable names
  std::vector<std::string> unset_environment;     // NAME or NAME=VALUE
};

struct SocketSettings;  // socket_keys.h

// Unit: one service, with systemd's default for every key not set.
struct Unit {
  std::string name;  // the file name without ".service"
  std::string path;  // the file it was parsed from

  // [Unit]
  std::string description;
  std::vector<Dependency> after;     // start after these
  std::vector<Dependency> before;    // start before these
  std::vector<Dependency> required;  // Requires=: fail and stop with them
  std::vector<Dependency> wanted;    // Wants=: start with them, no failure
  UnitJobs jobs;  // BindsTo=, PartOf=, Conflicts=, OnFailure=...
  fault::Duration start_limit_interval = fault::Seconds(10);
  unsigned start_limit_burst = 5;
  // Condition*= and Assert*=, in file order (unit_conditions.h).
  std::vector<Condition> conditions;
  // DefaultDependencies= (target_unit_keys.h): whether the layout adds
  // systemd's dependencies on the standard targets (target_unit.h).
  bool default_dependencies = true;
  // Sockets= (other_unit_keys.h): socket units ("x.socket") whose sockets
  // the main process gets besides those naming it; NonBlocking=: those
  // sockets' O_NONBLOCK at each start.
  std::vector<std::string> sockets;
  bool non_blocking = false;

  // [Service]
  ServiceType type = ServiceType::kSimple;
  // NotificationFd= (faultinit's, after s6's notification-fd): the main
  // process's descriptor on which it writes its notifications, one per
  // line (an empty line is READY=1); 0: none. Type=notify only.
  int notification_fd = 0;  // beside `type`: in its padding
  std::string pid_file;     // absolute ("/run/" added to a relative one)
  std::vector<ExecLine> exec_condition;  // ExecCondition=
  std::vector<ExecLine> exec_start_pre;
  std::vector<ExecLine> exec_start;  // one; Type=oneshot may have several
  std::vector<ExecLine> exec_stop;
  // ExecStartPost=, ExecReload=, ExecStopPost= (unit_lifecycle_keys.h).
  std::vector<ExecLine> exec_start_post;
  std::vector<ExecLine> exec_reload;
  std::vector<ExecLine> exec_stop_post;
  RestartPolicy restart = RestartPolicy::kNo;
  fault::Duration restart_sec = fault::Milliseconds(100);
  unsigned restart_steps = 0;
  fault::Duration restart_max_delay = fault::InfiniteDuration();
  // infinity for Type=oneshot unless TimeoutStartSec= is set; a set 0 is
  // infinity too, as in systemd.
  fault::Duration timeout_start = fault::Seconds(90);
  fault::Duration timeout_stop = fault::Seconds(90);
  int kill_signal = SIGTERM;
  KillMode kill_mode = KillMode::kControlGroup;
  // RemainAfterExit=, SendSIGHUP=, SendSIGKILL=, FinalKillSignal=,
  // RestartKillSignal= (unit_lifecycle_keys.h); 0: KillSignal=.
  bool remain_after_exit = false;
  bool send_sighup = false;
  bool send_sigkill = true;
  int final_kill_signal = SIGKILL;
  int restart_kill_signal = 0;
  // Counted as success besides exit 0 (and, for the main process, systemd's
  // clean signals HUP, INT, TERM, PIPE).
  ExitStatusSet success_exit_status;
  // RestartPreventExitStatus=: a main process ending so is never restarted;
  // RestartForceExitStatus=: it is, whatever Restart= says.
  ExitStatusSet restart_prevent_exit_status;
  ExitStatusSet restart_force_exit_status;
  std::string user;                         // empty: root (faultinit's own)
  std::string group;                        // empty: the user's primary group
  std::string working_directory;            // empty: "/"; "~": the user's home
  bool working_directory_optional = false;  // "-" prefix
  EnvironmentMap environment;
  std::vector<EnvironmentFileRef> environment_files;
  ExecEnvironmentSettings exec_environment;
  mode_t umask = 022;
  // RuntimeDirectory= and the other directories made for the service
  // (exec_directory_keys.h).
  ExecDirectories directories;
  // Nice=, OOMScoreAdjust=, IOScheduling*=, CPUScheduling*=, CPUAffinity=
  // (process_attribute_keys.h).
  fault::ProcessAttributes attributes;
  OutputTarget standard_output;
  OutputTarget standard_error{OutputTarget::Kind::kInherit, ""};
  StandardIo io;  // StandardInput=, TTY*=, Syslog*=, IgnoreSIGPIPE=
  NotifyAccess notify_access = NotifyAccess::kDefault;
  bool guess_main_pid = true;  // GuessMainPID= (faultinit does not guess)
  // Limit*= (unit_limits.h): only the keys set. Without LimitNOFILE=, a
  // service gets 1024:PID 1's hard limit (docs/units.md).
  fault::ResourceLimits limits;
  // CapabilityBoundingSet=, AmbientCapabilities=, SecureBits=,
  // NoNewPrivileges= (exec_privilege_keys.h).
  fault::Privileges privileges;
  // PermissionsStartOnly=: every command but ExecStart='s as with "+".
  bool permissions_start_only = false;

  // [Socket] (socket_keys.h): a NAME.socket unit's, made by its first
  // [Socket] key; null for a service.
  std::shared_ptr<SocketSettings> socket;
};

// ParsedUnit: a unit and what was found while reading it.
struct ParsedUnit {
  Unit unit;
  // In the order found: the file's, by line, then whole-file checks (line
  // 0) and, after LinkUnits, the directory checks.
  std::vector<Diagnostic> diagnostics;
  // The digest of the text that was parsed (source_digest.h; with the
  // layout, of the file's text and each drop-in's path and text), empty
  // when the file could not be read: a reload compares it to tell a
  // changed file. Not the text itself, which is not kept past the parse.
  std::string source;

  // ok is false when any diagnostic is an error: the unit is failed.
  bool ok() const;
};

// ParseUnit parses the text of a unit file. `path` names the file in
// diagnostics and gives the unit its name (the last path component without
// ".service"). Never fails as a whole: every problem is a diagnostic.
ParsedUnit ParseUnit(absl::string_view path, absl::string_view contents);
// ParseUnitInto is ParseUnit into `*out`, a default-constructed
// ParsedUnit: for a caller that keeps the unit in a container, with no
// ParsedUnit on its stack.
void ParseUnitInto(absl::string_view path, absl::string_view contents,
                   ParsedUnit* out);

// DropInText: one drop-in file (NAME.service.d/*.conf) and its text.
struct DropInText {
  std::string path;  // names the file in diagnostics
  std::string contents;
};

// ParseUnitWithDropInsInto is ParseUnitInto with `drop_ins` read over the
// unit file, in order, each as if appended to it but from no section, as
// systemd does (so `ExecStart=` empty in a drop-in resets the list, a
// scalar key set again replaces the value); the checks of the whole unit
// (a missing ExecStart=...) run once, after the last. A drop-in's
// problems are diagnostics naming its path and line. unit_dropins.h finds
// the drop-ins and their order.
void ParseUnitWithDropInsInto(absl::string_view path,
                              absl::string_view contents,
                              const std::vector<DropInText>& drop_ins,
                              ParsedUnit* out);

// ParseInstanceWithDropInsInto is ParseUnitWithDropInsInto for a unit
// named `name` (without ".service") whose file has another name: an
// instance read from its template (unit_template.h); its specifiers take
// `name`'s values.
void ParseInstanceWithDropInsInto(absl::string_view path,
                                  absl::string_view name,
                                  absl::string_view contents,
                                  const std::vector<DropInText>& drop_ins,
                                  ParsedUnit* out);

// UnitNameFromPath returns the last component of `path` without
// ".service": "/etc/faultinit/services/web.service" -> "web".
std::string UnitNameFromPath(absl::string_view path);

// NormalizeUnitName returns `name` without a ".service" suffix, or the
// empty string when it is not a valid unit name: 1 to 255 bytes of
// [A-Za-z0-9:_.@\-] (a template, "NAME@", is not valid: faultinit has no
// templates).
std::string NormalizeUnitName(absl::string_view name);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_UNIT_H_
