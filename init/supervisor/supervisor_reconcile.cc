// Supervisor: the decisions Reconcile makes over all the entries once a
// dispatch has changed states: start what is queued once what it is
// ordered after (After=, and Before= of others) is settled, fail or stop
// what Requires= a unit that failed or stopped, and in a shutdown stop a
// service once everything ordered after it is down.

#include <algorithm>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "init/supervisor/supervisor.h"
#include "init/supervisor/supervisor_entry.h"

namespace faultinit {

void Supervisor::LinkOrdering() {
  for (auto& [name, e] : entries_) {
    e->after.clear();
    if (e->declared) e->after = e->declared->after;
  }
  // Before=X on A orders X after A.
  for (auto& [name, e] : entries_) {
    if (!e->declared) continue;
    for (const std::string& before : e->declared->before) {
      auto it = entries_.find(before);
      if (it != entries_.end()) it->second->after.push_back(name);
    }
  }
}

void Supervisor::Order(const LoadedUnits& units) {
  LinkOrdering();
  order_ = StartOrder(units);
  for (const auto& [name, e] : entries_) {
    if (std::find(order_.begin(), order_.end(), name) == order_.end()) {
      order_.push_back(name);
    }
  }
}

void Supervisor::StartAll() {
  for (const std::string& name : order_) QueueStart(*entries_[name]);
  dirty_ = true;
  Reconcile();
}

void Supervisor::Shutdown() {
  shutting_down_ = true;
  for (auto& [name, e] : entries_) {
    e->pending_start = false;
    // A reload's new definition would never be applied now (ApplyReplacements
    // does not run in a shutdown): dropped, so the unit is not Busy forever.
    e->replacement.reset();
  }
  dirty_ = true;
  Reconcile();
}

bool Supervisor::AllStopped() const {
  for (const auto& [name, e] : entries_) {
    if (!Down(e->service->state())) return false;
  }
  return true;
}

bool Supervisor::Settled(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) return true;
  const Entry& e = *it->second;
  return !e.pending_start && e.service->state() != ServiceState::kStarting;
}

std::optional<std::string> Supervisor::BrokenRequirement(
    const Entry& entry) const {
  for (const std::string& name : entry.required) {
    auto it = entries_.find(name);
    if (it == entries_.end()) continue;  // the loader failed this unit
    const Entry& dep = *it->second;
    ServiceState state = dep.service->state();
    if (state == ServiceState::kFailed) {
      return absl::StrCat("required unit ", name, " failed");
    }
    // A unit a condition skipped did not fail: what requires it runs, as in
    // systemd.
    if (state == ServiceState::kInactive && !dep.pending_start &&
        !dep.service->succeeded() && !dep.service->skipped()) {
      return absl::StrCat("required unit ", name, " stopped");
    }
  }
  return std::nullopt;
}

void Supervisor::Reconcile() {
  // Each pass may change states, which may unblock more: bounded repeats.
  for (int pass = 0; dirty_ && pass < 64; ++pass) {
    dirty_ = false;
    RunJobEvents();  // supervisor_jobs.cc: may queue starts and stops
    if (shutting_down_) {
      for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
        Entry& e = *entries_[*it];
        if (Down(e.service->state())) continue;
        bool dependents_down = true;
        for (const auto& [name, other] : entries_) {
          if (std::find(other->after.begin(), other->after.end(), *it) !=
                  other->after.end() &&
              !Down(other->service->state())) {
            dependents_down = false;
          }
        }
        if (dependents_down) e.service->Stop();
      }
      continue;
    }
    ApplyReplacements();
    for (const std::string& name : order_) {
      Entry& e = *entries_[name];
      if (e.removed || e.replacement) continue;
      if (std::optional<std::string> broken = BrokenRequirement(e)) {
        ServiceState state = e.service->state();
        if (e.pending_start || state == ServiceState::kStarting ||
            state == ServiceState::kRunning ||
            state == ServiceState::kRestarting) {
          e.pending_start = false;
          e.service->DependencyFailed(*broken);
        }
        continue;
      }
      if (!e.pending_start) continue;
      // A start wave forks while earlier children exec, but only so many at
      // once: each pending exec report holds a descriptor. The rest stay
      // queued; each report read (ExecReported) reconciles again.
      if (pending_execs_ >= kMaxPendingExecs) continue;
      if (!std::all_of(e.after.begin(), e.after.end(),
                       [this](const std::string& a) { return Settled(a); })) {
        continue;
      }
      e.pending_start = false;
      e.service->Start();
    }
  }
  // The main loop calls this after each dispatch, before it waits again:
  // the view of the live processes must not outlive the dispatch
  // (supervisor_processes.cc).
  members_.reset();
}

}  // namespace faultinit
