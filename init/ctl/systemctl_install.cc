#include "init/ctl/systemctl_install.h"

#include <unistd.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "init/ctl/format.h"
#include "init/ctl/systemctl_state.h"
#include "init/system/unit_dropins.h"
#include "init/system/unit_install.h"
#include "runtime/fd.h"

namespace faultinit::systemctl {
namespace {

void Err(absl::string_view text) {
  fault::WriteString(STDERR_FILENO, absl::StrCat(text, "\n"));
}
void Out(absl::string_view text) { fault::WriteString(STDOUT_FILENO, text); }

absl::string_view VerbWord(SystemctlVerb verb) {
  switch (verb) {
    case SystemctlVerb::kEnable:
      return "enable";
    case SystemctlVerb::kDisable:
      return "disable";
    case SystemctlVerb::kReenable:
      return "reenable";
    case SystemctlVerb::kPreset:
      return "preset";
    case SystemctlVerb::kMask:
      return "mask";
    case SystemctlVerb::kUnmask:
      return "unmask";
    default:
      return "change";
  }
}

InstallPaths PathsOf(const SystemctlCommand& c) {
  InstallPaths paths;
  paths.root = c.root;
  paths.runtime = c.runtime;
  return paths;
}

// NowApplies: the verbs --now starts (enable, reenable) or stops (disable,
// mask) the units after.
bool NowApplies(SystemctlVerb verb) {
  return verb == SystemctlVerb::kEnable || verb == SystemctlVerb::kReenable ||
         verb == SystemctlVerb::kDisable || verb == SystemctlVerb::kMask;
}

// The services --now starts or stops: faultinit's names of the units.
std::vector<std::string> Services(const SystemctlCommand& c) { return c.units; }

int Change(const SystemctlCommand& c, absl::string_view program,
           const InstallHooks& hooks) {
  UnitInstaller installer(PathsOf(c));
  fault::StatusOr<InstallResult> result = fault::InternalError("no verb");
  switch (c.verb) {
    case SystemctlVerb::kEnable:
      result = installer.Enable(c.unit_files, c.force);
      break;
    case SystemctlVerb::kDisable:
      result = installer.Disable(c.unit_files);
      break;
    case SystemctlVerb::kReenable: {
      result = installer.Disable(c.unit_files);
      if (!result.ok()) break;
      fault::StatusOr<InstallResult> enabled =
          installer.Enable(c.unit_files, c.force);
      if (!enabled.ok()) {
        result = enabled.status();
        break;
      }
      for (InstallChange& change : enabled->changes) {
        result->changes.push_back(std::move(change));
      }
      for (std::string& w : enabled->warnings) {
        result->warnings.push_back(std::move(w));
      }
      break;
    }
    case SystemctlVerb::kPreset:
      result = installer.Preset(c.unit_files, c.preset_mode == "enable-only"
                                                  ? PresetMode::kEnableOnly
                                              : c.preset_mode == "disable-only"
                                                  ? PresetMode::kDisableOnly
                                                  : PresetMode::kFull);
      break;
    case SystemctlVerb::kMask:
      result = installer.Mask(c.unit_files, c.force);
      break;
    case SystemctlVerb::kUnmask:
      result = installer.Unmask(c.unit_files);
      break;
    default:
      break;
  }
  if (!result.ok()) {
    Err(absl::StrCat(program, ": Failed to ", VerbWord(c.verb), " unit: ",
                     faultctl::DisplayText(result.status().message())));
    return kExitFailure;
  }
  for (const std::string& w : result->warnings) {
    Err(faultctl::DisplayText(w));
  }
  if (!c.quiet) {
    for (const InstallChange& change : result->changes) {
      Err(change.kind == InstallChange::Kind::kSymlink
              ? absl::StrCat(
                    "Created symlink ", faultctl::DisplayText(change.path),
                    " \xe2\x86\x92 ", faultctl::DisplayText(change.target), ".")
              : absl::StrCat("Removed \"", faultctl::DisplayText(change.path),
                             "\"."));
    }
  }
  if (!result->changes.empty() && !c.root_given && !c.no_reload) {
    if (!hooks.reload()) return kExitFailure;
  }
  if (c.now && c.root_given && NowApplies(c.verb)) {
    // As systemctl: the links are made, the start or stop refused (no
    // manager to ask in an offline tree).
    Err(absl::StrCat(program,
                     ": --now cannot be used when systemd is not running or "
                     "in conjunction with --root=/--global, refusing."));
    return kExitFailure;
  }
  if (c.now && !c.root_given) {
    switch (c.verb) {
      case SystemctlVerb::kEnable:
      case SystemctlVerb::kReenable:
        return hooks.transition(true, Services(c));
      case SystemctlVerb::kDisable:
      case SystemctlVerb::kMask:
        return hooks.transition(false, Services(c));
      default:
        break;
    }
  }
  return kExitSuccess;
}

int IsEnabled(const SystemctlCommand& c) {
  UnitInstaller installer(PathsOf(c));
  bool enabled = false, all_not_found = true;
  std::string text;
  for (const std::string& unit : c.unit_files) {
    UnitFileState state = installer.State(unit);
    if (state != UnitFileState::kNotFound) all_not_found = false;
    enabled = enabled || CountsAsEnabled(state);
    absl::StrAppend(&text, UnitFileStateName(state), "\n");
  }
  if (!c.quiet) Out(text);
  if (enabled) return kExitSuccess;
  return all_not_found ? 4 : kExitFailure;  // EXIT_PROGRAM_..._UNKNOWN
}

bool ShowsPreset(UnitFileState state) {
  return state != UnitFileState::kAlias && state != UnitFileState::kStatic &&
         state != UnitFileState::kGenerated &&
         state != UnitFileState::kTransient;
}

bool TypeWanted(const SystemctlCommand& c, absl::string_view unit) {
  if (c.types.empty()) return true;
  for (const std::string& shown_type : c.types) {
    absl::string_view type =
        absl::string_view(shown_type).substr(shown_type.find('\t') + 1);
    if (absl::EndsWith(unit, absl::StrCat(".", type))) return true;
  }
  return false;
}

int ListUnitFiles(const SystemctlCommand& c) {
  UnitInstaller installer(PathsOf(c));
  struct Row {
    std::string unit, state, preset;
  };
  std::vector<Row> rows;
  for (const auto& [unit, state] : installer.List()) {
    if (!TypeWanted(c, unit)) continue;
    const std::string word(UnitFileStateName(state));
    if (!c.states.empty() &&
        std::find(c.states.begin(), c.states.end(), word) == c.states.end()) {
      continue;
    }
    rows.push_back(
        {faultctl::DisplayText(unit), word,
         ShowsPreset(state) ? std::string(installer.PresetOf(unit)) : "-"});
  }
  size_t unit_width = 9, state_width = 5;  // "UNIT FILE", "STATE"
  for (const Row& r : rows) {
    unit_width = std::max(unit_width, r.unit.size());
    state_width = std::max(state_width, r.state.size());
  }
  auto pad = [](const std::string& s, size_t width) {
    return absl::StrCat(s, std::string(width - s.size() + 1, ' '));
  };
  std::string text;
  if (!c.no_legend) {
    absl::StrAppend(&text, pad("UNIT FILE", unit_width),
                    pad("STATE", state_width), "VENDOR PRESET\n");
  }
  for (const Row& r : rows) {
    absl::StrAppend(&text, pad(r.unit, unit_width), pad(r.state, state_width),
                    r.preset, "\n");
  }
  if (!c.no_legend) {
    absl::StrAppend(&text, "\n", rows.size(), " unit files listed.\n");
  }
  Out(text);
  return kExitSuccess;
}

int Cat(const SystemctlCommand& c, absl::string_view program) {
  UnitInstaller installer(PathsOf(c));
  bool first = true;
  for (const std::string& unit : c.unit_files) {
    fault::StatusOr<std::vector<std::string>> files = installer.Files(unit);
    if (!files.ok()) {
      Err(absl::StrCat(program, ": ",
                       faultctl::DisplayText(files.status().message())));
      return kExitFailure;
    }
    std::string text;
    if (!first) text = "\n";
    first = false;
    for (size_t i = 0; i < files->size(); ++i) {
      const std::string& path = (*files)[i];
      fault::StatusOr<std::string> body = ReadUnitText(installer.Host(path));
      if (!body.ok()) {
        Err(absl::StrCat(program, ": ", faultctl::DisplayText(path), ": ",
                         body.status().message()));
        return kExitFailure;
      }
      absl::StrAppend(&text, i == 0 ? "" : "\n", "# ",
                      faultctl::DisplayText(path), "\n", *body);
    }
    Out(text);
  }
  return kExitSuccess;
}

}  // namespace

int RunUnitFileVerb(const SystemctlCommand& c, absl::string_view program,
                    const InstallHooks& hooks) {
  switch (c.verb) {
    case SystemctlVerb::kIsEnabled:
      return IsEnabled(c);
    case SystemctlVerb::kListUnitFiles:
      return ListUnitFiles(c);
    case SystemctlVerb::kCat:
      return Cat(c, program);
    default:
      return Change(c, program, hooks);
  }
}

bool MaskedUnit(absl::string_view unit, const std::string& root) {
  InstallPaths paths;
  paths.root = root;
  const UnitFileState state = UnitInstaller(paths).State(unit);
  return state == UnitFileState::kMasked ||
         state == UnitFileState::kMaskedRuntime;
}

}  // namespace faultinit::systemctl
