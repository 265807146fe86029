// File: runtime/terminal.h
//
// TerminalOptions: the terminal a spawned child gets (systemd's
// StandardInput=tty*, StandardOutput=tty, TTYPath=, TTYReset=, TTYVHangup=,
// TTYVTDisallocate=), and the calls Spawn's child makes to set it up,
// between fork and exec.
//
// Safety: PrepareTerminal and OpenTerminal are async-signal-safe (open,
// ioctl, tcsetattr, write, inotify, close; no allocation): they run in the
// child of a fork. The child must be a session leader with no controlling
// terminal (setsid) for input to acquire one, and should hold SIGHUP
// ignored meanwhile (Spawn does): hanging up or taking a terminal may send
// it.

#ifndef FAULT_RUNTIME_TERMINAL_H_
#define FAULT_RUNTIME_TERMINAL_H_

#include <string>

namespace fault {

struct TerminalOptions {
  // How stdin takes the terminal as the controlling terminal (TIOCSCTTY):
  //   kNone   stdin is not the terminal
  //   kWait   wait while another session has it (StandardInput=tty)
  //   kForce  take it from another session (tty-force; needs
  //           CAP_SYS_ADMIN)
  //   kFail   fail when another session has it (tty-fail)
  enum class Input { kNone, kWait, kForce, kFail };

  std::string path;  // the terminal; empty: none (the rest is ignored)
  Input input = Input::kNone;
  bool output = false;  // stdout is the terminal
  bool error = false;   // stderr is the terminal
  bool reset = false;   // TTYReset=: sane termios, "\033c"
  bool hangup = false;  // TTYVHangup=: TIOCVHANGUP (others lose it)
  // TTYVTDisallocate=: a virtual console (/dev/ttyN) is deallocated, or
  // cleared when in use; any other terminal is left alone, as systemd.
  bool vt_disallocate = false;

  bool empty() const { return path.empty(); }
};

// PrepareTerminal resets, hangs up and deallocates the terminal as
// `options` say, before it is opened for the child. Failures are ignored,
// as systemd ignores them (a terminal that cannot be reset is still used).
void PrepareTerminal(const TerminalOptions& options);

// OpenTerminal opens the terminal for the child's standard streams: with
// input, read-write and made the controlling terminal of the caller's
// session (waiting, taking it or failing as `options.input` says); without,
// write-only, and never the controlling terminal. Returns the descriptor
// (O_CLOEXEC) or -errno (EPERM: another session has it, tty-fail).
// kWait waits on inotify for the terminal to be closed, and tries again
// at least every second; it may wait for ever: the caller leaves the
// signals that should end it (a stop's SIGTERM) unblocked meanwhile.
int OpenTerminal(const TerminalOptions& options);

}  // namespace fault

#endif  // FAULT_RUNTIME_TERMINAL_H_
