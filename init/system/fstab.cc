#include "init/system/fstab.h"

#include <string.h>
#include <sys/mount.h>
#include <sys/swap.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "init/system/exec_command.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef MS_LAZYTIME
#define MS_LAZYTIME (1 << 25)
#endif

namespace faultinit {
namespace {

// The options libmount turns into mount(2) flags: `set` sets the flag, the
// others clear it.
struct FlagOption {
  absl::string_view name;
  unsigned long flag;
  bool set;
};
constexpr FlagOption kFlagOptions[] = {
    {"ro", MS_RDONLY, true},
    {"rw", MS_RDONLY, false},
    {"nosuid", MS_NOSUID, true},
    {"suid", MS_NOSUID, false},
    {"nodev", MS_NODEV, true},
    {"dev", MS_NODEV, false},
    {"noexec", MS_NOEXEC, true},
    {"exec", MS_NOEXEC, false},
    {"sync", MS_SYNCHRONOUS, true},
    {"async", MS_SYNCHRONOUS, false},
    {"dirsync", MS_DIRSYNC, true},
    {"mand", MS_MANDLOCK, true},
    {"nomand", MS_MANDLOCK, false},
    {"noatime", MS_NOATIME, true},
    {"atime", MS_NOATIME, false},
    {"nodiratime", MS_NODIRATIME, true},
    {"diratime", MS_NODIRATIME, false},
    {"relatime", MS_RELATIME, true},
    {"norelatime", MS_RELATIME, false},
    {"strictatime", MS_STRICTATIME, true},
    {"nostrictatime", MS_STRICTATIME, false},
    {"lazytime", MS_LAZYTIME, true},
    {"nolazytime", MS_LAZYTIME, false},
    {"silent", MS_SILENT, true},
    {"loud", MS_SILENT, false},
    {"iversion", MS_I_VERSION, true},
    {"noiversion", MS_I_VERSION, false},
    {"nosymfollow", MS_NOSYMFOLLOW, true},
    {"symfollow", MS_NOSYMFOLLOW, false},
    {"bind", MS_BIND, true},
    {"rbind", MS_BIND | MS_REC, true},
};

// Options for mount(8) and systemd that mount(2) never sees.
constexpr absl::string_view kUserspaceOptions[] = {
    "defaults", "auto", "user", "nouser", "users", "owner", "group",
    "sw",  // swap's placeholder
};

// systemd's fstype_is_network().
constexpr absl::string_view kNetworkTypes[] = {
    "afs",   "ceph",       "cifs",  "smb3",      "smbfs",
    "sshfs", "fuse.sshfs", "ncpfs", "ncp",       "nfs",
    "nfs4",  "gfs",        "gfs2",  "glusterfs", "pvfs2",
    "ocfs2", "lustre",     "davfs", "9p",        "fuse.glusterfs",
};

// The tags of SOURCE and their udev directories.
struct SourceTag {
  absl::string_view prefix;
  absl::string_view directory;
};
constexpr SourceTag kSourceTags[] = {
    {"UUID=", "/dev/disk/by-uuid/"},
    {"LABEL=", "/dev/disk/by-label/"},
    {"PARTUUID=", "/dev/disk/by-partuuid/"},
    {"PARTLABEL=", "/dev/disk/by-partlabel/"},
    {"ID=", "/dev/disk/by-id/"},
};

bool IsOctal(char c) { return c >= '0' && c <= '7'; }

void AppendData(std::string* data, absl::string_view option) {
  if (!data->empty()) data->push_back(',');
  absl::StrAppend(data, option);
}

}  // namespace

std::string UnescapeFstabField(absl::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size() && IsOctal(field[i + 1]) &&
        IsOctal(field[i + 2]) && IsOctal(field[i + 3])) {
      out.push_back(static_cast<char>(((field[i + 1] - '0') << 6) |
                                      ((field[i + 2] - '0') << 3) |
                                      (field[i + 3] - '0')));
      i += 3;
      continue;
    }
    out.push_back(field[i]);
  }
  return out;
}

std::string ResolveFstabSource(absl::string_view spec) {
  for (const SourceTag& tag : kSourceTags) {
    if (!absl::StartsWith(spec, tag.prefix)) continue;
    absl::string_view value = spec.substr(tag.prefix.size());
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    std::string out(tag.directory);
    for (char c : value) {
      // udev's escaping of link names (udev_replace_whitespace and
      // encode_devnode_name): '/' and blanks as \xNN.
      if (c == '/' || c == ' ' || c == '\t' || c == '\\') {
        static constexpr char kHex[] = "0123456789abcdef";
        out += "\\x";
        out.push_back(kHex[(static_cast<unsigned char>(c) >> 4) & 0xf]);
        out.push_back(kHex[static_cast<unsigned char>(c) & 0xf]);
      } else {
        out.push_back(c);
      }
    }
    return out;
  }
  return std::string(spec);
}

bool IsNetworkFilesystem(absl::string_view type) {
  for (absl::string_view t : kNetworkTypes) {
    if (t == type) return true;
  }
  return false;
}

bool FstabEntry::IsDevice() const { return absl::StartsWith(what, "/dev/"); }

MountOptions ParseMountOptions(absl::string_view text, std::string* problem) {
  MountOptions out;
  if (text.empty()) return out;
  for (absl::string_view option : absl::StrSplit(text, ',')) {
    if (option.empty()) continue;
    bool flag = false;
    for (const FlagOption& f : kFlagOptions) {
      if (f.name != option) continue;
      if (f.set) {
        out.flags |= f.flag;
      } else {
        out.flags &= ~f.flag;
      }
      flag = true;
      break;
    }
    if (flag) continue;
    bool userspace = false;
    for (absl::string_view u : kUserspaceOptions) userspace |= u == option;
    if (userspace) continue;
    if (option == "noauto") {
      out.noauto = true;
    } else if (option == "nofail") {
      out.nofail = true;
    } else if (option == "_netdev") {
      out.netdev = true;
    } else if (absl::StartsWith(option, "comment=")) {
      // mount(8)'s, and systemd's: not for the kernel.
    } else if (absl::StartsWith(option, "x-systemd.device-timeout=")) {
      absl::string_view value =
          option.substr(strlen("x-systemd.device-timeout="));
      fault::StatusOr<fault::Duration> timeout = fault::ParseTimeSpan(value);
      if (!timeout.ok()) {
        *problem =
            absl::StrCat("x-systemd.device-timeout=: invalid time span ",
                         QuoteText(value), ": ", timeout.status().message());
        return out;
      }
      // systemd: 0 waits forever; faultinit bounds it anyway (PID 1
      // must not wait on a device for ever): 0 is the default.
      out.device_timeout =
          *timeout == fault::ZeroDuration() ? kDefaultDeviceTimeout : *timeout;
    } else if (absl::StartsWith(option, "x-systemd.")) {
      out.ignored.emplace_back(option);
    } else if (absl::StartsWith(option, "x-")) {
      // Another program's (x-gvfs-show, x-initrd.mount): not the kernel's.
    } else if (absl::StartsWith(option, "pri=")) {
      int priority = 0;
      if (absl::SimpleAtoi(option.substr(4), &priority) && priority >= 0) {
        out.swap_flags |=
            SWAP_FLAG_PREFER |
            ((priority << SWAP_FLAG_PRIO_SHIFT) & SWAP_FLAG_PRIO_MASK);
      }
      AppendData(&out.data, option);
    } else {
      if (option == "discard" || absl::StartsWith(option, "discard=")) {
        out.swap_flags |= SWAP_FLAG_DISCARD;
      }
      AppendData(&out.data, option);
    }
  }
  return out;
}

Fstab ParseFstab(absl::string_view path, absl::string_view text) {
  Fstab out;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    if (trimmed.empty() || trimmed[0] == '#') continue;
    std::vector<absl::string_view> fields =
        absl::StrSplit(trimmed, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    auto error = [&](std::string message) {
      out.diagnostics.push_back(
          Diagnostic{std::string(path), number, Severity::kError,
                     absl::StrCat(message, "; entry ignored")});
    };
    if (fields.size() < 3) {
      error(
          absl::StrCat("expected SOURCE MOUNT-POINT TYPE [OPTIONS [DUMP "
                       "[PASS]]], got ",
                       QuoteText(trimmed)));
      continue;
    }
    if (fields.size() > 6) {
      error(absl::StrCat("more than six fields: ", QuoteText(fields[6])));
      continue;
    }
    bool numbers_ok = true;
    for (size_t i = 4; i < fields.size(); ++i) {
      int n = 0;
      if (!absl::SimpleAtoi(fields[i], &n) || n < 0) {
        error(absl::StrCat(i == 4 ? "DUMP" : "PASS",
                           " is not a number: ", QuoteText(fields[i])));
        numbers_ok = false;
        break;
      }
    }
    if (!numbers_ok) continue;
    FstabEntry e;
    e.line = number;
    e.spec = UnescapeFstabField(fields[0]);
    e.what = ResolveFstabSource(e.spec);
    e.where = UnescapeFstabField(fields[1]);
    e.type = UnescapeFstabField(fields[2]);
    e.options_text =
        fields.size() > 3 ? UnescapeFstabField(fields[3]) : std::string();
    e.swap = e.type == "swap";
    std::string problem;
    e.options = ParseMountOptions(e.options_text, &problem);
    if (!problem.empty()) {
      error(problem);
      continue;
    }
    if (!e.swap) {
      if (e.where.empty() || e.where[0] != '/') {
        error(absl::StrCat("MOUNT-POINT is not an absolute path: ",
                           QuoteText(e.where)));
        continue;
      }
      while (e.where.size() > 1 && e.where.back() == '/') e.where.pop_back();
    }
    e.remote = e.options.netdev || IsNetworkFilesystem(e.type);
    for (const std::string& ignored : e.options.ignored) {
      out.diagnostics.push_back(
          Diagnostic{std::string(path), number, Severity::kWarning,
                     absl::StrCat("option ", QuoteText(ignored),
                                  " is ignored by faultinit (", e.where, ")")});
    }
    out.entries.push_back(std::move(e));
  }
  return out;
}

}  // namespace faultinit
