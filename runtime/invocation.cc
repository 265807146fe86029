#include "runtime/invocation.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <utility>

#include "runtime/fs.h"
#include "runtime/status.h"

namespace fault {
namespace {

// FindInEnvp returns the value of the first `name=value` entry of `envp`, or
// null; like getenv, an empty name is never found.
const char* FindInEnvp(const char* const* envp, absl::string_view name) {
  if (envp == nullptr || name.empty() ||
      memchr(name.data(), '\0', name.size()) != nullptr) {
    return nullptr;
  }
  for (const char* const* entry = envp; *entry != nullptr; ++entry) {
    const char* text = *entry;
    if (strncmp(text, name.data(), name.size()) == 0 &&
        text[name.size()] == '=') {
      return text + name.size() + 1;
    }
  }
  return nullptr;
}

}  // namespace

void Invocation::ProcessExit(int result) { exit(result); }

void Invocation::ImmediateExit(int result) { _exit(result); }

Invocation::Invocation(ExitMethod exit_method, const Invocation* context)
    : exit_method_(std::move(exit_method)), context_(context) {}

Invocation Invocation::System(int argc, const char* const* argv,
                              const char* const* envp,
                              absl::Span<const absl::string_view> imports,
                              ExitMethod exit_method,
                              const Invocation* context) {
  Invocation invocation(std::move(exit_method), context);
  std::vector<std::string> command_line;
  for (int i = 0; i < argc && argv != nullptr && argv[i] != nullptr; ++i) {
    command_line.emplace_back(argv[i]);
  }
  if (!command_line.empty()) {
    invocation.command_name_ = command_line.front();
    invocation.arguments_.assign(command_line.begin() + 1, command_line.end());
  }
  for (absl::string_view name : imports) {
    if (invocation.environment_.find(name) != invocation.environment_.end()) {
      continue;
    }
    const char* value = FindInEnvp(envp, name);
    if (value != nullptr) {
      invocation.environment_.emplace(std::string(name), value);
    }
  }
  invocation.fs_pwd_ = FsPwd().value_or(std::string());
  invocation.parameters_["type"] = std::string("system");
  invocation.parameters_["system"] = std::move(command_line);
  return invocation;
}

void Invocation::Imports(absl::Span<const absl::string_view> names) {
  for (absl::string_view name : names) {
    if (environment_.find(name) != environment_.end()) continue;
    const std::string key(name);
    const char* value = getenv(key.c_str());
    if (value != nullptr) environment_.emplace(key, value);
  }
}

void Invocation::Exit(int result) const {
  if (exit_method_) exit_method_(result);
  _exit(result);
}

}  // namespace fault
