// File: init/supervisor/boot.h
//
// Boot and final shutdown steps of system mode as PID 1: the mounts a
// system needs, the hostname, a usable console, Ctrl-Alt-Del as SIGINT;
// and at the end sync, unmount and reboot(2). Every step that fails is
// logged and the next one runs: boot never stops on a failed step.
//
// Loop thread only; called before services start and after they stopped.

#ifndef FAULT_INIT_SUPERVISOR_BOOT_H_
#define FAULT_INIT_SUPERVISOR_BOOT_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "init/log.h"

namespace faultinit {

// ReserveStandardDescriptors opens any of fds 0, 1, 2 that is closed — a
// kernel may start init with none — on /dev/console, else /dev/null, so
// that the descriptors faultinit makes next (its event loop's) never take
// their numbers. Call first thing in main. Boot::Up later moves stdio to
// the console if any was missing.
void ReserveStandardDescriptors();

enum class PowerAction { kPowerOff, kReboot, kHalt };
const char* PowerActionName(PowerAction action);

class Boot {
 public:
  explicit Boot(const Logger& log) : log_(log) {}

  // Up mounts /proc, /sys, /dev (+ /dev/pts, /dev/shm) and /run where not
  // mounted yet, sets the hostname from /etc/hostname, moves stdio to
  // /dev/console when faultinit was started without it (see
  // ReserveStandardDescriptors), and disables Ctrl-Alt-Del's immediate
  // reboot.
  void Up();

  // Down unmounts what Up mounted (in reverse; a busy one is remounted
  // read-only). As the machine's PID 1 it then syncs and performs `action`
  // with reboot(2), and never returns: if reboot(2) fails, it logs why and
  // stays (exiting would panic the kernel). In a container (not PID 1 of
  // the initial PID namespace) it does not sync; as PID 1 of a PID
  // namespace, a reboot is passed to the parent as the kernel passes one
  // (reboot(2) there ends the namespace, its init killed by SIGHUP, which
  // LXC and systemd-nspawn take as "restart the container"), and returns
  // only if that is refused (no CAP_SYS_BOOT: Docker's and podman's
  // default), as after a power-off or halt: faultinit exits 0 (the
  // status of an `exit` action). docs/control.md says why.
  void Down(PowerAction action);

  // InInitialPidNamespace reports whether this is the machine's own PID
  // namespace (not a container's).
  static bool InInitialPidNamespace();

 private:
  // Mounts `type` on `target` unless something is mounted there already
  // (`mountinfo`: /proc/self/mountinfo's text, read once by Up).
  void Mount(const char* source, const char* target, const char* type,
             unsigned long flags, const char* data,
             absl::string_view mountinfo);

  const Logger& log_;
  std::vector<std::string> mounted_;
};

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_BOOT_H_
