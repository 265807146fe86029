#include "init/system/unit_directory.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <deque>
#include <map>
#include <set>
#include <utility>

#include "absl/base/attributes.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "init/system/exec_command.h"
#include "init/system/unit_name.h"
#include "runtime/fd.h"

namespace faultinit {
namespace {

constexpr absl::string_view kServiceSuffix = ".service";

Diagnostic MakeDiagnostic(absl::string_view file, int line, Severity severity,
                          std::string message) {
  return Diagnostic{std::string(file), line, severity, std::move(message)};
}

// `*out` (a fresh ParsedUnit) becomes the unit at `path` that could not be
// read, for `message`.
void MarkUnreadable(absl::string_view path, std::string message,
                    ParsedUnit* out) {
  out->unit.path = std::string(path);
  out->unit.name = UnitNameFromPath(path);
  out->diagnostics.push_back(
      MakeDiagnostic(path, 0, Severity::kError, std::move(message)));
}

std::string TooLarge(absl::string_view size) {
  return absl::StrCat("the file is ", size, " bytes, over the limit of ",
                      kMaxUnitFileSize, " (1 MiB); not parsed");
}

// Why a dependency on `name`, a unit of a type faultinit has no units of,
// is not one it can honour, and what happens instead; "" for a name of
// another type (a service, a target, a socket).
absl::string_view MissingTypeReason(absl::string_view name) {
  struct Type {
    absl::string_view suffix;
    absl::string_view why;
  };
  static constexpr Type kTypes[] = {
      {".mount",
       "faultinit has no .mount units: the fstab step mounts /etc/fstab's "
       "local file systems before any unit starts, nothing else is mounted "
       "for it"},
      {".automount",
       "faultinit has no .automount units: nothing is mounted on access"},
      {".swap",
       "faultinit has no .swap units: the fstab step turns /etc/fstab's swap "
       "on before any unit starts"},
      {".device",
       "faultinit has no .device units: nothing waits for the device"},
      {".slice", "faultinit has no .slice units: no cgroups"},
      {".scope", "faultinit has no .scope units: no cgroups"},
      {".timer", "faultinit has no .timer units: nothing starts on time"},
      {".path",
       "faultinit has no .path units: nothing starts on a path's change"},
  };
  for (const Type& t : kTypes) {
    if (absl::EndsWith(name, t.suffix)) return t.why;
  }
  return "";
}

// The ordering graph over units[i], by index; the units are sorted by name,
// so index order is name order.
struct Graph {
  // successors[a] holds b when a starts before b; sorted, unique.
  std::vector<std::vector<size_t>> successors;
  // Who declared the edge a -> b, and where: (unit index, line).
  std::map<std::pair<size_t, size_t>, std::vector<std::pair<size_t, int>>>
      declared;
};

using NameIndex = std::map<std::string, size_t, std::less<>>;

// BuildGraph makes the ordering edges between the units `include` accepts.
template <typename Include>
Graph BuildGraph(const std::vector<ParsedUnit>& units, const NameIndex& index,
                 Include include) {
  Graph graph;
  graph.successors.resize(units.size());
  auto add = [&](size_t from, size_t to, size_t by, int line) {
    graph.successors[from].push_back(to);
    graph.declared[{from, to}].push_back({by, line});
  };
  for (size_t u = 0; u < units.size(); ++u) {
    if (!include(u)) continue;
    const Unit& unit = units[u].unit;
    for (const Dependency& d : unit.after) {
      auto it = index.find(d.name);
      if (it != index.end() && it->second != u && include(it->second)) {
        add(it->second, u, u, d.line);
      }
    }
    for (const Dependency& d : unit.before) {
      auto it = index.find(d.name);
      if (it != index.end() && it->second != u && include(it->second)) {
        add(u, it->second, u, d.line);
      }
    }
  }
  for (std::vector<size_t>& next : graph.successors) {
    std::sort(next.begin(), next.end());
    next.erase(std::unique(next.begin(), next.end()), next.end());
  }
  return graph;
}

// StronglyConnected returns the graph's strongly connected components of
// more than one unit (Tarjan's algorithm, iterative: a long chain of units
// must not exhaust the stack), each sorted.
std::vector<std::vector<size_t>> StronglyConnected(const Graph& graph) {
  const size_t n = graph.successors.size();
  constexpr size_t kUnvisited = static_cast<size_t>(-1);
  std::vector<size_t> order(n, kUnvisited), low(n, 0);
  std::vector<bool> on_stack(n, false);
  std::vector<size_t> stack;
  std::vector<std::pair<size_t, size_t>> calls;  // (node, next successor)
  std::vector<std::vector<size_t>> components;
  size_t counter = 0;
  for (size_t root = 0; root < n; ++root) {
    if (order[root] != kUnvisited) continue;
    auto visit = [&](size_t v) {
      order[v] = low[v] = counter++;
      stack.push_back(v);
      on_stack[v] = true;
      calls.push_back({v, 0});
    };
    visit(root);
    while (!calls.empty()) {
      size_t v = calls.back().first;
      size_t next = calls.back().second;
      if (next < graph.successors[v].size()) {
        ++calls.back().second;
        size_t w = graph.successors[v][next];
        if (order[w] == kUnvisited) {
          visit(w);
        } else if (on_stack[w]) {
          low[v] = std::min(low[v], order[w]);
        }
        continue;
      }
      calls.pop_back();
      if (!calls.empty()) {
        size_t parent = calls.back().first;
        low[parent] = std::min(low[parent], low[v]);
      }
      if (low[v] != order[v]) continue;
      std::vector<size_t> component;
      size_t w;
      do {
        w = stack.back();
        stack.pop_back();
        on_stack[w] = false;
        component.push_back(w);
      } while (w != v);
      if (component.size() > 1) {
        std::sort(component.begin(), component.end());
        components.push_back(std::move(component));
      }
    }
  }
  return components;
}

// ShortestCycle returns a shortest cycle through `start` inside
// `component`, as the units on it (each once), rotated to begin with the
// smallest index. Breadth-first over successors in name order, so ties go
// to smaller names.
std::vector<size_t> ShortestCycle(const Graph& graph,
                                  const std::set<size_t>& component,
                                  size_t start) {
  std::map<size_t, size_t> parent;
  std::deque<size_t> queue = {start};
  parent[start] = start;
  size_t last = start;
  bool found = false;
  while (!queue.empty() && !found) {
    size_t v = queue.front();
    queue.pop_front();
    for (size_t w : graph.successors[v]) {
      if (w == start) {
        last = v;
        found = true;
        break;
      }
      if (component.count(w) == 0 || parent.count(w) != 0) continue;
      parent[w] = v;
      queue.push_back(w);
    }
  }
  std::vector<size_t> cycle;
  for (size_t v = last; v != start; v = parent[v]) cycle.push_back(v);
  cycle.push_back(start);
  std::reverse(cycle.begin(), cycle.end());
  std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()),
              cycle.end());
  return cycle;
}

void CheckDependencies(absl::string_view directory, const NameIndex& index,
                       const std::vector<std::string>& other_units,
                       std::vector<ParsedUnit>* units) {
  // What a name no unit has means: a requirement is treated as satisfied,
  // any other dependency is ignored.
  constexpr const char* kIgnored = "; ignored";
  constexpr const char* kSatisfied = "; treated as satisfied";
  struct List {
    const char* key;
    std::vector<Dependency> Unit::*list;      // or
    std::vector<Dependency> UnitJobs::*jobs;  // Unit::jobs'
    const char* missing;
  };
  const List kLists[] = {
      {"Requires", &Unit::required, nullptr, kSatisfied},
      {"Wants", &Unit::wanted, nullptr, kIgnored},
      {"After", &Unit::after, nullptr, kIgnored},
      {"Before", &Unit::before, nullptr, kIgnored},
      {"BindsTo", nullptr, &UnitJobs::binds_to, kSatisfied},
      {"Requisite", nullptr, &UnitJobs::requisite, kSatisfied},
      {"PartOf", nullptr, &UnitJobs::part_of, kIgnored},
      {"Conflicts", nullptr, &UnitJobs::conflicts, kIgnored},
      {"OnFailure", nullptr, &UnitJobs::on_failure, kIgnored},
      {"OnSuccess", nullptr, &UnitJobs::on_success, kIgnored},
      {"PropagatesReloadTo", nullptr, &UnitJobs::propagates_reload_to,
       kIgnored},
      {"ReloadPropagatedFrom", nullptr, &UnitJobs::reload_propagated_from,
       kIgnored},
  };
  // The layout has targets (its own files and the standard ones built in,
  // target_unit.h); a flat directory has none.
  const bool has_targets =
      std::any_of(units->begin(), units->end(), [](const ParsedUnit& p) {
        return absl::EndsWith(p.unit.name, ".target");
      });
  for (ParsedUnit& parsed : *units) {
    std::vector<Diagnostic> found;
    for (const List& l : kLists) {
      std::vector<Dependency>& deps = l.list != nullptr
                                          ? parsed.unit.*(l.list)
                                          : parsed.unit.jobs.*(l.jobs);
      for (auto it = deps.begin(); it != deps.end();) {
        const Dependency& d = *it;
        if (d.name == parsed.unit.name) {
          found.push_back(
              MakeDiagnostic(parsed.unit.path, d.line, Severity::kWarning,
                             absl::StrCat(l.key,
                                          ": a unit cannot depend on itself; "
                                          "ignored")));
          it = deps.erase(it);
          continue;
        }
        if (index.find(d.name) == index.end() &&
            std::find(other_units.begin(), other_units.end(), d.name) ==
                other_units.end()) {
          const bool target = absl::EndsWith(d.name, ".target");
          const absl::string_view lacking = MissingTypeReason(d.name);
          std::string why =
              !lacking.empty() ? std::string(lacking)
              : target && !has_targets
                  ? std::string("a flat directory has no .target units")
              : target ? absl::StrCat("no ", d.name, " in ", directory,
                                      " nor built in")
              : absl::EndsWith(d.name, ".socket")
                  ? absl::StrCat("no ", d.name, directory.empty() ? "" : " in ",
                                 directory)
                  : absl::StrCat("no ", d.name, kServiceSuffix,
                                 directory.empty() ? "" : " in ", directory);
          found.push_back(MakeDiagnostic(
              parsed.unit.path, d.line, Severity::kWarning,
              absl::StrCat(l.key, ": no unit ", QuoteText(d.name), " (", why,
                           ")", l.missing)));
        }
        ++it;
      }
    }
    std::stable_sort(found.begin(), found.end(),
                     [](const Diagnostic& a, const Diagnostic& b) {
                       return a.line < b.line;
                     });
    parsed.diagnostics.insert(parsed.diagnostics.end(), found.begin(),
                              found.end());
  }
}

// A cycle message names at most this many units.
constexpr size_t kShownCycle = 50;

void CheckCycles(std::vector<ParsedUnit>* units, const NameIndex& index) {
  Graph graph = BuildGraph(*units, index, [](size_t) { return true; });
  for (const std::vector<size_t>& members : StronglyConnected(graph)) {
    std::set<size_t> component(members.begin(), members.end());
    for (size_t m : members) {
      std::vector<size_t> cycle = ShortestCycle(graph, component, m);
      std::vector<std::string> names;
      int line = 0;
      for (size_t k = 0; k < cycle.size(); ++k) {
        if (k < kShownCycle) names.push_back((*units)[cycle[k]].unit.name);
        auto edge =
            graph.declared.find({cycle[k], cycle[(k + 1) % cycle.size()]});
        if (line != 0 || edge == graph.declared.end()) continue;
        for (const auto& [by, at] : edge->second) {
          if (by == m) {
            line = at;
            break;
          }
        }
      }
      std::string text = absl::StrJoin(names, " -> ");
      if (cycle.size() > kShownCycle) {
        absl::StrAppend(&text, " -> ...");
      }
      absl::StrAppend(&text, " -> ", names.front());
      if (cycle.size() > kShownCycle) {
        absl::StrAppend(&text, " (", cycle.size(), " units)");
      }
      ParsedUnit& parsed = (*units)[m];
      parsed.diagnostics.push_back(
          MakeDiagnostic(parsed.unit.path, line, Severity::kError,
                         absl::StrCat("ordering cycle: ", text)));
    }
  }
}

void PropagateFailure(std::vector<ParsedUnit>* units, const NameIndex& index) {
  const size_t n = units->size();
  std::vector<bool> failed(n), initially(n);
  for (size_t u = 0; u < n; ++u) failed[u] = initially[u] = !(*units)[u].ok();
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t u = 0; u < n; ++u) {
      if (failed[u]) continue;
      for (const Dependency& d : (*units)[u].unit.required) {
        auto it = index.find(d.name);
        if (it != index.end() && failed[it->second]) {
          failed[u] = changed = true;
          break;
        }
      }
    }
  }
  for (size_t u = 0; u < n; ++u) {
    if (!failed[u] || initially[u]) continue;
    ParsedUnit& parsed = (*units)[u];
    for (const Dependency& d : parsed.unit.required) {
      auto it = index.find(d.name);
      if (it != index.end() && failed[it->second]) {
        parsed.diagnostics.push_back(MakeDiagnostic(
            parsed.unit.path, d.line, Severity::kError,
            absl::StrCat("required unit ", QuoteText(d.name), " failed")));
      }
    }
  }
}

NameIndex IndexUnits(const std::vector<ParsedUnit>& units) {
  NameIndex index;
  for (size_t u = 0; u < units.size(); ++u) index[units[u].unit.name] = u;
  return index;
}

}  // namespace

const ParsedUnit* LoadedUnits::Find(absl::string_view name) const {
  auto it = std::lower_bound(
      units.begin(), units.end(), name,
      [](const ParsedUnit& u, absl::string_view n) { return u.unit.name < n; });
  if (it == units.end() || it->unit.name != name) return nullptr;
  return &*it;
}

bool LoadedUnits::has_errors() const {
  for (const Diagnostic& d : diagnostics) {
    if (d.severity == Severity::kError) return true;
  }
  for (const ParsedUnit& u : units) {
    if (!u.ok()) return true;
  }
  return false;
}

// ReadUnitFile into `*out`, a fresh ParsedUnit: what PID 1 loads goes
// straight into its vector, with no large ParsedUnit on the stack.
void ReadUnitFileInto(absl::string_view path, ParsedUnit* out) {
  std::string name(path);
  fault::UniqueFd fd(
      open(name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd.valid()) {
    MarkUnreadable(
        path, absl::StrCat("unable to open unit file: ", strerror(errno)), out);
    return;
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) {
    MarkUnreadable(
        path, absl::StrCat("unable to read unit file: ", strerror(errno)), out);
    return;
  }
  if (!S_ISREG(st.st_mode)) {
    MarkUnreadable(path, "unable to read unit file: not a regular file", out);
    return;
  }
  if (static_cast<uint64_t>(st.st_size) > kMaxUnitFileSize) {
    MarkUnreadable(path, TooLarge(absl::StrCat(st.st_size)), out);
    return;
  }
  fault::StatusOr<std::string> contents =
      fault::ReadAll(fd.get(), kMaxUnitFileSize);
  if (!contents.ok()) {
    if (contents.status().code() == fault::StatusCode::kResourceExhausted) {
      MarkUnreadable(path, TooLarge("more than 1048576"), out);
      return;
    }
    MarkUnreadable(path,
                   absl::StrCat("unable to read unit file: ",
                                strerror(contents.status().error_number())),
                   out);
    return;
  }
  ParseUnitInto(path, *contents, out);
  out->source = std::move(*contents);
}

ParsedUnit ReadUnitFile(absl::string_view path) {
  ParsedUnit parsed;
  ReadUnitFileInto(path, &parsed);
  return parsed;
}

LoadedUnits LoadUnitDirectory(absl::string_view dir) {
  std::string directory(dir);
  std::vector<Diagnostic> skipped;
  std::vector<ParsedUnit> units;
  DIR* stream = opendir(directory.c_str());
  if (stream == nullptr) {
    LoadedUnits out;
    out.directory = directory;
    out.diagnostics.push_back(MakeDiagnostic(
        dir, 0, Severity::kError,
        absl::StrCat("unable to open unit directory: ", strerror(errno))));
    return out;
  }
  std::vector<std::string> names;
  std::vector<std::string> sockets;  // *.socket (socket_keys.h)
  errno = 0;
  while (struct dirent* entry = readdir(stream)) {
    absl::string_view name = entry->d_name;
    if (absl::EndsWith(name, kServiceSuffix)) names.emplace_back(name);
    if (absl::EndsWith(name, ".socket")) sockets.emplace_back(name);
  }
  int read_error = errno;
  closedir(stream);
  if (read_error != 0) {
    skipped.push_back(MakeDiagnostic(
        dir, 0, Severity::kError,
        absl::StrCat("unable to read unit directory: ", strerror(read_error))));
  }
  std::sort(names.begin(), names.end());
  std::string prefix = absl::EndsWith(directory, "/") || directory.empty()
                           ? directory
                           : directory + "/";
  for (const std::string& name : names) {
    // A name systemd would refuse is not loaded: it would reach the log,
    // the control protocol and --check (a newline in it forged lines).
    if (std::string why = UnitFileNameProblem(name); !why.empty()) {
      skipped.push_back(MakeDiagnostic(
          dir, 0, Severity::kError,
          absl::StrCat("unit file ", QuoteText(name), " not loaded: ", why)));
      continue;
    }
    std::string path = prefix + name;
    struct stat st;
    if (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
      skipped.push_back(MakeDiagnostic(path, 0, Severity::kWarning,
                                       "not a regular file; skipped"));
      continue;
    }
    ReadUnitFileInto(path, &units.emplace_back());
  }
  std::sort(sockets.begin(), sockets.end());
  LoadedUnits out = LinkUnits(dir, std::move(units), sockets);
  out.diagnostics.insert(out.diagnostics.begin(), skipped.begin(),
                         skipped.end());
  for (const std::string& name : sockets) {
    ReadUnitFileInto(prefix + name, &out.sockets.emplace_back());
  }
  return out;
}

// Not inlined into LoadUnitDirectory: its locals would stay in that frame
// while each file is read and parsed, the deepest PID 1's stack goes.
ABSL_ATTRIBUTE_NOINLINE LoadedUnits
LinkUnits(absl::string_view directory, std::vector<ParsedUnit> units,
          const std::vector<std::string>& other_units) {
  LoadedUnits out;
  out.directory = std::string(directory);
  // Sorted by index: sorting the units themselves would hold one on the
  // stack.
  std::vector<size_t> by_name(units.size());
  for (size_t i = 0; i < by_name.size(); ++i) by_name[i] = i;
  std::stable_sort(by_name.begin(), by_name.end(), [&](size_t a, size_t b) {
    return units[a].unit.name < units[b].unit.name;
  });
  out.units.reserve(units.size());
  for (size_t i : by_name) {
    ParsedUnit& parsed = units[i];
    if (!out.units.empty() && out.units.back().unit.name == parsed.unit.name) {
      out.diagnostics.push_back(MakeDiagnostic(
          parsed.unit.path, 0, Severity::kError,
          absl::StrCat("duplicate unit ", QuoteText(parsed.unit.name),
                       ", also in ", out.units.back().unit.path,
                       "; this file is ignored")));
      continue;
    }
    out.units.push_back(std::move(parsed));
  }
  NameIndex index = IndexUnits(out.units);
  CheckDependencies(directory, index, other_units, &out.units);
  CheckCycles(&out.units, index);
  PropagateFailure(&out.units, index);
  return out;
}

std::vector<std::string> StartOrder(const LoadedUnits& loaded) {
  const std::vector<ParsedUnit>& units = loaded.units;
  NameIndex index = IndexUnits(units);
  Graph graph =
      BuildGraph(units, index, [&](size_t u) { return units[u].ok(); });
  std::vector<size_t> waiting(units.size(), 0);
  for (const std::vector<size_t>& next : graph.successors) {
    for (size_t w : next) ++waiting[w];
  }
  std::set<size_t> ready;
  for (size_t u = 0; u < units.size(); ++u) {
    if (units[u].ok() && waiting[u] == 0) ready.insert(u);
  }
  std::vector<std::string> order;
  while (!ready.empty()) {
    size_t u = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(units[u].unit.name);
    for (size_t w : graph.successors[u]) {
      if (--waiting[w] == 0) ready.insert(w);
    }
  }
  return order;
}

CheckReport RenderCheckReport(const LoadedUnits& loaded) {
  CheckReport report;
  report.has_errors = loaded.has_errors();
  for (const Diagnostic& d : loaded.diagnostics) {
    absl::StrAppend(&report.text, d.ToString(), "\n");
  }
  for (const ParsedUnit& parsed : loaded.units) {
    // By file (the unit's first: its whole-file checks come with it),
    // then by line.
    std::vector<Diagnostic> sorted = parsed.diagnostics;
    std::vector<absl::string_view> files = {parsed.unit.path};
    for (const Diagnostic& d : sorted) {
      if (std::find(files.begin(), files.end(), d.file) == files.end()) {
        files.push_back(d.file);
      }
    }
    auto rank = [&files](const Diagnostic& d) {
      return std::find(files.begin(), files.end(), d.file) - files.begin();
    };
    std::stable_sort(sorted.begin(), sorted.end(),
                     [&rank](const Diagnostic& a, const Diagnostic& b) {
                       return std::make_pair(rank(a), a.line) <
                              std::make_pair(rank(b), b.line);
                     });
    for (const Diagnostic& d : sorted) {
      absl::StrAppend(&report.text, d.ToString(), "\n");
    }
  }
  // Services on these lines; the targets the start unit reaches on one of
  // their own (the layout's: target_unit.h).
  auto is_target = [](const std::string& name) {
    return absl::EndsWith(name, ".target");
  };
  absl::StrAppend(&report.text, "start order:");
  for (const std::string& name : StartOrder(loaded)) {
    if (!is_target(name)) absl::StrAppend(&report.text, " ", name);
  }
  absl::StrAppend(&report.text, "\n");
  if (loaded.layout) {
    absl::StrAppend(&report.text, "boot (", loaded.start_unit, "):");
    for (const std::string& name : loaded.boot) {
      if (!is_target(name)) absl::StrAppend(&report.text, " ", name);
    }
    absl::StrAppend(&report.text, "\nmasked:");
    for (const std::string& name : loaded.masked) {
      absl::StrAppend(&report.text, " ", name);
    }
    absl::StrAppend(&report.text, "\nboot targets:");
    for (const std::string& name : loaded.boot) {
      if (is_target(name)) absl::StrAppend(&report.text, " ", name);
    }
    absl::StrAppend(&report.text, "\n");
  }
  return report;
}

}  // namespace faultinit
