// faultctl: the control client of a running faultinit (docs/control.md),
// as a function two programs run: the faultctl binary (faultctl_main.cc),
// and faultinit itself when it is called by the name faultctl (a link to
// it, as a board's initramfs has: one binary, whose code a running PID 1
// has already paged in).
//
// Run is a list of steps:
//   1. Control takes over signals and the process's exit (runtime); SIGINT
//      and SIGTERM keep their default action, so `log -f` ends by them.
//   2. The invocation snapshots argv, FAULTINIT_SOCKET and NOTIFY_SOCKET.
//   3. The command line is parsed; a usage error exits 2 with one line.
//   4. `notify` sends its datagram, then waits (up to 5 s) until the
//      receiver confirms it read it (BARRIER=1); every other verb encodes
//      one request, connects (exit 5 when faultinit cannot be reached),
//      and reads the response: the first line is OK or ERR (whose code
//      gives the exit status), the rest are handed to the verb, which
//      prints them and decides the exit status.

#ifndef INIT_CTL_FAULTCTL_H_
#define INIT_CTL_FAULTCTL_H_

namespace faultinit::faultctl {

// Runs faultctl with main's arguments and ends the process with its exit
// status (docs/control.md lists them). Call it first thing in main, before
// anything else touches signals or standard descriptors: it takes the
// process over with fault::Control.
[[noreturn]] void Run(int argc, char** argv, char** envp);

}  // namespace faultinit::faultctl

#endif  // INIT_CTL_FAULTCTL_H_
