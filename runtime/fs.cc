#include "runtime/fs.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"

namespace fault {
namespace {

// GetCwd returns getcwd(3), growing the buffer past PATH_MAX when needed
// (Linux allows a working directory deeper than PATH_MAX). Returns the errno
// on failure.
StatusOr<std::string> GetCwd(absl::string_view what) {
  std::string buffer(PATH_MAX, '\0');
  for (;;) {
    if (getcwd(&buffer[0], buffer.size()) != nullptr) {
      buffer.resize(buffer.find('\0'));
      return buffer;
    }
    if (errno != ERANGE) return ErrnoToStatus(errno, what);
    buffer.resize(buffer.size() * 2);
  }
}

}  // namespace

StatusOr<std::string> FsPwd() {
  const char* pwd = getenv("PWD");
  if (pwd != nullptr && pwd[0] != '\0') return std::string(pwd);
  return GetCwd("unable to get the working directory");
}

Status FsChdir(absl::string_view directory) {
  // chdir needs a NUL-terminated path; string_view does not promise one.
  const std::string path(directory);
  if (chdir(path.c_str()) != 0) {
    return ErrnoToStatus(errno,
                         absl::StrCat("unable to change directory to ", path));
  }
  StatusOr<std::string> cwd =
      GetCwd(absl::StrCat("changed directory to ", path,
                          ", but unable to get the working directory"));
  if (!cwd.ok()) {
    unsetenv("PWD");
    return cwd.status();
  }
  if (setenv("PWD", cwd->c_str(), /*overwrite=*/1) != 0) {
    const int error_number = errno;
    unsetenv("PWD");
    return ErrnoToStatus(
        error_number,
        absl::StrCat("changed directory to ", *cwd, ", but unable to set PWD"));
  }
  return OkStatus();
}

}  // namespace fault
