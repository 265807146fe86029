#include "init/supervisor/mount_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/swap.h>
#include <unistd.h>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "init/system/fstab.h"
#include "runtime/fd.h"

namespace faultinit {
namespace {

std::string ReadProcFile(const char* path) {
  fault::UniqueFd fd(open(path, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return {};
  fault::StatusOr<std::string> text = fault::ReadAll(fd.get(), 1 << 20);
  return text.ok() ? *std::move(text) : std::string();
}

class RealMountOps : public MountOps {
 public:
  int Mount(const std::string& source, const std::string& target,
            const std::string& type, unsigned long flags,
            const std::string& data) override {
    return mount(source.c_str(), target.c_str(),
                 type.empty() ? nullptr : type.c_str(), flags,
                 data.empty() ? nullptr : data.c_str()) == 0
               ? 0
               : errno;
  }
  int Unmount(const std::string& target, int flags) override {
    return umount2(target.c_str(), flags) == 0 ? 0 : errno;
  }
  int SwapOn(const std::string& path, int flags) override {
    return swapon(path.c_str(), flags) == 0 ? 0 : errno;
  }
  int SwapOff(const std::string& path) override {
    return swapoff(path.c_str()) == 0 ? 0 : errno;
  }
  bool Exists(const std::string& path) override {
    struct stat st;
    return stat(path.c_str(), &st) == 0;
  }
  bool IsMountPoint(const std::string& path) override {
    const std::string mountinfo = ReadProcFile("/proc/self/mountinfo");
    for (absl::string_view line : absl::StrSplit(mountinfo, '\n')) {
      // ID PARENT MAJOR:MINOR ROOT MOUNT-POINT ...; the kernel escapes
      // blanks and backslashes in MOUNT-POINT as fstab does (\040).
      std::vector<absl::string_view> fields =
          absl::StrSplit(line, absl::MaxSplits(' ', 5));
      if (fields.size() >= 5 && UnescapeFstabField(fields[4]) == path) {
        return true;
      }
    }
    return false;
  }
  std::optional<unsigned long> MountFlags(const std::string& path) override {
    struct statvfs vfs;
    if (statvfs(path.c_str(), &vfs) != 0) return std::nullopt;
    unsigned long flags = 0;
    if (vfs.f_flag & ST_RDONLY) flags |= MS_RDONLY;
    if (vfs.f_flag & ST_NOSUID) flags |= MS_NOSUID;
#ifdef ST_NODEV
    if (vfs.f_flag & ST_NODEV) flags |= MS_NODEV;
#endif
#ifdef ST_NOEXEC
    if (vfs.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
#endif
    return flags;
  }
  int MakeDirectories(const std::string& path) override {
    for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
      const std::string prefix = path.substr(0, slash);
      if (mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) return errno;
      if (slash == std::string::npos) return 0;
    }
  }
  std::vector<std::string> BlockFilesystems() override {
    std::vector<std::string> out;
    for (absl::string_view line :
         absl::StrSplit(ReadProcFile("/proc/filesystems"), '\n')) {
      if (line.empty() || absl::StartsWith(line, "nodev")) continue;
      out.emplace_back(absl::StripAsciiWhitespace(line));
    }
    return out;
  }
};

}  // namespace

MountOps& SystemMountOps() {
  static MountOps* ops = new RealMountOps();
  return *ops;
}

}  // namespace faultinit
