// File: runtime/remote_mounts.h
//
// RemoteMounts: where a path lookup may wait on something other than this
// machine's own disks: under a mount of a network file system (NFS, CIFS,
// 9p, Ceph...), of FUSE (its daemon answers each lookup; a hung one never
// does) or of autofs (a lookup may mount one of those). Spawn (spawn_clone.cc)
// asks it, before it makes a child sharing its memory (clone(CLONE_VM |
// CLONE_VFORK)), whether the child's working directory or executable lies
// under such a mount: the parent is suspended until that child has exec'd,
// and PID 1 must never wait on a hung server; such a spawn forks instead.
//
// The decision never touches a path on such a mount: not even statfs(2)
// (which waits on a hung NFS server too). It reads the mount table
// (/proc/self/mountinfo) and walks the path's components lexically; a
// component on a local file system that is a symbolic link is read
// (readlink) and followed, so a link into a network mount is seen. What
// it cannot see: a path whose directory is renamed or remounted between
// the decision and the child's exec (the next spawn sees the new table),
// and a script's "#!" interpreter on such a mount (the kernel's exec
// reads it from the script).
//
// MountTableWatch keeps the table of the calling process's mount
// namespace, re-read only when the kernel says it changed (poll(2)
// POLLPRI on the mountinfo descriptor, without waiting): a spawn with no
// such mount costs one poll.
//
// Threading: not thread-safe; the loop thread (spawn.h). Allocates.

#ifndef FAULT_RUNTIME_REMOTE_MOUNTS_H_
#define FAULT_RUNTIME_REMOTE_MOUNTS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "runtime/fd.h"

namespace fault {

// IsRemoteType: whether a file system type (mountinfo's, e.g. "nfs4",
// "fuse.sshfs") is of a network file system, FUSE or autofs.
bool IsRemoteType(absl::string_view type);

class RemoteMounts {
 public:
  // From the text of /proc/PID/mountinfo: the mount points of remote
  // types (IsRemoteType). Malformed lines are skipped.
  static RemoteMounts Parse(absl::string_view mountinfo);

  bool empty() const { return points_.empty(); }
  const std::vector<std::string>& points() const { return points_; }

  // Under: whether the lexical path `path` (absolute; "." and ".." taken
  // lexically) is a remote mount point or lies under one.
  bool Under(absl::string_view path) const;

  // MayWait: whether looking `path` up may touch a remote mount. `path`
  // relative: from `base` (absolute). Walks it component by component:
  // true as soon as the path so far is Under a remote mount, before it is
  // touched; a component on a local file system that is a symbolic link
  // (readlink) is followed (at most 40 links, as the kernel: more, true).
  bool MayWait(absl::string_view path, absl::string_view base) const;

 private:
  std::vector<std::string> points_;  // absolute, without a trailing '/'
};

class MountTableWatch {
 public:
  // The mount table of this process's mount namespace (the one it was in
  // at the first call: the descriptor stays there), up to date: read
  // at the first call and again when poll says it changed. Where
  // /proc/self/mountinfo cannot be opened or read (no /proc), empty (and
  // the open is tried again at the next call).
  const RemoteMounts& Current();

 private:
  UniqueFd fd_;
  RemoteMounts mounts_;
};

}  // namespace fault

#endif  // FAULT_RUNTIME_REMOTE_MOUNTS_H_
