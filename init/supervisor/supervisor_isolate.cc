// Supervisor: `systemctl isolate NAME` (systemd.unit(5), AllowIsolate=,
// IgnoreOnIsolate=; systemctl(1), isolate). systemd makes one transaction:
// a start job for NAME and what it pulls in through its requirement
// dependencies, and a stop job for every other unit that is active or on
// its way, but those that say IgnoreOnIsolate=yes and those triggered by
// a unit it keeps. Here the start is StartJob's, and the stops are
// requested stops (StopRequest's), propagated along Requires=, BindsTo=,
// Requisite=, PartOf= as any stop. A service a socket unit activates is
// kept: its socket units are faultinit's (socket_activation.h), which an
// isolate never stops, so the service stays as their trigger would keep it.
//
// The walk over every entry is the request's cost: an operator request,
// not an event. Loop thread only.

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "init/supervisor/supervisor.h"
#include "init/supervisor/supervisor_entry.h"

namespace faultinit {

fault::StatusOr<std::vector<std::string>> Supervisor::IsolateService(
    absl::string_view name) {
  auto it = entries_.find(name);
  if (it == entries_.end() || it->second->job == UnitJob::kForget) {
    return fault::NotFoundError(absl::StrCat("no such service: ", name));
  }
  Entry& target = *it->second;
  if (!target.jobs() || !target.jobs()->allow_isolate) {
    return fault::FailedPreconditionError(
        "Operation refused, unit may not be isolated.");
  }
  // The closure: what a start of the target pulls in, whatever its state.
  std::vector<const Entry*> keep = {&target};
  for (size_t i = 0; i < keep.size(); ++i) {
    const Entry& e = *keep[i];
    auto pull = [&](const auto& names) {
      for (const std::string& n : names) {
        auto d = entries_.find(n);
        if (d == entries_.end() || d->second->job == UnitJob::kForget) continue;
        if (std::find(keep.begin(), keep.end(), d->second.get()) ==
            keep.end()) {
          keep.push_back(d->second.get());
        }
      }
    };
    pull(e.required());
    if (e.jobs()) {
      pull(e.jobs()->wants());
      pull(e.jobs()->binds_to());
    }
  }
  std::vector<std::string> stopped;
  for (auto& [n, entry] : entries_) {
    Entry& e = *entry;
    const ServiceState state = e.service->state();
    if (!StartQueued(e.job) &&
        (Down(state) || state == ServiceState::kStopping)) {
      continue;
    }
    if (std::find(keep.begin(), keep.end(), &e) != keep.end()) continue;
    if (e.jobs() && e.jobs()->ignore_on_isolate) continue;
    if (listen_fds_ && listen_fds_(n) != nullptr) continue;
    stopped.push_back(n);
  }
  for (const std::string& n : stopped) {
    log_.Info(n, ": stopping: isolating to ", name);
    StopRequest(n, /*restart=*/false).IgnoreError();  // known, above
  }
  StartJob(target);
  return stopped;
}

}  // namespace faultinit
