#include "init/system/unit_specifiers.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "init/system/architecture.h"
#include "init/system/environment_file.h"
#include "init/system/exec_command.h"
#include "runtime/fd.h"

namespace faultinit {
namespace {

using fault::InvalidArgumentError;
using fault::StatusOr;

constexpr size_t kMaxHostFile = 64 * 1024;

class SystemHost : public SpecifierHost {
 public:
  StatusOr<std::string> ReadFile(const std::string& path) override {
    // O_NONBLOCK: a FIFO planted at the path must not block PID 1.
    fault::UniqueFd fd(
        open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
    if (!fd.valid()) {
      return fault::ErrnoToStatus(errno, absl::StrCat("unable to read ", path));
    }
    return fault::ReadAll(fd.get(), kMaxHostFile);
  }
  std::string HostName() override { return Uname().nodename; }
  std::string KernelRelease() override { return Uname().release; }
  std::string Machine() override { return Uname().machine; }
  const char* GetEnv(const char* name) override { return getenv(name); }
  bool IsDirectory(const std::string& path) override {
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  }

 private:
  static struct utsname Uname() {
    struct utsname u = {};
    uname(&u);
    return u;
  }
};

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// systemd's unit_name_path_unescape: "-" is "/"; otherwise "/" and the
// unescaped text, which must not start or end with "/".
StatusOr<std::string> UnescapePath(absl::string_view escaped) {
  if (escaped.empty()) return InvalidArgumentError("empty name");
  if (escaped == "-") return std::string("/");
  FAULT_ASSIGN_OR_RETURN(std::string path, UnescapeUnitName(escaped));
  if (path.front() == '/' || path.back() == '/') {
    return InvalidArgumentError(
        absl::StrCat(QuoteText(escaped), " is not an escaped path"));
  }
  return absl::StrCat("/", path);
}

// A 128-bit ID as systemd prints it: 32 lowercase hex digits. Dashes (the
// boot ID's UUID form) are dropped.
StatusOr<std::string> Id128(SpecifierHost& host, const std::string& path) {
  FAULT_ASSIGN_OR_RETURN(std::string text, host.ReadFile(path));
  std::string id = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  absl::StrReplaceAll({{"-", ""}}, &id);
  bool valid = id.size() == 32;
  for (char c : id) valid = valid && HexDigit(c) >= 0;
  if (!valid) {
    return InvalidArgumentError(absl::StrCat(path, " holds no ID"));
  }
  return id;
}

// One os-release field: /etc/os-release, else /usr/lib/os-release; empty
// when unset, as systemd has it.
StatusOr<std::string> OsRelease(SpecifierHost& host, absl::string_view key) {
  std::string path = "/etc/os-release";
  StatusOr<std::string> text = host.ReadFile(path);
  if (!text.ok()) {
    path = "/usr/lib/os-release";
    text = host.ReadFile(path);
  }
  if (!text.ok()) return text.status();
  FAULT_ASSIGN_OR_RETURN(EnvironmentMap fields,
                         ParseEnvironmentFile(path, *text));
  auto it = fields.find(key);
  return it == fields.end() ? std::string() : it->second;
}

// systemd's path_is_normalized for an absolute path: no "." or ".."
// component, no "//".
bool IsNormalizedPath(absl::string_view path) {
  if (path.find("//") != absl::string_view::npos) return false;
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part == "." || part == "..") return false;
  }
  return true;
}

// %T and %V: systemd's tmp_dir_internal: the first of $TMPDIR, $TEMP and
// $TMP that is set and names a directory by an absolute, normalized path
// (the others passed over), else `fallback`.
std::string TemporaryDirectory(SpecifierHost& host,
                               absl::string_view fallback) {
  for (const char* name : {"TMPDIR", "TEMP", "TMP"}) {
    const char* value = host.GetEnv(name);
    if (value == nullptr || value[0] != '/') continue;
    if (!IsNormalizedPath(value) || !host.IsDirectory(value)) continue;
    return value;
  }
  return std::string(fallback);
}

StatusOr<std::string> PrettyHostName(SpecifierHost& host) {
  StatusOr<std::string> text = host.ReadFile("/etc/machine-info");
  if (text.ok()) {
    StatusOr<EnvironmentMap> fields =
        ParseEnvironmentFile("/etc/machine-info", *text);
    if (fields.ok()) {
      auto it = fields->find("PRETTY_HOSTNAME");
      if (it != fields->end() && !it->second.empty()) return it->second;
    }
  }
  return host.HostName();
}

// The value of specifier `c` for `unit`.
StatusOr<std::string> Specifier(char c, const SpecifierUnit& unit,
                                SpecifierHost& host) {
  const absl::string_view name = unit.name;
  const size_t at = name.find('@');
  const absl::string_view prefix = name.substr(0, at);
  const absl::string_view instance =
      at == absl::string_view::npos ? "" : name.substr(at + 1);
  const size_t dash = prefix.rfind('-');
  const absl::string_view last =
      dash == absl::string_view::npos ? prefix : prefix.substr(dash + 1);
  switch (c) {
    case '%':
      return std::string("%");
    case 'n':
      return absl::StrCat(name, ".service");
    case 'N':
      return std::string(name);
    case 'p':
      return std::string(prefix);
    case 'P':
      return UnescapeUnitName(prefix);
    case 'i':
      return std::string(instance);
    case 'I':
      return UnescapeUnitName(instance);
    case 'j':
      return std::string(last);
    case 'J':
      return UnescapeUnitName(last);
    case 'f':
      return UnescapePath(at == absl::string_view::npos ? prefix : instance);
    case 'y':
      return std::string(unit.path);
    case 'Y': {
      const size_t slash = unit.path.rfind('/');
      if (slash == absl::string_view::npos) return std::string(".");
      return std::string(slash == 0 ? "/" : unit.path.substr(0, slash));
    }
    case 't':
      return std::string("/run");
    case 'S':
      return std::string("/var/lib");
    case 'C':
      return std::string("/var/cache");
    case 'L':
      return std::string("/var/log");
    case 'E':
      return std::string("/etc");
    case 'T':
      return TemporaryDirectory(host, "/tmp");
    case 'V':
      return TemporaryDirectory(host, "/var/tmp");
    case 'D':
      return std::string("/usr/share");
    case 'u':
    case 'g':
      return std::string("root");
    case 'U':
    case 'G':
      return std::string("0");
    case 'h':
      return std::string("/root");
    case 's':
      return std::string("/bin/sh");
    case 'H':
      return host.HostName();
    case 'l': {
      std::string host_name = host.HostName();
      return host_name.substr(0, host_name.find('.'));
    }
    case 'q':
      return PrettyHostName(host);
    case 'm':
      return Id128(host, "/etc/machine-id");
    case 'b':
      return Id128(host, "/proc/sys/kernel/random/boot_id");
    case 'v':
      return host.KernelRelease();
    case 'a':
      return UnameArchitecture(host.Machine());
    case 'o':
      return OsRelease(host, "ID");
    case 'w':
      return OsRelease(host, "VERSION_ID");
    case 'B':
      return OsRelease(host, "BUILD_ID");
    case 'W':
      return OsRelease(host, "VARIANT_ID");
    case 'M':
      return OsRelease(host, "IMAGE_ID");
    case 'A':
      return OsRelease(host, "IMAGE_VERSION");
    case 'd':
      return InvalidArgumentError(
          "the credentials directory: faultinit passes no credentials");
    default:
      return InvalidArgumentError("unknown specifier");
  }
}

}  // namespace

SpecifierHost& SystemSpecifierHost() {
  static SystemHost* host = new SystemHost;
  return *host;
}

StatusOr<std::string> UnescapeUnitName(absl::string_view escaped) {
  std::string out;
  for (size_t i = 0; i < escaped.size(); ++i) {
    const char c = escaped[i];
    if (c == '-') {
      out.push_back('/');
    } else if (c != '\\') {
      out.push_back(c);
    } else {
      int high = i + 3 < escaped.size() && escaped[i + 1] == 'x'
                     ? HexDigit(escaped[i + 2])
                     : -1;
      int low = high >= 0 ? HexDigit(escaped[i + 3]) : -1;
      if (low < 0) {
        return InvalidArgumentError(absl::StrCat(
            "invalid escape in ", QuoteText(escaped), ": expected \\xNN"));
      }
      out.push_back(static_cast<char>(high << 4 | low));
      i += 3;
    }
  }
  return out;
}

StatusOr<std::string> ResolveSpecifiers(absl::string_view value,
                                        const SpecifierUnit& unit,
                                        SpecifierHost& host) {
  if (value.find('%') == absl::string_view::npos) return std::string(value);
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '%') {
      out.push_back(value[i]);
      continue;
    }
    if (i + 1 == value.size()) {
      return InvalidArgumentError(absl::StrCat("lone \"%\" at the end of ",
                                               QuoteText(value),
                                               ": write %% for a literal %"));
    }
    const char c = value[++i];
    StatusOr<std::string> part = Specifier(c, unit, host);
    if (!part.ok()) {
      return InvalidArgumentError(
          absl::StrCat("specifier ", QuoteText(value.substr(i - 1, 2)), " in ",
                       QuoteText(value), ": ", part.status().message()));
    }
    out += *part;
  }
  return out;
}

}  // namespace faultinit
