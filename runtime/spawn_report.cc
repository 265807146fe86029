// File: runtime/spawn_report.cc
//
// The failure report between a spawn's child and its parent
// (spawn_report.h), and the stage names (SpawnStageName, spawn.h).

#include "runtime/spawn_report.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "absl/base/attributes.h"
#include "absl/strings/str_cat.h"
#include "runtime/fd.h"

namespace fault {
namespace spawn_internal {
namespace {

thread_local MemoryReport* t_memory_report = nullptr;

}  // namespace

MemoryReport* SwapMemoryReport(MemoryReport* memory) {
  MemoryReport* const outer = t_memory_report;
  t_memory_report = memory;
  return outer;
}

[[noreturn]] void Fail(int report_fd, SpawnStage stage, int error,
                       const ResourceLimit* limit) {
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

}  // namespace spawn_internal

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

}  // namespace fault
