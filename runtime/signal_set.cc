#include "runtime/signal_set.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

namespace fault {
namespace {

constexpr int kBitsPerWord = 8 * sizeof(unsigned long);
constexpr int kKernelSignals = 64;
constexpr unsigned long kKernelSetBytes = kKernelSignals / 8;

static_assert(sizeof(sigset_t) >= kKernelSetBytes,
              "sigset_t holds at least the kernel's 64 signals");

unsigned long* Words(sigset_t* set) {
  return reinterpret_cast<unsigned long*>(set);
}

const unsigned long* Words(const sigset_t& set) {
  return reinterpret_cast<const unsigned long*>(&set);
}

bool InRange(int signo) { return signo >= 1 && signo <= kKernelSignals; }

unsigned long Bit(int signo) { return 1UL << ((signo - 1) % kBitsPerWord); }

}  // namespace

bool IsLibraryReservedSignal(int signo) { return signo == 32 || signo == 33; }

sigset_t NoSignals() {
  sigset_t set;
  memset(&set, 0, sizeof set);
  return set;
}

sigset_t AllSignals() {
  sigset_t set = NoSignals();
  for (int signo = 1; signo <= kKernelSignals; ++signo) AddSignal(&set, signo);
  return set;
}

bool AddSignal(sigset_t* set, int signo) {
  if (!InRange(signo) || IsLibraryReservedSignal(signo)) return false;
  Words(set)[(signo - 1) / kBitsPerWord] |= Bit(signo);
  return true;
}

void RemoveSignal(sigset_t* set, int signo) {
  if (!InRange(signo)) return;
  Words(set)[(signo - 1) / kBitsPerWord] &= ~Bit(signo);
}

bool HasSignal(const sigset_t& set, int signo) {
  return InRange(signo) &&
         (Words(set)[(signo - 1) / kBitsPerWord] & Bit(signo)) != 0;
}

int ChangeSignalMask(int how, const sigset_t* set, sigset_t* old) {
  if (old != nullptr) *old = NoSignals();
  return syscall(SYS_rt_sigprocmask, how, set, old, kKernelSetBytes) == 0
             ? 0
             : errno;
}

int TakeSignal(const sigset_t& set, siginfo_t* info) {
  const long signo =
      syscall(SYS_rt_sigtimedwait, &set, info, nullptr, kKernelSetBytes);
  return signo > 0 ? static_cast<int>(signo) : -errno;
}

}  // namespace fault
