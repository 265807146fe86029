// File: runtime/stack.h
//
// ReturnUnusedStack: the pages of the calling thread's stack below the
// caller are given back to the kernel (madvise(MADV_DONTNEED)). For a
// long-lived process after a deep one-off phase: PID 1's stack is deepest
// while it parses its units, and a page once touched stays resident for
// the process's life otherwise. Pages touched again later come back as
// zeros, which is all a stack below its pointer may hold.
//
// Only the main thread's stack (the "[stack]" mapping of
// /proc/self/maps) is trimmed; from any other thread, or without /proc,
// nothing happens. A margin below the caller (kStackTrimMargin bytes, then to
// the page) is kept for the calls this makes and for the red zone of the ABIs
// that have one.
//
// Cost: the first call reads /proc/self/maps; later ones read it again only
// when the stack has grown since (one mincore(2) tells), so a call is two
// system calls: cheap enough for an event loop going idle after a burst.
//
// Thread safety: for the main thread; other threads' stacks are not
// touched. Not async-signal-safe (it may read a file). Errors: none; it
// returns the bytes it gave back (0 when it could not).

#ifndef FAULT_RUNTIME_STACK_H_
#define FAULT_RUNTIME_STACK_H_

#include <cstddef>

namespace fault {

inline constexpr size_t kStackTrimMargin = 512;

size_t ReturnUnusedStack();

}  // namespace fault

#endif  // FAULT_RUNTIME_STACK_H_
