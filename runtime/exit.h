// File: runtime/exit.h
//
// The exit family: control exceptions that end a program in a chosen way
// once they unwind to `Control` (runtime/control.h) or a `Fork::Trap`.
//
//   Exit(status)        leave with an exit status (255 when unspecified,
//                       200 for a usage query).
//   Critical / Panic()  a fatal condition: report it and terminate at once.
//   Interruption(sig)   end the process *by that signal*, so the parent sees
//                       WIFSIGNALED with it, not an exit code.
//
// ControlException is not a std::exception, so application code that
// catches std::exception does not swallow a control exception by accident.
//
// Thread safety: throwing and catching are per-thread as usual; the
// Interruption handlers (Filter / Catch / Trap) change process-wide signal
// dispositions and must be installed from the main thread.

#ifndef FAULT_RUNTIME_EXIT_H_
#define FAULT_RUNTIME_EXIT_H_

#include <initializer_list>
#include <string>

#include "absl/strings/string_view.h"
#include "runtime/status.h"

namespace fault {

// ControlException: the base of the runtime's control-flow exceptions.
class ControlException {
 public:
  virtual ~ControlException() = default;
  // kills(): whether the exception ends the process abnormally (the seed's
  // `__kill__`): true for Critical and Interruption, false for Exit.
  virtual bool kills() const = 0;
  // Describe: one line for diagnostics.
  virtual std::string Describe() const = 0;
};

// Exit: leave the program with `status` once unwound to Control.
class Exit : public ControlException {
 public:
  static constexpr int kUnspecifiedStatus = 255;
  static constexpr int kUsageQueryStatus = 200;

  explicit Exit(int status = kUnspecifiedStatus) : status_(status) {}
  int status() const { return status_; }
  bool kills() const override { return false; }
  std::string Describe() const override;

 private:
  int status_;
};

// Critical: a fatal condition. Control reports "PROGRAM: fatal: CONTEXT:
// CAUSE" on stderr and ends the process with abort() (SIGABRT, a core dump
// where enabled).
class Critical : public ControlException {
 public:
  Critical(absl::string_view context, absl::string_view cause)
      : context_(context), cause_(cause) {}
  const std::string& context() const { return context_; }
  const std::string& cause() const { return cause_; }
  bool kills() const override { return true; }
  std::string Describe() const override;

 private:
  std::string context_;
  std::string cause_;
};

// Panic reports `cause` on stderr as "fault: fatal: CAUSE" and terminates
// the process at once with abort(): no unwinding, no atexit callbacks.
// Async-signal-safe when `cause` is a literal.
[[noreturn]] void Panic(absl::string_view cause);

// Interruption: end the process by a signal.
class Interruption : public ControlException {
 public:
  explicit Interruption(int signo) : signo_(signo) {}
  int signo() const { return signo_; }
  bool kills() const override { return true; }
  std::string Describe() const override;  // "interrupted by SIGINT"

  // Raise ends the process by the signal: restores its default
  // disposition, unblocks it and raises it. A signal whose default action
  // is not to terminate (SIGCHLD, SIGCONT, SIGWINCH, ...) cannot end a
  // process; then, as a shell does, the process exits with 128+signo.
  // Async-signal-safe; never returns.
  [[noreturn]] void Raise() const;

  // Filter installs the void handler on `signals`: the signal interrupts
  // blocking system calls (no SA_RESTART) and otherwise does nothing. Unlike
  // SIG_IGN, the handler is reset to the default by exec.
  static Status Filter(std::initializer_list<int> signals);
  // Catch installs the interrupting handler on `signals`: it records the
  // signal and interrupts blocking calls; the main thread turns it into an
  // Interruption at its next Check (Protect checks after every loop wake).
  static Status Catch(std::initializer_list<int> signals);
  // Trap installs what a root process wants: Catch on SIGINT and SIGTERM.
  static Status Trap();

  // Check throws Interruption(signo) when a caught signal is pending, and
  // clears it. Call on the main thread after EINTR or a loop wake-up.
  static void Check();
  // Pending returns the caught signal not yet checked, or 0.
  // Async-signal-safe.
  static int Pending();

  // SetWakeup registers an async-signal-safe function the interrupting
  // handler calls after recording a signal (Control registers the
  // scheduler's Stop, so a caught signal wakes the loop). nullptr clears.
  static void SetWakeup(void (*wake)());

 private:
  int signo_;
};

// EndProcess ends the process with `status`: `exit` in the process Control
// started, and in a child made by the runtime (Fork::Dispatch,
// Concurrently) a flush of stdio then `_exit`, so atexit callbacks inherited
// from the parent do not run and the parent's buffered output (flushed
// before the fork) is never written twice.
[[noreturn]] void EndProcess(int status);

// EndProcessFromException ends the process as the exception being handled
// says; call it only inside a catch block. Exit -> EndProcess(status);
// Interruption -> Raise(); Critical, any other exception -> report on
// stderr and abort().
[[noreturn]] void EndProcessFromException();

}  // namespace fault

#endif  // FAULT_RUNTIME_EXIT_H_
