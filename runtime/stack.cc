#include "runtime/stack.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

#include "runtime/fd.h"

namespace fault {
namespace {

// Whether every page of [from, to) is mapped: msync(MS_ASYNC) checks the
// range (ENOMEM for a hole) and, since Linux 2.6.19, does nothing else.
bool Mapped(uintptr_t from, uintptr_t to) {
  return msync(reinterpret_cast<void*>(from), to - from, MS_ASYNC) == 0;
}

// The start of the "[stack]" line of /proc/self/maps, if `top` is in it:
// where bisection finds no hole below the caller, as under qemu-user, whose
// 32-bit guests live in one reserved host mapping (it shows the guest's
// mappings in /proc/self/maps).
bool StartFromProcMaps(uintptr_t top, uintptr_t* start) {
  UniqueFd maps(open("/proc/self/maps", O_RDONLY | O_CLOEXEC));
  if (!maps.valid()) return false;
  StatusOr<std::string> text = ReadAll(maps.get(), 1 << 20);
  if (!text.ok()) return false;
  size_t at = text->find("[stack]");
  if (at == std::string::npos) return false;
  size_t line = text->rfind('\n', at);
  const char* p = text->c_str() + (line == std::string::npos ? 0 : line + 1);
  char* dash = nullptr;
  const uintptr_t from = strtoull(p, &dash, 16);
  if (dash == nullptr || *dash != '-') return false;
  const uintptr_t to = strtoull(dash + 1, nullptr, 16);
  if (top < from || top >= to) return false;
  *start = from;
  return true;
}

// The farthest the search for the stack's start goes below the caller.
constexpr uintptr_t kMaxStackSearch = uintptr_t{1} << 30;

// The start (lowest address) of the main thread's stack mapping, from the
// caller's page `top` down. The kernel grows that mapping down, never
// shrinks it, and keeps other mappings a guard gap (stack_guard_gap, 1 MiB)
// below it unless a program maps there with MAP_FIXED, which nothing here
// does: the start is the end of the run of mapped pages below `top`, found
// by bisection in 20 msync calls at most, without /proc (but see above).
bool MainStackStart(uintptr_t top, uintptr_t bottom, uintptr_t page,
                    uintptr_t* start) {
  // The caller runs on that mapping only if nothing is unmapped between it
  // and `bottom`, a string the kernel put on it at exec.
  if (!Mapped(top, (bottom & ~(page - 1)) + page)) return false;
  struct rlimit limit;
  uintptr_t span = kMaxStackSearch;
  if (getrlimit(RLIMIT_STACK, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
      limit.rlim_cur < span) {
    span = (static_cast<uintptr_t>(limit.rlim_cur) + page - 1) & ~(page - 1);
  }
  uintptr_t unmapped = top > span + page ? top - span - page : 0;
  if (Mapped(unmapped, top)) return StartFromProcMaps(top, start);
  uintptr_t mapped = top;  // [mapped, top) is mapped; [unmapped, top) not
  while (mapped - unmapped > page) {
    uintptr_t mid = unmapped + (((mapped - unmapped) / 2) & ~(page - 1));
    if (Mapped(mid, top)) {
      mapped = mid;
    } else {
      unmapped = mid;
    }
  }
  *start = mapped;
  return true;
}

// The start last found. It only moves down as the stack grows, so it is
// looked for again only when the page below it has become mapped: one
// mincore(2) tells.
uintptr_t known_start = 0;

bool StackStart(uintptr_t top, uintptr_t bottom, uintptr_t page,
                uintptr_t* start) {
  unsigned char resident = 0;
  const bool grown = known_start == 0 ||
                     mincore(reinterpret_cast<void*>(known_start - page), page,
                             &resident) == 0 ||
                     errno != ENOMEM;
  if (grown && !MainStackStart(top, bottom, page, &known_start)) {
    known_start = 0;
    return false;
  }
  *start = known_start;
  return true;
}

}  // namespace

size_t ReturnUnusedStack() {
  // Another thread's stack is a mapping among others: not searched.
  if (static_cast<pid_t>(syscall(SYS_gettid)) != getpid()) return 0;
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  volatile char here = 0;
  const uintptr_t sp = reinterpret_cast<uintptr_t>(&here);
  // The program's name, at the stack's far end (where it started).
  const uintptr_t bottom = static_cast<uintptr_t>(getauxval(AT_EXECFN));
  if (bottom <= sp) return 0;  // not on the stack the kernel made
  uintptr_t start = 0;
  if (!StackStart(sp & ~(page - 1), bottom, page, &start)) return 0;
  if (sp < start || sp - start < kStackTrimMargin + page) return 0;
  const uintptr_t hi = (sp - kStackTrimMargin) & ~(page - 1);
  if (madvise(reinterpret_cast<void*>(start), hi - start, MADV_DONTNEED) != 0) {
    return 0;
  }
  return hi - start;
}

}  // namespace fault
