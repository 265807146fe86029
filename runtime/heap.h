// File: runtime/heap.h
//
// What a program may ask of the allocator behind malloc: the shipped
// binaries' CompactHeap (runtime/compact_heap.h, installed as malloc by
// malloc_replacement.cc in musl builds), or the C library's own (glibc in
// tests and sanitizer builds).
//
// Thread safety: as malloc's. Not async-signal-safe.

#ifndef FAULT_RUNTIME_HEAP_H_
#define FAULT_RUNTIME_HEAP_H_

#include <cstddef>

namespace fault {

// ReturnFreedMemory gives the allocator's free pages back to the kernel,
// for a long-lived process after a peak (PID 1 after loading its units):
// CompactHeap::Trim, or glibc's malloc_trim(0). Returns the bytes given
// back when the allocator says (0 otherwise).
size_t ReturnFreedMemory();

}  // namespace fault

#endif  // FAULT_RUNTIME_HEAP_H_
