// File: runtime/abort.h
//
// Abort: the process ends itself by SIGABRT, the way every fatal path of
// the runtime ends (Panic, a failed Control, the crash trigger).
//
// abort(3) raises SIGABRT; where the signal is blocked — faultinit holds
// every asynchronous signal for its signalfd, SIGABRT included, to forward
// one that someone sends — C libraries differ: glibc unblocks it first,
// musl raises it still blocked and then ends the process with the default
// action, so a SIGABRT handler (the crash handler, runtime/crash.h, which
// performs PID 1's --crash-action) would never run. Abort unblocks SIGABRT
// in the calling thread first, then calls abort(3): the handler always
// sees the runtime's own aborts, with either C library.
//
// Contract: never returns. Async-signal-safe (sigprocmask, abort). Other
// code that calls abort(3) itself while SIGABRT is blocked gets the C
// library's behaviour.

#ifndef FAULT_RUNTIME_ABORT_H_
#define FAULT_RUNTIME_ABORT_H_

namespace fault {

[[noreturn]] void Abort();

}  // namespace fault

#endif  // FAULT_RUNTIME_ABORT_H_
