#include "runtime/signals.h"

#include <signal.h>

#include <array>
#include <cctype>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "runtime/signal_set.h"

namespace fault {
namespace {

// The seed's `signal_codes`, in its order. Linux has no SIGINFO, so
// `terminal/query` is SIGUSR1, as in the seed's fallback.
constexpr SignalCode kSignalCodes[] = {
    {"process/suspend", SIGTSTP},
    {"process/resume", SIGCONT},
    {"process/stop", SIGSTOP},
    {"process/continue", SIGCONT},
    {"process/terminate", SIGTERM},
    {"process/quit", SIGQUIT},
    {"process/interrupt", SIGINT},
    {"process/kill", SIGKILL},

    {"limit/cpu", SIGXCPU},
    {"limit/file", SIGXFSZ},
    {"limit/time", SIGVTALRM},

    {"terminal/stop", SIGTSTP},
#ifdef SIGINFO
    {"terminal/query", SIGINFO},
#else
    {"terminal/query", SIGUSR1},
#endif
    {"terminal/delta", SIGWINCH},
    {"terminal/closed", SIGHUP},
    {"terminal/background-read", SIGTTIN},
    {"terminal/background-write", SIGTTOU},

    {"user/1", SIGUSR1},
    {"user/2", SIGUSR2},

    {"exception/floating-point", SIGFPE},
    {"exception/broken-pipe", SIGPIPE},

    {"error/invalid-memory-access", SIGBUS},
    {"error/restricted-memory-access", SIGSEGV},
    {"error/invalid-instruction", SIGILL},
    {"error/invalid-system-call", SIGSYS},
};

// Ascending, as `FatalSignals` promises.
constexpr int kFatalSignals[] = {SIGINT,  SIGUSR1, SIGUSR2,   SIGTERM,
                                 SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF};

struct Identifier {
  absl::string_view name;  // as in the C headers: "SIGHUP"
  int signo;
  bool canonical;  // the name SignalIdentifier returns for the code
};

constexpr Identifier kIdentifiers[] = {
    {"SIGHUP", SIGHUP, true},       {"SIGINT", SIGINT, true},
    {"SIGQUIT", SIGQUIT, true},     {"SIGILL", SIGILL, true},
    {"SIGTRAP", SIGTRAP, true},     {"SIGABRT", SIGABRT, true},
    {"SIGIOT", SIGIOT, false},      {"SIGBUS", SIGBUS, true},
    {"SIGFPE", SIGFPE, true},       {"SIGKILL", SIGKILL, true},
    {"SIGUSR1", SIGUSR1, true},     {"SIGSEGV", SIGSEGV, true},
    {"SIGUSR2", SIGUSR2, true},     {"SIGPIPE", SIGPIPE, true},
    {"SIGALRM", SIGALRM, true},     {"SIGTERM", SIGTERM, true},
#ifdef SIGSTKFLT
    {"SIGSTKFLT", SIGSTKFLT, true},
#endif
    {"SIGCHLD", SIGCHLD, true},     {"SIGCLD", SIGCHLD, false},
    {"SIGCONT", SIGCONT, true},     {"SIGSTOP", SIGSTOP, true},
    {"SIGTSTP", SIGTSTP, true},     {"SIGTTIN", SIGTTIN, true},
    {"SIGTTOU", SIGTTOU, true},     {"SIGURG", SIGURG, true},
    {"SIGXCPU", SIGXCPU, true},     {"SIGXFSZ", SIGXFSZ, true},
    {"SIGVTALRM", SIGVTALRM, true}, {"SIGPROF", SIGPROF, true},
    {"SIGWINCH", SIGWINCH, true},   {"SIGIO", SIGIO, true},
    {"SIGPOLL", SIGPOLL, false},
#ifdef SIGPWR
    {"SIGPWR", SIGPWR, true},
#endif
    {"SIGSYS", SIGSYS, true},
};

// Names are compared case-insensitively without allocating.
bool EqualsIgnoreCase(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (absl::ascii_tolower(static_cast<unsigned char>(a[i])) !=
        absl::ascii_tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::optional<int> LookupIdentifier(absl::string_view bare) {
  for (const Identifier& id : kIdentifiers) {
    if (EqualsIgnoreCase(bare, id.name.substr(3))) return id.signo;
  }
  if (EqualsIgnoreCase(bare, "RTMIN")) return kRealtimeMin;
  if (EqualsIgnoreCase(bare, "RTMAX")) return kRealtimeMax;
  return std::nullopt;
}

}  // namespace

absl::Span<const SignalCode> SignalCodes() { return kSignalCodes; }

std::optional<int> LookupSignalCode(absl::string_view name) {
  for (const SignalCode& entry : kSignalCodes) {
    if (entry.name == name) return entry.signo;
  }
  return std::nullopt;
}

absl::string_view SignalName(int signo) {
  // Scan backwards so the later entry wins, as the seed's dict() does.
  for (size_t i = std::size(kSignalCodes); i-- > 0;) {
    if (kSignalCodes[i].signo == signo) return kSignalCodes[i].name;
  }
  return {};
}

absl::string_view SignalIdentifier(int signo) {
  for (const Identifier& id : kIdentifiers) {
    if (id.signo == signo && id.canonical) return id.name;
  }
  if (signo == kRealtimeMin) return "SIGRTMIN";
  if (signo == kRealtimeMax) return "SIGRTMAX";
  return {};
}

bool IsFatalSignal(int signo) {
  for (int s : kFatalSignals) {
    if (s == signo) return true;
  }
  return false;
}

absl::Span<const int> FatalSignals() { return kFatalSignals; }

StatusOr<int> ParseSignal(absl::string_view text) {
  if (std::optional<int> code = LookupSignalCode(text)) return *code;

  int number = 0;
  if (!text.empty() &&
      absl::ascii_isdigit(static_cast<unsigned char>(text[0])) &&
      absl::SimpleAtoi(text, &number) && number >= 1 && number < NSIG) {
    return number;
  }

  absl::string_view bare = text;
  if (bare.size() > 3 && EqualsIgnoreCase(bare.substr(0, 3), "SIG")) {
    bare.remove_prefix(3);
  }
  if (std::optional<int> signo = LookupIdentifier(bare)) return *signo;

  return InvalidArgumentError(absl::StrCat(
      "unknown signal \"", text,
      "\": expected a categorized name (process/terminate), an identifier "
      "(SIGTERM, TERM, term) or a number from 1 to ",
      NSIG - 1));
}

absl::string_view SignalDisplayName(int signo, char (&buffer)[12]) {
  absl::string_view id = SignalIdentifier(signo);
  if (!id.empty()) return id.substr(3);
  // Format the number by hand: snprintf is not async-signal-safe.
  char digits[12];
  int n = 0;
  unsigned value = signo < 0 ? 0u - static_cast<unsigned>(signo)
                             : static_cast<unsigned>(signo);
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0 && n < 10);
  int out = 0;
  if (signo < 0) buffer[out++] = '-';
  while (n > 0) buffer[out++] = digits[--n];
  return absl::string_view(buffer, out);
}

}  // namespace fault
