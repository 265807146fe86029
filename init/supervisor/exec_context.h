// File: init/supervisor/exec_context.h
//
// What one command of a service runs in: the fault::SpawnOptions of a
// step of a service (one line of its ExecStartPre=, ExecStart= or
// ExecStop=), and the environment its commands get, from the settings it
// keeps of its unit (service_settings.h).
//
// Pure functions: no scheduler, no fork, no file read, no global. What
// comes from outside the unit is an argument, resolved by the caller
// (Supervisor::StartStep, supervisor_processes.cc): the accounts User= and
// Group= name, the contents of the EnvironmentFile=s, the descriptors
// opened for stdio and NotificationFd=, and whether a `-` directory can be
// entered.
//
// The keys mapped (docs/units.md), each as systemd's documentation says:
//   User=/Group=        uid, gid, supplementary groups; HOME, USER, LOGNAME,
//                       SHELL in the environment
//   SupplementaryGroups= after the account's groups
//   PassEnvironment=, UnsetEnvironment=
//                       in the environment, in systemd's order (below)
//   RuntimeDirectory=, StateDirectory=, CacheDirectory=, LogsDirectory=,
//   ConfigurationDirectory=
//                       $RUNTIME_DIRECTORY, ... (the absolute paths, ":"
//                       between them); the directories themselves are made
//                       by the caller (unit_directories.h)
//   WorkingDirectory=   the directory; `~` the user's home (root's: /root);
//                       `-PATH` falls back to / when PATH cannot be
//                       entered; none: /
//   UMask=              the file mode creation mask
//   Nice=, OOMScoreAdjust=, IOSchedulingClass=/IOSchedulingPriority=,
//   CPUSchedulingPolicy=/CPUSchedulingPriority=/CPUSchedulingResetOnFork=,
//   CPUAffinity=        SpawnOptions::attributes, set in the child before
//                       the credentials (runtime/process_attributes.h)
//   Environment=, EnvironmentFile=
//                       over PATH (the default path), NOTIFY_SOCKET, the
//                       account's variables and PassEnvironment=; files
//                       after Environment=, in order, each later one
//                       winning
//   Exec*= lines        argv and program ("@"), $VAR and ${VAR} expanded
//                       in that environment (unless ":")
//   StandardOutput=/StandardError=
//                       the descriptors given (the caller opens them);
//                       tty: the terminal, opened by the child
//   StandardInput=, TTYPath=, TTYReset=, TTYVHangup=, TTYVTDisallocate=
//                       SpawnOptions::terminal (the child acquires it as
//                       its controlling terminal) or stdin_path (file:)
//   IgnoreSIGPIPE=      SpawnOptions::ignore_sigpipe (default yes)
//   NotificationFd=     the pipe's write end as descriptor N, main steps
//                       only
//   Limit*=             the resource limits; LimitNOFILE= defaults to
//                       kServiceNofileSoft:PID 1's hard limit
//   CapabilityBoundingSet=, AmbientCapabilities=, SecureBits=,
//   NoNewPrivileges=    SpawnOptions::privileges (runtime/privileges.h)
//   "+", "!", "!!" prefixes, PermissionsStartOnly=
//                       what a step is exempt from (StepPrivileges)
// and what every service gets: a clean signal state (empty mask, default
// dispositions), a session of its own (setsid), only descriptors 0-2 (and
// NotificationFd=) across exec.
//
// Thread-compatible; allocates. Errors: none (a unit reaching here has
// passed the loader's checks).

#ifndef FAULT_INIT_SUPERVISOR_EXEC_CONTEXT_H_
#define FAULT_INIT_SUPERVISOR_EXEC_CONTEXT_H_

#include <sys/resource.h>

#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "init/supervisor/service.h"
#include "init/supervisor/service_settings.h"
#include "init/support/accounts.h"
#include "init/system/exec_command.h"
#include "init/system/unit.h"
#include "runtime/spawn.h"

namespace faultinit {

// The PATH a service gets unless its unit sets one.
inline constexpr char kServiceDefaultPath[] =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// ServiceEnvironment: the variables of the commands of `unit`. `notify_socket`:
// NOTIFY_SOCKET's value, empty for none; `credentials`: User=/Group=
// resolved, or null when the unit sets neither; `files`: the contents of
// its EnvironmentFile=s, in order (a missing optional one left out);
// `passed`: PassEnvironment='s variables that faultinit has, with their
// values (null: none).
// systemd's order, each later one winning: PATH and NOTIFY_SOCKET; the
// account's HOME, USER, LOGNAME, SHELL and $RUNTIME_DIRECTORY and its
// family; PassEnvironment=; Environment=; each EnvironmentFile=; then
// UnsetEnvironment= removes what it names.
EnvironmentMap ServiceEnvironment(const ServiceSettings& unit,
                                  absl::string_view notify_socket,
                                  const Credentials* credentials,
                                  const std::vector<EnvironmentMap>& files,
                                  const EnvironmentMap* passed = nullptr);

// EnvironmentStrings: "NAME=value" for each variable, in name order (what
// SpawnOptions::environment holds).
std::vector<std::string> EnvironmentStrings(const EnvironmentMap& env);

// What StepSpawnOptions takes from outside the unit. Not owned: the
// pointers and descriptors must outlive the Spawn of the options made.
struct ExecInputs {
  // The step's variables (ServiceEnvironment), and the same as strings
  // (EnvironmentStrings): the second is the child's environment.
  const EnvironmentMap* variables = nullptr;
  const std::vector<std::string>* environment = nullptr;
  // User=/Group= resolved, or null: faultinit's own credentials.
  const Credentials* credentials = nullptr;
  // SupplementaryGroups= resolved, or null for none: added after the
  // account's groups (without User=, the only supplementary groups).
  const std::vector<gid_t>* supplementary_groups = nullptr;
  // The child's 0, 1 and 2: -1 keeps faultinit's (StandardOutput=inherit).
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  // NotificationFd=: the write end of its pipe, -1 for none. Given to main
  // steps only.
  int notification_fd = -1;
  // The default hard RLIMIT_NOFILE (SupervisorOptions::
  // service_nofile_hard): without LimitNOFILE=, the service gets
  // kServiceNofileSoft:this (systemd's DefaultLimitNOFILE=1024:524288 in
  // system mode). 0: no default.
  rlim_t nofile_hard = 0;
  // Whether the kernel has ambient capabilities
  // (fault::AmbientCapabilitiesSupported): the "!!" prefix depends on it.
  bool ambient_capabilities = true;
};

// The soft RLIMIT_NOFILE a service gets without LimitNOFILE=: select(2)
// handles no descriptor from 1024 on (FD_SETSIZE), so programs that use it
// need this; those that want more raise it to the hard limit themselves.
inline constexpr rlim_t kServiceNofileSoft = 1024;

// StepPrivileges: what step `index` of `kind` is exempt from: its prefix;
// kFull for every step but a main one under PermissionsStartOnly=; "!!"
// resolved (kNormal where the kernel has ambient capabilities, else
// kNoSetuidWithoutAmbient, which StepSpawnOptions applies as systemd's
// fallback: "!", the bounding set widened by CAP_SETPCAP, CAP_SETUID and
// CAP_SETGID, no ambient set). As systemd (src/core/exec-invoke.c):
//   kNormal    everything applied
//   kNoSetuid  no setgroups/setgid/setuid; the rest applied
//   kFull      neither credentials nor privileges nor the unit's Limit*=
//              (LimitNOFILE='s default soft limit still applies)
// The environment (HOME, USER...) and the directories' owner are User='s
// whatever the prefix, as in systemd.
ExecPrivileges StepPrivileges(const ServiceSettings& unit, StepKind kind,
                              int index, bool ambient_capabilities);

// StepSpawnOptions: the options spawning step `index` of `kind` of `unit`
// (precondition: that line exists). `directory_usable(path)` is asked only
// for `WorkingDirectory=-PATH` and tells whether PATH can be entered. The
// result's `environment` points at `*inputs.environment`; its `pidfd` is
// left for the caller.
fault::SpawnOptions StepSpawnOptions(
    const ServiceSettings& unit, StepKind kind, int index,
    const ExecInputs& inputs,
    absl::FunctionRef<bool(const std::string&)> directory_usable);

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_EXEC_CONTEXT_H_
