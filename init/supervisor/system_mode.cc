#include "init/supervisor/system_mode.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <exception>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "init/processes.h"
#include "init/supervisor/descriptor_limits.h"
#include "init/supervisor/unit_names.h"
#include "init/supervisor/unit_plan.h"
#include "init/supervisor/unit_source.h"
#include "init/system/needed_units.h"
#include "init/system/target_unit.h"
#include "init/system/unit_directory.h"
#include "runtime/control.h"
#include "runtime/exit.h"
#include "runtime/fd.h"
#include "runtime/signal_state.h"
#include "runtime/signals.h"

namespace faultinit {
namespace {

// The RLIMIT_NOFILE faultinit was started with (until
// RaiseDescriptorLimit): services' default hard limit derives from it.
struct rlimit InheritedNofile() {
  struct rlimit limit = {1024, 4096};  // the kernel's, for init
  (void)getrlimit(RLIMIT_NOFILE, &limit);
  return limit;
}

}  // namespace

SystemMode::SystemMode(fault::Scheduler& scheduler,
                       const SystemOptions& options, const Logger& log)
    : scheduler_(scheduler),
      options_(options),
      log_(log),
      boot_(log),
      supervisor_(
          scheduler, log,
          SupervisorOptions{
              kNotifySocket, "/",
              ServiceNofileHard(InheritedNofile().rlim_max, ReadNrOpen())}),
      sockets_(scheduler, supervisor_, log),
      control_(
          scheduler, supervisor_, log,
          ControlServer::Hooks{
              [this](std::vector<std::string>* diagnostics) {
                return Reload(diagnostics);
              },
              [this](PowerAction action) { BeginShutdown(action); },
              [this](const std::string& name) { return ResolveName(name); },
              [this](std::vector<std::string>* diagnostics) {
                return DaemonReload(diagnostics);
              }}),
      leftovers_(log) {}

void SystemMode::Run() {
  Prepare();
  LoadAll();
  Open();
  MountFstab();

  // The work is in the watches' callbacks now, and in the hook that runs
  // each time the loop is about to wait; the main thread is held in the
  // loop until the hook ends the run (fault::Exit) once the system is down.
  scheduler_.BeforeWait([this] { BetweenEvents(); });
  for (;;) {
    // An event's callback that fails (a std::exception) is an internal
    // error in that event's handling: PID 1 logs it and goes on; that event
    // is lost, the loop is not. What must not fail is not here: the
    // per-turn work (BetweenEvents) is a critical section, and a failure of
    // the loop itself is a fault::Critical (no std::exception), which ends
    // faultinit in its --crash-action. Exit passes through as well.
    try {
      fault::Protect();
    } catch (const std::exception& e) {
      log_.Warning("internal error: ", e.what(), "; continuing");
    }
  }
}

void SystemMode::Prepare() {
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
  RaiseDescriptorLimit();
  if (mkdir("/run/faultinit", 0755) != 0 && errno != EEXIST) {
    log_.Warning("unable to create /run/faultinit: ", strerror(errno));
  }
  // The control socket comes before anything else a client can see of
  // this boot (a socket unit's path, a log line): a client that saw one
  // reaches faultinit, its request waiting in the backlog until the loop
  // runs.
  if (fault::Status s = control_.Listen(options_.control); !s.ok()) {
    log_.Warning(s.message(), " (faultctl cannot reach this faultinit)");
  } else {
    log_.Info("answering faultctl on ", options_.control);  // with -v
  }
}

void SystemMode::RaiseDescriptorLimit() {
  // PID 1 keeps a descriptor or two per service (descriptor_limits.h).
  // Without CAP_SYS_RESOURCE (a container), the hard limit stays and the
  // soft one is raised to it.
  const struct rlimit inherited = InheritedNofile();
  const struct rlimit raised = Pid1NofileLimit(inherited, ReadNrOpen());
  if (raised.rlim_cur == inherited.rlim_cur &&
      raised.rlim_max == inherited.rlim_max) {
    return;
  }
  if (setrlimit(RLIMIT_NOFILE, &raised) == 0) return;
  struct rlimit soft_to_hard = inherited;
  soft_to_hard.rlim_cur = inherited.rlim_max;
  if (inherited.rlim_cur < inherited.rlim_max &&
      setrlimit(RLIMIT_NOFILE, &soft_to_hard) != 0) {
    log_.Warning("unable to raise the descriptor limit to ", inherited.rlim_max,
                 ": ", strerror(errno));
  }
}

void SystemMode::LoadAll() {
  ChooseSource();
  // The services keep their own copy: the parsed directory is freed here.
  LoadedUnits units = Load();
  Hold(units);
}

void SystemMode::ChooseSource() {
  const bool machine_init = getpid() == 1 && Boot::InInitialPidNamespace();
  source_ = ChooseUnitSource(options_, machine_init);
  // The fstab's remote file systems are units of the layout
  // (fstab_units.h), mounted for remote-fs.target.
  fstab_units_ = source_.layout && (machine_init || options_.fstab_given);
  if (fstab_units_) source_.instances.generated = FstabUnits(options_.fstab);
  if (!source_.kernel_cmdline_error.empty()) {
    log_.Warning(source_.kernel_cmdline_error);
  }
}

void SystemMode::Hold(LoadedUnits& units) {
  WatchSignals();
  supervisor_.LoadReleasing(&units);
  boot_units_ = std::move(units.boot);
  // Before any service starts, but in the layout a socket unit with
  // default dependencies waits for sysinit.target (socket_activation.h). A
  // flat directory starts every service but those a socket unit activates.
  // In the layout,
  // an Accept=yes socket's connections are instances of its template,
  // loaded as a request's are, and kept for reloads until they end.
  if (source_.layout) {
    sockets_.SetInstances(SocketActivation::Instances{
        [this](const std::string& name) { return LoadInstance(name); },
        [this](const std::string& name) {
          std::vector<std::string>& load = source_.instances.load;
          load.erase(std::remove(load.begin(), load.end(),
                                 absl::StrCat(name, ".service")),
                     load.end());
        }});
  }
  sockets_.Listen(units.sockets, "/", source_.layout);
  sockets_.PassSockets(units.units);
  if (!source_.layout && !units.sockets.empty()) {
    for (const std::string& name : StartOrder(units)) {
      if (!sockets_.Activates(name)) boot_units_.push_back(name);
    }
    for (const ParsedUnit& unit : units.units) {
      if (!unit.ok() && !sockets_.Activates(unit.unit.name)) {
        boot_units_.push_back(unit.unit.name);
      }
    }
    source_sockets_ = true;
  }
}

void SystemMode::MountFstab() {
  const bool machine_init = getpid() == 1 && Boot::InInitialPidNamespace();
  if (!machine_init && !options_.fstab_given) {
    StartBoot();
    return;
  }
  // Before any unit: what systemd orders before local-fs.target. A device
  // waited for keeps the units waiting too, on the loop (a shutdown
  // meanwhile cancels the step: nothing starts).
  fstab_ = std::make_unique<FstabStep>(scheduler_, log_);
  fstab_->set_remote_units(source_.layout);
  fstab_->Begin(options_.fstab, machine_init, [this] {
    if (phase_ == Phase::kRunning) StartBoot();
  });
}

void SystemMode::StartBoot() {
  if (!source_.layout && !source_sockets_) {
    supervisor_.StartAll();
    return;
  }
  // The layout: what the start unit pulls in; the rest stays loaded, not
  // started, until `faultctl start NAME`.
  for (const std::string& name : boot_units_) {
    if (fault::Status s = supervisor_.StartService(name); !s.ok()) {
      log_.Warning(name, ": ", s.message());
    }
  }
  std::vector<std::string>().swap(boot_units_);
  // A socket unit with default dependencies Requires= sysinit.target, as
  // in systemd: pulled in even when the start unit does not reach it.
  if (sockets_.HasDeferred()) {
    if (fault::Status s = supervisor_.StartService(kSysinitTarget); !s.ok()) {
      log_.Warning(kSysinitTarget, ": ", s.message());
    }
  }
}

void SystemMode::Open() { supervisor_.Begin(); }

void SystemMode::BetweenEvents() {
  bool down = false;
  // Critical: this runs before every wait, so a failure here would recur
  // on every turn and leave PID 1 unable to reconcile, answer faultctl or
  // finish a shutdown; it ends in the --crash-action instead.
  fault::RunCritical("system mode, between events", [this, &down] {
    if (!Step()) return;
    supervisor_.DrainOutput();
    if (fstab_) fstab_->Unmount();  // every service has stopped
    boot_.Down(action_);            // as the machine's PID 1, does not return
    down = true;
  });
  // Outside the critical section, which would take the Exit for a failure.
  if (down) throw fault::Exit(exit_status_);
}

bool SystemMode::Step() {
  supervisor_.Reconcile();
  sockets_.Poll();
  if (std::optional<UnitActionRequest> action = supervisor_.TakeAction()) {
    PerformUnitAction(*action);
  }
  control_.Poll();
  if (phase_ == Phase::kStoppingServices && supervisor_.AllStopped()) {
    phase_ = Phase::kKillingRest;
    leftovers_.Signal(SIGTERM);
    scheduler_.After(kFinalGrace, [this] { leftovers_.Signal(SIGKILL); });
  }
  // Orphans re-parented to faultinit meanwhile get the signal too.
  if (phase_ == Phase::kKillingRest) leftovers_.Rescan();
  // Checked before waiting: with nothing left, nothing would wake us.
  return phase_ == Phase::kKillingRest && !HasChildren();
}

ReloadSummary SystemMode::Reload(std::vector<std::string>* diagnostics) {
  if (phase_ != Phase::kRunning) return {};
  LoadedUnits units = Reread(diagnostics);
  ReloadSummary summary = supervisor_.Reload(units);
  if (units.layout) sockets_.Reload(units.sockets, &summary);
  log_.Info("reloaded: started [", absl::StrJoin(summary.started, " "),
            "], stopped [", absl::StrJoin(summary.stopped, " "),
            "], restarted [", absl::StrJoin(summary.restarted, " "),
            "], changed [", absl::StrJoin(summary.changed, " "), "]");
  return summary;
}

RedefineSummary SystemMode::DaemonReload(
    std::vector<std::string>* diagnostics) {
  if (phase_ != Phase::kRunning) return {};
  LoadedUnits units = Reread(diagnostics);
  RedefineSummary summary = supervisor_.Redefine(units);
  if (units.layout) sockets_.Redefine(units.sockets, &summary);
  log_.Info("daemon-reload: added [", absl::StrJoin(summary.added, " "),
            "], changed [", absl::StrJoin(summary.changed, " "), "], removed [",
            absl::StrJoin(summary.removed, " "), "]");
  return summary;
}

LoadedUnits SystemMode::Reread(std::vector<std::string>* diagnostics) {
  // The fstab again, as systemd reruns its generators: its units follow
  // the file, or, when a line of it is bad, stay as they were.
  if (fstab_units_) {
    std::vector<Diagnostic> problems;
    if (std::optional<std::vector<GeneratedUnit>> units =
            ReloadedFstabUnits(options_.fstab, &problems)) {
      source_.instances.generated = *std::move(units);
    }
    for (const Diagnostic& d : problems) {
      log_.Warning(d.ToString());
      if (diagnostics != nullptr) diagnostics->push_back(d.ToString());
    }
  }
  return Load(diagnostics);
}

std::optional<std::string> SystemMode::ResolveName(const std::string& name) {
  std::optional<RequestedUnit> unit = ResolveRequestedUnit(
      source_, name,
      [this](const std::string& n) { return supervisor_.View(n).has_value(); });
  if (!unit.has_value()) return std::nullopt;
  if (!unit->load) return unit->name;
  if (!LoadInstance(unit->name)) return std::nullopt;
  return unit->name;
}

namespace {

// The unit or socket unit `name` of `units`; null when not loaded.
const ParsedUnit* FindLoaded(const LoadedUnits& units,
                             const std::string& name) {
  if (!absl::EndsWith(name, ".socket")) return units.Find(name);
  for (const ParsedUnit& s : units.sockets) {
    if (s.unit.name == name) return &s;
  }
  return nullptr;
}

}  // namespace

bool SystemMode::LoadInstance(const std::string& name) {
  if (supervisor_.View(name)) return true;
  if (phase_ != Phase::kRunning || !source_.layout) return false;
  const bool socket = absl::EndsWith(name, ".socket");
  source_.instances.load.push_back(absl::EndsWith(name, ".target") || socket
                                       ? name
                                       : absl::StrCat(name, ".service"));
  LoadedUnits units = LoadOnDemand(name);
  const ParsedUnit* parsed = FindLoaded(units, name);
  std::vector<std::string> added = supervisor_.AddLoaded(units);
  if (socket && parsed != nullptr && sockets_.Add(*parsed)) {
    added.push_back(name);
  }
  if (!supervisor_.View(name)) {
    source_.instances.load.pop_back();
    return false;
  }
  log_.Info("loaded on demand: ", absl::StrJoin(added, " "));
  return true;
}

LoadedUnits SystemMode::LoadOnDemand(const std::string& name) {
  // The whole layout, less what nothing needs, with `name`'s diagnostics
  // printed: in the child, or in PID 1 when the child fails.
  auto held = [this, &name] {
    LoadedUnits units = LoadUnits(source_);
    KeepNeededUnits(&units, HeldNames());
    if (const ParsedUnit* parsed = FindLoaded(units, name)) {
      for (const Diagnostic& d : parsed->diagnostics) {
        fault::WriteString(STDERR_FILENO,
                           absl::StrCat("faultinit: ", d.ToString(), "\n"));
      }
    }
    return units;
  };
  fault::StatusOr<std::string> sent = RunLoaderChild(
      [&held] { return EncodeUnitPlan(PlanOf(held(), {})); }, kLoaderLimit);
  std::optional<UnitPlan> plan;
  if (sent.ok()) plan = DecodeUnitPlan(*sent);
  if (!plan.has_value()) {
    log_.Warning(
        "loading ", name, " in a child process failed (",
        sent.ok() ? "its result did not decode" : sent.status().message(),
        "); loading it in PID 1");
    return held();
  }
  std::string().swap(*sent);
  LoadedUnits units = LoadUnits(source_, &plan->files);
  ApplyUnitPlan(*plan, &units);
  return units;
}

std::vector<std::string> SystemMode::HeldNames() const {
  std::vector<std::string> names = source_.instances.load;
  for (const ServiceView& row : supervisor_.Status()) {
    names.push_back(row.name);
  }
  return names;
}

LoadedUnits SystemMode::Load(std::vector<std::string>* diagnostics) {
  if (!source_.layout) return LoadAndReport(diagnostics);
  const bool collect = diagnostics != nullptr;
  fault::StatusOr<std::string> sent = RunLoaderChild(
      [this, collect] {
        std::vector<std::string> reported;
        LoadedUnits units = LoadAndReport(collect ? &reported : nullptr);
        return EncodeUnitPlan(PlanOf(units, std::move(reported)));
      },
      kLoaderLimit);
  std::optional<UnitPlan> plan;
  if (sent.ok()) plan = DecodeUnitPlan(*sent);
  if (!plan.has_value()) {
    log_.Warning(
        "loading the units in a child process failed (",
        sent.ok() ? "its result did not decode" : sent.status().message(),
        "); loading them in PID 1");
    return LoadAndReport(diagnostics);
  }
  std::string().swap(*sent);
  if (collect) {
    diagnostics->insert(diagnostics->end(), plan->diagnostics.begin(),
                        plan->diagnostics.end());
  }
  // What the child held, no more: KeepNeededUnits has nothing to drop.
  LoadedUnits units = LoadUnits(source_, &plan->files);
  ApplyUnitPlan(*plan, &units);
  return units;
}

LoadedUnits SystemMode::LoadAndReport(std::vector<std::string>* diagnostics) {
  LoadedUnits units = LoadUnits(source_);
  // A layout's warnings (a root file system's hundreds of units: After= on
  // units not installed, keys that differ) are one line on the console at
  // each boot, and each at info level (-v): a serial console at 115200
  // baud takes seconds for them. `faultinit --check` lists them all; errors
  // are always shown; a flat directory's warnings too.
  size_t quiet_warnings = 0;
  auto report = [&](const Diagnostic& d) {
    if (diagnostics != nullptr) diagnostics->push_back(d.ToString());
    if (units.layout && d.severity == Severity::kWarning) {
      ++quiet_warnings;
      log_.Info(d.ToString());
      return;
    }
    fault::WriteString(STDERR_FILENO,
                       absl::StrCat("faultinit: ", d.ToString(), "\n"));
  };
  for (const Diagnostic& d : units.diagnostics) report(d);
  for (const ParsedUnit& unit : units.units) {
    for (const Diagnostic& d : unit.diagnostics) report(d);
  }
  for (const ParsedUnit& unit : units.sockets) {
    for (const Diagnostic& d : unit.diagnostics) report(d);
  }
  if (quiet_warnings != 0) {
    log_.Warning(quiet_warnings,
                 " warnings in the unit files (shown with -v; `faultinit "
                 "--check` lists them)");
  }
  log_.Info("loaded ", units.units.size(), " units from ", source_.Name());
  // Every unit was parsed and its problems reported; PID 1 holds only the
  // ones something can start (needed_units.h), the others are loaded when a
  // request names them.
  if (const size_t dropped = KeepNeededUnits(&units, HeldNames())) {
    log_.Info("holding ", units.units.size(), " of them; ", dropped,
              " more are loaded when a request names them");
  }
  if (units.layout) {
    // The services; the targets they reach are units too, not listed.
    std::vector<absl::string_view> services;
    for (const std::string& name : units.boot) {
      if (!absl::EndsWith(name, ".target")) services.push_back(name);
    }
    log_.Info("starting ", units.start_unit, ": ", absl::StrJoin(services, " "),
              units.masked.empty() ? "" : "; masked: ",
              absl::StrJoin(units.masked, " "));
  }
  return units;
}

namespace {

// What a signal asks PID 1 for.
enum class SignalRequest { kPowerOff, kReboot, kHalt, kReload };

// PID 1's signal policy, by the seed's categorized names (runtime/signals.h)
// where the seed has one: SIGPWR has none (the seed's table names no power
// signal), so it is listed by number.
struct SignalPolicy {
  absl::string_view seed_name;  // empty: `signo` instead
  int signo;
  SignalRequest request;
};
constexpr SignalPolicy kSignalPolicy[] = {
    {"process/terminate", 0, SignalRequest::kPowerOff},  // SIGTERM
    {"", SIGPWR, SignalRequest::kPowerOff},
    {"user/2", 0, SignalRequest::kPowerOff},           // SIGUSR2
    {"process/interrupt", 0, SignalRequest::kReboot},  // SIGINT, C-A-D
    {"user/1", 0, SignalRequest::kHalt},               // SIGUSR1
    {"terminal/closed", 0, SignalRequest::kReload},    // SIGHUP
};

int PolicySignal(const SignalPolicy& policy) {
  if (policy.seed_name.empty()) return policy.signo;
  return fault::LookupSignalCode(policy.seed_name).value_or(0);
}

}  // namespace

void SystemMode::WatchSignals() {
  for (const SignalPolicy& policy : kSignalPolicy) {
    const int signo = PolicySignal(policy);
    const SignalRequest request = policy.request;
    fault::StatusOr<fault::Scheduler::WatchId> watch = scheduler_.OnSignal(
        signo, [this, signo, request](const signalfd_siginfo&) {
          log_.Debug("received ", fault::SignalIdentifier(signo));
          switch (request) {
            case SignalRequest::kPowerOff:
              BeginShutdown(PowerAction::kPowerOff);
              return;
            case SignalRequest::kReboot:
              BeginShutdown(PowerAction::kReboot);
              return;
            case SignalRequest::kHalt:
              BeginShutdown(PowerAction::kHalt);
              return;
            case SignalRequest::kReload:
              if (phase_ == Phase::kRunning) Reload(nullptr);
              return;
          }
        });
    if (!watch.ok()) log_.Warning(watch.status().message());
  }
}

void SystemMode::BeginShutdown(PowerAction action) {
  if (phase_ != Phase::kRunning) return;
  action_ = action;
  log_.Info("shutting down to ", PowerActionName(action),
            ": stopping services");
  phase_ = Phase::kStoppingServices;
  // A device still waited for: the units never start.
  if (fstab_) fstab_->Cancel();
  supervisor_.Shutdown();
  sockets_.Close();                // no activation while the system goes down
  control_.ShutdownBegan(action);  // waiting starts are answered now
}

void SystemMode::PerformUnitAction(const UnitActionRequest& request) {
  PowerAction power = PowerAction::kPowerOff;
  switch (request.action) {
    case UnitAction::kNone:
      return;
    case UnitAction::kExit:
    case UnitAction::kExitForce:
      // As systemd: a container's init exits with the status; the
      // machine's cannot exit, and powers off instead.
      if (getpid() != 1 || !Boot::InInitialPidNamespace()) {
        exit_status_ = request.exit_status;
        log_.Info(request.unit, " ", request.why, ": exiting with status ",
                  request.exit_status);
      } else {
        log_.Info(request.unit, " ", request.why,
                  ": powering off instead of exiting (the machine's init)");
      }
      break;
    case UnitAction::kReboot:
    case UnitAction::kRebootForce:
    case UnitAction::kRebootImmediate:
      power = PowerAction::kReboot;
      break;
    case UnitAction::kPowerOff:
    case UnitAction::kPowerOffForce:
    case UnitAction::kPowerOffImmediate:
      power = PowerAction::kPowerOff;
      break;
    case UnitAction::kHalt:
    case UnitAction::kHaltForce:
    case UnitAction::kHaltImmediate:
      power = PowerAction::kHalt;
      break;
  }
  BeginShutdown(power);
}

int CheckUnits(const SystemOptions& options) {
  UnitSource source = ChooseUnitSource(options, false);
  if (source.layout && options.fstab_given) {
    source.instances.generated = FstabUnits(options.fstab);
  }
  LoadedUnits units = LoadUnits(source);
  for (const ParsedUnit& socket : units.sockets) {  // socket_keys.h
    units.diagnostics.insert(units.diagnostics.end(),
                             socket.diagnostics.begin(),
                             socket.diagnostics.end());
  }
  CheckReport report = RenderCheckReport(units);
  if (options.fstab_given) {
    report.has_errors |= CheckFstab(options.fstab, &report.text);
  }
  fault::WriteString(STDOUT_FILENO, report.text);
  return report.has_errors ? 1 : 0;
}

}  // namespace faultinit
