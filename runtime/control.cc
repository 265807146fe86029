#include "runtime/control.h"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <exception>

#include "absl/strings/str_cat.h"
#include "runtime/callsets.h"
#include "runtime/exit.h"
#include "runtime/signal_state.h"
#include "runtime/terminate.h"

namespace fault {
namespace {

std::atomic<Scheduler*> controlled_scheduler{nullptr};
std::atomic<bool> controlled{false};
pthread_t main_thread;

// Async-signal-safe: Scheduler::Stop writes an eventfd.
void WakeControlledScheduler() {
  if (Scheduler* s = controlled_scheduler.load(std::memory_order_acquire)) {
    s->Stop();
  }
}

}  // namespace

bool Controlled() { return controlled.load(std::memory_order_acquire); }

bool IsMainThread() {
  return Controlled() && pthread_equal(pthread_self(), main_thread);
}

void Control(Program main) {
  main_thread = pthread_self();
  controlled.store(true, std::memory_order_release);
  InstallTerminateHandler();
  CaptureInitialSignalState();
  if (int error = InitialSignalState().Clean(); error != 0) {
    Panic("unable to reset signal dispositions");
  }
  // Control's part of the fork child callset: a child starts as Control
  // starts a program, whatever the program did to its own signal state
  // since (see control.h). Registered before the scheduler exists, so it
  // runs before the scheduler's own part. A failure cannot be reported
  // from there; sigaction and sigprocmask do not fail for these arguments.
  // Also in a vfork child (VforkCallsets): system calls only, and the
  // dispositions it resets are marked changed already.
  RegisterForkCallback(
      ForkPhase::kChild, [] { (void)SignalState::ApplyClean(); },
      VforkSafety::kAlsoVfork)
      .Release();
  controlled_scheduler.store(&Scheduling(), std::memory_order_release);
  Interruption::SetWakeup(WakeControlledScheduler);
  try {
    EndProcess(Fork::Trap(std::move(main)));
  } catch (...) {
    EndProcessFromException();
  }
}

void Protect() {
  for (;;) {
    Status status = Scheduling().Run();
    Interruption::Check();
    if (!status.ok()) throw Critical("protect", status.message());
  }
}

void Interject(Scheduler::Callback fn) {
  Scheduling().Interject(std::move(fn));
}

void RunCritical(absl::string_view context, const std::function<void()>& fn) {
  try {
    fn();
  } catch (const ControlException& e) {
    Panic(absl::StrCat(context, ": ", e.Describe()));
  } catch (const std::exception& e) {
    Panic(absl::StrCat(context, ": ", e.what()));
  } catch (...) {
    Panic(absl::StrCat(context, ": exception of unknown type"));
  }
}

}  // namespace fault
