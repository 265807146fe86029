#include "init/support/output_forward.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace faultinit {
namespace {

fault::UniqueFd OpenForWriting(const std::string& path) {
  return fault::UniqueFd(
      open(path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK));
}

}  // namespace

OutputForwarder::OutputForwarder(absl::string_view ident, pid_t pid,
                                 int priority, const ForwardPaths& paths)
    : ident_(ident), pid_(pid), priority_(priority), paths_(paths) {}

std::string OutputForwarder::Tagged(absl::string_view line) const {
  if (pid_ == 0) return absl::StrCat(ident_, ": ", line);
  return absl::StrCat(ident_, "[", pid_, "]: ", line);
}

bool OutputForwarder::Kmsg(absl::string_view line) {
  if (!kmsg_ && !kmsg_failed_) {
    kmsg_ = OpenForWriting(paths_.kmsg);
    kmsg_failed_ = !kmsg_;
  }
  if (!kmsg_) return false;
  // One write is one record.
  const std::string record =
      absl::StrCat("<", priority_, ">", Tagged(line), "\n");
  ssize_t n;
  do {
    n = write(kmsg_.get(), record.data(), record.size());
  } while (n < 0 && errno == EINTR);
  return n >= 0;
}

bool OutputForwarder::Console(absl::string_view line) {
  if (!console_ && !console_failed_) {
    console_ = OpenForWriting(paths_.console);
    console_failed_ = !console_;
  }
  if (!console_) return false;
  return fault::WriteQuietly(console_.get(),
                             absl::StrCat(Tagged(line), "\n")) == 0;
}

std::string OutputForwarder::SyslogDatagram(int priority,
                                            absl::string_view ident, pid_t pid,
                                            absl::string_view line,
                                            long long unix_seconds) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr",
                                            "May", "Jun", "Jul", "Aug",
                                            "Sep", "Oct", "Nov", "Dec"};
  time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm = {};
  gmtime_r(&t, &tm);
  // RFC 3164: the day of the month padded with a space, not a zero. By
  // hand: no printf family in PID 1 (its size).
  auto two = [](int v, char pad) {
    std::string out(2, pad);
    if (v >= 10) out[0] = static_cast<char>('0' + v / 10 % 10);
    out[1] = static_cast<char>('0' + v % 10);
    return out;
  };
  const std::string stamp = absl::StrCat(
      kMonths[tm.tm_mon % 12], " ", two(tm.tm_mday, ' '), " ",
      two(tm.tm_hour, '0'), ":", two(tm.tm_min, '0'), ":", two(tm.tm_sec, '0'));
  if (pid == 0) {
    return absl::StrCat("<", priority, ">", stamp, " ", ident, ": ", line);
  }
  return absl::StrCat("<", priority, ">", stamp, " ", ident, "[", pid,
                      "]: ", line);
}

fault::Status OutputForwarder::Syslog(absl::string_view line) {
  sockaddr_un address = {};
  address.sun_family = AF_UNIX;
  if (paths_.syslog.size() >= sizeof address.sun_path) {
    return fault::InvalidArgumentError(
        absl::StrCat("the syslog socket path ", paths_.syslog, " is too long"));
  }
  memcpy(address.sun_path, paths_.syslog.data(), paths_.syslog.size());
  if (!syslog_) {
    syslog_ = fault::UniqueFd(
        socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!syslog_) {
      return fault::ErrnoToStatus(errno, "unable to make a syslog socket");
    }
  }
  struct timespec now = {};
  clock_gettime(CLOCK_REALTIME, &now);
  const std::string datagram =
      SyslogDatagram(priority_, ident_, pid_, line, now.tv_sec);
  ssize_t n;
  do {
    n = sendto(syslog_.get(), datagram.data(), datagram.size(), MSG_NOSIGNAL,
               reinterpret_cast<const sockaddr*>(&address), sizeof address);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    return fault::ErrnoToStatus(
        errno, absl::StrCat("unable to send to ", paths_.syslog));
  }
  return fault::OkStatus();
}

}  // namespace faultinit
