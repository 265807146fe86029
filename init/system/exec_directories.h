// File: init/system/exec_directories.h
//
// The directories systemd makes for a service before its commands run:
// RuntimeDirectory= (under /run), StateDirectory= (/var/lib),
// CacheDirectory= (/var/cache), LogsDirectory= (/var/log) and
// ConfigurationDirectory= (/etc), their *Mode= and
// RuntimeDirectoryPreserve=, as the unit model holds them (man
// systemd.exec, "Paths"). The keys are parsed by exec_directory_keys.h;
// the directories are made and removed by init/support/service_directories.h.
//
// Values; pure. Thread-compatible.

#ifndef FAULT_INIT_SYSTEM_EXEC_DIRECTORIES_H_
#define FAULT_INIT_SYSTEM_EXEC_DIRECTORIES_H_

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace faultinit {

enum class ExecDirectoryType : uint8_t {
  kRuntime,
  kState,
  kCache,
  kLogs,
  kConfiguration,
};
inline constexpr int kExecDirectoryTypes = 5;

// ExecDirectoryRoot: "/run", "/var/lib", "/var/cache", "/var/log", "/etc".
absl::string_view ExecDirectoryRoot(ExecDirectoryType type);
// ExecDirectoryKey: "RuntimeDirectory", ... (no "=").
absl::string_view ExecDirectoryKey(ExecDirectoryType type);
// ExecDirectoryVariable: "RUNTIME_DIRECTORY", "STATE_DIRECTORY",
// "CACHE_DIRECTORY", "LOGS_DIRECTORY", "CONFIGURATION_DIRECTORY".
absl::string_view ExecDirectoryVariable(ExecDirectoryType type);

// RuntimeDirectoryPreserve=: whether the runtime directories stay when the
// service stops (no: removed at every stop and before an automatic
// restart; restart: kept over automatic restarts, removed at a stop; yes:
// never removed).
enum class DirectoryPreserve : uint8_t { kNo, kYes, kRestart };

// ExecDirectory: one name of one of the keys: a relative path of one or
// more components, none "." or "..", no "//", no trailing "/".
struct ExecDirectory {
  ExecDirectoryType type = ExecDirectoryType::kRuntime;
  std::string path;

  friend bool operator==(const ExecDirectory& a, const ExecDirectory& b) {
    return a.type == b.type && a.path == b.path;
  }
};

// ExecDirectories: what a unit sets of these keys. Small while unset (an
// empty vector and eleven bytes): PID 1 keeps one per service.
struct ExecDirectories {
  // In the order named; each key's names keep their order among
  // themselves.
  std::vector<ExecDirectory> directories;
  // *DirectoryMode=, by ExecDirectoryType; systemd's default 0755 each.
  std::array<uint16_t, kExecDirectoryTypes> modes = {0755, 0755, 0755, 0755,
                                                     0755};
  DirectoryPreserve runtime_preserve = DirectoryPreserve::kNo;

  mode_t mode(ExecDirectoryType type) const {
    return static_cast<mode_t>(modes[static_cast<int>(type)]);
  }
  bool empty() const { return directories.empty(); }
};

// ExecDirectoryPath: the absolute path of `d`, "/run/sshd".
std::string ExecDirectoryPath(const ExecDirectory& d);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_EXEC_DIRECTORIES_H_
