#include "init/support/service_directories.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "runtime/fd.h"

namespace faultinit {
namespace {

constexpr int kDirectoryFlags =
    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;

fault::Status Failure(absl::string_view key, absl::string_view verb,
                      absl::string_view path, int error) {
  return fault::ErrnoToStatus(
      error, absl::StrCat(key, "=: unable to ", verb, " ", path, ": ",
                          strerror(error)));
}

// NotADirectory: the error of opening `name` in `dir` (reached as
// `reached`) as a directory, which failed with `error`: what it is when
// it is a symbolic link or not a directory, else the errno.
fault::Status NotADirectory(int dir, const char* name, absl::string_view key,
                            absl::string_view path, absl::string_view reached,
                            int error) {
  struct stat st;
  if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
      !S_ISDIR(st.st_mode)) {
    return fault::Status(
        fault::StatusCode::kFailedPrecondition,
        absl::StrCat(key, "=: unable to create ", path, ": ", reached,
                     S_ISLNK(st.st_mode) ? " is a symbolic link (not followed)"
                                         : " is not a directory"),
        error);
  }
  return Failure(key, "create", path, error);
}

// OpenBase opens `base`, making it and what leads to it (mode 0755) when
// missing. `base` is a system directory, not the service's: followed.
fault::StatusOr<fault::UniqueFd> OpenBase(absl::string_view base,
                                          absl::string_view key,
                                          absl::string_view path) {
  std::string so_far;
  for (absl::string_view part : absl::StrSplit(base, '/', absl::SkipEmpty())) {
    absl::StrAppend(&so_far, "/", part);
    if (mkdir(so_far.c_str(), 0755) != 0 && errno != EEXIST) {
      return Failure(key, "create", path, errno);
    }
  }
  fault::UniqueFd fd(open(so_far.empty() ? "/" : so_far.c_str(),
                          O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return Failure(key, "create", path, errno);
  return fd;
}

// ChownTree gives everything below the directory `top` (on `device`) to
// `owner`, without following a symbolic link (a link itself is given) and
// without entering another file system, at most kMaxRemovalDepth levels
// and kMaxRemovalEntries entries deep. Returns the first errno met.
int ChownTree(int top, dev_t device, DirectoryOwner owner) {
  int first = 0;
  int budget = kMaxRemovalEntries;
  std::vector<DIR*> levels;
  auto enter = [&](int fd) {
    DIR* stream = fdopendir(fd);
    if (stream == nullptr) {
      if (first == 0) first = errno;
      close(fd);
      return;
    }
    levels.push_back(stream);
  };
  int copy = fcntl(top, F_DUPFD_CLOEXEC, 3);  // closedir closes its fd
  if (copy < 0) return errno;
  enter(copy);
  while (!levels.empty()) {
    errno = 0;
    struct dirent* entry = readdir(levels.back());
    if (entry == nullptr) {
      if (errno != 0 && first == 0) first = errno;
      closedir(levels.back());
      levels.pop_back();
      continue;
    }
    const char* name = entry->d_name;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) continue;
    if (--budget < 0) {
      if (first == 0) first = E2BIG;
      for (DIR* level : levels) closedir(level);
      break;
    }
    const int at = dirfd(levels.back());
    struct stat st;
    if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (S_ISDIR(st.st_mode) && st.st_dev == device &&
        static_cast<int>(levels.size()) < kMaxRemovalDepth) {
      int fd = openat(at, name, kDirectoryFlags);
      if (fd < 0) continue;  // replaced meanwhile: not followed
      if (fchown(fd, owner.uid, owner.gid) != 0 && first == 0) first = errno;
      enter(fd);
      continue;
    }
    if (fchownat(at, name, owner.uid, owner.gid, AT_SYMLINK_NOFOLLOW) != 0 &&
        errno != ENOENT && first == 0) {
      first = errno;
    }
  }
  return first;
}

}  // namespace

fault::Status MakeServiceDirectory(absl::string_view base,
                                   absl::string_view relative, mode_t mode,
                                   std::optional<DirectoryOwner> owner,
                                   absl::string_view key) {
  const std::string path = absl::StrCat(base, "/", relative);
  FAULT_ASSIGN_OR_RETURN(fault::UniqueFd dir, OpenBase(base, key, path));
  std::vector<std::string> parts =
      absl::StrSplit(relative, '/', absl::SkipEmpty());
  std::string reached(base);
  bool made = false;
  for (size_t i = 0; i < parts.size(); ++i) {
    const char* name = parts[i].c_str();
    absl::StrAppend(&reached, "/", parts[i]);
    const bool last = i + 1 == parts.size();
    made = mkdirat(dir.get(), name, last ? (mode & 0777) : 0755) == 0;
    if (!made && errno != EEXIST) return Failure(key, "create", path, errno);
    fault::UniqueFd next(openat(dir.get(), name, kDirectoryFlags));
    if (!next.valid()) {
      return NotADirectory(dir.get(), name, key, path, reached, errno);
    }
    dir = std::move(next);
  }
  // The last component, through the descriptor opened: never a path.
  if (owner.has_value()) {
    struct stat st;
    if (fstat(dir.get(), &st) != 0) return Failure(key, "create", path, errno);
    if (fchown(dir.get(), owner->uid, owner->gid) != 0) {
      return Failure(key, "set the owner of", path, errno);
    }
    // As systemd: a directory there already with another owner is given
    // to the service whole.
    if (!made && (st.st_uid != owner->uid || st.st_gid != owner->gid)) {
      if (int error = ChownTree(dir.get(), st.st_dev, *owner); error != 0) {
        return Failure(key, "set the owner of what is in", path, error);
      }
    }
  } else if (!made) {
    return fault::OkStatus();  // ConfigurationDirectory= there already
  }
  // After the owner: a chown may clear the set-group-ID bit.
  if (fchmod(dir.get(), mode & 07777) != 0) {
    return Failure(key, "set the mode of", path, errno);
  }
  return fault::OkStatus();
}

namespace {

// One directory being emptied: its stream, and its name in its parent.
struct Level {
  DIR* stream = nullptr;
  std::string name;
};

// RemoveTree removes `name` in `parent` (whose device is `device`) and
// everything below it, without recursion on the stack: one Level per
// directory entered. Returns the first errno met, 0 if none.
int RemoveTree(int parent, const std::string& name, dev_t device,
               int max_entries, std::string* where) {
  int first = 0;
  auto note = [&](int error, absl::string_view at) {
    if (first == 0) {
      first = error;
      *where = std::string(at);
    }
  };
  struct stat st;
  if (fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno == ENOENT ? 0 : errno;
  }
  if (!S_ISDIR(st.st_mode)) {
    return unlinkat(parent, name.c_str(), 0) == 0 || errno == ENOENT ? 0
                                                                     : errno;
  }
  if (st.st_dev != device) return EBUSY;  // a mount point: left alone
  std::vector<Level> levels;
  auto enter = [&](int at, const std::string& entry) -> bool {
    int fd = openat(at, entry.c_str(), kDirectoryFlags);
    if (fd < 0) {
      note(errno, entry);
      return false;
    }
    DIR* stream = fdopendir(fd);
    if (stream == nullptr) {
      note(errno, entry);
      close(fd);
      return false;
    }
    levels.push_back(Level{stream, entry});
    return true;
  };
  if (!enter(parent, name)) return first;
  int budget = max_entries;
  while (!levels.empty()) {
    Level& top = levels.back();
    errno = 0;
    struct dirent* entry = readdir(top.stream);
    if (entry == nullptr) {
      if (errno != 0) note(errno, top.name);
      closedir(top.stream);
      std::string done = std::move(top.name);
      levels.pop_back();
      int at = levels.empty() ? parent : dirfd(levels.back().stream);
      if (unlinkat(at, done.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
        note(errno, done);
      }
      continue;
    }
    const char* child = entry->d_name;
    if (strcmp(child, ".") == 0 || strcmp(child, "..") == 0) continue;
    if (--budget < 0) {
      // Too many: close every level, removing nothing more.
      note(E2BIG, child);
      for (Level& level : levels) closedir(level.stream);
      levels.clear();
      break;
    }
    int at = dirfd(top.stream);
    if (fstatat(at, child, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno != ENOENT) note(errno, child);
      continue;
    }
    if (!S_ISDIR(st.st_mode)) {
      if (unlinkat(at, child, 0) != 0 && errno != ENOENT) note(errno, child);
      continue;
    }
    if (st.st_dev != device) {
      note(EBUSY, child);  // a mount point: left alone
      continue;
    }
    if (static_cast<int>(levels.size()) >= kMaxRemovalDepth) {
      note(ENAMETOOLONG, child);  // deeper than we go
      continue;
    }
    enter(at, child);
  }
  return first;
}

}  // namespace

fault::Status RemoveServiceDirectory(absl::string_view base,
                                     absl::string_view relative,
                                     absl::string_view key, int max_entries) {
  const std::string path = absl::StrCat(base, "/", relative);
  fault::UniqueFd dir(
      open(std::string(base).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) {
    return errno == ENOENT ? fault::OkStatus()
                           : Failure(key, "remove", path, errno);
  }
  std::vector<std::string> parts =
      absl::StrSplit(relative, '/', absl::SkipEmpty());
  if (parts.empty()) return fault::OkStatus();
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    fault::UniqueFd next(openat(dir.get(), parts[i].c_str(), kDirectoryFlags));
    if (!next.valid()) {
      // Not there, or not a directory we may enter: nothing of ours below.
      if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) {
        return fault::OkStatus();
      }
      return Failure(key, "remove", path, errno);
    }
    dir = std::move(next);
  }
  struct stat st;
  if (fstat(dir.get(), &st) != 0) return Failure(key, "remove", path, errno);
  std::string where;
  int error =
      RemoveTree(dir.get(), parts.back(), st.st_dev, max_entries, &where);
  if (error == 0) return fault::OkStatus();
  const std::string at = where.empty() || where == parts.back()
                             ? std::string()
                             : absl::StrCat(" (at ", where, ")");
  const std::string what = absl::StrCat(key, "=: unable to remove ", path, at);
  switch (error) {
    case ENAMETOOLONG:  // RemoveTree's own limits and refusals
      return fault::Status(
          fault::StatusCode::kFailedPrecondition,
          absl::StrCat(what, ": deeper than ", kMaxRemovalDepth,
                       " levels; the rest is left in place"),
          error);
    case E2BIG:
      return fault::Status(fault::StatusCode::kFailedPrecondition,
                           absl::StrCat(what, ": more than ", max_entries,
                                        " entries; the rest is left in place"),
                           error);
    case EBUSY:
      return fault::Status(
          fault::StatusCode::kFailedPrecondition,
          absl::StrCat(what, ": a mount point below it is left in place"),
          error);
    default:
      return fault::ErrnoToStatus(error, what);
  }
}

}  // namespace faultinit
