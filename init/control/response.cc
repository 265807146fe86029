#include "init/control/response.h"

#include <limits>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "init/control/field.h"

namespace faultinit::control {
namespace {

using fault::InvalidArgumentError;
using fault::Status;
using fault::StatusOr;

constexpr size_t kQuotedLineMax = 80;

// Shown returns `text` with its control bytes as \xNN: a message is shown
// on a terminal, on one line, and a malformed line (or a field unescaped
// from it) is exactly what may hold them.
std::string Shown(absl::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

// Malformed quotes the line, shortened to kQuotedLineMax bytes.
Status Malformed(absl::string_view line, absl::string_view why) {
  std::string quoted = Shown(line.substr(0, kQuotedLineMax));
  if (line.size() > kQuotedLineMax) quoted += "...";
  return InvalidArgumentError(
      absl::StrCat("malformed response line \"", quoted, "\": ", why));
}

// ParseDecimal accepts 1 to 20 ASCII digits whose value fits a uint64_t.
bool ParseDecimal(absl::string_view text, uint64_t* value) {
  if (text.empty()) return false;
  uint64_t result = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (result > (std::numeric_limits<uint64_t>::max() - digit) / 10) {
      return false;
    }
    result = result * 10 + digit;
  }
  *value = result;
  return true;
}

StatusOr<ResponseLine> DecodeStatusRow(absl::string_view line,
                                       const std::vector<std::string>& f) {
  if (f.size() != 9) {
    return Malformed(line, absl::StrCat("S takes 9 fields, got ", f.size()));
  }
  StatusRow row;
  if (f[1].empty()) return Malformed(line, "empty NAME");
  if (f[2].empty()) return Malformed(line, "empty STATE");
  row.name = f[1];
  row.state = f[2];
  uint64_t pid = 0;
  if (!ParseDecimal(f[3], &pid) ||
      pid > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Malformed(line, absl::StrCat("invalid PID \"", Shown(f[3]), "\""));
  }
  row.pid = static_cast<int64_t>(pid);
  if (!ParseDecimal(f[4], &row.uptime_seconds)) {
    return Malformed(line,
                     absl::StrCat("invalid UPTIME_S \"", Shown(f[4]), "\""));
  }
  if (!ParseDecimal(f[5], &row.restarts)) {
    return Malformed(line,
                     absl::StrCat("invalid RESTARTS \"", Shown(f[5]), "\""));
  }
  row.last_exit = f[6];
  row.status_text = f[7];
  row.description = f[8];
  return ResponseLine(std::move(row));
}

StatusOr<ResponseLine> DecodeResultRow(absl::string_view line,
                                       const std::vector<std::string>& f) {
  if (f.size() != 3 && f.size() != 4) {
    return Malformed(line,
                     absl::StrCat("R takes 3 or 4 fields, got ", f.size()));
  }
  if (f[1].empty()) return Malformed(line, "empty NAME");
  if (f[2].empty()) return Malformed(line, "empty STATE");
  ResultRow row;
  row.name = f[1];
  row.state = f[2];
  if (f.size() == 4) row.message = f[3];
  return ResponseLine(std::move(row));
}

StatusOr<ResponseLine> DecodeChangeLine(absl::string_view line,
                                        const std::vector<std::string>& f) {
  if (f.size() != 2 && f.size() != 3) {
    return Malformed(line,
                     absl::StrCat("C takes 2 or 3 fields, got ", f.size()));
  }
  if (f[1].empty()) return Malformed(line, "empty KIND");
  ChangeLine change;
  change.kind = f[1];
  if (f.size() == 3) {
    change.names = absl::StrSplit(f[2], ' ', absl::SkipEmpty());
  }
  return ResponseLine(std::move(change));
}

StatusOr<ResponseLine> DecodeErrorLine(absl::string_view line,
                                       const std::vector<std::string>& f) {
  if (f.size() != 2 && f.size() != 3) {
    return Malformed(line,
                     absl::StrCat("ERR takes 2 or 3 fields, got ", f.size()));
  }
  if (f[1].empty()) return Malformed(line, "empty CODE");
  ErrorLine error;
  error.code = ParseErrorCode(f[1]);
  error.code_text = f[1];
  if (f.size() == 3) error.message = f[2];
  return ResponseLine(std::move(error));
}

}  // namespace

std::string EncodeResponseLine(const OkLine&) { return "OK\n"; }

std::string EncodeResponseLine(const ErrorLine& line) {
  return absl::StrCat("ERR\t", ErrorCodeName(line.code), "\t",
                      EscapeField(line.message), "\n");
}

std::string EncodeResponseLine(const StatusRow& row) {
  return absl::StrCat(
      "S\t", EscapeField(row.name), "\t", EscapeField(row.state), "\t", row.pid,
      "\t", row.uptime_seconds, "\t", row.restarts, "\t",
      EscapeField(row.last_exit), "\t", EscapeField(row.status_text), "\t",
      EscapeField(row.description), "\n");
}

std::string EncodeResponseLine(const ResultRow& row) {
  return absl::StrCat("R\t", EscapeField(row.name), "\t",
                      EscapeField(row.state), "\t", EscapeField(row.message),
                      "\n");
}

std::string EncodeResponseLine(const ChangeLine& line) {
  return absl::StrCat("C\t", EscapeField(line.kind), "\t",
                      EscapeField(absl::StrJoin(line.names, " ")), "\n");
}

std::string EncodeResponseLine(const DiagnosticLine& line) {
  return absl::StrCat("D\t", EscapeField(line.text), "\n");
}

std::string EncodeResponseLine(const LogLine& line) {
  return absl::StrCat("L\t", EscapeField(line.text), "\n");
}

StatusOr<ResponseLine> DecodeResponseLine(absl::string_view line) {
  if (line.find('\n') != absl::string_view::npos) {
    return Malformed(line, "holds a newline");
  }
  std::vector<std::string> fields;
  for (absl::string_view wire : absl::StrSplit(line, '\t')) {
    std::optional<std::string> field = UnescapeField(wire);
    if (!field) {
      return Malformed(line, absl::StrCat("field ", fields.size() + 1,
                                          " has an invalid escape"));
    }
    fields.push_back(std::move(*field));
  }
  const std::string& tag = fields[0];
  if (tag == "D" || tag == "L") {
    if (fields.size() != 2) {
      return Malformed(
          line, absl::StrCat(tag, " takes 2 fields, got ", fields.size()));
    }
    if (tag == "D") return ResponseLine(DiagnosticLine{std::move(fields[1])});
    return ResponseLine(LogLine{std::move(fields[1])});
  }
  if (tag == "OK") {
    if (fields.size() != 1) return Malformed(line, "OK takes no fields");
    return ResponseLine(OkLine{});
  }
  if (tag == "ERR") return DecodeErrorLine(line, fields);
  if (tag == "S") return DecodeStatusRow(line, fields);
  if (tag == "R") return DecodeResultRow(line, fields);
  if (tag == "C") return DecodeChangeLine(line, fields);
  if (tag.empty()) return Malformed(line, "empty tag");
  return Malformed(line, "unknown tag");
}

}  // namespace faultinit::control
