// Fuzzes the control protocol's response decoder
// (init/control/response.h): a whole response, split into lines as
// faultctl reads it, each decoded by DecodeResponseLine; the status rows
// are then shown as faultctl shows them (init/ctl/format.h: the table and
// --json).
//
// Properties: a decoded field, escaped again (init/control/field.h), is
// the wire text it came from (the escaping is one to one); a decoded line
// encoded as the server writes it (EncodeResponseLine) decodes to a line
// that encodes the same; the table has a
// line per row and the header, none with a control character (C0, DEL or
// C1) or a trailing space, all valid UTF-8, and DisplayText of any text
// reads back to that text (it is unambiguous); the JSON is one line of
// valid UTF-8 without C0 control characters, and JsonString of any text
// reads back to its bytes exactly (invalid UTF-8 as \udcNN).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "fuzz/check.h"
#include "init/control/field.h"
#include "init/control/response.h"
#include "init/ctl/format.h"

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

// HasControl: whether `text` holds a C0 control character or, with
// `others`, DEL or a C1 control (U+0080..U+009F, 0xc2 0x80..0x9f in
// UTF-8). JSON needs the C0 ones escaped; the table escapes them all.
bool HasControl(absl::string_view text, bool others) {
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char b = static_cast<unsigned char>(text[i]);
    if (b < 0x20) return true;
    if (!others) continue;
    if (b == 0x7f) return true;
    if (b == 0xc2 && i + 1 < text.size() &&
        static_cast<unsigned char>(text[i + 1]) < 0xa0) {
      return true;
    }
  }
  return false;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// UndoDisplay reads DisplayText's output back: \\, \t, \n, \r, \xNN.
std::optional<std::string> UndoDisplay(absl::string_view shown) {
  std::string out;
  for (size_t i = 0; i < shown.size(); ++i) {
    if (shown[i] != '\\') {
      out += shown[i];
      continue;
    }
    if (++i == shown.size()) return std::nullopt;
    switch (shown[i]) {
      case '\\':
        out += '\\';
        break;
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 'x': {
        if (i + 2 >= shown.size()) return std::nullopt;
        const int high = HexValue(shown[i + 1]);
        const int low = HexValue(shown[i + 2]);
        if (high < 0 || low < 0) return std::nullopt;
        out += static_cast<char>(high * 16 + low);
        i += 2;
        break;
      }
      default:
        return std::nullopt;
    }
  }
  return out;
}

// UndoJson reads JsonString's output back to bytes: the escapes it writes,
// \udcNN as the byte NN (Python's surrogateescape).
std::optional<std::string> UndoJson(absl::string_view quoted) {
  if (quoted.size() < 2 || quoted.front() != '"' || quoted.back() != '"') {
    return std::nullopt;
  }
  const absl::string_view in = quoted.substr(1, quoted.size() - 2);
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '"') return std::nullopt;  // unescaped quote inside
    if (in[i] != '\\') {
      out += in[i];
      continue;
    }
    if (++i == in.size()) return std::nullopt;
    switch (in[i]) {
      case '"':
      case '\\':
        out += in[i];
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {
        if (i + 4 >= in.size()) return std::nullopt;
        int code = 0;
        for (size_t k = 1; k <= 4; ++k) {
          const int digit = HexValue(in[i + k]);
          if (digit < 0) return std::nullopt;
          code = code * 16 + digit;
        }
        i += 4;
        if (code < 0x20) {
          out += static_cast<char>(code);
        } else if (code >= 0xdc80 && code <= 0xdcff) {
          out += static_cast<char>(code - 0xdc00);
        } else {
          return std::nullopt;  // JsonString writes no other \u
        }
        break;
      }
      default:
        return std::nullopt;
    }
  }
  return out;
}

// CheckShown: `text` shown in the table and in JSON reads back exactly.
void CheckShown(absl::string_view text) {
  const std::string shown = faultinit::faultctl::DisplayText(text);
  FUZZ_CHECK(ValidUtf8(shown) && !HasControl(shown, true));
  const std::optional<std::string> back = UndoDisplay(shown);
  FUZZ_CHECK(back.has_value() && *back == text);
  const std::string quoted = faultinit::faultctl::JsonString(text);
  FUZZ_CHECK(ValidUtf8(quoted) && !HasControl(quoted, false));
  const std::optional<std::string> bytes = UndoJson(quoted);
  FUZZ_CHECK(bytes.has_value() && *bytes == text);
}

// Encoded: the line as the server writes it, without its "\n".
std::string Encoded(const faultinit::control::ResponseLine& line) {
  std::string text = std::visit(
      [](const auto& l) { return faultinit::control::EncodeResponseLine(l); },
      line);
  FUZZ_CHECK(!text.empty() && text.back() == '\n');
  text.pop_back();
  FUZZ_CHECK(text.find('\n') == std::string::npos);
  return text;
}

// CheckReencoded: the server's encoding of a decoded line decodes back to
// the same line. An ERR line with a code this side does not know is
// never sent, so it is left out.
void CheckReencoded(const faultinit::control::ResponseLine& line) {
  using faultinit::control::ErrorCode;
  using faultinit::control::ErrorLine;
  if (const auto* error = std::get_if<ErrorLine>(&line)) {
    if (error->code == ErrorCode::kOther) return;
  }
  const std::string once = Encoded(line);
  fault::StatusOr<faultinit::control::ResponseLine> back =
      faultinit::control::DecodeResponseLine(once);
  FUZZ_CHECK(back.ok());
  FUZZ_CHECK(back->index() == line.index());
  FUZZ_CHECK(Encoded(*back) == once);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace faultinit::control;
  using faultinit::faultctl::FormatStatusJson;
  using faultinit::faultctl::FormatStatusTable;
  using faultinit::faultctl::FormatUptime;
  const absl::string_view response(reinterpret_cast<const char*>(data), size);
  std::vector<StatusRow> rows;
  for (absl::string_view line : absl::StrSplit(response, '\n')) {
    CheckShown(line);
    fault::StatusOr<ResponseLine> decoded = DecodeResponseLine(line);
    if (!decoded.ok()) {
      FUZZ_CHECK(decoded.status().message().find("malformed response line") !=
                 absl::string_view::npos);
      FUZZ_CHECK(decoded.status().message().find('\n') ==
                 absl::string_view::npos);
      continue;
    }
    // Every field decoded, each escaped again, is the line as it came:
    // the escaping is one to one, so no two lines mean the same.
    for (absl::string_view wire : absl::StrSplit(line, '\t')) {
      const std::optional<std::string> field = UnescapeField(wire);
      FUZZ_CHECK(field.has_value() && EscapeField(*field) == wire);
    }
    CheckReencoded(*decoded);
    if (const auto* row = std::get_if<StatusRow>(&*decoded)) {
      FUZZ_CHECK(!row->name.empty() && !row->state.empty());
      FUZZ_CHECK(row->pid >= 0);
      FormatUptime(row->uptime_seconds);
      CheckShown(row->name);
      CheckShown(row->status_text);
      rows.push_back(*row);
    } else if (const auto* result = std::get_if<ResultRow>(&*decoded)) {
      FUZZ_CHECK(!result->name.empty() && !result->state.empty());
      CheckShown(result->message);
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
    FUZZ_CHECK(ValidUtf8(lines[i]) && !HasControl(lines[i], true));
    FUZZ_CHECK(!lines[i].empty() && lines[i].back() != ' ');
  }

  const std::string json = FormatStatusJson(rows);
  FUZZ_CHECK(json.size() >= 3 && json.back() == '\n');
  const absl::string_view body(json.data(), json.size() - 1);
  FUZZ_CHECK(body.front() == '[' && body.back() == ']');
  FUZZ_CHECK(ValidUtf8(body) && !HasControl(body, false));
  return 0;
}
