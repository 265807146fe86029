// File: runtime/invocation.h
//
// Invocation: the seed's `Invocation`. It describes how a program was
// invoked (command name, arguments, a snapshot of the environment variables
// it cares about, the working directory at the time) and how it leaves: the
// exit method chosen when the Invocation is made.
//
//   int main(int argc, char** argv, char** envp) {
//     static constexpr absl::string_view kImports[] = {"HOME", "TERM"};
//     fault::Invocation invocation =
//         fault::Invocation::System(argc, argv, envp, kImports);
//     ...
//     invocation.Exit(0);
//   }
//
// An Invocation is a value: copying one copies its snapshot and its exit
// method. `context()` is a non-owning pointer to the Invocation that caused
// this one; that Invocation must outlive this one.
//
// Thread safety: const members may be called from any thread at once;
// `Imports` and `parameters()` (non-const) need external synchronization.
// `Imports` reads the process environment (getenv), so it must not race with
// setenv/unsetenv/putenv in another thread. Nothing here is async-signal-safe
// except `ImmediateExit`.

#ifndef FAULT_RUNTIME_INVOCATION_H_
#define FAULT_RUNTIME_INVOCATION_H_

#include <stdint.h>

#include <functional>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace fault {

class Invocation {
 public:
  // ExitMethod: how `Exit(result)` leaves the process. It is expected not to
  // return; if it does, `Exit` leaves with _exit(result) anyway.
  using ExitMethod = std::function<void(int result)>;

  // Parameter: one value of the `parameters()` store.
  using Parameter =
      std::variant<std::string, int64_t, bool, std::vector<std::string>>;
  using Parameters = std::map<std::string, Parameter, std::less<>>;

  // Environment: imported variable name -> value.
  using Environment = std::map<std::string, std::string, std::less<>>;

  // ProcessExit is the default exit method of `System`: exit(3), which runs
  // atexit handlers and static destructors and flushes stdio. Not
  // async-signal-safe; do not use in a forked child of a process whose
  // atexit handlers or stdio buffers belong to the parent.
  [[noreturn]] static void ProcessExit(int result);

  // ImmediateExit leaves with _exit(2): no atexit handlers, no destructors,
  // no stdio flush. Async-signal-safe; the exit method for forked children.
  [[noreturn]] static void ImmediateExit(int result);

  // System makes the Invocation of this process from what the system gave
  // main(): `argv[0]` is the command name (empty when argc is 0), the rest
  // are the arguments; `envp` is searched for each name in `imports`, and
  // only the names present are kept in the `environ()` snapshot (a name
  // listed twice in envp gives its first value, as getenv does). `fs_pwd()`
  // is FsPwd() at the time of the call.
  //
  // `parameters()` holds "type" = "system" and "system" = the full command
  // line (command name followed by the arguments), as the seed's
  // `parameters['type']` and `parameters['system']`; the rest of the seed's
  // 'system' record is in the typed accessors.
  //
  // `argv` and `envp` are copied; they need not outlive the Invocation.
  // `envp` may be null (no variables). `context` is null for the process's
  // own invocation.
  static Invocation System(int argc, const char* const* argv,
                           const char* const* envp,
                           absl::Span<const absl::string_view> imports,
                           ExitMethod exit_method = &ProcessExit,
                           const Invocation* context = nullptr);

  // An Invocation with no arguments, no environment, empty parameters and
  // fs_pwd(), made by `context` (may be null) and leaving by `exit_method`:
  // the seed's `Invocation(exit_method, context)`, for invocations that do
  // not come from the system.
  explicit Invocation(ExitMethod exit_method,
                      const Invocation* context = nullptr);

  // command_name is argv[0] as given by the system.
  const std::string& command_name() const { return command_name_; }

  // argv is the arguments without the command name.
  const std::vector<std::string>& argv() const { return arguments_; }

  // environ is the snapshot of imported variables that were present: those
  // named to System() and to later Imports() calls.
  const Environment& environ() const { return environment_; }

  // Imports adds `names` to the environ() snapshot, reading their values
  // from the current process environment (getenv). A name that is not set
  // is skipped; a name already in the snapshot keeps its first value (the
  // seed's rule).
  void Imports(absl::Span<const absl::string_view> names);

  // fs_pwd is the working directory when the Invocation was made (FsPwd());
  // empty if it could not be determined, or for a non-system Invocation.
  const std::string& fs_pwd() const { return fs_pwd_; }

  // context is the Invocation that caused this one, or null.
  const Invocation* context() const { return context_; }

  // parameters is arbitrary, typed storage for the invocation's parameters.
  Parameters& parameters() { return parameters_; }
  const Parameters& parameters() const { return parameters_; }

  // Exit performs the exit method chosen at construction with `result`. If
  // that method returns (or is empty), the process leaves with
  // _exit(result). Never returns; an exception thrown by the exit method
  // propagates to the caller of Exit.
  [[noreturn]] void Exit(int result) const;

 private:
  ExitMethod exit_method_;
  const Invocation* context_ = nullptr;
  std::string command_name_;
  std::vector<std::string> arguments_;
  Environment environment_;
  std::string fs_pwd_;
  Parameters parameters_;
};

}  // namespace fault

#endif  // FAULT_RUNTIME_INVOCATION_H_
