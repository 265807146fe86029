// File: runtime/terminate.h
//
// What std::terminate does in a runtime program: one line on stderr naming
// the exception that nothing caught, then Abort (runtime/abort.h), so that
// a crash handler performs its action (PID 1's --crash-action).
//
//   terminate: uncaught exception: WHAT        (a std::exception)
//   terminate: uncaught exception: exit 3      (a ControlException)
//   terminate: uncaught exception of unknown type
//   terminate: called without an exception
//
// The handler is installed through std::set_terminate, a public interface;
// it does not name the exception's type (that would take the C++ ABI's
// demangler, or its internal names). Control installs it
// (runtime/control.h).
//
// Thread safety: InstallTerminateHandler may be called from any thread;
// the handler writes with write(2) only and never returns.

#ifndef FAULT_RUNTIME_TERMINATE_H_
#define FAULT_RUNTIME_TERMINATE_H_

namespace fault {

void InstallTerminateHandler();

}  // namespace fault

#endif  // FAULT_RUNTIME_TERMINATE_H_
