// The soak: the real faultinit as PID 1 of a PID namespace, with real
// processes, driven for about a minute by seeded random operations: unit
// files written, edited, broken (RestartSec=5x, an unknown Type=), given a
// Requires= of no unit (a warning), fixed and removed in a temporary
// directory; `faultctl
// reload` and SIGHUP; `faultctl start/stop/restart` (blocking, --no-block,
// and blocking ones left running in the background while other operations
// go on); service processes killed. After every operation, from outside,
// through `faultctl status --json` and /proc:
//   - PID 1 is alive and answers;
//   - every faultctl call is answered within kCallDeadlineMs (a background
//     call by then too), and never with a malformed or missing answer;
//   - a service stopped by a blocking stop that returned, and not started
//     (start, restart) since, is inactive or failed (or gone, once its
//     unit is removed) and has no process;
//   - a revision of a unit file that has an error never has a process.
// Then faultinit must power off cleanly (SIGTERM, exit 0).
//
// Every process of a unit carries SOAK_RUN, SOAK_UNIT and SOAK_REV in its
// environment (Environment=), which is how /proc tells whose it is.
//
// SOAK_SEED (default 1) chooses the operations and SOAK_SECONDS (default
// 60) how long they go on; a failure names the seed, the violated
// invariant, the operations before it and the end of faultinit's log:
//   bazel test //tests:soak_test --test_env=SOAK_SEED=7 --test_output=all

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "runtime/duration.h"
#include "runtime/fd.h"
#include "runtime/pidfd.h"
#include "runtime/testing/child.h"
#include "tests/harness.h"

namespace faultinit::testing {
namespace {

constexpr const char* kNames[] = {"a", "b", "c", "d", "e"};
// Far beyond any healthy answer: a start waits at most TimeoutStartSec=3s
// per attempt, a stop TimeoutStopSec= (at most 2s) and then SIGKILL.
constexpr int kCallDeadlineMs = 30 * 1000;

int EnvInt(const char* name, int fallback) {
  const char* value = getenv(name);
  int out = 0;
  return value != nullptr && absl::SimpleAtoi(value, &out) ? out : fallback;
}

// splitmix64, as the supervisor model's seeds.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint32_t Below(uint32_t n) {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return static_cast<uint32_t>((z ^ (z >> 31)) % n);
  }
  bool Chance(uint32_t percent) { return Below(100) < percent; }
  template <size_t N>
  const char* Pick(const char* const (&values)[N]) {
    return values[Below(N)];
  }

 private:
  uint64_t state_;
};

// A faultctl call: how it ended and what it said.
struct Call {
  std::string what;  // "stop a"
  int exit = -1;     // its exit status; -1 if not answered in time
  std::string out, err;
};

// A faultctl call left running: its pid and pidfd, its output in a file.
struct Background {
  std::string what;
  std::vector<std::string> names;
  std::string verb;
  pid_t pid = 0;
  fault::UniqueFd pidfd;
  std::string output;  // the file its stdout and stderr go to
  fault::Duration started;
  bool overtaken = false;  // a start or restart of its services came later
};

class Soak {
 public:
  Soak(uint64_t seed, std::string base)
      : random_(seed), base_(std::move(base)) {
    units_ = base_ + "/units";
    socket_ = base_ + "/run/control";
    log_file_ = base_ + "/faultinit.log";
    token_ = base_.substr(base_.rfind('/') + 1);
  }

  bool Start();
  void Step();
  void Finish();

  const std::string& violation() const { return violation_; }
  std::string Report() const;

 private:
  // Unit files.
  void Write(const std::string& name, bool broken);
  std::string PickUnit();
  // faultctl.
  Call Ctl(std::vector<std::string> args);
  void StartBackground(const std::string& verb, const std::string& name);
  void CollectBackground(bool wait);
  void Transition(const std::string& verb,
                  const std::vector<std::string>& names, bool no_block);
  // A start or restart of `names` is being asked: they (and what they
  // Requires=, which the start pulls in) are no longer stopped by request,
  // and a blocking stop of them waiting is overtaken (it waits for a state
  // they may not reach again).
  void Starting(const std::vector<std::string>& names);
  void Reload();
  // Observation.
  void Check();
  void CheckLog();
  std::map<std::string, std::string> States();  // name -> state
  // Processes of this run: pid -> "unit rev".
  std::map<pid_t, std::pair<std::string, int>> Processes();
  void Violation(const std::string& text);

  Random random_;
  std::string base_, units_, socket_, log_file_, token_;
  std::unique_ptr<Running> running_;
  std::map<std::string, int> directory_;  // name -> revision on disk
  std::set<int> broken_;                  // revisions with an error
  std::set<std::string> loaded_;          // names in the latest reload
  std::set<std::string> stopped_;         // by a blocking stop, not started
  // What each unit Requires= in any revision written.
  std::map<std::string, std::set<std::string>> requires_ever_;
  std::vector<std::unique_ptr<Background>> background_;
  int next_revision_ = 1;
  off_t log_read_ = 0;  // how much of faultinit's log Check has read
  int step_ = 0;
  std::vector<std::string> log_;
  std::string violation_;
};

void Soak::Violation(const std::string& text) {
  if (violation_.empty()) violation_ = absl::StrCat("step ", step_, ": ", text);
}

void Soak::Write(const std::string& name, bool broken) {
  const int revision = next_revision_++;
  if (broken) broken_.insert(revision);
  Random& r = random_;
  static const char* const kTypes[] = {"simple", "simple", "exec",
                                       "notify", "notify", "oneshot"};
  const std::string type = r.Pick(kTypes);
  const bool fd = type == "notify" && r.Chance(75);
  std::string command;
  if (type == "oneshot") {
    static const char* const kOneshots[] = {"exit 0", "sleep 0.2", "exit 1"};
    command = r.Pick(kOneshots);
  } else {
    static const char* const kMains[] = {
        "exec sleep 1000", "exec sleep 1000", "sleep 1000 & exec sleep 1000",
        "trap \"\" TERM; exec sleep 1000", "sleep 0.5; exit 3"};
    command = r.Pick(kMains);
    if (fd) command = "echo READY=1 >&3; " + command;
  }
  std::vector<std::string> after, requires;
  for (const char* other : kNames) {
    if (other == name) continue;
    if (r.Chance(15)) after.push_back(other);
    if (r.Chance(8)) requires.push_back(other);
  }
  // A Requires= of a unit no file provides is a warning (treated as
  // satisfied), not an error: any revision may have one.
  if (r.Chance(10)) requires.push_back("missing");
  requires_ever_[name].insert(requires.begin(), requires.end());
  static const char* const kRestarts[] = {"no", "always", "on-failure"};
  static const char* const kRestartSecs[] = {"0", "200ms", "1s"};
  static const char* const kStopTimeouts[] = {"1s", "2s"};
  static const char* const kKillModes[] = {"control-group", "mixed"};
  std::string text =
      absl::StrCat("[Unit]\nDescription=", name, " revision ", revision, "\n");
  if (!after.empty())
    absl::StrAppend(&text, "After=", absl::StrJoin(after, " "), "\n");
  if (!requires.empty())
    absl::StrAppend(&text, "Requires=", absl::StrJoin(requires, " "), "\n");
  const bool bad_type = broken && r.Chance(50);
  absl::StrAppend(
      &text, "[Service]\nType=", bad_type ? "sometimes" : type,
      "\nEnvironment=SOAK_RUN=", token_, " SOAK_UNIT=", name,
      " SOAK_REV=", revision, "\n", fd ? "NotificationFd=3\n" : "",
      r.Chance(20) ? "ExecStartPre=/bin/true\n" : "", "ExecStart=/bin/sh -c '",
      command, "'\n", r.Chance(20) ? "ExecStop=/bin/true\n" : "",
      "Restart=", type == "oneshot" ? "no" : r.Pick(kRestarts), "\n",
      "TimeoutStartSec=3s\nTimeoutStopSec=", r.Pick(kStopTimeouts), "\n",
      "KillMode=", r.Pick(kKillModes), "\n");
  // The one error of a broken revision that is neither of the above.
  const bool other_error = broken && !bad_type;
  absl::StrAppend(
      &text, "RestartSec=", other_error ? "5x" : r.Pick(kRestartSecs), "\n");
  if (!WriteFile(absl::StrCat(units_, "/", name, ".service"), text)) {
    Violation(absl::StrCat("unable to write ", name, ".service"));
  }
  directory_[name] = revision;
  log_.back() +=
      absl::StrCat(" ", name, "@", revision, broken ? " (broken)" : "");
}

std::string Soak::PickUnit() {
  if (directory_.empty()) return "";
  auto it = directory_.begin();
  std::advance(it, random_.Below(static_cast<uint32_t>(directory_.size())));
  return it->first;
}

Call Soak::Ctl(std::vector<std::string> args) {
  Call call;
  call.what = absl::StrJoin(args, " ");
  args.insert(args.begin(), {FaultctlPath(), "--socket", socket_});
  fault::StatusOr<fault::Pipe> out = fault::MakePipe();
  fault::StatusOr<fault::Pipe> err = fault::MakePipe();
  if (!out.ok() || !err.ok()) {
    Violation("no pipe for faultctl");
    return call;
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out->write.get(), 1);
    dup2(err->write.get(), 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  out->write.Reset();
  err->write.Reset();
  const bool in_time = fault::testing::DrainPipes(
      out->read.get(), err->read.get(), &call.out, &call.err, kCallDeadlineMs);
  if (!in_time) kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  if (in_time && WIFEXITED(status)) call.exit = WEXITSTATUS(status);
  if (!in_time) {
    CheckLog();  // names a crash of PID 1, the likely cause, first
    Violation(absl::StrCat("faultctl ", call.what, ": no answer within ",
                           kCallDeadlineMs / 1000, " s"));
  } else if (call.exit < 0 || call.exit == 5 ||
             absl::StrContains(call.err, "without answering") ||
             absl::StrContains(call.err, "malformed")) {
    Violation(absl::StrCat("faultctl ", call.what, ": ended ", status, ": ",
                           call.err));
  }
  return call;
}

void Soak::StartBackground(const std::string& verb, const std::string& name) {
  auto b = std::make_unique<Background>();
  b->verb = verb;
  b->names = {name};
  b->what = absl::StrCat(verb, " ", name, " (in the background, from step ",
                         step_, ")");
  b->output = absl::StrCat(base_, "/call-", step_);
  b->started = fault::MonotonicNow();
  std::vector<std::string> args = {FaultctlPath(), "--socket", socket_, verb,
                                   name};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    // In the child, before exec: dup2 gives the copies it keeps.
    int fd =
        open(b->output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  b->pid = pid;
  b->pidfd = fault::OpenPidfd(pid);
  background_.push_back(std::move(b));
}

// Reaps the background calls that ended (waiting for each, at most until
// its deadline, when `wait`), checks how they ended, and flags the late.
void Soak::CollectBackground(bool wait) {
  for (auto it = background_.begin(); it != background_.end();) {
    Background& b = **it;
    const int64_t waited =
        fault::ToInt64Milliseconds(fault::MonotonicNow() - b.started);
    const int left = static_cast<int>(kCallDeadlineMs - waited);
    if (wait && left > 0 && b.pidfd.valid()) {
      struct pollfd p = {b.pidfd.get(), POLLIN, 0};
      (void)poll(&p, 1, left);
    }
    int status = 0;
    if (waitpid(b.pid, &status, WNOHANG) != b.pid) {
      if (left <= 0 || wait) {
        Violation(absl::StrCat("faultctl ", b.what, ": no answer within ",
                               kCallDeadlineMs / 1000, " s"));
        kill(b.pid, SIGKILL);
        waitpid(b.pid, nullptr, 0);
        it = background_.erase(it);
      } else {
        ++it;
      }
      continue;
    }
    std::string output;
    {
      fault::UniqueFd fd(open(b.output.c_str(), O_RDONLY | O_CLOEXEC));
      output = fault::ReadAll(fd.get(), 1 << 16).value_or("");
    }
    const int exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    log_.push_back(absl::StrCat("   ", b.what, " ended: exit ", exit));
    if (exit < 0 || exit == 5 ||
        absl::StrContains(output, "without answering") ||
        absl::StrContains(output, "malformed")) {
      Violation(
          absl::StrCat("faultctl ", b.what, ": ended ", status, ": ", output));
    } else if (b.verb == "stop" && exit == 0 && !b.overtaken) {
      for (const std::string& name : b.names) {
        if (loaded_.count(name)) stopped_.insert(name);
      }
    }
    it = background_.erase(it);
  }
}

void Soak::Starting(const std::vector<std::string>& asked) {
  // A start pulls in what the unit Requires=, transitively (any revision
  // written: the one in force may be older than the file).
  std::vector<std::string> names = asked;
  for (size_t i = 0; i < names.size(); ++i) {
    for (const std::string& r : requires_ever_[names[i]]) {
      if (std::find(names.begin(), names.end(), r) == names.end()) {
        names.push_back(r);
      }
    }
  }
  for (const std::string& name : names) stopped_.erase(name);
  for (auto& b : background_) {
    for (const std::string& name : names) {
      if (b->verb == "stop" && b->names[0] == name) b->overtaken = true;
    }
  }
}

void Soak::Transition(const std::string& verb,
                      const std::vector<std::string>& names, bool no_block) {
  std::vector<std::string> args = {verb};
  if (no_block) args.push_back("--no-block");
  args.insert(args.end(), names.begin(), names.end());
  if (verb != "stop") Starting(names);
  Call call = Ctl(args);
  log_.back() += absl::StrCat(": exit ", call.exit);
  if (verb == "stop" && !no_block && call.exit == 0) {
    for (const std::string& name : names) {
      if (loaded_.count(name)) stopped_.insert(name);
    }
  }
}

void Soak::Reload() {
  loaded_.clear();
  for (const auto& [name, revision] : directory_) loaded_.insert(name);
  // A unit gone from the directory is forgotten; one of its name later is
  // a new unit.
  for (auto it = stopped_.begin(); it != stopped_.end();) {
    it = loaded_.count(*it) ? std::next(it) : stopped_.erase(it);
  }
}

bool Soak::Start() {
  mkdir(units_.c_str(), 0755);
  log_.push_back("0: boot with");
  const int count = 2 + static_cast<int>(random_.Below(4));
  for (int i = 0; i < count; ++i) Write(kNames[i], random_.Chance(10));
  Reload();
  LaunchOptions o;
  o.args = {"-v", "--services", units_, "--control", socket_};
  o.pid_namespace = true;
  // Its log to a file: a pipe nobody reads would fill and block PID 1.
  o.in_namespace_first = absl::StrCat("exec >>", log_file_, " 2>&1");
  running_ = std::make_unique<Running>(o);
  // Poll until it answers, against the generous deadline.
  const fault::Duration until =
      fault::MonotonicNow() + fault::Milliseconds(kCallDeadlineMs);
  while (fault::MonotonicNow() < until) {
    const std::string status =
        RunClient(FaultctlPath(), socket_, {"status"}).status;
    if (absl::StartsWith(status, "exit ") && status != "exit 5") return true;
    struct timespec pause = {0, 20 * 1000 * 1000};  // between polls
    nanosleep(&pause, nullptr);
  }
  Violation("faultinit did not answer after starting");
  return false;
}

void Soak::Step() {
  ++step_;
  struct Op {
    int weight;
    const char* name;
  };
  static const Op kOps[] = {{6, "edit"},
                            {4, "add"},
                            {3, "remove"},
                            {4, "break"},
                            {4, "fix"},
                            {8, "reload"},
                            {2, "sighup"},
                            {6, "start"},
                            {8, "stop"},
                            {4, "restart"},
                            {3, "no-block"},
                            {4, "background stop"},
                            {1, "background start"},
                            {6, "kill"},
                            {5, "observe"}};
  int total = 0;
  for (const Op& op : kOps) total += op.weight;
  int pick = static_cast<int>(random_.Below(static_cast<uint32_t>(total)));
  std::string op = kOps[0].name;
  for (const Op& candidate : kOps) {
    if (pick < candidate.weight) {
      op = candidate.name;
      break;
    }
    pick -= candidate.weight;
  }
  log_.push_back(absl::StrCat(step_, ": ", op));
  const std::string any = kNames[random_.Below(5)];
  if (op == "edit" || op == "break" || op == "fix") {
    const std::string name = PickUnit();
    if (!name.empty()) Write(name, op == "break");
  } else if (op == "add") {
    Write(any, false);
  } else if (op == "remove") {
    const std::string name = PickUnit();
    if (!name.empty()) {
      unlink(absl::StrCat(units_, "/", name, ".service").c_str());
      directory_.erase(name);
      log_.back() += " " + name;
    }
  } else if (op == "reload") {
    Reload();
    log_.back() += absl::StrCat(": exit ", Ctl({"reload"}).exit);
  } else if (op == "sighup") {
    Reload();
    // Applied when faultinit reads it; the next faultctl call is answered
    // after that (signals are taken before the loop's next wait ends).
    kill(running_->faultinit_pid(), SIGHUP);
  } else if (op == "start" || op == "stop" || op == "restart" ||
             op == "no-block") {
    std::vector<std::string> names = {any};
    if (random_.Chance(20)) names.push_back(kNames[random_.Below(5)]);
    static const char* const kVerbs[] = {"start", "stop", "restart"};
    const std::string verb = op == "no-block" ? random_.Pick(kVerbs) : op;
    if (op == "no-block") log_.back() += " " + verb;
    log_.back() += " " + absl::StrJoin(names, " ");
    Transition(verb, names, op == "no-block");
  } else if (op == "background stop" || op == "background start") {
    const std::string verb = op == "background stop" ? "stop" : "start";
    if (verb == "start") Starting({any});
    log_.back() += " " + any;
    StartBackground(verb, any);
  } else if (op == "kill") {
    std::map<pid_t, std::pair<std::string, int>> processes = Processes();
    if (!processes.empty()) {
      auto it = processes.begin();
      std::advance(it, random_.Below(static_cast<uint32_t>(processes.size())));
      const int signo = random_.Chance(50) ? SIGKILL : SIGTERM;
      kill(it->first, signo);
      log_.back() += absl::StrCat(" ", it->first, " (", it->second.first, "@",
                                  it->second.second, ") with ", signo);
    }
  } else {  // observe: let time pass, checking all along
    const int rounds = 1 + static_cast<int>(random_.Below(8));
    for (int i = 0; i < rounds && violation_.empty(); ++i) Check();
  }
  CollectBackground(false);
  Check();
}

std::map<std::string, std::string> Soak::States() {
  std::map<std::string, std::string> states;
  Call call = Ctl({"status", "--json"});
  if (call.exit != 0) {
    Violation(absl::StrCat("faultctl status --json: exit ", call.exit, ": ",
                           call.err));
    return states;
  }
  // [{"name":"a","state":"running",...},...]: names and states only.
  for (absl::string_view row : absl::StrSplit(call.out, "{\"name\":\"")) {
    const size_t end = row.find('"');
    const size_t state = row.find("\"state\":\"");
    if (end == absl::string_view::npos || state == absl::string_view::npos) {
      continue;
    }
    const absl::string_view rest = row.substr(state + 9);
    states[std::string(row.substr(0, end))] =
        std::string(rest.substr(0, rest.find('"')));
  }
  return states;
}

std::map<pid_t, std::pair<std::string, int>> Soak::Processes() {
  std::map<pid_t, std::pair<std::string, int>> out;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return out;
  const std::string run = absl::StrCat("SOAK_RUN=", token_);
  while (const dirent* entry = readdir(proc)) {
    pid_t pid = 0;
    if (!absl::SimpleAtoi(entry->d_name, &pid)) continue;
    fault::UniqueFd fd(open(absl::StrCat("/proc/", pid, "/environ").c_str(),
                            O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) continue;
    const std::string environ = fault::ReadAll(fd.get(), 1 << 16).value_or("");
    std::string unit;
    int revision = 0;
    bool ours = false;
    for (absl::string_view variable : absl::StrSplit(environ, '\0')) {
      if (variable == run) ours = true;
      if (absl::ConsumePrefix(&variable, "SOAK_UNIT=")) {
        unit = std::string(variable);
      }
      if (absl::ConsumePrefix(&variable, "SOAK_REV=")) {
        (void)absl::SimpleAtoi(variable, &revision);
      }
    }
    if (ours) out[pid] = {unit, revision};
  }
  closedir(proc);
  return out;
}

// What faultinit logged since the last look: a fault in PID 1 itself
// leaves it frozen (--crash-action), alive but deaf.
void Soak::CheckLog() {
  {
    fault::UniqueFd fd(open(log_file_.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.valid() && lseek(fd.get(), log_read_, SEEK_SET) == log_read_) {
      const std::string more = fault::ReadAll(fd.get(), 64 << 20).value_or("");
      log_read_ += static_cast<off_t>(more.size());
      const size_t crashed = more.find("faultinit: crashed:");
      if (crashed != std::string::npos) {
        Violation(absl::StrCat(
            "PID 1 crashed: ",
            more.substr(crashed, more.find('\n', crashed) - crashed)));
      }
    }
  }
}

void Soak::Check() {
  CheckLog();
  const pid_t init = running_->faultinit_pid();
  std::string stat;
  {
    fault::UniqueFd fd(open(absl::StrCat("/proc/", init, "/stat").c_str(),
                            O_RDONLY | O_CLOEXEC));
    stat = fault::ReadAll(fd.get(), 4096).value_or("");
  }
  const size_t paren = stat.rfind(')');
  if (init <= 0 || paren == std::string::npos || paren + 2 >= stat.size() ||
      stat[paren + 2] == 'Z') {
    Violation(absl::StrCat("PID 1 (", init, ") is gone: \"", stat, "\""));
    return;
  }
  const std::map<std::string, std::string> states = States();
  const std::map<pid_t, std::pair<std::string, int>> processes = Processes();
  for (const auto& [pid, unit] : processes) {
    if (broken_.count(unit.second)) {
      Violation(absl::StrCat("pid ", pid, " runs ", unit.first, "@",
                             unit.second, ", whose file has an error"));
    }
  }
  for (const std::string& name : stopped_) {
    auto state = states.find(name);
    if (state != states.end() && state->second != "inactive" &&
        state->second != "failed") {
      Violation(absl::StrCat(name,
                             " was stopped by request and not started "
                             "since, but is ",
                             state->second));
    }
    for (const auto& [pid, unit] : processes) {
      if (unit.first == name) {
        Violation(absl::StrCat(name,
                               " was stopped by request and not "
                               "started since, but pid ",
                               pid, " (", name, "@", unit.second, ") runs"));
      }
    }
  }
}

void Soak::Finish() {
  CollectBackground(true);
  running_->Signal(SIGTERM);
  const fault::ExitStatus status = running_->Wait();
  if (status.ToString() != "exit 0") {
    Violation(absl::StrCat("faultinit ended with ", status.ToString(),
                           " after SIGTERM"));
  }
}

std::string Soak::Report() const {
  std::string text;
  const size_t from = log_.size() > 40 ? log_.size() - 40 : 0;
  for (size_t i = from; i < log_.size(); ++i) {
    absl::StrAppend(&text, "  ", log_[i], "\n");
  }
  fault::UniqueFd fd(open(log_file_.c_str(), O_RDONLY | O_CLOEXEC));
  std::string log = fault::ReadAll(fd.get(), 64 << 20).value_or("");
  if (log.size() > 6000) log = log.substr(log.size() - 6000);
  return absl::StrCat(text, "the end of faultinit's log:\n", log);
}

// The soak runs its own faultinit; ScratchTest gives it `base_`.
using SoakRun = ScratchTest;

TEST_F(SoakRun, RandomOperationsKeepTheInvariants) {
  const int seed = EnvInt("SOAK_SEED", 1);
  const int seconds = EnvInt("SOAK_SECONDS", 60);
  Soak soak(static_cast<uint64_t>(seed), base_);
  if (soak.Start()) {
    const fault::Duration began = fault::MonotonicNow();
    const fault::Duration until = began + fault::Seconds(seconds);
    int steps = 0;
    while (soak.violation().empty() && fault::MonotonicNow() < until) {
      soak.Step();
      ++steps;
    }
    if (soak.violation().empty()) soak.Finish();
    std::printf("soak: seed %d, %d steps in %lld ms\n", seed, steps,
                static_cast<long long>(
                    fault::ToInt64Milliseconds(fault::MonotonicNow() - began)));
  }
  EXPECT_EQ(soak.violation(), "")
      << "seed " << seed << " (rerun: --test_env=SOAK_SEED=" << seed
      << ")\nthe last operations:\n"
      << soak.Report();
}

}  // namespace
}  // namespace faultinit::testing
