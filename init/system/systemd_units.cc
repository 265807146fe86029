#include "init/system/systemd_units.h"

#include <algorithm>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "init/system/socket_keys.h"
#include "init/system/unit_search_path.h"

namespace faultinit {
namespace {

using R = SystemdUnitReason;

// Sorted by name. Sockets are listed for the socket units' loader: a
// listed socket is not opened (its service would not run).
constexpr SystemdUnitPolicy kPolicies[] = {
    {"systemd-boot-check-no-failures.service", R::kUnsupported,
     "it asks systemd's D-Bus API for failed units"},
    {"systemd-exit.service", R::kReplaced,
     "faultinit ends a container itself (SuccessAction=exit, faultctl)"},
    {"systemd-firstboot.service", R::kUnsupported,
     "faultinit does not initialize /etc/machine-id, so ConditionFirstBoot= "
     "would hold on every boot and it would prompt on the console each time"},
    {"systemd-fsck-root.service", R::kUnsupported,
     "faultinit checks no file system: its fstab step remounts / before any "
     "unit starts, too late for a check"},
    {"systemd-fsck@.service", R::kUnsupported,
     "faultinit checks no file system: its fstab step mounts before any unit "
     "starts, too early for a check"},
    {"systemd-halt.service", R::kReplaced,
     "faultinit halts itself (faultctl halt, systemctl halt)"},
    {"systemd-initctl.service", R::kUnsupported,
     "it forwards /dev/initctl requests to systemd's D-Bus API"},
    {"systemd-initctl.socket", R::kUnsupported,
     "its service forwards /dev/initctl requests to systemd's D-Bus API"},
    {"systemd-journal-flush.service", R::kUnsupported,
     "it asks systemd-journald, which faultinit does not run, to flush"},
    {"systemd-journald-audit.socket", R::kUnsupported,
     "systemd-journald's socket; faultinit does not run systemd-journald"},
    {"systemd-journald-dev-log.socket", R::kUnsupported,
     "systemd-journald's socket; faultinit does not run systemd-journald"},
    {"systemd-journald-varlink@.socket", R::kUnsupported,
     "systemd-journald's socket; faultinit does not run systemd-journald"},
    {"systemd-journald.service", R::kUnsupported,
     "it takes its sockets and the services' output streams from systemd as "
     "PID 1; faultinit logs the services' output itself"},
    {"systemd-journald.socket", R::kUnsupported,
     "systemd-journald's socket; faultinit does not run systemd-journald"},
    {"systemd-journald@.service", R::kUnsupported,
     "it takes its sockets from systemd as PID 1"},
    {"systemd-kexec.service", R::kUnsupported,
     "faultinit does not kexec (its shutdown reboots, powers off or halts)"},
    {"systemd-logind.service", R::kUnsupported,
     "it needs systemd's cgroup hierarchy and D-Bus API (it makes a scope "
     "for every session through systemd)"},
    {"systemd-poweroff.service", R::kReplaced,
     "faultinit powers off itself (faultctl poweroff, systemctl poweroff)"},
    {"systemd-reboot.service", R::kReplaced,
     "faultinit reboots itself (faultctl reboot, systemctl reboot)"},
    {"systemd-remount-fs.service", R::kReplaced,
     "faultinit's fstab step remounts / and the API file systems with their "
     "/etc/fstab options before any unit starts"},
    {"systemd-update-utmp-runlevel.service", R::kUnsupported,
     "it asks systemd's D-Bus API for the runlevel"},
    {"systemd-update-utmp.service", R::kUnsupported,
     "it asks systemd's D-Bus API (its private bus) for the boot time and "
     "exits 1 without it, at boot and at shutdown; before sysinit.target no "
     "D-Bus listens"},
    {"user-runtime-dir@.service", R::kUnsupported,
     "systemd-logind's, for sessions; faultinit does not run systemd-logind"},
    {"user@.service", R::kUnsupported,
     "systemd's per-user manager, started by systemd-logind, which faultinit "
     "does not run"},
};

// The name a table entry has for `name`: a template's instance as its
// template.
std::string PolicyName(absl::string_view name) {
  const size_t at = name.find('@');
  const size_t dot = name.rfind('.');
  if (at == absl::string_view::npos || dot == absl::string_view::npos ||
      dot < at) {
    return std::string(name);
  }
  return absl::StrCat(name.substr(0, at + 1), name.substr(dot));
}

// A Dependency's name with its suffix (a service's is kept without).
std::string FullName(absl::string_view dependency) {
  if (!UnitTypeOf(dependency).empty()) return std::string(dependency);
  return absl::StrCat(dependency, ".service");
}

// The policy that keeps a socket unit closed: its own entry, else its
// service's (Service=, or the template of an Accept=yes socket).
const SystemdUnitPolicy* SocketPolicy(const Unit& socket) {
  if (const SystemdUnitPolicy* own = FindSystemdUnitPolicy(socket.name)) {
    return own;
  }
  if (socket.socket == nullptr) return nullptr;
  return FindSystemdUnitPolicy(
      socket.socket->accept
          ? AcceptTemplateName(socket)
          : absl::StrCat(SocketServiceName(socket), ".service"));
}

// The socket units the table names, or whose service it names: not opened
// (their service would not run to take them), one line each.
void SkipSystemdSockets(LoadedUnits* units) {
  std::vector<ParsedUnit> kept;
  kept.reserve(units->sockets.size());
  for (ParsedUnit& parsed : units->sockets) {
    const SystemdUnitPolicy* policy = SocketPolicy(parsed.unit);
    if (policy == nullptr) {
      kept.push_back(std::move(parsed));
      continue;
    }
    units->diagnostics.push_back(Diagnostic{
        parsed.unit.path, 0, Severity::kWarning,
        absl::StrCat(
            parsed.unit.name, ": not opened: ",
            policy->name == parsed.unit.name
                ? std::string(policy->why)
                : absl::StrCat(policy->name, " is not started: ", policy->why),
            " (docs/units.md, systemd's own units)")});
  }
  units->sockets = std::move(kept);
}

}  // namespace

const SystemdUnitPolicy* FindSystemdUnitPolicy(absl::string_view name) {
  const std::string key = PolicyName(name);
  for (const SystemdUnitPolicy& p : kPolicies) {
    if (p.name == key) return &p;
  }
  return nullptr;
}

absl::Span<const SystemdUnitPolicy> SystemdUnitPolicies() { return kPolicies; }

void SkipSystemdUnits(LoadedUnits* units) {
  if (!units->layout) return;
  std::set<std::string, std::less<>> skipped;  // without ".service"
  std::vector<ParsedUnit> kept;
  kept.reserve(units->units.size());
  for (ParsedUnit& parsed : units->units) {
    const SystemdUnitPolicy* policy =
        FindSystemdUnitPolicy(FullName(parsed.unit.name));
    if (policy == nullptr) {
      kept.push_back(std::move(parsed));
      continue;
    }
    const bool at_boot = std::find(units->boot.begin(), units->boot.end(),
                                   parsed.unit.name) != units->boot.end();
    if (at_boot) {
      units->diagnostics.push_back(Diagnostic{
          parsed.unit.path, 0, Severity::kWarning,
          absl::StrCat(parsed.unit.name, ".service: not started: ", policy->why,
                       " (docs/units.md, systemd's own units)")});
    }
    skipped.insert(parsed.unit.name);
  }
  units->units = std::move(kept);
  SkipSystemdSockets(units);
  if (skipped.empty()) return;
  auto is_skipped = [&](const std::string& name) {
    return skipped.count(name) != 0;
  };
  units->boot.erase(
      std::remove_if(units->boot.begin(), units->boot.end(), is_skipped),
      units->boot.end());
  auto drop = [&](std::vector<Dependency>* list) {
    list->erase(
        std::remove_if(list->begin(), list->end(),
                       [&](const Dependency& d) { return is_skipped(d.name); }),
        list->end());
  };
  for (ParsedUnit& parsed : units->units) {
    Unit& u = parsed.unit;
    for (std::vector<Dependency>* list :
         {&u.after, &u.before, &u.required, &u.wanted, &u.jobs.binds_to,
          &u.jobs.part_of, &u.jobs.conflicts, &u.jobs.requisite,
          &u.jobs.on_failure, &u.jobs.on_success, &u.jobs.propagates_reload_to,
          &u.jobs.reload_propagated_from}) {
      drop(list);
    }
  }
}

}  // namespace faultinit
