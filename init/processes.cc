#include "init/processes.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "runtime/fd.h"
#include "runtime/signals.h"

namespace faultinit {
namespace {

// What /proc/PID/stat says of one process.
struct ProcessStat {
  char state = 0;  // 'R', 'S', ..., 'Z' (zombie), 'X' (dead)
  pid_t parent = 0;
  pid_t group = 0;
  pid_t session = 0;

  bool Exited() const { return state == 'Z' || state == 'X'; }
};

// Reads "/proc/PID/stat" into `*stat`, or returns false.
bool ReadStat(absl::string_view pid, ProcessStat* stat) {
  std::string path = absl::StrCat("/proc/", pid, "/stat");
  fault::UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return false;
  char buffer[512];
  ssize_t n = fault::ReadFull(fd.get(), buffer, sizeof buffer - 1);
  if (n <= 0) return false;
  absl::string_view text(buffer, static_cast<size_t>(n));
  // "PID (COMM) S PPID PGRP SID ...": COMM may hold spaces and parentheses.
  size_t close = text.rfind(')');
  if (close == absl::string_view::npos || close + 4 > text.size()) return false;
  std::vector<absl::string_view> fields =
      absl::StrSplit(text.substr(close + 2), absl::MaxSplits(' ', 4));
  if (fields.size() < 4 || fields[0].size() != 1) return false;
  stat->state = fields[0][0];
  return absl::SimpleAtoi(fields[1], &stat->parent) &&
         absl::SimpleAtoi(fields[2], &stat->group) &&
         absl::SimpleAtoi(fields[3], &stat->session);
}

// The scanner: calls `visit` with every process in /proc and what its stat
// says; nothing when /proc is not mounted. A process that ends meanwhile
// is skipped.
template <typename Visit>
void ForEachProcess(Visit visit) {
  std::unique_ptr<DIR, int (*)(DIR*)> proc(opendir("/proc"), closedir);
  if (proc == nullptr) return;
  while (struct dirent* entry = readdir(proc.get())) {
    pid_t pid = 0;
    if (!absl::SimpleAtoi(entry->d_name, &pid)) continue;
    ProcessStat stat;
    if (ReadStat(entry->d_name, &stat)) visit(pid, stat);
  }
}

}  // namespace

std::vector<pid_t> ChildrenOf(pid_t parent) {
  std::vector<pid_t> children;
  ForEachProcess([&](pid_t pid, const ProcessStat& stat) {
    if (stat.parent == parent && !stat.Exited()) children.push_back(pid);
  });
  return children;
}

std::vector<ProcessIds> LiveProcesses() {
  std::vector<ProcessIds> processes;
  ForEachProcess([&](pid_t pid, const ProcessStat& stat) {
    if (!stat.Exited()) {
      processes.push_back(ProcessIds{pid, stat.group, stat.session});
    }
  });
  return processes;
}

pid_t ParentOf(pid_t pid) {
  ProcessStat stat;
  return ReadStat(std::to_string(pid), &stat) ? stat.parent : 0;
}

void Leftovers::Signal(int signo, pid_t group) {
  const bool escalated = signo != signal_;
  signal_ = signo;
  char name[12];
  const absl::string_view shown = fault::SignalDisplayName(signo, name);
  if (getpid() == 1) {
    if (escalated) {
      log_.Info("sending SIG", shown, " to every leftover process");
      kill(-1, signo);
    }
    return;
  }
  if (!escalated) return Rescan();
  signalled_.clear();
  // The group may hold processes whose parent still lives.
  if (group > 0 && kill(-group, signo) == 0) {
    log_.Info("sending SIG", shown, " to process group ", group);
  }
  Rescan();
}

void Leftovers::Rescan() {
  if (signal_ == 0 || getpid() == 1) return;  // kill(-1) reached everyone
  char name[12];
  const absl::string_view shown = fault::SignalDisplayName(signal_, name);
  for (pid_t pid : ChildrenOf(getpid())) {
    if (!signalled_.insert(pid).second) continue;
    log_.Info("sending SIG", shown, " to leftover process ", pid);
    kill(pid, signal_);
  }
}

bool HasChildren() {
  siginfo_t info = {};
  return waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == 0;
}

}  // namespace faultinit
