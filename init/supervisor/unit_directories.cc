#include "init/supervisor/unit_directories.h"

#include <optional>

#include "init/support/service_directories.h"

namespace faultinit {

fault::Status MakeUnitDirectories(const ExecDirectories& dirs,
                                  const Credentials* credentials) {
  DirectoryOwner owner;
  if (credentials != nullptr) owner = {credentials->uid, credentials->gid};
  for (const ExecDirectory& d : dirs.directories) {
    std::optional<DirectoryOwner> leaf_owner;
    if (d.type != ExecDirectoryType::kConfiguration) leaf_owner = owner;
    FAULT_RETURN_IF_ERROR(MakeServiceDirectory(
        ExecDirectoryRoot(d.type), d.path, dirs.mode(d.type), leaf_owner,
        ExecDirectoryKey(d.type)));
  }
  return fault::OkStatus();
}

fault::Status RemoveRuntimeDirectories(const ExecDirectories& dirs,
                                       bool restarting) {
  switch (dirs.runtime_preserve) {
    case DirectoryPreserve::kYes:
      return fault::OkStatus();
    case DirectoryPreserve::kRestart:
      if (restarting) return fault::OkStatus();
      break;
    case DirectoryPreserve::kNo:
      break;
  }
  fault::Status first;
  for (const ExecDirectory& d : dirs.directories) {
    if (d.type != ExecDirectoryType::kRuntime) continue;
    fault::Status s = RemoveServiceDirectory(ExecDirectoryRoot(d.type), d.path,
                                             ExecDirectoryKey(d.type));
    if (!s.ok() && first.ok()) first = s;
  }
  return first;
}

}  // namespace faultinit
