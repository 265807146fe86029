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

// Reads "/proc/PID/stat" and returns its state and parent, or false.
bool ReadStat(absl::string_view pid, char* state, pid_t* ppid) {
  std::string path = absl::StrCat("/proc/", pid, "/stat");
  fault::UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return false;
  char buffer[512];
  ssize_t n = fault::ReadFull(fd.get(), buffer, sizeof buffer - 1);
  if (n <= 0) return false;
  absl::string_view stat(buffer, static_cast<size_t>(n));
  // "PID (COMM) S PPID ...": COMM may hold spaces and parentheses.
  size_t close = stat.rfind(')');
  if (close == absl::string_view::npos || close + 4 > stat.size()) return false;
  std::vector<absl::string_view> fields =
      absl::StrSplit(stat.substr(close + 2), absl::MaxSplits(' ', 2));
  if (fields.size() < 2 || fields[0].size() != 1) return false;
  *state = fields[0][0];
  return absl::SimpleAtoi(fields[1], ppid);
}

}  // namespace

std::vector<pid_t> ChildrenOf(pid_t parent) {
  std::vector<pid_t> children;
  std::unique_ptr<DIR, int (*)(DIR*)> proc(opendir("/proc"), closedir);
  if (proc == nullptr) return children;
  while (struct dirent* entry = readdir(proc.get())) {
    pid_t pid = 0;
    if (!absl::SimpleAtoi(entry->d_name, &pid)) continue;
    char state = 0;
    pid_t ppid = 0;
    if (ReadStat(entry->d_name, &state, &ppid) && ppid == parent &&
        state != 'Z' && state != 'X') {
      children.push_back(pid);
    }
  }
  return children;
}

pid_t ParentOf(pid_t pid) {
  char state = 0;
  pid_t ppid = 0;
  return ReadStat(std::to_string(pid), &state, &ppid) ? ppid : 0;
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
