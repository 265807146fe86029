#include "init/system/needed_units.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "init/system/socket_keys.h"

namespace faultinit {
namespace {

// A name as Unit keeps it: a service without its suffix, others with.
absl::string_view KeptName(absl::string_view name) {
  absl::ConsumeSuffix(&name, ".service");
  return name;
}

}  // namespace

size_t KeepNeededUnits(LoadedUnits* units,
                       const std::vector<std::string>& also) {
  if (!units->layout) return 0;
  std::vector<ParsedUnit>& all = units->units;
  std::vector<bool> keep(all.size(), false);
  std::vector<size_t> work;
  auto need = [&](absl::string_view name) {
    const ParsedUnit* found = units->Find(KeptName(name));
    if (found == nullptr) return;
    const size_t i = static_cast<size_t>(found - all.data());
    if (keep[i]) return;
    keep[i] = true;
    work.push_back(i);
  };
  for (const std::string& name : units->boot) need(name);
  need(units->start_unit);
  // Every shutdown goes through it: which units stop first and which are
  // left for the end (Supervisor::Shutdown) is read off its conflicts.
  need("shutdown.target");
  for (const ParsedUnit& socket : units->sockets) {
    need(SocketServiceName(socket.unit));
  }
  for (const std::string& name : also) need(name);
  while (!work.empty()) {
    const Unit& unit = all[work.back()].unit;
    work.pop_back();
    for (const std::vector<Dependency>* list :
         {&unit.wanted, &unit.required, &unit.jobs.binds_to,
          &unit.jobs.requisite, &unit.jobs.on_failure, &unit.jobs.on_success}) {
      for (const Dependency& d : *list) need(d.name);
    }
  }
  // Compacted in place, in name order (LoadedUnits::Find searches it), and
  // then moved to a block of the kept size: the large one is freed.
  size_t kept = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    if (!keep[i]) continue;
    if (kept != i) all[kept] = std::move(all[i]);
    ++kept;
  }
  const size_t dropped = all.size() - kept;
  all.erase(all.begin() + static_cast<std::ptrdiff_t>(kept), all.end());
  all.shrink_to_fit();
  return dropped;
}

}  // namespace faultinit
