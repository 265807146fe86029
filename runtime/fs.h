// File: runtime/fs.h
//
// The seed's `fs_pwd` and `fs_chdir`: the working directory as the process
// presents it (the PWD environment variable, falling back to getcwd(3)),
// and the one way faultinit changes directory so that PWD and the kernel's
// working directory never disagree.
//
// Thread safety: the working directory and the environment are process-wide.
// Both functions read or write the environment (getenv/setenv), which is not
// safe against a concurrent setenv/unsetenv/putenv in another thread; call
// them where the environment is only changed by one thread (startup, or the
// loop thread). Neither is async-signal-safe (they allocate), so neither may
// be called between fork and exec.

#ifndef FAULT_RUNTIME_FS_H_
#define FAULT_RUNTIME_FS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "runtime/status.h"

namespace fault {

// FsPwd returns the working directory: the value of PWD when it is set and
// not empty, otherwise the kernel's working directory from getcwd(3).
//
// PWD is returned as it is, without checking that it names the working
// directory: it is the logical path (it may go through symbolic links) that
// the shell or FsChdir recorded. Nothing is cached; every call reads again.
//
// Errors: only when PWD is unset or empty and getcwd(3) fails, e.g. ENOENT
// when the working directory has been removed: "unable to get the working
// directory: No such file or directory".
StatusOr<std::string> FsPwd();

// FsChdir makes `directory` the working directory, then sets PWD to the
// absolute path of the new working directory (getcwd(3) after chdir(2), so
// symbolic links are resolved and a relative `directory` is made absolute).
//
// The working directory is changed first; PWD is only written once chdir
// has succeeded, so on failure the caller never has to reset PWD.
//
// Errors:
//   * chdir(2) fails: neither the working directory nor PWD changes; the
//     Status code follows the errno and the message names the directory and
//     the cause: "unable to change directory to /x: No such file or
//     directory".
//   * getcwd(3) fails after a successful chdir (the new directory was
//     removed meanwhile): the working directory has changed, PWD is unset so
//     that it never names the old directory, and the Status says "changed
//     directory to X, but unable to get the working directory: CAUSE".
//   * setenv(3) fails (ENOMEM): the working directory has changed, PWD is
//     unset, and the Status says so.
Status FsChdir(absl::string_view directory);

}  // namespace fault

#endif  // FAULT_RUNTIME_FS_H_
