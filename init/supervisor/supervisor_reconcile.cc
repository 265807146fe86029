// Supervisor: the dependency graph among the entries, and the decisions
// Reconcile makes once a dispatch has changed states: start what is queued
// once what it is ordered after (After=, and Before= of others) is settled,
// fail or stop what Requires= a unit that failed or stopped, and in a
// shutdown stop a service once everything ordered after it is down.
//
// Work per event is proportional to what the event touches, not to the
// number of units:
//   - The graph is resolved to Entry pointers, with its reverse edges
//     (followers, required_by), when definitions change: every entry at a
//     reload (LinkAll), one entry's own edges when its replacement is
//     swapped in (Unlink, Link), every edge of an entry about to be erased
//     (Detach). The names come from the definition in force (`declared`,
//     `required`); a name that is no entry is left out.
//   - A change of state, of a queued start or of links Touches its entry.
//     A Reconcile pass decides for the touched entries and for what depends
//     on them (followers and required_by; in a shutdown, what they are
//     ordered after), each once, in start order (reverse start order in a
//     shutdown): what a pass over every entry in that order decided. A
//     decision that touches an entry later in that order has it decided in
//     the same pass; one earlier (or itself), in the next (deferred_). An
//     entry nothing touched decides as before: nothing it reads changed.
//   - A queued start that is ready while kMaxPendingExecs exec reports are
//     pending is held (exec_waiting_, in the order held); each pass
//     schedules as many held starts as there are free slots
//     (ReleaseExecSlots), so a report read decides again for them.
//   - A shutdown keeps, per entry, how many of its followers (per edge)
//     are not down (up_followers, counted by StateChanged): an entry is
//     stopped when that reaches 0, with no scan of the others. In the
//     first of a layout's two stages (Supervisor::Shutdown), a unit kept
//     for the second does not hold what it is ordered after: only then are
//     the followers of an entry looked at (EarlyFollowerUp), and only
//     while that count is not 0. The second stage begins when early_up_
//     (counted by StateChanged too) reaches 0: one walk of the entries.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "init/supervisor/supervisor.h"
#include "init/supervisor/supervisor_entry.h"
#include "init/system/target_unit.h"

namespace faultinit {
namespace {

// Erases the first element of `v` for which `match` holds, if any.
template <typename T, typename Match>
void EraseFirst(std::vector<T>& v, Match match) {
  auto it = std::find_if(v.begin(), v.end(), match);
  if (it != v.end()) v.erase(it);
}

// An empty worklist gives back a large buffer: a start wave or a shutdown
// of thousands of units grows it once, and PID 1 does not keep it.
template <typename T>
void Release(std::vector<T>& v) {
  if (v.empty() && v.capacity() > 64) std::vector<T>().swap(v);
}

}  // namespace

void Supervisor::Link(Entry& e) {
  const bool up = !Down(e.service->state());
  if (e.declared()) {
    for (const std::string& name : e.declared()->after()) {
      auto it = entries_.find(name);
      if (it == entries_.end()) continue;
      Entry& before = *it->second;
      e.MutableLinks().after.push_back({&before, true});
      Links& b = before.MutableLinks();
      b.followers.push_back({&e, false});
      if (up) ++b.up_followers;
    }
    // Before=X on E orders X after E.
    for (const std::string& name : e.declared()->before()) {
      auto it = entries_.find(name);
      if (it == entries_.end()) continue;
      Entry& later = *it->second;
      Links& own = e.MutableLinks();
      own.followers.push_back({&later, true});
      later.MutableLinks().after.push_back({&e, false});
      if (!Down(later.service->state())) ++own.up_followers;
    }
  }
  for (const std::string& name : e.required()) {
    auto it = entries_.find(name);
    if (it == entries_.end()) continue;  // the loader failed this unit
    e.MutableLinks().requires_links.push_back(it->second.get());
    it->second->MutableLinks().required_by.push_back(&e);
  }
  LinkJobs(e);
}

void Supervisor::Unlink(Entry& e) {
  UnlinkJobs(e);
  if (!e.links) return;
  Links& links = *e.links;
  const bool up = !Down(e.service->state());
  for (const Edge& l : links.after) {
    if (!l.own) continue;
    EraseFirst(l.entry->links->followers,
               [&e](const Edge& x) { return x.entry == &e && !x.own; });
    if (up) --l.entry->links->up_followers;
  }
  links.after.erase(std::remove_if(links.after.begin(), links.after.end(),
                                   [](const Edge& x) { return x.own; }),
                    links.after.end());
  for (const Edge& l : links.followers) {
    if (!l.own) continue;
    // It loses what it was ordered after: its queued start is decided again.
    Schedule(*l.entry);
    EraseFirst(l.entry->links->after,
               [&e](const Edge& x) { return x.entry == &e && !x.own; });
    if (!Down(l.entry->service->state())) --links.up_followers;
  }
  links.followers.erase(
      std::remove_if(links.followers.begin(), links.followers.end(),
                     [](const Edge& x) { return x.own; }),
      links.followers.end());
  for (Entry* r : links.requires_links) {
    EraseFirst(r->links->required_by, [&e](const Entry* x) { return x == &e; });
  }
  links.requires_links.clear();
  if (links.empty()) e.links.reset();
}

void Supervisor::Detach(Entry& e) {
  Unlink(e);
  DetachJobs(e);
  if (!e.links) return;
  Links& links = *e.links;
  const bool up = !Down(e.service->state());
  for (const Edge& l : links.after) {  // edges of l.entry's Before=
    EraseFirst(l.entry->links->followers,
               [&e](const Edge& x) { return x.entry == &e && x.own; });
    if (up) --l.entry->links->up_followers;
  }
  for (const Edge& l : links.followers) {  // edges of l.entry's After=
    EraseFirst(l.entry->links->after,
               [&e](const Edge& x) { return x.entry == &e && x.own; });
    Schedule(*l.entry);
  }
  for (Entry* d : links.required_by) {
    std::vector<Entry*>& r = d->links->requires_links;
    r.erase(std::remove(r.begin(), r.end(), &e), r.end());
    Schedule(*d);
  }
  e.links.reset();
}

void Supervisor::LinkAll() {
  for (auto& [name, e] : entries_) e->links.reset();
  unneeded_units_.clear();
  for (auto& [name, e] : entries_) {
    Link(*e);
    Touch(*e);
  }
}

void Supervisor::Order(const LoadedUnits& units) {
  LinkAll();
  constexpr uint32_t kUnplaced = UINT32_MAX;
  for (auto& [name, e] : entries_) e->position = kUnplaced;
  order_.clear();
  order_.reserve(entries_.size());
  for (const std::string& name : StartOrder(units)) {
    auto it = entries_.find(name);
    if (it == entries_.end() || it->second->position != kUnplaced) continue;
    it->second->position = static_cast<uint32_t>(order_.size());
    order_.push_back(it->second.get());
  }
  for (auto& [name, e] : entries_) {
    if (e->position != kUnplaced) continue;
    e->position = static_cast<uint32_t>(order_.size());
    order_.push_back(e.get());
  }
}

void Supervisor::StartAll() {
  for (Entry* e : order_) QueueStart(*e);
  dirty_ = true;
  Reconcile();
}

void Supervisor::Shutdown() {
  shutting_down_ = true;
  UpdateOrphanReaping();  // the end waits for every child: no lazy sweeps
  // Which units wait for the second stage: with no shutdown.target (a flat
  // directory), none.
  auto target = entries_.find(kShutdownTarget);
  const Entry* shutdown =
      target == entries_.end() ? nullptr : target->second.get();
  auto conflicts = [](const Entry& a, const Entry& b) {
    return a.jobs() &&
           std::find(a.jobs()->conflicts().begin(), a.jobs()->conflicts().end(),
                     b.service->name()) != a.jobs()->conflicts().end();
  };
  early_up_ = 0;
  for (auto& [name, e] : entries_) {
    e->kept_at_shutdown = shutdown != nullptr && e.get() != shutdown &&
                          !conflicts(*e, *shutdown) &&
                          !conflicts(*shutdown, *e);
    if (!e->kept_at_shutdown && !Down(e->service->state())) ++early_up_;
  }
  final_stop_ = false;
  for (auto& [name, e] : entries_) {
    // A queued start is dropped; so is a reload's new definition, which
    // would never be applied now (ApplyReplacements does not run in a
    // shutdown), so that the unit is not Busy forever.
    ApplyJob(*e, UnitJobEvent::kShutdown);
    Touch(*e);
  }
  dirty_ = true;
  Reconcile();
}

bool Supervisor::AllStopped() const { return up_ == 0; }

bool Supervisor::Settled(const Entry& e) {
  return !StartQueued(e.job) && e.service->state() != ServiceState::kStarting;
}

std::optional<std::string> Supervisor::BrokenRequirement(
    const Entry& entry) const {
  for (const Entry* dep : entry.requires_links()) {
    ServiceState state = dep->service->state();
    if (state == ServiceState::kFailed) {
      return absl::StrCat("required unit ", dep->service->name(), " failed");
    }
    // A unit a condition skipped did not fail: what requires it runs, as in
    // systemd.
    if (state == ServiceState::kInactive && !StartQueued(dep->job) &&
        !dep->service->succeeded() && !dep->service->skipped()) {
      return absl::StrCat("required unit ", dep->service->name(), " stopped");
    }
  }
  return std::nullopt;
}

void Supervisor::Touch(Entry& e) {
  dirty_ = true;
  if (e.touched) return;
  e.touched = true;
  touched_.push_back(&e);
}

bool Supervisor::PassesBefore(const Entry& a, const Entry& b) const {
  return shutting_down_ ? a.position > b.position : a.position < b.position;
}

void Supervisor::Schedule(Entry& e) {
  if (pass_open_ && (deciding_ == nullptr || PassesBefore(*deciding_, e))) {
    if (e.in_pass) return;
    e.in_pass = true;
    pass_.push_back(&e);
    std::push_heap(pass_.begin(), pass_.end(),
                   [this](const Entry* a, const Entry* b) {
                     return PassesBefore(*b, *a);
                   });
    return;
  }
  dirty_ = true;
  if (e.deferred) return;
  e.deferred = true;
  deferred_.push_back(&e);
}

void Supervisor::Expand() {
  // Schedule touches nothing: touched_ does not grow meanwhile.
  for (Entry* x : touched_) {
    x->touched = false;
    Schedule(*x);
    if (shutting_down_) {
      for (const Edge& l : x->after()) Schedule(*l.entry);
    } else {
      for (const Edge& l : x->followers()) Schedule(*l.entry);
      for (Entry* d : x->required_by()) Schedule(*d);
    }
  }
  touched_.clear();
}

void Supervisor::HoldForExecSlot(Entry& e) {
  if (e.exec_waiting) return;
  e.exec_waiting = true;
  exec_waiting_.push_back(&e);
}

void Supervisor::ReleaseExecSlots() {
  size_t free =
      pending_execs_ < kMaxPendingExecs ? kMaxPendingExecs - pending_execs_ : 0;
  while (free > 0 && exec_head_ < exec_waiting_.size()) {
    Entry& e = *exec_waiting_[exec_head_++];
    e.exec_waiting = false;
    if (!StartQueued(e.job)) continue;  // stopped or started meanwhile
    Schedule(e);
    --free;
  }
  if (exec_head_ == exec_waiting_.size()) {
    exec_waiting_.clear();
    exec_head_ = 0;
    Release(exec_waiting_);
  }
}

bool Supervisor::EarlyFollowerUp(const Entry& e) const {
  for (const Edge& l : e.followers()) {
    if (!l.entry->kept_at_shutdown && !Down(l.entry->service->state())) {
      return true;
    }
  }
  return false;
}

void Supervisor::DecideShutdown(Entry& e) {
  const ServiceState state = e.service->state();
  if (Down(state)) return;
  // Nothing starts once a shutdown began, in either stage: a start under
  // way (its next step would spawn) and a pending restart (its timer would
  // start it) are stopped at once, whatever their followers.
  if (state == ServiceState::kStarting || state == ServiceState::kRestarting) {
    e.service->Stop();
    return;
  }
  if (!final_stop_) {
    // First stage: shutdown.target's conflicts, in reverse order among
    // themselves (a kept unit ordered after one does not hold it).
    if (e.kept_at_shutdown) return;
    if (e.up_followers() != 0 && EarlyFollowerUp(e)) return;
  } else if (e.up_followers() != 0) {
    return;
  }
  e.service->Stop();
}

void Supervisor::Decide(Entry& e) {
  ++decisions_;
  if (shutting_down_) {
    DecideShutdown(e);
    return;
  }
  // Drops the process groups and sessions of a service that is down and
  // whose processes are gone (HasProcesses prunes them), before their ids
  // can be reused.
  if (Down(e.service->state())) (void)HasProcesses(*e.service);
  if (ReloadWaits(e.job)) return;
  // A daemon-reload's new definition, swapped in once the unit is down or
  // waits to restart; a restart cannot run one with an error.
  const bool redefined = !redefinitions_.empty() && SwapRedefinition(e);
  if (RefuseBrokenRestart(e)) return;
  if (std::optional<std::string> broken = BrokenRequirement(e)) {
    ServiceState state = e.service->state();
    if (StartQueued(e.job) || state == ServiceState::kStarting ||
        state == ServiceState::kRunning || state == ServiceState::kRestarting) {
      ApplyJob(e, UnitJobEvent::kStartCancelled);
      Touch(e);
      e.service->DependencyFailed(*broken);
    }
    return;
  }
  if (!StartQueued(e.job)) return;
  // A start requested while the service stops waits here until it is down
  // (the Service takes no start while stopping; its state change touches
  // this entry again).
  if (e.service->state() == ServiceState::kStopping) return;
  // A daemon-reload's new definition is what the start runs; one with an
  // error refuses it, as a start of a unit with an error is (StartJob).
  if ((redefined || SwapRedefinition(e)) && !e.load_error().empty()) {
    ApplyJob(e, UnitJobEvent::kStartCancelled);
    e.service->Refuse(e.load_error());
    Touch(e);
    return;
  }
  for (const Edge& l : e.after()) {
    if (!Settled(*l.entry)) return;
  }
  // A start wave forks while earlier children exec, but only so many at
  // once: each pending exec report holds a descriptor. The rest stay
  // queued, held until a report read frees a slot (ReleaseExecSlots).
  if (pending_execs_ >= kMaxPendingExecs) {
    HoldForExecSlot(e);
    return;
  }
  ApplyJob(e, UnitJobEvent::kStartTaken);
  Touch(e);
  // Requisite= (supervisor_jobs.cc), checked when the start runs.
  if (std::optional<std::string> missing = RequisiteMissing(e)) {
    e.service->DependencyFailed(*missing);
    return;
  }
  e.service->Start();
}

void Supervisor::Reconcile() {
  // Each pass may change states, which may unblock more: bounded repeats
  // (what is left is decided at the next call).
  for (int pass = 0; dirty_ && pass < 64; ++pass) {
    dirty_ = false;
    if (shutting_down_ && !final_stop_ && early_up_ == 0) {
      // shutdown.target's conflicts are down: the second stage.
      final_stop_ = true;
      for (Entry* e : order_) {
        if (!e->kept_at_shutdown || Down(e->service->state())) continue;
        log_.Info(e->service->name(),
                  ": stopping: left for the end of the shutdown (no "
                  "Conflicts=shutdown.target)");
        Touch(*e);
      }
    }
    if (check_orphan_hosts_) {  // UpdateOrphanReaping
      check_orphan_hosts_ = false;
      // A view of the processes taken in the dispatch may list a process
      // the kernel has reaped since, unheard of: it would keep a session.
      members_.reset();
      PruneOrphanHosts();
      RecheckOrphanHosts();
    }
    RunJobEvents();  // supervisor_jobs.cc: may queue starts and stops
    // Reports known at their spawn (supervisor_processes.cc): after the job
    // events (a unit that began to start is still starting for its
    // Conflicts=, as when its report comes through the loop), before
    // ApplyReplacements may erase an entry.
    TellKnownReports();
    if (!shutting_down_) ApplyReplacements();
    pass_open_ = true;
    deciding_ = nullptr;
    std::vector<Entry*> again;
    again.swap(deferred_);
    for (Entry* e : again) {
      e->deferred = false;
      Schedule(*e);
    }
    ReleaseExecSlots();
    Expand();
    const auto later = [this](const Entry* a, const Entry* b) {
      return PassesBefore(*b, *a);
    };
    while (!pass_.empty()) {
      std::pop_heap(pass_.begin(), pass_.end(), later);
      Entry* e = pass_.back();
      pass_.pop_back();
      e->in_pass = false;
      deciding_ = e;
      Decide(*e);
      Expand();
    }
    deciding_ = nullptr;
    pass_open_ = false;
    // Held starts a slot is free for, which the pass did not start (what
    // they are after is no longer settled): the next ones get their turn.
    if (pending_execs_ < kMaxPendingExecs &&
        exec_head_ < exec_waiting_.size()) {
      dirty_ = true;
    }
  }
  // Past the bound on passes: told now (known_reports_ is empty whenever
  // Reconcile returns); what they change is decided at the next call.
  while (!known_reports_.empty()) TellKnownReports();
  // Decisions left (a wave of thousands of starts, kMaxPendingExecs a
  // pass): the loop comes back at once, after a look at its other events.
  if (dirty_ && again_ == 0) {
    again_ = scheduler_.After(fault::Duration(), [this] {
      again_ = 0;
      dirty_ = true;
    });
  }
  Release(touched_);
  Release(deferred_);
  Release(pass_);
  // The main loop calls this after each dispatch, before it waits again:
  // the view of the live processes must not outlive the dispatch
  // (supervisor_processes.cc).
  members_.reset();
}

}  // namespace faultinit
