#include "init/support/service_files.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace faultinit {

absl::string_view FileTypeName(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return "a regular file";
    case S_IFDIR:
      return "a directory";
    case S_IFIFO:
      return "a FIFO";
    case S_IFSOCK:
      return "a socket";
    case S_IFCHR:
      return "a character device";
    case S_IFBLK:
      return "a block device";
    case S_IFLNK:
      return "a symbolic link";
    default:
      return "of an unknown type";
  }
}

fault::StatusOr<pid_t> ReadPidFile(const std::string& path) {
  // O_NONBLOCK: a FIFO opens at once instead of waiting for a writer, and
  // is refused below before any read. O_NOFOLLOW: the service may own the
  // directory; it does not get to point faultinit at another file.
  fault::UniqueFd fd(open(
      path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW));
  if (!fd.valid()) {
    const int error = errno;
    struct stat st;
    if (error == ELOOP && lstat(path.c_str(), &st) == 0 &&
        S_ISLNK(st.st_mode)) {
      return fault::Status(
          fault::StatusCode::kPermissionDenied,
          absl::StrCat("PIDFile= ", path,
                       " is a symbolic link, which faultinit does not follow"),
          error);
    }
    return fault::ErrnoToStatus(error,
                                absl::StrCat("unable to read PIDFile= ", path));
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) {
    return fault::ErrnoToStatus(errno,
                                absl::StrCat("unable to read PIDFile= ", path));
  }
  if (!S_ISREG(st.st_mode)) {
    return fault::FailedPreconditionError(
        absl::StrCat("PIDFile= ", path, " is ", FileTypeName(st.st_mode),
                     ", not a regular file"));
  }
  fault::StatusOr<std::string> text =
      fault::ReadAll(fd.get(), kMaxPidFileBytes);
  pid_t pid = 0;
  if (!text.ok() ||
      !absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &pid) || pid <= 1) {
    return fault::InvalidArgumentError(
        absl::StrCat("PIDFile= ", path, " holds no valid pid"));
  }
  return pid;
}

fault::StatusOr<fault::UniqueFd> OpenOutputFile(const std::string& path,
                                                bool create, bool append,
                                                absl::string_view key) {
  int flags = O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  if (create) flags |= O_CREAT;
  if (append) flags |= O_APPEND;
  // O_NONBLOCK: open(2) of a FIFO for writing would wait for a reader, of
  // a terminal for its carrier; PID 1 must not.
  fault::UniqueFd fd(open(path.c_str(), flags, 0644));
  if (!fd.valid()) {
    const int error = errno;
    std::string what = absl::StrCat("unable to open ", path, " for ", key, "=");
    struct stat st;
    if (error == ENXIO && stat(path.c_str(), &st) == 0 &&
        S_ISFIFO(st.st_mode)) {
      return fault::Status(fault::StatusCode::kFailedPrecondition,
                           absl::StrCat(what, ": a FIFO with no reader"),
                           error);
    }
    return fault::ErrnoToStatus(error, what);
  }
  // The service gets the descriptor in blocking mode, as from systemd: the
  // flag is the open file description's, shared only with the service.
  const int status_flags = fcntl(fd.get(), F_GETFL);
  if (status_flags < 0 ||
      fcntl(fd.get(), F_SETFL, status_flags & ~O_NONBLOCK) != 0) {
    return fault::ErrnoToStatus(
        errno, absl::StrCat("unable to open ", path, " for ", key, "="));
  }
  return fd;
}

}  // namespace faultinit
