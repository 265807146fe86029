// Fuzzes the control protocol's response decoder, client side
// (init/ctl/protocol.h): a whole response, split into lines as faultctl
// reads it, each decoded by DecodeResponseLine; the status rows are then
// shown as faultctl shows them (init/ctl/format.h: the table and --json).
//
// Properties: the table has a line per row and the header, none with a
// control character (C0 or DEL) or a trailing space; the JSON is one line
// of valid UTF-8 without C0 control characters (DEL needs no escape in
// JSON, and format_test.cc keeps it as is); JsonString of any line is
// quoted the same way.

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "fuzz/check.h"
#include "init/ctl/format.h"
#include "init/ctl/protocol.h"

namespace {

// ValidUtf8 checks `text` is well-formed UTF-8 (no overlong forms, no
// surrogates, nothing above U+10FFFF).
bool ValidUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char b = static_cast<unsigned char>(text[i]);
    size_t length;
    uint32_t code;
    uint32_t min;
    if (b < 0x80) {
      ++i;
      continue;
    } else if ((b & 0xe0) == 0xc0) {
      length = 2, code = b & 0x1f, min = 0x80;
    } else if ((b & 0xf0) == 0xe0) {
      length = 3, code = b & 0x0f, min = 0x800;
    } else if ((b & 0xf8) == 0xf0) {
      length = 4, code = b & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      const unsigned char c = static_cast<unsigned char>(text[i + k]);
      if ((c & 0xc0) != 0x80) return false;
      code = (code << 6) | (c & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      return false;
    }
    i += length;
  }
  return true;
}

// HasControl: whether `text` holds a C0 control character or, with `del`,
// DEL. JSON needs the C0 ones escaped; the table shows both as '?'.
bool HasControl(absl::string_view text, bool del) {
  for (char c : text) {
    const unsigned char b = static_cast<unsigned char>(c);
    if (b < 0x20 || (del && b == 0x7f)) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace faultinit::faultctl;
  const absl::string_view response(reinterpret_cast<const char*>(data), size);
  std::vector<StatusRow> rows;
  for (absl::string_view line : absl::StrSplit(response, '\n')) {
    const std::string quoted = JsonString(line);
    FUZZ_CHECK(quoted.size() >= 2 && quoted.front() == '"' &&
               quoted.back() == '"');
    FUZZ_CHECK(ValidUtf8(quoted) && !HasControl(quoted, false));
    fault::StatusOr<ResponseLine> decoded = DecodeResponseLine(line);
    if (!decoded.ok()) {
      FUZZ_CHECK(decoded.status().message().find("malformed response line") !=
                 absl::string_view::npos);
      continue;
    }
    if (const auto* row = std::get_if<StatusRow>(&*decoded)) {
      FUZZ_CHECK(!row->name.empty() && !row->state.empty());
      FUZZ_CHECK(row->pid >= 0);
      FormatUptime(row->uptime_seconds);
      LastExitCell(*row);
      rows.push_back(*row);
    } else if (const auto* result = std::get_if<ResultRow>(&*decoded)) {
      FUZZ_CHECK(!result->name.empty() && !result->state.empty());
    } else if (const auto* change = std::get_if<ChangeLine>(&*decoded)) {
      for (const std::string& name : change->names) {
        FUZZ_CHECK(!name.empty() && name.find(' ') == std::string::npos);
      }
    }
  }

  const std::string table = FormatStatusTable(rows);
  const std::vector<absl::string_view> lines =
      absl::StrSplit(table, '\n');  // the last is empty: after the final \n
  FUZZ_CHECK(lines.size() == rows.size() + 2 && lines.back().empty());
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    FUZZ_CHECK(!HasControl(lines[i], true));
    FUZZ_CHECK(!lines[i].empty() && lines[i].back() != ' ');
  }

  const std::string json = FormatStatusJson(rows);
  FUZZ_CHECK(json.size() >= 3 && json.back() == '\n');
  const absl::string_view body(json.data(), json.size() - 1);
  FUZZ_CHECK(body.front() == '[' && body.back() == ']');
  FUZZ_CHECK(ValidUtf8(body) && !HasControl(body, false));
  return 0;
}
