// Supervisor: the entries of the units (see supervisor_entry.h): Load,
// Reload, Redefine (daemon-reload), and the swap of a reloaded unit's
// definition once its old processes are gone (ApplyReplacements,
// SwapRedefinition). What a reload does is the
// contract of Supervisor::Reload (supervisor.h; docs/units.md, "Reload").

#include <algorithm>
#include <cstdint>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "init/supervisor/supervisor.h"
#include "init/supervisor/supervisor_entry.h"

namespace faultinit {
namespace {

ServicePolicy PolicyOf(const Unit& unit) {
  ServicePolicy p;
  p.type = unit.type;
  p.condition_steps = static_cast<int>(unit.exec_condition.size());
  p.pre_steps = static_cast<int>(unit.exec_start_pre.size());
  p.start_steps = static_cast<int>(unit.exec_start.size());
  p.stop_steps = static_cast<int>(unit.exec_stop.size());
  p.post_steps = static_cast<int>(unit.exec_start_post.size());
  p.reload_steps = static_cast<int>(unit.exec_reload.size());
  p.stop_post_steps = static_cast<int>(unit.exec_stop_post.size());
  p.remain_after_exit = unit.remain_after_exit;
  LifecycleExtras x;
  for (const ExecLine& line : unit.exec_condition) {
    x.condition_ignore_failure.push_back(line.ignore_failure);
  }
  for (const ExecLine& line : unit.exec_start_pre) {
    x.pre_ignore_failure.push_back(line.ignore_failure);
  }
  for (const ExecLine& line : unit.exec_start) {
    x.start_ignore_failure.push_back(line.ignore_failure);
  }
  for (const ExecLine& line : unit.exec_start_post) {
    x.post_ignore_failure.push_back(line.ignore_failure);
  }
  for (const ExecLine& line : unit.exec_reload) {
    x.reload_ignore_failure.push_back(line.ignore_failure);
  }
  for (const ExecLine& line : unit.exec_stop) {
    x.stop_ignore_failure.push_back(line.ignore_failure);
  }
  for (const ExecLine& line : unit.exec_stop_post) {
    x.stop_post_ignore_failure.push_back(line.ignore_failure);
  }
  x.send_sighup = unit.send_sighup;
  x.send_sigkill = unit.send_sigkill;
  x.kill_none = unit.kill_mode == KillMode::kNone;
  x.kill_mixed = unit.kill_mode == KillMode::kMixed;
  x.final_kill_signal = unit.final_kill_signal;
  x.restart_kill_signal = unit.restart_kill_signal;
  const LifecycleExtras defaults;
  auto any = [](const std::vector<bool>& flags) {
    return std::find(flags.begin(), flags.end(), true) != flags.end();
  };
  if (any(x.condition_ignore_failure) || any(x.pre_ignore_failure) ||
      any(x.start_ignore_failure) || any(x.post_ignore_failure) ||
      any(x.reload_ignore_failure) || any(x.stop_ignore_failure) ||
      any(x.stop_post_ignore_failure) ||
      x.send_sighup != defaults.send_sighup ||
      x.send_sigkill != defaults.send_sigkill || x.kill_none || x.kill_mixed ||
      x.final_kill_signal != defaults.final_kill_signal ||
      x.restart_kill_signal != defaults.restart_kill_signal) {
    p.lifecycle = std::make_shared<const LifecycleExtras>(std::move(x));
  }
  p.restart = unit.restart;
  p.restart_delay = unit.restart_sec;
  p.restart_steps = static_cast<int>(unit.restart_steps);
  p.restart_max_delay = unit.restart_max_delay;
  p.start_timeout = unit.timeout_start;
  p.stop_timeout = unit.timeout_stop;
  p.start_limit_interval = unit.start_limit_interval;
  p.start_limit_burst = static_cast<int>(unit.start_limit_burst);
  p.kill_signal = unit.kill_signal;
  p.success_exit_codes |= unit.success_exit_status.codes;
  p.success_signals |= unit.success_exit_status.signals;
  if (!unit.restart_prevent_exit_status.empty() ||
      !unit.restart_force_exit_status.empty()) {
    p.restart_exceptions =
        std::make_shared<const RestartExceptions>(RestartExceptions{
            unit.restart_prevent_exit_status, unit.restart_force_exit_status});
  }
  return p;
}

// The first error that keeps `parsed` from running, or "": its file's, or
// the directory's (an ordering cycle, a Requires= of a missing or failed
// unit), or a setting faultinit cannot honour.
std::string LoadErrorOf(const ParsedUnit& parsed) {
  for (const Diagnostic& d : parsed.diagnostics) {
    if (d.severity == Severity::kError) return d.ToString();
  }
  for (const auto& [key, lines] :
       {std::make_pair("ExecStop", &parsed.unit.exec_stop),
        std::make_pair("ExecStartPost", &parsed.unit.exec_start_post),
        std::make_pair("ExecReload", &parsed.unit.exec_reload)}) {
    if (lines->size() > kMaxStepLines) {
      return absl::StrCat(parsed.unit.path, ": error: ", lines->size(), " ",
                          key, "= lines, more than faultinit takes (",
                          kMaxStepLines, ")");
    }
  }
  if (parsed.unit.type == ServiceType::kForking &&
      parsed.unit.pid_file.empty()) {
    return absl::StrCat(
        parsed.unit.path,
        ": error: Type=forking needs PIDFile= (faultinit does not guess the "
        "main process)");
  }
  return "";
}

}  // namespace

DeclaredOrder::DeclaredOrder(const std::vector<Dependency>& after,
                             const std::vector<Dependency>& before)
    : after_count_(after.size()) {
  names_.reserve(after.size() + before.size());
  for (const Dependency& d : after) names_.push_back(d.name);
  for (const Dependency& d : before) names_.push_back(d.name);
}

void Supervisor::Configure(Entry& e, const ParsedUnit& parsed) {
  Define(e, parsed);
  // The entry is its Service's effects (EntryOf casts back).
  // Its policy is shared with the services whose units give the same one.
  e.service.emplace(parsed.unit.name, policies_.Share(PolicyOf(parsed.unit)),
                    static_cast<ServiceEffects&>(e));
}

std::shared_ptr<const ServicePolicy> Supervisor::SharedPolicyOf(
    const ParsedUnit& parsed) {
  return policies_.Share(PolicyOf(parsed.unit));
}

void Supervisor::Define(Entry& e, const ParsedUnit& parsed) {
  e.settings = SettingsOf(parsed.unit);
  // The definition's part of the extras: made only for a unit that has
  // some (what a running service sent stays).
  DeclaredOrder declared(parsed.unit.after, parsed.unit.before);
  std::vector<std::string> required;
  required.reserve(parsed.unit.required.size());  // kept: no spare room
  for (const Dependency& d : parsed.unit.required) required.push_back(d.name);
  std::string load_error = LoadErrorOf(parsed);
  std::unique_ptr<const EntryJobs> jobs = JobsOf(parsed.unit);
  if (e.extras || !declared.empty() || !required.empty() ||
      !load_error.empty() || jobs) {
    Entry::Extras& x = e.MutableExtras();
    x.declared = std::move(declared);
    x.required = std::move(required);
    x.load_error = std::move(load_error);
    x.jobs = std::move(jobs);
    e.DropEmptyExtras();
  }
  // What was parsed, not the file as it is now: it may have changed since.
  e.source = SourceFingerprint::Of(parsed.source);
}

Supervisor::Entry& Supervisor::Add(const ParsedUnit& parsed) {
  // Indexed once its Service (its name) exists: the Service reaches its
  // entry through EntryOf, not entries_, and has no event before this
  // returns.
  auto entry = std::make_unique<Entry>(*this);
  Configure(*entry, parsed);
  return entries_.insert(std::move(entry));
}

void Supervisor::QueueStart(Entry& e) {
  if (!e.load_error().empty()) {
    e.service->Refuse(e.load_error());
  } else {
    ApplyJob(e, UnitJobEvent::kStartRequested);
    Touch(e);
  }
}

void Supervisor::Load(const LoadedUnits& units) {
  for (const ParsedUnit& parsed : units.units) Add(parsed);
  Order(units);
}

void Supervisor::LoadReleasing(LoadedUnits* units) {
  for (ParsedUnit& parsed : units->units) {
    Add(parsed);
    Unit kept;
    kept.name = std::move(parsed.unit.name);
    kept.after = std::move(parsed.unit.after);
    kept.before = std::move(parsed.unit.before);
    kept.sockets = std::move(parsed.unit.sockets);
    parsed.unit = std::move(kept);
    std::string().swap(parsed.source);
  }
  Order(*units);
}

ReloadSummary Supervisor::Reload(const LoadedUnits& units) {
  ReloadSummary summary;
  std::set<std::string> present;
  for (const ParsedUnit& parsed : units.units) {
    const std::string& name = parsed.unit.name;
    present.insert(name);
    auto it = entries_.find(name);
    if (it == entries_.end()) {
      QueueStart(Add(parsed));
      summary.started.push_back(name);
      continue;
    }
    Entry& e = *it->second;
    if (e.transient) continue;  // a connection's instance runs its course
    // Changed: its file, or what the directory makes of it (a unit whose
    // file is the same gains an error when what it requires is removed or
    // an ordering cycle now runs through it, and loses it when that is
    // undone). The table (unit_job.h) says what follows: a changed unit,
    // one removed by an earlier reload and back before its processes were
    // gone, and one whose replacement still waits, are stopped, and their
    // new definition is swapped in once they are down (ApplyReplacements),
    // started unless a stop was requested.
    const bool same = SourceFingerprint::Of(parsed.source) == e.source &&
                      LoadErrorOf(parsed) == e.load_error();
    // A daemon-reload's definition waiting for the unit to be down is
    // superseded: the file is compared with the definition in force. A
    // unit that runs on keeps its own restart keys again.
    if (redefinitions_.erase(&e) != 0 && same) GiveRestartKeys(e, parsed);
    if (!ApplyJob(e,
                  same ? UnitJobEvent::kFileSame : UnitJobEvent::kFileChanged)
             .stop) {
      continue;
    }
    replacements_[&e] = std::make_unique<ParsedUnit>(parsed);
    MarkReloading(e);
    e.service->Stop();
    (e.stop_requested ? summary.changed : summary.restarted).push_back(name);
  }
  for (auto& [name, e] : entries_) {
    if (present.count(name) || e->transient) continue;
    redefinitions_.erase(e.get());
    // One a daemon-reload found gone is to be forgotten but still up: this
    // reload stops it.
    const ServiceState state = e->service->state();
    const bool up = !Down(state) && state != ServiceState::kStopping;
    const bool kept = e->job == UnitJob::kForget && up;
    if (!ApplyJob(*e, UnitJobEvent::kFileGone).stop && !kept) continue;
    MarkReloading(*e);
    e->service->Stop();
    summary.stopped.push_back(name);
  }
  Order(units);
  dirty_ = true;
  Reconcile();
  return summary;
}

RedefineSummary Supervisor::Redefine(const LoadedUnits& units) {
  RedefineSummary summary;
  std::set<std::string> present;
  for (const ParsedUnit& parsed : units.units) {
    const std::string& name = parsed.unit.name;
    present.insert(name);
    auto it = entries_.find(name);
    if (it == entries_.end()) {
      Add(parsed);  // not started: nothing asked for it yet
      summary.added.push_back(name);
      continue;
    }
    Entry& e = *it->second;
    if (e.transient) continue;  // a connection's instance runs its course
    // Back before it was forgotten: kept as it is (a stop in flight
    // completes; nothing starts it).
    if (e.job == UnitJob::kForget) ApplyJob(e, UnitJobEvent::kFileBack);
    const bool same = SourceFingerprint::Of(parsed.source) == e.source &&
                      LoadErrorOf(parsed) == e.load_error();
    if (Replacing(e.job)) {
      // A faultctl reload's swap waits for the unit to be down: it swaps
      // in what the file says now, and still starts it after (that
      // reload's restart is under way).
      replacements_[&e] = std::make_unique<ParsedUnit>(parsed);
      if (!same) summary.changed.push_back(name);
      continue;
    }
    if (same) {
      // The file is as the unit runs: a definition that waited is dropped,
      // and the restart keys it gave with it.
      if (redefinitions_.erase(&e) != 0) GiveRestartKeys(e, parsed);
      continue;
    }
    redefinitions_[&e] = std::make_unique<ParsedUnit>(parsed);
    GiveRestartKeys(e, parsed);
    summary.changed.push_back(name);
  }
  for (auto& [name, e] : entries_) {
    if (present.count(name) || e->transient || e->job == UnitJob::kForget) {
      continue;
    }
    redefinitions_.erase(e.get());
    ApplyJob(*e, UnitJobEvent::kFileGoneKept);
    MarkReloading(*e);  // forgotten once down (ApplyReplacements)
    summary.removed.push_back(name);
  }
  Order(units);
  for (auto it = redefinitions_.begin(); it != redefinitions_.end();) {
    Entry& e = *const_cast<Entry*>(it->first);
    ++it;  // SwapRedefinition erases e's
    SwapRedefinition(e);
  }
  dirty_ = true;
  Reconcile();
  return summary;
}

void Supervisor::GiveRestartKeys(Entry& e, const ParsedUnit& parsed) {
  const ServiceState state = e.service->state();
  if (Down(state) || state == ServiceState::kRestarting) return;
  // Read for its restart keys, then dropped: not pooled.
  e.service->Redefine(
      std::make_shared<const ServicePolicy>(PolicyOf(parsed.unit)));
}

bool Supervisor::SwapRedefinition(Entry& e) {
  auto held = redefinitions_.find(&e);
  if (held == redefinitions_.end() || ReloadWaits(e.job)) return false;
  // Down, or between its end and the restart Restart= decided (which then
  // runs the new definition, as systemd's), with nothing of it running.
  const ServiceState state = e.service->state();
  if ((!Down(state) && state != ServiceState::kRestarting) ||
      HasProcesses(*e.service)) {
    return false;
  }
  std::unique_ptr<ParsedUnit> parsed = std::move(held->second);
  redefinitions_.erase(held);
  // Its edges are those of its new definition from now on (After=,
  // Before=, Requires=); the others' edges to it stay. Its Service keeps
  // its state (a failed unit stays failed, as systemd's; a restart waiting
  // waits the new RestartSec=). One with an error refuses its restart
  // (RefuseBrokenRestart, when its entry is decided).
  Unlink(e);
  Define(e, *parsed);
  Link(e);
  e.service->Redefine(SharedPolicyOf(*parsed));
  policies_.Prune();  // the definition replaced
  Touch(e);
  return true;
}

bool Supervisor::RefuseBrokenRestart(Entry& e) {
  if (e.service->state() != ServiceState::kRestarting ||
      e.load_error().empty()) {
    return false;
  }
  if (StartQueued(e.job)) ApplyJob(e, UnitJobEvent::kStartCancelled);
  e.service->Refuse(e.load_error());
  Touch(e);
  return true;
}

std::vector<std::string> Supervisor::AddLoaded(const LoadedUnits& units) {
  std::vector<std::string> added;
  for (const ParsedUnit& parsed : units.units) {
    if (entries_.count(parsed.unit.name) != 0) continue;
    Add(parsed);
    added.push_back(parsed.unit.name);
  }
  if (added.empty()) return added;
  Order(units);
  dirty_ = true;
  return added;
}

void Supervisor::MarkReloading(Entry& e) {
  if (e.reloading) return;
  e.reloading = true;
  reloading_.push_back(&e);
}

// Reload's second half: entries stopped for a reload are dropped or given
// their new definition once nothing of them runs. Only the entries a reload
// marked (reloading_) are looked at, in name order as entries_ has them.
void Supervisor::ApplyReplacements() {
  if (reloading_.empty()) return;
  std::vector<Entry*> ready;
  size_t kept = 0;
  for (Entry* e : reloading_) {
    if (!ReloadWaits(e->job)) {
      e->reloading = false;  // its wait ended otherwise (a shutdown)
      continue;
    }
    reloading_[kept++] = e;
    if (Down(e->service->state()) && !HasProcesses(*e->service)) {
      ready.push_back(e);
    }
  }
  reloading_.resize(kept);
  if (ready.empty()) return;
  std::sort(ready.begin(), ready.end(), [](const Entry* a, const Entry* b) {
    return a->service->name() < b->service->name();
  });
  // Position kGone marks an entry about to be erased.
  constexpr uint32_t kGone = UINT32_MAX;
  bool gone = false;
  for (Entry* e : ready) {
    if (e->job == UnitJob::kForget) {
      gone = true;
      continue;
    }
    auto held = replacements_.find(e);
    std::unique_ptr<ParsedUnit> replacement = std::move(held->second);
    ApplyJob(*e, UnitJobEvent::kDown);  // out of replacements_
    const ParsedUnit& parsed = *replacement;
    if (e->timer != 0) world_.Cancel(e->timer);
    e->timer = 0;
    // Its edges are those of its new definition from now on (After=,
    // Before=, Requires=); the others' edges to it stay.
    Unlink(*e);
    Configure(*e, parsed);
    Link(*e);
    // A start requested while the replacement waited was for the old
    // definition (kDown dropped it): one with an error must not run
    // (QueueStart fails it).
    Touch(*e);
    // A unit stopped on request stays stopped; an error in its new
    // definition still shows (failed, with the error), as at boot.
    if (!e->stop_requested || !e->load_error().empty()) QueueStart(*e);
  }
  if (gone) {
    for (Entry* e : ready) {
      if (e->job != UnitJob::kForget) continue;
      redefinitions_.erase(e);
      if (e->timer != 0) world_.Cancel(e->timer);
      if (e->output) scheduler_.Cancel(e->output->watch);
      CloseNotification(*e);
      Detach(*e);
      e->position = kGone;
    }
  }
  // Out of every list that holds entries before the erase: reloading_
  // (also those now done), the worklists and the start order.
  const auto done = [](Entry* e) {
    if (e->position != kGone && ReloadWaits(e->job)) return false;
    e->reloading = false;
    return true;
  };
  reloading_.erase(std::remove_if(reloading_.begin(), reloading_.end(), done),
                   reloading_.end());
  if (!gone) {
    policies_.Prune();  // those of the definitions replaced
    return;
  }
  const auto erased = [](const Entry* e) { return e->position == kGone; };
  exec_waiting_.erase(
      exec_waiting_.begin(),
      exec_waiting_.begin() + static_cast<std::ptrdiff_t>(exec_head_));
  exec_head_ = 0;
  for (std::vector<Entry*>* list :
       {&touched_, &deferred_, &order_, &exec_waiting_, &orphan_hosts_}) {
    list->erase(std::remove_if(list->begin(), list->end(), erased),
                list->end());
  }
  UpdateOrphanReaping();  // the hosts erased may have been the last
  for (size_t i = 0; i < order_.size(); ++i) {
    order_[i]->position = static_cast<uint32_t>(i);
  }
  for (Entry* e : ready) {
    if (e->position != kGone) continue;
    const std::string name = e->service->name();
    entries_.erase(name);
    log_.Info(name, ": removed");
  }
  policies_.Prune();  // those of the definitions replaced or removed
}

}  // namespace faultinit
