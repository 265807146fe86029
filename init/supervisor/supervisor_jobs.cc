// Supervisor: jobs across units, with systemd's meaning (systemd.unit(5)),
// decided where a request or a state change happens; Reconcile's ordering
// (After=) and Requires= checks then do the rest.
//
//   start (a request, a pull-in, OnFailure=/OnSuccess=)  StartJob: the unit
//       and, transitively, what it Requires=, Wants= and BindsTo= that is
//       not up are queued for start; each queued unit stops the units it
//       Conflicts= with and those that conflict with it; a unit whose
//       Requisite= is not active (running or starting) fails at once. A
//       name faultinit has no unit for is satisfied (--check warned).
//   stop, restart (a request)  StopRequest/StopJob: the units that
//       Requires=, BindsTo=, Requisite= or are PartOf= the stopped one,
//       transitively, stop too (restart: are restarted, if they were up).
//   a queued start runs (Decide, once its After= units are settled)
//       RequisiteMissing again: a Requisite= unit that is not active then
//       (failed, stopped, skipped by a condition, a oneshot that finished)
//       fails the start, as systemd's verify-active job does (at boot too).
//   a unit begins to start  RunJobEvents: its Conflicts= as above (so at
//       boot, where every unit is queued, the first to start wins).
//   a unit goes down (inactive or failed, from up)  RunJobEvents: the units
//       BindsTo= it stop (and what requires them); failed: its OnFailure=
//       units start, its FailureAction= fires; inactive and not skipped
//       (finished, or stopped: systemd's "success"): OnSuccess=,
//       SuccessAction=. StopWhenUnneeded= units no up unit needs stop.
//
// The state changes are queued by StateChanged (a Service's transition must
// not act on other services from inside it) and acted on at the start of
// each Reconcile pass. Nothing here runs during a shutdown. Loop thread only.
//
// Work per event is what the event touches (issue #26): what names a unit
// in its Wants=, BindsTo=, PartOf=, Requisite=, Conflicts= or
// ReloadPropagatedFrom= is found through the unit's reverse edges
// (Links::job_by, made with the other edges by LinkJobs), what requires it
// through required_by, and the
// StopWhenUnneeded= units are a list of their own: no scan of the units.
// Where several are acted on, they are taken in the order of their names,
// as the scan of the units by name did. JobVisits counts the entries
// looked at, for tests.

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "init/supervisor/supervisor.h"
#include "init/supervisor/supervisor_entry.h"
#include "init/system/unit_job_keys.h"

namespace faultinit {
namespace {

bool Contains(const std::vector<std::string>& list, absl::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

template <typename T>
bool ContainsEntry(const std::vector<T*>& list, const T* entry) {
  return std::find(list.begin(), list.end(), entry) != list.end();
}

template <typename T>
void EraseEntry(std::vector<T*>& list, const T* entry) {
  list.erase(std::remove(list.begin(), list.end(), entry), list.end());
}

// SortByName: `list` in the order of its entries' names, each once.
template <typename T>
std::vector<T*> SortByName(std::vector<T*> list) {
  std::sort(list.begin(), list.end(), [](const T* a, const T* b) {
    return a->service->name() < b->service->name();
  });
  list.erase(std::unique(list.begin(), list.end()), list.end());
  return list;
}

bool Contains(absl::Span<const std::string> list, absl::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

}  // namespace

void EntryJobs::SetNames(
    const std::vector<Dependency>* const (&lists)[kListCount]) {
  size_t total = 0;
  for (const std::vector<Dependency>* list : lists) total += list->size();
  std::vector<std::string> names;
  names.reserve(total);
  for (int i = 0; i < kListCount; ++i) {
    for (const Dependency& d : *lists[i]) names.push_back(d.name);
    ends_[i] = static_cast<uint32_t>(names.size());
  }
  names_ = std::move(names);
}

std::unique_ptr<const EntryJobs> JobsOf(const Unit& unit) {
  if (unit.wanted.empty() && unit.jobs.empty()) return nullptr;
  auto jobs = std::make_unique<EntryJobs>();
  const UnitJobs& j = unit.jobs;
  jobs->SetNames({&unit.wanted, &j.binds_to, &j.part_of, &j.conflicts,
                  &j.requisite, &j.on_failure, &j.on_success,
                  &j.propagates_reload_to, &j.reload_propagated_from});
  jobs->success_action = j.success_action;
  jobs->failure_action = j.failure_action;
  jobs->success_action_exit_status = j.success_action_exit_status;
  jobs->failure_action_exit_status = j.failure_action_exit_status;
  jobs->refuse_manual_start = j.refuse_manual_start;
  jobs->refuse_manual_stop = j.refuse_manual_stop;
  jobs->stop_when_unneeded = j.stop_when_unneeded;
  jobs->allow_isolate = j.allow_isolate;
  jobs->ignore_on_isolate = j.ignore_on_isolate;
  return jobs;
}

void Supervisor::LinkJobs(Entry& e) {
  if (!e.jobs()) return;
  const EntryJobs& j = *e.jobs();
  for (const absl::Span<const std::string> names :
       {j.wants(), j.binds_to(), j.part_of(), j.requisite(), j.conflicts(),
        j.reload_propagated_from()}) {
    for (const std::string& name : names) {
      auto it = entries_.find(name);
      if (it == entries_.end()) continue;
      Entry* target = it->second.get();
      if (ContainsEntry(e.job_links(), target)) continue;
      e.MutableLinks().job_links.push_back(target);
      target->MutableLinks().job_by.push_back(&e);
    }
  }
  if (j.stop_when_unneeded) unneeded_units_.push_back(&e);
}

void Supervisor::UnlinkJobs(Entry& e) {
  EraseEntry(unneeded_units_, &e);
  if (!e.links) return;
  for (Entry* target : e.links->job_links) {
    EraseEntry(target->links->job_by, &e);
  }
  e.links->job_links.clear();
}

void Supervisor::DetachJobs(Entry& e) {
  UnlinkJobs(e);
  job_events_.erase(
      std::remove_if(job_events_.begin(), job_events_.end(),
                     [&e](const JobEvent& event) { return event.entry == &e; }),
      job_events_.end());
  if (!e.links) return;
  for (Entry* d : e.links->job_by) EraseEntry(d->links->job_links, &e);
  e.links->job_by.clear();
}

std::vector<Supervisor::Entry*> Supervisor::ByName(std::vector<Entry*> list) {
  job_visits_ += list.size();
  return SortByName(std::move(list));
}

std::optional<std::string> Supervisor::RequisiteMissing(
    const Entry& entry) const {
  if (!entry.jobs()) return std::nullopt;
  for (const std::string& name : entry.jobs()->requisite()) {
    auto it = entries_.find(name);
    if (it == entries_.end()) continue;  // no such unit: satisfied
    // Active, or on its way (queued, starting, waiting to restart): a
    // verify job merges into the start job systemd would have.
    const Entry& r = *it->second;
    ServiceState state = r.service->state();
    if (!StartQueued(r.job) && state != ServiceState::kRunning &&
        state != ServiceState::kStarting &&
        state != ServiceState::kRestarting) {
      return absl::StrCat("requisite unit ", name, " is not active");
    }
  }
  return std::nullopt;
}

UnitJobCell Supervisor::ApplyJob(Entry& entry, UnitJobEvent event) {
  const UnitJobCell cell = UnitJobTransition(entry.job, event);
  if (Replacing(entry.job) && !Replacing(cell.next)) {
    replacements_.erase(&entry);
  }
  entry.job = cell.next;
  return cell;
}

void Supervisor::StartJob(Entry& entry) {
  // Breadth-first over Requires=, Wants=, BindsTo=: `entry` itself is always
  // queued (as a start request always was); what it pulls in only when it
  // is not up already.
  std::vector<Entry*> queue = {&entry};
  std::vector<const Entry*> seen = {&entry};
  for (size_t i = 0; i < queue.size(); ++i) {
    Entry& e = *queue[i];
    const ServiceState state = e.service->state();
    const bool up = !Down(state) && state != ServiceState::kStopping;
    if (&e == &entry || !up) {
      e.stop_requested = false;
      if (!e.load_error().empty()) {
        e.service->Refuse(e.load_error());
      } else if (shutting_down_) {
        // Only stops now; the request is answered as before.
      } else if (std::optional<std::string> missing = RequisiteMissing(e);
                 missing && Down(state)) {
        ApplyJob(e, UnitJobEvent::kStartCancelled);
        e.service->Refuse(*missing);
      } else {
        if (&e != &entry && !StartQueued(e.job)) {
          log_.Debug(e.service->name(), ": pulled in by ",
                     entry.service->name());
        }
        ApplyJob(e, UnitJobEvent::kStartRequested);
        StopConflicts(e);
      }
      Touch(e);
    }
    auto pull = [&](const auto& names) {
      for (const std::string& name : names) {
        auto it = entries_.find(name);
        if (it == entries_.end() || it->second->job == UnitJob::kForget)
          continue;
        Entry* dep = it->second.get();
        if (std::find(seen.begin(), seen.end(), dep) != seen.end()) continue;
        seen.push_back(dep);
        queue.push_back(dep);
      }
    };
    pull(e.required());
    if (e.jobs()) {
      pull(e.jobs()->wants());
      pull(e.jobs()->binds_to());
    }
  }
  dirty_ = true;
}

void Supervisor::StopConflicts(Entry& entry) {
  const std::string& name = entry.service->name();
  auto stop = [&](Entry& other) {
    if (&other == &entry) return;
    if (!StartQueued(other.job) && Down(other.service->state())) return;
    log_.Info(other.service->name(), ": stopping: conflicts with ", name);
    ApplyJob(other, UnitJobEvent::kStartCancelled);
    Touch(other);
    other.service->Stop();
    StopJob(other, /*restart=*/false);
  };
  if (entry.jobs()) {
    for (const std::string& c : entry.jobs()->conflicts()) {
      auto it = entries_.find(c);
      if (it != entries_.end()) stop(*it->second);
    }
  }
  for (Entry* other : ByName(entry.job_by())) {
    if (other->jobs() && Contains(other->jobs()->conflicts(), name))
      stop(*other);
  }
}

fault::Status Supervisor::StopRequest(absl::string_view name, bool restart) {
  auto it = entries_.find(name);
  if (it == entries_.end()) {
    return fault::NotFoundError(absl::StrCat("no such service: ", name));
  }
  // A unit a reload removed is listed until its processes are gone, and a
  // stop of it then holds too: a reload that brings it back before that
  // gives it the changed path, which keeps a requested stop.
  Entry& e = *it->second;
  e.stop_requested = true;
  ApplyJob(e, UnitJobEvent::kStartCancelled);
  Touch(e);
  // A restart's stop uses RestartKillSignal=.
  e.service->Stop(/*for_restart=*/restart);
  StopJob(e, restart);
  dirty_ = true;
  return fault::OkStatus();
}

void Supervisor::StopJob(Entry& entry, bool restart) {
  // The units that Requires=, BindsTo= or are PartOf= a stopped unit stop
  // (or restart) with it, transitively; those already down stay so.
  std::vector<Entry*> queue = {&entry};
  for (size_t i = 0; i < queue.size(); ++i) {
    const Entry& s = *queue[i];
    const std::string& stopped = s.service->name();
    std::vector<Entry*> dependents = s.required_by();
    dependents.insert(dependents.end(), s.job_by().begin(), s.job_by().end());
    for (Entry* dependent : ByName(std::move(dependents))) {
      Entry& d = *dependent;
      if (std::find(queue.begin(), queue.end(), &d) != queue.end()) continue;
      const bool depends =
          Contains(d.required(), stopped) ||
          (d.jobs() && (Contains(d.jobs()->binds_to(), stopped) ||
                        Contains(d.jobs()->requisite(), stopped) ||
                        Contains(d.jobs()->part_of(), stopped)));
      if (!depends) continue;
      if (!StartQueued(d.job) && Down(d.service->state())) continue;
      log_.Info(d.service->name(), restart ? ": restarting" : ": stopping",
                " with ", stopped);
      Touch(d);
      d.service->Stop(/*for_restart=*/restart);
      // A stop that was requested stays stopped: a restart propagated to
      // a unit still stopping on request does not start it again.
      ApplyJob(d, restart && !shutting_down_ && !d.stop_requested
                      ? UnitJobEvent::kStartRequested
                      : UnitJobEvent::kStartCancelled);
      queue.push_back(&d);
    }
  }
  dirty_ = true;
}

void Supervisor::QueueJobEvent(const Service& service, ServiceState from,
                               ServiceState to) {
  if (shutting_down_) return;
  // Only what RunJobEvents acts on: a unit's own jobs, the units whose jobs
  // name it, and the StopWhenUnneeded= units when it goes down.
  Entry& e = EntryOf(service);
  if (!e.jobs() && e.job_by().empty() &&
      (unneeded_units_.empty() || !Down(to) || Down(from))) {
    return;
  }
  job_events_.push_back(JobEvent{&e, from, to});
}

void Supervisor::RunJobEvents() {
  if (shutting_down_) {
    job_events_.clear();
    return;
  }
  if (job_events_.empty()) return;
  std::vector<JobEvent> events = std::move(job_events_);
  job_events_.clear();
  bool went_down = false;
  for (const JobEvent& event : events) {
    Entry& e = *event.entry;
    const std::string& name = e.service->name();
    // Conflicts=: a unit that begins to start (at boot too, where every
    // unit is queued) stops its conflicting units; one stopped meanwhile
    // (by an earlier start of this batch) does not.
    if (event.to == ServiceState::kStarting &&
        event.from != ServiceState::kStarting &&
        e.service->state() == ServiceState::kStarting) {
      StopConflicts(e);
      continue;
    }
    if (!Down(event.to) || Down(event.from)) continue;
    went_down = true;
    // BindsTo=: what is bound to it stops, however it went down.
    for (Entry* b : ByName(e.job_by())) {
      Entry& bound = *b;
      if (!bound.jobs() || !Contains(bound.jobs()->binds_to(), name)) continue;
      if (!StartQueued(bound.job) && Down(bound.service->state())) continue;
      log_.Info(bound.service->name(), ": stopping: bound to ", name,
                ", which went down");
      ApplyJob(bound, UnitJobEvent::kStartCancelled);
      Touch(bound);
      bound.service->Stop();
      StopJob(bound, /*restart=*/false);
    }
    // A unit stopped for a reload's new definition, or removed, has not
    // succeeded or failed as a unit; nor has one stopped to be started
    // again (a restart).
    if (ReloadWaits(e.job) || !e.jobs()) continue;
    const bool failed = event.to == ServiceState::kFailed;
    if (!failed && (e.service->skipped() || StartQueued(e.job))) continue;
    for (const std::string& target :
         failed ? e.jobs()->on_failure() : e.jobs()->on_success()) {
      auto t = entries_.find(target);
      if (t == entries_.end() || t->second->job == UnitJob::kForget) continue;
      log_.Info(target,
                ": started: ", failed ? "OnFailure=" : "OnSuccess=", " of ",
                name);
      StartJob(*t->second);
    }
    FireAction(e, !failed);
  }
  if (went_down) StopUnneeded();
}

void Supervisor::FireAction(const Entry& e, bool success) {
  const UnitAction action =
      success ? e.jobs()->success_action : e.jobs()->failure_action;
  if (action == UnitAction::kNone) return;
  int status = success ? e.jobs()->success_action_exit_status
                       : e.jobs()->failure_action_exit_status;
  if (status < 0) {
    const fault::ExitStatus& last = e.service->last_exit();
    status = last.pid != 0 && last.exited() ? last.exit_code() : 0;
  }
  const char* key = success ? "SuccessAction=" : "FailureAction=";
  log_.Warning(e.service->name(), ": ", success ? "succeeded" : "failed", ": ",
               key, UnitActionName(action));
  if (action_) return;  // the first one wins
  action_ = UnitActionRequest{action, status, e.service->name(),
                              success ? "succeeded" : "failed"};
}

void Supervisor::StopUnneeded() {
  for (Entry* unit : ByName(unneeded_units_)) {
    Entry& u = *unit;
    const std::string& name = u.service->name();
    if (StartQueued(u.job) || Down(u.service->state()) ||
        u.service->state() == ServiceState::kStopping) {
      continue;
    }
    // What needs it: a unit not down that Requires=, Wants= or BindsTo= it.
    bool needed = false;
    auto needs = [&](const Entry& other) {
      ++job_visits_;
      if (&other == &u) return false;
      if (!StartQueued(other.job) && Down(other.service->state())) return false;
      return Contains(other.required(), name) ||
             (other.jobs() && (Contains(other.jobs()->wants(), name) ||
                               Contains(other.jobs()->binds_to(), name)));
    };
    for (const Entry* other : u.required_by()) needed = needed || needs(*other);
    for (const Entry* other : u.job_by()) needed = needed || needs(*other);
    if (needed) continue;
    log_.Info(name, ": stopping: no longer needed (StopWhenUnneeded=)");
    Touch(u);
    u.service->Stop();
    StopJob(u, /*restart=*/false);
  }
}

std::optional<UnitActionRequest> Supervisor::TakeAction() {
  std::optional<UnitActionRequest> action = std::move(action_);
  action_.reset();
  return action;
}

bool Supervisor::StartPending(absl::string_view name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) return false;
  // The unit itself: Busy, except waiting to restart. As systemd's, a start
  // job ends at the first attempt that fails, even when Restart= then
  // restarts the unit (a new job): answered failed, in `restarting`. A
  // start requested while it waits is queued (UnitJob start) and waits
  // for the attempt it makes.
  const Entry& named = *it->second;
  if (Busy(name) && (named.service->state() != ServiceState::kRestarting ||
                     Replacing(named.job))) {
    return true;
  }
  std::vector<const Entry*> queue = {&named};
  for (size_t i = 0; i < queue.size(); ++i) {
    const Entry& e = *queue[i];
    if (StartQueued(e.job) || e.service->state() == ServiceState::kStarting) {
      return true;
    }
    auto pull = [&](const auto& names) {
      for (const std::string& n : names) {
        auto d = entries_.find(n);
        if (d == entries_.end()) continue;
        if (std::find(queue.begin(), queue.end(), d->second.get()) ==
            queue.end()) {
          queue.push_back(d->second.get());
        }
      }
    };
    pull(e.required());
    if (e.jobs()) {
      pull(e.jobs()->wants());
      pull(e.jobs()->binds_to());
    }
  }
  return false;
}

fault::Status Supervisor::CheckManual(absl::string_view name, bool start,
                                      bool stop) const {
  auto it = entries_.find(name);
  if (it == entries_.end() || !it->second->jobs()) return fault::OkStatus();
  const EntryJobs& jobs = *it->second->jobs();
  if ((start && jobs.refuse_manual_start) ||
      (stop && jobs.refuse_manual_stop)) {
    return fault::FailedPreconditionError(absl::StrCat(
        "Operation refused, unit ", name,
        " may be requested by dependency only (it is configured to refuse "
        "manual start/stop)."));
  }
  return fault::OkStatus();
}

std::vector<std::string> Supervisor::ReloadPropagation(
    absl::string_view name) const {
  std::vector<std::string> targets;
  auto add = [&](const std::string& target) {
    if (target != name && entries_.count(target) != 0 &&
        !Contains(targets, target)) {
      targets.push_back(target);
    }
  };
  auto it = entries_.find(name);
  if (it != entries_.end() && it->second->jobs()) {
    for (const std::string& t : it->second->jobs()->propagates_reload_to())
      add(t);
  }
  if (it != entries_.end()) {
    for (const Entry* e : SortByName(it->second->job_by())) {
      if (e->jobs() && Contains(e->jobs()->reload_propagated_from(), name)) {
        add(e->service->name());
      }
    }
  }
  return targets;
}

}  // namespace faultinit
