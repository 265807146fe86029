#include "init/system/unit_install.h"

#include <dirent.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "init/system/unit_dropins.h"
#include "init/system/unit_search_path.h"

namespace faultinit {
namespace {

using fault::FailedPreconditionError;
using fault::InvalidArgumentError;
using fault::NotFoundError;
using fault::Status;
using fault::StatusOr;

constexpr int kMaxHops = 32;

absl::string_view BaseName(absl::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  size_t slash = path.rfind('/');
  return slash == absl::string_view::npos ? path : path.substr(slash + 1);
}

absl::string_view DirName(absl::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == absl::string_view::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// The parts of a unit name: "a@b.service" is prefix "a", instance "b",
// suffix ".service"; a template "a@.service" has an empty instance.
struct NameParts {
  std::string prefix, instance, suffix;
  bool at = false;
};
NameParts Split(absl::string_view name) {
  NameParts out;
  size_t dot = name.rfind('.');
  if (dot == absl::string_view::npos) dot = name.size();
  out.suffix = std::string(name.substr(dot));
  absl::string_view stem = name.substr(0, dot);
  size_t at = stem.find('@');
  out.at = at != absl::string_view::npos;
  out.prefix = std::string(stem.substr(0, at));
  if (out.at) out.instance = std::string(stem.substr(at + 1));
  return out;
}
bool IsTemplate(absl::string_view name) {
  NameParts p = Split(name);
  return p.at && p.instance.empty();
}
bool IsInstance(absl::string_view name) {
  NameParts p = Split(name);
  return p.at && !p.instance.empty();
}
// "a@b.service" -> "a@.service"; "" when not an instance.
std::string TemplateOf(absl::string_view name) {
  NameParts p = Split(name);
  if (!p.at || p.instance.empty()) return "";
  return absl::StrCat(p.prefix, "@", p.suffix);
}
std::string WithInstance(absl::string_view name, absl::string_view instance) {
  NameParts p = Split(name);
  return absl::StrCat(p.prefix, "@", instance, p.suffix);
}

bool IsRuntimePath(absl::string_view path) {
  return absl::StartsWith(path, "/run/");
}

// Specifiers systemd resolves in [Install] values (a subset of
// systemd.unit(5)'s table: the ones about the unit's own name).
StatusOr<std::string> Resolve(absl::string_view value, absl::string_view name) {
  const NameParts p = Split(name);
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '%') {
      out.push_back(value[i]);
      continue;
    }
    if (++i == value.size()) {
      return InvalidArgumentError("a lone \"%\" at the end");
    }
    switch (value[i]) {
      case '%':
        out.push_back('%');
        break;
      case 'n':
        absl::StrAppend(&out, name);
        break;
      case 'N':
        absl::StrAppend(&out, name.substr(0, name.size() - p.suffix.size()));
        break;
      case 'p':
        absl::StrAppend(&out, p.prefix);
        break;
      case 'i':
      case 'I':
        absl::StrAppend(&out, p.instance);
        break;
      case 'j': {
        size_t dash = p.prefix.rfind('-');
        absl::StrAppend(&out, dash == std::string::npos
                                  ? p.prefix
                                  : p.prefix.substr(dash + 1));
        break;
      }
      default:
        return InvalidArgumentError(absl::StrCat(
            "specifier \"%", std::string(1, value[i]),
            "\" is not supported in [Install] (only %n %N %p %i %I %j %%)"));
    }
  }
  return out;
}

bool IsSymlink(const std::string& host_path) {
  struct stat st;
  return lstat(host_path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

std::optional<std::string> ReadLink(const std::string& host_path) {
  char buffer[4096];
  ssize_t n = readlink(host_path.c_str(), buffer, sizeof buffer);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof buffer) return std::nullopt;
  return std::string(buffer, static_cast<size_t>(n));
}

// Entries of a directory (not "." and ".."); empty when it cannot be read.
std::vector<std::string> Entries(const std::string& host_dir) {
  std::vector<std::string> out;
  DIR* stream = opendir(host_dir.c_str());
  if (stream == nullptr) return out;
  while (struct dirent* entry = readdir(stream)) {
    absl::string_view name = entry->d_name;
    if (name != "." && name != "..") out.emplace_back(name);
  }
  closedir(stream);
  std::sort(out.begin(), out.end());
  return out;
}

bool IsDependencyDirectory(absl::string_view name) {
  return absl::EndsWith(name, ".wants") || absl::EndsWith(name, ".requires") ||
         absl::EndsWith(name, ".upholds");
}

Status MakeDirectories(const std::string& host_path) {
  if (host_path.empty() || host_path == "/") return fault::OkStatus();
  struct stat st;
  if (stat(host_path.c_str(), &st) == 0) {
    return S_ISDIR(st.st_mode) ? fault::OkStatus()
                               : FailedPreconditionError(absl::StrCat(
                                     host_path, " is not a directory."));
  }
  FAULT_RETURN_IF_ERROR(MakeDirectories(std::string(DirName(host_path))));
  if (mkdir(host_path.c_str(), 0755) != 0 && errno != EEXIST) {
    return FailedPreconditionError(absl::StrCat(
        "Failed to create directory ", host_path, ": ", strerror(errno)));
  }
  return fault::OkStatus();
}

}  // namespace

// ---- [Install] ----

StatusOr<InstallSection> ParseInstallSection(
    absl::string_view text, absl::string_view name,
    std::vector<std::string>* warnings) {
  InstallSection out;
  bool in_install = false;
  int line_number = 0;
  std::string pending;
  int pending_line = 0;
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  for (absl::string_view raw : lines) {
    ++line_number;
    absl::string_view line = absl::StripAsciiWhitespace(raw);
    if (pending.empty()) {
      pending_line = line_number;
      if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    } else if (!line.empty() && (line[0] == '#' || line[0] == ';')) {
      continue;  // a comment inside a continuation is skipped, as systemd
    }
    if (absl::ConsumeSuffix(&line, "\\")) {
      absl::StrAppend(&pending, line, " ");
      continue;
    }
    absl::StrAppend(&pending, line);
    std::string entry = std::move(pending);
    pending.clear();
    absl::string_view s = absl::StripAsciiWhitespace(entry);
    if (s.empty()) continue;
    if (s[0] == '[') {
      in_install = s == "[Install]";
      continue;
    }
    if (!in_install) continue;
    size_t eq = s.find('=');
    if (eq == absl::string_view::npos) continue;  // the unit parser says so
    absl::string_view key = absl::StripTrailingAsciiWhitespace(s.substr(0, eq));
    absl::string_view value =
        absl::StripLeadingAsciiWhitespace(s.substr(eq + 1));
    auto warn = [&](absl::string_view message) {
      warnings->push_back(absl::StrCat("line ", pending_line, ": ", message));
    };
    std::vector<std::string>* list = nullptr;
    if (key == "WantedBy") {
      list = &out.wanted_by;
    } else if (key == "RequiredBy") {
      list = &out.required_by;
    } else if (key == "UpheldBy") {
      list = &out.upheld_by;
    } else if (key == "Also") {
      list = &out.also;
    } else if (key == "Alias") {
      list = &out.alias;
    } else if (key == "DefaultInstance") {
      StatusOr<std::string> v = Resolve(value, name);
      if (!v.ok()) {
        warn(absl::StrCat("DefaultInstance=: ", v.status().message(),
                          "; ignored"));
        continue;
      }
      if (!value.empty() && !IsTemplate(name)) {
        warn("DefaultInstance= is only meaningful for a template; ignored");
        continue;
      }
      if (!v->empty() && UnitTypeOf(WithInstance(name, *v)).empty()) {
        warn(absl::StrCat("DefaultInstance=", *v,
                          " is not a valid instance name; ignored"));
        continue;
      }
      out.default_instance = *std::move(v);
      continue;
    } else {
      warn(absl::StrCat("unknown key \"", key, "\" in [Install]; ignored"));
      continue;
    }
    if (value.empty()) {
      list->clear();
      continue;
    }
    for (absl::string_view word :
         absl::StrSplit(value, absl::ByAnyChar(" \t"), absl::SkipEmpty())) {
      StatusOr<std::string> v = Resolve(word, name);
      if (!v.ok()) {
        warn(absl::StrCat(key, "=", word, ": ", v.status().message(),
                          "; ignored"));
        continue;
      }
      if (UnitTypeOf(*v).empty()) {
        warn(absl::StrCat(key, "=", *v, ": not a unit name; ignored"));
        continue;
      }
      if (key == "Alias" && UnitTypeOf(*v) != UnitTypeOf(name)) {
        warn(absl::StrCat("Alias=", *v,
                          ": an alias must have the unit's type; ignored"));
        continue;
      }
      if (std::find(list->begin(), list->end(), *v) == list->end()) {
        list->push_back(*std::move(v));
      }
    }
  }
  return out;
}

absl::string_view UnitFileStateName(UnitFileState state) {
  switch (state) {
    case UnitFileState::kEnabled:
      return "enabled";
    case UnitFileState::kEnabledRuntime:
      return "enabled-runtime";
    case UnitFileState::kLinked:
      return "linked";
    case UnitFileState::kLinkedRuntime:
      return "linked-runtime";
    case UnitFileState::kAlias:
      return "alias";
    case UnitFileState::kMasked:
      return "masked";
    case UnitFileState::kMaskedRuntime:
      return "masked-runtime";
    case UnitFileState::kStatic:
      return "static";
    case UnitFileState::kIndirect:
      return "indirect";
    case UnitFileState::kDisabled:
      return "disabled";
    case UnitFileState::kGenerated:
      return "generated";
    case UnitFileState::kTransient:
      return "transient";
    case UnitFileState::kBad:
      return "bad";
    case UnitFileState::kNotFound:
      return "not-found";
  }
  return "bad";
}

bool CountsAsEnabled(UnitFileState state) {
  return state == UnitFileState::kEnabled ||
         state == UnitFileState::kEnabledRuntime ||
         state == UnitFileState::kStatic || state == UnitFileState::kAlias ||
         state == UnitFileState::kIndirect ||
         state == UnitFileState::kGenerated;
}

// ---- the installer ----

// Found: a name looked up in the search path.
struct UnitInstaller::Found {
  std::string name;  // the unit's name (an alias followed; an instance kept)
  std::string path;  // its file (a template's for an instance), root's view
  bool masked = false;
  bool via_alias = false;  // the name asked is an alias of `name`
};

UnitInstaller::UnitInstaller(InstallPaths paths) : paths_(std::move(paths)) {
  while (paths_.root.size() > 1 && paths_.root.back() == '/') {
    paths_.root.pop_back();
  }
  if (paths_.root.empty()) paths_.root = "/";
}

std::string UnitInstaller::Host(absl::string_view path) const {
  if (paths_.root == "/") return std::string(path);
  return absl::StrCat(paths_.root, path);
}

std::optional<UnitInstaller::Found> UnitInstaller::Lookup(
    absl::string_view asked) {
  Found found;
  found.name = std::string(asked);
  std::string name(asked);
  std::string path;  // an alias's target, read directly
  for (int hop = 0; hop < kMaxHops; ++hop) {
    std::string entry;
    if (!path.empty()) {
      entry = path;
    } else {
      for (const std::string& dir : paths_.search_path) {
        std::string candidate = absl::StrCat(dir, "/", name);
        struct stat st;
        if (lstat(Host(candidate).c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) {
          entry = candidate;
          break;
        }
      }
    }
    if (entry.empty()) {
      // An instance without a file of its own uses its template's.
      std::string template_name = TemplateOf(name);
      if (!template_name.empty() && path.empty()) {
        std::optional<Found> t = Lookup(template_name);
        if (!t.has_value()) return std::nullopt;
        t->via_alias = found.via_alias;
        t->name = name;
        return t;
      }
      return std::nullopt;
    }
    const std::string host = Host(entry);
    struct stat st;
    if (lstat(host.c_str(), &st) != 0) return std::nullopt;
    if (S_ISLNK(st.st_mode)) {
      std::optional<std::string> target = ReadLink(host);
      if (!target.has_value()) return std::nullopt;
      if (*target == "/dev/null") {
        found.name = name;
        found.path = entry;
        found.masked = true;
        return found;
      }
      std::string absolute = absl::StartsWith(*target, "/")
                                 ? *target
                                 : absl::StrCat(DirName(entry), "/", *target);
      if (BaseName(absolute) != name) {
        if (UnitTypeOf(BaseName(absolute)) != UnitTypeOf(name)) {
          return std::nullopt;
        }
        found.via_alias = true;
        name = std::string(BaseName(absolute));
      }
      path = absolute;
      continue;
    }
    if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) return std::nullopt;
    found.name = name;
    found.path = entry;
    found.masked = S_ISCHR(st.st_mode) || st.st_size == 0;
    return found;
  }
  return std::nullopt;
}

StatusOr<InstallSection> UnitInstaller::Load(
    const Found& found, std::vector<std::string>* warnings) {
  StatusOr<std::string> text = ReadUnitText(Host(found.path));
  if (!text.ok()) {
    return FailedPreconditionError(absl::StrCat("Failed to read unit file ",
                                                found.path, ": ",
                                                text.status().message()));
  }
  // Specifiers of an instance resolve against the instance's name; a
  // template's against the template's.
  std::vector<std::string> lines;
  StatusOr<InstallSection> out = ParseInstallSection(*text, found.name, &lines);
  for (std::string& line : lines) {
    warnings->push_back(absl::StrCat(found.path, ":", line.substr(5)));
  }
  return out;
}

// FindLinks is install.c's find_symlinks_in_scope: whether a link in the
// search path's directories makes `found` enabled (linked...), and how.
bool UnitInstaller::FindLinks(const Found& found, const InstallSection& install,
                              bool match_name, UnitFileState* state) {
  auto known_name = [&](absl::string_view link_name) {
    if (link_name == found.name) return true;
    for (const std::string& a : install.alias) {
      if (a == link_name) return true;
    }
    return !install.default_instance.empty() && IsTemplate(found.name) &&
           WithInstance(found.name, install.default_instance) == link_name;
  };
  const std::string config = "/etc/systemd/system";
  bool enabled_runtime = false, enabled_at_all = false;
  bool same_name_config = false, same_name_runtime = false;
  bool ignore_same_name = false;
  for (const std::string& dir : paths_.search_path) {
    bool hit = false, same_name = false;
    for (const std::string& sub : Entries(Host(dir))) {
      if (hit || !IsDependencyDirectory(sub)) continue;
      const std::string d = absl::StrCat(dir, "/", sub);
      for (const std::string& link : Entries(Host(d))) {
        if (!IsSymlink(Host(absl::StrCat(d, "/", link)))) continue;
        bool matches = link == found.name || TemplateOf(link) == found.name;
        if (matches && (!match_name || known_name(link))) {
          hit = true;
          break;
        }
      }
    }
    if (!hit) {
      for (const std::string& link : Entries(Host(dir))) {
        const std::string p = absl::StrCat(dir, "/", link);
        if (!IsSymlink(Host(p))) continue;
        std::optional<std::string> target = ReadLink(Host(p));
        if (!target.has_value()) continue;
        const bool found_dest = BaseName(*target) == found.name;
        const bool found_path = !ignore_same_name && link == found.name;
        if (found_path && found_dest) {
          same_name = true;
        } else if (found_path || found_dest) {
          if (!match_name || known_name(link)) {
            hit = true;
            break;
          }
        }
      }
    }
    if (hit) {
      if (dir == config) {
        *state = UnitFileState::kEnabled;
        return true;
      }
      if (IsRuntimePath(dir)) {
        enabled_runtime = true;
      } else {
        enabled_at_all = true;
      }
    } else if (same_name) {
      if (dir == config) {
        same_name_config = true;
      } else if (IsRuntimePath(dir)) {
        same_name_runtime = true;
      }
    }
    if (absl::StartsWith(found.path, absl::StrCat(dir, "/"))) {
      ignore_same_name = true;
    }
  }
  if (enabled_runtime) {
    *state = UnitFileState::kEnabledRuntime;
  } else if (enabled_at_all && IsInstance(found.name)) {
    *state = UnitFileState::kStatic;
  } else if (same_name_config) {
    *state = UnitFileState::kLinked;
  } else if (same_name_runtime) {
    *state = UnitFileState::kLinkedRuntime;
  } else {
    return false;
  }
  return true;
}

UnitFileState UnitInstaller::State(absl::string_view name) {
  if (UnitTypeOf(name).empty()) return UnitFileState::kNotFound;
  std::optional<Found> found = Lookup(name);
  if (!found.has_value()) return UnitFileState::kNotFound;
  if (found->masked) {
    return IsRuntimePath(found->path) ? UnitFileState::kMaskedRuntime
                                      : UnitFileState::kMasked;
  }
  if (name != BaseName(found->path) && !IsInstance(found->name)) {
    return UnitFileState::kAlias;
  }
  std::vector<std::string> warnings;
  StatusOr<InstallSection> install = Load(*found, &warnings);
  if (!install.ok()) return UnitFileState::kBad;
  UnitFileState state;
  if (FindLinks(*found, *install, true, &state)) return state;
  if (FindLinks(*found, *install, false, &state)) {
    return UnitFileState::kIndirect;
  }
  if (install->HasRules()) return UnitFileState::kDisabled;
  if (!install->also.empty()) return UnitFileState::kIndirect;
  return UnitFileState::kStatic;
}

Status UnitInstaller::Link(const std::string& target, const std::string& link,
                           bool force, InstallResult* result) {
  const std::string host = Host(link);
  FAULT_RETURN_IF_ERROR(MakeDirectories(std::string(DirName(host))));
  struct stat st;
  if (lstat(host.c_str(), &st) == 0) {
    if (!S_ISLNK(st.st_mode)) {
      return FailedPreconditionError(
          absl::StrCat("File ", link, " already exists."));
    }
    std::optional<std::string> old = ReadLink(host);
    if (old.has_value() && *old == target) return fault::OkStatus();
    if (!force) {
      return FailedPreconditionError(
          absl::StrCat("File ", link, " already exists and is a symlink to ",
                       old.value_or("?"), "."));
    }
    if (unlink(host.c_str()) != 0) {
      return FailedPreconditionError(
          absl::StrCat("Failed to remove ", link, ": ", strerror(errno)));
    }
    result->changes.push_back({InstallChange::Kind::kUnlink, link, ""});
  }
  if (symlink(target.c_str(), host.c_str()) != 0) {
    return FailedPreconditionError(
        absl::StrCat("Failed to create symlink ", link, ": ", strerror(errno)));
  }
  result->changes.push_back({InstallChange::Kind::kSymlink, link, target});
  return fault::OkStatus();
}

StatusOr<InstallResult> UnitInstaller::Enable(
    const std::vector<std::string>& names, bool force) {
  InstallResult result;
  std::deque<std::string> queue(names.begin(), names.end());
  std::set<std::string> done;
  bool any_rules = false;
  const std::string config = paths_.ConfigDirectory();
  while (!queue.empty()) {
    std::string name = std::move(queue.front());
    queue.pop_front();
    if (UnitTypeOf(name).empty()) {
      return InvalidArgumentError(
          absl::StrCat("Unit name ", name, " is not valid."));
    }
    std::optional<Found> found = Lookup(name);
    if (!found.has_value()) {
      return NotFoundError(
          absl::StrCat("Unit file ", name, " does not exist."));
    }
    if (found->masked) {
      return FailedPreconditionError(
          absl::StrCat("Unit file ", found->path, " is masked."));
    }
    if (!done.insert(found->name).second) continue;
    FAULT_ASSIGN_OR_RETURN(InstallSection install,
                           Load(*found, &result.warnings));
    any_rules = any_rules || install.HasRules() || !install.also.empty();
    for (const std::string& alias : install.alias) {
      FAULT_RETURN_IF_ERROR(
          Link(found->path, absl::StrCat(config, "/", alias), force, &result));
    }
    std::string link_name = found->name;
    if (IsTemplate(link_name)) {
      if (install.default_instance.empty()) {
        if (!install.wanted_by.empty() || !install.required_by.empty() ||
            !install.upheld_by.empty()) {
          result.warnings.push_back(absl::StrCat(
              "Unit ", link_name,
              " is a template without DefaultInstance=; name an instance "
              "to enable (",
              WithInstance(link_name, "INSTANCE"), ")."));
        }
        link_name.clear();
      } else {
        link_name = WithInstance(link_name, install.default_instance);
      }
    }
    if (!link_name.empty()) {
      const std::pair<const std::vector<std::string>*, const char*> kinds[] = {
          {&install.wanted_by, ".wants"},
          {&install.required_by, ".requires"},
          {&install.upheld_by, ".upholds"}};
      for (const auto& [targets, suffix] : kinds) {
        for (const std::string& target : *targets) {
          FAULT_RETURN_IF_ERROR(
              Link(found->path,
                   absl::StrCat(config, "/", target, suffix, "/", link_name),
                   force, &result));
        }
      }
    }
    for (const std::string& also : install.also) queue.push_back(also);
  }
  if (!any_rules) {
    result.warnings.push_back(
        "The unit files have no installation config (WantedBy=, "
        "RequiredBy=, UpheldBy=, Also=, or Alias= settings in the [Install] "
        "section, and DefaultInstance= for template units). This means they "
        "are not meant to be enabled or disabled using systemctl.");
  }
  return result;
}

StatusOr<InstallResult> UnitInstaller::Disable(
    const std::vector<std::string>& names) {
  InstallResult result;
  // What a link may name or point at to be removed.
  std::set<std::string> marks;
  std::deque<std::string> queue(names.begin(), names.end());
  std::set<std::string> done;
  while (!queue.empty()) {
    std::string name = std::move(queue.front());
    queue.pop_front();
    if (UnitTypeOf(name).empty()) {
      return InvalidArgumentError(
          absl::StrCat("Unit name ", name, " is not valid."));
    }
    std::optional<Found> found = Lookup(name);
    if (!found.has_value()) {
      return NotFoundError(
          absl::StrCat("Unit file ", name, " does not exist."));
    }
    if (!done.insert(found->name).second) continue;
    if (found->masked) {
      result.warnings.push_back(
          absl::StrCat("Unit ", found->name, " is masked, ignoring."));
      continue;
    }
    marks.insert(found->name);
    // An instance's links point at its template's file: only its name.
    if (!IsInstance(found->name)) marks.insert(found->path);
    std::vector<std::string> ignored;
    StatusOr<InstallSection> install = Load(*found, &ignored);
    if (install.ok()) {
      for (const std::string& also : install->also) queue.push_back(also);
      if (IsInstance(found->name)) continue;
      for (const std::string& alias : install->alias) marks.insert(alias);
    }
  }
  const std::string config = paths_.ConfigDirectory();
  auto sweep = [&](const std::string& dir, bool top) -> Status {
    for (const std::string& entry : Entries(Host(dir))) {
      const std::string p = absl::StrCat(dir, "/", entry);
      if (top && IsDependencyDirectory(entry)) continue;
      if (!IsSymlink(Host(p))) continue;
      std::optional<std::string> target = ReadLink(Host(p));
      if (!target.has_value() || *target == "/dev/null") continue;
      const std::string base(BaseName(*target));
      bool hit = marks.count(entry) > 0 || marks.count(*target) > 0 ||
                 (!IsInstance(entry) && marks.count(base) > 0);
      const std::string t = TemplateOf(entry);
      hit = hit || (!t.empty() && marks.count(t) > 0);
      if (!hit) continue;
      if (unlink(Host(p).c_str()) != 0) {
        return FailedPreconditionError(
            absl::StrCat("Failed to remove ", p, ": ", strerror(errno)));
      }
      result.changes.push_back({InstallChange::Kind::kUnlink, p, ""});
    }
    return fault::OkStatus();
  };
  FAULT_RETURN_IF_ERROR(sweep(config, true));
  for (const std::string& entry : Entries(Host(config))) {
    if (IsDependencyDirectory(entry)) {
      FAULT_RETURN_IF_ERROR(sweep(absl::StrCat(config, "/", entry), false));
    }
  }
  return result;
}

StatusOr<InstallResult> UnitInstaller::Mask(
    const std::vector<std::string>& names, bool force) {
  InstallResult result;
  const std::string config = paths_.ConfigDirectory();
  for (const std::string& name : names) {
    if (UnitTypeOf(name).empty()) {
      return InvalidArgumentError(
          absl::StrCat("Unit name ", name, " is not valid."));
    }
    if (!Lookup(name).has_value()) {
      result.warnings.push_back(
          absl::StrCat("Unit ", name, " does not exist, proceeding anyway."));
    }
    FAULT_RETURN_IF_ERROR(
        Link("/dev/null", absl::StrCat(config, "/", name), force, &result));
  }
  return result;
}

StatusOr<InstallResult> UnitInstaller::Unmask(
    const std::vector<std::string>& names) {
  InstallResult result;
  for (const std::string& name : names) {
    if (UnitTypeOf(name).empty()) {
      return InvalidArgumentError(
          absl::StrCat("Unit name ", name, " is not valid."));
    }
    for (const char* dir : {"/etc/systemd/system", "/run/systemd/system"}) {
      const std::string p = absl::StrCat(dir, "/", name);
      struct stat st;
      if (lstat(Host(p).c_str(), &st) != 0) continue;
      bool mask = false;
      if (S_ISLNK(st.st_mode)) {
        mask = ReadLink(Host(p)).value_or("") == "/dev/null";
      } else if (S_ISREG(st.st_mode)) {
        mask = st.st_size == 0;
      }
      if (!mask) continue;
      if (unlink(Host(p).c_str()) != 0) {
        return FailedPreconditionError(
            absl::StrCat("Failed to remove ", p, ": ", strerror(errno)));
      }
      result.changes.push_back({InstallChange::Kind::kUnlink, p, ""});
    }
  }
  return result;
}

absl::string_view UnitInstaller::PresetOf(absl::string_view name) {
  std::map<std::string, std::string> files;  // file name -> path
  for (const char* dir :
       {"/etc/systemd/system-preset", "/run/systemd/system-preset",
        "/usr/local/lib/systemd/system-preset", "/lib/systemd/system-preset",
        "/usr/lib/systemd/system-preset"}) {
    for (const std::string& entry : Entries(Host(dir))) {
      if (absl::EndsWith(entry, ".preset")) {
        files.emplace(entry, absl::StrCat(dir, "/", entry));
      }
    }
  }
  const std::string key(name);
  for (const auto& [file, path] : files) {
    StatusOr<std::string> text = ReadUnitText(Host(path));
    if (!text.ok()) continue;
    for (absl::string_view line : absl::StrSplit(*text, '\n')) {
      line = absl::StripAsciiWhitespace(line);
      std::vector<absl::string_view> words =
          absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
      if (words.size() < 2) continue;
      const std::string pattern(words[1]);
      if (fnmatch(pattern.c_str(), key.c_str(), FNM_NOESCAPE) != 0) continue;
      if (words[0] == "enable") return "enabled";
      if (words[0] == "disable") return "disabled";
    }
  }
  return "enabled";  // no rule: systemd enables
}

StatusOr<InstallResult> UnitInstaller::Preset(
    const std::vector<std::string>& names, PresetMode mode) {
  InstallResult result;
  for (const std::string& name : names) {
    const bool enable = PresetOf(name) == "enabled";
    if (enable && mode == PresetMode::kDisableOnly) continue;
    if (!enable && mode == PresetMode::kEnableOnly) continue;
    FAULT_ASSIGN_OR_RETURN(InstallResult one,
                           enable ? Enable({name}) : Disable({name}));
    for (InstallChange& c : one.changes) {
      result.changes.push_back(std::move(c));
    }
    for (std::string& w : one.warnings) {
      // A unit without [Install] rules is simply passed over.
      if (!absl::StartsWith(w, "The unit files have no installation")) {
        result.warnings.push_back(std::move(w));
      }
    }
  }
  return result;
}

std::vector<std::pair<std::string, UnitFileState>> UnitInstaller::List() {
  std::set<std::string> names;
  for (const std::string& dir : paths_.search_path) {
    for (const std::string& entry : Entries(Host(dir))) {
      if (UnitTypeOf(entry).empty()) continue;
      struct stat st;
      if (stat(Host(absl::StrCat(dir, "/", entry)).c_str(), &st) == 0 &&
          S_ISDIR(st.st_mode)) {
        continue;
      }
      names.insert(entry);
    }
  }
  std::vector<std::pair<std::string, UnitFileState>> out;
  for (const std::string& name : names) {
    UnitFileState state = State(name);
    if (state != UnitFileState::kNotFound) out.emplace_back(name, state);
  }
  return out;
}

StatusOr<std::vector<std::string>> UnitInstaller::Files(
    absl::string_view name) {
  std::optional<Found> found = Lookup(name);
  if (!found.has_value()) {
    return NotFoundError(absl::StrCat("No files found for ", name, "."));
  }
  if (found->masked) {
    return FailedPreconditionError(absl::StrCat("Unit ", name, " is masked."));
  }
  std::vector<std::string> out = {found->path};
  std::vector<std::string> host_dirs;
  for (const std::string& dir : paths_.search_path) {
    host_dirs.push_back(Host(dir));
  }
  std::vector<std::string> aliases;
  if (found->via_alias) aliases.emplace_back(name);
  for (const DropInFile& d : FindDropIns(host_dirs, found->name, aliases)) {
    if (d.masked) continue;
    out.push_back(paths_.root == "/" ? d.path
                                     : d.path.substr(paths_.root.size()));
  }
  return out;
}

}  // namespace faultinit
