// File: runtime/signals.h
//
// The seed's categorized signal table (`signal_codes`, `signal_names`,
// `signal_identifiers`, `fatal_signals`) and the one parser every signal
// argument of faultinit goes through.
//
// Categorized names group signals by what they mean to a process:
// `process/terminate` is SIGTERM, `terminal/delta` is SIGWINCH, and so on.
// Where two names share a code, reverse lookups keep the seed's rule: the
// later entry of the table wins (SIGTSTP -> `terminal/stop`, SIGCONT ->
// `process/continue`, SIGUSR1 -> `user/1`).
//
// Thread safety: everything here reads constant tables; all functions are
// thread-safe. `SignalName`, `SignalIdentifier` and `IsFatalSignal` are also
// async-signal-safe (no allocation, no locks). `ParseSignal` allocates.

#ifndef FAULT_RUNTIME_SIGNALS_H_
#define FAULT_RUNTIME_SIGNALS_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "runtime/status.h"

namespace fault {

// One entry of the categorized table.
struct SignalCode {
  absl::string_view name;  // e.g. "process/terminate"
  int signo;               // e.g. SIGTERM
};

// SignalCodes returns the seed's `signal_codes`, in the seed's order.
absl::Span<const SignalCode> SignalCodes();

// LookupSignalCode returns the signal of a categorized name
// (`signal_codes[name]`), or nullopt for a name not in the table.
std::optional<int> LookupSignalCode(absl::string_view name);

// SignalName returns the categorized name of `signo` (`signal_names`): the
// table's later entry where two share the code. Empty for a signal with no
// categorized name (SIGCHLD, SIGALRM, ...).
absl::string_view SignalName(int signo);

// SignalIdentifier returns the POSIX identifier of `signo` as in the C
// headers (`signal_identifiers`): "SIGTERM" for 15, "SIGRTMIN" for 34.
// Real-time signals are numbered as glibc numbers them, with either C
// library (kRealtimeMin and kRealtimeMax, runtime/signal_set.h): SIGRTMIN
// is 34, SIGRTMAX 64, and ParseSignal("RTMIN") is 34 even in the musl
// build, whose own SIGRTMIN is 35. Where Linux has aliases for one code
// (SIGIOT/SIGABRT, SIGCLD/SIGCHLD, SIGPOLL/SIGIO) the canonical name is
// returned. Empty for a number that is not a signal; real-time signals
// between SIGRTMIN and SIGRTMAX have no identifier of their own and return
// empty.
absl::string_view SignalIdentifier(int signo);

// IsFatalSignal reports whether `signo` is in the seed's `fatal_signals`:
// the signals whose default action ends the process and that a program
// commonly expects to receive (SIGINT, SIGTERM, SIGXCPU, SIGXFSZ, SIGVTALRM,
// SIGPROF, SIGUSR1, SIGUSR2).
bool IsFatalSignal(int signo);

// FatalSignals returns the members of `fatal_signals`, ascending.
absl::Span<const int> FatalSignals();

// ParseSignal turns a signal argument into its number. Accepted forms, all
// naming SIGTERM: "process/terminate", "SIGTERM", "TERM", "term", "sigterm",
// "15". Aliases (SIGIOT, SIGCLD, SIGPOLL) are accepted too.
//
// Errors: InvalidArgument for anything else, with a message that quotes the
// text and lists the accepted forms.
StatusOr<int> ParseSignal(absl::string_view text);

// SignalDisplayName returns the short name used in messages: "TERM" for
// SIGTERM, or the decimal number when the signal has no identifier. Writes
// into `buffer` when it has to format; async-signal-safe.
absl::string_view SignalDisplayName(int signo, char (&buffer)[12]);

}  // namespace fault

#endif  // FAULT_RUNTIME_SIGNALS_H_
