// Supervisor::CheckIndexes (supervisor.h): the indexes and counts the
// Supervisor keeps so that an event costs what it touches
// (supervisor_reconcile.cc), recomputed the slow way, by walking every
// entry and looking names up, as the Supervisor did before it kept them.
// For tests; not called by faultinit.

#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "init/supervisor/supervisor.h"
#include "init/supervisor/supervisor_entry.h"

namespace faultinit {
namespace {

using Ends = std::vector<std::pair<const void*, bool>>;

template <typename Edges>
Ends Sorted(const Edges& edges) {
  Ends ends;
  for (const auto& l : edges) ends.emplace_back(l.entry, l.own);
  std::sort(ends.begin(), ends.end());
  return ends;
}

}  // namespace

std::string Supervisor::CheckIndexes() const {
  // The edges, from every entry's definition in force, by name.
  std::map<const Entry*, Ends> after;
  std::map<const Entry*, Ends> followers;
  std::map<const Entry*, std::vector<const Entry*>> required_by;
  for (const auto& [name, e] : entries_) {
    if (e->declared()) {
      for (const std::string& a : e->declared()->after()) {
        auto it = entries_.find(a);
        if (it == entries_.end()) continue;
        after[e.get()].emplace_back(it->second.get(), true);
        followers[it->second.get()].emplace_back(e.get(), false);
      }
      for (const std::string& b : e->declared()->before()) {
        auto it = entries_.find(b);
        if (it == entries_.end()) continue;
        followers[e.get()].emplace_back(it->second.get(), true);
        after[it->second.get()].emplace_back(e.get(), false);
      }
    }
    std::vector<const Entry*> requires_links;
    for (const std::string& r : e->required()) {
      auto it = entries_.find(r);
      if (it == entries_.end()) continue;
      requires_links.push_back(it->second.get());
      required_by[it->second.get()].push_back(e.get());
    }
    if (!std::equal(requires_links.begin(), requires_links.end(),
                    e->requires_links().begin(), e->requires_links().end())) {
      return absl::StrCat(name, ": Requires= links differ from its names");
    }
  }
  // Jobs' edges (supervisor_jobs.cc), by name, and the StopWhenUnneeded=
  // units.
  std::map<const Entry*, std::vector<const Entry*>> job_by;
  std::vector<const Entry*> unneeded;
  for (const auto& [name, e] : entries_) {
    std::vector<const Entry*> job_links;
    if (e->jobs()) {
      const EntryJobs& j = *e->jobs();
      for (const absl::Span<const std::string> names :
           {j.wants(), j.binds_to(), j.part_of(), j.conflicts(),
            j.reload_propagated_from()}) {
        for (const std::string& n : names) {
          auto it = entries_.find(n);
          if (it == entries_.end()) continue;
          const Entry* target = it->second.get();
          if (std::find(job_links.begin(), job_links.end(), target) !=
              job_links.end()) {
            continue;
          }
          job_links.push_back(target);
          job_by[target].push_back(e.get());
        }
      }
      if (j.stop_when_unneeded) unneeded.push_back(e.get());
    }
    std::vector<const Entry*> have(e->job_links().begin(),
                                   e->job_links().end());
    std::sort(job_links.begin(), job_links.end());
    std::sort(have.begin(), have.end());
    if (have != job_links) {
      return absl::StrCat(name, ": `job_links` differ from its jobs' names");
    }
  }
  for (const auto& [name, e] : entries_) {
    std::vector<const Entry*> want = job_by[e.get()];
    std::vector<const Entry*> have(e->job_by().begin(), e->job_by().end());
    std::sort(want.begin(), want.end());
    std::sort(have.begin(), have.end());
    if (have != want) return absl::StrCat(name, ": `job_by` differs");
  }
  {
    std::vector<const Entry*> have(unneeded_units_.begin(),
                                   unneeded_units_.end());
    std::sort(unneeded.begin(), unneeded.end());
    std::sort(have.begin(), have.end());
    if (have != unneeded) return "unneeded_units_ differs from the units";
  }
  size_t up = 0;
  size_t redefined = 0;
  for (const auto& [name, e] : entries_) {
    Ends want = after[e.get()];
    std::sort(want.begin(), want.end());
    if (Sorted(e->after()) != want) {
      return absl::StrCat(name, ": `after` differs from After=/Before=");
    }
    want = followers[e.get()];
    std::sort(want.begin(), want.end());
    if (Sorted(e->followers()) != want) {
      return absl::StrCat(name, ": `followers` differs from After=/Before=");
    }
    std::vector<const Entry*> by = required_by[e.get()];
    std::vector<const Entry*> have(e->required_by().begin(),
                                   e->required_by().end());
    std::sort(by.begin(), by.end());
    std::sort(have.begin(), have.end());
    if (by != have) return absl::StrCat(name, ": `required_by` differs");
    int up_followers = 0;
    for (const Edge& l : e->followers()) {
      up_followers += !Down(l.entry->service->state());
    }
    if (up_followers != e->up_followers()) {
      return absl::StrCat(name, ": up_followers ", e->up_followers(),
                          ", followers not down ", up_followers);
    }
    up += !Down(e->service->state());
    if (e->position >= order_.size() || order_[e->position] != e.get()) {
      return absl::StrCat(name, ": not at its position in the start order");
    }
    if (e->exec_waiting !=
        (std::find(
             exec_waiting_.begin() + static_cast<std::ptrdiff_t>(exec_head_),
             exec_waiting_.end(), e.get()) != exec_waiting_.end())) {
      return absl::StrCat(name, ": `exec_waiting` differs from exec_waiting_");
    }
    if (e->reloading != (std::find(reloading_.begin(), reloading_.end(),
                                   e.get()) != reloading_.end())) {
      return absl::StrCat(name, ": `reloading` differs from reloading_");
    }
    if (ReloadWaits(e->job) && !e->reloading && !shutting_down_) {
      return absl::StrCat(name, ": removed or replaced, not in reloading_");
    }
    if (Replacing(e->job) != (replacements_.count(e.get()) != 0)) {
      return absl::StrCat(name, ": job ", UnitJobName(e->job),
                          " differs from replacements_");
    }
    if (redefinitions_.count(e.get()) != 0) {
      ++redefined;
      if (ReloadWaits(e->job)) {
        return absl::StrCat(name,
                            ": a daemon-reload's definition waits "
                            "beside job ",
                            UnitJobName(e->job));
      }
    }
  }
  if (redefined != redefinitions_.size()) {
    return "redefinitions_ holds an entry that is gone";
  }
  if (order_.size() != entries_.size()) return "start order: wrong size";
  if (up != up_) return absl::StrCat("up_ ", up_, ", entries not down ", up);
  if (dirty_) return "";  // Reconcile left work for its next call

  // Nothing left: a pass over every entry decides nothing.
  if (!touched_.empty() || !deferred_.empty() || !pass_.empty()) {
    return "worklist not empty after Reconcile";
  }
  for (const Entry* e : order_) {
    const ServiceState state = e->service->state();
    if (shutting_down_) {
      if (state == ServiceState::kStarting ||
          state == ServiceState::kRestarting) {
        return absl::StrCat(e->service->name(),
                            ": starting or restarting in a shutdown");
      }
      if (state == ServiceState::kRunning && e->up_followers() == 0 &&
          (final_stop_ || !e->kept_at_shutdown)) {
        return absl::StrCat(e->service->name(),
                            ": up in a shutdown, with its followers down");
      }
      continue;
    }
    if (ReloadWaits(e->job)) continue;
    // A daemon-reload's definition with an error, swapped in as the unit
    // waited to restart, refuses the restart (RefuseBrokenRestart).
    if (state == ServiceState::kRestarting && !e->load_error().empty()) {
      return absl::StrCat(e->service->name(),
                          ": waits to restart with an error in its unit");
    }
    if (BrokenRequirement(*e)) {
      if (StartQueued(e->job) || state == ServiceState::kStarting ||
          state == ServiceState::kRunning ||
          state == ServiceState::kRestarting) {
        return absl::StrCat(e->service->name(),
                            ": up or queued with a broken requirement");
      }
      continue;
    }
    // Ready, but held while kMaxPendingExecs exec reports are pending
    // (ReleaseExecSlots lets it go when one is read).
    // A start queued while the service stops waits until it is down.
    if (StartQueued(e->job) && state != ServiceState::kStopping &&
        std::all_of(e->after().begin(), e->after().end(),
                    [](const Edge& l) { return Settled(*l.entry); }) &&
        !(e->exec_waiting && pending_execs_ >= kMaxPendingExecs)) {
      return absl::StrCat(e->service->name(),
                          ": queued, and what it is after is settled");
    }
  }
  return "";
}

}  // namespace faultinit
