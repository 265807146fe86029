// faultinit: a PID-1-capable init for containers and embedded boards.
//
// Called by the name faultctl (a link to this binary, as in an initramfs
// made by tools/mkinitramfs), it is faultctl (init/ctl/faultctl.h); by
// the name systemctl, systemctl's verbs on faultctl's protocol
// (init/ctl/systemctl.h).
// Otherwise main is a list of steps (see docs/architecture.md):
//   0. Closed standard descriptors are reopened (a kernel may start init
//      without any), before anything else takes their numbers.
//   1. Control takes over signals and the process's exit (runtime).
//   2. The invocation snapshots argv and tini's environment variables.
//   3. Asynchronous signals are held (blocked) until the mode watches
//      them: as PID 1 the kernel would drop them, otherwise they would end
//      faultinit before it could forward them.
//   4. The command line is parsed; a usage error exits 2, except as PID 1,
//      which says what was wrong and runs system mode with the defaults.
//   5. Faults in faultinit itself are caught (runtime/crash.h): as PID 1
//      they end in --crash-action, otherwise in the signal, after a line.
//   6. Container mode runs the command, system mode the unit directory's
//      services until a shutdown: each registers its work on the program's
//      scheduler, holds the main thread in fault::Protect and ends by a
//      fault::Exit thrown from a callback; --check reports on a unit
//      directory.

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdexcept>

#include "absl/base/attributes.h"
#include "absl/strings/str_cat.h"
#include "init/container/container_init.h"
#include "init/ctl/faultctl.h"
#include "init/ctl/systemctl.h"
#include "init/log.h"
#include "init/options.h"
#include "init/supervisor/system_mode.h"
#include "init/version.h"
#include "runtime/control.h"
#include "runtime/crash.h"
#include "runtime/fd.h"
#include "runtime/invocation.h"
#include "runtime/scheduler.h"
#include "runtime/signal_state.h"
#include "runtime/signals.h"

namespace faultinit {
namespace {

#ifdef FAULTINIT_TEST_FAULTS
// Test builds only (//init:faultinit_test_faults): FAULTINIT_TEST_FAULT=SIG
// makes faultinit fault on purpose (fault::TriggerFault) on its loop's
// first turn, after the child or the services have started;
// FAULTINIT_TEST_FAULT=throw throws a std::runtime_error there instead (an
// internal error in one event's callback, which system mode logs and
// survives); FAULTINIT_TEST_FAULT=critical throws it inside
// fault::RunCritical, as a failure of system mode's work between events
// would (fatal: Panic, then the --crash-action).
void ScheduleTestFault() {
  const char* name = getenv("FAULTINIT_TEST_FAULT");
  if (name == nullptr) return;
  if (strcmp(name, "throw") == 0) {
    fault::Scheduling().After(fault::ZeroDuration(), [] {
      throw std::runtime_error("test fault thrown on purpose");
    });
    return;
  }
  if (strcmp(name, "critical") == 0) {
    fault::Scheduling().After(fault::ZeroDuration(), [] {
      fault::RunCritical("test fault", [] {
        throw std::runtime_error("thrown on purpose in a critical section");
      });
    });
    return;
  }
  fault::StatusOr<int> signo = fault::ParseSignal(name);
  if (!signo.ok()) return;
  fault::Scheduling().After(fault::ZeroDuration(),
                            [signo = *signo] { fault::TriggerFault(signo); });
}
#endif

// Whether argv[0]'s last component is `name`.
bool CalledAs(const char* argv0, const char* name) {
  const char* slash = strrchr(argv0, '/');
  return strcmp(slash != nullptr ? slash + 1 : argv0, name) == 0;
}

// The modes run in frames of their own, not inlined into Main: PID 1
// sleeps below Main for its whole life, and Main's frame then holds only
// what it needs (the parsed command line), not both modes' objects.
// Each ends the program by throwing fault::Exit from its loop's callbacks.
ABSL_ATTRIBUTE_NOINLINE [[noreturn]] void RunSystemMode(
    const SystemOptions& options) {
  Logger log(options.verbosity);
  SystemMode(fault::Scheduling(), options, log).Run();
}

ABSL_ATTRIBUTE_NOINLINE [[noreturn]] void RunContainerMode(
    const ContainerOptions& options) {
  Logger log(options.verbosity);
  ContainerInit(fault::Scheduling(), options, log).Run();
}

// Arguments parses the command line. PID 1 must not exit over its
// arguments (the kernel would panic, a container would stop): it is told
// what was wrong and gets system mode with the defaults. Anyone else gets
// the error and a hint, and an error status to exit 2 on.
ABSL_ATTRIBUTE_NOINLINE fault::StatusOr<CommandLine> Arguments(
    const fault::Invocation& invocation, bool pid1) {
  fault::StatusOr<CommandLine> command_line =
      ParseCommandLine(invocation.argv(), invocation.environ(), pid1);
  if (command_line.ok()) return command_line;
  if (pid1) {
    fault::WriteString(
        STDERR_FILENO,
        absl::StrCat("faultinit: ", command_line.status().message(),
                     "; ignoring the command line: system mode with the "
                     "defaults\n"));
    CommandLine defaults;
    defaults.action = CommandLine::Action::kSystem;
    return defaults;
  }
  fault::WriteString(
      STDERR_FILENO,
      absl::StrCat("faultinit: ", command_line.status().message(),
                   "\nTry 'faultinit --help' for more information.\n"));
  return command_line;
}

ABSL_ATTRIBUTE_NOINLINE void HandleCrashes(fault::CrashAction action) {
  if (fault::Status s = fault::InstallCrashHandler("faultinit", action);
      !s.ok()) {
    fault::WriteString(STDERR_FILENO,
                       absl::StrCat("faultinit: warning: no crash handling: ",
                                    s.message(), "\n"));
  }
}

int Main(const fault::Invocation& invocation) {
  const bool pid1 = getpid() == 1;
  // Signals that arrive before the mode watches them must wait, not
  // vanish (as PID 1 the kernel drops a signal with no handler unless it
  // is blocked) nor end faultinit (their default action otherwise): a
  // SIGTERM sent the moment the container starts reaches the child.
  fault::HoldAsynchronousSignals();
  fault::StatusOr<CommandLine> command_line = Arguments(invocation, pid1);
  if (!command_line.ok()) return 2;
  HandleCrashes(pid1 ? command_line->crash_action : fault::CrashAction::kDie);
#ifdef FAULTINIT_TEST_FAULTS
  ScheduleTestFault();
#endif
  switch (command_line->action) {
    case CommandLine::Action::kHelp:
      fault::WriteString(STDOUT_FILENO, kUsage);
      return 0;
    case CommandLine::Action::kVersion:
      fault::WriteString(STDOUT_FILENO, "faultinit ");
      fault::WriteString(STDOUT_FILENO, kVersion);
      fault::WriteString(STDOUT_FILENO, "\n");
      return 0;
    case CommandLine::Action::kCheck:
      return CheckUnits(command_line->system);
    case CommandLine::Action::kSystem:
      RunSystemMode(command_line->system);
    case CommandLine::Action::kRun:
      break;
  }
  RunContainerMode(command_line->options);
}

}  // namespace
}  // namespace faultinit

int main(int argc, char** argv, char** envp) {
  if (argc > 0 && faultinit::CalledAs(argv[0], "faultctl")) {
    faultinit::faultctl::Run(argc, argv, envp);
  }
  if (argc > 0 && faultinit::CalledAs(argv[0], "systemctl")) {
    faultinit::systemctl::Run(argc, argv, envp);
  }
  faultinit::ReserveStandardDescriptors();
  fault::Control([=] {
    fault::Invocation invocation = fault::Invocation::System(
        argc, argv, envp, faultinit::kImportedVariables);
    return faultinit::Main(invocation);
  });
}
