#include "init/support/accounts.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "runtime/fd.h"

namespace faultinit {
namespace {

using fault::Status;
using fault::StatusOr;

// setgroups(2) refuses more than NGROUPS_MAX (linux/limits.h) groups.
constexpr size_t kMaxSupplementaryGroups = 65536;

// (uid_t)-1 and (gid_t)-1 mean "leave unchanged" to setresuid/setresgid.
constexpr uint32_t kInvalidId = 0xFFFFFFFFu;

// IdText: what a user or group argument is, as a number.
enum class IdText { kName, kNumber, kOutOfRange };

// ParseId reads plain decimal digits (no sign, no spaces) into `id`.
IdText ParseId(absl::string_view text, uint32_t* id) {
  if (text.empty()) return IdText::kName;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return IdText::kName;
    value = value * 10 + static_cast<uint64_t>(c - '0');
    if (value >= kInvalidId) {
      // Keep scanning: "99999999999x" is still a name.
      for (char rest : text) {
        if (rest < '0' || rest > '9') return IdText::kName;
      }
      return IdText::kOutOfRange;
    }
  }
  *id = static_cast<uint32_t>(value);
  return IdText::kNumber;
}

// A passwd(5) line: name:password:uid:gid:gecos:home:shell.
struct PasswdEntry {
  absl::string_view name;
  uint32_t uid = 0;
  uint32_t gid = 0;
  absl::string_view home;
  absl::string_view shell;
};

// A group(5) line: name:password:gid:member,member...
struct GroupEntry {
  absl::string_view name;
  uint32_t gid = 0;
  absl::string_view members;
};

// IsEntryLine filters out empty lines, comments and NIS compat entries.
bool IsEntryLine(absl::string_view line) {
  return !line.empty() && line[0] != '#' && line[0] != '+' && line[0] != '-';
}

std::optional<PasswdEntry> ParsePasswdLine(absl::string_view line) {
  if (!IsEntryLine(line)) return std::nullopt;
  std::vector<absl::string_view> fields = absl::StrSplit(line, ':');
  if (fields.size() != 7 || fields[0].empty()) return std::nullopt;
  PasswdEntry entry;
  entry.name = fields[0];
  if (ParseId(fields[2], &entry.uid) != IdText::kNumber ||
      ParseId(fields[3], &entry.gid) != IdText::kNumber) {
    return std::nullopt;
  }
  entry.home = fields[5];
  entry.shell = fields[6];
  return entry;
}

std::optional<GroupEntry> ParseGroupLine(absl::string_view line) {
  if (!IsEntryLine(line)) return std::nullopt;
  std::vector<absl::string_view> fields = absl::StrSplit(line, ':');
  if (fields.size() != 4 || fields[0].empty()) return std::nullopt;
  GroupEntry entry;
  entry.name = fields[0];
  if (ParseId(fields[2], &entry.gid) != IdText::kNumber) return std::nullopt;
  entry.members = fields[3];
  return entry;
}

// An account file's content; `exists` is false when the file is absent.
struct AccountFile {
  std::string path;
  bool exists = false;
  std::string content;
};

// ReadAccountFile reads a regular file of at most kMaxAccountFileBytes.
// O_NONBLOCK keeps open(2) of a FIFO from waiting for a writer; a FIFO or
// device is then refused before any read.
StatusOr<AccountFile> ReadAccountFile(std::string path) {
  AccountFile file;
  file.path = std::move(path);
  fault::UniqueFd fd(
      open(file.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd.valid()) {
    if (errno == ENOENT) return file;
    return fault::ErrnoToStatus(errno,
                                absl::StrCat("unable to read ", file.path));
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) {
    return fault::ErrnoToStatus(errno,
                                absl::StrCat("unable to read ", file.path));
  }
  if (!S_ISREG(st.st_mode)) {
    return fault::FailedPreconditionError(
        absl::StrCat("unable to read ", file.path, ": not a regular file"));
  }
  const std::string too_large =
      absl::StrCat("unable to read ", file.path, ": larger than ",
                   kMaxAccountFileBytes, " bytes");
  if (static_cast<uint64_t>(st.st_size) > kMaxAccountFileBytes) {
    return fault::ResourceExhaustedError(too_large);
  }
  StatusOr<std::string> content =
      fault::ReadAll(fd.get(), kMaxAccountFileBytes);
  if (!content.ok()) {
    if (content.status().error_number() == 0) {  // grew past the limit
      return fault::ResourceExhaustedError(too_large);
    }
    return fault::ErrnoToStatus(content.status().error_number(),
                                absl::StrCat("unable to read ", file.path));
  }
  file.exists = true;
  file.content = std::move(content).value();
  return file;
}

// JoinRoot returns `root`/`relative`, without doubled slashes.
std::string JoinRoot(absl::string_view root, absl::string_view relative) {
  while (!root.empty() && root.back() == '/') root.remove_suffix(1);
  return absl::StrCat(root, "/", relative);
}

// Where a lookup failed: "not in F" or "F does not exist".
std::string Absent(const AccountFile& file) {
  return file.exists ? absl::StrCat("not in ", file.path)
                     : absl::StrCat(file.path, " does not exist");
}

// FindUser returns the first passwd entry named `name` (or, with `by_uid`,
// whose uid is `uid`).
std::optional<PasswdEntry> FindUser(const AccountFile& passwd,
                                    absl::string_view name, bool by_uid,
                                    uint32_t uid) {
  for (absl::string_view line : absl::StrSplit(passwd.content, '\n')) {
    std::optional<PasswdEntry> entry = ParsePasswdLine(line);
    if (!entry) continue;
    if (by_uid ? entry->uid == uid : entry->name == name) return entry;
  }
  return std::nullopt;
}

std::optional<uint32_t> FindGroupId(const AccountFile& groups,
                                    absl::string_view name) {
  for (absl::string_view line : absl::StrSplit(groups.content, '\n')) {
    std::optional<GroupEntry> entry = ParseGroupLine(line);
    if (entry && entry->name == name) return entry->gid;
  }
  return std::nullopt;
}

// SupplementaryGroups lists `primary`, then each group naming `user` as a
// member, in file order, each gid once.
std::vector<gid_t> SupplementaryGroups(const AccountFile& groups,
                                       absl::string_view user, gid_t primary) {
  std::vector<gid_t> result = {primary};
  std::unordered_set<gid_t> seen = {primary};
  for (absl::string_view line : absl::StrSplit(groups.content, '\n')) {
    if (result.size() >= kMaxSupplementaryGroups) break;
    std::optional<GroupEntry> entry = ParseGroupLine(line);
    if (!entry || seen.count(entry->gid) != 0) continue;
    for (absl::string_view member : absl::StrSplit(entry->members, ',')) {
      if (absl::StripAsciiWhitespace(member) == user) {
        result.push_back(entry->gid);
        seen.insert(entry->gid);
        break;
      }
    }
  }
  return result;
}

Credentials SynthesizedRoot() {
  Credentials root;
  root.uid = 0;
  root.gid = 0;
  root.name = "root";
  root.home = "/root";
  root.shell = "/bin/sh";
  return root;
}

}  // namespace

StatusOr<Credentials> ResolveCredentials(absl::string_view user,
                                         absl::string_view group,
                                         absl::string_view root) {
  if (user.empty()) return fault::InvalidArgumentError("empty user name");
  uint32_t uid_number = 0;
  const IdText user_kind = ParseId(user, &uid_number);
  if (user_kind == IdText::kOutOfRange) {
    return fault::InvalidArgumentError(absl::StrCat(
        "invalid user \"", user, "\" (uids are below ", kInvalidId, ")"));
  }
  FAULT_ASSIGN_OR_RETURN(AccountFile passwd,
                         ReadAccountFile(JoinRoot(root, "etc/passwd")));

  // Who: a passwd entry, root, or an unlisted uid.
  Credentials credentials;
  bool listed = true;  // whether the user has a name to match in /etc/group
  std::optional<PasswdEntry> entry =
      FindUser(passwd, user, user_kind == IdText::kNumber, uid_number);
  if (entry) {
    credentials.uid = entry->uid;
    credentials.gid = entry->gid;
    credentials.name = std::string(entry->name);
    credentials.home = std::string(entry->home);
    credentials.shell = std::string(entry->shell);
  } else if (user == "root" ||
             (user_kind == IdText::kNumber && uid_number == 0)) {
    credentials = SynthesizedRoot();
  } else if (user_kind == IdText::kNumber) {
    listed = false;
    credentials.uid = uid_number;
    credentials.gid = uid_number;
    credentials.name = absl::StrCat(uid_number);
    credentials.home = "/";
  } else {
    return fault::NotFoundError(
        absl::StrCat("unknown user \"", user, "\" (", Absent(passwd), ")"));
  }

  // Which group: the primary one unless `group` names another.
  uint32_t gid_number = 0;
  const IdText group_kind =
      group.empty() ? IdText::kNumber : ParseId(group, &gid_number);
  if (group_kind == IdText::kOutOfRange) {
    return fault::InvalidArgumentError(absl::StrCat(
        "invalid group \"", group, "\" (gids are below ", kInvalidId, ")"));
  }
  const bool need_groups = listed || group_kind == IdText::kName;
  AccountFile groups;
  if (need_groups) {
    FAULT_ASSIGN_OR_RETURN(groups,
                           ReadAccountFile(JoinRoot(root, "etc/group")));
  }
  if (group_kind == IdText::kName) {
    std::optional<uint32_t> gid = FindGroupId(groups, group);
    if (gid) {
      credentials.gid = *gid;
    } else if (group == "root") {
      credentials.gid = 0;
    } else {
      return fault::NotFoundError(
          absl::StrCat("unknown group \"", group, "\" (", Absent(groups), ")"));
    }
  } else if (!group.empty()) {
    credentials.gid = gid_number;
  }

  if (listed) {
    credentials.supplementary =
        SupplementaryGroups(groups, credentials.name, credentials.gid);
  }
  return credentials;
}

StatusOr<std::vector<gid_t>> ResolveGroups(
    const std::vector<std::string>& names, absl::string_view root) {
  std::vector<gid_t> gids;
  std::optional<AccountFile> groups;  // read at the first name
  for (const std::string& name : names) {
    if (name.empty()) return fault::InvalidArgumentError("empty group name");
    uint32_t number = 0;
    const IdText kind = ParseId(name, &number);
    if (kind == IdText::kOutOfRange) {
      return fault::InvalidArgumentError(absl::StrCat(
          "invalid group \"", name, "\" (gids are below ", kInvalidId, ")"));
    }
    if (kind == IdText::kNumber) {
      gids.push_back(number);
      continue;
    }
    if (!groups) {
      FAULT_ASSIGN_OR_RETURN(AccountFile file,
                             ReadAccountFile(JoinRoot(root, "etc/group")));
      groups = std::move(file);
    }
    std::optional<uint32_t> gid = FindGroupId(*groups, name);
    if (!gid && name == "root") gid = 0;
    if (!gid) {
      return fault::NotFoundError(
          absl::StrCat("unknown group \"", name, "\" (", Absent(*groups), ")"));
    }
    gids.push_back(*gid);
  }
  return gids;
}

}  // namespace faultinit
