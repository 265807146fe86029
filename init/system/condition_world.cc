// SystemConditionWorld: the real machine for conditions.h.

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <linux/netlink.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "init/system/conditions.h"
#include "runtime/fd.h"

extern char** environ;

namespace faultinit {
namespace {

constexpr size_t kMaxConditionFile = 64 * 1024;

class SystemWorld final : public ConditionWorld {
 public:
  fault::StatusOr<FileStatus> Stat(const std::string& path,
                                   bool follow) override {
    struct stat st;
    if ((follow ? stat(path.c_str(), &st) : lstat(path.c_str(), &st)) != 0) {
      return fault::ErrnoToStatus(errno, absl::StrCat("unable to stat ", path));
    }
    return FileStatus{st.st_mode, static_cast<int64_t>(st.st_size),
                      static_cast<int64_t>(st.st_mtim.tv_sec),
                      static_cast<int64_t>(st.st_mtim.tv_nsec)};
  }

  fault::StatusOr<std::string> ReadFile(const std::string& path) override {
    // O_NONBLOCK: a FIFO put where a file was expected does not block PID
    // 1; only regular files are read.
    fault::UniqueFd fd(
        open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
    if (!fd.valid()) {
      return fault::ErrnoToStatus(errno, absl::StrCat("unable to open ", path));
    }
    struct stat st;
    if (fstat(fd.get(), &st) != 0) {
      return fault::ErrnoToStatus(errno, absl::StrCat("unable to stat ", path));
    }
    if (!S_ISREG(st.st_mode)) {
      return fault::ErrnoToStatus(EINVAL,
                                  absl::StrCat(path, " is not a regular file"));
    }
    return fault::ReadAll(fd.get(), kMaxConditionFile);
  }

  fault::StatusOr<std::vector<std::string>> ListDirectory(
      const std::string& path) override {
    DIR* dir = opendir(path.c_str());  // O_CLOEXEC: glibc and musl
    if (dir == nullptr) {
      return fault::ErrnoToStatus(errno, absl::StrCat("unable to open ", path));
    }
    std::vector<std::string> names;
    while (dirent* entry = readdir(dir)) {
      const std::string name = entry->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    closedir(dir);
    return names;
  }

  fault::StatusOr<std::string> RealPath(const std::string& path) override {
    char resolved[PATH_MAX];
    if (realpath(path.c_str(), resolved) == nullptr) {
      return fault::ErrnoToStatus(errno,
                                  absl::StrCat("unable to resolve ", path));
    }
    return std::string(resolved);
  }

  fault::StatusOr<bool> ReadOnlyFileSystem(const std::string& path) override {
    struct statvfs st;
    if (statvfs(path.c_str(), &st) != 0) {
      return fault::ErrnoToStatus(errno, absl::StrCat("unable to stat ", path));
    }
    if (st.f_flag & ST_RDONLY) return true;
    // As systemd's path_is_read_only_fs: a file system may be read-only
    // without saying so in its flags.
    return access(path.c_str(), W_OK) != 0 && errno == EROFS;
  }

  bool GlobMatches(const std::string& pattern) override {
    glob_t found;
    const int r = glob(pattern.c_str(), GLOB_NOSORT, nullptr, &found);
    const bool any = r == 0 && found.gl_pathc > 0;
    globfree(&found);
    return any;
  }

  std::vector<std::string> Environment() override {
    std::vector<std::string> out;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
      out.emplace_back(*e);
    }
    return out;
  }

  std::string HostName() override {
    char name[HOST_NAME_MAX + 1] = {};
    if (gethostname(name, sizeof name - 1) != 0) return "";
    return name;
  }

  std::string Machine() override {
    struct utsname u;
    if (uname(&u) != 0) return "";
    return u.machine;
  }

  uint64_t CpuCount() override {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return 0;
    return static_cast<uint64_t>(CPU_COUNT(&set));
  }

  uint64_t PhysicalMemory() override {
    struct sysinfo info;
    if (sysinfo(&info) != 0) return 0;
    return static_cast<uint64_t>(info.totalram) * info.mem_unit;
  }

  bool AuditAvailable() override {
    // As systemd's use_audit: a kernel without audit refuses the socket.
    fault::UniqueFd fd(socket(
        AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_AUDIT));
    if (fd.valid()) return true;
    return errno != EAFNOSUPPORT && errno != EPROTONOSUPPORT && errno != EPERM;
  }
};

}  // namespace

ConditionWorld& SystemConditionWorld() {
  static SystemWorld* world = new SystemWorld;  // never destroyed
  return *world;
}

}  // namespace faultinit
