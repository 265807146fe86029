// Supervisor: the entries of the units (see supervisor_entry.h): Load,
// Reload, and the swap of a reloaded unit's definition once its old
// processes are gone (ApplyReplacements). What a reload does is the
// contract of Supervisor::Reload (supervisor.h; docs/units.md, "Reload").

#include <algorithm>
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
  for (const ExecLine& line : unit.exec_condition) {
    p.condition_ignore_failure.push_back(line.ignore_failure);
  }
  p.pre_steps = static_cast<int>(unit.exec_start_pre.size());
  for (const ExecLine& line : unit.exec_start_pre) {
    p.pre_ignore_failure.push_back(line.ignore_failure);
  }
  p.start_steps = static_cast<int>(unit.exec_start.size());
  p.has_exec_stop = !unit.exec_stop.empty();
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

void Supervisor::Configure(Entry& e, const ParsedUnit& parsed) {
  e.settings = SettingsOf(parsed.unit);
  e.declared.reset();
  if (!parsed.unit.after.empty() || !parsed.unit.before.empty()) {
    auto declared = std::make_unique<DeclaredOrder>();
    for (const Dependency& d : parsed.unit.after) {
      declared->after.push_back(d.name);
    }
    for (const Dependency& d : parsed.unit.before) {
      declared->before.push_back(d.name);
    }
    e.declared = std::move(declared);
  }
  e.load_error = LoadErrorOf(parsed);
  e.required.clear();
  for (const Dependency& d : parsed.unit.required) e.required.push_back(d.name);
  e.jobs = JobsOf(parsed.unit);
  job_units_stale_ = true;
  // What was parsed, not the file as it is now: it may have changed since.
  e.source = SourceFingerprint::Of(parsed.source);
  e.service = std::make_unique<Service>(parsed.unit.name, PolicyOf(parsed.unit),
                                        static_cast<ServiceEffects&>(*this));
}

Supervisor::Entry& Supervisor::Add(const ParsedUnit& parsed) {
  // In entries_ before its Service exists: the Service reaches its entry
  // through EntryOf on every effect, from its first event on.
  std::unique_ptr<Entry>& slot = entries_[parsed.unit.name];
  slot = std::make_unique<Entry>();
  Configure(*slot, parsed);
  return *slot;
}

void Supervisor::QueueStart(Entry& e) {
  if (!e.load_error.empty()) {
    e.service->Refuse(e.load_error);
  } else {
    e.pending_start = true;
  }
}

void Supervisor::Load(const LoadedUnits& units) {
  for (const ParsedUnit& parsed : units.units) Add(parsed);
  Order(units);
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
    // A unit removed by an earlier reload and back before its processes
    // were gone is stopping: it takes the changed path, and starts again.
    const bool was_removed = std::exchange(e.removed, false);
    // Changed: its file, or what the directory makes of it (a unit whose
    // file is the same gains an error when what it requires is removed or
    // an ordering cycle now runs through it, and loses it when that is
    // undone).
    if (!was_removed && SourceFingerprint::Of(parsed.source) == e.source &&
        LoadErrorOf(parsed) == e.load_error && !e.replacement) {
      continue;
    }
    // Changed: stop what runs, then swap in the new definition
    // (ApplyReplacements), started unless a stop was requested.
    e.replacement = std::make_unique<ParsedUnit>(parsed);
    e.pending_start = false;
    e.service->Stop();
    (e.stop_requested ? summary.changed : summary.restarted).push_back(name);
  }
  for (auto& [name, e] : entries_) {
    if (present.count(name) || e->removed) continue;
    e->removed = true;
    e->pending_start = false;
    e->service->Stop();
    summary.stopped.push_back(name);
  }
  Order(units);
  dirty_ = true;
  Reconcile();
  return summary;
}

// Reload's second half: entries stopped for a reload are dropped or given
// their new definition once nothing of them runs.
void Supervisor::ApplyReplacements() {
  std::vector<std::string> gone;
  bool replaced = false;
  for (auto& [name, e] : entries_) {
    if (!Down(e->service->state()) || HasProcesses(*e->service)) continue;
    if (e->removed) {
      gone.push_back(name);
    } else if (e->replacement) {
      ParsedUnit parsed = std::move(*e->replacement);
      e->replacement.reset();
      if (e->timer != 0) world_.Cancel(e->timer);
      e->timer = 0;
      Configure(*e, parsed);
      replaced = true;
      // A start requested while the replacement waited was for the old
      // definition: one with an error must not run (QueueStart fails it).
      e->pending_start = false;
      // A unit stopped on request stays stopped; an error in its new
      // definition still shows (failed, with the error), as at boot.
      if (!e->stop_requested || !e->load_error.empty()) QueueStart(*e);
      dirty_ = true;
    }
  }
  // The ordering was linked at the reload, from the definitions then in
  // force: a replaced unit's After= and Before= are those of its new one.
  if (replaced) LinkOrdering();
  for (const std::string& name : gone) {
    Entry& e = *entries_[name];
    if (e.timer != 0) world_.Cancel(e.timer);
    if (e.output_watch != 0) scheduler_.Cancel(e.output_watch);
    CloseNotification(e);
    entries_.erase(name);
    order_.erase(std::remove(order_.begin(), order_.end(), name), order_.end());
    log_.Info(name, ": removed");
  }
}

}  // namespace faultinit
