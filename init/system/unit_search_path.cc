#include "init/system/unit_search_path.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "init/system/unit_name.h"

namespace faultinit {
namespace {

// systemd's unit types (unit_type_table).
constexpr absl::string_view kUnitTypes[] = {
    "service", "socket", "target", "device", "mount", "automount",
    "swap",    "timer",  "path",   "slice",  "scope",
};

Diagnostic Warn(std::string file, std::string message) {
  return Diagnostic{std::move(file), 0, Severity::kWarning, std::move(message)};
}

// The last component of a link's target text ("../ssh.service").
absl::string_view BaseName(absl::string_view path) {
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  size_t slash = path.rfind('/');
  return slash == absl::string_view::npos ? path : path.substr(slash + 1);
}

// Classify makes the entry for `name` at `path`; false when it is not a
// unit (a directory, a dangling link, an alias to another type: the last
// two with a diagnostic).
bool Classify(const std::string& path, absl::string_view name, UnitFile* out,
              std::vector<Diagnostic>* diagnostics) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return false;
  out->path = path;
  if (S_ISLNK(st.st_mode)) {
    char buffer[4096];
    ssize_t n = readlink(path.c_str(), buffer, sizeof buffer);
    if (n <= 0 || static_cast<size_t>(n) >= sizeof buffer) return false;
    absl::string_view target(buffer, static_cast<size_t>(n));
    struct stat followed;
    if (stat(path.c_str(), &followed) != 0) {
      diagnostics->push_back(
          Warn(path, absl::StrCat("link to ", target, " leads nowhere (",
                                  strerror(errno), "); ignored")));
      return false;
    }
    if (IsMaskedPath(path)) {
      out->kind = UnitFile::Kind::kMasked;
      return true;
    }
    if (S_ISDIR(followed.st_mode)) return false;
    absl::string_view target_name = BaseName(target);
    if (target_name == name) {
      out->kind = UnitFile::Kind::kFile;
      return true;
    }
    if (UnitTypeOf(target_name) != UnitTypeOf(name)) {
      diagnostics->push_back(
          Warn(path, absl::StrCat("alias to ", target,
                                  ", a name of another unit type; ignored")));
      return false;
    }
    out->kind = UnitFile::Kind::kAlias;
    out->target = std::string(target_name);
    return true;
  }
  if (S_ISDIR(st.st_mode)) return false;
  out->kind =
      IsMaskedPath(path) ? UnitFile::Kind::kMasked : UnitFile::Kind::kFile;
  return true;
}

}  // namespace

std::vector<std::string> DefaultUnitSearchPath() {
  return {"/etc/systemd/system", "/run/systemd/system", "/lib/systemd/system",
          "/usr/lib/systemd/system"};
}

absl::string_view UnitTypeOf(absl::string_view name) {
  if (name.empty() || name.size() > kMaxUnitNameLength) return "";
  const size_t dot = name.rfind('.');
  if (dot == absl::string_view::npos || dot == 0) return "";
  const absl::string_view type = name.substr(dot + 1);
  bool known = false;
  for (absl::string_view t : kUnitTypes) known = known || t == type;
  if (!known || name[0] == '@') return "";
  for (char c : name.substr(0, dot)) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != ':' &&
        c != '_' && c != '.' && c != '\\' && c != '-' && c != '@') {
      return "";
    }
  }
  return type;
}

bool IsMaskedPath(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return false;
  return (S_ISREG(st.st_mode) && st.st_size <= 0) || S_ISCHR(st.st_mode);
}

UnitSearchPath ScanUnitSearchPath(std::vector<std::string> directories) {
  UnitSearchPath out;
  out.directories = std::move(directories);
  for (const std::string& directory : out.directories) {
    DIR* stream = opendir(directory.c_str());
    if (stream == nullptr) {
      if (errno != ENOENT && errno != ENOTDIR) {
        out.diagnostics.push_back(
            Warn(directory, absl::StrCat("unable to open unit directory: ",
                                         strerror(errno), "; skipped")));
      }
      continue;
    }
    std::vector<std::string> names;
    errno = 0;
    while (struct dirent* entry = readdir(stream)) {
      absl::string_view name = entry->d_name;
      if (!UnitTypeOf(name).empty() && out.files.count(name) == 0) {
        names.emplace_back(name);
      }
    }
    if (errno != 0) {
      out.diagnostics.push_back(Warn(
          directory,
          absl::StrCat("unable to read unit directory: ", strerror(errno))));
    }
    closedir(stream);
    std::sort(names.begin(), names.end());
    for (std::string& name : names) {
      UnitFile file;
      if (Classify(absl::StrCat(directory, "/", name), name, &file,
                   &out.diagnostics)) {
        out.files.emplace(std::move(name), std::move(file));
      }
    }
  }
  for (const auto& [alias, file] : out.files) {
    if (file.kind == UnitFile::Kind::kAlias && !out.Resolve(alias)) {
      out.diagnostics.push_back(
          Warn(file.path, absl::StrCat("alias of ", file.target,
                                       ", which resolves to no unit file (a "
                                       "missing name or a loop); ignored")));
    }
  }
  return out;
}

std::optional<ResolvedUnitFile> UnitSearchPath::Resolve(
    absl::string_view name) const {
  std::string current(name);
  for (int hop = 0; hop <= kMaxAliasHops; ++hop) {
    auto it = files.find(current);
    if (it == files.end()) return std::nullopt;
    if (it->second.kind != UnitFile::Kind::kAlias) {
      return ResolvedUnitFile{current, &it->second};
    }
    current = it->second.target;
  }
  return std::nullopt;  // a loop, or a chain longer than systemd would have
}

std::map<std::string, std::vector<std::string>, std::less<>>
UnitSearchPath::Aliases() const {
  std::map<std::string, std::vector<std::string>, std::less<>> out;
  for (const auto& [alias, file] : files) {
    if (file.kind != UnitFile::Kind::kAlias) continue;
    std::optional<ResolvedUnitFile> resolved = Resolve(alias);
    if (resolved.has_value()) out[resolved->name].push_back(alias);
  }
  return out;
}

}  // namespace faultinit
