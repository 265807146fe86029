// File: runtime/exception_memory.h
//
// Where the shipped binaries' C++ exceptions live: the Itanium C++ ABI's
// __cxa_allocate_exception family, defined in exception_memory.cc instead
// of libstdc++'s eh_alloc.o.
//
// Why: libstdc++'s eh_alloc.o allocates a 72 KB "emergency pool" with
// malloc at start-up (for throws when malloc fails) and writes its header;
// under musl that allocation is an mmap of which four pages are touched at
// once: 16 kB of private memory in every faultinit process, a third of
// container mode's RssAnon (docs/architecture.md, "Size"). GCC 12 has no
// tunable for the pool. Here a thrown object is malloc'd, and only when
// malloc fails does it take one of kEmergencySlots slots of kEmergencySlot
// bytes in a mapping made at start-up, which costs no memory until a slot
// is used.
//
// Layout (Itanium ABI, as libstdc++ 12 computes it): a thrown object is
// preceded by a __cxa_refcounted_exception of kExceptionHeader bytes (128
// on x86_64, aarch64 and armv7, read off Debian's eh_alloc.o), zeroed; a
// dependent exception (std::rethrow_exception) is a zeroed block of at
// least sizeof(__cxa_dependent_exception) (112 and 120 bytes there).
// Only the binaries link exception_memory.cc (alwayslink, before
// libstdc++.a); if a dependency ever needed eh_alloc.o's other symbols the
// link would fail with a duplicate symbol instead of misbehaving.
//
// Thread safety: Allocate and Free may be called from any thread (the
// slots are claimed with atomic exchanges). Not async-signal-safe (malloc).

#ifndef FAULT_RUNTIME_EXCEPTION_MEMORY_H_
#define FAULT_RUNTIME_EXCEPTION_MEMORY_H_

#include <cstddef>

namespace fault::exception_memory {

inline constexpr size_t kExceptionHeader = 128;
inline constexpr size_t kDependentException = 128;
inline constexpr size_t kEmergencySlots = 4;
inline constexpr size_t kEmergencySlot = 512;

// Allocate returns `size` zeroed bytes, 16-byte aligned: from malloc when
// `use_heap`, else (or when malloc fails) from a free emergency slot when
// `size` fits one. nullptr when neither has room; the ABI functions then
// call std::terminate, as libstdc++ does.
void* Allocate(size_t size, bool use_heap);

// Free gives back what Allocate returned (nullptr is ignored).
void Free(void* block);

// InEmergencySlot reports whether `block` is one of the emergency slots.
bool InEmergencySlot(const void* block);

}  // namespace fault::exception_memory

#endif  // FAULT_RUNTIME_EXCEPTION_MEMORY_H_
