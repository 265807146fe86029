#include "tests/harness.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "init/processes.h"
#include "runtime/testing/child.h"

extern char** environ;

namespace faultinit::testing {
namespace {

// A bound on every wait, far beyond any healthy run: a hang fails the test
// with a message instead of running into Bazel's timeout.
constexpr int kDeadlineMs = 60 * 1000;

std::string Runfile(const std::string& path) {
  const char* dir = getenv("TEST_SRCDIR");
  return absl::StrCat(dir != nullptr ? dir : ".", "/faultinit/", path);
}

}  // namespace

std::string FaultinitPath() { return Runfile("init/faultinit"); }
std::string ProbePath() { return Runfile("tests/probe"); }
std::string FaultctlPath() { return Runfile("init/ctl/faultctl"); }
std::string FaultinitTestFaultsPath() {
  return Runfile("init/faultinit_test_faults");
}

bool WriteFile(const std::string& path, const std::string& text) {
  fault::UniqueFd fd(
      open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  return fd.valid() && fault::WriteAll(fd.get(), text.data(), text.size()) == 0;
}

std::string ReadText(const std::string& path) {
  fault::UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return "";
  return fault::ReadAll(fd.get(), 1 << 20).value_or("");
}

size_t Count(const std::string& haystack, const std::string& text) {
  size_t n = 0;
  for (size_t at = haystack.find(text); at != std::string::npos;
       at = haystack.find(text, at + text.size())) {
    ++n;
  }
  return n;
}

std::string UnitPathName(const std::string& path) {
  std::string out;
  for (size_t i = 1; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '/') {
      out += '-';
    } else if (isalnum(static_cast<unsigned char>(c)) || c == '_' ||
               (c == '.' && !out.empty())) {
      out += c;
    } else {
      char hex[8];
      snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned char>(c));
      out += hex;
    }
  }
  return out;
}

bool HardNofileAvailable(rlim_t hard) {
  const pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    struct rlimit limits = {1024, hard};
    _exit(setrlimit(RLIMIT_NOFILE, &limits) == 0 ? 0 : 1);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

bool PidNamespacesAvailable(std::string* why) {
  pid_t pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execlp("unshare", "unshare", "--pid", "--fork", "--mount-proc", "true",
           nullptr);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
  *why =
      "`unshare --pid --fork --mount-proc` failed here (needs root and a "
      "kernel with PID namespaces; not available under qemu-user)";
  return false;
}

Running::Running(const LaunchOptions& options)
    : pid_namespace_(options.pid_namespace) {
  fault::StatusOr<fault::Pipe> in = fault::MakePipe();
  fault::StatusOr<fault::Pipe> out = fault::MakePipe();
  fault::StatusOr<fault::Pipe> err = fault::MakePipe();
  if (!in.ok() || !out.ok() || !err.ok()) abort();

  std::vector<std::string> argv;
  if (options.pid_namespace) {
    // --uts too: system mode sets the hostname, which must not be the
    // host's.
    argv = {"unshare", "--pid",        "--uts",
            "--fork",  "--mount-proc", "--kill-child"};
  }
  if (options.pid_namespace && !options.in_namespace_first.empty()) {
    argv.insert(
        argv.end(),
        {"/bin/sh", "-c",
         "set -e\n" + options.in_namespace_first + "\nexec \"$@\"", "sh"});
  }
  argv.push_back(options.binary.empty() ? FaultinitPath() : options.binary);
  argv.insert(argv.end(), options.args.begin(), options.args.end());
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.push_back(*e);
  env.insert(env.end(), options.env.begin(), options.env.end());
  std::vector<char*> cargv, cenv;
  for (std::string& s : argv) cargv.push_back(s.data());
  cargv.push_back(nullptr);
  for (std::string& s : env) cenv.push_back(s.data());
  cenv.push_back(nullptr);

  fflush(nullptr);
  pid_ = fork();
  if (pid_ < 0) abort();
  if (pid_ == 0) {
    dup2(in->read.get(), 0);
    dup2(out->write.get(), 1);
    dup2(err->write.get(), 2);
    if (options.before_exec) options.before_exec();
    execvpe(cargv[0], cargv.data(), cenv.data());
    _exit(127);
  }
  if (!options.stdin_data.empty()) {
    (void)fault::WriteAll(in->write.get(), options.stdin_data.data(),
                          options.stdin_data.size());
  }
  out_fd_ = std::move(out->read);
  err_fd_ = std::move(err->read);
}

Running::~Running() {
  if (!reaped_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

pid_t Running::faultinit_pid() {
  if (!pid_namespace_) return pid_;
  if (faultinit_ == 0) {
    std::vector<pid_t> children = ChildrenOf(pid_);
    if (!children.empty()) faultinit_ = children[0];
  }
  return faultinit_;
}

bool Running::Fill(int fd, std::string* sink) {
  struct pollfd p = {fd, POLLIN, 0};
  int ready = poll(&p, 1, kDeadlineMs);
  if (ready <= 0) {
    ADD_FAILURE_AT(__FILE__, __LINE__) << "no output from faultinit in time";
    return false;
  }
  char buffer[4096];
  ssize_t n = read(fd, buffer, sizeof buffer);
  if (n <= 0) return false;
  sink->append(buffer, static_cast<size_t>(n));
  return true;
}

std::string Running::ReadLine() {
  for (;;) {
    size_t newline = out_.find('\n', out_read_);
    if (newline != std::string::npos) {
      std::string line = out_.substr(out_read_, newline - out_read_);
      out_read_ = newline + 1;
      return line;
    }
    if (!Fill(out_fd_.get(), &out_)) return "<eof>";
  }
}

bool Running::WaitForStderr(const std::string& text) {
  for (;;) {
    size_t found = err_.find(text, err_read_);
    if (found != std::string::npos) {
      err_read_ = found + text.size();
      return true;
    }
    if (!Fill(err_fd_.get(), &err_)) return false;
  }
}

bool Running::WaitForAllStderr(const std::vector<std::string>& texts) {
  for (;;) {
    size_t end = err_read_;
    bool all = true;
    for (const std::string& text : texts) {
      size_t found = err_.find(text, err_read_);
      if (found == std::string::npos) {
        all = false;
        break;
      }
      end = std::max(end, found + text.size());
    }
    if (all) {
      err_read_ = end;
      return true;
    }
    if (!Fill(err_fd_.get(), &err_)) return false;
  }
}

void Running::Signal(int signo) { kill(faultinit_pid(), signo); }

fault::ExitStatus Running::Terminate() {
  Signal(SIGTERM);
  return Wait();
}

void Running::KillLauncher() {
  if (pid_namespace_) kill(pid_, SIGKILL);
}

fault::ExitStatus Running::Wait() {
  // Both pipes together: a full stderr pipe must not block faultinit
  // while we wait for stdout's end.
  if (!fault::testing::DrainPipes(out_fd_.get(), err_fd_.get(), &out_, &err_,
                                  kDeadlineMs)) {
    ADD_FAILURE() << "faultinit did not finish in time";
  }
  siginfo_t info = {};
  while (waitid(P_PID, pid_, &info, WEXITED) != 0 && errno == EINTR) {
  }
  reaped_ = true;
  return fault::ExitStatus::FromSiginfo(info);
}

Result RunFaultinit(const LaunchOptions& options) {
  Running running(options);
  Result result;
  result.status = running.Wait();
  result.out = running.out();
  result.err = running.err();
  return result;
}

CommandResult RunCommand(const std::vector<std::string>& argv,
                         int deadline_ms) {
  CommandResult result;
  if (argv.empty()) return result;
  std::vector<std::string> args = argv;
  std::vector<char*> cargv;
  for (std::string& s : args) cargv.push_back(s.data());
  cargv.push_back(nullptr);
  fault::StatusOr<fault::Pipe> out = fault::MakePipe();
  if (!out.ok()) return result;
  pid_t pid = fork();
  if (pid < 0) return result;
  if (pid == 0) {
    dup2(out->write.get(), 1);
    dup2(out->write.get(), 2);
    execv(cargv[0], cargv.data());
    _exit(127);
  }
  out->write.Reset();
  const auto until =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(deadline_ms);
  bool in_time = true;
  char buffer[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    struct pollfd p = {out->read.get(), POLLIN, 0};
    int ready =
        left.count() > 0 ? poll(&p, 1, static_cast<int>(left.count())) : 0;
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      in_time = false;
      break;
    }
    ssize_t n = read(out->read.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    result.output.append(buffer, static_cast<size_t>(n));
  }
  if (!in_time) {
    kill(pid, SIGKILL);
    result.output += "<no answer in time>";
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (in_time && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

void ScratchTest::SetUp() {
  std::string why;
  if (!PidNamespacesAvailable(&why)) GTEST_SKIP() << why;
  char pattern[] = "/var/tmp/faultinit-test.XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  base_ = pattern;
}

void ScratchTest::TearDown() {
  if (running_ && !ended_) {
    EXPECT_EQ(running_->Terminate().ToString(), "exit 0") << running_->err();
  }
  if (!base_.empty()) {
    EXPECT_EQ(system(("rm -rf " + base_).c_str()), 0);
  }
}

void UnitDirectoryTest::SetUp() {
  std::string why;
  if (!PidNamespacesAvailable(&why)) GTEST_SKIP() << why;
  dir_ = absl::StrCat(
      getenv("TEST_TMPDIR"), "/",
      ::testing::UnitTest::GetInstance()->current_test_info()->name());
  mkdir(dir_.c_str(), 0755);
}

void UnitDirectoryTest::Unit(const std::string& name, const std::string& text) {
  ASSERT_TRUE(WriteFile(absl::StrCat(dir_, "/", name, ".service"), text));
}

LaunchOptions UnitDirectoryTest::Boot() const {
  LaunchOptions o;
  o.args = {"-v", "--services", dir_};
  o.pid_namespace = true;
  return o;
}

Result UnitDirectoryTest::Check() const {
  LaunchOptions check;
  check.args = {"--check", dir_};
  return RunFaultinit(check);
}

size_t UnitDirectoryTest::At(const std::string& haystack,
                             const std::string& text) {
  size_t at = haystack.find(text);
  EXPECT_NE(at, std::string::npos)
      << "missing: " << text << "\nin (the last 3000 bytes):\n"
      << haystack.substr(haystack.size() > 3000 ? haystack.size() - 3000 : 0);
  return at;
}

void ControlledUnitTest::SetUp() {
  UnitDirectoryTest::SetUp();
  if (IsSkipped()) return;
  char pattern[] = "/var/tmp/faultinit-test.XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  base_ = pattern;
  socket_ = base_ + "/control";
}

void ControlledUnitTest::TearDown() {
  if (running_ && !ended_) {
    EXPECT_EQ(running_->Terminate().ToString(), "exit 0");
  }
  if (!base_.empty()) {
    EXPECT_EQ(system(("rm -rf " + base_).c_str()), 0);
  }
}

void ControlledUnitTest::Start(const std::vector<std::string>& lines) {
  LaunchOptions o = Boot();
  o.args.push_back("--control");
  o.args.push_back(socket_);
  running_ = std::make_unique<Running>(o);
  // And the control socket's line: faultctl is answered from there.
  std::vector<std::string> all = lines;
  all.push_back("answering faultctl on " + socket_);
  ASSERT_TRUE(running_->WaitForAllStderr(all)) << running_->err();
}

ClientResult RunClient(const std::string& program, const std::string& socket,
                       std::vector<std::string> args) {
  args.insert(args.begin(), {program, "--socket", socket});
  fault::testing::ChildResult r = fault::testing::RunInChild([&] {
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  });
  return {r.status.ToString(), std::move(r.out), std::move(r.err)};
}

ControlledUnitTest::CtlResult ControlledUnitTest::Ctl(
    std::vector<std::string> args) {
  ClientResult r = RunClient(FaultctlPath(), socket_, std::move(args));
  return {r.status, r.out + r.err};
}

std::string ControlledUnitTest::StateOf(const std::string& name) {
  std::string out = Ctl({"status", name}).out;
  for (const char* state : {"running", "inactive", "failed", "starting",
                            "stopping", "restarting"}) {
    if (out.find(absl::StrCat(" ", state)) != std::string::npos ||
        out.find(absl::StrCat("\t", state)) != std::string::npos) {
      return state;
    }
  }
  return out;
}

std::string ControlledUnitTest::Read(const std::string& path) {
  std::string text;
  fault::UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return text;
  char buffer[4096];
  ssize_t n;
  while ((n = read(fd.get(), buffer, sizeof buffer)) > 0)
    text.append(buffer, n);
  return text;
}

}  // namespace faultinit::testing
