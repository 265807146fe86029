#include "runtime/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>

#include "absl/base/attributes.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "runtime/callsets.h"
#include "runtime/fd.h"
#include "runtime/pidfd.h"
#include "runtime/remote_mounts.h"
#include "runtime/signal_set.h"
#include "runtime/signal_state.h"

extern char** environ;

namespace fault {
namespace {

static_assert(static_cast<int>(SpawnStage::kNoNewPrivileges) -
                      static_cast<int>(SpawnStage::kCapabilities) ==
                  static_cast<int>(PrivilegeStep::kNoNewPrivileges),
              "one SpawnStage per PrivilegeStep, in its order");
static_assert(static_cast<int>(SpawnStage::kCpuAffinity) -
                      static_cast<int>(SpawnStage::kNice) ==
                  static_cast<int>(ProcessAttribute::kCpuAffinity),
              "one SpawnStage per ProcessAttribute, in its order");

constexpr char kDefaultPath[] =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

using Failure = SpawnFailureReport;

// Everything the child needs, prepared before fork.
struct Prepared {
  std::vector<std::string> candidates;  // paths to try, in order
  std::vector<char*> argv;
  std::vector<char*> envp;
  // listen_fds: "LISTEN_PID=" and room for the child's pid, which the
  // child writes after the name (RunChild) before exec; longer than any
  // small-string buffer, so envp's pointer survives a move of Prepared.
  std::string listen_pid;
};

std::string LookupPath(const SpawnOptions& options) {
  if (options.environment != nullptr) {
    for (const std::string& entry : *options.environment) {
      if (absl::StartsWith(entry, "PATH=")) return entry.substr(5);
    }
    return kDefaultPath;
  }
  const char* path = getenv("PATH");
  return path != nullptr ? path : kDefaultPath;
}

const std::string& Program(const SpawnOptions& options) {
  return options.program.empty() ? options.argv[0] : options.program;
}

// Prepare, RunChild and the failure reports are never inlined into Spawn:
// their locals would sit in Spawn's frame while it forks, and the spawn is
// on PID 1's deepest path while it starts services (touched stack pages
// stay resident while it sleeps).
ABSL_ATTRIBUTE_NOINLINE Prepared Prepare(const SpawnOptions& options) {
  Prepared p;
  const std::string& program = Program(options);
  if (program.find('/') != std::string::npos) {
    p.candidates.push_back(program);
  } else {
    for (absl::string_view dir : absl::StrSplit(LookupPath(options), ':')) {
      if (dir.empty()) dir = ".";
      p.candidates.push_back(absl::StrCat(dir, "/", program));
    }
  }
  for (const std::string& arg : options.argv) {
    p.argv.push_back(const_cast<char*>(arg.c_str()));
  }
  p.argv.push_back(nullptr);
  if (options.environment != nullptr) {
    const bool listen = !options.listen_fds.empty();
    for (const std::string& entry : *options.environment) {
      if (listen && absl::StartsWith(entry, "LISTEN_PID=")) continue;
      p.envp.push_back(const_cast<char*>(entry.c_str()));
    }
    if (listen) {
      constexpr absl::string_view kName = "LISTEN_PID=";
      p.listen_pid.assign(kName.data(), kName.size());
      p.listen_pid.resize(kName.size() + 24, '\0');
      p.envp.push_back(&p.listen_pid[0]);
    }
    p.envp.push_back(nullptr);
  }
  return p;
}

// MemoryReport: where a vfork child with no report pipe (report_fd -1)
// puts its failure: in its parent's memory, which it shares, read by the
// parent once the clone returns (CloneSharingMemory). The parent is
// suspended until the child has exec'd or exited, and a failure is written
// before the child exits, so the parent reads it complete, and its absence
// means the exec. Each thread's own (the child runs on its parent's
// thread pointer), so spawns of two threads cannot meet; null outside such
// a clone.
struct MemoryReport {
  Failure failure;
  bool failed = false;
};
thread_local MemoryReport* t_memory_report = nullptr;

[[noreturn]] void Fail(int report_fd, SpawnStage stage, int error,
                       const ResourceLimit* limit = nullptr) {
  Failure failure{static_cast<int>(stage), error, 0, 0, 0};
  if (limit != nullptr) {
    failure.resource = limit->resource;
    failure.soft = limit->soft;
    failure.hard = limit->hard;
  }
  if (report_fd >= 0) {
    (void)WriteAll(report_fd, &failure, sizeof failure);
  } else if (MemoryReport* memory = t_memory_report; memory != nullptr) {
    memory->failure = failure;
    memory->failed = true;
  }
  _exit(error == ENOENT ? 127 : 126);
}

int MoveTo(int from, int to) {
  if (from < 0 || from == to) {
    // dup2 onto itself keeps O_CLOEXEC; clear it so the fd survives exec.
    if (from == to) return fcntl(to, F_SETFD, 0) == 0 ? 0 : errno;
    return 0;
  }
  return dup2(from, to) >= 0 ? 0 : errno;
}

// Marks every descriptor above 2 close-on-exec (the report pipe must stay
// open until exec). close_range(2) where the kernel has it (5.11 for
// CLOSE_RANGE_CLOEXEC), else one fcntl per possible descriptor, below
// `bound`: the parent's soft RLIMIT_NOFILE (the child's may be lower by
// now, SpawnOptions::resource_limits).
int CloseOtherFdsAtExec(rlim_t bound) {
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifdef SYS_close_range
  if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return 0;
#endif
  for (rlim_t fd = 3; fd < bound; ++fd) {
    (void)fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
  }
  return 0;
}

[[noreturn]] void FailPrivileges(int report_fd, PrivilegeStep step, int error) {
  Fail(report_fd,
       static_cast<SpawnStage>(static_cast<int>(SpawnStage::kCapabilities) +
                               static_cast<int>(step)),
       error);
}

// SetUserWithPrivileges: setuid when asked, with the privileges around it
// (privileges.h has the order and why). In the child: async-signal-safe.
void SetUserWithPrivileges(const SpawnOptions& options, int report_fd) {
  const Privileges& privileges = options.privileges;
  const bool any = !privileges.empty();
  PrivilegeStep step = PrivilegeStep::kCapabilities;
  if (any) {
    if (int e = PrivilegesBeforeUser(privileges, &step)) {
      FailPrivileges(report_fd, step, e);
    }
  }
  if (options.uid) {
    if (any) {
      if (int e = KeepCapabilitiesForUser(privileges, *options.uid, &step)) {
        FailPrivileges(report_fd, step, e);
      }
    }
    if (setuid(*options.uid) != 0) {
      Fail(report_fd, SpawnStage::kCredentials, errno);
    }
  }
  if (any) {
    if (int e = PrivilegesAfterUser(privileges, &step)) {
      FailPrivileges(report_fd, step, e);
    }
  }
}

// The descriptors a child starts from: SpawnOptions' (stdin_fd,
// stdout_fd, stderr_fd, extra_fd.from), or the slots they were copied to
// (CloneSharingMemory), and its report pipe.
struct ChildFds {
  int stdin_fd;
  int stdout_fd;
  int stderr_fd;
  int extra_from;
  int report;
};

ChildFds OptionsFds(const SpawnOptions& options, int report_fd) {
  return {options.stdin_fd, options.stdout_fd, options.stderr_fd,
          options.extra_fd.from, report_fd};
}

// MoveListenFds makes `listen` the child's 3, 4, ... (without
// close-on-exec). Every other descriptor the child still needs (the
// report pipe, the extra one) that sits in that range is moved above it
// first, and each listen fd is copied above it before the dup2s, so no
// source is overwritten before it is copied. Async-signal-safe; 0 or an
// errno.
int MoveListenFds(const std::vector<int>& listen, int* report_fd,
                  int* extra_from) {
  const int n = static_cast<int>(listen.size());
  if (listen.size() > kMaxListenFds) return EMFILE;
  const int end = 3 + n;
  for (int* fd : {report_fd, extra_from}) {
    if (*fd >= 3 && *fd < end) {
      int moved = fcntl(*fd, F_DUPFD_CLOEXEC, end);
      if (moved < 0) return errno;
      *fd = moved;
    }
  }
  int copies[kMaxListenFds];
  for (int i = 0; i < n; ++i) {
    copies[i] = fcntl(listen[static_cast<size_t>(i)], F_DUPFD_CLOEXEC, end);
    if (copies[i] < 0) return errno;
  }
  for (int i = 0; i < n; ++i) {
    if (dup2(copies[i], 3 + i) < 0) return errno;
    close(copies[i]);
  }
  return 0;
}

// WritePid writes `pid`'s decimal digits and a NUL at `out` (room for 24).
void WritePid(pid_t pid, char* out) {
  char digits[24];
  int n = 0;
  unsigned long value = static_cast<unsigned long>(pid);
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0 && n < 23);
  for (int i = 0; i < n; ++i) out[i] = digits[n - 1 - i];
  out[n] = '\0';
}

// The child, between fork and exec: async-signal-safe calls only.
// `go_fd`, when not -1, is read until the parent closes its other end.
[[noreturn]] ABSL_ATTRIBUTE_NOINLINE void RunChild(const SpawnOptions& options,
                                                   const Prepared& p,
                                                   const ChildFds& fds,
                                                   int go_fd) {
  int report_fd = fds.report;
  // The fork callsets have run: the process-wide signal state is the
  // child's already (under Control: every disposition SIG_DFL, an empty
  // mask; see control.h and scheduler.h). Nothing may arrive while we set
  // up, and tcsetpgrp from a background group must not stop us with
  // SIGTTOU: block everything, keeping the callsets' mask for the end.
  sigset_t all = AllSignals();
  sigset_t after_fork;
  ChangeSignalMask(SIG_SETMASK, &all, &after_fork);
  if (go_fd >= 0) {
    char byte;
    while (read(go_fd, &byte, 1) < 0 && errno == EINTR) {
    }
    close(go_fd);
  }

  if (options.new_session) {
    if (setsid() < 0) Fail(report_fd, SpawnStage::kSession, errno);
  } else if (options.new_process_group) {
    if (setpgid(0, 0) != 0) Fail(report_fd, SpawnStage::kProcessGroup, errno);
    if (options.foreground_terminal && isatty(STDIN_FILENO) &&
        tcsetpgrp(STDIN_FILENO, getpgrp()) != 0 && errno != ENOTTY) {
      Fail(report_fd, SpawnStage::kTerminal, errno);
    }
  }
  // The terminal, once the session is made (to acquire it) and while the
  // credentials are still root's. SIGHUP ignored meanwhile (a hang-up or
  // taking a terminal may send it; ignoring also drops one pending).
  int terminal_fd = -1;
  if (!options.terminal.empty()) {
    struct sigaction ignore = {};
    ignore.sa_handler = SIG_IGN;
    struct sigaction hup;
    (void)ChangeDisposition(SIGHUP, &ignore, &hup);
    PrepareTerminal(options.terminal);
    // StandardInput=tty may wait for ever for the terminal: a stop must
    // reach the child meanwhile, under the mask it will exec with.
    const bool waits = options.terminal.input == TerminalOptions::Input::kWait;
    if (waits) ChangeSignalMask(SIG_SETMASK, &after_fork, nullptr);
    terminal_fd = OpenTerminal(options.terminal);
    if (waits) ChangeSignalMask(SIG_SETMASK, &all, nullptr);
    (void)ChangeDisposition(SIGHUP, &hup, nullptr);
    if (terminal_fd < 0) {
      Fail(report_fd, SpawnStage::kTerminalOpen, -terminal_fd);
    }
  }
  int stdin_fd = fds.stdin_fd;
  if (!options.stdin_path.empty()) {
    stdin_fd = open(options.stdin_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (stdin_fd < 0) Fail(report_fd, SpawnStage::kStdinFile, errno);
  }
  int stdout_fd = fds.stdout_fd;
  int stderr_fd = fds.stderr_fd;
  if (terminal_fd >= 0) {
    if (options.terminal.input != TerminalOptions::Input::kNone) {
      stdin_fd = terminal_fd;
    }
    if (options.terminal.output) stdout_fd = terminal_fd;
    if (options.terminal.error) stderr_fd = terminal_fd;
  }
  if (options.parent_death_signal != 0) {
    if (prctl(PR_SET_PDEATHSIG, options.parent_death_signal) != 0) {
      Fail(report_fd, SpawnStage::kParentDeathSignal, errno);
    }
  }
  if (!options.working_directory.empty() &&
      chdir(options.working_directory.c_str()) != 0) {
    Fail(report_fd, SpawnStage::kDirectory, errno);
  }
  if (options.umask) umask(*options.umask);
  // Before the credentials, as systemd: root may raise a hard limit the
  // new user could not.
  struct rlimit parents_fds = {1024, 1024};  // a bound for the fallback
  (void)getrlimit(RLIMIT_NOFILE, &parents_fds);
  int resource = 0;
  if (int error = ApplyResourceLimits(options.resource_limits, &resource)) {
    Fail(report_fd, SpawnStage::kResourceLimits, error,
         options.resource_limits.Find(resource));
  }
  if (!options.attributes.empty()) {
    ProcessAttribute which = ProcessAttribute::kNice;
    if (int e = ApplyProcessAttributes(options.attributes, &which); e != 0) {
      Fail(report_fd,
           static_cast<SpawnStage>(static_cast<int>(SpawnStage::kNice) +
                                   static_cast<int>(which)),
           e);
    }
  }
  if (options.groups &&
      setgroups(options.groups->size(), options.groups->data()) != 0) {
    Fail(report_fd, SpawnStage::kCredentials, errno);
  }
  if (options.gid && setgid(*options.gid) != 0) {
    Fail(report_fd, SpawnStage::kCredentials, errno);
  }
  SetUserWithPrivileges(options, report_fd);
  int error = MoveTo(stdin_fd, STDIN_FILENO);
  if (error == 0) error = MoveTo(stdout_fd, STDOUT_FILENO);
  if (error == 0) error = MoveTo(stderr_fd, STDERR_FILENO);
  if (error == 0 && options.close_other_fds) {
    error = CloseOtherFdsAtExec(parents_fds.rlim_cur);
  }
  int extra_from = fds.extra_from;
  if (error == 0 && !options.listen_fds.empty()) {
    error = MoveListenFds(options.listen_fds, &report_fd, &extra_from);
    if (!p.listen_pid.empty()) {
      WritePid(static_cast<pid_t>(syscall(SYS_getpid)),
               const_cast<char*>(p.listen_pid.data()) + 11);
    }
  }
  if (error == 0 && extra_from >= 0) {
    // The report pipe must not be the descriptor given away: move it.
    if (options.extra_fd.to == report_fd) {
      int moved = fcntl(report_fd, F_DUPFD_CLOEXEC, 3);
      if (moved < 0) Fail(report_fd, SpawnStage::kDescriptors, errno);
      report_fd = moved;
    }
    error = MoveTo(extra_from, options.extra_fd.to);
  }
  if (error != 0) Fail(report_fd, SpawnStage::kDescriptors, error);

  // Last: this spawn's choice of signal state, which also sets the mask
  // the program starts with: the launcher's, or the callsets' clean one.
  error = options.signals == SpawnOptions::Signals::kInitial
              ? InitialSignalState().Apply()
              : ChangeSignalMask(SIG_SETMASK, &after_fork, nullptr);
  if (error == 0 && options.ignore_sigpipe) {
    struct sigaction ignore = {};
    ignore.sa_handler = SIG_IGN;
    error = ChangeDisposition(SIGPIPE, &ignore, nullptr);
  }
  if (error != 0) Fail(report_fd, SpawnStage::kSignals, error);

  char* const* envp = options.environment != nullptr
                          ? const_cast<char* const*>(p.envp.data())
                          : environ;
  // As execvp: remember EACCES, report it if nothing else worked.
  int failure = ENOENT;
  for (const std::string& candidate : p.candidates) {
    execve(candidate.c_str(), p.argv.data(), envp);
    if (errno == EACCES) {
      failure = EACCES;
    } else if (errno != ENOENT && errno != ENOTDIR) {
      failure = errno;
      break;
    }
  }
  Fail(report_fd, SpawnStage::kExec, failure);
}

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000  // Linux 5.2
#endif

// The stack a vfork child runs RunChild on (its frames, the terminal's
// inotify buffer, the C library's calls): mapped once and kept for the
// next spawn (VforkStack), only the pages a child touched resident.
constexpr size_t kVforkStack = 64 * 1024;

// VforkStack: the one mapping every vfork child runs on, one child at a
// time (a child runs on it only while its parent is suspended), mapped at
// the first spawn and never unmapped: a start wave of thousands maps and
// unmaps no stack per spawn (issue #26: the unmap's page-table zap and
// TLB flush, and the child's faults on fresh pages, were a tenth of PID
// 1's start-up CPU). Its cost is the pages the deepest child touched.
// Another thread's spawn meanwhile (`busy`) maps a stack of its own.
struct VforkStack {
  std::atomic<bool> busy{false};
  void* base = nullptr;  // under busy

  // Take: a stack for one clone, `*shared` telling whether it is this one
  // (give it back with Give) or a mapping of its own (unmap it). Null
  // when none could be mapped.
  void* Take(bool* shared) {
    *shared = !busy.exchange(true);
    if (*shared && base != nullptr) return base;
    void* stack = mmap(nullptr, kVforkStack, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) {
      if (*shared) busy.store(false);
      return nullptr;
    }
    if (*shared) base = stack;
    return stack;
  }
  void Give(void* stack, bool shared) {
    if (shared) {
      busy.store(false);
    } else {
      munmap(stack, kVforkStack);
    }
  }
};

VforkStack& SpawnStack() {
  static VforkStack* const stack = new VforkStack;  // never destroyed
  return *stack;
}

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif

// Slots: descriptors the process keeps at low numbers (on /dev/null), into
// which a spawn sharing memory copies the descriptors its child starts
// from (stdin, stdout, stderr, the extra one, the report pipe), so that
// the child, sharing the descriptor table at first (CLONE_FILES), takes a
// table of its own holding only the descriptors up to the last slot
// (close_range(last + 1, ~0, CLOSE_RANGE_UNSHARE), Linux 5.9). A fork, or
// a clone without CLONE_FILES, copies the whole table, which in PID 1
// holds a descriptor per service: issue #26 measured that copy, and the
// child's exec closing every copied descriptor again, growing with N in
// each spawn (a quarter of the services' CPU at 4,000). The parent points
// each slot back at /dev/null once the clone returns, so no service's
// descriptor stays open in it. One spawn at a time uses them (`busy`);
// another thread's spawn meanwhile copies the whole table.
struct Slots {
  enum Role { kStdin, kStdout, kStderr, kExtra, kReport, kCount };
  std::atomic<bool> busy{false};
  bool tried = false;  // set up attempted (under busy)
  bool ready = false;  // set up, and close_range can unshare
  int null_fd = -1;
  int fd[kCount] = {-1, -1, -1, -1, -1};
  int last = -1;        // the highest slot
  unsigned filled = 0;  // the slots Fill pointed away from /dev/null

  // SetUp, the first time: the slots, each >= 3 (the child's stdio is
  // moved onto 0-2 from them), and whether the kernel has
  // CLOSE_RANGE_UNSHARE (closing nothing: an unshared table is not copied).
  bool SetUp() {
    if (tried) return ready;
    tried = true;
    if (syscall(SYS_close_range, ~0U, ~0U, CLOSE_RANGE_UNSHARE) != 0) {
      return false;
    }
    null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd < 0) return false;
    for (int& slot : fd) {
      slot = fcntl(null_fd, F_DUPFD_CLOEXEC, 3);
      if (slot < 0) return false;
      if (slot > last) last = slot;
    }
    ready = true;
    return true;
  }

  // Fill copies each descriptor >= 0 of `from` into its slot; `to` gets
  // the slots' numbers (-1 kept). False, with every slot back on
  // /dev/null, if a copy failed.
  bool Fill(const ChildFds& from, ChildFds* to) {
    *to = from;
    int* targets[kCount] = {&to->stdin_fd, &to->stdout_fd, &to->stderr_fd,
                            &to->extra_from, &to->report};
    for (int role = 0; role < kCount; ++role) {
      if (*targets[role] < 0) continue;
      if (dup3(*targets[role], fd[role], O_CLOEXEC) < 0) {
        Empty();
        return false;
      }
      filled |= 1U << role;
      *targets[role] = fd[role];
    }
    return true;
  }

  // Empty points every slot Fill filled back at /dev/null (the others are
  // on it still).
  void Empty() {
    for (int role = 0; role < kCount; ++role) {
      if (filled & (1U << role)) (void)dup3(null_fd, fd[role], O_CLOEXEC);
    }
    filled = 0;
  }
};

Slots& SpawnSlots() {
  static Slots* const slots = new Slots;  // never destroyed
  return *slots;
}

// What VforkChild needs, on the parent's stack (the child shares it).
struct VforkChildArgs {
  const SpawnOptions* options;
  const Prepared* prepared;
  const VforkCallsets* callsets;
  ChildFds fds;
  // With CLONE_FILES: the first descriptor the child does not keep; -1
  // without (the child has a copy of the whole table already).
  int unshare_from;
  // The parent's mask before it blocked every signal for the clone.
  sigset_t parent_mask;
};

// The kernel's struct sigaction (x86_64, aarch64, arm: the handler first,
// the mask last), for the raw calls below: the C library's sigaction
// refuses its own signals (glibc's SIGCANCEL and SIGSETXID).
struct KernelSigaction {
  uintptr_t handler;
  unsigned long flags;
  uintptr_t restorer;
  uint64_t mask;
};

// DropHandlers: every signal `mask` lets through that the parent catches,
// back to SIG_DFL in the child (exec would reset it anyway; ignored ones
// stay ignored), so that no handler of the parent's can run in the child,
// on the parent's memory, once its mask is the parent's again. Only those
// `mask` lets through: the parent's system mode holds the rest (a few
// queries, not 64, while the parent waits), and what the callsets unblock
// next is clean by then (Control resets every disposition first; a
// Scheduler's held signals are read by signalfd, never caught). In the
// child: raw rt_sigaction.
void DropHandlers(const sigset_t& mask) {
  for (int signo = 1; signo <= 64; ++signo) {  // the kernel's 64
    if (signo == SIGKILL || signo == SIGSTOP || HasSignal(mask, signo)) {
      continue;
    }
    KernelSigaction current = {};
    if (syscall(SYS_rt_sigaction, signo, nullptr, &current,
                sizeof current.mask) != 0) {
      continue;  // not a signal of this kernel's
    }
    if (current.handler == reinterpret_cast<uintptr_t>(SIG_DFL) ||
        current.handler == reinterpret_cast<uintptr_t>(SIG_IGN)) {
      continue;
    }
    KernelSigaction dfl = {};
    (void)syscall(SYS_rt_sigaction, signo, &dfl, nullptr, sizeof dfl.mask);
  }
}

// The vfork child: a descriptor table of its own, the callsets' child
// phases (VforkCallsets), then the same set-up as a forked child. Runs on
// the parent's memory while the parent is suspended: RunChild writes only
// its own stack, its MemoryReport and the process's state; what it calls
// through ChangeDisposition marks the signal in the parent as possibly
// changed (SIGPIPE, SIGHUP), which only makes later children reset it.
int VforkChild(void* arg) {
  const auto* args = static_cast<const VforkChildArgs*>(arg);
  // The parent's mask, as a forked child starts with (the callsets undo
  // part of it), once no handler of the parent's is left to run here.
  DropHandlers(args->parent_mask);
  ChangeSignalMask(SIG_SETMASK, &args->parent_mask, nullptr);
  if (args->unshare_from >= 0 &&
      syscall(SYS_close_range, static_cast<unsigned>(args->unshare_from), ~0U,
              CLOSE_RANGE_UNSHARE) != 0) {
    // Still on the parent's table: report, and touch no descriptor.
    Fail(args->fds.report, SpawnStage::kDescriptors, errno);
  }
  args->callsets->RunInChild();
  RunChild(*args->options, *args->prepared, args->fds, -1);
}

// The sanitizers' run-time cannot follow instrumented code onto a stack of
// its own in a child sharing the parent's memory (ASan reports the child's
// frames as overflows): sanitized builds fork.
#if defined(FAULT_SANITIZED) || defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

// Whether CLONE_PIDFD was ignored once (a kernel before 5.2): spawns
// asking for a pidfd then fork, where pidfd_open decides.
std::atomic<bool> g_no_clone_pidfd{false};
// Whether a clone's flags were refused once (EINVAL, ENOSYS: a kernel
// without CLONE_PIDFD, or an emulator refusing some of the flags): every
// spawn then forks.
std::atomic<bool> g_no_clone{false};

// MayWaitOnMount: whether the child's chdir or exec may look a path up on
// a network, FUSE or autofs mount (remote_mounts.h), where a hung server
// would hold the child there, and a parent sharing its memory with it
// suspended with it (PID 1 never waits on a hung server). Decided from
// the mount table, without touching such a path; the table is re-read
// only when it changed (one poll per spawn otherwise). Relative paths
// are taken from the working directory the child will have.
bool MayWaitOnRemote(const SpawnOptions& options, const Prepared& p,
                     const RemoteMounts& mounts);
bool MayWaitOnMount(const SpawnOptions& options, const Prepared& p) {
  static MountTableWatch* const watch = new MountTableWatch();
  const RemoteMounts& mounts = watch->Current();
  return !mounts.empty() && MayWaitOnRemote(options, p, mounts);
}

// MayWaitOnRemote: MayWaitOnMount's answer when some mount is remote. Never
// inlined: its buffers (a path here, a link's target in MayWait: 4 KB
// each) would lie in every spawn's frame, and the pages below them that
// the spawn's callees touch stay resident in PID 1.
ABSL_ATTRIBUTE_NOINLINE bool MayWaitOnRemote(const SpawnOptions& options,
                                             const Prepared& p,
                                             const RemoteMounts& mounts) {
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof cwd) == nullptr) return true;  // unknown: fork
  std::string base = cwd;
  if (!options.working_directory.empty()) {
    if (mounts.MayWait(options.working_directory, base)) return true;
    base = options.working_directory[0] == '/'
               ? options.working_directory
               : absl::StrCat(base, "/", options.working_directory);
  }
  for (const std::string& candidate : p.candidates) {
    if (mounts.MayWait(candidate, base)) return true;
  }
  return false;
}

// CloneSharingMemory: the child by clone(CLONE_VM | CLONE_VFORK), as
// posix_spawn makes it: no copy of PID 1's page tables, and no
// copy-on-write faults in the parent afterwards (issue #26: both grew
// with PID 1's size; fork's page-table copy was most of PID 1's start-up
// CPU at 4,000 services). With close_other_fds, also CLONE_FILES and the
// slots (Slots): the child's table holds a few descriptors, not PID 1's.
// The parent is suspended until the child has exec'd or exited, so a
// spawn whose set-up may wait (a terminal, a file for stdin: a FIFO's open
// waits for a writer), or one whose chdir or exec may wait on a network or
// FUSE mount (MayWaitOnMount), forks instead. `pidfd`, when not null, gets the
// child's pidfd from the same clone (CLONE_PIDFD), so the child need not
// wait for it. Returns the pid; 0 when this way is not available (the
// caller forks: some child callback is fork-only, no stack could be
// mapped, no CLONE_PIDFD); else -errno of the clone, nothing running.
pid_t CloneSharingMemory(const SpawnOptions& options, const Prepared& p,
                         int report_fd, MemoryReport* memory, UniqueFd* pidfd) {
  if (!options.terminal.empty() || !options.stdin_path.empty()) return 0;
  if (kSanitized || g_no_clone.load()) return 0;
  if (pidfd != nullptr && g_no_clone_pidfd.load()) return 0;
  if (MayWaitOnMount(options, p)) return 0;
  VforkCallsets callsets;
  if (!callsets.Begin()) return 0;
  bool shared_stack = false;
  void* stack = SpawnStack().Take(&shared_stack);
  if (stack == nullptr) return 0;
  VforkChildArgs args{
      &options, &p, &callsets, OptionsFds(options, report_fd), -1, NoSignals()};
  int flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
  Slots& slots = SpawnSlots();
  bool slots_taken = false;
  // Listen fds are many and anywhere in the table: the child copies it.
  if (options.close_other_fds && options.listen_fds.empty() &&
      !slots.busy.exchange(true)) {
    slots_taken = true;
    if (slots.SetUp() && slots.Fill(args.fds, &args.fds)) {
      flags |= CLONE_FILES;
      args.unshare_from = slots.last + 1;
    }
  }
  // No handler of the parent's may run in the child (it would run on the
  // parent's memory): every signal blocked across the clone, the child
  // starting so (the callsets then set its mask).
  sigset_t all = AllSignals();
  ChangeSignalMask(SIG_SETMASK, &all, &args.parent_mask);
  MemoryReport* const outer_memory = t_memory_report;
  t_memory_report = memory;
  int fd = -1;
  pid_t pid = -1;
  int error = 0;
  for (;;) {
    const int with = pidfd != nullptr ? flags | CLONE_PIDFD : flags;
    pid = clone(&VforkChild, static_cast<char*>(stack) + kVforkStack, with,
                &args, &fd, nullptr, nullptr);
    // The child's errno is this thread's: read only when nothing ran.
    error = pid < 0 ? errno : 0;
    // Out of descriptors for the pidfd: the child runs without one (its
    // exit comes through SIGCHLD), as where pidfd_open fails so.
    if (pid < 0 && pidfd != nullptr && (error == EMFILE || error == ENFILE)) {
      pidfd = nullptr;
      continue;
    }
    break;
  }
  t_memory_report = outer_memory;
  ChangeSignalMask(SIG_SETMASK, &args.parent_mask, nullptr);
  if (flags & CLONE_FILES) slots.Empty();
  if (slots_taken) slots.busy.store(false);
  SpawnStack().Give(stack, shared_stack);
  callsets.End();
  if (pid < 0) {
    // Flags this kernel (or emulator) refuses: fork, now and from now on.
    if (error == EINVAL || error == ENOSYS) {
      g_no_clone.store(true);
      return 0;
    }
    return -error;
  }
  if (pidfd != nullptr) {
    if (fd < 0) g_no_clone_pidfd.store(true);  // a kernel that ignored it
    *pidfd = UniqueFd(fd);
  }
  return pid;
}

// Reap waits for a child that failed or was killed before exec. With
// SIGCHLD ignored the kernel reaps it, and waitpid fails with ECHILD once
// it has exited.
void Reap(pid_t pid) {
  int ignored = 0;
  while (waitpid(pid, &ignored, 0) < 0 && errno == EINTR) {
  }
}

// FailedSpawn: the error of a child that reported `failure` before exec.
// `path`: the PATH searched for `program` (empty for a path).
ABSL_ATTRIBUTE_NOINLINE Status FailedSpawn(const std::string& program,
                                           const std::string& path,
                                           const Failure& failure) {
  auto stage = static_cast<SpawnStage>(failure.stage);
  if (stage == SpawnStage::kExec) {
    if (failure.error == ENOENT) {
      return Status(
          StatusCode::kNotFound,
          program.find('/') != std::string::npos
              ? absl::StrCat("unable to execute ", program,
                             ": No such file or directory")
              : absl::StrCat("unable to execute ", program,
                             ": command not found in PATH (", path, ")"),
          ENOENT);
    }
    return Status(StatusCode::kPermissionDenied,
                  absl::StrCat("unable to execute ", program, ": ",
                               strerror(failure.error)),
                  failure.error);
  }
  if (stage == SpawnStage::kResourceLimits) {
    auto value = [](uint64_t v) {
      return v == RLIM_INFINITY ? std::string("infinity") : absl::StrCat(v);
    };
    return Status(StatusCode::kAborted,
                  absl::StrCat("unable to spawn ", program, ": setting ",
                               ResourceLimitKey(failure.resource), "=",
                               value(failure.soft), ":", value(failure.hard),
                               ": ", strerror(failure.error)),
                  failure.error);
  }
  return Status(
      StatusCode::kAborted,
      absl::StrCat("unable to spawn ", program, ": ", SpawnStageName(stage),
                   ": ", strerror(failure.error)),
      failure.error);
}

}  // namespace

absl::string_view SpawnStageName(SpawnStage stage) {
  switch (stage) {
    case SpawnStage::kProcessGroup:
      return "setting the process group";
    case SpawnStage::kTerminal:
      return "taking the terminal's foreground";
    case SpawnStage::kSession:
      return "starting a session";
    case SpawnStage::kParentDeathSignal:
      return "setting the parent-death signal";
    case SpawnStage::kSignals:
      return "restoring the signal state";
    case SpawnStage::kDirectory:
      return "changing directory";
    case SpawnStage::kDescriptors:
      return "setting up stdin, stdout and stderr";
    case SpawnStage::kCredentials:
      return "setting the user and groups";
    case SpawnStage::kExec:
      return "executing the command";
    case SpawnStage::kResourceLimits:
      return "setting the resource limits";
    case SpawnStage::kNice:
      return "setting the nice value";
    case SpawnStage::kOomScoreAdjust:
      return "setting the OOM score adjustment";
    case SpawnStage::kIoPriority:
      return "setting the I/O priority";
    case SpawnStage::kCpuScheduling:
      return "setting the CPU scheduling policy";
    case SpawnStage::kCpuAffinity:
      return "setting the CPU affinity";
    case SpawnStage::kCapabilities:
      return "setting the capabilities";
    case SpawnStage::kSecureBits:
      return "setting the secure bits";
    case SpawnStage::kNoNewPrivileges:
      return "setting no-new-privileges";
    case SpawnStage::kTerminalOpen:
      return "opening the terminal (TTYPath=)";
    case SpawnStage::kStdinFile:
      return "opening the file for stdin";
  }
  return "starting";
}

namespace {

// Started: StartSpawn's answer for `pid`.
StartedSpawn Started(pid_t pid, UniqueFd report, const std::string& program,
                     const SpawnOptions& options) {
  StartedSpawn started;
  started.pid = pid;
  started.report = std::move(report);
  started.program = program;
  if (program.find('/') == std::string::npos) {
    started.path = LookupPath(options);
  }
  return started;
}

}  // namespace

StatusOr<StartedSpawn> StartSpawn(const SpawnOptions& options) {
  if (options.argv.empty() || options.argv[0].empty()) {
    return InvalidArgumentError("unable to spawn: no command given");
  }
  const std::string& program = Program(options);
  Prepared prepared = Prepare(options);

  // The child reads the initial signal state: captured here if not yet,
  // not in the child (a function-local static, whose first use is not
  // async-signal-safe).
  (void)InitialSignalState();
  // Sharing memory where it can, the report in memory (no pipe: issue
  // #26, a pipe, its watch and three closes per spawn); else fork, below.
  if (options.pidfd != nullptr) options.pidfd->Reset();
  MemoryReport memory;
  const pid_t cloned =
      CloneSharingMemory(options, prepared, -1, &memory, options.pidfd);
  if (cloned < 0) {
    return ErrnoToStatus(
        -cloned, absl::StrCat("unable to spawn ", program, ": unable to fork"));
  }
  if (cloned > 0) {
    StartedSpawn started = Started(cloned, UniqueFd(), program, options);
    if (memory.failed) {
      started.reported =
          FailedSpawn(started.program, started.path, memory.failure);
    }
    return started;
  }
  // Non-blocking at both ends: the parent reads it when the loop says it
  // is readable; the child's one write of 8 bytes into an empty pipe
  // cannot block anyway.
  FAULT_ASSIGN_OR_RETURN(Pipe report, MakePipe(O_NONBLOCK));
  // With a pidfd asked for, the child waits for the end of `go`.
  Pipe go;
  if (options.pidfd != nullptr) {
    FAULT_ASSIGN_OR_RETURN(go, MakePipe());
  }
  (void)fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    return ErrnoToStatus(
        errno, absl::StrCat("unable to spawn ", program, ": unable to fork"));
  }
  if (pid == 0) {
    report.read.Reset();
    go.write.Reset();
    RunChild(options, prepared, OptionsFds(options, report.write.get()),
             go.read.get());
  }
  report.write.Reset();
  if (go.read) {
    UniqueFd pidfd = OpenPidfd(pid);
    // Out of descriptors (or no pidfd_open): the caller watches the child
    // through SIGCHLD instead (see spawn.h).
    if (!pidfd && errno != ENOSYS && errno != EMFILE && errno != ENFILE) {
      const int error = errno;
      kill(pid, SIGKILL);
      Reap(pid);
      return ErrnoToStatus(error, absl::StrCat("unable to spawn ", program,
                                               ": unable to open its pidfd"));
    }
    go.write.Reset();  // the child goes on
    *options.pidfd = std::move(pidfd);
  }
  return Started(pid, std::move(report.read), program, options);
}

std::optional<Status> ReadSpawnReport(StartedSpawn& spawn) {
  if (!spawn.report) {
    Status known = std::move(spawn.reported);
    spawn.reported = OkStatus();
    return known;
  }
  Failure failure;
  ssize_t n = ReadFull(spawn.report.get(), &failure, sizeof failure);
  if (n == -EAGAIN) return std::nullopt;
  spawn.report.Reset();
  if (n == 0) return OkStatus();  // exec'd: the pipe closed on exec
  if (n != static_cast<ssize_t>(sizeof failure)) {
    return InternalError(absl::StrCat("unable to spawn ", spawn.program,
                                      ": the child failed without a report"));
  }
  return FailedSpawn(spawn.program, spawn.path, failure);
}

StatusOr<pid_t> Spawn(const SpawnOptions& options) {
  FAULT_ASSIGN_OR_RETURN(StartedSpawn started, StartSpawn(options));
  // Wait in the read itself, as a blocking descriptor does; poll only if
  // the descriptor could not be made blocking.
  const int fd = started.report.get();  // -1: the answer is known
  const int flags = fd >= 0 ? fcntl(fd, F_GETFL) : -1;
  if (flags >= 0) (void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  std::optional<Status> report;
  while (!(report = ReadSpawnReport(started))) {
    struct pollfd readable = {fd, POLLIN, 0};
    (void)poll(&readable, 1, -1);  // EINTR: read again
  }
  if (report->ok()) return started.pid;
  // The child failed before exec and is exiting: reap it.
  if (options.pidfd != nullptr) options.pidfd->Reset();
  Reap(started.pid);
  return *report;
}

}  // namespace fault
