#include "init/supervisor/unit_plan.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <limits>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "runtime/exit_status.h"
#include "runtime/fd.h"
#include "runtime/pidfd.h"

namespace faultinit {
namespace {

// The encoding: records of a tag byte and its fields, each field its
// length in decimal, ':', then its bytes.
//   F name                       a file to read
//   B name                       the next unit of the boot order
//   U unit                       a held unit (its errors follow)
//   E file line message          an error of the last U
//   D text                       a reported diagnostic
void Put(std::string* out, absl::string_view field) {
  absl::StrAppend(out, field.size(), ":", field);
}

bool Take(absl::string_view* in, absl::string_view* field) {
  const size_t colon = in->find(':');
  size_t size;
  if (colon == absl::string_view::npos ||
      !absl::SimpleAtoi(in->substr(0, colon), &size) ||
      size > in->size() - colon - 1) {
    return false;
  }
  *field = in->substr(colon + 1, size);
  in->remove_prefix(colon + 1 + size);
  return true;
}

// A held unit's file name: services are kept without their suffix.
std::string FileName(const std::string& name) {
  if (absl::EndsWith(name, ".target")) return name;
  return absl::StrCat(name, ".service");
}

// The most a plan may be: far over what thousands of units make.
constexpr size_t kMaxPlan = 16 << 20;

}  // namespace

UnitPlan PlanOf(const LoadedUnits& held, std::vector<std::string> diagnostics) {
  UnitPlan plan;
  for (const ParsedUnit& parsed : held.units) {
    plan.files.insert(FileName(parsed.unit.name));
    for (const Diagnostic& d : parsed.diagnostics) {
      if (d.severity == Severity::kError) {
        plan.errors[parsed.unit.name].push_back(d);
      }
    }
  }
  for (const ParsedUnit& socket : held.sockets) {
    plan.files.insert(socket.unit.name);
  }
  plan.boot = held.boot;
  plan.diagnostics = std::move(diagnostics);
  return plan;
}

std::string EncodeUnitPlan(const UnitPlan& plan) {
  std::string out;
  for (const std::string& name : plan.files) {
    out += 'F';
    Put(&out, name);
  }
  for (const std::string& name : plan.boot) {
    out += 'B';
    Put(&out, name);
  }
  for (const auto& [unit, errors] : plan.errors) {
    out += 'U';
    Put(&out, unit);
    for (const Diagnostic& d : errors) {
      out += 'E';
      Put(&out, d.file);
      Put(&out, absl::StrCat(d.line));
      Put(&out, d.message);
    }
  }
  for (const std::string& text : plan.diagnostics) {
    out += 'D';
    Put(&out, text);
  }
  return out;
}

std::optional<UnitPlan> DecodeUnitPlan(absl::string_view in) {
  UnitPlan plan;
  std::vector<Diagnostic>* errors = nullptr;
  while (!in.empty()) {
    const char tag = in.front();
    in.remove_prefix(1);
    absl::string_view a, b, c;
    if (!Take(&in, &a)) return std::nullopt;
    switch (tag) {
      case 'F':
        plan.files.emplace(a);
        break;
      case 'B':
        plan.boot.emplace_back(a);
        break;
      case 'U':
        errors = &plan.errors[std::string(a)];
        break;
      case 'E': {
        int line;
        if (errors == nullptr || !Take(&in, &b) || !Take(&in, &c) ||
            !absl::SimpleAtoi(b, &line)) {
          return std::nullopt;
        }
        errors->push_back(
            Diagnostic{std::string(a), line, Severity::kError, std::string(c)});
        break;
      }
      case 'D':
        plan.diagnostics.emplace_back(a);
        break;
      default:
        return std::nullopt;
    }
  }
  return plan;
}

void ApplyUnitPlan(const UnitPlan& plan, LoadedUnits* units) {
  units->boot = plan.boot;
  std::vector<Diagnostic>().swap(units->diagnostics);
  for (ParsedUnit& parsed : units->units) {
    if (plan.files.count(FileName(parsed.unit.name)) == 0) continue;
    // Its warnings too: reported by the child, and of no use after.
    std::vector<Diagnostic>().swap(parsed.diagnostics);
    auto it = plan.errors.find(parsed.unit.name);
    if (it != plan.errors.end()) parsed.diagnostics = it->second;
  }
}

fault::StatusOr<std::string> RunLoaderChild(
    const std::function<std::string()>& fn, fault::Duration limit) {
  fault::StatusOr<fault::Pipe> pipe = fault::MakePipe();
  if (!pipe.ok()) return pipe.status();
  // The child waits for the end of `go` until its pidfd is open: where the
  // kernel reaps PID 1's children (SIGCHLD ignored: Scheduler's kByKernel)
  // waitpid finds nothing, and the status is read back from the pidfd.
  fault::StatusOr<fault::Pipe> go = fault::MakePipe();
  if (!go.ok()) return go.status();
  const pid_t pid = fork();
  if (pid < 0) return fault::ErrnoToStatus(errno, "fork");
  if (pid == 0) {
    // The child: never returns into the caller's code path.
    pipe->read.Reset();
    go->write.Reset();
    char byte;
    while (read(go->read.get(), &byte, 1) < 0 && errno == EINTR) {
    }
    go->read.Reset();
    int status = 1;
    try {
      const std::string result = fn();
      if (fault::WriteAll(pipe->write.get(), result.data(), result.size()) ==
          0) {
        status = 0;
      }
    } catch (...) {
    }
    _exit(status);
  }
  pipe->write.Reset();
  const fault::UniqueFd pidfd = fault::OpenPidfd(pid);
  go->write.Reset();  // the child goes on
  const fault::Duration deadline = fault::MonotonicNow() + limit;
  std::string result;
  fault::Status failed;
  for (;;) {
    const int64_t left =
        fault::ToInt64Milliseconds(deadline - fault::MonotonicNow());
    if (left <= 0) {
      failed = fault::DeadlineExceededError(absl::StrCat(
          "no result within ", fault::ToInt64Seconds(limit), " s"));
      break;
    }
    struct pollfd p = {pipe->read.get(), POLLIN, 0};
    const int n = poll(&p, 1,
                       static_cast<int>(std::min<int64_t>(
                           left, std::numeric_limits<int>::max())));
    if (n < 0 && errno != EINTR) {
      failed = fault::ErrnoToStatus(errno, "poll");
      break;
    }
    if (n <= 0) continue;
    char buffer[4096];
    const ssize_t got = read(pipe->read.get(), buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      failed = fault::ErrnoToStatus(errno, "read");
      break;
    }
    if (got == 0) break;
    if (result.size() + static_cast<size_t>(got) > kMaxPlan) {
      failed = fault::ResourceExhaustedError("result too large");
      break;
    }
    result.append(buffer, static_cast<size_t>(got));
  }
  // Ended (or about to) once its end of the pipe is closed; killed when it
  // is given up on.
  if (!failed.ok()) kill(pid, SIGKILL);
  int wait_status = 0;
  int waited;
  while ((waited = waitpid(pid, &wait_status, 0)) < 0 && errno == EINTR) {
  }
  if (!failed.ok()) return failed;
  if (waited < 0) {
    // Reaped by the kernel: its status was kept for the pidfd.
    const int error = errno;
    if (!pidfd.valid() ||
        fault::ReadReapedExit(pidfd.get(), &wait_status) != 0) {
      return fault::ErrnoToStatus(error, "unable to learn how the child ended");
    }
  }
  if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0) {
    return fault::AbortedError(absl::StrCat(
        "the child ended with ",
        fault::ExitStatus::FromWaitStatus(pid, wait_status).ToString()));
  }
  return result;
}

}  // namespace faultinit
