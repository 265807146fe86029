#include "init/system/exec_command.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace faultinit {
namespace {

using fault::InvalidArgumentError;
using fault::Status;
using fault::StatusOr;

// What separates words: systemd's WHITESPACE.
constexpr char kWhitespace[] = " \t\n\r";

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// ParseHex reads `digits` hex digits at text[at]; -1 when there are fewer.
int64_t ParseHex(absl::string_view text, size_t at, size_t digits) {
  if (at + digits > text.size()) return -1;
  int64_t value = 0;
  for (size_t k = 0; k < digits; ++k) {
    int d = HexDigit(text[at + k]);
    if (d < 0) return -1;
    value = value * 16 + d;
  }
  return value;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// DecodeEscape decodes the escape that starts at text[i] (a backslash,
// not the last byte) into `out` and returns the bytes it used. An escape it
// cannot decode (unknown, malformed, or one that makes a NUL byte) is kept
// as written, backslash included, and `*known` is set to false: systemd
// does the same, with a warning.
size_t DecodeEscape(absl::string_view text, size_t i, std::string* out,
                    bool* known) {
  *known = true;
  char c = text[i + 1];
  switch (c) {
    case 'a':
      out->push_back('\a');
      return 2;
    case 'b':
      out->push_back('\b');
      return 2;
    case 'f':
      out->push_back('\f');
      return 2;
    case 'n':
      out->push_back('\n');
      return 2;
    case 'r':
      out->push_back('\r');
      return 2;
    case 't':
      out->push_back('\t');
      return 2;
    case 'v':
      out->push_back('\v');
      return 2;
    case 's':
      out->push_back(' ');
      return 2;
    case '\\':
    case '"':
    case '\'':
      out->push_back(c);
      return 2;
    case 'x': {
      int64_t value = ParseHex(text, i + 2, 2);
      if (value > 0) {
        out->push_back(static_cast<char>(value));
        return 4;
      }
      break;
    }
    case 'u':
    case 'U': {
      size_t digits = c == 'u' ? 4 : 8;
      int64_t cp = ParseHex(text, i + 2, digits);
      if (cp > 0 && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF)) {
        AppendUtf8(static_cast<uint32_t>(cp), out);
        return 2 + digits;
      }
      break;
    }
    default:
      if (c >= '0' && c <= '7' && i + 3 < text.size()) {
        int value = 0;
        bool octal = true;
        for (size_t k = 1; k <= 3; ++k) {
          char d = text[i + k];
          if (d < '0' || d > '7') {
            octal = false;
            break;
          }
          value = value * 8 + (d - '0');
        }
        if (octal && value > 0 && value <= 0377) {
          out->push_back(static_cast<char>(value));
          return 4;
        }
      }
      break;
  }
  *known = false;
  out->push_back('\\');
  out->push_back(c);
  return 2;
}

enum class Mode { kWords, kCommand };

Status SyntaxError(absl::string_view problem, absl::string_view shown,
                   absl::string_view hint = "") {
  return InvalidArgumentError(
      absl::StrCat(problem, " in ", QuoteText(shown), hint));
}

// Unquote is phase 1. `shown` is the text messages quote (the whole value,
// where `text` may be what follows its prefixes).
StatusOr<std::vector<std::string>> Unquote(absl::string_view text,
                                           absl::string_view shown, Mode mode,
                                           std::vector<std::string>* warnings) {
  std::vector<std::string> words;
  const size_t n = text.size();
  size_t i = 0;
  auto escape = [&](std::string* word) {
    bool known = true;
    size_t start = i;
    i += DecodeEscape(text, i, word, &known);
    if (!known && warnings != nullptr) {
      warnings->push_back(absl::StrCat(
          "unknown escape ", QuoteText(text.substr(start, i - start)), " in ",
          QuoteText(shown), ": kept as written"));
    }
  };
  while (true) {
    while (i < n && IsSpace(text[i])) ++i;
    if (i == n) break;
    if (mode == Mode::kCommand) {
      // systemd's checks on the raw text: a bare ";" separated several
      // commands on one line; a bare "\;" is a literal ";".
      if (text[i] == ';' && (i + 1 == n || IsSpace(text[i + 1]))) {
        return SyntaxError(
            "lone \";\"", shown,
            ": several commands on one line are not supported; write one "
            "line per command, or \\; for a literal \";\"");
      }
      if (text[i] == '\\' && i + 1 < n && text[i + 1] == ';' &&
          (i + 2 == n || IsSpace(text[i + 2]))) {
        words.push_back(";");
        i += 2;
        continue;
      }
    }
    std::string word;
    char c = text[i];
    if (c == '"' || c == '\'') {
      const char quote = c;
      ++i;
      bool closed = false;
      while (i < n) {
        if (text[i] == quote) {
          closed = true;
          ++i;
          break;
        }
        if (text[i] == '\\' && i + 1 < n) {
          escape(&word);
        } else {
          word.push_back(text[i++]);
        }
      }
      if (!closed) return SyntaxError("unbalanced quote", shown);
      if (i < n && !IsSpace(text[i])) {
        return SyntaxError("closing quote must be followed by whitespace",
                           shown);
      }
    } else {
      while (i < n && !IsSpace(text[i])) {
        c = text[i];
        if (c == '"' || c == '\'') {
          return SyntaxError(
              "quote in the middle of a word", shown,
              " (a quote may only start a word; write \\\" or \\' for a "
              "literal one)");
        }
        if (c == '\\') {
          if (i + 1 == n) return SyntaxError("trailing backslash", shown);
          escape(&word);
        } else {
          word.push_back(c);
          ++i;
        }
      }
    }
    words.push_back(std::move(word));
  }
  return words;
}

// Substitute expands the inside of one `${...}`.
std::string Substitute(absl::string_view inner, const EnvironmentMap& env) {
  absl::string_view name = inner;
  absl::string_view argument;
  char op = 0;
  if (size_t colon = inner.find(':');
      colon != absl::string_view::npos && colon + 1 < inner.size() &&
      (inner[colon + 1] == '-' || inner[colon + 1] == '+')) {
    name = inner.substr(0, colon);
    op = inner[colon + 1];
    argument = inner.substr(colon + 2);
  }
  auto it = env.find(name);
  absl::string_view value =
      it == env.end() ? absl::string_view() : absl::string_view(it->second);
  if (op == '-') return std::string(value.empty() ? argument : value);
  if (op == '+') return std::string(value.empty() ? "" : argument);
  return std::string(value);
}

Status Unsupported(absl::string_view prefix, absl::string_view meaning,
                   absl::string_view value) {
  return InvalidArgumentError(absl::StrCat("prefix \"", prefix, "\" (", meaning,
                                           ") is not supported in ",
                                           QuoteText(value)));
}

}  // namespace

bool IsValidEnvironmentName(absl::string_view name) {
  if (name.empty() || absl::ascii_isdigit(static_cast<unsigned char>(name[0])))
    return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') {
      return false;
    }
  }
  return true;
}

StatusOr<std::vector<std::string>> UnquoteWords(
    absl::string_view text, std::vector<std::string>* warnings) {
  return Unquote(text, text, Mode::kWords, warnings);
}

void ExpandVariables(absl::string_view word, const EnvironmentMap& env,
                     std::vector<std::string>* out) {
  if (word.size() > 1 && word[0] == '$' &&
      IsValidEnvironmentName(word.substr(1))) {
    auto it = env.find(word.substr(1));
    if (it == env.end()) return;
    for (absl::string_view part : absl::StrSplit(
             it->second, absl::ByAnyChar(kWhitespace), absl::SkipEmpty())) {
      out->emplace_back(part);
    }
    return;
  }
  std::string result;
  size_t i = 0;
  while (i < word.size()) {
    if (word[i] != '$' || i + 1 == word.size()) {
      result.push_back(word[i++]);
      continue;
    }
    char next = word[i + 1];
    if (next == '$') {
      result.push_back('$');
      i += 2;
    } else if (next == '{') {
      size_t close = word.find('}', i + 2);
      if (close == absl::string_view::npos) {
        result.append(word.data() + i, word.size() - i);
        break;
      }
      result += Substitute(word.substr(i + 2, close - (i + 2)), env);
      i = close + 1;
    } else {
      result.push_back(word[i++]);
    }
  }
  out->push_back(std::move(result));
}

StatusOr<std::vector<std::string>> SplitCommandLine(absl::string_view text,
                                                    const EnvironmentMap& env) {
  FAULT_ASSIGN_OR_RETURN(std::vector<std::string> words,
                         Unquote(text, text, Mode::kCommand, nullptr));
  std::vector<std::string> out;
  for (const std::string& word : words) ExpandVariables(word, env, &out);
  return out;
}

StatusOr<ExecLine> ParseExecLine(absl::string_view value) {
  ExecLine line;
  line.raw = std::string(value);
  absl::string_view rest = absl::StripAsciiWhitespace(value);
  size_t prefixes = 0;
  while (!rest.empty()) {
    char c = rest[0];
    if (c == '-' && !line.ignore_failure) {
      line.ignore_failure = true;
    } else if (c == '@' && !line.argv0_given) {
      line.argv0_given = true;
    } else if (c == ':' && line.expand_variables) {
      line.expand_variables = false;
    } else if (c == '+' && line.privileges == ExecPrivileges::kNormal) {
      line.privileges = ExecPrivileges::kFull;
    } else if (c == '!' && line.privileges == ExecPrivileges::kNormal) {
      line.privileges = ExecPrivileges::kNoSetuid;
    } else if (c == '!' && line.privileges == ExecPrivileges::kNoSetuid) {
      line.privileges = ExecPrivileges::kNoSetuidWithoutAmbient;
    } else if (c == '|') {
      return Unsupported("|", "run through the user's shell", value);
    } else {
      break;
    }
    rest.remove_prefix(1);
    ++prefixes;
  }
  if (prefixes > 0 && !rest.empty() && IsSpace(rest[0])) {
    return InvalidArgumentError(
        absl::StrCat("prefix must be followed directly by the executable in ",
                     QuoteText(value)));
  }
  FAULT_ASSIGN_OR_RETURN(line.words,
                         Unquote(rest, value, Mode::kCommand, &line.warnings));
  if (line.words.empty()) {
    return InvalidArgumentError(
        absl::StrCat("missing command in ", QuoteText(value)));
  }
  if (line.argv0_given && line.words.size() < 2) {
    return InvalidArgumentError(
        absl::StrCat("prefix \"@\" needs an executable and an argv[0] in ",
                     QuoteText(value)));
  }
  const std::string& executable = line.words[0];
  if (executable.empty() ||
      (executable[0] != '/' && executable.find('/') != std::string::npos)) {
    return InvalidArgumentError(absl::StrCat(
        "executable ", QuoteText(executable),
        " must be an absolute path or a plain name, in ", QuoteText(value)));
  }
  return line;
}

Command ExpandExecLine(const ExecLine& line, const EnvironmentMap& env) {
  Command command;
  command.executable = line.words[0];
  size_t first_argument = 1;
  if (line.argv0_given) {
    command.argv.push_back(line.words[1]);
    first_argument = 2;
  } else {
    command.argv.push_back(line.words[0]);
  }
  for (size_t k = first_argument; k < line.words.size(); ++k) {
    if (line.expand_variables) {
      ExpandVariables(line.words[k], env, &command.argv);
    } else {
      command.argv.push_back(line.words[k]);
    }
  }
  return command;
}

std::string QuoteText(absl::string_view text) {
  constexpr size_t kShown = 100;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (size_t k = 0; k < text.size() && k < kShown; ++k) {
    unsigned char c = static_cast<unsigned char>(text[k]);
    if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  if (text.size() > kShown) out += "...";
  out += "\"";
  return out;
}

}  // namespace faultinit
