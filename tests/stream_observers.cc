#include "tests/stream_observers.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "runtime/duration.h"

namespace faultinit::testing {

Pty Pty::Open(bool hold) {
  Pty p;
  p.master = fault::UniqueFd(posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!p.master || grantpt(p.master.get()) != 0 ||
      unlockpt(p.master.get()) != 0) {
    return p;
  }
  p.slave = ptsname(p.master.get());
  struct stat st;
  if (stat(p.slave.c_str(), &st) == 0) {
    const unsigned major_n = major(st.st_rdev), minor_n = minor(st.st_rdev);
    p.tty_nr = (minor_n & 0xff) | (major_n << 8) | ((minor_n & ~0xffu) << 12);
  }
  if (hold) {
    p.held = fault::UniqueFd(
        open(p.slave.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK));
  }
  return p;
}

bool Pty::ReadUntil(const std::string& text) {
  const fault::Duration deadline = fault::MonotonicNow() + fault::Seconds(30);
  while (seen.find(text) == std::string::npos) {
    const fault::Duration left = deadline - fault::MonotonicNow();
    if (left <= fault::ZeroDuration()) return false;
    pollfd p = {master.get(), POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(fault::ToInt64Milliseconds(left)) + 1) <=
        0) {
      continue;
    }
    char buffer[512];
    ssize_t n = read(master.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EIO) {  // no slave open now: not pollable
      struct timespec pause = {0, 10 * 1000 * 1000};
      nanosleep(&pause, nullptr);
      continue;
    }
    if (n > 0) seen.append(buffer, static_cast<size_t>(n));
  }
  return true;
}

std::string TtyUnit(const std::string& name, const std::string& path,
                    const std::string& keys) {
  return absl::StrCat("[Service]\nStandardInput=tty\nTTYPath=", path, "\n",
                      keys, "ExecStart=/bin/sh -c 'echo ", name,
                      "-up; exec sleep 1000'\n");
}

std::string ReadKernelLog(int kmsg) {
  std::string records;
  char record[8192];
  ssize_t n;
  while ((n = read(kmsg, record, sizeof record)) > 0 ||
         (n < 0 && errno == EPIPE)) {
    if (n > 0) records.append(record, static_cast<size_t>(n));
  }
  return records;
}

}  // namespace faultinit::testing
