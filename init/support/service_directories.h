// File: init/support/service_directories.h
//
// Making and removing a directory PID 1 makes for a service
// (RuntimeDirectory= and its family, man systemd.exec): BASE/RELATIVE,
// where BASE is a system directory ("/run", "/var/lib", ...) and RELATIVE
// a checked relative path (init/system/exec_directory_keys.h: no "..", not
// absolute).
//
// The directories below BASE are the service's, possibly not root's, and
// it may have replaced any of them with a symbolic link or a file by the
// time PID 1 comes back to them (to start it again, or to remove them).
// Nothing below BASE is ever followed: each component is reached with
// openat(O_NOFOLLOW | O_DIRECTORY) from its parent's descriptor, the mode
// and owner are set with fchmod/fchown on the descriptor opened, and a
// removal unlinks a symbolic link itself (unlinkat), never what it names.
// A component that is a symbolic link or not a directory is an error, and
// PID 1 changes nothing through it.
//
// Errors are Statuses whose message names the key and the path, ready to
// be a service's one-line failure reason:
//   "RuntimeDirectory=: unable to create /run/sshd: Permission denied"
//   "StateDirectory=: unable to create /var/lib/app: /var/lib/app is a
//    symbolic link (not followed)"
// errno codes as fault::ErrnoToStatus gives them (ENOMEM, EMFILE:
// kResourceExhausted).
//
// Loop thread; not async-signal-safe (they allocate). No descriptor
// outlives a call.

#ifndef FAULT_INIT_SUPPORT_SERVICE_DIRECTORIES_H_
#define FAULT_INIT_SUPPORT_SERVICE_DIRECTORIES_H_

#include <sys/types.h>

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "runtime/status.h"

namespace faultinit {

// How deep RemoveServiceDirectory goes into a tree the service made; what
// is deeper is left in place, with an error (one descriptor per level is
// open while it removes).
inline constexpr int kMaxRemovalDepth = 64;
// How many entries RemoveServiceDirectory looks at in one call: a service
// that filled its runtime directory with millions of files cannot hold
// PID 1 for long; the rest is left in place, with an error.
inline constexpr int kMaxRemovalEntries = 100000;

struct DirectoryOwner {
  uid_t uid = 0;
  gid_t gid = 0;
};

// MakeServiceDirectory makes BASE/RELATIVE: BASE itself (and what leads to
// it) with mode 0755 when missing, each component of RELATIVE below it that
// is missing with mode 0755 and owned by root, as systemd makes them. Then
// the last component:
//   - with `owner`: whether it was there or not, owned by `owner` and given
//     `mode` (systemd: RuntimeDirectory=, StateDirectory=, CacheDirectory=,
//     LogsDirectory=); one that was there with another owner is given to
//     `owner` whole, as systemd does: everything below it (a symbolic link
//     itself, never what it names; not in another file system; within
//     kMaxRemovalDepth and kMaxRemovalEntries, else an error). A file's
//     set-user-ID and set-group-ID bits do not survive that (chown(2));
//     systemd sets them again;
//   - without: given `mode` when made now; one already there is left as it
//     is (ConfigurationDirectory=: root's, and systemd leaves it).
// `key` names the key in errors ("RuntimeDirectory").
fault::Status MakeServiceDirectory(absl::string_view base,
                                   absl::string_view relative, mode_t mode,
                                   std::optional<DirectoryOwner> owner,
                                   absl::string_view key);

// RemoveServiceDirectory removes BASE/RELATIVE and everything in it, never
// following a symbolic link and never entering another file system (a
// mount point below it is an error and stays; so is what lies deeper than
// kMaxRemovalDepth or beyond kMaxRemovalEntries). A path that is not there
// (or whose parent is not a directory) is removed already: OK. On an error
// it goes on with the rest of the tree and reports the first.
// `max_entries`: kMaxRemovalEntries but in tests.
fault::Status RemoveServiceDirectory(absl::string_view base,
                                     absl::string_view relative,
                                     absl::string_view key,
                                     int max_entries = kMaxRemovalEntries);

}  // namespace faultinit

#endif  // FAULT_INIT_SUPPORT_SERVICE_DIRECTORIES_H_
