#include "init/system/unit_template.h"

#include <dirent.h>

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "init/system/unit_name.h"

namespace faultinit {

std::optional<InstanceFile> FindInstanceFile(const UnitSearchPath& path,
                                             absl::string_view name) {
  if (!IsInstanceName(name)) return std::nullopt;
  if (std::optional<ResolvedUnitFile> own = path.Resolve(name)) {
    return InstanceFile{own->file, false};
  }
  std::optional<ResolvedUnitFile> tmpl = path.Resolve(TemplateOf(name));
  if (!tmpl.has_value()) return std::nullopt;
  return InstanceFile{tmpl->file, true};
}

std::vector<std::string> DependencyDirectoryInstances(
    const std::vector<std::string>& search_path) {
  std::set<std::string> out;
  for (const std::string& search : search_path) {
    DIR* top = opendir(search.c_str());
    if (top == nullptr) continue;
    std::vector<std::string> dirs;
    while (struct dirent* entry = readdir(top)) {
      absl::string_view name = entry->d_name;
      if (absl::EndsWith(name, ".wants") || absl::EndsWith(name, ".requires")) {
        dirs.push_back(absl::StrCat(search, "/", name));
      }
    }
    closedir(top);
    for (const std::string& dir : dirs) {
      DIR* stream = opendir(dir.c_str());
      if (stream == nullptr) continue;
      while (struct dirent* entry = readdir(stream)) {
        absl::string_view file = entry->d_name;
        if (!IsInstanceName(file) || UnitTypeOf(file).empty()) continue;
        if (IsMaskedPath(absl::StrCat(dir, "/", file))) continue;
        out.emplace(file);
      }
      closedir(stream);
    }
  }
  return std::vector<std::string>(out.begin(), out.end());
}

}  // namespace faultinit
