// File: init/supervisor/system_mode.h
//
// SystemMode: faultinit as the init of a board or a container. The steps:
//   1. boot (when PID 1): mounts, hostname, console (Boot::Up);
//   2. load the units (unit_source.h: a flat directory, or systemd's
//      layout); print every diagnostic;
//   3. watch the signals: SIGTERM, SIGPWR, SIGUSR2 power off; SIGINT
//      (Ctrl-Alt-Del) reboots; SIGUSR1 halts; SIGHUP reloads the unit
//      directory (and the fstab's remote file systems' units) and applies
//      the difference (Supervisor::Reload, SocketActivation::Reload);
//   3b. mount /etc/fstab's local file systems (fstab_step.h; as the
//      machine's PID 1, or with --fstab), waiting on the loop for late
//      devices; then
//   4. start every service of a flat directory, or what the layout's start
//      unit pulls in (StartBoot), and loop;
//   5. on a shutdown request: stop the services in reverse order, then
//      SIGTERM every remaining process, SIGKILL after kFinalGrace, and end
//      as soon as nothing is left (no fixed waits);
//   6. unmount what the fstab step mounted (in reverse), then sync,
//      unmount, reboot(2) — or, in a container, exit 0 (or the
//      status of a unit's SuccessAction=/FailureAction=exit).
// Nothing in the unit files ends it but a SuccessAction=/FailureAction=.
// How it runs (docs/architecture.md, "The main loop"): Run registers its
// watches and a BeforeWait hook on the scheduler, then holds the main thread
// in fault::Protect. An exception escaping one event's callback is logged
// ("internal error: ...; continuing") and the loop goes on; the per-turn
// work (BetweenEvents: reconcile, answer faultctl, advance the shutdown) is
// a critical section (fault::RunCritical), and it, like a failure of the
// loop itself, ends faultinit in its --crash-action. The end is a
// fault::Exit(0) (or an exit action's status) thrown by the hook once the
// system is down in a container (the machine's PID 1 reboots instead).
//
// CheckUnits is `faultinit --check [DIR | --units-path PATH]`.
//
// Loop thread only.

#ifndef FAULT_INIT_SUPERVISOR_SYSTEM_MODE_H_
#define FAULT_INIT_SUPERVISOR_SYSTEM_MODE_H_

#include <memory>

#include "absl/base/attributes.h"
#include "init/log.h"
#include "init/options.h"
#include "init/processes.h"
#include "init/supervisor/boot.h"
#include "init/supervisor/control_server.h"
#include "init/supervisor/fstab_step.h"
#include "init/supervisor/socket_activation.h"
#include "init/supervisor/supervisor.h"
#include "init/supervisor/unit_source.h"
#include "runtime/duration.h"
#include "runtime/scheduler.h"

namespace faultinit {

// Where services send sd_notify datagrams.
inline constexpr char kNotifySocket[] = "/run/faultinit/notify";
// What remains after the services stopped gets this long after SIGTERM.
inline constexpr fault::Duration kFinalGrace = fault::Seconds(5);
// How long PID 1 waits for the child that loads the layout (Load) before
// it kills it and loads the units itself: far over what reading a root
// file system's units takes, even under emulation.
inline constexpr fault::Duration kLoaderLimit = fault::Seconds(60);

class SystemMode {
 public:
  // Never inlined, like Prepare: its temporaries stay off the frame that
  // holds the SystemMode while the services run.
  ABSL_ATTRIBUTE_NOINLINE SystemMode(fault::Scheduler& scheduler,
                                     const SystemOptions& options,
                                     const Logger& log);
  // Run never returns: it ends by throwing fault::Exit(0) once the system
  // is down in a container (the machine's PID 1 reboots or powers off).
  [[noreturn]] void Run();

 private:
  enum class Phase { kRunning, kStoppingServices, kKillingRest };

  // BetweenEvents is the scheduler's BeforeWait hook: Step as a critical
  // section, then, once the system is down, the end (DrainOutput,
  // Boot::Down, fault::Exit(0)).
  void BetweenEvents();
  // Step is the per-turn work: reconcile, serve control requests, advance
  // the shutdown phases; true when the system is down.
  bool Step();
  // Load reads the unit directory and prints every diagnostic (also
  // collected in `diagnostics` when given); of a layout, it returns the
  // units PID 1 holds (needed_units.h: what the start unit needs, what
  // HeldNames names, and what they need). A layout is loaded whole in a
  // child process (unit_plan.h), which reports the diagnostics, and PID 1
  // reads only the units it holds; if the child fails, PID 1 says so and
  // loads the layout itself.
  LoadedUnits Load(std::vector<std::string>* diagnostics = nullptr);
  // LoadAndReport is Load in the process that calls it.
  LoadedUnits LoadAndReport(std::vector<std::string>* diagnostics);
  // HeldNames: the units loaded on demand and those the supervisor holds.
  std::vector<std::string> HeldNames() const;
  // Reload applies a fresh load (the fstab read again first: its remote
  // file systems' units; ReloadedFstabUnits) and logs what changed, the
  // socket units' changes among them.
  ReloadSummary Reload(std::vector<std::string>* diagnostics);
  // DaemonReload is systemd's daemon-reload (Supervisor::Redefine): the
  // same fresh load, which starts, stops and restarts nothing.
  RedefineSummary DaemonReload(std::vector<std::string>* diagnostics);
  // Reread: the fstab read again (its remote file systems' units), then
  // Load.
  LoadedUnits Reread(std::vector<std::string>* diagnostics);
  // ResolveName: the control server's Hooks::resolve: the unit a requested
  // name stands for (unit_names.h); a unit not held yet (an installed unit
  // nothing at boot can start, an instance of a template) is loaded on
  // demand (kept in source_.instances for the reloads after), not started.
  // nullopt when none, or a shutdown began.
  ABSL_ATTRIBUTE_NOINLINE std::optional<std::string> ResolveName(
      const std::string& name);
  // LoadInstance loads `name` (a service without ".service": "tmpl@x",
  // "idle"; or a target: "rescue.target") into the running supervisor,
  // not started, with what it needs (needed_units.h), and keeps it for
  // the reloads after: the unit a request names, or the instance a socket
  // with Accept=yes needs. False when it could not be loaded (no file or
  // template; see the log) or a shutdown began. Instance names are made
  // with InstanceName (init/system/unit_name.h). A socket unit
  // ("x.socket") is loaded with the service it activates, inactive
  // (SocketActivation::Add).
  ABSL_ATTRIBUTE_NOINLINE bool LoadInstance(const std::string& name);
  // LoadOnDemand is LoadInstance's load, with `name` in
  // source_.instances.load already: as Load, the layout is read whole in a
  // child process (unit_plan.h), which prints `name`'s diagnostics, and
  // PID 1 reads only the files of the units it is to hold (those it holds
  // and what `name` needs), so that its heap does not grow by a whole
  // layout's load at each instance start; if the child fails, PID 1 says
  // so and loads the layout itself.
  ABSL_ATTRIBUTE_NOINLINE LoadedUnits LoadOnDemand(const std::string& name);
  // Run's steps before the services start, in order: Prepare (boot as
  // PID 1, or become a subreaper; /run/faultinit and the control socket,
  // before anything else of this boot is visible), LoadAll (the first
  // load, PID 1's signals, the supervisor's entries, the socket units),
  // Open (the notify socket). Each is never inlined: its locals (the parsed
  // directory; the mounts', sockets' and messages' temporaries) are off the
  // stack before the next step and before the services start, so no path
  // reaches deeper than it needs (touched stack pages stay resident while
  // PID 1 sleeps).
  ABSL_ATTRIBUTE_NOINLINE void Prepare();
  // RaiseDescriptorLimit raises faultinit's RLIMIT_NOFILE, both values, to
  // fs.nr_open (descriptor_limits.h); where it may not raise the hard
  // limit, the soft one to the hard one (a warning if it cannot). Services
  // get 1024:524288 unless LimitNOFILE= says otherwise. Container mode
  // leaves its limits as they are.
  void RaiseDescriptorLimit();
  ABSL_ATTRIBUTE_NOINLINE void LoadAll();
  // LoadAll's parts before and after Load, in frames of their own: the
  // deepest of the first load's paths runs under Load (the unit parser's),
  // and their temporaries (the source's, the entries' and sockets') would
  // lie under it in LoadAll's frame.
  ABSL_ATTRIBUTE_NOINLINE void ChooseSource();
  ABSL_ATTRIBUTE_NOINLINE void Hold(LoadedUnits& units);
  ABSL_ATTRIBUTE_NOINLINE void Open();
  // MountFstab runs the fstab step (fstab_step.h) as the machine's PID 1
  // or with --fstab, then StartBoot; StartBoot alone otherwise.
  void MountFstab();
  // StartBoot starts every service (a flat directory) or those in boot_units_
  // (the layout), then frees boot_units_.
  void StartBoot();
  // WatchSignals watches PID 1's signals, named as in the seed's table.
  void WatchSignals();
  void BeginShutdown(PowerAction action);
  // A unit's SuccessAction= or FailureAction= (Supervisor::TakeAction):
  // the shutdown faultctl poweroff/reboot/halt begins; exit in a container
  // (or not PID 1) ends faultinit with the request's status once down,
  // and powers the machine off as its PID 1 (as systemd).
  void PerformUnitAction(const UnitActionRequest& request);

  fault::Scheduler& scheduler_;
  const SystemOptions& options_;
  const Logger& log_;
  Boot boot_;
  Supervisor supervisor_;
  SocketActivation sockets_;  // socket units (socket_activation.h)
  ControlServer control_;
  // The fstab step, made only when it runs (MountFstab): most containers
  // never pay for it.
  std::unique_ptr<FstabStep> fstab_;
  Leftovers leftovers_;
  Phase phase_ = Phase::kRunning;
  PowerAction action_ = PowerAction::kPowerOff;
  int exit_status_ = 0;  // faultinit's, once down in a container
  UnitSource source_;    // where Load reads the units (LoadAll chooses)
  std::vector<std::string> boot_units_;  // the layout's, until StartBoot
  // The layout holds the fstab's remote file systems (fstab_units.h): as
  // the machine's PID 1 or with --fstab. A reload reads the fstab again.
  bool fstab_units_ = false;
  // A flat directory with socket units: boot_units_ holds its services
  // but those activated by a socket.
  bool source_sockets_ = false;
};

// CheckUnits prints the --check report of the units `options` name
// (unit_source.h; the layout's start unit is default.target) on stdout and
// returns 0 when it has no errors, 1 otherwise.
int CheckUnits(const SystemOptions& options);

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_SYSTEM_MODE_H_
