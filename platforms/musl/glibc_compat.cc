// Link-time compatibility with glibc, for the musl builds of the shipped
// binaries only (platforms/musl/BUILD.bazel):
//   - glibc symbols that Debian's prebuilt libstdc++.a and libgcc_eh.a
//     (built against glibc) refer to and musl does not define;
//   - abort(), whose glibc behaviour faultinit's crash handler relies on.
// Each definition follows glibc's documented contract.
//
// Thread and signal safety: as glibc's. _dl_find_object and abort are
// async-signal-safe (they walk the program headers, or make system calls).

#include <link.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

extern "C" {

// glibc 2.32: nonzero while the process is known to have one thread, which
// lets libstdc++ skip atomic instructions on reference counts. Zero ("maybe
// several") is always correct.
char __libc_single_threaded = 0;

// glibc 2.35's lookup of the object holding an address, which libgcc's
// DWARF unwinder (GCC 12; x86_64 and aarch64) uses to find the unwind
// tables of a throwing function. (ARM's EHABI unwinder finds them through
// __exidx_start/__exidx_end in a static link and never calls it.) The
// layout is glibc's <dlfcn.h> for those architectures: no dlfo_eh_dbase,
// no dlfo_eh_count.
struct dl_find_object {
  unsigned long long dlfo_flags;
  void* dlfo_map_start;
  void* dlfo_map_end;
  struct link_map* dlfo_link_map;
  void* dlfo_eh_frame;
  unsigned long long dlfo_reserved[7];
};

namespace {

constexpr uint32_t kEhSegment = PT_GNU_EH_FRAME;

struct Lookup {
  uintptr_t address;
  struct dl_find_object* result;
  bool found;
};

int FindObject(struct dl_phdr_info* info, size_t, void* data) {
  Lookup* lookup = static_cast<Lookup*>(data);
  uintptr_t start = UINTPTR_MAX, end = 0;
  bool contains = false;
  const ElfW(Phdr)* eh = nullptr;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& phdr = info->dlpi_phdr[i];
    if (phdr.p_type == kEhSegment) eh = &phdr;
    if (phdr.p_type != PT_LOAD) continue;
    uintptr_t from = info->dlpi_addr + phdr.p_vaddr;
    uintptr_t to = from + phdr.p_memsz;
    if (from < start) start = from;
    if (to > end) end = to;
    if (lookup->address >= from && lookup->address < to) contains = true;
  }
  if (!contains) return 0;
  struct dl_find_object* result = lookup->result;
  result->dlfo_flags = 0;
  result->dlfo_map_start = reinterpret_cast<void*>(start);
  result->dlfo_map_end = reinterpret_cast<void*>(end);
  result->dlfo_link_map = nullptr;
  result->dlfo_eh_frame =
      eh == nullptr ? nullptr
                    : reinterpret_cast<void*>(info->dlpi_addr + eh->p_vaddr);
  lookup->found = true;
  return 1;
}

}  // namespace

int _dl_find_object(void* address, struct dl_find_object* result) {
  Lookup lookup{reinterpret_cast<uintptr_t>(address), result, false};
  dl_iterate_phdr(FindObject, &lookup);
  return lookup.found ? 0 : -1;
}

// abort() as glibc's: SIGABRT is unblocked before it is raised, so a
// handler always runs, even while the signal is held for a signalfd (as
// faultinit's container mode holds it, to forward a SIGABRT someone sends).
// musl raises it still blocked, then kills the process with the default
// action, so faultinit's crash handler (runtime/crash.h) would never see
// its own aborts; and as PID 1, which the kernel does not kill that way,
// musl would then crash on purpose with every signal blocked.
// If the handler returns, or SIGABRT is ignored, the default action follows.
[[noreturn]] void abort(void) {
  unsigned long abrt[2] = {1UL << (SIGABRT - 1), 0};
  syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, abrt, nullptr, 8);
  raise(SIGABRT);
  struct sigaction default_action = {};
  default_action.sa_handler = SIG_DFL;
  sigaction(SIGABRT, &default_action, nullptr);
  raise(SIGABRT);
  _exit(127);  // PID 1 ignores even the default action
}

}  // extern "C"
