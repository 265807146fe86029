#include "init/supervisor/system_mode.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <exception>

#include "absl/strings/str_join.h"
#include "init/processes.h"
#include "init/system/unit_directory.h"
#include "runtime/fd.h"
#include "runtime/signal_state.h"
#include "runtime/signals.h"

namespace faultinit {
SystemMode::SystemMode(fault::Scheduler& scheduler,
                       const SystemOptions& options, const Logger& log)
    : scheduler_(scheduler),
      options_(options),
      log_(log),
      boot_(log),
      supervisor_(scheduler, log, SupervisorOptions{kNotifySocket, "/"}),
      control_(scheduler, supervisor_, log,
               ControlServer::Hooks{
                   [this](std::vector<std::string>* diagnostics) {
                     return Reload(diagnostics);
                   },
                   [this](PowerAction action) { BeginShutdown(action); }}),
      leftovers_(log) {}

int SystemMode::Run() {
  if (getpid() == 1) {
    boot_.Up();
  } else if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    // Not PID 1 (--system): daemons' orphans must still come back to us.
    log_.Warning("unable to register as child subreaper: ", strerror(errno));
  }
  // A closed stderr or a departed control client must not end faultinit
  // when it is not PID 1 (PID 1 is spared default-action signals anyway).
  // Services start with every disposition back to its default (through
  // ChangeDisposition, the spawn knows to reset this one).
  struct sigaction ignore = {};
  ignore.sa_handler = SIG_IGN;
  (void)fault::ChangeDisposition(SIGPIPE, &ignore, nullptr);
  if (mkdir("/run/faultinit", 0755) != 0 && errno != EEXIST) {
    log_.Warning("unable to create /run/faultinit: ", strerror(errno));
  }

  {
    // The services keep their own copy: the parsed directory is freed here.
    LoadedUnits units = Load();
    WatchSignals();
    supervisor_.Load(units);
  }
  supervisor_.Begin();
  if (fault::Status s = control_.Listen(options_.control); !s.ok()) {
    log_.Warning(s.message(), " (faultctl cannot reach this faultinit)");
  }
  supervisor_.StartAll();

  for (;;) {
    // PID 1 must not die of an internal error: log it and keep supervising.
    // (Control exceptions — Exit, Interruption — are not std::exceptions
    // and still end the program.)
    try {
      if (Step()) break;
    } catch (const std::exception& e) {
      log_.Warning("internal error: ", e.what(), "; continuing");
    }
  }
  supervisor_.DrainOutput();
  boot_.Down(action_);
  return 0;
}

bool SystemMode::Step() {
  supervisor_.Reconcile();
  control_.Poll();
  if (phase_ == Phase::kStoppingServices && supervisor_.AllStopped()) {
    phase_ = Phase::kKillingRest;
    leftovers_.Signal(SIGTERM);
    scheduler_.After(kFinalGrace, [this] { leftovers_.Signal(SIGKILL); });
  }
  // Orphans re-parented to faultinit meanwhile get the signal too.
  if (phase_ == Phase::kKillingRest) leftovers_.Rescan();
  // Checked before waiting: with nothing left, nothing would wake us.
  if (phase_ == Phase::kKillingRest && !HasChildren()) return true;
  fault::Status status = scheduler_.RunOnce();
  if (!status.ok()) log_.Warning("event loop: ", status.message());
  return false;
}

ReloadSummary SystemMode::Reload(std::vector<std::string>* diagnostics) {
  if (phase_ != Phase::kRunning) return {};
  ReloadSummary summary = supervisor_.Reload(Load(diagnostics));
  log_.Info("reloaded: started [", absl::StrJoin(summary.started, " "),
            "], stopped [", absl::StrJoin(summary.stopped, " "),
            "], restarted [", absl::StrJoin(summary.restarted, " "),
            "], changed [", absl::StrJoin(summary.changed, " "), "]");
  return summary;
}

LoadedUnits SystemMode::Load(std::vector<std::string>* diagnostics) {
  LoadedUnits units = LoadUnitDirectory(options_.services);
  auto report = [&](const Diagnostic& d) {
    fault::WriteString(STDERR_FILENO,
                       absl::StrCat("faultinit: ", d.ToString(), "\n"));
    if (diagnostics != nullptr) diagnostics->push_back(d.ToString());
  };
  for (const Diagnostic& d : units.diagnostics) report(d);
  for (const ParsedUnit& unit : units.units) {
    for (const Diagnostic& d : unit.diagnostics) report(d);
  }
  log_.Info("loaded ", units.units.size(), " units from ", options_.services);
  return units;
}

void SystemMode::WatchSignals() {
  for (int signo : {SIGTERM, SIGPWR, SIGUSR2, SIGINT, SIGUSR1, SIGHUP}) {
    fault::StatusOr<fault::Scheduler::WatchId> watch =
        scheduler_.OnSignal(signo, [this](const signalfd_siginfo& info) {
          OnSignal(static_cast<int>(info.ssi_signo));
        });
    if (!watch.ok()) log_.Warning(watch.status().message());
  }
}

void SystemMode::OnSignal(int signo) {
  switch (signo) {
    case SIGTERM:
    case SIGPWR:
    case SIGUSR2:
      BeginShutdown(PowerAction::kPowerOff);
      return;
    case SIGINT:
      BeginShutdown(PowerAction::kReboot);
      return;
    case SIGUSR1:
      BeginShutdown(PowerAction::kHalt);
      return;
    case SIGHUP:
      if (phase_ == Phase::kRunning) Reload(nullptr);
      return;
    default:
      return;
  }
}

void SystemMode::BeginShutdown(PowerAction action) {
  if (phase_ != Phase::kRunning) return;
  action_ = action;
  log_.Info("shutting down to ", PowerActionName(action),
            ": stopping services");
  phase_ = Phase::kStoppingServices;
  supervisor_.Shutdown();
  control_.ShutdownBegan(action);  // waiting starts are answered now
}

int CheckUnits(absl::string_view directory) {
  LoadedUnits units = LoadUnitDirectory(directory);
  CheckReport report = RenderCheckReport(units);
  fault::WriteString(STDOUT_FILENO, report.text);
  return report.has_errors ? 1 : 0;
}

}  // namespace faultinit
