#include "runtime/stack.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "runtime/fd.h"

namespace fault {
namespace {

// The bounds of the "[stack]" mapping, from /proc/self/maps.
bool MainStack(uintptr_t* start, uintptr_t* end) {
  UniqueFd maps(open("/proc/self/maps", O_RDONLY | O_CLOEXEC));
  if (!maps.valid()) return false;
  StatusOr<std::string> text = ReadAll(maps.get(), 1 << 20);
  if (!text.ok()) return false;
  size_t at = text->find("[stack]");
  if (at == std::string::npos) return false;
  size_t line = text->rfind('\n', at);
  line = line == std::string::npos ? 0 : line + 1;
  const char* p = text->c_str() + line;
  char* dash = nullptr;
  *start = strtoull(p, &dash, 16);
  if (dash == nullptr || *dash != '-') return false;
  *end = strtoull(dash + 1, nullptr, 16);
  return *start < *end;
}

// The bounds last read. The "[stack]" mapping's end never moves and its
// start only moves down as the stack grows, so the bounds are read again
// only when the page below the known start has become mapped: one
// mincore(2) instead of reading /proc/self/maps on every call.
uintptr_t known_start = 0, known_end = 0;

bool StackBounds(uintptr_t page, uintptr_t* start, uintptr_t* end) {
  unsigned char resident = 0;
  const bool grown = known_start == 0 ||
                     mincore(reinterpret_cast<void*>(known_start - page), page,
                             &resident) == 0 ||
                     errno != ENOMEM;
  if (grown && !MainStack(&known_start, &known_end)) {
    known_start = known_end = 0;
    return false;
  }
  *start = known_start;
  *end = known_end;
  return true;
}

}  // namespace

size_t ReturnUnusedStack() {
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  uintptr_t start = 0, end = 0;
  if (!StackBounds(page, &start, &end)) return 0;
  volatile char here = 0;
  const uintptr_t sp = reinterpret_cast<uintptr_t>(&here);
  if (sp < start || sp >= end) return 0;               // not on the main stack
  if (sp - start < kStackTrimMargin + page) return 0;  // nothing below
  const uintptr_t hi = (sp - kStackTrimMargin) & ~(page - 1);
  if (madvise(reinterpret_cast<void*>(start), hi - start, MADV_DONTNEED) != 0) {
    return 0;
  }
  return hi - start;
}

}  // namespace fault
