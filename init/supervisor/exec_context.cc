#include "init/supervisor/exec_context.h"

#include <linux/capability.h>

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace faultinit {

using TerminalInput = fault::TerminalOptions::Input;

EnvironmentMap ServiceEnvironment(const ServiceSettings& unit,
                                  absl::string_view notify_socket,
                                  const Credentials* credentials,
                                  const std::vector<EnvironmentMap>& files,
                                  const EnvironmentMap* passed) {
  // What the manager sets comes first and the unit's settings override it,
  // as in systemd (Environment= may set PATH or HOME).
  EnvironmentMap env = {{"PATH", kServiceDefaultPath}};
  if (!notify_socket.empty()) env["NOTIFY_SOCKET"] = std::string(notify_socket);
  const SpawnExtras& x = unit.extras();
  if (credentials != nullptr) {
    env["HOME"] = credentials->home;
    env["USER"] = credentials->name;
    env["LOGNAME"] = credentials->name;
    if (!credentials->shell.empty()) env["SHELL"] = credentials->shell;
  }
  // $RUNTIME_DIRECTORY and its family: each key's directories, absolute,
  // joined with ":" (systemd sets them with the account's variables).
  for (const ExecDirectory& d : x.rare().directories.directories) {
    std::string& value = env[std::string(ExecDirectoryVariable(d.type))];
    if (!value.empty()) value += ':';
    value += ExecDirectoryPath(d);
  }
  if (passed != nullptr) {
    for (const auto& [key, value] : *passed) env[key] = value;
  }
  for (const auto& [key, value] : x.environment) env[key] = value;
  for (const EnvironmentMap& file : files) {
    for (const auto& [key, value] : file) env[key] = value;
  }
  // UnsetEnvironment=: NAME whatever its value, NAME=VALUE only with it.
  for (const std::string& unset : x.rare().exec_environment.unset_environment) {
    const size_t eq = unset.find('=');
    auto it = env.find(absl::string_view(unset).substr(0, eq));
    if (it == env.end()) continue;
    if (eq == std::string::npos || it->second == unset.substr(eq + 1)) {
      env.erase(it);
    }
  }
  return env;
}

std::vector<std::string> EnvironmentStrings(const EnvironmentMap& env) {
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [key, value] : env)
    out.push_back(absl::StrCat(key, "=", value));
  return out;
}

ExecPrivileges StepPrivileges(const ServiceSettings& unit, StepKind kind,
                              int index, bool ambient_capabilities) {
  if (kind != StepKind::kMain && unit.extras().rare().permissions_start_only) {
    return ExecPrivileges::kFull;
  }
  const ExecPrivileges privileges = unit.Step(kind, index).privileges;
  if (privileges == ExecPrivileges::kNoSetuidWithoutAmbient &&
      ambient_capabilities) {
    return ExecPrivileges::kNormal;
  }
  return privileges;
}

fault::SpawnOptions StepSpawnOptions(
    const ServiceSettings& unit, StepKind kind, int index,
    const ExecInputs& inputs,
    absl::FunctionRef<bool(const std::string&)> directory_usable) {
  fault::SpawnOptions spawn;
  const EnvironmentMap none;
  Command command =
      ExpandExecLine(unit.Step(kind, index).Line(),
                     inputs.variables != nullptr ? *inputs.variables : none);
  spawn.program = std::move(command.executable);
  spawn.argv = std::move(command.argv);
  spawn.environment = inputs.environment;

  const ExecPrivileges privileges =
      StepPrivileges(unit, kind, index, inputs.ambient_capabilities);
  const bool change_user = privileges == ExecPrivileges::kNormal;
  const bool sandboxed = privileges != ExecPrivileges::kFull;
  const Credentials* credentials = inputs.credentials;
  if (credentials != nullptr && change_user) {
    spawn.uid = credentials->uid;
    spawn.gid = credentials->gid;
    spawn.groups = credentials->supplementary;
  }
  if (change_user && inputs.supplementary_groups != nullptr &&
      !inputs.supplementary_groups->empty()) {
    std::vector<gid_t>& groups =
        spawn.groups.emplace(credentials != nullptr ? credentials->supplementary
                                                    : std::vector<gid_t>{});
    for (gid_t gid : *inputs.supplementary_groups) {
      bool seen = false;
      for (gid_t other : groups) seen = seen || other == gid;
      if (!seen) groups.push_back(gid);
    }
  }
  spawn.umask = unit.umask;
  spawn.attributes = unit.extras().rare().attributes;

  std::string directory = unit.extras().working_directory;
  if (directory == "~") {
    directory = credentials != nullptr ? credentials->home : "/root";
  }
  if (directory.empty() ||
      (unit.working_directory_optional && !directory_usable(directory))) {
    directory = "/";
  }
  spawn.working_directory = std::move(directory);

  // Every service: a clean signal state, a session of its own (so a stop
  // reaches what it forks, docs/units.md KillMode=), only 0-2 across exec.
  spawn.signals = fault::SpawnOptions::Signals::kClean;
  spawn.new_session = true;
  spawn.close_other_fds = true;
  spawn.stdin_fd = inputs.stdin_fd;
  spawn.stdout_fd = inputs.stdout_fd;
  spawn.stderr_fd = inputs.stderr_fd;
  const SpawnExtras& x = unit.extras();
  spawn.ignore_sigpipe = x.rare().io.ignore_sigpipe;
  if (x.rare().io.input == StandardInput::kFile)
    spawn.stdin_path = x.rare().io.input_path;
  const bool tty_in = IsTtyInput(x.rare().io.input);
  const bool tty_out = x.standard_output.kind == OutputTarget::Kind::kTty;
  const bool tty_err = x.standard_error.kind == OutputTarget::Kind::kTty;
  if (tty_in || tty_out || tty_err) {
    fault::TerminalOptions& t = spawn.terminal;
    t.path = x.rare().io.TtyPath();
    t.input =
        x.rare().io.input == StandardInput::kTty        ? TerminalInput::kWait
        : x.rare().io.input == StandardInput::kTtyForce ? TerminalInput::kForce
        : x.rare().io.input == StandardInput::kTtyFail  ? TerminalInput::kFail
                                                        : TerminalInput::kNone;
    t.output = tty_out;
    t.error = tty_err;
    t.reset = x.rare().io.tty_reset;
    t.hangup = x.rare().io.tty_vhangup;
    t.vt_disallocate = x.rare().io.tty_vt_disallocate;
  }
  if (kind == StepKind::kMain && unit.notification_fd != 0 &&
      inputs.notification_fd >= 0) {
    spawn.extra_fd = {inputs.notification_fd, unit.notification_fd};
  }
  if (sandboxed) {
    spawn.resource_limits = unit.extras().rare().limits;
    spawn.privileges = unit.extras().rare().privileges;
  }
  if (privileges == ExecPrivileges::kNoSetuidWithoutAmbient) {
    // systemd's fallback without ambient capabilities: the program drops
    // its privileges itself, so it keeps what it takes to.
    spawn.privileges.ambient = 0;
    spawn.privileges.bounding |= fault::CapabilityBit(CAP_SETPCAP) |
                                 fault::CapabilityBit(CAP_SETUID) |
                                 fault::CapabilityBit(CAP_SETGID);
  }
  if (inputs.nofile_hard != 0 &&
      spawn.resource_limits.Find(RLIMIT_NOFILE) == nullptr) {
    spawn.resource_limits.Set(RLIMIT_NOFILE,
                              std::min(kServiceNofileSoft, inputs.nofile_hard),
                              inputs.nofile_hard);
  }
  return spawn;
}

}  // namespace faultinit
