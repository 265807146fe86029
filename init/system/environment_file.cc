#include "init/system/environment_file.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "runtime/fd.h"

namespace faultinit {
namespace {

using fault::InvalidArgumentError;
using fault::Status;
using fault::StatusOr;

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

class Parser {
 public:
  Parser(absl::string_view path, absl::string_view text)
      : path_(path), text_(text) {}

  StatusOr<EnvironmentMap> Parse() {
    if (text_.find('\0') != absl::string_view::npos) {
      size_t at = text_.find('\0');
      int line = 1;
      for (size_t k = 0; k < at; ++k) line += text_[k] == '\n';
      return Error(line, "NUL byte in the file");
    }
    EnvironmentMap env;
    while (pos_ < text_.size()) {
      while (pos_ < text_.size() && IsBlank(text_[pos_])) ++pos_;
      if (pos_ == text_.size()) break;
      char c = text_[pos_];
      if (c == '\n') {
        NextLine();
        continue;
      }
      if (c == '#' || c == ';') {
        SkipLine();
        continue;
      }
      const int entry_line = line_;
      size_t end = text_.find('\n', pos_);
      if (end == absl::string_view::npos) end = text_.size();
      absl::string_view rest = text_.substr(pos_, end - pos_);
      size_t eq = rest.find('=');
      if (eq == absl::string_view::npos) {
        return Error(entry_line,
                     absl::StrCat("expected KEY=VALUE, got ",
                                  QuoteText(absl::StripAsciiWhitespace(rest))));
      }
      absl::string_view key = absl::StripAsciiWhitespace(rest.substr(0, eq));
      if (key.size() > 7 && absl::StartsWith(key, "export") &&
          IsBlank(key[6])) {
        key = absl::StripLeadingAsciiWhitespace(key.substr(7));
      }
      if (!IsValidEnvironmentName(key)) {
        return Error(entry_line,
                     absl::StrCat("invalid variable name ", QuoteText(key)));
      }
      pos_ += eq + 1;
      StatusOr<std::string> value = Value(key, entry_line);
      if (!value.ok()) return value.status();
      env[std::string(key)] = *std::move(value);
    }
    return env;
  }

 private:
  Status Error(int line, absl::string_view message) const {
    return InvalidArgumentError(absl::StrCat(path_, ":", line, ": ", message));
  }

  void NextLine() {
    ++pos_;
    ++line_;
  }

  void SkipLine() {
    while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
  }

  // Value reads from pos_ to the end of the assignment (an unquoted end of
  // line, not consumed, or the end of the text).
  StatusOr<std::string> Value(absl::string_view key, int entry_line) {
    while (pos_ < text_.size() && IsBlank(text_[pos_])) ++pos_;
    std::string value;
    size_t keep = 0;  // value's length without unquoted trailing blanks
    while (pos_ < text_.size() && text_[pos_] != '\n') {
      char c = text_[pos_];
      if (c == '\'' || c == '"') {
        ++pos_;
        bool closed = false;
        while (pos_ < text_.size()) {
          char q = text_[pos_];
          if (q == c) {
            closed = true;
            ++pos_;
            break;
          }
          if (q == '\n') ++line_;
          if (c == '"' && q == '\\' && pos_ + 1 < text_.size()) {
            char next = text_[pos_ + 1];
            if (next == '\n') {  // a continuation inside double quotes
              pos_ += 2;
              ++line_;
              continue;
            }
            if (next == '"' || next == '\\' || next == '$' || next == '`') {
              value.push_back(next);
              pos_ += 2;
              continue;
            }
          }
          value.push_back(q);
          ++pos_;
        }
        if (!closed) {
          return Error(entry_line,
                       absl::StrCat("unbalanced quote in the value of ", key));
        }
        keep = value.size();
      } else if (c == '\\') {
        ++pos_;
        if (pos_ == text_.size()) break;
        if (text_[pos_] == '\n') {  // a continuation
          ++pos_;
          ++line_;
          continue;
        }
        value.push_back(text_[pos_++]);
        keep = value.size();
      } else {
        value.push_back(c);
        ++pos_;
        if (!IsBlank(c)) keep = value.size();
      }
    }
    value.resize(keep);
    return value;
  }

  absl::string_view path_;
  absl::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

StatusOr<EnvironmentMap> ParseEnvironmentFile(absl::string_view path,
                                              absl::string_view contents) {
  return Parser(path, contents).Parse();
}

StatusOr<EnvironmentMap> ReadEnvironmentFile(absl::string_view path) {
  std::string name(path);
  fault::UniqueFd fd(open(name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) {
    return fault::ErrnoToStatus(
        errno, absl::StrCat("unable to read environment file ", path));
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) {
    return fault::ErrnoToStatus(
        errno, absl::StrCat("unable to read environment file ", path));
  }
  if (!S_ISREG(st.st_mode)) {
    return fault::InvalidArgumentError(absl::StrCat(
        "unable to read environment file ", path, ": not a regular file"));
  }
  StatusOr<std::string> contents =
      fault::ReadAll(fd.get(), kMaxEnvironmentFileSize);
  if (!contents.ok()) {
    if (contents.status().code() == fault::StatusCode::kResourceExhausted) {
      return fault::ResourceExhaustedError(
          absl::StrCat("unable to read environment file ", path,
                       ": larger than the limit of ", kMaxEnvironmentFileSize,
                       " bytes (1 MiB)"));
    }
    return fault::Status(
        contents.status().code(),
        absl::StrCat("unable to read environment file ", path, ": ",
                     strerror(contents.status().error_number())),
        contents.status().error_number());
  }
  return ParseEnvironmentFile(path, *contents);
}

}  // namespace faultinit
