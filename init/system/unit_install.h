// File: init/system/unit_install.h
//
// [Install] and the links `systemctl enable` makes (systemd.unit(5),
// "[Install] Section Options"; systemctl(1), "Unit File Commands"), as
// systemd's src/shared/install.c has them, over a root directory:
//
//   UnitInstaller installer(InstallPaths{});  // "/" and systemd's path
//   fault::StatusOr<InstallResult> r = installer.Enable({"web.service"});
//   installer.State("web.service");           // UnitFileState::kEnabled
//
// What each operation does (config = /etc/systemd/system, or
// /run/systemd/system for `--runtime`; every path under `root`):
//   - Enable: for each unit (an alias's name is followed to its file; an
//     instance a@b.service uses its template's file a@.service), and the
//     units its Also= names, transitively: config/ALIAS for each Alias=,
//     config/T.wants/NAME for each WantedBy=T, T.requires/ for RequiredBy=,
//     T.upholds/ for UpheldBy=, each a symbolic link to the unit file's
//     path (as the root sees it). A template's links name its
//     DefaultInstance= (a@tty1.service -> .../a@.service); a template
//     without one makes none (a warning). A link that is there already
//     with the same target is left; another is an error (kFailedPrecondition)
//     unless `force`. A unit without any [Install] rule gets systemctl's
//     warning and no link.
//   - Disable: removes every symbolic link in config and its *.wants/,
//     *.requires/, *.upholds/ directories whose name is the unit's (or,
//     for a template, one of its instances') or whose target is the unit's
//     file, for the unit and its Also= units; a mask (a link to /dev/null)
//     is never removed. An instance removes its own links only.
//   - Mask: config/NAME -> /dev/null; a file or another link there is an
//     error (kFailedPrecondition; a link is replaced with `force`). Unmask
//     removes config/NAME (of /etc and /run) when it is a link to
//     /dev/null or an empty file.
//   - State: systemctl is-enabled's word (UnitFileStateName), as
//     unit_file_lookup_state decides it; kNotFound when no directory has
//     the name.
//   - Preset: the first matching rule of the *.preset files
//     (systemd.preset(5)) enables or disables; no rule enables.
//
// [Install] is read from the unit file only (as install.c reads it, not
// from drop-ins). Keys: WantedBy=, RequiredBy=, UpheldBy=, Also=, Alias=
// (lists of unit names, an empty value resets), DefaultInstance=; the
// specifiers %n %N %p %i %j %% in them; other keys a warning.
//
// Errors are Status values with one line in systemctl's words ("Unit file
// x.service does not exist.", "Unit file /etc/systemd/system/x.service is
// masked."); an operation that fails stops at that unit: the changes
// already made are in InstallResult only when it succeeds.
//
// Thread safety: reads and writes the file system; not thread-safe (two
// installers racing on one root race as two systemctl's do), not
// async-signal-safe. The targets of the links it reads (unit files,
// aliases, masks) are resolved under `root`, as systemd resolves them
// with --root; a directory of the root that is itself an absolute link
// is followed by the kernel (Debian's /lib -> usr/lib is relative).

#ifndef FAULT_INIT_SYSTEM_UNIT_INSTALL_H_
#define FAULT_INIT_SYSTEM_UNIT_INSTALL_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "runtime/status.h"

namespace faultinit {

struct InstallSection {
  std::vector<std::string> wanted_by;
  std::vector<std::string> required_by;
  std::vector<std::string> upheld_by;
  std::vector<std::string> also;
  std::vector<std::string> alias;
  std::string default_instance;
  // install.c's install_info_has_rules: something enable links.
  bool HasRules() const {
    return !wanted_by.empty() || !required_by.empty() || !upheld_by.empty() ||
           !alias.empty();
  }
};

// ParseInstallSection reads the [Install] section of a unit file's text
// for the unit `name` (specifiers resolve against it). Unknown keys and
// values that are not unit names are warnings ("file:line: ..." is added
// by the caller: each warning starts with "line N: ").
fault::StatusOr<InstallSection> ParseInstallSection(
    absl::string_view text, absl::string_view name,
    std::vector<std::string>* warnings);

// systemctl's words for a unit file's state (systemctl(1), is-enabled).
enum class UnitFileState {
  kEnabled,
  kEnabledRuntime,
  kLinked,
  kLinkedRuntime,
  kAlias,
  kMasked,
  kMaskedRuntime,
  kStatic,
  kIndirect,
  kDisabled,
  kGenerated,
  kTransient,
  kBad,
  kNotFound,
};
absl::string_view UnitFileStateName(UnitFileState state);
// Whether is-enabled counts the state as enabled (exit 0): enabled,
// enabled-runtime, static, alias, indirect, generated (systemctl's list).
bool CountsAsEnabled(UnitFileState state);

struct InstallPaths {
  std::string root = "/";  // --root=DIR
  bool runtime = false;    // --runtime: links in /run/systemd/system
  // systemd's system search path, as the root sees it.
  std::vector<std::string> search_path = {
      "/etc/systemd/system", "/run/systemd/system", "/lib/systemd/system",
      "/usr/lib/systemd/system"};
  std::string ConfigDirectory() const {
    return runtime ? "/run/systemd/system" : "/etc/systemd/system";
  }
};

// One link made or removed, as the root sees it.
struct InstallChange {
  enum class Kind { kSymlink, kUnlink };
  Kind kind = Kind::kSymlink;
  std::string path;
  std::string target;  // kSymlink
};

struct InstallResult {
  std::vector<InstallChange> changes;
  std::vector<std::string> warnings;  // one line each, systemctl's words
};

enum class PresetMode { kFull, kEnableOnly, kDisableOnly };

class UnitInstaller {
 public:
  explicit UnitInstaller(InstallPaths paths);

  fault::StatusOr<InstallResult> Enable(const std::vector<std::string>& names,
                                        bool force = false);
  fault::StatusOr<InstallResult> Disable(const std::vector<std::string>& names);
  fault::StatusOr<InstallResult> Mask(const std::vector<std::string>& names,
                                      bool force = false);
  fault::StatusOr<InstallResult> Unmask(const std::vector<std::string>& names);
  fault::StatusOr<InstallResult> Preset(const std::vector<std::string>& names,
                                        PresetMode mode = PresetMode::kFull);

  UnitFileState State(absl::string_view name);
  // "enabled" or "disabled": what the preset files say of `name`.
  absl::string_view PresetOf(absl::string_view name);
  // Every unit name of the search path (the first directory's entry of
  // each) with its state, sorted by name.
  std::vector<std::pair<std::string, UnitFileState>> List();
  // The unit file's path and then its drop-ins' (systemctl cat), as the
  // root sees them; kNotFound for no file, kFailedPrecondition when masked.
  fault::StatusOr<std::vector<std::string>> Files(absl::string_view name);

  // The path of `path` (as the root sees it) on this machine.
  std::string Host(absl::string_view path) const;

 private:
  struct Found;
  std::optional<Found> Lookup(absl::string_view name);
  fault::StatusOr<InstallSection> Load(const Found& found,
                                       std::vector<std::string>* warnings);
  bool FindLinks(const Found& found, const InstallSection& install,
                 bool match_name, UnitFileState* state);
  fault::Status Link(const std::string& target, const std::string& link,
                     bool force, InstallResult* result);

  InstallPaths paths_;
};

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_UNIT_INSTALL_H_
