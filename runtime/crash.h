// File: runtime/crash.h
//
// What a fault in the program itself ends in. A PID 1 that dies takes the
// machine (kernel panic) or the container with it, unexplained; this
// catches the synchronous faults (SIGSEGV, SIGBUS, SIGILL, SIGFPE, and
// SIGABRT from abort()), writes one line naming the signal and the
// faulting address to stderr (the console, for an init), and performs a
// chosen action, as systemd's CrashAction= does:
//
//   faultinit: crashed: SIGSEGV at address 0x0 (code 1); crash action: freeze
//
// The same signals sent by another process (kill(2): si_code <= 0, a
// sender other than this process) are not faults: with kDie the process
// ends as the default action would, without the line; with the other
// actions (PID 1) they are ignored, as the kernel ignores unhandled signals
// to PID 1. abort() and raise() in this process count as faults.
//
// Thread and signal safety: InstallCrashHandler is called once, from the
// main thread, after Control has reset the dispositions. The handler runs
// on its own alternate stack (a stack overflow is caught too) and makes
// only async-signal-safe calls: write, waitpid, sleep, sync, reboot,
// sigaction, sigprocmask, raise.

#ifndef FAULT_RUNTIME_CRASH_H_
#define FAULT_RUNTIME_CRASH_H_

#include "absl/strings/string_view.h"
#include "runtime/status.h"

namespace fault {

enum class CrashAction {
  // End with the signal, as without a handler (after the line): for a
  // process that is not PID 1, whose parent should see how it died.
  kDie,
  // Stay: reap every child forever (zombies never pile up) and keep the
  // console as it is. For PID 1, the default.
  kFreeze,
  // sync(2), then reboot(2) with RB_AUTOBOOT / RB_POWER_OFF; if that
  // fails (no CAP_SYS_BOOT), a second line says why and the action becomes
  // kFreeze. In a child PID namespace the kernel ends the namespace.
  kReboot,
  kPowerOff,
};

// ParseCrashAction reads "freeze", "reboot" or "poweroff" (the names of
// faultinit's --crash-action).
// Errors: kInvalidArgument quoting the text and listing the names.
StatusOr<CrashAction> ParseCrashAction(absl::string_view text);

// CrashActionName is the inverse: "freeze", "reboot", "poweroff", "die".
absl::string_view CrashActionName(CrashAction action);

// InstallCrashHandler catches the fault signals with `action`; `program`
// (a string with static storage, e.g. "faultinit") starts the line.
// The alternate stack is a 64 KiB anonymous mapping, untouched (so not
// resident) until a fault. Errors: kInternal when mmap, sigaltstack or
// sigaction fails (errno's text).
Status InstallCrashHandler(const char* program, CrashAction action);

// TriggerFault makes a real fault of kind `signo` (SIGSEGV: a write
// through a null pointer; SIGBUS: a touch of a mapping past the end of a
// file; SIGFPE: an integer division by zero; SIGILL: an undefined
// instruction; SIGABRT: abort()). For the tests of crash handling only.
// Returns false for another signal or when the fault could not be set up.
bool TriggerFault(int signo);

}  // namespace fault

#endif  // FAULT_RUNTIME_CRASH_H_
