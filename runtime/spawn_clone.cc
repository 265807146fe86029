// File: runtime/spawn_clone.cc
//
// The child cloned sharing memory (spawn_clone.h): its stack, its entry
// point and the decision to clone or fork.

#include "runtime/spawn_clone.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <string>

#include "absl/base/attributes.h"
#include "absl/strings/str_cat.h"
#include "runtime/callsets.h"
#include "runtime/remote_mounts.h"
#include "runtime/signal_set.h"
#include "runtime/signal_state.h"
#include "runtime/spawn_child.h"
#include "runtime/spawn_child_fds.h"
#include "runtime/spawn_slots.h"

namespace fault {
namespace spawn_internal {
namespace {

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

}  // namespace

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
  MemoryReport* const outer_memory = SwapMemoryReport(memory);
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
  (void)SwapMemoryReport(outer_memory);
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

}  // namespace spawn_internal
}  // namespace fault
