// What a reload does, end to end: the real faultinit as PID 1 of a fresh
// PID namespace, driven by the real faultctl. A new unit with an error
// leaves PID 1 alive and answering; a unit stopped on request stays
// stopped through a reload; a client waiting on a service that a reload
// changes or removes, or that another request overtakes, is answered.
//
// A stop is held "in flight" by the unit's ExecStop=, which waits for a
// line on a FIFO the test holds open: the test releases it. Every wait is
// on an event (a line faultinit prints, a client's answer) bounded by a
// generous deadline; a client that is not answered by then fails the test.

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "runtime/exit_status.h"
#include "runtime/fd.h"
#include "runtime/testing/child.h"
#include "tests/harness.h"

namespace faultinit::testing {
namespace {

// How long a client may wait for its answer: faultinit answers these in
// milliseconds; an unanswered client is the failure these tests look for.
constexpr int kAnswerDeadlineMs = 30 * 1000;

struct Answer {
  std::string status;  // "exit 0", or "no answer"
  std::string out;
  std::string err;
};

// Client: one faultctl run, started now and finished (answered) later.
class Client {
 public:
  Client(const std::string& socket, std::vector<std::string> args) {
    args.insert(args.begin(), {FaultctlPath(), "--socket", socket});
    fault::StatusOr<fault::Pipe> out = fault::MakePipe();
    fault::StatusOr<fault::Pipe> err = fault::MakePipe();
    if (!out.ok() || !err.ok()) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out->write.get(), 1);
      dup2(err->write.get(), 2);
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    out_ = std::move(out->read);
    err_ = std::move(err->read);
  }
  ~Client() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  // Waits for faultctl's answer; "no answer" once the deadline passed.
  Answer Finish() {
    Answer a;
    if (pid_ <= 0) return {"not started", "", ""};
    if (!fault::testing::DrainPipes(out_.get(), err_.get(), &a.out, &a.err,
                                    kAnswerDeadlineMs)) {
      a.status = "no answer";
      return a;  // the destructor kills it
    }
    int status = 0;
    waitpid(pid_, &status, 0);
    a.status = fault::ExitStatus::FromWaitStatus(pid_, status).ToString();
    pid_ = 0;
    return a;
  }

 private:
  pid_t pid_ = -1;
  fault::UniqueFd out_, err_;
};

class Reload : public ScratchTest {
 protected:
  void SetUp() override {
    ScratchTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    units_ = base_ + "/units";
    socket_ = base_ + "/run/control";
    fifo_ = base_ + "/hold";
    ASSERT_EQ(mkdir(units_.c_str(), 0755), 0);
    ASSERT_EQ(mkfifo(fifo_.c_str(), 0600), 0);
    // Read-write: the open does not wait for a reader, and a reader does
    // not see end of file while the test holds it.
    hold_.Reset(open(fifo_.c_str(), O_RDWR | O_CLOEXEC));
    ASSERT_TRUE(hold_.valid());
  }
  void TearDown() override {
    if (running_) Release();  // a stop still held would hold the shutdown
    ScratchTest::TearDown();
  }

  void Unit(const std::string& name, const std::string& text) {
    ASSERT_TRUE(WriteFile(Path(name), text));
  }
  std::string Path(const std::string& name) {
    return absl::StrCat(units_, "/", name, ".service");
  }
  // A service that prints which definition runs; its stop is held until
  // Release (ExecStop= reads a line from the FIFO).
  std::string Held(const std::string& version) {
    return absl::StrCat("[Service]\nExecStart=/bin/sh -c 'echo ", version,
                        "; exec sleep 1000'\nExecStop=/bin/sh -c 'echo "
                        "holding; read line < ",
                        fifo_, "'\n");
  }
  static std::string Simple(const std::string& version) {
    return absl::StrCat("[Service]\nExecStart=/bin/sh -c 'echo ", version,
                        "; exec sleep 1000'\n");
  }
  void Release() { (void)fault::WriteAll(hold_.get(), "\n", 1); }

  // Boots faultinit and waits for `lines`; false when they do not come.
  bool Boot(const std::vector<std::string>& lines) {
    LaunchOptions o;
    // A crash powers the namespace off: a failing test ends, where the
    // default (freeze) would keep PID 1, and the test, waiting.
    o.args = {"-v",        "--services", units_,
              "--control", socket_,      "--crash-action=poweroff"};
    o.pid_namespace = true;
    running_ = std::make_unique<Running>(o);
    // Up: its pid is known from now on, even once it is gone (Signal would
    // otherwise signal pid 0, the test's own process group).
    return running_->WaitForAllStderr(lines) && running_->faultinit_pid() > 0;
  }
  Running& r() { return *running_; }

  Answer Ctl(std::vector<std::string> args) {
    return Client(socket_, std::move(args)).Finish();
  }
  // `faultctl status NAME`: exit 3 when it is not running.
  std::string StatusOf(const std::string& name) {
    Answer a = Ctl({"status", name});
    return absl::StrCat(a.status, ": ", a.out, a.err);
  }

  std::string units_, socket_, fifo_;
  fault::UniqueFd hold_;
};

// A new unit with an error, added by a reload, fails alone with its
// file:line error; PID 1 stays alive and answering, and the running unit
// is untouched. Each of these crashed PID 1 (SIGSEGV) before: the new
// unit's refusal reached the supervisor before its entry existed.
TEST_F(Reload, NewUnitsWithErrorsLeavePid1Answering) {
  Unit("steady", Simple("steady"));
  ASSERT_TRUE(Boot({"[steady] steady"}));

  static const char kBinary[] =
      "\x7f"
      "ELF\x02\x01\x01\0\0\n\xff\xfe[Service\n";
  struct Case {
    std::vector<std::pair<std::string, std::string>> units;
    std::string error;  // the first unit's, after "PATH:"
  };
  const std::vector<Case> cases = {
      {{{"bad-value", "[Service]\nExecStart=/bin/true\nRestartSec=5x\n"}},
       "3: error: RestartSec: invalid duration \"5x\""},
      {{{"cycle-a", "[Unit]\nAfter=cycle-b\n[Service]\nExecStart=/bin/true\n"},
        {"cycle-b", "[Unit]\nAfter=cycle-a\n[Service]\nExecStart=/bin/true\n"}},
       "2: error: ordering cycle: cycle-a -> cycle-b -> cycle-a"},
      {{{"binary", std::string(kBinary, sizeof kBinary - 1)}},
       "1: error: NUL byte"},
  };
  for (const Case& c : cases) {
    std::string names;
    for (const auto& [name, text] : c.units) {
      Unit(name, text);
      absl::StrAppend(&names, names.empty() ? "" : " ", name);
    }
    const std::string& first = c.units.front().first;
    SCOPED_TRACE(first);
    const std::string error = absl::StrCat(Path(first), ":", c.error);
    Answer reload = Ctl({"reload"});
    // Before the fix, PID 1 crashed here and never answered.
    ASSERT_TRUE(absl::StartsWith(reload.out, "started: " + names + "\n"))
        << reload.status << "\n"
        << reload.out << reload.err;
    EXPECT_EQ(reload.status, "exit 1");  // errors
    EXPECT_TRUE(absl::StrContains(reload.out, error)) << reload.out;
    ASSERT_TRUE(r().WaitForStderr(absl::StrCat(first, ": failed: ", error)));
    for (const auto& [name, text] : c.units) {
      std::string status = StatusOf(name);
      EXPECT_TRUE(absl::StartsWith(status, "exit 3: ")) << status;
      EXPECT_TRUE(absl::StrContains(status, "failed")) << status;
    }
    // A start is refused with the same error.
    Answer start = Ctl({"start", first});
    EXPECT_EQ(start.status, "exit 1");
    EXPECT_TRUE(
        absl::StartsWith(start.out, absl::StrCat(first, ": failed: ", error)))
        << start.out;
    std::string steady = StatusOf("steady");
    EXPECT_TRUE(absl::StartsWith(steady, "exit 0: ")) << steady;
    EXPECT_TRUE(absl::StrContains(steady, "running")) << steady;
  }
  EXPECT_EQ(running_->Terminate().ToString(), "exit 0");
  const std::string err = running_->err();
  running_.reset();
  EXPECT_FALSE(absl::StrContains(err, "crashed")) << err;
  // steady was started once: no reload touched it.
  size_t first = err.find("steady: started");
  ASSERT_NE(first, std::string::npos) << err;
  EXPECT_EQ(err.find("steady: started", first + 1), std::string::npos) << err;
}

// stop, edit, reload: the unit stays stopped with its new definition,
// which a start then runs.
TEST_F(Reload, StoppedUnitStaysStopped) {
  Unit("x", Simple("v1"));
  ASSERT_TRUE(Boot({"[x] v1"}));
  Answer stop = Ctl({"stop", "x"});
  EXPECT_EQ(stop.status, "exit 0") << stop.err;
  EXPECT_EQ(stop.out, "x: inactive\n");

  Unit("x", Simple("v2"));
  Answer reload = Ctl({"reload"});
  EXPECT_EQ(reload.status, "exit 0") << reload.err;
  EXPECT_EQ(reload.out, "changed: x\n");
  std::string status = StatusOf("x");
  EXPECT_TRUE(absl::StartsWith(status, "exit 3: ")) << status;
  EXPECT_TRUE(absl::StrContains(status, "inactive")) << status;

  Answer start = Ctl({"start", "x"});
  EXPECT_EQ(start.status, "exit 0") << start.err;
  EXPECT_EQ(start.out, "x: running\n");
  EXPECT_TRUE(r().WaitForStderr("[x] v2"));
}

// A blocking stop in flight while the unit is edited and reloaded: the stop
// completes and is answered, then the new definition is swapped in and not
// started.
TEST_F(Reload, StopInFlightThenEditAndReload) {
  Unit("held", Held("v1"));
  ASSERT_TRUE(Boot({"[held] v1"}));
  Client stop(socket_, {"stop", "held"});
  ASSERT_TRUE(r().WaitForStderr("[held] holding"));

  Unit("held", Held("v2"));
  Answer reload = Ctl({"reload"});
  EXPECT_EQ(reload.status, "exit 0") << reload.err;
  EXPECT_EQ(reload.out, "changed: held\n");
  Release();
  Answer stopped = stop.Finish();
  EXPECT_EQ(stopped.status, "exit 0") << stopped.err;
  EXPECT_EQ(stopped.out, "held: inactive\n");
  std::string status = StatusOf("held");
  EXPECT_TRUE(absl::StartsWith(status, "exit 3: ")) << status;
  EXPECT_TRUE(absl::StrContains(status, "inactive")) << status;

  Answer start = Ctl({"start", "held"});
  EXPECT_EQ(start.out, "held: running\n") << start.err;
  EXPECT_TRUE(r().WaitForStderr("[held] v2"));
}

// Clients waiting on a unit that a reload removes are answered: a stop in
// flight; a start that waits for a readiness that never comes; and a stop
// in flight whose unit is removed, then back (edited) in the next reload
// before its processes are gone: that one stays stopped.
TEST_F(Reload, RemovalAnswersWaitingClients) {
  Unit("held", Held("v1"));
  Unit("back", Held("v1"));
  Unit("never",
       "[Service]\nType=notify\nTimeoutStartSec=infinity\n"
       "ExecStart=/bin/sh -c 'echo waiting; exec sleep 1000'\n");
  ASSERT_TRUE(Boot({"[held] v1", "[back] v1", "[never] waiting"}));

  // never's start waits for a READY=1 that never comes; its line shows
  // that the start request was taken.
  EXPECT_EQ(Ctl({"stop", "never"}).out, "never: inactive\n");
  Client start(socket_, {"start", "never"});
  ASSERT_TRUE(r().WaitForStderr("[never] waiting"));
  Client stop(socket_, {"stop", "held"});
  ASSERT_TRUE(r().WaitForStderr("[held] holding"));
  unlink(Path("held").c_str());
  unlink(Path("never").c_str());
  Answer reload = Ctl({"reload"});
  EXPECT_EQ(reload.status, "exit 0") << reload.err;
  EXPECT_EQ(reload.out, "stopped: held never\n");
  Answer started = start.Finish();
  EXPECT_EQ(started.status, "exit 1") << started.err;
  EXPECT_EQ(started.out, "never: inactive: removed\n");
  Release();
  Answer stopped = stop.Finish();
  EXPECT_EQ(stopped.status, "exit 0") << stopped.err;
  EXPECT_EQ(stopped.out, "held: inactive: removed\n");

  Client stop_back(socket_, {"stop", "back"});
  ASSERT_TRUE(r().WaitForStderr("[back] holding"));
  unlink(Path("back").c_str());
  EXPECT_EQ(Ctl({"reload"}).out, "stopped: back\n");
  Unit("back", Held("v2"));
  EXPECT_EQ(Ctl({"reload"}).out, "changed: back\n");
  Release();
  Answer back = stop_back.Finish();
  EXPECT_EQ(back.status, "exit 0") << back.err;
  EXPECT_EQ(back.out, "back: inactive\n");
  std::string status = StatusOf("back");
  EXPECT_TRUE(absl::StartsWith(status, "exit 3: ")) << status;
  EXPECT_TRUE(absl::StrContains(status, "inactive")) << status;
}

// A blocking stop overtaken by another client's start (before the stop was
// answered) is answered once the service settles, with the state it
// settled in: running, and faultctl stop exits 1.
TEST_F(Reload, StopOvertakenByStartIsAnswered) {
  Unit("held", Held("v1"));
  ASSERT_TRUE(Boot({"[held] v1"}));
  Client stop(socket_, {"stop", "held"});
  ASSERT_TRUE(r().WaitForStderr("[held] holding"));
  Answer start = Ctl({"start", "--no-block", "held"});
  EXPECT_EQ(start.status, "exit 0") << start.err;
  EXPECT_EQ(start.out, "held: stopping\n");
  Release();
  Answer stopped = stop.Finish();
  EXPECT_EQ(stopped.status, "exit 1") << stopped.err;
  EXPECT_EQ(stopped.out, "held: running\n");
  std::string status = StatusOf("held");
  EXPECT_TRUE(absl::StartsWith(status, "exit 0: ")) << status;
}

}  // namespace
}  // namespace faultinit::testing
