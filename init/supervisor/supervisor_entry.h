// File: init/supervisor/supervisor_entry.h
//
// Internal to the Supervisor (supervisor.h); included only by its source
// files, one per concern:
//   supervisor.cc            construction, Begin, timers, state changes,
//                            operator requests and status rows
//   supervisor_registry.cc   the entries: Load, Reload and the swap of a
//                            reloaded unit's definition (ApplyReplacements)
//   supervisor_reconcile.cc  ordering (After=/Before=), Requires=, the
//                            shutdown order: Reconcile
//   supervisor_processes.cc  a service's processes: StartStep (the world's
//                            inputs for exec_context.h, spawn, exit watch,
//                            exec report),
//                            Signal, MainPidOf (Type=forking), exits and
//                            orphans, sessions
//   supervisor_io.cc         journal output, sd_notify datagrams and the
//                            NotificationFd= pipe
//   supervisor_jobs.cc       jobs across units: pull-in (Requires=, Wants=,
//                            BindsTo=), stop and restart propagation,
//                            Conflicts=, Requisite=, OnFailure=/OnSuccess=,
//                            RefuseManual*=, Success/FailureAction=
//   supervisor_isolate.cc    isolate: start a unit's closure, stop the rest
//   unit_directories.cc      RuntimeDirectory= and its family, made by
//                            StartStep, removed by StateChanged
//   supervisor_check.cc      CheckIndexes, for tests: the indexes of
//                            supervisor_reconcile.cc recomputed by a walk
//
// Entry: what the Supervisor keeps of one unit. It is in entries_ from
// before its Service exists (Add) until after its last event:
// ApplyReplacements erases only an entry with nothing running (no pid, so
// no exit watch, no exec report), its timer and fd watches cancelled, and
// its links to other entries taken out (Detach). An entry never moves
// (entries_ holds it by pointer), so every callback the supervisor
// registers (timer, exit watch, exec report, fd watch) holds its Entry*
// and needs no lookup: none outlives it, and two pointers fit in a
// std::function with no allocation. The entry is its Service's
// ServiceEffects: it passes each call on to the Supervisor's, which finds
// the entry from the Service with a cast (EntryOf), not a search.
//
// Loop thread only.

#ifndef FAULT_INIT_SUPERVISOR_SUPERVISOR_ENTRY_H_
#define FAULT_INIT_SUPERVISOR_SUPERVISOR_ENTRY_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "init/supervisor/process_id_list.h"
#include "init/supervisor/service.h"
#include "init/supervisor/service_settings.h"
#include "init/supervisor/supervisor.h"
#include "init/supervisor/supervisor_jobs.h"
#include "init/supervisor/supervisor_world.h"
#include "init/supervisor/unit_job.h"
#include "init/support/output_log.h"
#include "init/system/unit.h"
#include "runtime/fd.h"
#include "runtime/scheduler.h"

namespace faultinit {

// How much of one service's output is read per loop wake-up: a service
// that floods its output cannot keep PID 1 from everything else.
inline constexpr size_t kOutputBudget = 64 * 1024;

// How many queued starts may be waiting for their exec reports at once:
// a forked child's holds a descriptor (its report pipe) until the child has
// exec'd, and a wave of thousands of services must leave PID 1 descriptors
// for output pipes, pidfds and faultctl's connections; a report known at
// the spawn (a child cloned sharing memory) holds its slot until the next
// Reconcile pass tells it, so a pass starts this many at most, and a wave
// of thousands yields to the loop between Reconcile calls.
inline constexpr size_t kMaxPendingExecs = 32;

// Descriptors a process's pidfd must leave free besides one per service
// for its output (issue #26): the pending exec reports, a spawn's own
// (/dev/null, the output pipe's write end, output files), faultctl's
// connections, the notify and control sockets, the loop's. A process
// whose pidfd would eat into them is watched through SIGCHLD and its pid
// instead (StartStep).
inline constexpr size_t kDescriptorReserve = 2 * kMaxPendingExecs + 64;

inline bool Down(ServiceState state) {
  return state == ServiceState::kInactive || state == ServiceState::kFailed;
}

// SourceFingerprint: what tells a unit file's text from another's: 64
// bits, a hash of the text (which mixes in its size) where size_t has 64
// bits, else its 32-bit hash beside its size.
struct SourceFingerprint {
  uint64_t value = 0;

  static SourceFingerprint Of(absl::string_view text) {
    // std::hash, not absl::Hash: absl/hash/hash.h includes <iostream>
    // (through absl/strings/cord.h), whose static initializer links
    // libstdc++'s streams and locales into the static binary.
    const uint64_t hash = std::hash<std::string_view>{}(
        std::string_view(text.data(), text.size()));
    if (sizeof(size_t) >= sizeof(uint64_t)) return {hash};
    return {(static_cast<uint64_t>(text.size()) << 32) ^ hash};
  }
  friend bool operator==(const SourceFingerprint& a,
                         const SourceFingerprint& b) {
    return a.value == b.value;
  }
};

// LoadError: a unit's load error, "" when it has none (most units): a
// pointer, not a string, since PID 1 keeps one per service.
class LoadError {
 public:
  bool empty() const { return text_ == nullptr; }
  operator absl::string_view() const {  // NOLINT: read as a string
    return text_ ? absl::string_view(*text_) : absl::string_view();
  }
  LoadError& operator=(std::string text) {
    text_ = text.empty() ? nullptr
                         : std::make_unique<const std::string>(std::move(text));
    return *this;
  }
  friend bool operator==(const std::string& a, const LoadError& b) {
    return absl::string_view(a) == absl::string_view(b);
  }

 private:
  std::unique_ptr<const std::string> text_;
};

// NameList: unit names a unit lists (Requires=), read as a vector; a
// pointer, null while the list is empty (most units), as PID 1 keeps one
// per service.
class NameList {
 public:
  using Names = std::vector<std::string>;
  operator const Names&() const {  // NOLINT: read as the vector
    return names_ ? *names_ : None();
  }
  Names::const_iterator begin() const { return Get().begin(); }
  Names::const_iterator end() const { return Get().end(); }
  bool empty() const { return names_ == nullptr; }
  size_t size() const { return Get().size(); }
  NameList& operator=(Names names) {
    names_ = names.empty() ? nullptr
                           : std::make_unique<const Names>(std::move(names));
    return *this;
  }

 private:
  const Names& Get() const { return *this; }
  static const Names& None() {
    static const Names* const none = new Names();
    return *none;
  }
  std::unique_ptr<const Names> names_;
};

// DeclaredOrder: the units a unit names in After= and Before=, in one
// vector made at its size (the After= names, then the Before= ones): PID
// 1 keeps one per unit, and two vectors grown by push_back took two
// blocks, each up to twice the size of its names.
class DeclaredOrder {
 public:
  DeclaredOrder() = default;
  DeclaredOrder(const std::vector<Dependency>& after,
                const std::vector<Dependency>& before);

  absl::Span<const std::string> after() const {
    return absl::MakeConstSpan(names_).first(after_count_);
  }
  absl::Span<const std::string> before() const {
    return absl::MakeConstSpan(names_).subspan(after_count_);
  }
  bool empty() const { return names_.empty(); }

 private:
  std::vector<std::string> names_;
  size_t after_count_ = 0;
};

// HeldVector: a vector held by pointer, null while empty: 8 bytes where a
// std::vector takes 24, for lists PID 1 keeps per service that are empty
// most of the time. The subset of std::vector's interface the supervisor
// uses; an insertion or erase invalidates iterators, and the erase of the
// last item frees the block.
template <typename T>
class HeldVector {
 public:
  using List = std::vector<T>;
  using const_iterator = typename List::const_iterator;
  using iterator = typename List::iterator;

  bool empty() const { return list_ == nullptr; }
  size_t size() const { return list_ ? list_->size() : 0; }
  T& operator[](size_t i) { return (*list_)[i]; }
  const T& operator[](size_t i) const { return (*list_)[i]; }
  iterator begin() { return list_ ? list_->begin() : iterator(); }
  iterator end() { return list_ ? list_->end() : iterator(); }
  const_iterator begin() const {
    return list_ ? list_->cbegin() : const_iterator();
  }
  const_iterator end() const {
    return list_ ? list_->cend() : const_iterator();
  }
  void push_back(T item) {
    if (!list_) list_ = std::make_unique<List>();
    list_->push_back(std::move(item));
  }
  // Take removes item `i` and returns it.
  T Take(size_t i) {
    T item = std::move((*list_)[i]);
    list_->erase(list_->begin() + static_cast<std::ptrdiff_t>(i));
    if (list_->empty()) list_.reset();
    return item;
  }

 private:
  std::unique_ptr<List> list_;
};

// A spawned process's exec report, watched on the loop until read
// (Supervisor::OnExecReport), and what its "started" line names.
struct Supervisor::PendingExec {
  fault::StartedSpawn spawn;
  fault::Scheduler::WatchId watch = 0;
  StepKind kind = StepKind::kMain;
};

// Edge: one end of an ordering edge, as an entry holds it (its `after` or
// its `followers`). `own`: the edge comes from this entry's own unit file
// (its After= in `after`, its Before= in `followers`), not from the other's;
// a reloaded definition replaces only its own edges (Supervisor::Link).
struct Supervisor::Edge {
  Entry* entry;
  bool own;
};

// Links: an entry's place in the dependency graph among the entries,
// resolved once per change of definitions (supervisor_reconcile.cc: LinkAll
// at a reload, Link when a replacement is swapped in, Detach before an
// erase); a name that is no entry is left out, as if it were not written.
// Held by pointer, null while the entry has no edge: most units have none,
// and PID 1 keeps an entry per service.
struct Supervisor::Links {
  std::vector<Edge> after;      // what this is ordered after (After=, and
                                // Before= of others)
  std::vector<Edge> followers;  // what is ordered after this
  std::vector<Entry*> requires_links;  // `required`, those that are entries
  std::vector<Entry*> required_by;     // whose Requires= names this one
  // Jobs (supervisor_jobs.cc): the entries this one's Wants=, BindsTo=,
  // PartOf=, Requisite=, Conflicts= and ReloadPropagatedFrom= name (each
  // once), and
  // those whose such keys name this one.
  std::vector<Entry*> job_links;
  std::vector<Entry*> job_by;
  // Followers (per edge) not down: a shutdown stops this entry at 0.
  int up_followers = 0;

  bool empty() const {
    return after.empty() && followers.empty() && requires_links.empty() &&
           required_by.empty() && job_links.empty() && job_by.empty() &&
           up_followers == 0;
  }
};

struct Supervisor::Entry final : ServiceEffects {
  // Extras: what an entry keeps for few units, in one block of its own
  // made with the first of them (MutableExtras), so that the entry of a
  // unit that has none is smaller (PID 1 keeps one per service: issue
  // #26): its definition's dependencies and load error (set by
  // Configure), and what a running service may send (STATUS=, a
  // NotificationFd= pipe).
  struct Extras {
    DeclaredOrder declared;  // After= and Before=, for Link's edges
    NameList required;       // Requires=, by name
    // Wants=, BindsTo=, PartOf=... (supervisor_jobs.h); null when none.
    std::unique_ptr<const EntryJobs> jobs;
    LoadError load_error;
    // The last STATUS= it sent; null until it sends one.
    std::unique_ptr<std::string> status_text;
    // NotificationFd=: set while the main process's pipe is read.
    std::unique_ptr<NotificationPipe> notification;
    // While `output` is open: the file name of the last command spawned
    // writing into it, the IDENT of kmsg, syslog and console lines without
    // SyslogIdentifier= (systemd's default, the process name of the
    // executed process), null unless the lines go there; and its write
    // end, kept only where /proc cannot reopen it (OpenOutput).
    std::unique_ptr<std::string> output_program;
    fault::UniqueFd output_write;

    bool empty() const {
      return declared.empty() && required.empty() && !jobs &&
             load_error.empty() && !status_text && !notification &&
             !output_program && !output_write;
    }
  };

  // (Bit-fields have no default member initializers in C++17.)
  explicit Entry(Supervisor& owner)
      : supervisor(owner),
        stop_requested(false),
        touched(false),
        deferred(false),
        in_pass(false),
        reloading(false),
        exec_waiting(false),
        orphan_host(false),
        syslog_fallback_said(false),
        transient(false),
        kept_at_shutdown(false) {}

  // ServiceEffects: the Supervisor's, for this entry's Service.
  fault::StatusOr<pid_t> StartStep(Service& s, StepKind kind,
                                   int index) override {
    return supervisor.StartStep(s, kind, index);
  }
  void Signal(Service& s, int signo, SignalPhase phase) override {
    supervisor.Signal(s, signo, phase);
  }
  void Kill(Service& s, pid_t pid, int signo) override {
    supervisor.Kill(s, pid, signo);
  }
  void Warn(Service& s, absl::string_view message) override {
    supervisor.Warn(s, message);
  }
  fault::StatusOr<pid_t> MainPidOf(Service& s) override {
    return supervisor.MainPidOf(s);
  }
  bool HasProcesses(Service& s) override { return supervisor.HasProcesses(s); }
  void ArmTimer(Service& s, fault::Duration after) override {
    supervisor.ArmTimer(s, after);
  }
  void CancelTimer(Service& s) override { supervisor.CancelTimer(s); }
  void StateChanged(Service& s, ServiceState from, ServiceState to) override {
    supervisor.StateChanged(s, from, to);
  }
  fault::Duration Now() override { return supervisor.Now(); }
  StartCheck CheckConditions(Service& s) override {
    return supervisor.CheckConditions(s);
  }

  // Its unit's name (NameIndex's key): its Service's, which it has from
  // Add on.
  const std::string& name() const { return service->name(); }

  // The edges (Links), empty when there are none.
  const std::vector<Edge>& after() const {
    return links ? links->after : NoEdges();
  }
  const std::vector<Edge>& followers() const {
    return links ? links->followers : NoEdges();
  }
  const std::vector<Entry*>& requires_links() const {
    return links ? links->requires_links : NoEntries();
  }
  const std::vector<Entry*>& required_by() const {
    return links ? links->required_by : NoEntries();
  }
  const std::vector<Entry*>& job_links() const {
    return links ? links->job_links : NoEntries();
  }
  const std::vector<Entry*>& job_by() const {
    return links ? links->job_by : NoEntries();
  }
  int up_followers() const { return links ? links->up_followers : 0; }
  // What Extras holds, or its defaults while there are none.
  // declared(): null when the unit has neither After= nor Before=.
  const DeclaredOrder* declared() const {
    return extras && !extras->declared.empty() ? &extras->declared : nullptr;
  }
  const NameList& required() const {
    return extras ? extras->required : NoNames();
  }
  const EntryJobs* jobs() const {
    return extras ? extras->jobs.get() : nullptr;
  }
  const LoadError& load_error() const {
    return extras ? extras->load_error : NoError();
  }
  const std::string* status_text() const {
    return extras ? extras->status_text.get() : nullptr;
  }
  NotificationPipe* notification() const {
    return extras ? extras->notification.get() : nullptr;
  }
  const std::string* output_program() const {
    return extras ? extras->output_program.get() : nullptr;
  }
  // The output pipe's write end PID 1 keeps (no /proc), or -1.
  int output_write() const {
    return extras && extras->output_write ? extras->output_write.get() : -1;
  }
  // The extras, made if there are none yet (to set one); DropEmptyExtras
  // frees them once they hold nothing.
  Extras& MutableExtras() {
    if (!extras) extras = std::make_unique<Extras>();
    return *extras;
  }
  void DropEmptyExtras();
  static const NameList& NoNames() {
    static const NameList* const none = new NameList();
    return *none;
  }
  static const LoadError& NoError() {
    static const LoadError* const none = new LoadError();
    return *none;
  }

  // The links, made if there are none yet (to add an edge).
  Links& MutableLinks() {
    if (!links) links = std::make_unique<Links>();
    return *links;
  }
  static const std::vector<Edge>& NoEdges() {
    static const std::vector<Edge>* const none = new std::vector<Edge>();
    return *none;
  }
  static const std::vector<Entry*>& NoEntries() {
    static const std::vector<Entry*>* const none = new std::vector<Entry*>();
    return *none;
  }

  Supervisor& supervisor;
  // What the running service needs of its unit (Configure makes it): not a
  // copy of the Unit, which is needed only while loading.
  ServiceSettings settings;
  // Its name is the unit's. Made by Configure (again for a reload's new
  // definition); inside the entry, not a block of its own: PID 1 keeps one
  // per service, and each block costs a slot of musl's malloc.
  std::optional<Service> service;
  std::unique_ptr<Links> links;  // null: no edge
  // What few units have (Extras), null while it has none of it.
  std::unique_ptr<Extras> extras;
  // The unit file's text, to see changes on reload: a 64-bit fingerprint,
  // not a copy (PID 1 would keep every file twice; a changed file keeping
  // its fingerprint by chance is a 2^-64 event).
  SourceFingerprint source;
  // What the supervisor will do with the unit beside what its Service
  // does: a queued start, a reload's wait (unit_job.h). Set only through
  // Supervisor::ApplyJob. Beside the flags: no padding.
  UnitJob job = UnitJob::kNone;
  // A stop was requested (faultctl stop) and no start since: a reload gives
  // the unit its new definition but does not start it (docs/units.md).
  bool stop_requested : 1;
  // Reconcile's worklist (supervisor_reconcile.cc): one bit each, beside
  // the flags and the position (no padding).
  bool touched : 1;       // in touched_
  bool deferred : 1;      // in deferred_
  bool in_pass : 1;       // in pass_
  bool reloading : 1;     // in reloading_
  bool exec_waiting : 1;  // in exec_waiting_ (kMaxPendingExecs)
  bool orphan_host : 1;   // in orphan_hosts_ (Supervisor::OnOrphan)
  // StandardOutput=syslog found nothing listening, and said so: once while
  // the unit is loaded (supervisor_io.cc).
  bool syslog_fallback_said : 1;
  // Started by StartTransient (an Accept=yes connection's instance): never
  // restarted, left alone by a reload, removed once it has ended.
  bool transient : 1;
  // In a shutdown: not stopped with shutdown.target's conflicts, but only
  // once they are down (Supervisor::Shutdown).
  bool kept_at_shutdown : 1;
  uint32_t position = 0;  // in order_
  // Processes spawned (or taken from the PID file) and not yet reaped, each
  // with its exit watch (SupervisorWorld::WatchExit): the one way their
  // exits reach the supervisor (pids()); their process groups (each step a
  // session: groups()); and their sessions (sessions()): each step's (its
  // pid), and a PID file's daemon's. A process in one of them belongs to
  // the service even in a group of its own (setpgid, as a job-control
  // shell does); one that called setsid() itself has left (docs/units.md,
  // KillMode=). A session id is dropped once no process is in the session
  // (PruneSessions: with no scan of /proc when it never had a member but
  // its leader, AloneInSession): it may then be reused. One list
  // (process_id_list.h): a running service's three are one id.
  ProcessIdList processes;
  ProcessIdList::View<ProcessIdList::kProcess> pids() {
    return processes.pids();
  }
  ProcessIdList::View<ProcessIdList::kGroup> groups() {
    return processes.groups();
  }
  ProcessIdList::View<ProcessIdList::kSession> sessions() {
    return processes.sessions();
  }
  const ProcessIdList::View<ProcessIdList::kProcess> pids() const {
    return processes.pids();
  }
  const ProcessIdList::View<ProcessIdList::kGroup> groups() const {
    return processes.groups();
  }
  const ProcessIdList::View<ProcessIdList::kSession> sessions() const {
    return processes.sessions();
  }
  // Spawned processes whose exec report is not read yet (issue #26: a
  // start wave forks without waiting for each exec). Each is in `pids`
  // too, and leaves this list no later than its exit is handled. Empty
  // (no block) between starts.
  HeldVector<PendingExec> execs;
  fault::Scheduler::WatchId timer = 0;
  // Journal output, while a process may write to it (supervisor_io.cc);
  // null otherwise, and for a service whose output is not captured.
  std::unique_ptr<OutputPipe> output;
  LineRing ring;
};

// A service's journal output pipe: its read end, read through `reader`
// and watched by `watch` (supervisor_io.cc). A block of its own, made
// with the pipe and freed at its end of file: the entry (a slot of musl's
// malloc per service) stays in a smaller size class, and keeps nothing for
// output while no process of it writes. What few pipes need beside it
// (the write end where /proc cannot reopen it, the program's name for
// forwarded lines) is in the entry's Extras: this block stays in musl's
// 64-byte class.
struct Supervisor::OutputPipe {
  explicit OutputPipe(OutputReader r) : reader(std::move(r)) {}
  OutputReader reader;
  fault::Scheduler::WatchId watch = 0;
};

// The read end of a main process's notification pipe (the child holds the
// write end as its descriptor N), its watch, and a line not ended yet.
struct Supervisor::NotificationPipe {
  fault::UniqueFd fd;
  fault::Scheduler::WatchId watch = 0;
  std::string line;
};

inline void Supervisor::Entry::DropEmptyExtras() {
  if (extras && extras->empty()) extras.reset();
}

// OpenOutputTarget opens the descriptor of StandardOutput= or
// StandardError= (`key`), or returns an empty one to keep faultinit's own
// (journal, inherit). Never waits (OpenOutputFile): a FIFO with no reader
// fails the start, naming the path. In supervisor_io.cc.
fault::StatusOr<fault::UniqueFd> OpenOutputTarget(const OutputTarget& target,
                                                  absl::string_view key);

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_SUPERVISOR_ENTRY_H_
