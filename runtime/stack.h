// File: runtime/stack.h
//
// ReturnUnusedStack: the pages of the calling thread's stack below the
// caller are given back to the kernel (madvise(MADV_DONTNEED)). For a
// long-lived process after a deep one-off phase: PID 1's stack is deepest
// while it parses its units, and a page once touched stays resident for
// the process's life otherwise. Pages touched again later come back as
// zeros, which is all a stack below its pointer may hold.
//
// Only the main thread's stack (the kernel's "[stack]" mapping) is
// trimmed; from any other thread, or from a stack the program made itself
// (a coroutine's), nothing happens. Its start is found without /proc (read
// only where no hole shows below the stack, as under qemu-user): the
// run of mapped pages below the caller ends there, as
// the kernel keeps other mappings a guard gap away (a program that maps
// memory just below its stack with MAP_FIXED must not call this). A margin
// below the caller (kStackTrimMargin bytes, then to the page) is kept for
// the calls this makes and for the red zone of the ABIs that have one.
//
// Cost: the first call bisects with msync(2) (13 calls for an 8 MiB stack
// limit, 20 at most); later ones look again only when the stack has grown since
// (one mincore(2) tells), so a call is four system calls (gettid, getpid,
// mincore, madvise): cheap enough for an event loop going idle after a
// burst.
//
// Thread safety: for the main thread; other threads' stacks are not
// touched. Not async-signal-safe. Errors: none; it returns the bytes it
// gave back (0 when it could not).

#ifndef FAULT_RUNTIME_STACK_H_
#define FAULT_RUNTIME_STACK_H_

#include <cstddef>

namespace fault {

inline constexpr size_t kStackTrimMargin = 512;

size_t ReturnUnusedStack();

}  // namespace fault

#endif  // FAULT_RUNTIME_STACK_H_
