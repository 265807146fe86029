#include "init/system/unit_closure.h"

#include <dirent.h>

#include <algorithm>
#include <deque>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "init/system/unit_name.h"

namespace faultinit {

std::vector<std::string> DependencyDirectoryEntries(
    const std::vector<std::string>& search_path, absl::string_view name,
    std::vector<std::string>* masked, absl::string_view owner) {
  if (owner.empty()) owner = name;
  std::set<std::string> out;
  for (const std::string& search : search_path) {
    for (absl::string_view suffix : {".wants", ".requires"}) {
      const std::string dir = absl::StrCat(search, "/", name, suffix);
      DIR* stream = opendir(dir.c_str());
      if (stream == nullptr) continue;
      while (struct dirent* entry = readdir(stream)) {
        absl::string_view file = entry->d_name;
        if (UnitTypeOf(file).empty()) continue;
        if (IsMaskedPath(absl::StrCat(dir, "/", file))) {
          if (masked != nullptr) masked->emplace_back(file);
          continue;
        }
        out.emplace(FillTemplate(file, owner));
      }
      closedir(stream);
    }
  }
  return std::vector<std::string>(out.begin(), out.end());
}

DirectoryDependencies DependencyDirectories(
    const std::vector<std::string>& search_path, absl::string_view name,
    absl::string_view owner) {
  if (owner.empty()) owner = name;
  std::set<std::string> found[2];
  for (const std::string& search : search_path) {
    int k = 0;
    for (absl::string_view suffix : {".wants", ".requires"}) {
      const std::string dir = absl::StrCat(search, "/", name, suffix);
      std::set<std::string>& out = found[k++];
      DIR* stream = opendir(dir.c_str());
      if (stream == nullptr) continue;
      while (struct dirent* entry = readdir(stream)) {
        absl::string_view file = entry->d_name;
        if (UnitTypeOf(file).empty()) continue;
        if (IsMaskedPath(absl::StrCat(dir, "/", file))) continue;
        out.emplace(FillTemplate(file, owner));
      }
      closedir(stream);
    }
  }
  return DirectoryDependencies{
      std::vector<std::string>(found[0].begin(), found[0].end()),
      std::vector<std::string>(found[1].begin(), found[1].end())};
}

BootClosure PullIn(const UnitSearchPath& path, absl::string_view start,
                   const WantsOf& wants_of) {
  BootClosure out;
  const auto aliases = path.Aliases();
  std::set<std::string> masked;
  auto canonical = [&](const std::string& name) {
    std::optional<ResolvedUnitFile> resolved = path.Resolve(name);
    return resolved.has_value() ? resolved->name : name;
  };
  out.start = canonical(std::string(start));
  std::deque<std::string> queue = {out.start};
  while (!queue.empty()) {
    std::string name = std::move(queue.front());
    queue.pop_front();
    if (out.units.count(name) != 0 || masked.count(name) != 0) continue;
    std::optional<ResolvedUnitFile> resolved = path.Resolve(name);
    if (resolved.has_value() &&
        resolved->file->kind == UnitFile::Kind::kMasked) {
      masked.insert(name);
      continue;
    }
    out.units.insert(name);
    std::vector<std::string> names = {name};
    if (auto it = aliases.find(name); it != aliases.end()) {
      names.insert(names.end(), it->second.begin(), it->second.end());
    }
    for (const std::string& n : names) {
      std::vector<std::string> entry_masked;
      for (std::string& next : DependencyDirectoryEntries(
               path.directories, n, &entry_masked, name)) {
        queue.push_back(canonical(next));
      }
    }
    for (const std::string& next : wants_of(name)) {
      queue.push_back(canonical(next));
    }
  }
  out.masked.assign(masked.begin(), masked.end());
  return out;
}

std::optional<std::string> KernelCommandLineUnit(absl::string_view cmdline) {
  std::optional<std::string> out;
  for (absl::string_view word :
       absl::StrSplit(cmdline, absl::ByAnyChar(" \t\n"), absl::SkipEmpty())) {
    if (!absl::ConsumePrefix(&word, "systemd.unit=")) continue;
    if (UnitTypeOf(word).empty() || absl::StrContains(word, "@.")) continue;
    out = std::string(word);
  }
  return out;
}

}  // namespace faultinit
