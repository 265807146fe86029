// Supervisor (supervisor.h): construction, Begin, the timers and state
// changes of ServiceEffects, operator requests and status rows. The other
// concerns have files of their own (supervisor_entry.h lists them).

#include "init/supervisor/supervisor.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "init/supervisor/supervisor_entry.h"
#include "init/supervisor/unit_directories.h"
#include "init/system/conditions.h"
#include "runtime/duration.h"

namespace faultinit {

Supervisor::Supervisor(fault::Scheduler& scheduler, const Logger& log,
                       SupervisorOptions options, SupervisorWorld* world)
    : scheduler_(scheduler),
      runtime_world_(scheduler),
      world_(world != nullptr ? *world : runtime_world_),
      log_(log),
      options_(std::move(options)) {}

Supervisor::~Supervisor() {
  for (auto& [name, e] : entries_) {
    if (e->timer != 0) world_.Cancel(e->timer);
    for (const auto& [pid, watch] : e->pids()) world_.Cancel(watch);
    for (const PendingExec& exec : e->execs) scheduler_.Cancel(exec.watch);
    if (e->output) scheduler_.Cancel(e->output->watch);
    if (e->notification()) scheduler_.Cancel(e->notification()->watch);
  }
  if (notify_watch_ != 0) scheduler_.Cancel(notify_watch_);
  if (again_ != 0) scheduler_.Cancel(again_);
  if (host_recheck_ != 0) world_.Cancel(host_recheck_);
  (void)world_.WatchOrphans(nullptr, fault::Scheduler::OrphanReaping::kReport);
}

void Supervisor::Begin() {
  if (!options_.notify_socket.empty()) {
    fault::StatusOr<NotifySocket> socket =
        NotifySocket::Open(options_.notify_socket);
    if (!socket.ok()) {
      log_.Warning(socket.status().message(),
                   " (Type=notify services cannot become ready)");
    } else {
      notify_.emplace(std::move(*socket));
      fault::StatusOr<fault::Scheduler::WatchId> watch =
          scheduler_.OnReadable(notify_->fd(), [this] { OnNotify(); });
      if (watch.ok()) notify_watch_ = *watch;
    }
  }
  // The services' own processes are watched one by one (WatchProcess):
  // this hears only of orphans, or leaves them to the kernel
  // (UpdateOrphanReaping). The kernel's support is probed here, once (a
  // fork), not on an event. At debug verbosity each orphan is logged
  // ("reaped orphan"): they are reported.
  kernel_can_reap_ =
      !log_.Enabled(LogLevel::kDebug) && world_.KernelCanReapOrphans();
  const fault::Scheduler::OrphanReaping wanted = WantedOrphanReaping();
  fault::Status reaping = world_.WatchOrphans(
      [this](const fault::ExitStatus& status) { OnOrphan(status); }, wanted);
  if (!reaping.ok()) {
    log_.Warning(reaping.message());
    return;
  }
  orphan_reaping_ = wanted;
  kernel_reaps_ = wanted == fault::Scheduler::OrphanReaping::kByKernel;
  orphans_watched_ = true;
}

Supervisor::Entry& Supervisor::EntryOf(const Service& service) {
  // Every Service is made with its entry as its effects (Configure).
  return static_cast<Entry&>(service.effects());
}

void Supervisor::ArmTimer(Service& service, fault::Duration after) {
  Entry& e = EntryOf(service);
  if (e.timer != 0) world_.Cancel(e.timer);
  // The entry outlives the timer: it is cancelled before an erase. Two
  // pointers fit in the std::function itself (no allocation per timer).
  e.timer = world_.After(after, [this, &e] {
    e.timer = 0;
    dirty_ = true;
    // A restart runs a daemon-reload's definition: swapped in as the
    // service began to wait (Decide), unless the pass that would have
    // reached it was cut short. Its RestartSec= may re-arm the wait.
    if (!redefinitions_.empty() &&
        e.service->state() == ServiceState::kRestarting &&
        SwapRedefinition(e) && e.timer != 0) {
      return;
    }
    if (!RefuseBrokenRestart(e)) e.service->TimerFired();
    CheckStopped(e);
  });
}

void Supervisor::Warn(Service& service, absl::string_view message) {
  log_.Warning(service.name(), ": ", message);
}

void Supervisor::CancelTimer(Service& service) {
  Entry& e = EntryOf(service);
  if (e.timer != 0) world_.Cancel(e.timer);
  e.timer = 0;
}

void Supervisor::StateChanged(Service& service, ServiceState from,
                              ServiceState to) {
  Entry& e = EntryOf(service);
  if (Down(from) != Down(to)) {
    // What it is ordered after counts its followers that are not down
    // (the shutdown order, supervisor_reconcile.cc), and AllStopped all.
    const int up = Down(to) ? -1 : 1;
    up_ += up;
    if (shutting_down_ && !e.kept_at_shutdown) early_up_ += up;
    for (const Edge& l : e.after()) l.entry->links->up_followers += up;
  }
  Touch(e);
  QueueJobEvent(service, from, to);  // OnFailure=, BindsTo=... (Reconcile)
  if (e.transient && Down(to) && e.job != UnitJob::kForget) {
    // Its one run is over: forgotten once nothing of it is left
    // (ApplyReplacements), as a unit a reload removed.
    ApplyJob(e, UnitJobEvent::kRunOver);
    MarkReloading(e);
  }
  const std::string& name = service.name();
  if ((Down(to) || to == ServiceState::kRestarting) && !Down(from)) {
    fault::Status removed =
        RemoveRuntimeDirectories(e.settings.extras().rare().directories,
                                 to == ServiceState::kRestarting);
    if (!removed.ok()) log_.Warning(name, ": ", removed.message());
  }
  switch (to) {
    case ServiceState::kRunning:
      // A target (no process) is systemd's "active".
      log_.Info(name,
                absl::EndsWith(name, ".target") ? ": active" : ": running");
      return;
    case ServiceState::kFailed:
      log_.Warning(name, ": failed: ", service.reason());
      return;
    case ServiceState::kRestarting:
      // A start short of resources is logged once per episode: the first
      // failure as a warning, the retries at debug level, until a main
      // process is spawned again.
      if (service.start_failures() == 1) {
        log_.Warning(name, ": ", service.reason(), "; retrying in ",
                     fault::FormatTimeSpan(service.restart_delay()),
                     " with back-off, not logged again until a start "
                     "succeeds");
      } else if (service.start_failures() > 1) {
        log_.Debug(name, ": start attempt ", service.start_failures(),
                   " failed; retrying in ",
                   fault::FormatTimeSpan(service.restart_delay()));
      } else {
        log_.Info(name, ": ", service.reason(), "; restarting in ",
                  fault::FormatTimeSpan(service.restart_delay()));
      }
      return;
    case ServiceState::kInactive:
      if (service.skipped()) {
        log_.Info(name, ": skipped: ", service.reason());
      } else if (absl::EndsWith(name, ".target")) {
        log_.Info(name, ": stopped");
      } else if (from == ServiceState::kStarting ||
                 from == ServiceState::kRunning ||
                 (from == ServiceState::kStopping &&
                  !service.stop_requested())) {
        // Down on its own, through the stop phases or not.
        log_.Info(name, ": finished (", service.reason(), ")");
      } else if (from == ServiceState::kStopping) {
        log_.Info(name, ": stopped");
      }
      return;
    case ServiceState::kStarting:
    case ServiceState::kStopping:
      log_.Debug(name, ": ", ServiceStateName(to));
      return;
  }
}

fault::Duration Supervisor::Now() { return world_.Now(); }

StartCheck Supervisor::CheckConditions(Service& service) {
  const Entry& e = EntryOf(service);
  if (e.settings.extras().conditions.empty()) return {};
  ConditionVerdict verdict = faultinit::CheckConditions(
      e.settings.extras().conditions, SystemConditionWorld());
  switch (verdict.outcome) {
    case ConditionVerdict::Outcome::kMet:
      return {};
    case ConditionVerdict::Outcome::kConditionFailed:
      return {StartCheck::Outcome::kSkip, std::move(verdict.reason)};
    case ConditionVerdict::Outcome::kAssertFailed:
      return {StartCheck::Outcome::kFail, std::move(verdict.reason)};
  }
  return {};
}

namespace {

bool SocketUnitName(absl::string_view name) {
  return absl::EndsWith(name, ".socket");
}

}  // namespace

fault::Status Supervisor::StartService(absl::string_view name) {
  if (SocketUnitName(name) && socket_units_.change) {
    return socket_units_.change(name, /*start=*/true);
  }
  auto it = entries_.find(name);
  if (it == entries_.end() || it->second->job == UnitJob::kForget) {
    return fault::NotFoundError(absl::StrCat("no such service: ", name));
  }
  StartJob(*it->second);  // with what it pulls in (supervisor_jobs.cc)
  return fault::OkStatus();
}

bool Supervisor::Removed(absl::string_view name) const {
  auto it = entries_.find(name);
  return it != entries_.end() && it->second->job == UnitJob::kForget &&
         !it->second->transient;
}

fault::Status Supervisor::StartTransient(absl::string_view name) {
  auto it = entries_.find(name);
  if (it == entries_.end() || it->second->job == UnitJob::kForget) {
    return fault::NotFoundError(absl::StrCat("no such service: ", name));
  }
  Entry& e = *it->second;
  if (!Down(e.service->state()) || StartQueued(e.job) || e.timer != 0 ||
      !e.pids().empty()) {
    return fault::FailedPreconditionError(
        absl::StrCat(name, " is not down: not started for a connection"));
  }
  if (e.service->policy().restart != RestartPolicy::kNo) {
    // Nothing of it runs: its Service may be made again, with the policy
    // of its unit but Restart=no.
    ServicePolicy policy = e.service->policy();
    policy.restart = RestartPolicy::kNo;
    e.service.reset();
    e.service.emplace(std::string(name), policies_.Share(std::move(policy)),
                      static_cast<ServiceEffects&>(e));
    policies_.Prune();
  }
  e.transient = true;
  StartJob(e);
  return fault::OkStatus();
}

fault::Status Supervisor::StopService(absl::string_view name) {
  if (SocketUnitName(name) && socket_units_.change) {
    return socket_units_.change(name, /*start=*/false);
  }
  return StopRequest(name, /*restart=*/false);
}

fault::Status Supervisor::RestartService(absl::string_view name) {
  if (SocketUnitName(name) && socket_units_.change) {
    FAULT_RETURN_IF_ERROR(socket_units_.change(name, /*start=*/false));
    return socket_units_.change(name, /*start=*/true);
  }
  auto it = entries_.find(name);
  if (it == entries_.end() || it->second->job == UnitJob::kForget) {
    return fault::NotFoundError(absl::StrCat("no such service: ", name));
  }
  FAULT_RETURN_IF_ERROR(StopRequest(name, /*restart=*/true));
  return StartService(name);
}

fault::Status Supervisor::CheckReload(absl::string_view name) const {
  auto it = entries_.find(name);
  if (it == entries_.end() || it->second->job == UnitJob::kForget) {
    return fault::NotFoundError(absl::StrCat("no such service: ", name));
  }
  const Service& service = *it->second->service;
  if (service.policy().reload_steps == 0) {
    return fault::FailedPreconditionError(absl::StrCat(
        "Job type reload is not applicable for unit ", name, ".service."));
  }
  if (service.state() != ServiceState::kRunning) {
    return fault::FailedPreconditionError(
        absl::StrCat("Unit ", name, ".service is not active, cannot reload."));
  }
  return fault::OkStatus();
}

fault::StatusOr<std::vector<std::string>> Supervisor::ReloadService(
    absl::string_view name) {
  FAULT_RETURN_IF_ERROR(CheckReload(name));
  std::vector<std::string> reloaded = {std::string(name)};
  for (size_t i = 0; i < reloaded.size(); ++i) {
    Entry& e = *entries_.find(reloaded[i])->second;
    e.service->Reload();
    Touch(e);
    for (std::string& target : ReloadPropagation(reloaded[i])) {
      if (std::find(reloaded.begin(), reloaded.end(), target) !=
          reloaded.end()) {
        continue;
      }
      if (fault::Status can = CheckReload(target); !can.ok()) {
        log_.Info(target, ": reload from ", reloaded[i],
                  " passed over: ", can.message());
        continue;
      }
      log_.Info(target, ": reloading with ", reloaded[i]);
      reloaded.push_back(std::move(target));
    }
  }
  return reloaded;
}

bool Supervisor::ReloadFailed(absl::string_view name) const {
  auto it = entries_.find(name);
  return it != entries_.end() && it->second->service->reload_failed();
}

bool Supervisor::Busy(absl::string_view name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) return false;
  const Entry& e = *it->second;
  ServiceState state = e.service->state();
  return StartQueued(e.job) || Replacing(e.job) ||
         state == ServiceState::kStarting || state == ServiceState::kStopping ||
         state == ServiceState::kRestarting ||
         e.service->sub_state() == ServiceSubState::kReloading;
}

ServiceView Supervisor::RowOf(const Entry& e) {
  const Service& s = *e.service;
  return ServiceView{
      s.name(), s.state(), s.main_pid(), s.since(), s.restarts(),
      s.last_exit().pid != 0 ? s.last_exit().ToString() : "",
      // A start skipped by a condition, or failed by an assert, says which
      // in the STATUS column: it never ran, so there is no STATUS= of this
      // start to show.
      s.reason(),
      s.skipped() || s.assert_failed() ? s.reason()
      : e.status_text()                ? *e.status_text()
      // RemainAfterExit= and ExecReload= show as systemd's sub-states.
      // A target (target_unit.h) that is up is systemd's "active".
      : s.sub_state() == ServiceSubState::kExited
          ? std::string(absl::EndsWith(s.name(), ".target") ? "active"
                                                            : "exited")
      : s.sub_state() == ServiceSubState::kReloading ? std::string("reloading")
                                                     : std::string(),
      std::string(e.settings.description())};
}

// One lookup: the control server asks this after every loop dispatch while
// a client waits, so it does not build the whole table.
std::optional<ServiceView> Supervisor::View(absl::string_view name) const {
  if (SocketUnitName(name) && socket_units_.view) {
    return socket_units_.view(name);
  }
  auto it = entries_.find(name);
  if (it == entries_.end()) return std::nullopt;
  return RowOf(*it->second);
}

std::vector<ServiceView> Supervisor::Status() const {
  std::vector<ServiceView> rows;
  rows.reserve(order_.size());
  for (const Entry* e : order_) rows.push_back(RowOf(*e));
  if (socket_units_.rows) socket_units_.rows(&rows);
  return rows;
}

std::vector<std::string> Supervisor::Log(absl::string_view name,
                                         size_t n) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) return {};
  return it->second->ring.Lines(n);
}

std::vector<std::pair<size_t, std::string>> Supervisor::HeapBlocks() {
  // musl's 64-byte size class holds up to 60 bytes (PID 1 keeps an output
  // pipe per running service that captures its output), its 320-byte
  // class up to 316 (an entry per service): what few units or pipes need
  // is in the entry's Extras.
  static_assert(sizeof(void*) != 8 || sizeof(OutputPipe) <= 60,
                "OutputPipe has grown out of musl's 64-byte size class");
  static_assert(sizeof(void*) != 8 || sizeof(Entry) <= 316,
                "Supervisor::Entry has grown out of musl's 320-byte size "
                "class: put what few units need in Entry::Extras");
  return {
      {sizeof(Entry),
       absl::StrCat("Supervisor::Entry: its Service ", sizeof(Service),
                    " B, ServiceSettings ", sizeof(ServiceSettings),
                    " B, ring ", sizeof(LineRing), " B")},
      {sizeof(Entry::Extras),
       "the entry's extras (dependencies, load error, STATUS=...)"},
      {fault::Scheduler::WatchBytes(), "a scheduler watch"},
      {sizeof(OutputPipe), "the output pipe (OutputReader, watch)"},
      {sizeof(std::vector<int>),
       "the entry's process ids beyond one (ProcessIdList)"},
      {sizeof(Supervisor*) + sizeof(std::string),
       "a callback's captures (this and the unit's name)"},
  };
}

}  // namespace faultinit
