#include "init/system/standard_targets.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "init/system/source_digest.h"
#include "init/system/target_unit.h"

namespace faultinit {
namespace {

// From systemd's units/*.target (see the header for what is left out).
constexpr StandardTarget kStandardTargets[] = {
    {"basic.target",
     "[Unit]\nDescription=Basic System\nRequires=sysinit.target\n"
     "After=sysinit.target\n"
     "Wants=sockets.target timers.target paths.target slices.target\n"
     "After=sockets.target paths.target slices.target\n"},
    {"emergency.target", "[Unit]\nDescription=Emergency Mode\n"},
    {"getty.target", "[Unit]\nDescription=Login Prompts\n"},
    {"graphical.target",
     "[Unit]\nDescription=Graphical Interface\nRequires=multi-user.target\n"
     "Conflicts=rescue.target\nAfter=multi-user.target rescue.target\n"
     "AllowIsolate=yes\n"},
    {"local-fs-pre.target",
     "[Unit]\nDescription=Preparation for Local File Systems\n"
     "DefaultDependencies=no\nRefuseManualStart=yes\n"},
    {"local-fs.target",
     "[Unit]\nDescription=Local File Systems\nDefaultDependencies=no\n"
     "Conflicts=shutdown.target\nAfter=local-fs-pre.target\n"
     "Before=shutdown.target\n"},
    // systemd installs multi-user.target.wants/getty.target.
    {"multi-user.target",
     "[Unit]\nDescription=Multi-User System\nRequires=basic.target\n"
     "Wants=getty.target\n"
     "Conflicts=rescue.target\nAfter=basic.target rescue.target\n"
     "AllowIsolate=yes\n"},
    {"network-online.target",
     "[Unit]\nDescription=Network is Online\nAfter=network.target\n"},
    {"network-pre.target",
     "[Unit]\nDescription=Preparation for Network\nRefuseManualStart=yes\n"},
    {"network.target",
     "[Unit]\nDescription=Network\nAfter=network-pre.target\n"
     "RefuseManualStart=yes\n"},
    {"nss-lookup.target",
     "[Unit]\nDescription=Host and Network Name Lookups\n"
     "RefuseManualStart=yes\n"},
    {"paths.target", "[Unit]\nDescription=Path Units\n"},
    {"remote-fs-pre.target",
     "[Unit]\nDescription=Preparation for Remote File Systems\n"
     "RefuseManualStart=yes\n"},
    {"remote-fs.target",
     "[Unit]\nDescription=Remote File Systems\nDefaultDependencies=no\n"
     "Conflicts=shutdown.target\nAfter=remote-fs-pre.target\n"
     "Before=shutdown.target\n"},
    {"rescue.target",
     "[Unit]\nDescription=Rescue Mode\nRequires=sysinit.target\n"
     "After=sysinit.target\nAllowIsolate=yes\n"},
    {"shutdown.target",
     "[Unit]\nDescription=System Shutdown\nDefaultDependencies=no\n"
     "RefuseManualStart=yes\n"},
    {"slices.target", "[Unit]\nDescription=Slice Units\n"},
    {"sockets.target", "[Unit]\nDescription=Sockets\n"},
    {"swap.target", "[Unit]\nDescription=Swaps\n"},
    {"sysinit.target",
     "[Unit]\nDescription=System Initialization\nDefaultDependencies=no\n"
     "Conflicts=emergency.target shutdown.target\n"
     "Wants=local-fs.target swap.target\n"
     "After=local-fs.target swap.target emergency.target\n"
     "Before=shutdown.target\n"},
    {"time-set.target",
     "[Unit]\nDescription=System Time Set\nRefuseManualStart=yes\n"},
    {"time-sync.target",
     "[Unit]\nDescription=System Time Synchronized\nRefuseManualStart=yes\n"
     "After=time-set.target\nWants=time-set.target\n"},
    {"timers.target",
     "[Unit]\nDescription=Timer Units\nDefaultDependencies=no\n"
     "Conflicts=shutdown.target\nBefore=shutdown.target\n"},
};

}  // namespace

absl::Span<const StandardTarget> StandardTargets() { return kStandardTargets; }

std::string StandardTargetPath(absl::string_view name) {
  return absl::StrCat("[built-in]/", name);
}

void ParseStandardTarget(const StandardTarget& target, ParsedUnit* out) {
  ParseUnitInto(StandardTargetPath(target.name), target.text, out);
  MakeTarget(out);
  out->source = SourceDigest(target.text);
}

}  // namespace faultinit
