#include "runtime/crash.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "runtime/abort.h"
#include "runtime/signal_state.h"
#include "runtime/signals.h"

namespace fault {
namespace {

constexpr int kFaultSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};

// Set once by InstallCrashHandler, read by the handler.
const char* crash_program = "";
CrashAction crash_action = CrashAction::kDie;

// The handler's own stack: a fault from a stack overflow still has room.
// Mapped at install time and untouched until a fault, so it costs no
// memory (nor .bss pages shared with other data).
constexpr size_t kAlternateStackSize = 64 * 1024;

// A line assembled without allocation (async-signal-safe).
class Line {
 public:
  void Add(absl::string_view text) {
    for (char c : text) {
      if (length_ < sizeof buffer_) buffer_[length_++] = c;
    }
  }
  void AddHex(uintptr_t value) {
    char digits[2 * sizeof value];
    int n = 0;
    do {
      digits[n++] = "0123456789abcdef"[value & 0xf];
      value >>= 4;
    } while (value != 0);
    Add("0x");
    while (n > 0) Add(absl::string_view(&digits[--n], 1));
  }
  void AddDecimal(int value) {
    char digits[12];
    int n = 0;
    unsigned magnitude = value < 0 ? 0u - static_cast<unsigned>(value)
                                   : static_cast<unsigned>(value);
    do {
      digits[n++] = static_cast<char>('0' + magnitude % 10);
      magnitude /= 10;
    } while (magnitude != 0);
    if (value < 0) Add("-");
    while (n > 0) Add(absl::string_view(&digits[--n], 1));
  }
  void Write() {
    Add("\n");
    size_t done = 0;
    while (done < length_) {
      ssize_t n = write(STDERR_FILENO, buffer_ + done, length_ - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      done += static_cast<size_t>(n);
    }
  }

 private:
  char buffer_[256];
  size_t length_ = 0;
};

[[noreturn]] void Freeze() {
  for (;;) {
    if (waitpid(-1, nullptr, 0) < 0 && errno == ECHILD) {
      // No child now; orphans may still be adopted later. Only a crashed
      // init ever gets here.
      sleep(1);
    }
  }
}

[[noreturn]] void Die(int signo) {
  struct sigaction action = {};
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  ChangeDisposition(signo, &action, nullptr);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, signo);
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
  raise(signo);
  _exit(128 + signo);  // not reached: the default action ends the process
}

void OnFault(int signo, siginfo_t* info, void*) {
  const int saved_errno = errno;
  // Sent by another process (kill, sigqueue), not a fault of ours: as PID 1
  // ignore it, as the kernel ignores an unhandled signal to PID 1;
  // otherwise end as the default action would, without a crash line.
  if (info->si_code <= 0 && info->si_pid != getpid()) {
    if (crash_action == CrashAction::kDie) Die(signo);
    errno = saved_errno;
    return;
  }
  Line line;
  line.Add(crash_program);
  line.Add(": crashed: ");
  line.Add(SignalIdentifier(signo));
  if (signo == SIGABRT) {
    line.Add(" (abort)");
  } else {
    line.Add(" at address ");
    line.AddHex(reinterpret_cast<uintptr_t>(info->si_addr));
    line.Add(" (code ");
    line.AddDecimal(info->si_code);
    line.Add(")");
  }
  line.Add("; crash action: ");
  line.Add(CrashActionName(crash_action));
  line.Write();

  switch (crash_action) {
    case CrashAction::kDie:
      Die(signo);
    case CrashAction::kFreeze:
      Freeze();
    case CrashAction::kReboot:
    case CrashAction::kPowerOff: {
      sync();
      reboot(crash_action == CrashAction::kReboot ? RB_AUTOBOOT : RB_POWER_OFF);
      Line failed;
      failed.Add(crash_program);
      failed.Add(": crash action ");
      failed.Add(CrashActionName(crash_action));
      failed.Add(" failed (errno ");
      failed.AddDecimal(errno);
      failed.Add("); freezing instead");
      failed.Write();
      Freeze();
    }
  }
  errno = saved_errno;
}

}  // namespace

StatusOr<CrashAction> ParseCrashAction(absl::string_view text) {
  if (text == "freeze") return CrashAction::kFreeze;
  if (text == "reboot") return CrashAction::kReboot;
  if (text == "poweroff") return CrashAction::kPowerOff;
  return InvalidArgumentError(absl::StrCat("invalid crash action \"", text,
                                           "\": expected freeze, reboot or "
                                           "poweroff"));
}

absl::string_view CrashActionName(CrashAction action) {
  switch (action) {
    case CrashAction::kDie:
      return "die";
    case CrashAction::kFreeze:
      return "freeze";
    case CrashAction::kReboot:
      return "reboot";
    case CrashAction::kPowerOff:
      return "poweroff";
  }
  return "die";
}

Status InstallCrashHandler(const char* program, CrashAction action) {
  crash_program = program;
  crash_action = action;
  void* memory = mmap(nullptr, kAlternateStackSize, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (memory == MAP_FAILED) {
    return InternalError(absl::StrCat("mmap: ", strerror(errno)));
  }
  stack_t stack = {};
  stack.ss_sp = memory;
  stack.ss_size = kAlternateStackSize;
  if (sigaltstack(&stack, nullptr) != 0) {
    return InternalError(absl::StrCat("sigaltstack: ", strerror(errno)));
  }
  struct sigaction handler = {};
  handler.sa_sigaction = OnFault;
  handler.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigfillset(&handler.sa_mask);
  for (int signo : kFaultSignals) {
    if (ChangeDisposition(signo, &handler, nullptr) != 0) {
      return InternalError(absl::StrCat("sigaction(", SignalIdentifier(signo),
                                        "): ", strerror(errno)));
    }
  }
  return OkStatus();
}

// Not instrumented: under the sanitizers the fault itself must happen.
__attribute__((no_sanitize("address", "undefined"))) bool TriggerFault(
    int signo) {
  switch (signo) {
    case SIGSEGV: {
      // The empty asm hides the value from the optimizer, which would
      // otherwise treat the store as unreachable and drop it.
      int* nowhere = nullptr;
      __asm__ volatile("" : "+r"(nowhere));
      *static_cast<volatile int*>(nowhere) = 1;
      return true;
    }
    case SIGBUS: {
      // A shared mapping of an empty file: its first page has no backing.
      int fd = memfd_create("fault", MFD_CLOEXEC);
      if (fd < 0) return false;
      void* page =
          mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      close(fd);
      if (page == MAP_FAILED) return false;
      *static_cast<volatile char*>(page) = 1;
      return true;
    }
    case SIGFPE: {
#if defined(__x86_64__) || defined(__i386__)
      // Both operands hidden: GCC computes 1 / x without a division.
      int one = 1, zero = 0;
      __asm__ volatile("" : "+r"(one), "+r"(zero));
      volatile int quotient = one / zero;
      (void)quotient;
#else
      // ARM's integer division does not trap: the signal is sent instead.
      raise(SIGFPE);
#endif
      return true;
    }
    case SIGILL:
#if defined(__x86_64__) || defined(__i386__)
      __asm__ volatile("ud2");
#elif defined(__aarch64__) || defined(__arm__)
      __asm__ volatile("udf #0");
#else
      raise(SIGILL);
#endif
      return true;
    case SIGABRT:
      Abort();
  }
  return false;
}

}  // namespace fault
