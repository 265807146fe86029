#include "init/supervisor/model/supervisor_model.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "init/log.h"
#include "init/supervisor/control_server.h"
#include "init/supervisor/model/control_clients.h"
#include "init/supervisor/model/fake_world.h"
#include "init/supervisor/model/unit_specs.h"
#include "init/supervisor/supervisor.h"
#include "runtime/fd.h"
#include "runtime/scheduler.h"

namespace faultinit::model {
namespace {

// The control socket's directory: one per process, short enough for
// sun_path, removed at exit.
std::string SocketDirectory() {
  static std::string directory = [] {
    std::string made;
    const char* test_tmpdir = getenv("TEST_TMPDIR");
    for (const char* base : {test_tmpdir, "/tmp", "/var/tmp"}) {
      if (base == nullptr || strlen(base) > 60) continue;
      std::string pattern = absl::StrCat(base, "/fm.XXXXXX");
      if (mkdtemp(pattern.data()) != nullptr) {
        made = pattern;
        break;
      }
    }
    static std::string to_remove;
    to_remove = made;
    atexit([] {
      if (to_remove.empty()) return;
      unlink((to_remove + "/run/control").c_str());
      rmdir((to_remove + "/run").c_str());
      rmdir(to_remove.c_str());
    });
    return made;
  }();
  return directory;
}

bool StartsWith(const std::string& text, const char* prefix) {
  return text.rfind(prefix, 0) == 0;
}

// The steps, with how often each is drawn (out of their sum).
enum class Op {
  kEdit,
  kAdd,
  kRemove,
  kBreak,
  kFix,
  kReloadRequest,
  kReloadSignal,
  kRequest,
  kStatus,
  kUnknownVerb,
  kExit,
  kCrash,
  kDeliver,
  kReady,
  kTimer,
  kAdvance,
  kVanish,
  kSilent,
  kTrouble,
  kHelper,
};
struct OpKind {
  Op op;
  int weight;
  const char* name;
};
constexpr OpKind kOps[] = {
    {Op::kEdit, 5, "edit"},
    {Op::kAdd, 4, "add"},
    {Op::kRemove, 3, "remove"},
    {Op::kBreak, 3, "break"},
    {Op::kFix, 3, "fix"},
    {Op::kReloadRequest, 5, "reload request"},
    {Op::kReloadSignal, 2, "SIGHUP reload"},
    {Op::kRequest, 14, "request"},
    {Op::kStatus, 2, "status request"},
    {Op::kUnknownVerb, 1, "unknown verb"},
    {Op::kExit, 4, "exit"},
    {Op::kCrash, 3, "crash"},
    {Op::kDeliver, 12, "deliver exits"},
    {Op::kReady, 6, "notify"},
    {Op::kTimer, 7, "next timer"},
    {Op::kAdvance, 3, "advance clock"},
    {Op::kVanish, 3, "client vanishes"},
    {Op::kSilent, 1, "silent client"},
    {Op::kTrouble, 2, "spawn trouble"},
    {Op::kHelper, 2, "helper"},
};

class Model {
 public:
  Model(Choices& choices, const ModelOptions& options);
  ~Model();
  ModelResult Run();

 private:
  // Setting up: the first directory, Load, Begin, Listen, StartAll.
  bool Boot();
  void RunStep();
  void Do(Op op);
  // Unit files.
  std::string PickUnit();  // a unit of the directory, or ""
  void Edit(bool add);
  // Requests.
  void Request(const std::string& verb, const std::vector<std::string>& names);
  // Processes.
  std::vector<pid_t> Alive(bool spawned_only);
  // The loop, as SystemMode::Step turns it, until the fds are quiet.
  void Pump();
  // Settle lets the world behave until nothing is waiting; false when it
  // did not come to rest.
  bool Settle();
  // The violation of a run that did not settle: who waits, on what.
  void ReportUnsettled();
  void Check();
  void CheckService(const std::string& name, ServiceState state, pid_t pid);
  void Violation(std::string text);

  FakeWorld::SpawnVerdict OnSpawn(const FakeProcess& p);
  ReloadSummary OnReload(std::vector<std::string>* diagnostics);
  void NoteLoad(const LoadedUnits& units);

  Choices& choices_;
  ModelOptions options_;
  FakeWorld world_{fault::Seconds(1000)};
  std::unique_ptr<fault::Scheduler> scheduler_;
  Logger log_;
  std::unique_ptr<Supervisor> supervisor_;
  std::unique_ptr<ControlServer> control_;
  std::unique_ptr<ControlClients> clients_;
  std::string socket_;

  std::map<std::string, UnitSpec> directory_;
  std::map<std::pair<std::string, int>, UnitSpec> revisions_;
  struct Loaded {
    int revision = 0;
    std::string error;  // the first error diagnostic, or ""
  };
  std::map<std::string, Loaded> loaded_;  // the latest load
  std::set<std::string> stopped_;         // by request, not started since
  // What each unit Requires= in any revision loaded so far.
  std::map<std::string, std::set<std::string>> required_ever_;
  std::set<pid_t> ready_sent_;
  bool shutting_down_ = false;
  int next_revision_ = 1;
  int trouble_count_ = 0;
  int trouble_errno_ = 0;
  int step_ = 0;
  ModelResult result_;
};

Model::Model(Choices& choices, const ModelOptions& options)
    : choices_(choices), options_(options), log_(options.verbosity, 2) {
  world_.set_spawn_hook([this](const FakeProcess& p) { return OnSpawn(p); });
}

Model::~Model() {
  // The clients first, then the server, the supervisor, the scheduler.
  clients_.reset();
  control_.reset();
  supervisor_.reset();
}

ModelResult Model::Run() {
  if (Boot()) {
    for (step_ = 1; step_ <= options_.steps && result_.violation.empty() &&
                    !choices_.exhausted();
         ++step_) {
      RunStep();
    }
  }
  if (result_.violation.empty()) {
    result_.log.push_back(absl::StrCat(step_, ": settle"));
    if (options_.on_step) options_.on_step(step_, "settle");
    if (!Settle()) ReportUnsettled();
  }
  if (result_.violation.empty() && choices_.Chance(50)) {
    ++step_;
    result_.log.push_back(absl::StrCat(step_, ": poweroff, settle"));
    if (options_.on_step) options_.on_step(step_, "poweroff");
    Request("poweroff", {});
    Pump();
    if (!shutting_down_) Violation("a poweroff request began no shutdown");
    Settle();
    if (result_.violation.empty()) {
      if (!supervisor_->AllStopped()) {
        Violation("after a power-off settled, a service is not down");
      }
      // Helpers left behind are SystemMode's to kill (Leftovers).
      for (const auto& [pid, p] : world_.processes()) {
        if (p.held() && p.step != "helper") {
          Violation(absl::StrCat("after a power-off settled, pid ", pid, " (",
                                 p.unit, " ", p.step, ") is left"));
        }
      }
    }
  }
  return std::move(result_);
}

void Model::ReportUnsettled() {
  std::vector<std::string> waiting;
  for (const ControlClients::Client* c : clients_->Waiting()) {
    waiting.push_back(DescribeRequest(*c));
  }
  std::vector<std::string> states;
  for (const ServiceView& row : supervisor_->Status()) {
    states.push_back(
        absl::StrCat(row.name, " ", ServiceStateName(row.state),
                     supervisor_->Busy(row.name) ? " (busy)" : ""));
  }
  std::vector<std::string> held;
  for (const auto& [pid, p] : world_.processes()) {
    if (!p.held()) continue;
    held.push_back(absl::StrCat(pid, " ", p.unit, "@", p.revision, " ", p.step,
                                p.alive() ? "" : " (exited)",
                                p.killed ? " (killed)" : "",
                                p.stubborn ? " (stubborn)" : ""));
  }
  Violation(
      absl::StrCat("after settling, unanswered: ", absl::StrJoin(waiting, ", "),
                   "; services: ", absl::StrJoin(states, ", "),
                   "; processes: ", absl::StrJoin(held, ", ")));
}

bool Model::Boot() {
  const std::string directory = SocketDirectory();
  if (directory.empty()) {
    Violation("no temporary directory for the control socket");
    return false;
  }
  socket_ = directory + "/run/control";
  fault::StatusOr<std::unique_ptr<fault::Scheduler>> scheduler =
      fault::Scheduler::Create();
  if (!scheduler.ok()) {
    Violation(std::string(scheduler.status().message()));
    return false;
  }
  scheduler_ = std::move(*scheduler);
  const int units = 1 + static_cast<int>(choices_.Below(kUnitCount));
  result_.log.push_back("0: boot with");
  for (int i = 0; i < units; ++i) Edit(true);
  supervisor_ = std::make_unique<Supervisor>(
      *scheduler_, log_, SupervisorOptions{"", "/"}, &world_);
  control_ = std::make_unique<ControlServer>(
      *scheduler_, *supervisor_, log_,
      ControlServer::Hooks{[this](std::vector<std::string>* diagnostics) {
                             return OnReload(diagnostics);
                           },
                           [this](PowerAction) {
                             if (shutting_down_) return;
                             shutting_down_ = true;
                             supervisor_->Shutdown();
                           }});
  clients_ = std::make_unique<ControlClients>(socket_);
  LoadedUnits loaded = LoadSpecs(directory_);
  NoteLoad(loaded);
  supervisor_->Load(loaded);
  supervisor_->Begin();
  if (fault::Status s = control_->Listen(socket_); !s.ok()) {
    Violation(std::string(s.message()));
    return false;
  }
  supervisor_->StartAll();
  Pump();
  Check();
  return result_.violation.empty();
}

void Model::RunStep() {
  int total = 0;
  for (const OpKind& kind : kOps) total += kind.weight;
  int pick = static_cast<int>(choices_.Below(static_cast<uint32_t>(total)));
  const OpKind* chosen = &kOps[0];
  for (const OpKind& kind : kOps) {
    if (pick < kind.weight) {
      chosen = &kind;
      break;
    }
    pick -= kind.weight;
  }
  result_.log.push_back(absl::StrCat(step_, ": ", chosen->name));
  if (options_.on_step) options_.on_step(step_, result_.log.back());
  Do(chosen->op);
  // Again with what the step drew: a crash in the loop names it.
  if (options_.on_step) options_.on_step(step_, result_.log.back());
  Pump();
  Check();
}

void Model::Violation(std::string text) {
  if (!result_.violation.empty()) return;
  result_.violation = absl::StrCat("step ", step_, ": ", text);
}

std::string Model::PickUnit() {
  if (directory_.empty()) return "";
  auto it = directory_.begin();
  std::advance(it, choices_.Below(static_cast<uint32_t>(directory_.size())));
  return it->first;
}

void Model::Edit(bool add) {
  std::string name;
  if (add) {
    std::vector<std::string> absent;
    for (const char* n : kUnitNames) {
      if (!directory_.count(n)) absent.push_back(n);
    }
    if (absent.empty()) return;
    name = absent[choices_.Below(static_cast<uint32_t>(absent.size()))];
  } else {
    name = PickUnit();
    if (name.empty()) return;
  }
  UnitSpec spec = RandomUnit(choices_, name, next_revision_++);
  revisions_[{name, spec.revision}] = spec;
  directory_[name] = spec;
  result_.log.back() +=
      absl::StrCat(" ", name, "@", spec.revision, " (", spec.type, ")");
  if (options_.verbosity >= 3) {
    fault::WriteString(
        2, absl::StrCat("model: ", UnitPath(name), "@", spec.revision, ":\n",
                        RenderUnit(name, spec)));
  }
}

void Model::Do(Op op) {
  std::string& line = result_.log.back();
  switch (op) {
    case Op::kEdit:
      return Edit(false);
    case Op::kAdd:
      return Edit(true);
    case Op::kRemove: {
      std::string name = PickUnit();
      if (name.empty()) return;
      directory_.erase(name);
      absl::StrAppend(&line, " ", name);
      return;
    }
    case Op::kBreak:
    case Op::kFix: {
      std::string name = PickUnit();
      if (name.empty()) return;
      UnitSpec spec = directory_[name];
      spec.broken = op == Op::kFix ? Break::kNone
                                   : static_cast<Break>(1 + choices_.Below(3));
      spec.revision = next_revision_++;
      revisions_[{name, spec.revision}] = spec;
      directory_[name] = spec;
      absl::StrAppend(&line, " ", name, "@", spec.revision, " (",
                      static_cast<int>(spec.broken), ")");
      return;
    }
    case Op::kReloadRequest:
      return Request("reload", {});
    case Op::kReloadSignal: {
      ReloadSummary summary = OnReload(nullptr);
      absl::StrAppend(&line, ": started [", absl::StrJoin(summary.started, " "),
                      "] stopped [", absl::StrJoin(summary.stopped, " "),
                      "] restarted [", absl::StrJoin(summary.restarted, " "),
                      "]");
      return;
    }
    case Op::kRequest: {
      static const char* const kVerbs[] = {
          "start", "stop",         "restart",     "start",
          "stop",  "start-nowait", "stop-nowait", "restart-nowait"};
      const std::string verb = kVerbs[choices_.Below(8)];
      std::vector<std::string> names;
      const int count = choices_.Chance(80) ? 1 : 2;
      for (int i = 0; i < count; ++i) {
        names.push_back(choices_.Chance(4)
                            ? "missing"
                            : kUnitNames[choices_.Below(kUnitCount)]);
      }
      absl::StrAppend(&line, " ", verb, " ", absl::StrJoin(names, " "));
      return Request(verb, names);
    }
    case Op::kStatus: {
      std::vector<std::string> names;
      if (choices_.Chance(50)) names.push_back(kUnitNames[choices_.Below(5)]);
      return Request("status", names);
    }
    case Op::kUnknownVerb:
      return Request("frobnicate", {"a"});
    case Op::kExit:
    case Op::kCrash: {
      std::vector<pid_t> alive = Alive(false);
      if (alive.empty()) return;
      const pid_t pid =
          alive[choices_.Below(static_cast<uint32_t>(alive.size()))];
      static const int kCodes[] = {0, 1, 3};
      static const int kSignals[] = {SIGSEGV, SIGKILL, SIGABRT, SIGTERM};
      const FakeProcess& p = *world_.Find(pid);
      if (op == Op::kExit) {
        const int code = kCodes[choices_.Below(3)];
        absl::StrAppend(&line, " ", pid, " (", p.unit, " ", p.step, ") exit ",
                        code);
        world_.Exit(pid, code);
      } else {
        const int signo = kSignals[choices_.Below(4)];
        absl::StrAppend(&line, " ", pid, " (", p.unit, " ", p.step, ") signal ",
                        signo);
        world_.Exit(pid, -1, signo);
      }
      return;
    }
    case Op::kDeliver: {
      const size_t pending = world_.pending_exits();
      if (pending == 0) return;
      const size_t n = choices_.Chance(50)
                           ? pending
                           : 1 + choices_.Below(static_cast<uint32_t>(pending));
      absl::StrAppend(&line, " ", n, " of ", pending);
      world_.DeliverExits(n);
      return;
    }
    case Op::kReady: {
      std::vector<pid_t> candidates;
      for (const auto& [pid, p] : world_.processes()) {
        if (p.alive() && p.notify.valid()) candidates.push_back(pid);
      }
      if (candidates.empty()) return;
      const pid_t pid =
          candidates[choices_.Below(static_cast<uint32_t>(candidates.size()))];
      static const char* const kLines[] = {"READY=1\n", "\n", "STATUS=busy\n",
                                           "STATUS=up\nREADY=1\n"};
      const char* text = kLines[choices_.Below(4)];
      absl::StrAppend(&line, " ", pid, " (", world_.Find(pid)->unit, ") ",
                      absl::CEscape(text));
      if (StartsWith(text, "STATUS=busy") == false) ready_sent_.insert(pid);
      fault::WriteString(world_.Find(pid)->notify.get(), text);
      return;
    }
    case Op::kTimer:
      absl::StrAppend(&line, world_.FireNext() ? "" : " (none)");
      return;
    case Op::kAdvance: {
      static const int64_t kMs[] = {100, 1000, 5000, 30000, 100000};
      const int64_t ms = kMs[choices_.Below(5)];
      absl::StrAppend(&line, " by ", ms, " ms");
      world_.Advance(fault::Milliseconds(ms));
      return;
    }
    case Op::kVanish: {
      const auto& clients = clients_->clients();
      if (clients.empty()) return;
      auto it = clients.begin();
      std::advance(it, choices_.Below(static_cast<uint32_t>(clients.size())));
      absl::StrAppend(&line, " ", it->first);
      clients_->Vanish(it->first);
      return;
    }
    case Op::kSilent: {
      if (clients_->clients().size() >= 16) return;
      std::vector<std::string> violations;
      const int id = clients_->Connect(&violations);
      for (std::string& v : violations) Violation(std::move(v));
      if (id >= 0 && choices_.Chance(50)) {
        clients_->Send(id, "stop", {"a"}, step_, false);  // never ended
      }
      return;
    }
    case Op::kTrouble: {
      static const int kErrors[] = {EAGAIN, ENOMEM, EMFILE, ENOENT};
      trouble_errno_ = kErrors[choices_.Below(4)];
      trouble_count_ = 1 + static_cast<int>(choices_.Below(3));
      absl::StrAppend(&line, " ", trouble_count_, " x ",
                      strerror(trouble_errno_));
      return;
    }
    case Op::kHelper: {
      std::vector<pid_t> alive = Alive(true);
      if (alive.empty()) return;
      const pid_t parent =
          alive[choices_.Below(static_cast<uint32_t>(alive.size()))];
      const pid_t pid = world_.Fork(parent, choices_.Chance(30));
      absl::StrAppend(&line, " ", pid, " of ", parent, " (",
                      world_.Find(pid)->unit, ")",
                      world_.Find(pid)->stubborn ? " stubborn" : "");
      return;
    }
  }
}

std::vector<pid_t> Model::Alive(bool spawned_only) {
  std::vector<pid_t> out;
  for (const auto& [pid, p] : world_.processes()) {
    if (p.alive() && (!spawned_only || p.step != "helper")) out.push_back(pid);
  }
  return out;
}

void Model::Request(const std::string& verb,
                    const std::vector<std::string>& names) {
  if (clients_->clients().size() >= 16) {
    // Keep well under the server's 64: make room as a client would leave.
    clients_->Vanish(clients_->clients().begin()->first);
  }
  std::vector<std::string> violations;
  const int id = clients_->Connect(&violations);
  for (std::string& v : violations) Violation(std::move(v));
  if (id < 0) return;
  // Applied (the server reads it) in the next Pump; nothing else is
  // pending then, so the request is what changes the flags.
  bool known = true;
  for (const std::string& name : names) {
    known = known && supervisor_->View(name).has_value();
  }
  if (known) {
    const std::string goal = verb.substr(0, verb.find('-'));
    std::vector<std::string> pulled;  // by a start: names and what they pull
    for (const std::string& name : names) {
      // A start or restart of a unit the latest load removed changes
      // nothing (Supervisor::StartService); a stop holds if it comes back
      // before it is gone (OnReload).
      if (goal == "stop") stopped_.insert(name);
      if (!loaded_.count(name)) continue;
      if (goal == "start" || goal == "restart") {
        // A start is requested of what the unit Requires=, transitively,
        // too (supervisor_jobs.cc): by any revision loaded since boot,
        // since the one in force may be older than the latest load's.
        size_t first = pulled.size();
        if (std::find(pulled.begin(), pulled.end(), name) == pulled.end()) {
          pulled.push_back(name);
        }
        for (size_t i = first; i < pulled.size(); ++i) {
          if (loaded_.count(pulled[i])) stopped_.erase(pulled[i]);
          for (const std::string& r : required_ever_[pulled[i]]) {
            if (std::find(pulled.begin(), pulled.end(), r) == pulled.end()) {
              pulled.push_back(r);
            }
          }
        }
      }
    }
    if (goal == "start" || goal == "restart") {
      pulled.insert(pulled.end(), names.begin(), names.end());
      clients_->Overtake(pulled);
    }
  }
  clients_->Send(id, verb, names, step_, true);
}

void Model::Pump() {
  for (int i = 0; i < 4; ++i) {
    supervisor_->Reconcile();
    control_->Poll();
    fault::Status status = scheduler_->RunOnce(fault::MonotonicNow());
    if (!status.ok()) Violation(std::string(status.message()));
  }
  supervisor_->Reconcile();
  control_->Poll();
  std::vector<std::string> violations;
  clients_->ReadAll(&violations);
  for (std::string& v : violations) Violation(std::move(v));
}

bool Model::Settle() {
  for (int round = 0; round < 400 && result_.violation.empty(); ++round) {
    bool acted = false;
    for (const auto& [pid, p] : world_.processes()) {
      if (!p.alive()) continue;
      auto spec = revisions_.find({p.unit, p.revision});
      const bool oneshot =
          spec != revisions_.end() && spec->second.type == "oneshot";
      if (StartsWith(p.step, "pre") || StartsWith(p.step, "stop") ||
          (oneshot && StartsWith(p.step, "main"))) {
        world_.Exit(pid, 0);  // a step finishes
        acted = true;
      } else if (p.notify.valid() && !ready_sent_.count(pid)) {
        ready_sent_.insert(pid);
        fault::WriteString(p.notify.get(), "READY=1\n");
        acted = true;
      } else if (!p.ignored.empty()) {
        acted = world_.Relent(pid) || acted;
      }
    }
    acted = world_.DeliverExits(world_.pending_exits()) > 0 || acted;
    Pump();
    Check();
    bool busy = false;
    for (const ServiceView& row : supervisor_->Status()) {
      busy = busy || supervisor_->Busy(row.name);
    }
    if (!busy && clients_->Waiting().empty() && !acted) return true;
    if (!acted && !world_.FireNext() && world_.pending_exits() == 0) {
      Pump();
      return clients_->Waiting().empty();
    }
  }
  return clients_->Waiting().empty();
}

FakeWorld::SpawnVerdict Model::OnSpawn(const FakeProcess& p) {
  const std::string what = absl::StrCat(p.unit, "@", p.revision, " ", p.step);
  if (!StartsWith(p.step, "stop")) {
    auto loaded = loaded_.find(p.unit);
    if (loaded == loaded_.end()) {
      Violation(absl::StrCat("spawned ", what,
                             ", which the latest load does not have"));
    } else if (!loaded->second.error.empty()) {
      Violation(absl::StrCat("spawned ", what, ", whose unit has an error: ",
                             loaded->second.error));
    } else if (loaded->second.revision != p.revision) {
      Violation(absl::StrCat("spawned ", what, ", but the latest load has ",
                             p.unit, "@", loaded->second.revision));
    }
    if (stopped_.count(p.unit)) {
      Violation(absl::StrCat("spawned ", what,
                             ", which was stopped by request and not "
                             "started since"));
    }
    if (shutting_down_) {
      Violation(absl::StrCat("spawned ", what, " during the shutdown"));
    }
  }
  FakeWorld::SpawnVerdict verdict;
  if (trouble_count_ > 0) {
    --trouble_count_;
    verdict.error = trouble_errno_;
    return verdict;
  }
  verdict.stubborn = choices_.Chance(15);
  return verdict;
}

ReloadSummary Model::OnReload(std::vector<std::string>* diagnostics) {
  if (shutting_down_) return {};  // as SystemMode::Reload
  // A unit gone from the supervisor comes back as a new one, not stopped.
  for (auto it = stopped_.begin(); it != stopped_.end();) {
    it = supervisor_->View(*it) ? std::next(it) : stopped_.erase(it);
  }
  LoadedUnits units = LoadSpecs(directory_);
  if (diagnostics != nullptr) {
    for (const ParsedUnit& unit : units.units) {
      for (const Diagnostic& d : unit.diagnostics) {
        diagnostics->push_back(d.ToString());
      }
    }
  }
  NoteLoad(units);
  return supervisor_->Reload(units);
}

void Model::NoteLoad(const LoadedUnits& units) {
  loaded_.clear();
  for (const ParsedUnit& unit : units.units) {
    Loaded& l = loaded_[unit.unit.name];
    l.revision = directory_.at(unit.unit.name).revision;
    for (const Dependency& d : unit.unit.required) {
      required_ever_[unit.unit.name].insert(d.name);
    }
    for (const Diagnostic& d : unit.diagnostics) {
      if (d.severity == Severity::kError) {
        l.error = d.ToString();
        break;
      }
    }
  }
}

void Model::Check() {
  for (const std::string& v : world_.violations()) Violation(v);
  std::set<std::string> known;
  for (const ServiceView& row : supervisor_->Status()) {
    if (!known.insert(row.name).second) {
      Violation(absl::StrCat(row.name, " is listed twice"));
    }
    CheckService(row.name, row.state, row.pid);
  }
  // Helpers aside: KillMode=process leaves them behind.
  for (const auto& [pid, p] : world_.processes()) {
    if (p.held() && p.step != "helper" && !known.count(p.unit)) {
      Violation(absl::StrCat("the supervisor forgot ", p.unit, ", but pid ",
                             pid, " (", p.step, ") is still held"));
    }
  }
}

void Model::CheckService(const std::string& name, ServiceState state,
                         pid_t pid) {
  // Spawned processes not sent SIGKILL: held (alive, or exited and not yet
  // reported), and of those, alive.
  std::vector<pid_t> held_spawned, alive_spawned;
  int held = 0;
  for (const auto& [p_pid, p] : world_.processes()) {
    if (p.unit != name || !p.held()) continue;
    ++held;
    if (p.step == "helper" || p.killed) continue;
    held_spawned.push_back(p_pid);
    if (p.alive()) alive_spawned.push_back(p_pid);
  }
  auto has = [](const std::vector<pid_t>& pids, pid_t pid) {
    return std::find(pids.begin(), pids.end(), pid) != pids.end();
  };
  const std::string where =
      absl::StrCat(name, " is ", ServiceStateName(state), " with pid ", pid,
                   ", holding ", held, " processes, spawned and not killed [",
                   absl::StrJoin(held_spawned, " "), "], of which alive [",
                   absl::StrJoin(alive_spawned, " "), "]");
  switch (state) {
    case ServiceState::kRunning:
      if (!has(held_spawned, pid) || alive_spawned.size() > 1 ||
          (alive_spawned.size() == 1 && alive_spawned[0] != pid)) {
        Violation(absl::StrCat(where, ": running needs its main pid alone"));
      }
      return;
    case ServiceState::kStarting:
      if (held_spawned.empty() || alive_spawned.size() > 1 ||
          (pid != 0 && !has(held_spawned, pid))) {
        Violation(absl::StrCat(where, ": starting needs exactly one step"));
      }
      return;
    case ServiceState::kStopping:
      if (held == 0 || alive_spawned.size() > 2) {
        Violation(absl::StrCat(where, ": stopping needs a process to stop"));
      }
      return;
    case ServiceState::kInactive:
    case ServiceState::kFailed:
    case ServiceState::kRestarting:
      if (!alive_spawned.empty() || pid != 0) {
        Violation(absl::StrCat(where, ": nothing may run"));
      }
      return;
  }
}

}  // namespace

ModelResult RunModel(Choices& choices, const ModelOptions& options) {
  Model model(choices, options);
  return model.Run();
}

}  // namespace faultinit::model
