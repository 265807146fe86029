// File: init/support/service_files.h
//
// Opening the files a service controls: its PID file (PIDFile=) and the
// paths its output goes to (StandardOutput=/StandardError= file:,
// append:). A service, possibly not root, may have made any of them a
// FIFO, a device or a symbolic link, and PID 1 must never wait on one.
// Both are opened with O_NONBLOCK, so open(2) returns at once:
//
//   - a PID file must be a regular file (checked with fstat on what was
//     opened, not on the path), not reached through a symbolic link
//     (O_NOFOLLOW), and is read to at most kMaxPidFileBytes;
//   - an output path may be anything open(2) for writing accepts without
//     waiting: a regular file, a device, or a FIFO that has a reader (as in
//     systemd). A FIFO with no reader is refused (ENXIO) with an error
//     saying so, rather than waited on. The descriptor is handed to the
//     service in blocking mode, as systemd hands it.
//
// Errors are Statuses whose message names the key and the path, ready to be
// a service's one-line failure reason.
//
// Loop thread; not async-signal-safe (they allocate). The returned
// descriptors are O_CLOEXEC and owned by the caller.

#ifndef FAULT_INIT_SUPPORT_SERVICE_FILES_H_
#define FAULT_INIT_SUPPORT_SERVICE_FILES_H_

#include <sys/types.h>

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"
#include "runtime/fd.h"
#include "runtime/status.h"

namespace faultinit {

// A PID file holds a decimal pid and perhaps a newline: anything longer is
// not one (systemd reads one line of it).
inline constexpr size_t kMaxPidFileBytes = 64;

// ReadPidFile returns the number in the PID file at `path`, which must be
// greater than 1. Errors, each naming `path` ("PIDFile= PATH ..."):
//   - the open(2) errno (ENOENT: not written yet);
//   - kPermissionDenied (error_number ELOOP): a symbolic link;
//   - kFailedPrecondition: not a regular file ("is a FIFO, not ...");
//   - kInvalidArgument: no valid pid, or more than kMaxPidFileBytes.
// Whether the pid is alive and the service's is the caller's to check.
fault::StatusOr<pid_t> ReadPidFile(const std::string& path);

// OpenOutputFile opens `path` for writing (not truncated), created with
// mode 0644 when missing and `create`, appended to when `append`, for the
// output key `key` (e.g. "StandardOutput"). Errors: the open(2) errno as
// "unable to open PATH for KEY=: ..."; for a FIFO no one reads,
// kFailedPrecondition "...: a FIFO with no reader" (error_number ENXIO).
fault::StatusOr<fault::UniqueFd> OpenOutputFile(const std::string& path,
                                                bool create, bool append,
                                                absl::string_view key);

// FileTypeName: "a FIFO", "a directory", "a socket", "a character device",
// "a block device", "a symbolic link", "a regular file" for a st_mode.
absl::string_view FileTypeName(mode_t mode);

}  // namespace faultinit

#endif  // FAULT_INIT_SUPPORT_SERVICE_FILES_H_
