// File: init/supervisor/supervisor.h
//
// Supervisor: runs the services of a unit directory on the program's
// scheduler. It owns one Service state machine per unit and implements
// their effects: Spawn (what a command runs in: exec_context.h), kill,
// timers, exits (each process it spawns has an exit watch of its own;
// the orphan callback hears only of processes re-parented to faultinit).
// Processes, exits, the clock and timers go through a SupervisorWorld
// (supervisor_world.h): the runtime's, unless a test gives its own. It orders
// starts (After=/Before=, waiting for readiness), propagates Requires= failures
// and stops, reads notify datagrams (READY=1, STATUS=) and journal output
// ("[name] line", kept in a per-service ring), and stops everything in reverse
// order on shutdown.
//
// State changes are not acted on recursively: a transition marks the
// supervisor dirty, and Reconcile (called by the main loop after each
// dispatch) makes the ordering and dependency decisions.
//
// Loop thread only. Its source files, one per concern, are listed in
// supervisor_entry.h.

#ifndef FAULT_INIT_SUPERVISOR_SUPERVISOR_H_
#define FAULT_INIT_SUPERVISOR_SUPERVISOR_H_

#include <sys/resource.h>
#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "init/log.h"
#include "init/supervisor/name_index.h"
#include "init/supervisor/policy_pool.h"
#include "init/supervisor/process_view.h"
#include "init/supervisor/service.h"
#include "init/supervisor/supervisor_jobs.h"
#include "init/supervisor/supervisor_world.h"
#include "init/supervisor/unit_job.h"
#include "init/support/notify.h"
#include "init/support/output_log.h"
#include "init/system/unit_directory.h"
#include "runtime/fd.h"
#include "runtime/scheduler.h"

namespace faultinit {

struct SupervisorOptions {
  // Where services send sd_notify datagrams (NOTIFY_SOCKET); empty: none.
  std::string notify_socket;
  // Passwd and group files are read under this root (tests use another).
  std::string accounts_root = "/";
  // The hard RLIMIT_NOFILE a service gets without LimitNOFILE= (its soft
  // one: kServiceNofileSoft); 0: faultinit's own hard limit at the spawn.
  // System mode sets systemd's default (descriptor_limits.h); a child
  // that may not raise its hard limit that far gets faultinit's.
  rlim_t service_nofile_hard = 0;
};

// ServiceView: one row of a status display.
struct ServiceView {
  std::string name;
  ServiceState state;
  pid_t pid;
  fault::Duration since;  // a fault::MonotonicNow() instant
  int restarts;
  std::string last_exit;    // "exit 3", "signal TERM", or ""
  std::string reason;       // why it failed
  std::string status_text;  // the last STATUS= it sent
  std::string description;
};

// ListenFds: the sockets a service's main process gets from socket
// activation (socket_activation.h): `fds` become its 3, 4, ..., with
// LISTEN_FDS, LISTEN_FDNAMES (`names`, ':' between them) and LISTEN_PID.
struct ListenFds {
  std::vector<int> fds;
  std::string names;
  // More environment variables (an Accept=yes connection's REMOTE_ADDR
  // and REMOTE_PORT).
  std::vector<std::pair<std::string, std::string>> variables;
};

// ReloadSummary: what a reload changed.
struct ReloadSummary {
  std::vector<std::string> started;    // new units
  std::vector<std::string> stopped;    // units whose file is gone
  std::vector<std::string> restarted;  // units that changed
  // Units that changed and were stopped on request: they get the new
  // definition and stay stopped.
  std::vector<std::string> changed;
};

// RedefineSummary: what a daemon-reload (Supervisor::Redefine) changed.
struct RedefineSummary {
  std::vector<std::string> added;    // new units, loaded, not started
  std::vector<std::string> changed;  // new definition from the next start
  std::vector<std::string> removed;  // forgotten once down
};

class Supervisor : private ServiceEffects {
 public:
  // `world`: processes, exits, clock and timers; null for the runtime's
  // (RuntimeWorld on `scheduler`). Not owned; it must outlive this.
  Supervisor(fault::Scheduler& scheduler, const Logger& log,
             SupervisorOptions options, SupervisorWorld* world = nullptr);
  ~Supervisor() override;

  // Load makes a service per unit; units with errors become failed
  // services carrying the first error. Call once, before Begin.
  void Load(const LoadedUnits& units);
  // LoadReleasing is Load that, once each unit's service is made, frees
  // the unit's definition but for what the start order and socket
  // activation read after it (its name, After=, Before=, Sockets= and
  // diagnostics): each entry takes the memory the definition before it
  // freed instead of memory of its own, which would stay resident, partly
  // used, once the definitions are gone.
  void LoadReleasing(LoadedUnits* units);

  // Reload applies a fresh load of the unit directory: new units start (a
  // new unit with errors fails with its first error), units whose file is
  // gone stop and are forgotten, units whose file changed stop and get the
  // new definition once their processes are gone, and start again with it
  // unless a stop was requested (StopService) and no start since: a stop
  // that was requested stays stopped until a start is requested. Unchanged
  // units are not touched. A unit whose file is the same but whose error
  // is not (what it Requires= is gone or back, an ordering cycle through it
  // came or went) has changed too.
  ReloadSummary Reload(const LoadedUnits& units);
  // Redefine is systemd's daemon-reload (docs/units.md, "Reload"): the
  // fresh load `units` becomes the units' definitions, and nothing is
  // started, stopped or restarted for it. A new unit is loaded and stays
  // inactive. A changed unit takes its new definition at once when it is
  // down (inactive or failed, kept so) or waiting to restart with nothing
  // of it running, else once it is: its next start runs it, the automatic
  // restart Restart= decides included; a start request waits for that (a
  // restart's stop ends it). Until then, a unit that is up has the new
  // definition's restart keys (Service::Redefine): whether and when it
  // restarts as it ends follow the new definition, as systemd's; a
  // restart that swaps in a definition with an error is refused with it,
  // as a start is. A unit whose file is gone (or is masked)
  // is forgotten once it is down with nothing running, and until then
  // runs on (a stop request reaches it; a start is refused as for an
  // unknown unit). A faultctl reload's restart or removal in flight goes
  // on (a changed file then is what its swap takes).
  RedefineSummary Redefine(const LoadedUnits& units);
  // AddLoaded makes a service of each unit of `units` (a fresh load) that
  // it does not know, not started: a unit loaded on demand (an instance of
  // a template `faultctl start` names, unit_names.h), and what it names.
  // The units it knows are left as they are (a changed file waits for
  // Reload). Returns the names added.
  std::vector<std::string> AddLoaded(const LoadedUnits& units);

  // Begin opens the notify socket (a failure is logged; notify services
  // then fail to become ready) and starts reaping every orphan.
  void Begin();

  // StartAll requests every loaded service, in start order.
  void StartAll();
  // Shutdown stops every service, dependents before what they are ordered
  // after; a service starting or waiting to restart is stopped at once (a
  // shutdown spawns nothing but ExecStop= and ExecStopPost= lines: a
  // pending restart is dropped). AllStopped tells when nothing runs. With a
  // shutdown.target unit (the layout), in two stages, as systemd reaches
  // shutdown.target first and kills what is left at the end: first the
  // units that conflict with shutdown.target (either side's Conflicts=:
  // every unit with default dependencies), then, once they are all down,
  // the others (DefaultDependencies=no without the conflict: udevd, a
  // getty...), each stage in reverse order.
  void Shutdown();
  bool AllStopped() const;

  // Reconcile makes the pending ordering and dependency decisions.
  void Reconcile();

  // DrainOutput reads what services wrote and faultinit has not logged
  // yet: called when faultinit ends, so no line is lost.
  void DrainOutput();

  // Operator requests (faultctl). Errors: kNotFound for an unknown name,
  // and for Start and Restart of a unit a reload removed (still listed
  // until its processes are gone). Start queues the service for start
  // (ordering still applies); Stop stops it (and, through Requires=, what
  // requires it) and keeps it stopped across reloads until the next Start,
  // also when a removed unit comes back; Restart stops it and starts it
  // again once stopped.
  fault::Status StartService(absl::string_view name);
  // Removed: whether `name` is a unit a reload removed, listed until it
  // is down (a stop reaches it; Start and Restart do not).
  bool Removed(absl::string_view name) const;
  fault::Status StopService(absl::string_view name);
  fault::Status RestartService(absl::string_view name);
  // IsolateService is `systemctl isolate NAME` (supervisor_isolate.cc): a
  // start of `name` with what it pulls in (its closure through Requires=,
  // Wants=, BindsTo=, as StartService), and a stop of every other unit
  // that is up or queued, except those with IgnoreOnIsolate=yes and the
  // services a socket unit activates (their trigger stays, as systemd
  // keeps units triggered by units it keeps); each stop is a requested
  // one (stays stopped across reloads until a start). Returns the units
  // it stops, by name. Errors: kNotFound for an unknown name,
  // kFailedPrecondition "Operation refused, unit may not be isolated."
  // (systemd's words) unless the unit says AllowIsolate=yes; nothing is
  // changed then.
  fault::StatusOr<std::vector<std::string>> IsolateService(
      absl::string_view name);
  // ReloadService runs the ExecReload= lines of a running service, as
  // `systemctl reload` (Busy until they are done; Service::reload_failed
  // then tells how they ended). Errors: kNotFound for an unknown name,
  // kFailedPrecondition for a unit without ExecReload= ("Job type reload
  // is not applicable for unit NAME.service.", systemctl's words) or one
  // that is not running. The reload propagates (PropagatesReloadTo=,
  // ReloadPropagatedFrom=, transitively) to the units that can take it
  // (running, with ExecReload=), as systemd's try-reload jobs do; the others
  // are passed over with a log line. Returns every unit it reloaded, `name`
  // first.
  fault::StatusOr<std::vector<std::string>> ReloadService(
      absl::string_view name);
  // CheckReload: ReloadService's errors, without reloading.
  fault::Status CheckReload(absl::string_view name) const;
  // ReloadFailed: whether the last ExecReload= of `name` failed.
  bool ReloadFailed(absl::string_view name) const;
  // Busy reports whether `name` is still on its way somewhere: queued for
  // start, starting, stopping, waiting to restart, or stopping for a
  // reload's new definition, or running its ExecReload=.
  bool Busy(absl::string_view name) const;
  // StartPending reports whether the start job of `name` is not done:
  // `name`, or a unit its start pulled in (Requires=, Wants=, BindsTo=,
  // transitively), is queued for start or starting, or `name` is Busy
  // otherwise; but `name` waiting to restart (its attempt failed) ends the
  // job, as systemd's (supervisor_jobs.cc).
  bool StartPending(absl::string_view name) const;
  // CheckManual: a request (faultctl) to start (`start`), stop (`stop`) or
  // both (restart) `name` is refused when its unit says
  // RefuseManualStart=/RefuseManualStop=: kFailedPrecondition with
  // systemctl's message. Dependencies still start and stop it.
  fault::Status CheckManual(absl::string_view name, bool start,
                            bool stop) const;
  // ReloadPropagation: the units a reload of `name` reaches as well, in
  // systemd's meaning: its PropagatesReloadTo= and the units whose
  // ReloadPropagatedFrom= names it (known units only, each once): one hop
  // of ReloadService's propagation.
  std::vector<std::string> ReloadPropagation(absl::string_view name) const;
  // TakeAction: the SuccessAction=/FailureAction= that fired since the last
  // call (the first one wins; none during a shutdown), for the system mode
  // to perform.
  std::optional<UnitActionRequest> TakeAction();
  // View returns the status row of one service; nullopt when unknown.
  std::optional<ServiceView> View(absl::string_view name) const;

  // OnOutputLine registers the one listener told of every journal line
  // (faultctl log -f).
  using LineListener =
      std::function<void(const std::string& name, absl::string_view line)>;
  void OnOutputLine(LineListener listener) {
    line_listener_ = std::move(listener);
  }
  // Socket activation's hooks (socket_activation.h): the listening sockets
  // (or, for an Accept=yes instance, the connection) of a service (null:
  // none), asked for each main step it spawns.
  using ListenFdsSource =
      std::function<const ListenFds*(const std::string& name)>;
  void SetListenFds(ListenFdsSource source) { listen_fds_ = std::move(source); }
  // The socket units, known by their names with ".socket": their rows
  // follow the services' in Status; View, StartService, StopService and
  // RestartService of such a name ask them (`change`: open, with `start`,
  // or close; done at once, so a socket unit is never Busy).
  struct SocketUnitHooks {
    std::function<void(std::vector<ServiceView>* rows)> rows;
    std::function<std::optional<ServiceView>(absl::string_view name)> view;
    std::function<fault::Status(absl::string_view name, bool start)> change;
  };
  void SetSocketUnits(SocketUnitHooks hooks) {
    socket_units_ = std::move(hooks);
  }
  // StartTransient starts `name`, a loaded service that has not run, as a
  // unit of its own: the instance an Accept=yes socket made for one
  // connection. Restart= does not apply to it, a reload leaves it as it
  // is, and once it has ended (down, nothing of it left) it is removed.
  // Errors: kNotFound, or kFailedPrecondition when it is not down.
  fault::Status StartTransient(absl::string_view name);

  // CheckIndexes, for tests: what the supervisor keeps to make each event
  // cost what it touches (supervisor_check.cc), recomputed from scratch by
  // a walk of every entry: the edges among the entries, their reverse
  // edges and counts, the start order; and, once Reconcile has finished
  // (nothing is left for the next call), that a pass over every entry would
  // decide nothing more. "" when all agree, else the first discrepancy.
  std::string CheckIndexes() const;
  // JobVisits, for tests: how many entries the jobs across units
  // (supervisor_jobs.cc) have looked at so far: a count of work, which
  // an event should keep proportional to the units it touches.
  size_t JobVisits() const { return job_visits_; }
  // Decisions, for tests: how many times Reconcile has decided for an
  // entry so far (supervisor_reconcile.cc): a count of work, which an event
  // should keep to the entries it touches and those that depend on them.
  size_t Decisions() const { return decisions_; }

  std::vector<ServiceView> Status() const;
  // The most recent `n` output lines of a journal service.
  std::vector<std::string> Log(absl::string_view name, size_t n) const;

  // HeapBlocks, for supervisor_memory_test's breakdown: sizes of heap
  // blocks a running service keeps, each named (its entry, its Service, its
  // node in the map of names...). Blocks whose size depends on the unit's
  // text (strings, vectors) are not listed.
  static std::vector<std::pair<size_t, std::string>> HeapBlocks();

 private:
  struct Entry;
  struct PendingExec;
  struct Edge;
  struct Links;
  struct NotificationPipe;
  struct OutputPipe;

  // ServiceEffects.
  fault::StatusOr<pid_t> StartStep(Service& service, StepKind kind,
                                   int index) override;
  void Signal(Service& service, int signo,
              ServiceEffects::SignalPhase phase) override;
  void Kill(Service& service, pid_t pid, int signo) override;
  void Warn(Service& service, absl::string_view message) override;
  fault::StatusOr<pid_t> MainPidOf(Service& service) override;
  bool HasProcesses(Service& service) override;
  void ArmTimer(Service& service, fault::Duration after) override;
  void CancelTimer(Service& service) override;
  void StateChanged(Service& service, ServiceState from,
                    ServiceState to) override;
  fault::Duration Now() override;
  // Condition*= and Assert*= of the entry's unit (conditions.h), on the
  // real machine.
  StartCheck CheckConditions(Service& service) override;

  // EntryOf: the entry of a Service (its ServiceEffects), which is in
  // entries_ from before its Service exists (Add) until after its last
  // event (ApplyReplacements erases only entries with nothing running,
  // timers and watches cancelled): every ServiceEffects call goes through
  // it. A cast, not a lookup.
  Entry& EntryOf(const Service& service);
  // Add makes the entry of a unit not yet in entries_, inserted first.
  Entry& Add(const ParsedUnit& parsed);
  // QueueStart queues `entry` for start, or fails it with its load error.
  void QueueStart(Entry& entry);
  static ServiceView RowOf(const Entry& entry);
  // Configure: Define, and a new Service for the definition.
  void Configure(Entry& entry, const ParsedUnit& parsed);
  // Define: the entry's definition but its Service's policy.
  void Define(Entry& entry, const ParsedUnit& parsed);
  std::shared_ptr<const ServicePolicy> SharedPolicyOf(const ParsedUnit& parsed);
  // SwapRedefinition gives `entry` the definition a daemon-reload holds for
  // it (redefinitions_) if it is down or waiting to restart with nothing
  // running; whether it did.
  bool SwapRedefinition(Entry& entry);
  // GiveRestartKeys: a unit that is up (starting, running, stopping) gets
  // the restart keys of `parsed`, the definition a daemon-reload read for
  // it, until it takes that definition whole (Service::Redefine).
  void GiveRestartKeys(Entry& entry, const ParsedUnit& parsed);
  // RefuseBrokenRestart: a unit waiting to restart whose definition has an
  // error (a daemon-reload's, swapped in as it waited) has the restart
  // refused with the error, as a start of it would be; whether it had.
  bool RefuseBrokenRestart(Entry& entry);
  // The dependency graph (supervisor_reconcile.cc). LinkAll links every
  // entry from the definitions in force; Link adds `entry`'s own edges
  // (its After=, Before=, Requires=) and Unlink takes them out; Detach
  // takes out every edge to or from `entry`, before it is erased. Order
  // does LinkAll and takes the start order of `units`.
  void LinkAll();
  void Link(Entry& entry);
  void Unlink(Entry& entry);
  void Detach(Entry& entry);
  void Order(const LoadedUnits& units);
  void ApplyReplacements();
  // MarkReloading adds `entry` to reloading_ (once).
  void MarkReloading(Entry& entry);
  // ApplyJob moves `entry`'s job (unit_job.h) to the cell of `event` and
  // returns the cell; a replacement the new state no longer waits with is
  // dropped from replacements_ (supervisor_jobs.cc).
  UnitJobCell ApplyJob(Entry& entry, UnitJobEvent event);
  // Touch: `entry`'s state, queued start or links changed; the next
  // Reconcile decides again for it and for what depends on it.
  void Touch(Entry& entry);
  // The reconcile pass's worklist (supervisor_reconcile.cc).
  void Expand();
  void Schedule(Entry& entry);
  bool PassesBefore(const Entry& a, const Entry& b) const;
  void Decide(Entry& entry);
  // The shutdown's part of Decide; EarlyFollowerUp: whether a unit ordered
  // after `entry` and not kept_at_shutdown is up (the first stage's order).
  void DecideShutdown(Entry& entry);
  bool EarlyFollowerUp(const Entry& entry) const;
  // HoldForExecSlot: `entry`'s queued start is ready but kMaxPendingExecs
  // reports are pending: it waits in exec_waiting_ (once).
  // ReleaseExecSlots schedules held starts, as many as slots are free.
  void HoldForExecSlot(Entry& entry);
  void ReleaseExecSlots();
  // OpenOutput, WatchNotification: never inlined into StartStep, so their
  // locals are off the stack while it spawns (see GatherStepWorld).
  // OpenOutput returns the write end of `entry`'s output pipe for one
  // spawn, making the pipe (and its watch) if there is none; `write` owns
  // it when it was opened for this spawn (the caller closes it once the
  // child has it). Errors: the pipe's, or /proc's (EMFILE...).
  ABSL_ATTRIBUTE_NOINLINE fault::StatusOr<int> OpenOutput(
      Entry& entry, fault::UniqueFd& write);
  // WatchProcess makes `pid`'s exit come to OnProcessExit for `entry`
  // (SupervisorWorld::WatchExit, with Spawn's `pidfd` of it, or none) and
  // records it in entry.pids.
  fault::Status WatchProcess(Entry& entry, pid_t pid, fault::UniqueFd pidfd);
  // The exit of a process of `entry` (its exit watch's report).
  void OnProcessExit(Entry& entry, const fault::ExitStatus& status);
  // The exec report of `pid`, a process of `entry` (in its `execs`), is
  // readable: the watch holds both, so no entry is searched for.
  void OnExecReport(Entry& entry, pid_t pid);
  // Reads `exec`'s report (a pending exec of `entry`), its watch ended
  // first (the read closes the descriptor once answered); nullopt: not
  // there yet, and watched again.
  std::optional<fault::Status> ReadExecReport(Entry& entry, PendingExec& exec);
  // WatchExecReport watches the report pipe of `started`, a process of
  // `entry` running step `kind`, for OnExecReport; on failure the process
  // is killed (its exit watch reaps it).
  fault::Status WatchExecReport(Entry& entry, fault::StartedSpawn started,
                                StepKind kind);
  // TellKnownReports tells each spawn of known_reports_ its report
  // (ExecReported), in the order spawned.
  void TellKnownReports();
  // Ends `entry.execs[index]`'s watch and tells its service `result`.
  void ExecReported(Entry& entry, size_t index, const fault::Status& result);
  // Whether `pid`, a process of `entry`, has not reported its exec yet: it
  // may not have made its session (setsid) yet.
  static bool ExecPending(const Entry& entry, pid_t pid);
  // The exit of a process no watch names: one re-parented to faultinit.
  void OnOrphan(const fault::ExitStatus& status);
  // PruneOrphanHosts: what an orphan's exit may have ended, in each of
  // orphan_hosts_ (OnOrphan's work, also run for hosts noted while the
  // kernel reaped orphans: see supervisor_processes.cc).
  void PruneOrphanHosts();
  // UpdateOrphanReaping asks the world for the orphan reaping wanted now:
  // by the kernel while nothing needs an orphan's exit, reported while
  // orphan_hosts_ holds an entry (or pidfds ran short); a switch to
  // reporting has PruneOrphanHosts run at the next Reconcile pass.
  void UpdateOrphanReaping();
  // WantedOrphanReaping: reported while orphan_hosts_ holds an entry or
  // pidfds ran short; else by the kernel where it can; else reported
  // lazily (a zombie whose SIGCHLD merged may wait for a later sweep: no
  // stop waits on it), but not in a shutdown, whose end waits for every
  // child.
  fault::Scheduler::OrphanReaping WantedOrphanReaping() const;
  // NoPidfds: a spawn went without a pidfd: orphans reported from then on.
  void NoPidfds();
  // RecheckOrphanHosts: after the look at the hosts a switch to reporting
  // asked for, a few more (kHostRechecks) while hosts are left.
  void RecheckOrphanHosts();
  void OnNotify();
  void ApplyNotification(Entry& entry, const NotifyMessage& message);
  // NotificationFd=: watches `read`, the pipe the main process notifies on
  // (one notification per line), in place of any earlier instance's.
  ABSL_ATTRIBUTE_NOINLINE fault::Status WatchNotification(Entry& entry,
                                                          fault::UniqueFd read);
  // One read of the pipe; false once nothing more is there to read now.
  bool ReadNotification(Entry& entry);
  void CloseNotification(Entry& entry);
  void CheckStopped(Entry& entry);
  // Puts `entry` in orphan_hosts_ if one of its groups or sessions is not
  // led by a process of its own that is not reaped yet.
  void NoteLeaderless(Entry& entry);
  // Drops from `entry`'s sessions those no process is in any more.
  void PruneSessions(Entry& entry);
  // Whether session `leader`, whose leader's group is gone, can have had
  // no member but its leader: see supervisor_processes.cc (PruneSessions).
  bool AloneInSession(pid_t leader);
  // Records `pid`, just forked by StartStep, in the run of consecutive
  // spawns (AloneInSession).
  void Spawned(pid_t pid);
  // The live processes, from one scan shared until it may be out of date
  // (supervisor_processes.cc); Reaped drops it when it lists `pid`.
  ProcessView& Members();
  void Reaped(pid_t pid);
  // Reads `entry`'s pending output, up to `budget` bytes.
  void ReadOutput(Entry& entry, size_t budget);
  // NoteOutputProgram: `path` was spawned writing into `entry`'s pipe; its
  // file name identifies the lines forwarded to kmsg, syslog or the console.
  void NoteOutputProgram(Entry& entry, const std::string& path);
  static bool Settled(const Entry& entry);
  // Jobs across units (supervisor_jobs.cc). StartJob: a start of `entry`
  // (a request's, or a dependency's) with what it pulls in; StopJob: what
  // a stop (or restart) of `entry` propagates to; JobEvents: the state
  // changes StateChanged queued, acted on by Reconcile.
  void StartJob(Entry& entry);
  void StopJob(Entry& entry, bool restart);
  fault::Status StopRequest(absl::string_view name, bool restart);
  void QueueJobEvent(const Service& service, ServiceState from,
                     ServiceState to);
  void RunJobEvents();
  void StopConflicts(Entry& entry);
  void StopUnneeded();
  void FireAction(const Entry& entry, bool success);
  // The reverse edges of jobs (Links::job_links, job_by) and the list of
  // StopWhenUnneeded= units: made by Link, undone by Unlink and Detach
  // (supervisor_reconcile.cc), which call these.
  void LinkJobs(Entry& entry);
  void UnlinkJobs(Entry& entry);
  void DetachJobs(Entry& entry);
  // ByName: `list` sorted by name, each once, counted in JobVisits.
  std::vector<Entry*> ByName(std::vector<Entry*> list);
  // The reason `entry`'s start fails for Requisite= (a named unit neither
  // running nor on its way up), or nullopt (supervisor_jobs.cc).
  std::optional<std::string> RequisiteMissing(const Entry& entry) const;
  std::optional<std::string> BrokenRequirement(const Entry& entry) const;

  fault::Scheduler& scheduler_;  // fd watches (output, notifications)
  RuntimeWorld runtime_world_;
  SupervisorWorld& world_;  // runtime_world_ unless a test gave one
  const Logger& log_;
  SupervisorOptions options_;
  // The entries by name (each with its Service from Add on).
  NameIndex<Entry> entries_;
  // The distinct ServicePolicy values of the entries' Services, shared.
  PolicyPool policies_;
  std::vector<Entry*> order_;  // start order; failed units last
  // Entries a reload marked removed or gave a replacement
  // (ApplyReplacements walks these, not every entry).
  std::vector<Entry*> reloading_;
  // The reload record's new definitions: one per entry whose job is
  // replace or replace-then-start, held only while it waits to be down
  // (not a pointer in every entry: PID 1 keeps one entry per unit).
  std::map<const Entry*, std::unique_ptr<ParsedUnit>> replacements_;
  // The daemon-reload's new definitions (Redefine) of units that were up:
  // swapped in once the unit is down or waiting to restart with nothing
  // running (SwapRedefinition: when its state is decided, before a start,
  // and before a restart's timer starts it).
  std::map<const Entry*, std::unique_ptr<ParsedUnit>> redefinitions_;
  // Reconcile's worklist: entries touched since the last pass, entries a
  // pass reached after their turn (for the next pass), and the pass's own
  // heap (in start order; reverse start order in a shutdown), the entry
  // being decided, and whether a pass is under way.
  std::vector<Entry*> touched_;
  std::vector<Entry*> deferred_;
  std::vector<Entry*> pass_;
  const Entry* deciding_ = nullptr;
  bool pass_open_ = false;
  size_t up_ = 0;  // entries whose service is not down (AllStopped)
  std::optional<NotifySocket> notify_;
  fault::Scheduler::WatchId notify_watch_ = 0;
  // A zero-delay timer armed when Reconcile returns with decisions left
  // (its bound on passes reached): the loop turns once, taking up what
  // else is ready, and calls Reconcile again, with no event needed.
  fault::Scheduler::WatchId again_ = 0;
  LineListener line_listener_;
  ListenFdsSource listen_fds_;
  SocketUnitHooks socket_units_;
  std::optional<ProcessView> members_;  // Members()
  // The entries with a group or session none of their unreaped processes
  // leads (NoteLeaderless): only these can have had an orphan in them, so
  // OnOrphan looks at these alone.
  std::vector<Entry*> orphan_hosts_;
  // Orphan reaping (UpdateOrphanReaping): whether Begin asked for it,
  // whether the kernel can reap orphans (probed once, at Begin), whether
  // it was asked to, whether a spawn went without a pidfd (then orphans
  // are reported for good: a process watched by its pid alone needs
  // SIGCHLD), and whether orphan_hosts_ waits for a PruneOrphanHosts (an
  // orphan of theirs may have been reaped by the kernel unheard of).
  bool orphans_watched_ = false;
  bool kernel_can_reap_ = false;
  bool kernel_reaps_ = false;
  fault::Scheduler::OrphanReaping orphan_reaping_ =
      fault::Scheduler::OrphanReaping::kReport;  // asked for (if watched)
  bool pidfds_short_ = false;
  bool check_orphan_hosts_ = false;
  int host_rechecks_ = 0;  // RecheckOrphanHosts since the last switch
  SupervisorWorld::TimerId host_recheck_ = 0;
  // Exec reports not told yet, over all entries (kMaxPendingExecs): a
  // forked child's holds a descriptor until read; one known at its spawn
  // holds its slot until the next pass tells it, so that one pass starts
  // kMaxPendingExecs at most.
  size_t pending_execs_ = 0;
  // Spawns whose exec report was known when the spawn returned (a child
  // cloned sharing memory: no descriptor, no watch), each (entry, pid),
  // told to their services by the next Reconcile pass (TellKnownReports),
  // never from inside the StartStep that made them. Empty whenever
  // Reconcile returns, so no entry in it can have been erased.
  std::vector<std::pair<Entry*, pid_t>> known_reports_;
  // Queued starts that were ready but held back because kMaxPendingExecs
  // reports were pending, in the order they were held (from exec_head_
  // on): each Reconcile pass schedules as many as there are free slots
  // (ReleaseExecSlots), so a report read decides again for a held start
  // without a walk of every entry.
  std::vector<Entry*> exec_waiting_;
  size_t exec_head_ = 0;
  // The pids of StartStep's last run of spawns in which each got the pid
  // after its predecessor's: no other process was created in the PID
  // namespace in between (AloneInSession). 0: none yet.
  pid_t run_first_ = 0;
  pid_t run_last_ = 0;
  // The units with StopWhenUnneeded= (LinkJobs).
  std::vector<Entry*> unneeded_units_;
  // A state change RunJobEvents acts on; DetachJobs drops those of an
  // entry about to be erased.
  struct JobEvent {
    Entry* entry;
    ServiceState from;
    ServiceState to;
  };
  std::vector<JobEvent> job_events_;
  size_t job_visits_ = 0;  // JobVisits
  size_t decisions_ = 0;   // Decisions
  std::optional<UnitActionRequest> action_;
  bool shutting_down_ = false;
  // The shutdown's second stage (Shutdown): the units kept_at_shutdown
  // stop too. Until then, early_up_ counts the others not down.
  bool final_stop_ = false;
  size_t early_up_ = 0;
  bool dirty_ = false;
};

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_SUPERVISOR_H_
