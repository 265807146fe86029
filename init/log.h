// File: init/log.h
//
// Logger: faultinit's messages on stderr, one write(2) per line so lines
// from concurrent writers never interleave:
//   faultinit: fatal: unable to VERB OBJECT: cause
//   faultinit: warning: ...
//   faultinit: ...            (info, -v)
//   faultinit: debug: ...     (-vv)
//
// Levels follow tini's verbosity: 0 fatal only, 1 warnings (the default),
// 2 info, 3 debug. Thread-compatible; not async-signal-safe (StrCat).
//
// A log nobody reads any more (a pipe whose reader is gone) costs nothing
// and raises nothing: the first write that fails with EPIPE takes back the
// SIGPIPE it raised (fault::WriteQuietly: faultinit forwards the SIGPIPEs
// it reads, and must not forward its own), and the Logger writes nothing
// more from then on. The program carries on unlogged: container mode still
// runs its child and exits with its status.

#ifndef FAULT_INIT_LOG_H_
#define FAULT_INIT_LOG_H_

#include <string>

#include "absl/base/attributes.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace faultinit {

enum class LogLevel : int { kFatal = 0, kWarning = 1, kInfo = 2, kDebug = 3 };

class Logger {
 public:
  explicit Logger(int verbosity = 1, int fd = 2)
      : verbosity_(verbosity), fd_(fd) {}

  void set_verbosity(int verbosity) { verbosity_ = verbosity; }
  int verbosity() const { return verbosity_; }
  bool Enabled(LogLevel level) const {
    return static_cast<int>(level) <= verbosity_;
  }

  // Each level formats in a frame of its own (Format, never inlined): the
  // StrCat pieces of every log call would otherwise sit in the caller's
  // frame, and callers on the start-up and spawn paths would reach deeper
  // into the stack, whose touched pages stay resident.
  template <typename... Args>
  void Fatal(const Args&... args) const {
    Format(LogLevel::kFatal, args...);
  }
  template <typename... Args>
  void Warning(const Args&... args) const {
    if (Enabled(LogLevel::kWarning)) Format(LogLevel::kWarning, args...);
  }
  template <typename... Args>
  void Info(const Args&... args) const {
    if (Enabled(LogLevel::kInfo)) Format(LogLevel::kInfo, args...);
  }
  template <typename... Args>
  void Debug(const Args&... args) const {
    if (Enabled(LogLevel::kDebug)) Format(LogLevel::kDebug, args...);
  }

  // Output writes `line` and a newline as they are, at every verbosity: a
  // service's output ("[name] line").
  void Output(absl::string_view line) const;

  // Whether a write found the log's reader gone (EPIPE): nothing is
  // written any more.
  bool broken() const { return broken_; }

 private:
  template <typename... Args>
  ABSL_ATTRIBUTE_NOINLINE void Format(LogLevel level,
                                      const Args&... args) const {
    Write(level, absl::StrCat(args...));
  }
  void Write(LogLevel level, absl::string_view text) const;
  void WriteLine(const std::string& line) const;

  int verbosity_;
  int fd_;
  // Set by the first write that failed with EPIPE. Mutable: logging is
  // const to its callers, who hold the Logger by const reference.
  mutable bool broken_ = false;
};

}  // namespace faultinit

#endif  // FAULT_INIT_LOG_H_
