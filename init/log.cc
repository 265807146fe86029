#include "init/log.h"

#include <errno.h>

#include "runtime/fd.h"

namespace faultinit {

void Logger::Write(LogLevel level, absl::string_view text) const {
  if (broken_) return;
  absl::string_view tag;
  switch (level) {
    case LogLevel::kFatal:
      tag = "fatal: ";
      break;
    case LogLevel::kWarning:
      tag = "warning: ";
      break;
    case LogLevel::kInfo:
      break;
    case LogLevel::kDebug:
      tag = "debug: ";
      break;
  }
  WriteLine(absl::StrCat("faultinit: ", tag, text, "\n"));
}

void Logger::Output(absl::string_view line) const {
  if (!broken_) WriteLine(absl::StrCat(line, "\n"));
}

void Logger::WriteLine(const std::string& line) const {
  if (broken_) return;
  if (fault::WriteQuietly(fd_, line) == EPIPE) broken_ = true;
}

}  // namespace faultinit
