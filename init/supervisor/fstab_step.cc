#include "init/supervisor/fstab_step.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "runtime/fd.h"

namespace faultinit {
namespace {

// The mount points Boot::Up mounts, which an fstab entry may remount.
constexpr const char* kRemountedWhenMounted[] = {
    "/", "/usr", "/proc", "/sys", "/dev", "/dev/pts", "/dev/shm", "/run",
};

// The file's text; nullopt with `*problem` set when it exists but cannot
// be read. Not blocking: opened O_NONBLOCK and read only when a regular
// file (a FIFO in its place must not hold PID 1).
std::optional<std::string> ReadFstab(const std::string& path,
                                     std::string* problem) {
  fault::UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) {
    if (errno == ENOENT) return std::string();
    *problem = strerror(errno);
    return std::nullopt;
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    *problem = "not a regular file";
    return std::nullopt;
  }
  fault::StatusOr<std::string> text = fault::ReadAll(fd.get(), 1 << 20);
  if (!text.ok()) {
    *problem = std::string(text.status().message());
    return std::nullopt;
  }
  return *std::move(text);
}

bool RemountedWhenMounted(const std::string& where) {
  for (const char* p : kRemountedWhenMounted) {
    if (where == p) return true;
  }
  return false;
}

}  // namespace

bool CheckFstab(const std::string& path, std::string* text) {
  std::string problem;
  std::optional<std::string> contents = ReadFstab(path, &problem);
  if (!contents) {
    absl::StrAppend(text, path, ": error: unable to read: ", problem, "\n");
    return true;
  }
  bool errors = false;
  for (const Diagnostic& d : ParseFstab(path, *contents).diagnostics) {
    absl::StrAppend(text, d.ToString(), "\n");
    errors |= d.severity == Severity::kError;
  }
  return errors;
}

std::vector<GeneratedUnit> FstabUnits(const std::string& path) {
  std::string problem;
  std::optional<std::string> contents = ReadFstab(path, &problem);
  if (!contents) return {};
  return RemoteMountUnits(path, ParseFstab(path, *contents));
}

std::optional<std::vector<GeneratedUnit>> ReloadedFstabUnits(
    const std::string& path, std::vector<Diagnostic>* problems) {
  constexpr absl::string_view kKept =
      "; its remote file systems' units are kept as they were";
  std::string problem;
  std::optional<std::string> contents = ReadFstab(path, &problem);
  if (!contents) {
    problems->push_back(
        Diagnostic{path, 0, Severity::kWarning,
                   absl::StrCat("unable to read: ", problem, kKept)});
    return std::nullopt;
  }
  Fstab fstab = ParseFstab(path, *contents);
  bool bad = false;
  for (Diagnostic& d : fstab.diagnostics) {
    if (d.severity != Severity::kError) continue;
    bad = true;
    absl::string_view message = d.message;
    absl::ConsumeSuffix(&message, "; entry ignored");
    problems->push_back(Diagnostic{d.file, d.line, Severity::kWarning,
                                   absl::StrCat(message, kKept)});
  }
  if (bad) return std::nullopt;
  return RemoteMountUnits(path, fstab);
}

FstabStep::~FstabStep() {
  if (poll_) scheduler_.Cancel(*poll_);
}

void FstabStep::Begin(const std::string& path, bool machine_init,
                      std::function<void()> done) {
  std::string problem;
  std::optional<std::string> text = ReadFstab(path, &problem);
  if (!text) {
    log_.Warning(path, ": unable to read: ", problem,
                 "; no file system of it is mounted");
  }
  BeginWith(path, ParseFstab(path, text.value_or("")), machine_init,
            std::move(done));
}

void FstabStep::BeginWith(const std::string& path, Fstab fstab,
                          bool machine_init, std::function<void()> done) {
  path_ = path;
  fstab_ = std::move(fstab);
  machine_init_ = machine_init;
  done_ = std::move(done);
  // As the units' diagnostics are printed: "faultinit: FILE:LINE: error:".
  for (const Diagnostic& d : fstab_.diagnostics) {
    log_.Output(absl::StrCat("faultinit: ", d.ToString()));
  }
  Continue();
}

void FstabStep::Continue() {
  poll_.reset();
  while (!cancelled_ && next_ < fstab_.entries.size()) {
    if (!Take(fstab_.entries[next_])) return;  // waiting for its device
    ++next_;
  }
  if (cancelled_ || finished_) return;
  finished_ = true;
  fstab_ = Fstab();  // what Unmount needs is in done_list_
  if (done_) std::exchange(done_, nullptr)();
}

void FstabStep::Cancel() {
  cancelled_ = true;
  done_ = nullptr;
  if (poll_) scheduler_.Cancel(*std::exchange(poll_, std::nullopt));
}

void FstabStep::Fail(const FstabEntry& e, const std::string& message) {
  const std::string line = absl::StrCat(path_, ":", e.line, ": ", message);
  if (e.options.nofail) {
    log_.Warning(line, " (nofail: the boot goes on)");
    return;
  }
  failed_ = true;
  log_.Warning(line, "; local-fs.target fails");
}

bool FstabStep::Take(const FstabEntry& e) {
  if (e.options.noauto) {
    log_.Debug(path_, ":", e.line, ": ", e.where, ": noauto, not mounted");
    return true;
  }
  if (e.remote) {
    if (remote_units_) {
      log_.Info(path_, ":", e.line, ": ", e.where, ": a remote file system (",
                e.type, "): mounted after network-online.target by ",
                RemoteMountUnitName(e.where), " (remote-fs.target)");
    } else {
      log_.Info(path_, ":", e.line, ": ", e.where, ": a remote file system (",
                e.type,
                "), not mounted: a flat unit directory has no "
                "remote-fs.target");
    }
    return true;
  }
  if (e.where == "/") root_in_fstab_ = true;
  if (!e.swap && RemountedWhenMounted(e.where) && ops_.IsMountPoint(e.where)) {
    Remount(e);
    return true;
  }
  if (e.IsDevice() && !ops_.Exists(e.what)) {
    const fault::Duration now = fault::MonotonicNow();
    if (!poll_ && deadline_ == fault::Duration()) {
      deadline_ = now + e.options.device_timeout;
      log_.Info(path_, ":", e.line, ": waiting up to ",
                fault::FormatTimeSpan(e.options.device_timeout), " for ",
                e.what);
    }
    if (now < deadline_) {
      poll_ = scheduler_.After(kDevicePoll, [this] { Continue(); });
      return false;
    }
    deadline_ = fault::Duration();
    Fail(e, absl::StrCat("device ", e.what, " did not appear within ",
                         fault::FormatTimeSpan(e.options.device_timeout),
                         " (x-systemd.device-timeout=)"));
    return true;
  }
  deadline_ = fault::Duration();
  if (e.swap) {
    if (int err = ops_.SwapOn(e.what, e.options.swap_flags); err != 0) {
      Fail(e, absl::StrCat("unable to turn swap on on ", e.what, ": ",
                           strerror(err)));
      return true;
    }
    log_.Info("swap on ", e.what);
    done_list_.push_back(Done{e.what, true});
    return true;
  }
  if (ops_.IsMountPoint(e.where)) {
    log_.Debug(path_, ":", e.line, ": ", e.where, " is mounted already");
    return true;
  }
  MountEntry(e, e.what);
  return true;
}

void FstabStep::MountEntry(const FstabEntry& e, const std::string& what) {
  if (int err = ops_.MakeDirectories(e.where); err != 0) {
    Fail(e, absl::StrCat("unable to create the mount point ", e.where, ": ",
                         strerror(err)));
    return;
  }
  std::vector<std::string> types = {e.type};
  if (e.type == "auto") types = ops_.BlockFilesystems();
  int err = ENODEV;
  for (const std::string& type : types) {
    err = ops_.Mount(what, e.where, type, e.options.flags, e.options.data);
    if (err == 0) break;
  }
  if (err != 0) {
    Fail(e,
         absl::StrCat("unable to mount ", e.spec, " on ", e.where, " (", e.type,
                      ", options \"", e.options_text, "\"): ", strerror(err)));
    return;
  }
  done_list_.push_back(Done{e.where, false});
  // A bind mount takes no per-mount flags with it (the kernel ignores
  // them): they need a remount of their own, as mount(8) makes.
  const unsigned long bind_flags =
      e.options.flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
  if ((e.options.flags & MS_BIND) != 0 && bind_flags != 0) {
    if (int err = ops_.Mount(what, e.where, "",
                             MS_REMOUNT | MS_BIND | bind_flags, "");
        err != 0) {
      Fail(e, absl::StrCat("unable to apply \"", e.options_text, "\" to ",
                           e.where, ": ", strerror(err)));
      return;
    }
  }
  log_.Info("mounted ", e.where, " (", e.spec, ", ", e.type, ")");
}

void FstabStep::Remount(const FstabEntry& e) {
  std::optional<unsigned long> now = ops_.MountFlags(e.where);
  const unsigned long wanted = e.options.flags & kComparedMountFlags;
  if (now.has_value() && *now == wanted) {
    log_.Debug(path_, ":", e.line, ": ", e.where,
               " is mounted with its options already");
    return;
  }
  // MS_BIND is not for a remount; the rest as the entry gives it.
  const unsigned long flags =
      (e.options.flags & ~(MS_BIND | MS_REC)) | MS_REMOUNT;
  if (int err = ops_.Mount(e.what, e.where, "", flags, e.options.data);
      err != 0) {
    Fail(e, absl::StrCat("unable to remount ", e.where, " with \"",
                         e.options_text, "\": ", strerror(err)));
    return;
  }
  log_.Info("remounted ", e.where, " (", e.options_text, ")");
}

void FstabStep::Unmount() {
  if (unmounted_) return;
  unmounted_ = true;
  Cancel();
  for (auto it = done_list_.rbegin(); it != done_list_.rend(); ++it) {
    if (it->swap) {
      if (int err = ops_.SwapOff(it->path); err != 0) {
        log_.Warning("unable to turn swap off on ", it->path, ": ",
                     strerror(err));
      }
      continue;
    }
    int err = ops_.Unmount(it->path, 0);
    if (err == 0) {
      log_.Info("unmounted ", it->path);
      continue;
    }
    // Busy (a process outlived the services): read-only first, so that
    // nothing more is written to it, then detached from the tree.
    const int remount =
        ops_.Mount("", it->path, "", MS_REMOUNT | MS_RDONLY, "");
    const int detach = ops_.Unmount(it->path, MNT_DETACH);
    log_.Warning("unable to unmount ", it->path, ": ", strerror(err),
                 remount == 0 ? "; remounted read-only" : "",
                 detach == 0 ? "; detached" : "");
  }
  if (machine_init_ && root_in_fstab_) {
    if (int err = ops_.Mount("", "/", "", MS_REMOUNT | MS_RDONLY, "");
        err != 0) {
      log_.Warning("unable to remount / read-only: ", strerror(err));
    }
  }
}

}  // namespace faultinit
