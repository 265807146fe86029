// File: init/supervisor/fstab_step.h
//
// FstabStep: system mode's boot step for /etc/fstab (init/system/fstab.h),
// what systemd's fstab generator, its mount units and systemd-remount-fs
// do before local-fs.target: run after the unit files are loaded and
// before any unit starts (SystemMode::Run), and, at shutdown, after every
// service has stopped.
//
//   FstabStep step(scheduler, log);
//   step.Begin("/etc/fstab", /*machine_init=*/true, [] { StartUnits(); });
//   ...
//   step.Unmount();  // after the services stopped
//
// Begin reads the file (a missing one is an empty fstab; an unreadable one
// a warning) and takes its entries in file order:
//   - `noauto`: skipped; a remote file system (`_netdev`, nfs, cifs...):
//     skipped with one line: not before local-fs.target; in the layout
//     its FstabUnits service mounts it for remote-fs.target
//     (set_remote_units), in a flat directory (no targets) nothing does;
//   - `/`, `/usr` and the API file systems Boot::Up mounts, when mounted
//     already: remounted with the entry's flags and data when their
//     ro/nosuid/nodev/noexec differ from the entry's (systemd-remount-fs);
//     any other mount point with something mounted on it: left as it is;
//   - a swap entry: swapon(2) (with pri= and discard);
//   - SOURCE a device (/dev/..., or a tag's /dev/disk/by-* link) that does
//     not exist yet: waited for, on the loop (a timer every kDevicePoll,
//     never a blocking wait), until it appears or its
//     x-systemd.device-timeout= (default 90s) passes: a board's SD card or
//     USB disk may appear after faultinit starts;
//   - otherwise the mount point is made (mkdir -p) and mounted (TYPE `auto`
//     tries each block file system of /proc/filesystems).
// A failure is one line naming the file, its line and the value:
// "/etc/fstab:4: unable to mount /dev/sda1 on /data (ext4): No such device";
// with `nofail` it is a warning and nothing more, without it an error, and
// failed() is true (systemd's local-fs.target would fail; faultinit has no
// emergency mode: the boot goes on). Either way the next entry is taken,
// and `done` is called once, after the last (at once, inside Begin, when
// nothing had to be waited for), unless Cancel came first.
//
// Unmount undoes what Begin did, in reverse: each mount is unmounted; a
// busy one is remounted read-only and detached (MNT_DETACH); each swap
// area is turned off; as the machine's init a `/` of the fstab is
// remounted read-only last. Every failure is logged and the next taken.
//
// The system calls go through MountOps (mount_ops.h): tests pass their
// own. Loop thread only; the object must outlive the scheduler's timers
// (SystemMode holds it).

#ifndef FAULT_INIT_SUPERVISOR_FSTAB_STEP_H_
#define FAULT_INIT_SUPERVISOR_FSTAB_STEP_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "init/log.h"
#include "init/supervisor/mount_ops.h"
#include "init/system/fstab.h"
#include "init/system/fstab_units.h"
#include "runtime/duration.h"
#include "runtime/scheduler.h"

namespace faultinit {

// How often a missing device is looked for.
inline constexpr fault::Duration kDevicePoll = fault::Milliseconds(100);

// CheckFstab is `faultinit --check --fstab PATH`'s part: every diagnostic
// of `path`, one a line ("PATH:LINE: warning: ..."), in `*text`; true when
// one is an error or the file cannot be read.
bool CheckFstab(const std::string& path, std::string* text);

// FstabUnits: the services that mount `path`'s remote file systems after
// network-online.target (init/system/fstab_units.h), for the layout to
// load; none when the file cannot be read (Begin reports it).
std::vector<GeneratedUnit> FstabUnits(const std::string& path);

// ReloadedFstabUnits is FstabUnits for a reload (systemd reruns its
// generators on daemon-reload), applied whole or not at all: nullopt, with
// one line a problem in `*problems` ("PATH:LINE: warning: ...; ... kept as
// they were", naming the value), when the file cannot be read or a line of
// it cannot be parsed: the caller keeps the units it has. A missing file
// is an empty one (no remote file system).
std::optional<std::vector<GeneratedUnit>> ReloadedFstabUnits(
    const std::string& path, std::vector<Diagnostic>* problems);

class FstabStep {
 public:
  FstabStep(fault::Scheduler& scheduler, const Logger& log,
            MountOps& ops = SystemMountOps())
      : scheduler_(scheduler), log_(log), ops_(ops) {}
  ~FstabStep();
  FstabStep(const FstabStep&) = delete;
  FstabStep& operator=(const FstabStep&) = delete;

  // Begin mounts `path`'s entries (above), then calls `done`. At most once.
  // `machine_init`: faultinit is the machine's PID 1 (then `/` is
  // remounted read-only at shutdown).
  void Begin(const std::string& path, bool machine_init,
             std::function<void()> done);
  // BeginWith is Begin on an fstab already parsed (its diagnostics are
  // logged); `path` names it in messages.
  void BeginWith(const std::string& path, Fstab fstab, bool machine_init,
                 std::function<void()> done);
  // set_remote_units: the remote entries are FstabUnits services (the
  // layout): the step says so of each. Call before Begin.
  void set_remote_units(bool remote_units) { remote_units_ = remote_units; }
  // Cancel stops waiting for a device (a shutdown began): `done` is not
  // called.
  void Cancel();
  // Unmount: above. Idempotent.
  void Unmount();

  bool waiting() const { return poll_.has_value(); }
  bool finished() const { return finished_; }
  bool failed() const { return failed_; }

 private:
  // Takes the entries from next_ on, until one must wait or none is left.
  void Continue();
  // Handles entry `e`; false when its device is still missing (a poll is
  // set up).
  bool Take(const FstabEntry& e);
  void MountEntry(const FstabEntry& e, const std::string& what);
  void Remount(const FstabEntry& e);
  void Fail(const FstabEntry& e, const std::string& message);

  fault::Scheduler& scheduler_;
  const Logger& log_;
  MountOps& ops_;
  std::string path_;
  Fstab fstab_;
  bool machine_init_ = false;
  size_t next_ = 0;
  std::optional<fault::Scheduler::WatchId> poll_;
  fault::Duration deadline_;  // of the device waited for
  std::function<void()> done_;
  bool finished_ = false;
  bool failed_ = false;
  bool cancelled_ = false;
  bool unmounted_ = false;
  bool root_in_fstab_ = false;
  bool remote_units_ = false;
  // What Begin did, in order: mount points mounted, swap areas on.
  struct Done {
    std::string path;
    bool swap;
  };
  std::vector<Done> done_list_;
};

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_FSTAB_STEP_H_
