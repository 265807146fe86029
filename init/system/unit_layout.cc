#include "init/system/unit_layout.h"

#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <utility>

#include "absl/base/attributes.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "init/system/exec_command.h"
#include "init/system/socket_keys.h"
#include "init/system/source_digest.h"
#include "init/system/standard_targets.h"
#include "init/system/target_unit.h"
#include "init/system/unit_closure.h"
#include "init/system/unit_dropins.h"
#include "init/system/unit_name.h"
#include "init/system/unit_search_path.h"
#include "init/system/unit_template.h"

namespace faultinit {
namespace {

constexpr absl::string_view kServiceSuffix = ".service";

// The full name of a dependency as Unit keeps it (a service without its
// suffix, other types with theirs).
std::string FullName(absl::string_view dependency) {
  if (!UnitTypeOf(dependency).empty()) return std::string(dependency);
  return absl::StrCat(dependency, kServiceSuffix);
}

constexpr absl::string_view kTargetSuffix = ".target";

// Where a generated unit's file would be (systemd's generators write
// theirs there): it names the unit in diagnostics; nothing is written.
constexpr absl::string_view kGeneratorDirectory = "/run/systemd/generator";

// A name as Unit keeps it: a service without its suffix, others with.
std::string KeptName(absl::string_view name) {
  if (absl::EndsWith(name, kServiceSuffix)) {
    name.remove_suffix(kServiceSuffix.size());
  }
  return std::string(name);
}

// The entries of `name`'s NAME.wants/ and NAME.requires/ (and its
// aliases') become Wants= and Requires= of the unit, as systemd reads
// them: a target's enabled units are its dependencies at run time too
// (`faultctl start multi-user.target`, default dependencies' ordering).
void AddDirectoryDependencies(const UnitSearchPath& path,
                              const std::string& name,
                              const std::vector<std::string>& aliases,
                              Unit* unit) {
  std::vector<std::string> names = {name};
  names.insert(names.end(), aliases.begin(), aliases.end());
  for (const std::string& n : names) {
    DirectoryDependencies found =
        DependencyDirectories(path.directories, n, name);
    auto add = [](std::vector<Dependency>* list, const std::string& entry) {
      std::string kept = KeptName(entry);
      for (const Dependency& d : *list) {
        if (d.name == kept) return;
      }
      list->push_back(Dependency{std::move(kept), 0});
    };
    for (const std::string& w : found.wants) add(&unit->wanted, w);
    for (const std::string& r : found.requires_) add(&unit->required, r);
  }
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
  for (const DropInFile& drop_in :
       FindDropIns(path.directories, name, aliases)) {
    if (drop_in.masked) continue;
    fault::StatusOr<std::string> text = ReadUnitText(drop_in.path);
    if (!text.ok()) {
      unreadable.push_back(Diagnostic{drop_in.path, 0, Severity::kError,
                                      std::string(text.status().message())});
      continue;
    }
    drop_ins.push_back(DropInText{drop_in.path, std::move(*text)});
  }
  const std::string file_name = UnitNameFromPath(file.path) + ".service";
  if (IsTemplateName(file_name) && IsInstanceName(name)) {
    // An instance read from its template: named, and specified, as itself.
    ParseInstanceWithDropInsInto(
        file.path,
        absl::string_view(name).substr(0, name.size() - kServiceSuffix.size()),
        *contents, drop_ins, out);
  } else {
    ParseUnitWithDropInsInto(file.path, *contents, drop_ins, out);
  }
  out->diagnostics.insert(out->diagnostics.end(), unreadable.begin(),
                          unreadable.end());
  // The digest of the file's text, then each drop-in's path and text.
  if (drop_ins.empty()) {
    out->source = SourceDigest(*contents);
  } else {
    std::string source = std::move(*contents);
    for (const DropInText& d : drop_ins) {
      absl::StrAppend(&source, std::string(1, '\0'), d.path,
                      std::string(1, '\0'), d.contents);
    }
    out->source = SourceDigest(source);
  }
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

// The service a socket unit activates (Service=, or its own name), by the
// name its file has: Debian's syslog.socket says Service=syslog.service,
// an alias link to rsyslog.service.
void ResolveSocketService(const UnitSearchPath& path, Unit* socket) {
  if (socket->socket == nullptr || socket->socket->accept) return;
  std::optional<ResolvedUnitFile> resolved =
      path.Resolve(absl::StrCat(SocketServiceName(*socket), kServiceSuffix));
  if (!resolved.has_value() ||
      !absl::EndsWith(resolved->name, kServiceSuffix)) {
    return;
  }
  std::string name = KeptName(resolved->name);
  if (name != SocketServiceName(*socket)) socket->socket->service = name;
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

// The instances `unit` names in any dependency (with their suffix).
void NamedInstances(const Unit& unit, std::deque<std::string>* out) {
  for (const std::vector<Dependency>* list :
       {&unit.after, &unit.before, &unit.required, &unit.wanted,
        &unit.jobs.binds_to, &unit.jobs.part_of, &unit.jobs.conflicts,
        &unit.jobs.requisite, &unit.jobs.on_failure, &unit.jobs.on_success,
        &unit.jobs.propagates_reload_to, &unit.jobs.reload_propagated_from}) {
    for (const Dependency& d : *list) {
      std::string name = FullName(d.name);
      if (IsInstanceName(name)) out->push_back(std::move(name));
    }
  }
}

// A .wants/ or .requires/ entry naming a template without an instance
// works as in systemd, but is seldom what was meant (DefaultInstance= does
// not apply to it): a warning says which instance it stands for.
Diagnostic TemplateLinkWarning(const TemplateLink& link) {
  if (link.instance.empty()) {
    return Diagnostic{link.path, 0, Severity::kWarning,
                      "a template linked without an instance names no valid "
                      "instance of its directory's unit; ignored"};
  }
  return Diagnostic{
      link.path, 0, Severity::kWarning,
      absl::StrCat("a template linked without an instance stands for ",
                   QuoteText(link.instance),
                   ", as in systemd (the instance of the directory's unit, "
                   "else its name; DefaultInstance= applies only to "
                   "`systemctl enable`)")};
}

// At most this many instances are read from templates in one load: a
// template that names an instance of itself with a longer instance
// (Wants=a@%i-x.service) ends at the name length limit, this bounds the
// work before that.
constexpr size_t kMaxTemplateInstances = 4096;

std::vector<std::string> WantedNames(const Unit& unit) {
  std::vector<std::string> out;
  for (const Dependency& d : unit.wanted) out.push_back(FullName(d.name));
  for (const Dependency& d : unit.required) out.push_back(FullName(d.name));
  return out;
}

}  // namespace

ABSL_ATTRIBUTE_NOINLINE LoadedUnits LoadUnitLayout(
    const std::vector<std::string>& search_path, absl::string_view start_unit,
    const LayoutInstances& instances, const UnitFileNames* only) {
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
  // Units not read (`only`): dependencies on them are satisfied.
  std::vector<std::string> not_read;
  auto skip = [&](const std::string& name) {
    if (only == nullptr || only->count(name) != 0) return false;
    not_read.push_back(KeptName(name));
    return true;
  };
  for (const auto& [name, file] : path.files) {
    const bool target = absl::EndsWith(name, kTargetSuffix);
    if ((!absl::EndsWith(name, kServiceSuffix) && !target) ||
        file.kind == UnitFile::Kind::kAlias) {
      continue;
    }
    if (absl::EndsWith(name, "@.service")) continue;  // a template
    if (absl::EndsWith(name, "@.target")) continue;
    if (file.kind == UnitFile::Kind::kMasked) {
      masked.push_back(KeptName(name));
      continue;
    }
    if (std::string why =
            target ? TargetFileNameProblem(name) : UnitFileNameProblem(name);
        !why.empty()) {
      skipped.push_back(Diagnostic{
          file.path, 0, Severity::kError,
          absl::StrCat("unit file ", QuoteText(name), " not loaded: ", why)});
      continue;
    }
    if (skip(name)) continue;
    ReadUnit(path, name, file, aliases_of(name), &units.emplace_back());
    if (target) MakeTarget(&units.back());
    AddDirectoryDependencies(path, name, aliases_of(name), &units.back().unit);
    ResolveAliases(path, &units.back().unit);
  }
  // systemd's standard targets where the search path has no file of the
  // name (a masked one stays masked).
  for (const StandardTarget& standard : StandardTargets()) {
    if (path.Resolve(std::string(standard.name)).has_value()) continue;
    if (skip(std::string(standard.name))) continue;
    ParseStandardTarget(standard, &units.emplace_back());
    AddDirectoryDependencies(path, std::string(standard.name), no_aliases,
                             &units.back().unit);
    ResolveAliases(path, &units.back().unit);
  }
  // What generators make (unit_template.h's GeneratedUnit), where no file
  // has the name, each wanted (or required) by its unit.
  std::map<std::string, std::vector<std::string>> generated_wants;
  std::set<std::string> generated_required;
  for (const GeneratedUnit& g : instances.generated) {
    std::vector<std::string>& wanted = generated_wants[g.wanted_by];
    if (path.Resolve(g.name).has_value() ||
        std::find(wanted.begin(), wanted.end(), g.name) != wanted.end()) {
      continue;
    }
    ParseUnitInto(absl::StrCat(kGeneratorDirectory, "/", g.name), g.text,
                  &units.emplace_back());
    units.back().source = SourceDigest(g.text);
    AddDirectoryDependencies(path, g.name, no_aliases, &units.back().unit);
    ResolveAliases(path, &units.back().unit);
    wanted.push_back(g.name);
    if (g.required) generated_required.insert(g.name);
  }
  for (ParsedUnit& parsed : units) {
    const std::string full = FullName(parsed.unit.name);
    auto it = generated_wants.find(full);
    if (it == generated_wants.end()) continue;
    for (const std::string& name : it->second) {
      (generated_required.count(name) != 0 ? parsed.unit.required
                                           : parsed.unit.wanted)
          .push_back(Dependency{KeptName(name), 0});
    }
  }
  // Instances of templates (unit_template.h): those named by the units
  // read so far, by .wants/ and .requires/ entries, by a generator or on
  // demand, and then those the instances name.
  std::deque<std::string> named;
  std::vector<TemplateLink> template_links;
  for (const std::string& name :
       DependencyDirectoryInstances(search_path, &template_links)) {
    named.push_back(name);
  }
  for (const TemplateLink& link : template_links) {
    skipped.push_back(TemplateLinkWarning(link));
  }
  named.insert(named.end(), instances.load.begin(), instances.load.end());
  // With `only`, its instances: a unit not read may be what named one.
  if (only != nullptr) {
    for (const std::string& name : *only) {
      if (IsInstanceName(name)) named.push_back(name);
    }
  }
  for (const auto& [unit, wanted] : instances.wants) {
    named.insert(named.end(), wanted.begin(), wanted.end());
  }
  for (const ParsedUnit& parsed : units) NamedInstances(parsed.unit, &named);
  std::set<std::string> seen;
  for (; !named.empty(); named.pop_front()) {
    const std::string name = std::move(named.front());
    if (!absl::EndsWith(name, kServiceSuffix) || !seen.insert(name).second) {
      continue;
    }
    // An instance with an entry of its own was read above (or is masked,
    // or an alias).
    std::optional<InstanceFile> file = FindInstanceFile(path, name);
    if (!file.has_value() || !file->from_template) continue;
    if (file->file->kind == UnitFile::Kind::kMasked) {
      masked.push_back(name.substr(0, name.size() - kServiceSuffix.size()));
      continue;
    }
    if (seen.size() > kMaxTemplateInstances) {
      skipped.push_back(Diagnostic{
          file->file->path, 0, Severity::kError,
          absl::StrCat("instance ", QuoteText(name), " not loaded: over ",
                       kMaxTemplateInstances, " instances of templates")});
      continue;
    }
    if (skip(name)) continue;
    ReadUnit(path, name, *file->file, aliases_of(name), &units.emplace_back());
    AddDirectoryDependencies(path, name, aliases_of(name), &units.back().unit);
    ResolveAliases(path, &units.back().unit);
    NamedInstances(units.back().unit, &named);
  }
  AddDefaultDependencies(&units);
  const std::set<std::string, std::less<>> masked_set(masked.begin(),
                                                      masked.end());
  for (ParsedUnit& parsed : units) DropMasked(masked_set, &parsed);
  // The socket units of the search path: a dependency on one is satisfied.
  std::vector<std::string> sockets;
  for (const auto& [name, file] : path.files) {
    if (absl::EndsWith(name, ".socket") && file.kind == UnitFile::Kind::kFile) {
      sockets.push_back(name);
    }
  }
  sockets.insert(sockets.end(), not_read.begin(), not_read.end());
  std::vector<std::string>().swap(not_read);
  LoadedUnits out =
      LinkUnits(absl::StrJoin(search_path, ":"), std::move(units), sockets);
  out.diagnostics.insert(out.diagnostics.begin(), skipped.begin(),
                         skipped.end());
  out.layout = true;
  out.masked = std::move(masked);
  auto read_socket = [&](const std::string& name) {
    if (!absl::EndsWith(name, ".socket")) return;
    std::optional<ResolvedUnitFile> resolved = path.Resolve(name);
    if (resolved.has_value() && resolved->file->kind == UnitFile::Kind::kFile) {
      ParsedUnit& socket = out.sockets.emplace_back();
      ReadUnit(path, name, *resolved->file, aliases_of(name), &socket);
      ResolveSocketService(path, &socket.unit);
    }
  };
  if (only != nullptr) {
    // The sockets named; the start unit and the boot order are the
    // earlier load's (a unit not read may be on the way to one).
    for (const std::string& name : *only) read_socket(name);
    return out;
  }

  // Without default.target in the search path: multi-user.target
  // (standard_targets.h, kFallbackStartUnit).
  if (start_unit == kDefaultStartUnit &&
      !path.Resolve(kDefaultStartUnit).has_value()) {
    start_unit = kFallbackStartUnit;
  }
  BootClosure closure = PullIn(path, start_unit, [&](const std::string& name) {
    // Services and targets (built in or not) are loaded units now: their
    // Wants= and Requires=, with their .wants/ entries and defaults.
    const ParsedUnit* unit = out.Find(KeptName(name));
    std::vector<std::string> wanted =
        unit == nullptr ? std::vector<std::string>() : WantedNames(unit->unit);
    // What a generator adds (unit_template.h's LayoutInstances::wants).
    if (auto it = instances.wants.find(name); it != instances.wants.end()) {
      wanted.insert(wanted.end(), it->second.begin(), it->second.end());
    }
    if (auto it = generated_wants.find(name); it != generated_wants.end()) {
      wanted.insert(wanted.end(), it->second.begin(), it->second.end());
    }
    return wanted;
  });
  out.start_unit = closure.start;
  if (!path.Resolve(closure.start).has_value() &&
      out.Find(KeptName(closure.start)) == nullptr) {
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
  // The socket units it pulls in (socket_keys.h), for socket activation,
  // and those loaded on demand.
  std::set<std::string> socket_names(closure.units.begin(),
                                     closure.units.end());
  socket_names.insert(instances.load.begin(), instances.load.end());
  for (const std::string& name : socket_names) read_socket(name);
  std::set<std::string> boot;
  for (const std::string& name : closure.units) {
    if (absl::EndsWith(name, kServiceSuffix) ||
        absl::EndsWith(name, kTargetSuffix)) {
      boot.insert(KeptName(name));
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
