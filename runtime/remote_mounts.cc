#include "runtime/remote_mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <unistd.h>

#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace fault {
namespace {

// The kernel's limit on symbolic links followed in one lookup.
constexpr int kMaxLinks = 40;

// Unescape: mountinfo writes a space, tab, newline and backslash in a path
// as \040, \011, \012 and \134.
std::string Unescape(absl::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size() && field[i + 1] >= '0' &&
        field[i + 1] <= '3' && field[i + 2] >= '0' && field[i + 2] <= '7' &&
        field[i + 3] >= '0' && field[i + 3] <= '7') {
      out.push_back(static_cast<char>((field[i + 1] - '0') * 64 +
                                      (field[i + 2] - '0') * 8 +
                                      (field[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(field[i]);
    }
  }
  return out;
}

// Components: the names of `path`, in order ("" and "." left out; ".."
// kept: taken where the walk meets it).
void AppendComponents(absl::string_view path,
                      std::deque<std::string>* components) {
  for (absl::string_view name : absl::StrSplit(path, '/')) {
    if (name.empty() || name == ".") continue;
    components->push_back(std::string(name));
  }
}

// Parent: "/a/b" -> "/a", "/a" -> "" (the root is "").
void DropLast(std::string* path) {
  const size_t slash = path->rfind('/');
  path->resize(slash == std::string::npos ? 0 : slash);
}

}  // namespace

bool IsRemoteType(absl::string_view type) {
  // Network and cluster file systems (a lookup may wait on a server or a
  // lock manager), FUSE (on its daemon), autofs (it may mount one).
  static constexpr absl::string_view kTypes[] = {
      "nfs",   "nfs4",    "cifs",     "smb3",      "smbfs",  "ncpfs",
      "9p",    "afs",     "ceph",     "glusterfs", "lustre", "gfs2",
      "ocfs2", "coda",    "orangefs", "pvfs2",     "beegfs", "gpfs",
      "fuse",  "fuseblk", "virtiofs", "autofs",    "davfs",  "vboxsf"};
  for (absl::string_view known : kTypes) {
    if (type == known) return true;
  }
  // FUSE's subtypes: "fuse.sshfs", "fuseblk.ntfs-3g".
  return absl::StartsWith(type, "fuse.") || absl::StartsWith(type, "fuseblk.");
}

RemoteMounts RemoteMounts::Parse(absl::string_view mountinfo) {
  RemoteMounts mounts;
  // "36 35 98:0 /root /mount/point rw,noatime master:1 - ext3 /dev/x rw":
  // the mount point is the fifth field, the type the one after "-".
  for (absl::string_view line : absl::StrSplit(mountinfo, '\n')) {
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (fields.size() < 8) continue;
    size_t dash = 6;
    while (dash < fields.size() && fields[dash] != "-") ++dash;
    if (dash + 1 >= fields.size()) continue;
    if (!IsRemoteType(fields[dash + 1])) continue;
    std::string point = Unescape(fields[4]);
    if (point.empty() || point[0] != '/') continue;
    while (!point.empty() && point.back() == '/') point.pop_back();
    mounts.points_.push_back(std::move(point));
  }
  return mounts;
}

bool RemoteMounts::Under(absl::string_view path) const {
  std::deque<std::string> names;
  AppendComponents(path, &names);
  std::string lexical;
  for (const std::string& name : names) {
    if (name == "..") {
      DropLast(&lexical);
    } else {
      lexical += "/";
      lexical += name;
    }
  }
  for (const std::string& point : points_) {
    if (point.empty()) return true;  // the root
    if (absl::StartsWith(lexical, point) &&
        (lexical.size() == point.size() || lexical[point.size()] == '/')) {
      return true;
    }
  }
  return false;
}

bool RemoteMounts::MayWait(absl::string_view path,
                           absl::string_view base) const {
  if (points_.empty()) return false;
  std::deque<std::string> rest;
  if (path.empty() || path[0] != '/') AppendComponents(base, &rest);
  AppendComponents(path, &rest);
  std::string current;  // resolved so far; "" is the root
  if (Under("/")) return true;
  int links = 0;
  char target[PATH_MAX];
  while (!rest.empty()) {
    std::string name = std::move(rest.front());
    rest.pop_front();
    if (name == "..") {
      // `current` has no link left in it: its parent is lexical.
      DropLast(&current);
      continue;
    }
    current += "/";
    current += name;
    if (Under(current)) return true;
    // On a local file system: a symbolic link is followed here, as the
    // child's lookup will follow it.
    const ssize_t n = readlink(current.c_str(), target, sizeof target);
    if (n < 0) {
      // Not a link (EINVAL): go on. Anything else (ENOENT, ENOTDIR,
      // EACCES...): the child's lookup stops here too.
      if (errno == EINVAL) continue;
      return false;
    }
    if (++links > kMaxLinks || n == static_cast<ssize_t>(sizeof target)) {
      return true;  // the child's lookup fails, but say so safely
    }
    DropLast(&current);
    const absl::string_view link(target, static_cast<size_t>(n));
    if (!link.empty() && link[0] == '/') current.clear();
    std::deque<std::string> expanded;
    AppendComponents(link, &expanded);
    rest.insert(rest.begin(), expanded.begin(), expanded.end());
  }
  return false;
}

namespace {

// ReadFromStart: the whole of `fd`'s file, read from its start into
// `text`; false on an error. Never inlined: its 4 KB buffer would lie in
// the frame of every spawn (Current is called at each), and the pages
// below it that the spawn's callees touch stay resident in PID 1.
ABSL_ATTRIBUTE_NOINLINE bool ReadFromStart(int fd, std::string* text) {
  if (lseek(fd, 0, SEEK_SET) != 0) return false;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    text->append(buffer, static_cast<size_t>(n));
  }
}

}  // namespace

const RemoteMounts& MountTableWatch::Current() {
  bool read = false;
  if (!fd_) {
    fd_ = UniqueFd(open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC));
    if (!fd_) {
      mounts_ = RemoteMounts();
      return mounts_;
    }
    read = true;
  } else {
    // A change of the namespace's mounts since the last poll (or the
    // open) shows as POLLPRI | POLLERR; poll takes note of it.
    struct pollfd changed = {fd_.get(), POLLPRI, 0};
    read = poll(&changed, 1, 0) > 0 &&
           (changed.revents & (POLLPRI | POLLERR)) != 0;
  }
  if (!read) return mounts_;
  std::string text;
  if (!ReadFromStart(fd_.get(), &text)) {
    fd_.Reset();  // opened again next time
    mounts_ = RemoteMounts();
    return mounts_;
  }
  mounts_ = RemoteMounts::Parse(text);
  return mounts_;
}

}  // namespace fault
