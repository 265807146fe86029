// File: tests/harness.h
//
// Runs the real faultinit binary for integration tests: as a plain child
// (subreaper mode) or as PID 1 of a new PID namespace (`unshare --pid
// --fork --mount-proc`), with its stdout and stderr on pipes the test reads
// line by line. Every wait is on an event (a line, end of file, the
// process's exit) bounded by a generous deadline, never a sleep.

#ifndef FAULT_TESTS_HARNESS_H_
#define FAULT_TESTS_HARNESS_H_

#include <sys/resource.h>
#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/exit_status.h"
#include "runtime/fd.h"

namespace faultinit::testing {

// Paths of the binaries under test (from the test's runfiles).
std::string FaultinitPath();
std::string ProbePath();
// faultctl (//init/ctl:faultctl); a test that calls it lists it as data.
std::string FaultctlPath();
// The test build that can fault on purpose (FAULTINIT_TEST_FAULT=SIGNAL).
std::string FaultinitTestFaultsPath();

// WriteFile replaces `path`'s contents with `text`; false on any error.
bool WriteFile(const std::string& path, const std::string& text);

// ReadText returns `path`'s contents (its first 1 MiB at most), "" when it
// cannot be opened or read.
std::string ReadText(const std::string& path);

// Count returns how often `text` (not empty) occurs in `haystack`, the
// occurrences counted not overlapping.
size_t Count(const std::string& haystack, const std::string& text);

// UnitPathName returns `path` as systemd escapes a path in a unit name
// ("/a/b-c" -> "a-b\\x2dc"), written here from systemd's rules as the tests'
// own oracle.
std::string UnitPathName(const std::string& path);

// PidNamespacesAvailable reports whether `unshare --pid` works here (root,
// not under qemu-user); tests that need it skip with the reason otherwise.
bool PidNamespacesAvailable(std::string* why);

// HardNofileAvailable: whether a process may set RLIMIT_NOFILE's hard
// limit to `hard` here (raising it above the current one takes
// CAP_SYS_RESOURCE, which a container may lack). Tried in a child.
bool HardNofileAvailable(rlim_t hard);

struct LaunchOptions {
  std::vector<std::string> args;  // faultinit's arguments
  std::string binary;             // default: FaultinitPath()
  bool pid_namespace = false;     // run as PID 1 of a new namespace
  // With pid_namespace: a shell command run inside the new namespaces just
  // before faultinit replaces it (set a hostname, bind-mount a console).
  // It runs under `set -e`: a command of it that fails ends the launch
  // there (faultinit does not run, the test sees the shell's error on
  // stderr), so a private copy that could not be made is never replaced by
  // the host's own directory. `a && b` is not checked by `set -e` when `a`
  // fails: write `a; b`.
  std::string in_namespace_first;
  std::vector<std::string> env;  // extra NAME=value entries
  std::string stdin_data;        // written to faultinit's stdin, then EOF
  // Runs in the child just before exec (set signal state, ...).
  std::function<void()> before_exec;
};

class Running {
 public:
  explicit Running(const LaunchOptions& options);
  ~Running();

  // The faultinit process (as seen from the test's namespace).
  pid_t faultinit_pid();

  // ReadLine returns the next stdout line (without "\n"), or "<eof>".
  std::string ReadLine();
  // WaitForStderr reads stderr until a line containing `text`; false at
  // end of file.
  bool WaitForStderr(const std::string& text);

  // WaitForAllStderr reads stderr until every one of `texts` has appeared,
  // in any order, anywhere after the last match; false at end of file.
  bool WaitForAllStderr(const std::vector<std::string>& texts);

  // Signal sends `signo` to faultinit.
  void Signal(int signo);
  // KillLauncher kills `unshare`, faultinit's parent in PID 1 mode.
  void KillLauncher();

  // Wait reads the rest of both outputs and reaps faultinit.
  fault::ExitStatus Wait();
  // Terminate: Signal(SIGTERM), then Wait (a clean end is "exit 0").
  fault::ExitStatus Terminate();
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  // Reads more from `fd` into `sink`; false at end of file or deadline.
  bool Fill(int fd, std::string* sink);

  pid_t pid_ = 0;  // faultinit, or unshare
  bool pid_namespace_;
  pid_t faultinit_ = 0;
  fault::UniqueFd out_fd_, err_fd_;
  std::string out_, err_;
  size_t out_read_ = 0, err_read_ = 0;
  bool reaped_ = false;
};

// Run launches faultinit and waits for it: the common case.
struct Result {
  fault::ExitStatus status;
  std::string out;
  std::string err;
};
Result RunFaultinit(const LaunchOptions& options);

// RunCommand runs `argv` (argv[0] a path, not searched in PATH) as a child
// with stdout and stderr on one pipe, reads it to end of file and reaps the
// child. The whole run is bounded by `deadline_ms`: a child still writing
// or holding the pipe open then is killed (SIGKILL), exit_code stays -1 and
// the output ends with "<no answer in time>". A child that cannot be
// started (no pipe, failed fork) also gives -1; a failed exec, 127. The
// reap after end of file is not bounded: a child that closes both outputs
// and keeps running would block it (faultctl does not). Forks:
// call it only where fork is safe (argv is built before the fork).
struct CommandResult {
  int exit_code = -1;  // -1: killed at the deadline, or killed by a signal
  std::string output;  // stdout and stderr, interleaved as written
};
CommandResult RunCommand(const std::vector<std::string>& argv, int deadline_ms);

// RunClient runs `program --socket SOCKET ARGS...` (faultctl, or faultinit
// by a link named systemctl or faultctl) in a child and returns how it
// ended and what it wrote. Forks: call it only where fork is safe.
struct ClientResult {
  std::string status;  // "exit 0"
  std::string out;
  std::string err;
};
ClientResult RunClient(const std::string& program, const std::string& socket,
                       std::vector<std::string> args);

// ScratchTest: a fixture for tests that boot faultinit themselves. SetUp
// skips the test without PID namespaces and makes `base_`, a fresh
// directory of the test's under /var/tmp (a socket's path must be short);
// TearDown ends a faultinit still in `running_` with SIGTERM and expects
// exit 0, unless the test set `ended_` (it waited for the end itself),
// then removes `base_`. A derived SetUp calls this one first and returns
// when IsSkipped() or HasFatalFailure().
class ScratchTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  std::string base_;
  std::unique_ptr<Running> running_;
  bool ended_ = false;
};

// UnitDirectoryTest: a fixture for system mode on a unit directory of the
// test's own. SetUp skips the test without PID namespaces and makes `dir_`
// ($TEST_TMPDIR/<test name>); Unit writes NAME.service there; Boot gives
// the options that run `faultinit -v --services dir_` as PID 1 of a PID
// namespace; Check runs `faultinit --check dir_` and returns its end and
// output; At finds `text` in `haystack`, failing the test without it.
class UnitDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void Unit(const std::string& name, const std::string& text);
  LaunchOptions Boot() const;
  Result Check() const;
  static size_t At(const std::string& haystack, const std::string& text);

  std::string dir_;
};

// ControlledUnitTest: UnitDirectoryTest with a control socket and the real
// faultctl, for tests that drive a booted faultinit. SetUp also makes
// `base_`, a directory of the test's under /var/tmp (a socket's path must
// be short; removed by TearDown), holding `socket_`. Start boots faultinit
// (Boot() with `--control socket_`) and waits for every one of `lines` on
// its stderr; TearDown ends a faultinit still running with SIGTERM and
// expects exit 0, unless the test set `ended_` (it waited for the end
// itself). Ctl runs faultctl on the socket and returns how it ended
// ("exit 0") and its stdout and stderr; StateOf is the state `faultctl
// status NAME` shows; Read is a file's contents ("" when missing).
class ControlledUnitTest : public UnitDirectoryTest {
 protected:
  void SetUp() override;
  void TearDown() override;
  void Start(const std::vector<std::string>& lines);
  struct CtlResult {
    std::string status;  // "exit 0"
    std::string out;
  };
  CtlResult Ctl(std::vector<std::string> args);
  std::string StateOf(const std::string& name);
  static std::string Read(const std::string& path);

  std::string base_, socket_;
  std::unique_ptr<Running> running_;
  bool ended_ = false;
};

}  // namespace faultinit::testing

#endif  // FAULT_TESTS_HARNESS_H_
