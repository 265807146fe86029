// File: init/supervisor/mount_ops.h
//
// MountOps: the system calls the fstab step (fstab_step.h) makes, behind
// an interface so that its unit tests run without mounting anything
// (fstab_step_test.cc records the calls instead). SystemMountOps() is the
// real one: mount(2), umount2(2), swapon(2), swapoff(2), stat(2),
// statvfs(2), mkdir(2), /proc/self/mountinfo and /proc/filesystems.
//
// Every call returns at once (no retries, no waits); the ones returning
// int give 0 or an errno value. Loop thread only (not async-signal-safe).

#ifndef FAULT_INIT_SUPERVISOR_MOUNT_OPS_H_
#define FAULT_INIT_SUPERVISOR_MOUNT_OPS_H_

#include <optional>
#include <string>
#include <vector>

namespace faultinit {

class MountOps {
 public:
  virtual ~MountOps() = default;
  // mount(2); `data` empty: none.
  virtual int Mount(const std::string& source, const std::string& target,
                    const std::string& type, unsigned long flags,
                    const std::string& data) = 0;
  virtual int Unmount(const std::string& target, int flags) = 0;
  virtual int SwapOn(const std::string& path, int flags) = 0;
  virtual int SwapOff(const std::string& path) = 0;
  // Whether `path` exists (a device node has appeared).
  virtual bool Exists(const std::string& path) = 0;
  // Whether something is mounted on `path` (/proc/self/mountinfo).
  virtual bool IsMountPoint(const std::string& path) = 0;
  // The MS_RDONLY, MS_NOSUID, MS_NODEV and MS_NOEXEC flags `path`'s mount
  // has now (statvfs); nullopt when it cannot be asked.
  virtual std::optional<unsigned long> MountFlags(const std::string& path) = 0;
  // mkdir -p with mode 0755.
  virtual int MakeDirectories(const std::string& path) = 0;
  // The block-device file systems the kernel knows (/proc/filesystems
  // without "nodev"), in its order: what TYPE `auto` tries.
  virtual std::vector<std::string> BlockFilesystems() = 0;
};

// The real calls. The object lives for the whole program.
MountOps& SystemMountOps();

// The per-mount flags MountFlags reports (for comparing).
inline constexpr unsigned long kComparedMountFlags = 1 | 2 | 4 | 8;

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_MOUNT_OPS_H_
