#include "init/system/unit_template.h"

#include <dirent.h>

#include <set>
#include <utility>

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
    const std::vector<std::string>& search_path,
    std::vector<TemplateLink>* template_links) {
  std::set<std::string> out;
  for (const std::string& search : search_path) {
    DIR* top = opendir(search.c_str());
    if (top == nullptr) continue;
    // Each directory with the unit it belongs to.
    std::vector<std::pair<std::string, std::string>> dirs;
    while (struct dirent* entry = readdir(top)) {
      absl::string_view name = entry->d_name;
      for (absl::string_view suffix : {".wants", ".requires"}) {
        if (!absl::EndsWith(name, suffix)) continue;
        dirs.emplace_back(
            absl::StrCat(search, "/", name),
            std::string(name.substr(0, name.size() - suffix.size())));
      }
    }
    closedir(top);
    for (const auto& [dir, owner] : dirs) {
      DIR* stream = opendir(dir.c_str());
      if (stream == nullptr) continue;
      while (struct dirent* entry = readdir(stream)) {
        absl::string_view file = entry->d_name;
        if (UnitTypeOf(file).empty()) continue;
        const bool is_template = IsTemplateName(file);
        if (!is_template && !IsInstanceName(file)) continue;
        const std::string path = absl::StrCat(dir, "/", file);
        if (IsMaskedPath(path)) continue;
        if (!is_template) {
          out.emplace(file);
          continue;
        }
        std::string instance = FillTemplate(file, owner);
        if (!IsInstanceName(instance)) instance.clear();
        if (!instance.empty()) out.insert(instance);
        if (template_links != nullptr) {
          template_links->push_back(TemplateLink{path, std::move(instance)});
        }
      }
      closedir(stream);
    }
  }
  return std::vector<std::string>(out.begin(), out.end());
}

}  // namespace faultinit
