// File: runtime/spawn_plan.cc
//
// The spawn's plan (spawn_plan.h): the candidates PATH gives, argv and
// the environment as the child's exec takes them.

#include "runtime/spawn_plan.h"

#include <stdlib.h>

#include "absl/base/attributes.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace fault {
namespace spawn_internal {
namespace {

constexpr char kDefaultPath[] =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

}  // namespace

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

}  // namespace spawn_internal
}  // namespace fault
