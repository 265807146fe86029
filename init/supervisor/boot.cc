#include "init/supervisor/boot.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "runtime/fd.h"

namespace faultinit {
namespace {

// The initial PID namespace's inode number (PROC_PID_INIT_INO).
constexpr ino_t kInitialPidNamespace = 0xEFFFFFFCU;

// The text of /proc/self/mountinfo (empty when it cannot be read).
std::string ReadMountInfo() {
  fault::UniqueFd fd(open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return {};
  fault::StatusOr<std::string> text = fault::ReadAll(fd.get(), 1 << 20);
  return text.ok() ? *std::move(text) : std::string();
}

// Whether `target` is a mount point: /proc by its file system's magic
// number (mountinfo needs /proc), the others by field 5 of `mountinfo`.
bool IsMountPoint(const char* target, absl::string_view mountinfo) {
  if (strcmp(target, "/proc") == 0) {
    struct statfs fs;
    return statfs("/proc", &fs) == 0 && fs.f_type == 0x9fa0;  // PROC_SUPER
  }
  for (absl::string_view line : absl::StrSplit(mountinfo, '\n')) {
    // ID PARENT MAJOR:MINOR ROOT MOUNT-POINT ...
    for (int field = 0; field < 4 && !line.empty(); ++field) {
      size_t space = line.find(' ');
      line.remove_prefix(space == line.npos ? line.size() : space + 1);
    }
    if (line.substr(0, line.find(' ')) == target) return true;
  }
  return false;
}

bool stdio_was_missing = false;

}  // namespace

void ReserveStandardDescriptors() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (fcntl(fd, F_GETFD) != -1) continue;
    stdio_was_missing = true;
    int opened = open("/dev/console", O_RDWR | O_NOCTTY);
    if (opened < 0) opened = open("/dev/null", O_RDWR);
    // No /dev yet: hold the number with the root directory, so that Up can
    // later put the console there without touching anyone's descriptor.
    if (opened < 0) opened = open("/", O_RDONLY | O_DIRECTORY);
    if (opened >= 0 && opened != fd) {
      dup2(opened, fd);
      close(opened);
    }
  }
}

const char* PowerActionName(PowerAction action) {
  switch (action) {
    case PowerAction::kPowerOff:
      return "power off";
    case PowerAction::kReboot:
      return "reboot";
    case PowerAction::kHalt:
      return "halt";
  }
  return "power off";
}

bool Boot::InInitialPidNamespace() {
  struct stat ns;
  return stat("/proc/self/ns/pid", &ns) == 0 &&
         ns.st_ino == kInitialPidNamespace;
}

void Boot::Mount(const char* source, const char* target, const char* type,
                 unsigned long flags, const char* data,
                 absl::string_view mountinfo) {
  if (IsMountPoint(target, mountinfo)) return;
  if (mkdir(target, 0755) != 0 && errno != EEXIST) {
    log_.Warning("unable to create ", target, ": ", strerror(errno));
    return;
  }
  if (mount(source, target, type, flags, data) != 0) {
    log_.Warning("unable to mount ", type, " on ", target, ": ",
                 strerror(errno));
    return;
  }
  log_.Debug("mounted ", type, " on ", target);
  mounted_.emplace_back(target);
}

void Boot::Up() {
  const unsigned long kSafe = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  Mount("proc", "/proc", "proc", kSafe, nullptr, {});
  // Read once: each target is checked against what was mounted before us
  // (a container's runtime mounts some of them); ours are all distinct.
  const std::string mountinfo = ReadMountInfo();
  Mount("sysfs", "/sys", "sysfs", kSafe, nullptr, mountinfo);
  Mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755", mountinfo);
  Mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
        "gid=5,mode=0620,ptmxmode=0666", mountinfo);
  Mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777",
        mountinfo);
  Mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755", mountinfo);

  fault::UniqueFd hostname(open("/etc/hostname", O_RDONLY | O_CLOEXEC));
  if (hostname.valid()) {
    fault::StatusOr<std::string> text = fault::ReadAll(hostname.get(), 256);
    if (text.ok()) {
      absl::string_view name = absl::StripAsciiWhitespace(*text);
      if (!name.empty() && sethostname(name.data(), name.size()) != 0) {
        log_.Warning("unable to set the hostname: ", strerror(errno));
      }
    }
  }

  // Started without stdio: now that /dev is there, use the console.
  if (stdio_was_missing) {
    int console = open("/dev/console", O_RDWR | O_NOCTTY);
    if (console >= 0) {
      dup2(console, STDIN_FILENO);
      dup2(console, STDOUT_FILENO);
      dup2(console, STDERR_FILENO);
      if (console > STDERR_FILENO) close(console);
    }
  }

  // Ctrl-Alt-Del sends SIGINT to PID 1 instead of rebooting at once.
  if (reboot(RB_DISABLE_CAD) != 0) {
    log_.Debug("unable to disable Ctrl-Alt-Del: ", strerror(errno));
  }
}

void Boot::Down(PowerAction action) {
  // Asked before unmounting: the answer reads /proc.
  const bool machine_init = getpid() == 1 && InInitialPidNamespace();
  // A container's filesystems are its host's to flush: sync(2) there
  // would only make the shutdown wait on every other writer's data.
  if (machine_init) sync();
  for (auto it = mounted_.rbegin(); it != mounted_.rend(); ++it) {
    if (umount2(it->c_str(), 0) == 0) continue;
    if (mount(nullptr, it->c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr) !=
        0) {
      log_.Warning("unable to unmount ", *it, ": ", strerror(errno));
    }
  }
  if (!machine_init) {
    if (getpid() == 1 && action == PowerAction::kReboot) {
      // As systemd in a container: the kernel's reboot_pid_ns kills this
      // init with SIGHUP, which the parent sees (does not return then).
      log_.Info("reboot: ending the PID namespace (its parent sees SIGHUP)");
      reboot(RB_AUTOBOOT);
      log_.Info("unable to reboot the PID namespace: ", strerror(errno),
                "; exiting");
    }
    return;  // a container's init: exit 0 (or an exit action's status)
  }
  int command = action == PowerAction::kReboot ? RB_AUTOBOOT
                : action == PowerAction::kHalt ? RB_HALT_SYSTEM
                                               : RB_POWER_OFF;
  log_.Info(PowerActionName(action));
  sync();
  if (reboot(command) != 0) {
    log_.Warning("unable to ", PowerActionName(action), ": ", strerror(errno));
  }
  // The machine's PID 1 must not exit (the kernel would panic): stay.
  for (;;) pause();
}

}  // namespace faultinit
