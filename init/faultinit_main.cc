// faultinit: a PID-1-capable init for containers and embedded boards.
//
// main is a list of steps (see docs/architecture.md):
//   0. Closed standard descriptors are reopened (a kernel may start init
//      without any), before anything else takes their numbers.
//   1. Control takes over signals and the process's exit (runtime).
//   2. The invocation snapshots argv and tini's environment variables.
//   3. The command line is parsed; a usage error exits 2.
//   4. Container mode runs the command on the program's scheduler and
//      returns its exit status; system mode runs the unit directory's
//      services until a shutdown; --check reports on a unit directory.

#include <unistd.h>

#include "init/container/container_init.h"
#include "init/log.h"
#include "init/options.h"
#include "init/supervisor/system_mode.h"
#include "init/version.h"
#include "runtime/control.h"
#include "runtime/fd.h"
#include "runtime/invocation.h"

namespace faultinit {
namespace {

int Main(const fault::Invocation& invocation) {
  fault::StatusOr<CommandLine> command_line =
      ParseCommandLine(invocation.argv(), invocation.environ(), getpid() == 1);
  if (!command_line.ok()) {
    fault::WriteString(
        STDERR_FILENO,
        absl::StrCat("faultinit: ", command_line.status().message(),
                     "\nTry 'faultinit --help' for more information.\n"));
    return 2;
  }
  switch (command_line->action) {
    case CommandLine::Action::kHelp:
      fault::WriteString(STDOUT_FILENO, kUsage);
      return 0;
    case CommandLine::Action::kVersion:
      fault::WriteString(STDOUT_FILENO,
                         absl::StrCat("faultinit ", kVersion, "\n"));
      return 0;
    case CommandLine::Action::kCheck:
      return CheckUnits(command_line->system.services);
    case CommandLine::Action::kSystem: {
      Logger log(command_line->system.verbosity);
      return SystemMode(fault::Scheduling(), command_line->system, log).Run();
    }
    case CommandLine::Action::kRun:
      break;
  }
  const ContainerOptions& options = command_line->options;
  Logger log(options.verbosity);
  return ContainerInit(fault::Scheduling(), options, log).Run();
}

}  // namespace
}  // namespace faultinit

int main(int argc, char** argv, char** envp) {
  faultinit::ReserveStandardDescriptors();
  fault::Control([=] {
    fault::Invocation invocation = fault::Invocation::System(
        argc, argv, envp, faultinit::kImportedVariables);
    return faultinit::Main(invocation);
  });
}
