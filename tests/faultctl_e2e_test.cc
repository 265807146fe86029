// The real faultctl against the real faultinit (system mode, PID 1 of a
// fresh PID namespace): every verb and its exit status, end to end; and
// faultinit called by the name faultctl (a link), which is faultctl.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "runtime/fd.h"
#include "runtime/testing/child.h"
#include "tests/harness.h"

namespace faultinit::testing {
namespace {

class Faultctl : public ScratchTest {
 protected:
  void SetUp() override {
    ScratchTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    socket_ = base_ + "/run/control";
    std::string units = base_ + "/units";
    mkdir(units.c_str(), 0755);
    // faultinit by the name faultctl, as an initramfs holds it.
    link_ = base_ + "/faultctl";
    ASSERT_EQ(symlink(FaultinitPath().c_str(), link_.c_str()), 0);
    Write(units + "/web.service",
          "[Unit]\nDescription=the web\n[Service]\n"
          "ExecStart=/bin/sh -c 'echo web up; exec sleep 1000'\n");
    // A notify service that reports readiness with faultctl itself.
    Write(units + "/api.service",
          absl::StrCat("[Service]\nType=notify\nExecStart=/bin/sh -c '",
                       FaultctlPath(),
                       " notify READY=1 STATUS=serving; exec sleep 1000'\n"));
    Write(units + "/linked.service",
          absl::StrCat("[Service]\nType=notify\nExecStart=/bin/sh -c '", link_,
                       " notify READY=1 STATUS=linked; exec sleep 1000'\n"));
    // One that notifies on a descriptor of its own (NotificationFd=).
    Write(units + "/piped.service",
          "[Service]\nType=notify\nNotificationFd=3\nExecStart=/bin/sh -c "
          "'printf \"STATUS=piped\\nREADY=1\\n\" >&3; exec sleep 1000'\n");
    std::vector<std::string> ready = {"web: running", "[web] web up",
                                      "api: running", "linked: running",
                                      "piped: running"};
    LaunchOptions o;
    o.args = {"-v", "--services", units, "--control", socket_};
    MoreUnits(units, &ready, &o.args);
    o.pid_namespace = true;
    running_ = std::make_unique<Running>(o);
    ASSERT_TRUE(running_->WaitForAllStderr(ready));
  }
  // MoreUnits: a derived fixture's units, written in `units` before
  // faultinit starts; `ready` gets the stderr lines that say they are up,
  // `args` more of faultinit's arguments.
  virtual void MoreUnits(const std::string& units,
                         std::vector<std::string>* ready,
                         std::vector<std::string>* args) {}
  static void Write(const std::string& path, const std::string& text) {
    FILE* f = fopen(path.c_str(), "w");
    fputs(text.c_str(), f);
    fclose(f);
  }
  // Runs `program` (faultctl by default) with `args` against this
  // faultinit.
  ClientResult Ctl(std::vector<std::string> args,
                   const std::string& program = FaultctlPath()) {
    return RunClient(program, socket_, std::move(args));
  }

  std::string socket_, link_;
};

// status prints the table; --json parses back; a named service that is not
// running exits 3; an unknown one 4.
TEST_F(Faultctl, Status) {
  ClientResult table = Ctl({"status"});
  EXPECT_EQ(table.status, "exit 0") << table.err;
  std::vector<std::string> lines = absl::StrSplit(table.out, '\n');
  ASSERT_GE(lines.size(), 3u) << table.out;
  EXPECT_EQ(lines[0].substr(0, 4), "NAME");
  EXPECT_NE(table.out.find("  serving"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("  piped"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("the web"), std::string::npos);

  ClientResult json = Ctl({"status", "--json", "web"});
  EXPECT_EQ(json.status, "exit 0");
  EXPECT_EQ(json.out.substr(0, 27), "[{\"name\":\"web\",\"state\":\"run")
      << json.out;

  EXPECT_EQ(Ctl({"stop", "web"}).status, "exit 0");
  EXPECT_EQ(Ctl({"status", "web"}).status, "exit 3");
  EXPECT_EQ(Ctl({"status", "nope"}).status, "exit 4");
  ClientResult start = Ctl({"start", "web"});
  EXPECT_EQ(start.status, "exit 0");
  EXPECT_EQ(start.out, "web: running\n");
  EXPECT_EQ(Ctl({"restart", "--no-block", "web"}).status, "exit 0");
}

// log shows recent lines; reload reports what changed; a bad verb is a
// usage error with a suggestion; an unreachable socket exits 5.
TEST_F(Faultctl, LogReloadUsageUnreachable) {
  ClientResult log = Ctl({"log", "-n", "5", "web"});
  EXPECT_EQ(log.status, "exit 0");
  EXPECT_EQ(log.out, "web up\n");
  Write(base_ + "/units/extra.service",
        "[Service]\nExecStart=/bin/sleep 1000\n");
  ClientResult reload = Ctl({"reload"});
  EXPECT_EQ(reload.status, "exit 0") << reload.err;
  EXPECT_EQ(reload.out, "started: extra\n");
  ClientResult typo = Ctl({"stauts"});
  EXPECT_EQ(typo.status, "exit 2");
  EXPECT_NE(typo.err.find("did you mean \"status\""), std::string::npos);
  std::vector<std::string> args = {FaultctlPath(), "--socket",
                                   base_ + "/nowhere", "status"};
  fault::testing::ChildResult unreachable = fault::testing::RunInChild([&] {
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  });
  EXPECT_EQ(unreachable.status.ToString(), "exit 5");
  EXPECT_NE(
      unreachable.err.find("cannot reach faultinit at " + base_ + "/nowhere"),
      std::string::npos);
}

// faultinit called as faultctl: its notify made linked.service ready with
// its status text, and it answers and exits as the faultctl binary does.
TEST_F(Faultctl, FaultinitCalledFaultctl) {
  ClientResult status = Ctl({"status", "linked"}, link_);
  EXPECT_EQ(status.status, "exit 0") << status.err;
  EXPECT_NE(status.out.find("running"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("  linked"), std::string::npos) << status.out;
  EXPECT_EQ(Ctl({"status", "nope"}, link_).status, "exit 4");
  ClientResult version = Ctl({"--version"}, link_);
  EXPECT_EQ(version.status, "exit 0");
  EXPECT_EQ(version.out, Ctl({"--version"}).out);
  EXPECT_EQ(version.out.substr(0, 9), "faultctl ");
  ClientResult typo = Ctl({"stauts"}, link_);
  EXPECT_EQ(typo.status, "exit 2");
  EXPECT_EQ(typo.err, Ctl({"stauts"}).err);
}

// poweroff brings faultinit down: services stop, and in a container it
// exits 0.
TEST_F(Faultctl, Poweroff) {
  EXPECT_EQ(Ctl({"poweroff"}).status, "exit 0");
  EXPECT_EQ(running_->Wait().ToString(), "exit 0");
  ended_ = true;
  EXPECT_NE(running_->err().find("web: stopped"), std::string::npos);
}

// Hostile names and texts (issue 24): unit files named with a newline, or
// with tabs and a newline that forge a "healthy" row, and STATUS= texts
// holding a tab, a carriage return, a backslash, an escape sequence and a
// byte that is not UTF-8, sent with `faultctl notify` and on a
// NotificationFd= pipe.
class FaultctlHostile : public Faultctl {
 protected:
  void MoreUnits(const std::string& units, std::vector<std::string>* ready,
                 std::vector<std::string>* args) override {
    Write(units + "/zz\nx.service", "[Service]\nExecStart=/bin/sleep 1000\n");
    Write(units + "/a\tfailed\t0\t0\t0\t\t\t\nS\thealthy.service",
          "[Service]\nExecStart=/bin/sleep 1000\n");
    // printf makes the bytes; $(...) keeps all but trailing newlines.
    Write(base_ + "/odd.sh",
          absl::StrCat("s=$(printf '", kOddPrintf, "')\n", FaultctlPath(),
                       " notify READY=1 \"STATUS=$s\"\nexec sleep 1000\n"));
    Write(units + "/odd.service",
          absl::StrCat("[Service]\nType=notify\n", "ExecStart=/bin/sh ", base_,
                       "/odd.sh\n"));
    Write(base_ + "/oddpipe.sh",
          absl::StrCat("printf 'STATUS=", kOddPrintf,
                       "\\nREADY=1\\n' >&3\nexec sleep 1000\n"));
    Write(units + "/oddpipe.service",
          absl::StrCat("[Service]\nType=notify\nNotificationFd=3\n",
                       "ExecStart=/bin/sh ", base_, "/oddpipe.sh\n"));
    ready->push_back("odd: running");
    ready->push_back("oddpipe: running");
  }
  // What printf makes of kOddPrintf.
  static constexpr char kOddPrintf[] =
      "tab\\there cr\\r bs\\\\ esc\\033[2J byte\\377 end";
};

// The two hostile files are reported, one line each, and not loaded;
// status and status --json keep working for every other service.
TEST_F(FaultctlHostile, InvalidUnitFileNamesAreReportedNotLoaded) {
  const std::string units = base_ + "/units";
  // Loading is done before the services start (SetUp waited for them).
  for (const std::string& line :
       {"faultinit: " + units +
            ": error: unit file \"zz\\x0ax.service\" not loaded: the name "
            "holds \\x0a at byte 3; a unit name has only A-Z a-z 0-9 : _ . "
            "\\ - and @\n",
        "faultinit: " + units +
            ": error: unit file \"a\\x09failed\\x090\\x090\\x090\\x09\\x09"
            "\\x09\\x0aS\\x09healthy.service\" not loaded: the name holds "
            "\\x09 at byte 2; a unit name has only A-Z a-z 0-9 : _ . \\ - "
            "and @\n"}) {
    EXPECT_NE(running_->err().find(line), std::string::npos)
        << line << running_->err();
  }
  EXPECT_NE(running_->err().find("loaded 6 units from"), std::string::npos);
  ClientResult table = Ctl({"status"});
  EXPECT_EQ(table.status, "exit 0") << table.err;
  std::vector<std::string> lines = absl::StrSplit(table.out, '\n');
  // The header, api, linked, odd, oddpipe, piped, web, and the empty end.
  ASSERT_EQ(lines.size(), 8u) << table.out;
  for (const std::string& line : lines) {
    EXPECT_EQ(line.find("healthy"), std::string::npos) << table.out;
  }
  ClientResult json = Ctl({"status", "--json"});
  EXPECT_EQ(json.status, "exit 0") << json.err;
  EXPECT_EQ(json.out.find("healthy"), std::string::npos) << json.out;
  EXPECT_NE(json.out.find("{\"name\":\"web\",\"state\":\"running\""),
            std::string::npos)
      << json.out;
  EXPECT_EQ(Ctl({"status", "web"}).status, "exit 0");
}

// A STATUS= text with a tab and other bytes comes back exactly in --json
// (a tab is \t, a non-UTF-8 byte \udcNN: docs/control.md), whether sent by
// `faultctl notify` or on a NotificationFd= pipe; in the table it is one
// escaped cell and adds no line.
TEST_F(FaultctlHostile, StatusTextRoundTrips) {
  const std::string exact =
      "\"status\":\"tab\\there cr\\r bs\\\\ esc\\u001b[2J byte\\udcff end\"";
  for (const char* name : {"odd", "oddpipe"}) {
    SCOPED_TRACE(name);
    ClientResult json = Ctl({"status", "--json", name});
    EXPECT_EQ(json.status, "exit 0") << json.err;
    EXPECT_NE(json.out.find(exact), std::string::npos) << json.out;
    ClientResult table = Ctl({"status", name});
    EXPECT_EQ(table.status, "exit 0") << table.err;
    std::vector<std::string> lines = absl::StrSplit(table.out, '\n');
    ASSERT_EQ(lines.size(), 3u) << table.out;  // header, row, empty end
    EXPECT_NE(lines[1].find("  tab\\there cr\\r bs\\\\ esc\\x1b[2J "
                            "byte\\xff end"),
              std::string::npos)
        << table.out;
    for (char c : table.out) {
      const unsigned char b = static_cast<unsigned char>(c);
      EXPECT_TRUE(c == '\n' || (b >= 0x20 && b != 0x7f)) << table.out;
    }
  }
}

// Every control slot held by clients waiting on a start that never
// completes (issue 24: even poweroff was answered busy).
class FaultctlSlots : public Faultctl {
 protected:
  void MoreUnits(const std::string& units, std::vector<std::string>* ready,
                 std::vector<std::string>* args) override {
    Write(units + "/stuck.service",
          "[Service]\nType=notify\nTimeoutStartSec=infinity\n"
          "ExecStart=/bin/sleep 1000\n");
    ready->push_back("stuck: started /bin/sleep");
    args->push_back("-v");  // -vv: each request read is logged
  }
};

// 64 clients wait on `start stuck`; `faultctl poweroff` still gets through
// and every one of the 64 is answered: the oldest with `busy` (it made
// room), the others with the shutdown.
TEST_F(FaultctlSlots, PoweroffGetsThroughAndWaitersAreAnswered) {
  constexpr int kWaiters = 64;  // ControlServer's kMaxClients
  std::vector<fault::UniqueFd> waiters;
  for (int i = 0; i < kWaiters; ++i) {
    fault::UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    struct sockaddr_un address = {};
    address.sun_family = AF_UNIX;
    strncpy(address.sun_path, socket_.c_str(), sizeof address.sun_path - 1);
    ASSERT_EQ(connect(fd.get(), reinterpret_cast<sockaddr*>(&address),
                      sizeof address),
              0)
        << i;
    const std::string request = "1\tstart\tstuck\n";
    ASSERT_EQ(send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(request.size()));
    // Read (and so waiting) before the next one connects.
    ASSERT_TRUE(running_->WaitForStderr("control: request: start stuck")) << i;
    waiters.push_back(std::move(fd));
  }
  ClientResult poweroff = Ctl({"poweroff"});
  EXPECT_EQ(poweroff.status, "exit 0") << poweroff.err;
  int busy = 0, abandoned = 0;
  for (int i = 0; i < kWaiters; ++i) {
    std::string answer =
        fault::ReadAll(waiters[i].get(), 4096).value_or("<read error>");
    if (answer.rfind("ERR\tbusy\t64 clients at once: this one waited longest",
                     0) == 0) {
      ++busy;
      EXPECT_EQ(i, 0) << "the oldest makes room";
    } else {
      EXPECT_EQ(answer,
                "ERR\tfailed\tshutdown began (power off): the start was "
                "abandoned; services only stop now\n")
          << i;
      ++abandoned;
    }
  }
  EXPECT_EQ(busy, 1);
  EXPECT_EQ(abandoned, kWaiters - 1);
  EXPECT_EQ(running_->Wait().ToString(), "exit 0");
  ended_ = true;
  EXPECT_NE(running_->err().find("stuck: stopped"), std::string::npos)
      << running_->err();
}

}  // namespace
}  // namespace faultinit::testing
