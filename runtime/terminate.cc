#include "runtime/terminate.h"

#include <unistd.h>

#include <atomic>
#include <exception>
#include <string>

#include "runtime/abort.h"
#include "runtime/exit.h"
#include "runtime/fd.h"

namespace fault {
namespace {

std::atomic<bool> terminating{false};

[[noreturn]] void Terminate() {
  if (terminating.exchange(true)) {
    WriteString(STDERR_FILENO, "terminate: called recursively\n");
    Abort();
  }
  std::exception_ptr uncaught = std::current_exception();
  if (uncaught == nullptr) {
    WriteString(STDERR_FILENO, "terminate: called without an exception\n");
    Abort();
  }
  try {
    std::rethrow_exception(uncaught);
  } catch (const std::exception& e) {
    WriteString(STDERR_FILENO, "terminate: uncaught exception: ");
    WriteString(STDERR_FILENO, e.what());
    WriteString(STDERR_FILENO, "\n");
  } catch (const ControlException& e) {
    WriteString(STDERR_FILENO, "terminate: uncaught exception: ");
    WriteString(STDERR_FILENO, e.Describe());
    WriteString(STDERR_FILENO, "\n");
  } catch (...) {
    WriteString(STDERR_FILENO,
                "terminate: uncaught exception of unknown type\n");
  }
  Abort();
}

}  // namespace

void InstallTerminateHandler() { std::set_terminate(&Terminate); }

}  // namespace fault
