// File: init/system/unit_dropins.h
//
// Drop-ins (systemd.unit(5), "Description"): the NAME.service.d/*.conf
// files read over a unit file, found in every directory of the search path
// (unit_search_path.h) and applied as systemd applies them:
//
//   std::vector<DropInFile> files =
//       FindDropIns(path.directories, "web.service", aliases);
//
//   - directories, for each of the unit's names (its own, then its aliases)
//     in each search directory in precedence order: NAME.d; for an instance
//     (a@b.service) its template's, a@.service.d; the dash prefixes'
//     (a-b-c.service: a-b-.service.d, then a-.service.d); the type's own,
//     service.d (every service);
//   - in them, every entry ending in ".conf" not starting with "."; of
//     files with the same name, the one in the first of those directories
//     wins (so /etc/systemd/system/web.service.d/10-x.conf replaces
//     /lib/systemd/system/web.service.d/10-x.conf); one that is empty or a
//     link to /dev/null masks the others of its name and applies nothing;
//   - the winners are applied in the lexical order of their file names,
//     whatever their directory, after the unit file
//     (ParseUnitWithDropInsInto, unit.h).
//
// Thread safety: pure functions over the file system; thread-safe, not
// async-signal-safe.

#ifndef FAULT_INIT_SYSTEM_UNIT_DROPINS_H_
#define FAULT_INIT_SYSTEM_UNIT_DROPINS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "init/system/unit.h"
#include "runtime/status.h"

namespace faultinit {

// DropInDirectories returns the drop-in directories' names for `name` (a
// unit name with its suffix) in one search directory, in precedence order,
// without the directory: {"a-b.service.d", "a-.service.d", "service.d"}.
std::vector<std::string> DropInDirectories(absl::string_view name);

// DropInFile: one drop-in that applies.
struct DropInFile {
  std::string name;     // "10-override.conf": its place in the order
  std::string path;     // where it is
  bool masked = false;  // empty or /dev/null: applies nothing
};

// FindDropIns returns the drop-ins of the unit `name` (with its suffix),
// whose other names are `aliases`, over `search_path`, sorted by file name
// (masked ones included, so that the caller can name them).
std::vector<DropInFile> FindDropIns(const std::vector<std::string>& search_path,
                                    absl::string_view name,
                                    const std::vector<std::string>& aliases);

// ReadUnitText reads a unit file or a drop-in whole: at most
// kMaxUnitFileSize bytes (checked before reading), a regular file once
// links are followed. Errors name the reason, without the path ("unable to
// open: No such file or directory", "the file is N bytes, over the limit
// of 1048576 (1 MiB); not parsed").
fault::StatusOr<std::string> ReadUnitText(const std::string& path);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_UNIT_DROPINS_H_
