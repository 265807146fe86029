// Fuzzes the /etc/fstab parser (init/system/fstab.h): ParseFstab on a whole
// file.
//
// Properties: every diagnostic is one line naming the file and a line
// inside it; every entry's line is inside the file, its mount point is
// absolute (a swap area's excepted) without a trailing slash, and a tag
// source resolves under /dev/disk/.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "fuzz/check.h"
#include "init/system/fstab.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr absl::string_view kPath = "/etc/fstab";
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  int lines = 1;
  for (char c : text) lines += c == '\n';

  const faultinit::Fstab fstab = faultinit::ParseFstab(kPath, text);
  for (const faultinit::Diagnostic& d : fstab.diagnostics) {
    FUZZ_CHECK(d.file == kPath);
    FUZZ_CHECK(d.line >= 1 && d.line <= lines);
    FUZZ_CHECK(d.ToString().find('\n') == std::string::npos);
  }
  for (const faultinit::FstabEntry& e : fstab.entries) {
    FUZZ_CHECK(e.line >= 1 && e.line <= lines);
    if (!e.swap) {
      FUZZ_CHECK(!e.where.empty() && e.where[0] == '/');
      FUZZ_CHECK(e.where == "/" || e.where.back() != '/');
    }
    if (absl::StartsWith(e.spec, "UUID=") ||
        absl::StartsWith(e.spec, "LABEL=")) {
      FUZZ_CHECK(absl::StartsWith(e.what, "/dev/disk/by-"));
      FUZZ_CHECK(e.IsDevice());
    }
  }
  return 0;
}
