#include "init/system/unit_exit_status.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "init/system/exec_command.h"
#include "runtime/signals.h"

namespace faultinit {
namespace {

struct ExitCodeName {
  absl::string_view name;
  int code;
};

// systemd's exit_status_mappings: libc, LSB's codes for init scripts,
// BSD's sysexits.h, and systemd's own (200 and up, 255).
constexpr ExitCodeName kExitCodeNames[] = {
    {"SUCCESS", 0},
    {"FAILURE", 1},
    {"INVALIDARGUMENT", 2},
    {"NOTIMPLEMENTED", 3},
    {"NOPERMISSION", 4},
    {"NOTINSTALLED", 5},
    {"NOTCONFIGURED", 6},
    {"NOTRUNNING", 7},
    {"USAGE", 64},
    {"DATAERR", 65},
    {"NOINPUT", 66},
    {"NOUSER", 67},
    {"NOHOST", 68},
    {"UNAVAILABLE", 69},
    {"SOFTWARE", 70},
    {"OSERR", 71},
    {"OSFILE", 72},
    {"CANTCREAT", 73},
    {"IOERR", 74},
    {"TEMPFAIL", 75},
    {"PROTOCOL", 76},
    {"NOPERM", 77},
    {"CONFIG", 78},
    {"CHDIR", 200},
    {"NICE", 201},
    {"FDS", 202},
    {"EXEC", 203},
    {"MEMORY", 204},
    {"LIMITS", 205},
    {"OOM_ADJUST", 206},
    {"SIGNAL_MASK", 207},
    {"STDIN", 208},
    {"STDOUT", 209},
    {"CHROOT", 210},
    {"IOPRIO", 211},
    {"TIMERSLACK", 212},
    {"SECUREBITS", 213},
    {"SETSCHEDULER", 214},
    {"CPUAFFINITY", 215},
    {"GROUP", 216},
    {"USER", 217},
    {"CAPABILITIES", 218},
    {"CGROUP", 219},
    {"SETSID", 220},
    {"CONFIRM", 221},
    {"STDERR", 222},
    {"PAM", 224},
    {"NETWORK", 225},
    {"NAMESPACE", 226},
    {"NO_NEW_PRIVILEGES", 227},
    {"SECCOMP", 228},
    {"SELINUX_CONTEXT", 229},
    {"PERSONALITY", 230},
    {"APPARMOR", 231},
    {"ADDRESS_FAMILIES", 232},
    {"RUNTIME_DIRECTORY", 233},
    {"CHOWN", 235},
    {"SMACK_PROCESS_LABEL", 236},
    {"KEYRING", 237},
    {"STATE_DIRECTORY", 238},
    {"CACHE_DIRECTORY", 239},
    {"LOGS_DIRECTORY", 240},
    {"CONFIGURATION_DIRECTORY", 241},
    {"NUMA_POLICY", 242},
    {"EXCEPTION", 255},
};

fault::Status KeyError(absl::string_view key, absl::string_view message) {
  return fault::InvalidArgumentError(absl::StrCat(key, ": ", message));
}

// Applies a list to `set`: systemd reads each word as an exit code first,
// then as a signal.
fault::Status ParseList(absl::string_view key, absl::string_view value,
                        ExitStatusSet* set) {
  if (value.empty()) {
    *set = ExitStatusSet();
    return fault::OkStatus();
  }
  for (absl::string_view word :
       absl::StrSplit(value, absl::ByAnyChar(" \t\n\r"), absl::SkipEmpty())) {
    fault::StatusOr<int> code = ParseExitCode(word);
    if (code.ok()) {
      set->codes[static_cast<size_t>(*code)] = true;
      continue;
    }
    fault::StatusOr<int> signo = fault::ParseSignal(word);
    if (!signo.ok()) {
      return KeyError(key, absl::StrCat("invalid exit status ", QuoteText(word),
                                        ": expected 0 to 255, an exit "
                                        "status name or a signal name"));
    }
    set->signals[static_cast<size_t>(*signo)] = true;
  }
  return fault::OkStatus();
}

fault::Status SuccessExitStatus(UnitKeyContext& context, absl::string_view key,
                                absl::string_view value) {
  return ParseList(key, value, &context.unit.success_exit_status);
}

fault::Status RestartPreventExitStatus(UnitKeyContext& context,
                                       absl::string_view key,
                                       absl::string_view value) {
  return ParseList(key, value, &context.unit.restart_prevent_exit_status);
}

fault::Status RestartForceExitStatus(UnitKeyContext& context,
                                     absl::string_view key,
                                     absl::string_view value) {
  return ParseList(key, value, &context.unit.restart_force_exit_status);
}

constexpr UnitKey kKeys[] = {
    {UnitSection::kService, "SuccessExitStatus", &SuccessExitStatus},
    {UnitSection::kService, "RestartPreventExitStatus",
     &RestartPreventExitStatus},
    {UnitSection::kService, "RestartForceExitStatus", &RestartForceExitStatus},
};

}  // namespace

const UnitKeyTable kExitStatusKeys = kKeys;

fault::StatusOr<int> ParseExitCode(absl::string_view word) {
  if (!word.empty() &&
      absl::ascii_isdigit(static_cast<unsigned char>(word[0]))) {
    int code = 0;
    bool digits = true;
    for (char c : word) digits = digits && absl::ascii_isdigit(c);
    if (digits && absl::SimpleAtoi(word, &code) && code <= 255) return code;
  } else {
    for (const ExitCodeName& entry : kExitCodeNames) {
      if (entry.name == word) return entry.code;
    }
  }
  return fault::InvalidArgumentError(
      absl::StrCat("invalid exit status ", QuoteText(word)));
}

}  // namespace faultinit
