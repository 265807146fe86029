#include "runtime/exit.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <exception>

#include "absl/strings/str_cat.h"
#include "runtime/abort.h"
#include "runtime/callsets.h"
#include "runtime/fd.h"
#include "runtime/signal_state.h"
#include "runtime/signals.h"

namespace fault {
namespace {

// The caught signal not yet turned into an Interruption.
volatile sig_atomic_t pending_signal = 0;
std::atomic<void (*)()> wakeup{nullptr};

void VoidHandler(int) {}

void InterruptingHandler(int signo) {
  int saved = errno;
  pending_signal = signo;
  if (void (*wake)() = wakeup.load(std::memory_order_acquire)) wake();
  errno = saved;
}

Status Install(std::initializer_list<int> signals, void (*handler)(int)) {
  struct sigaction action = {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: blocking calls return EINTR
  for (int signo : signals) {
    if (ChangeDisposition(signo, &action, nullptr) != 0) {
      char name[12];
      return ErrnoToStatus(errno, absl::StrCat("unable to set the handler of ",
                                               SignalDisplayName(signo, name)));
    }
  }
  return OkStatus();
}

}  // namespace

std::string Exit::Describe() const { return absl::StrCat("exit ", status_); }

std::string Critical::Describe() const {
  if (context_.empty()) return cause_;
  return absl::StrCat(context_, ": ", cause_);
}

void Panic(absl::string_view cause) {
  WriteString(STDERR_FILENO, "fault: fatal: ");
  WriteString(STDERR_FILENO, cause);
  WriteString(STDERR_FILENO, "\n");
  Abort();
}

std::string Interruption::Describe() const {
  absl::string_view id = SignalIdentifier(signo_);
  if (id.empty()) return absl::StrCat("interrupted by signal ", signo_);
  return absl::StrCat("interrupted by ", id);
}

void Interruption::Raise() const {
  struct sigaction action = {};
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  (void)ChangeDisposition(signo_, &action, nullptr);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, signo_);
  (void)sigprocmask(SIG_UNBLOCK, &set, nullptr);
  (void)raise(signo_);
  // Still here: the signal's default action does not terminate.
  _exit(128 + signo_);
}

Status Interruption::Filter(std::initializer_list<int> signals) {
  return Install(signals, VoidHandler);
}

Status Interruption::Catch(std::initializer_list<int> signals) {
  return Install(signals, InterruptingHandler);
}

Status Interruption::Trap() { return Catch({SIGINT, SIGTERM}); }

int Interruption::Pending() { return pending_signal; }

void Interruption::Check() {
  int signo = pending_signal;
  if (signo == 0) return;
  pending_signal = 0;
  throw Interruption(signo);
}

void Interruption::SetWakeup(void (*wake)()) {
  wakeup.store(wake, std::memory_order_release);
}

void EndProcess(int status) {
  if (InForkedChild()) {
    (void)fflush(nullptr);
    _exit(status);
  }
  exit(status);
}

void EndProcessFromException() {
  try {
    throw;
  } catch (const Exit& e) {
    EndProcess(e.status());
  } catch (const Interruption& e) {
    (void)fflush(nullptr);
    e.Raise();
  } catch (const ControlException& e) {
    Panic(e.Describe());
  } catch (const std::exception& e) {
    Panic(absl::StrCat("uncaught exception: ", e.what()));
  } catch (...) {
    Panic("uncaught exception of unknown type");
  }
}

}  // namespace fault
