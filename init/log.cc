#include "init/log.h"

#include "runtime/fd.h"

namespace faultinit {

void Logger::Write(LogLevel level, absl::string_view text) const {
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
  fault::WriteString(fd_, absl::StrCat("faultinit: ", tag, text, "\n"));
}

}  // namespace faultinit
