// File: init/system/unit_search_path.h
//
// The unit search path, as systemd has it for its system instance
// (systemd.unit(5), "Unit File Load Path"): the directories unit files
// are found in, in precedence order, and what each name in them is.
//
//   UnitSearchPath path = ScanUnitSearchPath(DefaultUnitSearchPath());
//   std::optional<ResolvedUnitFile> web = path.Resolve("web.service");
//
// systemd's rules, kept here:
//   - the first directory holding a name wins: /etc/systemd/system/x.service
//     overrides /lib/systemd/system/x.service whole (drop-ins, not the file,
//     are merged: unit_dropins.h);
//   - a name is *masked* when its entry, links followed, is an empty file or
//     a character device (a link to /dev/null): systemd's null_or_empty();
//     a masked name is never loaded nor started, whatever names it;
//   - a symbolic link whose target's file name is another unit name makes
//     the link's name an *alias* of that name ("sshd.service ->
//     /lib/systemd/system/ssh.service"); the aliased name is then looked up
//     in the search path by its own precedence. A link whose target has the
//     link's own name is a *linked* unit file: the file it points to. An
//     alias to a name of another unit type is an error. `Alias=` in
//     [Install] makes such a link only when the unit is enabled
//     (`systemctl enable`); at load time it means nothing, as in systemd.
//   - a directory that does not exist is skipped silently (most systems have
//     no /run/systemd/system at boot).
//
// The directories belong to root: this reads them once per load, follows
// no more than kMaxAliasHops aliases, and never reads a unit file.
//
// Thread safety: pure functions over the file system; thread-safe, not
// async-signal-safe.

#ifndef FAULT_INIT_SYSTEM_UNIT_SEARCH_PATH_H_
#define FAULT_INIT_SYSTEM_UNIT_SEARCH_PATH_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "init/system/unit.h"

namespace faultinit {

// systemd's system search path, in precedence order (without the
// generator and transient directories, which faultinit has no use for).
std::vector<std::string> DefaultUnitSearchPath();

// UnitTypeOf returns a valid unit name's type ("service", "target", ...),
// or "" when `name` is not a valid unit name of one of systemd's types
// (systemd's unit_name_is_valid: 1 to 255 bytes, A-Z a-z 0-9 : _ . \ - @
// before the suffix, '@' not first). Templates ("getty@.service") are
// valid names.
absl::string_view UnitTypeOf(absl::string_view name);

// UnitFile: what one name is in the search path.
struct UnitFile {
  enum class Kind {
    kFile,    // a unit file (or a link to one with the same name)
    kMasked,  // an empty file or a link to /dev/null
    kAlias,   // a link to a file of another name: `target`
  };
  Kind kind = Kind::kFile;
  std::string path;    // the entry: DIRECTORY/NAME
  std::string target;  // kAlias: the name it stands for ("ssh.service")
};

// ResolvedUnitFile: a name followed through its aliases.
struct ResolvedUnitFile {
  std::string name;                // the unit's own name ("ssh.service")
  const UnitFile* file = nullptr;  // its entry: kFile or kMasked
};

inline constexpr int kMaxAliasHops = 16;

// UnitSearchPath: every unit name of the search path's directories.
struct UnitSearchPath {
  std::vector<std::string> directories;  // precedence order
  // Each name once, from the first directory holding it.
  std::map<std::string, UnitFile, std::less<>> files;
  // Warnings: unreadable directories, links that lead nowhere, aliases to
  // another type, aliases that resolve to no unit (a loop, a missing name).
  std::vector<Diagnostic> diagnostics;

  // Resolve follows `name` (with its suffix) through aliases to the unit
  // that holds the file; nullopt when no directory has the name or an
  // alias leads nowhere (a name no directory has, a loop).
  std::optional<ResolvedUnitFile> Resolve(absl::string_view name) const;
  // Aliases maps each unit's own name to the other names that resolve to
  // it, sorted (one pass over the aliases).
  std::map<std::string, std::vector<std::string>, std::less<>> Aliases() const;
};

// ScanUnitSearchPath lists every directory of `directories` (entries that
// are not valid unit names, and directories such as NAME.service.d, are
// not units and are passed over) and classifies each name.
UnitSearchPath ScanUnitSearchPath(std::vector<std::string> directories);

// IsMaskedPath: whether `path`, links followed, is an empty regular file or
// a character device (systemd's null_or_empty). False when it cannot be
// stat'ed.
bool IsMaskedPath(const std::string& path);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_UNIT_SEARCH_PATH_H_
