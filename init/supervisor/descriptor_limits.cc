#include "init/supervisor/descriptor_limits.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"
#include "runtime/fd.h"

namespace faultinit {

rlim_t ReadNrOpen() {
  fault::UniqueFd fd(open("/proc/sys/fs/nr_open", O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return kDefaultNrOpen;
  char text[32];
  const ssize_t n = read(fd.get(), text, sizeof text);
  uint64_t value = 0;
  if (n <= 0 ||
      !absl::SimpleAtoi(absl::StripAsciiWhitespace(
                            absl::string_view(text, static_cast<size_t>(n))),
                        &value) ||
      value == 0) {
    return kDefaultNrOpen;
  }
  return static_cast<rlim_t>(value);
}

struct rlimit Pid1NofileLimit(const struct rlimit& inherited, rlim_t nr_open) {
  struct rlimit raised;
  raised.rlim_cur = std::max(inherited.rlim_cur, nr_open);
  raised.rlim_max = std::max(inherited.rlim_max, nr_open);
  return raised;
}

rlim_t ServiceNofileHard(rlim_t inherited_hard, rlim_t nr_open) {
  return std::min(nr_open, std::max(inherited_hard, kServiceNofileHardFloor));
}

}  // namespace faultinit
