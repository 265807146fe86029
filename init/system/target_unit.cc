#include "init/system/target_unit.h"

#include <algorithm>
#include <map>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "init/system/exec_command.h"
#include "init/system/unit_name.h"
#include "runtime/duration.h"

namespace faultinit {
namespace {

bool Names(const std::vector<Dependency>& list, absl::string_view name) {
  return std::any_of(list.begin(), list.end(),
                     [&](const Dependency& d) { return d.name == name; });
}

// Adds `name` to `list` unless it is there; line 0: no line wrote it.
void Add(std::vector<Dependency>* list, absl::string_view name) {
  if (!Names(*list, name)) list->push_back(Dependency{std::string(name), 0});
}

}  // namespace

std::string TargetFileNameProblem(absl::string_view name) {
  if (!absl::ConsumeSuffix(&name, ".target")) {
    return "the name does not end in \".target\"";
  }
  // The rules of a unit name are the same whatever its type.
  std::string why = UnitFileNameProblem(absl::StrCat(name, ".service"));
  absl::StrReplaceAll({{".service", ".target"}}, &why);
  return why;
}

bool IsTargetName(absl::string_view name) {
  return absl::EndsWith(name, ".target");
}

void MakeTarget(ParsedUnit* parsed) {
  Unit& unit = parsed->unit;
  auto& d = parsed->diagnostics;
  // The service parser's: a target has no ExecStart=, and its name ends in
  // ".target" (checked as the same name would be for a service).
  d.erase(std::remove_if(
              d.begin(), d.end(),
              [](const Diagnostic& x) {
                return x.severity == Severity::kError &&
                       (absl::StartsWith(x.message, "missing ExecStart=") ||
                        (absl::StartsWith(x.message, "invalid unit name") &&
                         absl::StrContains(x.message, "\".target\" is not")));
              }),
          d.end());
  if (std::string why = TargetFileNameProblem(unit.name); !why.empty()) {
    d.insert(d.begin(),
             Diagnostic{unit.path, 0, Severity::kError,
                        absl::StrCat("invalid unit name ", QuoteText(unit.name),
                                     ": ", why)});
  }
  bool commands = false;
  for (std::vector<ExecLine>* lines :
       {&unit.exec_condition, &unit.exec_start_pre, &unit.exec_start,
        &unit.exec_start_post, &unit.exec_stop, &unit.exec_reload,
        &unit.exec_stop_post}) {
    commands = commands || !lines->empty();
    lines->clear();
  }
  if (commands) {
    d.push_back(Diagnostic{unit.path, 0, Severity::kWarning,
                           "a target runs no command: its Exec*= lines are "
                           "ignored"});
  }
  unit.type = ServiceType::kOneshot;
  unit.remain_after_exit = true;
  unit.timeout_start = fault::InfiniteDuration();
  unit.restart = RestartPolicy::kNo;
}

void AddDefaultDependencies(std::vector<ParsedUnit>* units) {
  std::map<absl::string_view, const Unit*> by_name;
  for (const ParsedUnit& p : *units) by_name.emplace(p.unit.name, &p.unit);
  // What each target is to be ordered after, decided on the units as
  // written (before any default is added), as systemd takes its snapshot.
  std::map<std::string, std::vector<std::string>> target_after;
  for (const ParsedUnit& p : *units) {
    const Unit& t = p.unit;
    if (!t.default_dependencies || !IsTargetName(t.name)) continue;
    for (const std::vector<Dependency>* list :
         {&t.wanted, &t.required, &t.jobs.requisite, &t.jobs.binds_to}) {
      for (const Dependency& d : *list) {
        auto it = by_name.find(d.name);
        if (it == by_name.end() || !it->second->default_dependencies) continue;
        const Unit& u = *it->second;
        if (Names(t.before, u.name) || Names(u.after, t.name)) continue;
        // A service's own defaults (below) order it after sysinit.target
        // and basic.target: systemd adds the targets' defaults once those
        // are in place, and its loop check sees them.
        if (!IsTargetName(u.name) &&
            (t.name == kSysinitTarget || t.name == kBasicTarget)) {
          continue;
        }
        target_after[t.name].push_back(u.name);
      }
    }
  }
  for (ParsedUnit& p : *units) {
    Unit& u = p.unit;
    if (!u.default_dependencies) continue;
    if (IsTargetName(u.name)) {
      for (const std::string& name : target_after[u.name]) Add(&u.after, name);
      if (u.name == kShutdownTarget) continue;
    } else {  // a service: the layout loads no other type
      Add(&u.required, kSysinitTarget);
      Add(&u.after, kSysinitTarget);
      Add(&u.after, kBasicTarget);
    }
    Add(&u.jobs.conflicts, kShutdownTarget);
    Add(&u.before, kShutdownTarget);
  }
}

}  // namespace faultinit
