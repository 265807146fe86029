// A terminate handler without the demangler, for faultinit's static
// binaries.
//
// libstdc++'s default terminate handler, __gnu_cxx::__verbose_terminate_handler
// (vterminate.o), demangles the type of the uncaught exception, which links
// the whole C++ demangler (cp-demangle.o) and sprintf: about 50 KB of a
// static binary (docs/architecture.md, "Size").
//
// Defining the handler here, in an object linked before libstdc++.a, keeps
// vterminate.o and the demangler out. It prints what the verbose handler
// prints, with the type's mangled name ("St13runtime_error" for
// std::runtime_error; `c++filt -t` reads it), then aborts. It uses write(2)
// only, so it works however the program's stdio stands. Only the faultinit
// and faultctl binaries link it; tests keep the verbose handler. If a
// dependency ever needed the original object, the link would fail with a
// duplicate symbol instead of misbehaving.

#include <cxxabi.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <exception>
#include <typeinfo>

namespace {

void Write(const char* text) {
  size_t left = strlen(text);
  while (left > 0) {
    ssize_t n = write(STDERR_FILENO, text, left);
    if (n <= 0) return;
    text += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace

namespace __gnu_cxx {

void __verbose_terminate_handler() {
  static bool terminating = false;
  if (terminating) {
    Write("terminate called recursively\n");
    abort();
  }
  terminating = true;
  std::type_info* type = abi::__cxa_current_exception_type();
  if (type == nullptr) {
    Write("terminate called without an active exception\n");
    abort();
  }
  const char* name = type->name();
  Write("terminate called after throwing an instance of '");
  Write(name[0] == '*' ? name + 1 : name);
  Write("'\n");
  try {
    throw;
  } catch (const std::exception& e) {
    Write("  what():  ");
    Write(e.what());
    Write("\n");
  } catch (...) {
  }
  abort();
}

}  // namespace __gnu_cxx
