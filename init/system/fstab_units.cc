#include "init/system/fstab_units.h"

#include "absl/strings/str_cat.h"
#include "init/system/unit_name.h"

namespace faultinit {
namespace {

// One word of a command line, quoted so that the unit parser gives it back
// as it is: no specifier (%), escape or quote is read in it (the commands'
// `:` prefix keeps their $ as written).
std::string Quoted(absl::string_view word) {
  std::string out = "\"";
  for (char c : word) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '%':
        out += "%%";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out.push_back(c);
    }
  }
  out += '"';
  return out;
}

// Text for Description=: no specifier is read in it.
std::string Described(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '%') out += '%';
    if (c == '\n') continue;
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string RemoteMountUnitName(absl::string_view where) {
  return absl::StrCat("remote-mount-", EscapeUnitNamePath(where), ".service");
}

std::vector<GeneratedUnit> RemoteMountUnits(absl::string_view fstab_path,
                                            const Fstab& fstab) {
  std::vector<GeneratedUnit> out;
  for (const FstabEntry& e : fstab.entries) {
    if (!e.remote || e.swap || e.options.noauto) continue;
    std::string mount = absl::StrCat(kMountProgram);
    if (!e.type.empty() && e.type != "auto") {
      absl::StrAppend(&mount, " -t ", Quoted(e.type));
    }
    if (!e.options_text.empty()) {
      absl::StrAppend(&mount, " -o ", Quoted(e.options_text));
    }
    absl::StrAppend(&mount, " ", Quoted(e.spec), " ", Quoted(e.where));
    GeneratedUnit& unit = out.emplace_back();
    unit.name =
        absl::StrCat("remote-mount-", EscapeUnitNamePath(e.where), ".service");
    unit.wanted_by = "remote-fs.target";
    // systemd.mount(5): without `nofail` the target requires the mount and
    // is ordered after it; with it, only wants it and does not wait for it.
    unit.required = !e.options.nofail;
    unit.text = absl::StrCat(
        "[Unit]\nDescription=Remote file system ", Described(e.where), " (",
        Described(fstab_path), ":", e.line,
        ")\nDefaultDependencies=no\n"
        "Wants=network-online.target\n"
        "After=network-online.target network.target remote-fs-pre.target\n"
        "Before=",
        unit.required ? "remote-fs.target " : "",
        "shutdown.target\n"
        "Conflicts=shutdown.target\n"
        "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=:",
        mount, "\nExecStop=:", kUmountProgram, " ", Quoted(e.where), "\n");
  }
  return out;
}

}  // namespace faultinit
