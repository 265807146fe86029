// The ABI bridge between Debian's GCC runtime and musl, for the musl builds
// of the shipped binaries only (platforms/musl/BUILD.bazel).
//
// Debian ships libstdc++.a and libgcc_eh.a built for glibc 2.36 only; the
// shipped binaries link them against musl's libc.a. Two glibc symbols they
// refer to have no musl counterpart, and are defined here after glibc's
// documented contracts:
//   - __libc_single_threaded (glibc 2.32, <sys/single_threaded.h>), read by
//     libstdc++ (reference counts, static-local guards);
//   - _dl_find_object (glibc 2.35, <dlfcn.h>), called by libgcc's DWARF
//     unwinder (x86_64, aarch64) to find a throwing function's unwind
//     tables. ARM's EHABI unwinder finds them through
//     __exidx_start/__exidx_end and never calls it, so armv7 has no
//     definition.
// Everything else these archives call is a C or POSIX function musl has.
//
// Thread and signal safety: as glibc's. _dl_find_object is async-signal-safe
// (it walks the program headers through dl_iterate_phdr, which in a static
// binary takes no lock).

#include <link.h>
#include <stddef.h>
#include <stdint.h>

#include "platforms/musl/dl_find_object.h"

extern "C" {

// Nonzero while the process is known to have one thread, which lets
// libstdc++ skip atomic instructions. Zero ("maybe several") is always
// correct.
char __libc_single_threaded = 0;

#if defined(__x86_64__) || defined(__aarch64__)

struct dl_find_object;

namespace {

struct Lookup {
  uintptr_t address;
  fault_musl::DlFindObject* result;
  bool found;
};

int FindObject(struct dl_phdr_info* info, size_t, void* data) {
  Lookup* lookup = static_cast<Lookup*>(data);
  uintptr_t start = UINTPTR_MAX, end = 0;
  bool contains = false;
  const ElfW(Phdr)* eh = nullptr;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& phdr = info->dlpi_phdr[i];
    if (phdr.p_type == PT_GNU_EH_FRAME) eh = &phdr;
    if (phdr.p_type != PT_LOAD) continue;
    uintptr_t from = info->dlpi_addr + phdr.p_vaddr;
    uintptr_t to = from + phdr.p_memsz;
    if (from < start) start = from;
    if (to > end) end = to;
    if (lookup->address >= from && lookup->address < to) contains = true;
  }
  if (!contains) return 0;
  fault_musl::DlFindObject* result = lookup->result;
  *result = {};
  result->map_start = reinterpret_cast<void*>(start);
  result->map_end = reinterpret_cast<void*>(end);
  result->eh_frame =
      eh == nullptr ? nullptr
                    : reinterpret_cast<void*>(info->dlpi_addr + eh->p_vaddr);
  lookup->found = true;
  return 1;
}

}  // namespace

// 0 and *result filled when address lies in a loaded object, -1 otherwise.
int _dl_find_object(void* address, struct dl_find_object* result) {
  Lookup lookup{reinterpret_cast<uintptr_t>(address),
                reinterpret_cast<fault_musl::DlFindObject*>(result), false};
  dl_iterate_phdr(FindObject, &lookup);
  return lookup.found ? 0 : -1;
}

#endif  // x86_64, aarch64

}  // extern "C"
