#include "init/system/unit_layout.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/base/attributes.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "init/system/exec_command.h"
#include "init/system/unit_closure.h"
#include "init/system/unit_dropins.h"
#include "init/system/unit_name.h"
#include "init/system/unit_search_path.h"

namespace faultinit {
namespace {

constexpr absl::string_view kServiceSuffix = ".service";

// The full name of a dependency as Unit keeps it (a service without its
// suffix, other types with theirs).
std::string FullName(absl::string_view dependency) {
  if (!UnitTypeOf(dependency).empty()) return std::string(dependency);
  return absl::StrCat(dependency, kServiceSuffix);
}

// Reads `name`'s file at `file.path` and its drop-ins into `*out`.
void ReadUnit(const UnitSearchPath& path, const std::string& name,
              const UnitFile& file, const std::vector<std::string>& aliases,
              ParsedUnit* out) {
  out->unit.path = file.path;
  out->unit.name = UnitNameFromPath(file.path);
  fault::StatusOr<std::string> contents = ReadUnitText(file.path);
  if (!contents.ok()) {
    out->diagnostics.push_back(
        Diagnostic{file.path, 0, Severity::kError,
                   std::string(contents.status().message())});
    return;
  }
  std::vector<DropInText> drop_ins;
  std::vector<Diagnostic> unreadable;
  std::string source = *contents;
  for (const DropInFile& drop_in :
       FindDropIns(path.directories, name, aliases)) {
    if (drop_in.masked) continue;
    fault::StatusOr<std::string> text = ReadUnitText(drop_in.path);
    if (!text.ok()) {
      unreadable.push_back(Diagnostic{drop_in.path, 0, Severity::kError,
                                      std::string(text.status().message())});
      continue;
    }
    absl::StrAppend(&source, std::string(1, '\0'), drop_in.path,
                    std::string(1, '\0'), *text);
    drop_ins.push_back(DropInText{drop_in.path, std::move(*text)});
  }
  ParseUnitWithDropInsInto(file.path, *contents, drop_ins, out);
  out->diagnostics.insert(out->diagnostics.end(), unreadable.begin(),
                          unreadable.end());
  out->source = std::move(source);
}

// Names given through an alias become the unit's own.
void ResolveAliases(const UnitSearchPath& path, Unit* unit) {
  auto resolve = [&](std::vector<Dependency>* list) {
    for (Dependency& d : *list) {
      std::optional<ResolvedUnitFile> resolved = path.Resolve(FullName(d.name));
      if (!resolved.has_value()) continue;
      std::string name = resolved->name;
      if (absl::EndsWith(name, kServiceSuffix)) {
        name.resize(name.size() - kServiceSuffix.size());
      }
      d.name = std::move(name);
    }
  };
  for (std::vector<Dependency>* list :
       {&unit->after, &unit->before, &unit->required, &unit->wanted,
        &unit->jobs.binds_to, &unit->jobs.part_of, &unit->jobs.conflicts,
        &unit->jobs.requisite, &unit->jobs.on_failure, &unit->jobs.on_success,
        &unit->jobs.propagates_reload_to, &unit->jobs.reload_propagated_from}) {
    resolve(list);
  }
}

// Masked services named by `parsed`: Requires= (and BindsTo=, Requisite=)
// one fails the unit, as systemd's start job fails ("Unit x is masked");
// the other dependencies on one are dropped, as systemd ignores them.
void DropMasked(const std::set<std::string, std::less<>>& masked,
                ParsedUnit* parsed) {
  Unit& unit = parsed->unit;
  auto drop = [&](absl::string_view key, std::vector<Dependency>* list,
                  bool required) {
    auto is_masked = [&](const Dependency& d) {
      return masked.count(d.name) != 0;
    };
    for (const Dependency& d : *list) {
      if (required && is_masked(d)) {
        parsed->diagnostics.push_back(
            Diagnostic{unit.path, d.line, Severity::kError,
                       absl::StrCat(key, ": unit ", QuoteText(d.name),
                                    " is masked; this unit cannot start")});
      }
    }
    list->erase(std::remove_if(list->begin(), list->end(), is_masked),
                list->end());
  };
  drop("Requires", &unit.required, true);
  drop("BindsTo", &unit.jobs.binds_to, true);
  drop("Requisite", &unit.jobs.requisite, true);
  drop("Wants", &unit.wanted, false);
  for (std::vector<Dependency>* list :
       {&unit.after, &unit.before, &unit.jobs.part_of, &unit.jobs.conflicts,
        &unit.jobs.on_failure, &unit.jobs.on_success,
        &unit.jobs.propagates_reload_to, &unit.jobs.reload_propagated_from}) {
    drop("", list, false);
  }
}

std::vector<std::string> WantedNames(const Unit& unit) {
  std::vector<std::string> out;
  for (const Dependency& d : unit.wanted) out.push_back(FullName(d.name));
  for (const Dependency& d : unit.required) out.push_back(FullName(d.name));
  return out;
}

}  // namespace

ABSL_ATTRIBUTE_NOINLINE LoadedUnits LoadUnitLayout(
    const std::vector<std::string>& search_path, absl::string_view start_unit) {
  UnitSearchPath path = ScanUnitSearchPath(search_path);
  const auto aliases = path.Aliases();
  const std::vector<std::string> no_aliases;
  auto aliases_of =
      [&](const std::string& name) -> const std::vector<std::string>& {
    auto it = aliases.find(name);
    return it == aliases.end() ? no_aliases : it->second;
  };
  std::vector<ParsedUnit> units;
  std::vector<Diagnostic> skipped = path.diagnostics;
  std::vector<std::string> masked;
  for (const auto& [name, file] : path.files) {
    if (!absl::EndsWith(name, kServiceSuffix) ||
        file.kind == UnitFile::Kind::kAlias) {
      continue;
    }
    if (absl::EndsWith(name, "@.service")) continue;  // a template
    if (file.kind == UnitFile::Kind::kMasked) {
      masked.push_back(name.substr(0, name.size() - kServiceSuffix.size()));
      continue;
    }
    if (std::string why = UnitFileNameProblem(name); !why.empty()) {
      skipped.push_back(Diagnostic{
          file.path, 0, Severity::kError,
          absl::StrCat("unit file ", QuoteText(name), " not loaded: ", why)});
      continue;
    }
    ReadUnit(path, name, file, aliases_of(name), &units.emplace_back());
    ResolveAliases(path, &units.back().unit);
  }
  const std::set<std::string, std::less<>> masked_set(masked.begin(),
                                                      masked.end());
  for (ParsedUnit& parsed : units) DropMasked(masked_set, &parsed);
  LoadedUnits out =
      LinkUnits(absl::StrJoin(search_path, ":"), std::move(units));
  out.diagnostics.insert(out.diagnostics.begin(), skipped.begin(),
                         skipped.end());
  out.layout = true;
  out.masked = std::move(masked);

  BootClosure closure = PullIn(path, start_unit, [&](const std::string& name) {
    if (absl::EndsWith(name, kServiceSuffix)) {
      const ParsedUnit* unit =
          out.Find(name.substr(0, name.size() - kServiceSuffix.size()));
      return unit == nullptr ? std::vector<std::string>()
                             : WantedNames(unit->unit);
    }
    // Another type (a target): its Wants= and Requires= only, read by
    // the service parser, whose other findings do not apply to it.
    std::optional<ResolvedUnitFile> resolved = path.Resolve(name);
    if (!resolved.has_value() ||
        resolved->file->kind != UnitFile::Kind::kFile) {
      return std::vector<std::string>();
    }
    ParsedUnit target;
    ReadUnit(path, name, *resolved->file, aliases_of(name), &target);
    return WantedNames(target.unit);
  });
  out.start_unit = closure.start;
  if (!path.Resolve(closure.start).has_value()) {
    out.diagnostics.push_back(Diagnostic{
        out.directory, 0, Severity::kWarning,
        absl::StrCat("no unit ", QuoteText(start_unit),
                     " in the search path: nothing starts at boot")});
  } else if (std::find(closure.masked.begin(), closure.masked.end(),
                       closure.start) != closure.masked.end()) {
    out.diagnostics.push_back(
        Diagnostic{out.directory, 0, Severity::kWarning,
                   absl::StrCat("the start unit ", QuoteText(closure.start),
                                " is masked: nothing starts at boot")});
  }
  // The socket units it pulls in (socket_keys.h), for socket activation.
  for (const std::string& name : closure.units) {
    if (!absl::EndsWith(name, ".socket")) continue;
    std::optional<ResolvedUnitFile> resolved = path.Resolve(name);
    if (resolved.has_value() && resolved->file->kind == UnitFile::Kind::kFile) {
      ReadUnit(path, name, *resolved->file, aliases_of(name),
               &out.sockets.emplace_back());
    }
  }
  std::set<std::string> boot;
  for (const std::string& name : closure.units) {
    if (absl::EndsWith(name, kServiceSuffix)) {
      boot.insert(name.substr(0, name.size() - kServiceSuffix.size()));
    }
  }
  for (const std::string& name : StartOrder(out)) {
    if (boot.erase(name) != 0) out.boot.push_back(name);
  }
  // Failed units (StartOrder leaves them out) and names no file provides,
  // by name: starting them reports their failure.
  for (const std::string& name : boot) {
    if (out.Find(name) != nullptr) out.boot.push_back(name);
  }
  return out;
}

}  // namespace faultinit
