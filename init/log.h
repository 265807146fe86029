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

#ifndef FAULT_INIT_LOG_H_
#define FAULT_INIT_LOG_H_

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

  template <typename... Args>
  void Fatal(const Args&... args) const {
    Write(LogLevel::kFatal, absl::StrCat(args...));
  }
  template <typename... Args>
  void Warning(const Args&... args) const {
    if (Enabled(LogLevel::kWarning))
      Write(LogLevel::kWarning, absl::StrCat(args...));
  }
  template <typename... Args>
  void Info(const Args&... args) const {
    if (Enabled(LogLevel::kInfo)) Write(LogLevel::kInfo, absl::StrCat(args...));
  }
  template <typename... Args>
  void Debug(const Args&... args) const {
    if (Enabled(LogLevel::kDebug))
      Write(LogLevel::kDebug, absl::StrCat(args...));
  }

 private:
  void Write(LogLevel level, absl::string_view text) const;

  int verbosity_;
  int fd_;
};

}  // namespace faultinit

#endif  // FAULT_INIT_LOG_H_
