#include "init/system/exec_directories.h"

#include "absl/strings/str_cat.h"

namespace faultinit {
namespace {

struct TypeNames {
  absl::string_view root;
  absl::string_view key;
  absl::string_view variable;
};

constexpr TypeNames kNames[kExecDirectoryTypes] = {
    {"/run", "RuntimeDirectory", "RUNTIME_DIRECTORY"},
    {"/var/lib", "StateDirectory", "STATE_DIRECTORY"},
    {"/var/cache", "CacheDirectory", "CACHE_DIRECTORY"},
    {"/var/log", "LogsDirectory", "LOGS_DIRECTORY"},
    {"/etc", "ConfigurationDirectory", "CONFIGURATION_DIRECTORY"},
};

}  // namespace

absl::string_view ExecDirectoryRoot(ExecDirectoryType type) {
  return kNames[static_cast<int>(type)].root;
}

absl::string_view ExecDirectoryKey(ExecDirectoryType type) {
  return kNames[static_cast<int>(type)].key;
}

absl::string_view ExecDirectoryVariable(ExecDirectoryType type) {
  return kNames[static_cast<int>(type)].variable;
}

std::string ExecDirectoryPath(const ExecDirectory& d) {
  return absl::StrCat(ExecDirectoryRoot(d.type), "/", d.path);
}

}  // namespace faultinit
