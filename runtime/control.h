// File: runtime/control.h
//
// Program control: the entry point of a faultinit program and the ways its
// main thread is held, woken and protected (the seed's `control`,
// `protect`, `interject` and `critical`).
//
//   int main(int argc, char** argv) {
//     fault::Control([&] { return Run(argc, argv); });
//   }
//
// Control owns the process's signal dispositions and its exit: main's
// result, an Exit, an Interruption or a Critical unwinding out of `main`
// become the process's end (runtime/exit.h).
//
// Threading: Control, Protect and RunCritical run on the main thread.
// Interject is thread-safe.

#ifndef FAULT_RUNTIME_CONTROL_H_
#define FAULT_RUNTIME_CONTROL_H_

#include <functional>

#include "absl/strings/string_view.h"
#include "runtime/fork.h"
#include "runtime/scheduler.h"

namespace fault {

// Control runs `main` as the program and never returns:
//   0. makes std::terminate report the uncaught exception in one line and
//      Abort (runtime/terminate.h);
//   1. records the signal state the program was started with
//      (InitialSignalState), then gives every catchable signal its default
//      disposition and empties the signal mask; and registers the same for
//      every child of the program in the fork child callset
//      (runtime/callsets.h): SIG_DFL for every signal the program may have
//      changed since (SignalState::ApplyClean) and an empty mask, right
//      after fork, so a spawned program (SpawnOptions::Signals::kClean) or
//      a dispatched child (Fork::Dispatch, Concurrently) starts clean;
//   2. creates the process scheduler (Scheduling) and lets caught
//      interruptions wake it; asynchronous signals reach the program as
//      scheduler events (Scheduler::OnSignal);
//   3. runs `main` inside Fork::Trap;
//   4. ends the process: main's result through EndProcess, or as the
//      exception that escaped says (EndProcessFromException).
[[noreturn]] void Control(Program main);

// Controlled reports whether Control is running the program (the seed's
// `controlled`). Thread-safe.
bool Controlled();

// IsMainThread reports whether the caller is the thread Control started
// on (the seed's `main_thread_id` comparison). False before Control.
// Thread-safe.
bool IsMainThread();

// Protect holds the calling (main) thread in the scheduler loop for a
// program whose work happens in callbacks and other threads. It returns only
// by an exception: an Exit or other exception thrown by an interjected or
// scheduled callback, or an Interruption for a caught signal. A loop failure
// throws Critical.
[[noreturn]] void Protect();

// Interject runs `fn` on the main thread's loop promptly, waking it from
// its wait (the seed trips the main thread with SIGUSR2; the runtime writes
// the scheduler's eventfd). An exception thrown by `fn` unwinds the main
// thread: `Interject([] { throw Exit(0); })` ends a Protect-ed program.
// Thread-safe; not async-signal-safe (allocates).
void Interject(Scheduler::Callback fn);

// RunCritical runs `fn`, a section whose failure would leave the program
// unresponsive: any exception escaping it is reported with `context` and
// ends the process at once (Panic). It may return; it never throws.
void RunCritical(absl::string_view context, const std::function<void()>& fn);

}  // namespace fault

#endif  // FAULT_RUNTIME_CONTROL_H_
