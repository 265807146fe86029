#include "init/system/getty_generator.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "init/system/unit_name.h"

namespace faultinit {
namespace {

constexpr absl::string_view kSerialGetty = "serial-getty@.service";

std::vector<absl::string_view> Words(absl::string_view text) {
  return absl::StrSplit(text, absl::ByAnyChar(" \t\n"), absl::SkipEmpty());
}

// systemd's parse_boolean; nullopt for another word.
std::optional<bool> ParseBoolean(absl::string_view word) {
  const std::string w = absl::AsciiStrToLower(word);
  if (w == "1" || w == "yes" || w == "y" || w == "true" || w == "t" ||
      w == "on") {
    return true;
  }
  if (w == "0" || w == "no" || w == "n" || w == "false" || w == "f" ||
      w == "off") {
    return false;
  }
  return std::nullopt;
}

// systemd's tty_is_vc: tty0 (resolved by systemd to the current VT) and
// ttyN with N from 1 to 63.
bool IsVirtualTerminal(absl::string_view tty) {
  if (!absl::ConsumePrefix(&tty, "tty") || tty.empty()) return false;
  int n = 0;
  for (char c : tty) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return absl::SimpleAtoi(tty, &n) && n >= 0 && n <= 63;
}

}  // namespace

GettyHost SystemGettyHost() {
  GettyHost host;
  host.is_tty = [](const std::string& tty) {
    const std::string path = absl::StrCat("/dev/", tty);
    const int fd = open(
        path.c_str(), O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return false;
    const bool tty_fd = isatty(fd) == 1;
    close(fd);
    return tty_fd;
  };
  host.exists = [](const std::string& tty) {
    return access(absl::StrCat("/dev/", tty).c_str(), F_OK) == 0;
  };
  return host;
}

std::vector<std::string> SerialGettyUnits(absl::string_view cmdline,
                                          absl::string_view active_consoles,
                                          const GettyHost& host) {
  bool enabled = true;
  std::vector<std::string> consoles;
  for (absl::string_view word : Words(cmdline)) {
    if (word == "systemd.getty_auto") {
      enabled = true;
    } else if (absl::ConsumePrefix(&word, "systemd.getty_auto=")) {
      // An unparsable value is ignored, as systemd warns and ignores it.
      if (std::optional<bool> b = ParseBoolean(word)) enabled = *b;
    } else if (absl::ConsumePrefix(&word, "console=")) {
      consoles.emplace_back(word.substr(0, word.find(',')));
    }
  }
  if (!enabled) return {};
  if (!Words(active_consoles).empty()) {
    consoles.clear();
    for (absl::string_view word : Words(active_consoles)) {
      consoles.emplace_back(word);
    }
  }
  std::vector<std::string> out;
  auto add = [&](absl::string_view tty) {
    absl::ConsumePrefix(&tty, "/dev/");
    std::string unit = InstanceName(kSerialGetty, EscapeUnitNamePath(tty));
    if (unit.empty() || std::find(out.begin(), out.end(), unit) != out.end()) {
      return;
    }
    out.push_back(std::move(unit));
  };
  for (std::string& console : consoles) {
    absl::string_view tty = console;
    absl::ConsumePrefix(&tty, "/dev/");
    if (tty.empty() || IsVirtualTerminal(tty)) continue;
    if (!host.is_tty(std::string(tty))) continue;
    add(tty);
  }
  for (absl::string_view tty :
       {"hvc0", "xvc0", "hvsi0", "sclp_line0", "ttysclp0", "3270/tty1"}) {
    if (host.exists(std::string(tty))) add(tty);
  }
  return out;
}

}  // namespace faultinit
