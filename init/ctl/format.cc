#include "init/ctl/format.h"

#include <algorithm>
#include <array>
#include <vector>

#include "absl/strings/str_cat.h"

namespace faultinit::faultctl {
namespace {

constexpr size_t kColumns = 8;
constexpr absl::string_view kHeader[kColumns] = {
    "NAME",     "STATE",     "PID",    "UPTIME",
    "RESTARTS", "LAST-EXIT", "STATUS", "DESCRIPTION"};
constexpr absl::string_view kGap = "  ";
constexpr char kHex[] = "0123456789abcdef";

// Width counts UTF-8 characters: every byte but continuation bytes.
size_t Width(absl::string_view text) {
  size_t width = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++width;
  }
  return width;
}

// Utf8Length returns the length of the valid UTF-8 sequence at the start
// of `text`, or 0 when it does not start with one.
size_t Utf8Length(absl::string_view text) {
  const unsigned char b0 = static_cast<unsigned char>(text[0]);
  if (b0 < 0x80) return 1;
  size_t length;
  uint32_t min;
  uint32_t code;
  if ((b0 & 0xe0) == 0xc0) {
    length = 2, min = 0x80, code = b0 & 0x1f;
  } else if ((b0 & 0xf0) == 0xe0) {
    length = 3, min = 0x800, code = b0 & 0x0f;
  } else if ((b0 & 0xf8) == 0xf0) {
    length = 4, min = 0x10000, code = b0 & 0x07;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  for (size_t i = 1; i < length; ++i) {
    const unsigned char b = static_cast<unsigned char>(text[i]);
    if ((b & 0xc0) != 0x80) return 0;
    code = (code << 6) | (b & 0x3f);
  }
  if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
    return 0;
  }
  return length;
}

}  // namespace

std::string FormatUptime(uint64_t seconds) {
  struct Unit {
    uint64_t seconds;
    const char* suffix;
  };
  constexpr Unit kUnits[] = {{86400, "d"}, {3600, "h"}, {60, "min"}, {1, "s"}};
  if (seconds == 0) return "0s";
  for (size_t i = 0; i < 4; ++i) {
    const Unit& unit = kUnits[i];
    if (seconds < unit.seconds) continue;
    std::string out = absl::StrCat(seconds / unit.seconds, unit.suffix);
    if (i + 1 < 4) {
      const Unit& next = kUnits[i + 1];
      const uint64_t rest = seconds % unit.seconds / next.seconds;
      if (rest != 0) absl::StrAppend(&out, " ", rest, next.suffix);
    }
    return out;
  }
  return "0s";  // not reached: seconds >= 1
}

std::string DisplayText(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto hex = [&out](unsigned char byte) {
    out += "\\x";
    out += kHex[byte >> 4];
    out += kHex[byte & 0xf];
  };
  while (!text.empty()) {
    const unsigned char c = static_cast<unsigned char>(text[0]);
    size_t length = 1;
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      hex(c);
    } else if ((length = Utf8Length(text)) == 0) {
      hex(c);  // not UTF-8: the byte
      length = 1;
    } else if (length == 2 && c == 0xc2 &&
               static_cast<unsigned char>(text[1]) < 0xa0) {
      hex(c);  // U+0080..U+009F, the C1 controls (0x9b starts a sequence)
      hex(static_cast<unsigned char>(text[1]));
    } else {
      out.append(text.data(), length);
    }
    text.remove_prefix(length);
  }
  return out;
}

namespace {

// Cell: DisplayText, or "-" for nothing.
std::string Cell(absl::string_view text) {
  return text.empty() ? "-" : DisplayText(text);
}

}  // namespace

std::string FormatStatusTable(absl::Span<const control::StatusRow> rows) {
  std::vector<std::array<std::string, kColumns>> cells;
  cells.reserve(rows.size() + 1);
  std::array<std::string, kColumns> header;
  for (size_t c = 0; c < kColumns; ++c) header[c] = std::string(kHeader[c]);
  cells.push_back(header);
  for (const control::StatusRow& row : rows) {
    cells.push_back({
        DisplayText(row.name),
        DisplayText(row.state),
        row.pid == 0 ? std::string("-") : absl::StrCat(row.pid),
        FormatUptime(row.uptime_seconds),
        absl::StrCat(row.restarts),
        Cell(row.last_exit),
        Cell(row.status_text),
        DisplayText(row.description),
    });
  }
  std::array<size_t, kColumns> widths = {};
  for (const auto& line : cells) {
    for (size_t c = 0; c < kColumns; ++c) {
      widths[c] = std::max(widths[c], Width(line[c]));
    }
  }
  std::string out;
  for (const auto& line : cells) {
    std::string text;
    for (size_t c = 0; c < kColumns; ++c) {
      text += line[c];
      if (c + 1 < kColumns) {
        text.append(widths[c] - Width(line[c]), ' ');
        text.append(kGap.data(), kGap.size());
      }
    }
    text.erase(text.find_last_not_of(' ') + 1);
    out += text;
    out += '\n';
  }
  return out;
}

std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  while (!text.empty()) {
    const unsigned char c = static_cast<unsigned char>(text[0]);
    size_t length = 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else if ((length = Utf8Length(text)) == 0) {
          out += "\\udc";  // the byte, as Python's surrogateescape has it
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
          length = 1;
        } else {
          out.append(text.data(), length);
        }
        break;
    }
    text.remove_prefix(length);
  }
  out += '"';
  return out;
}

std::string FormatStatusJson(absl::Span<const control::StatusRow> rows) {
  std::string out = "[";
  for (size_t i = 0; i < rows.size(); ++i) {
    const control::StatusRow& row = rows[i];
    if (i > 0) out += ",";
    absl::StrAppend(&out, "{\"name\":", JsonString(row.name),
                    ",\"state\":", JsonString(row.state), ",\"pid\":", row.pid,
                    ",\"uptime_seconds\":", row.uptime_seconds,
                    ",\"restarts\":", row.restarts,
                    ",\"last_exit\":", JsonString(row.last_exit),
                    ",\"status\":", JsonString(row.status_text),
                    ",\"description\":", JsonString(row.description), "}");
  }
  out += "]\n";
  return out;
}

}  // namespace faultinit::faultctl
