#include "init/system/unit_dropins.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "init/system/unit_search_path.h"
#include "runtime/fd.h"

namespace faultinit {

std::vector<std::string> DropInDirectories(absl::string_view name) {
  std::vector<std::string> out;
  const size_t dot = name.rfind('.');
  if (dot == absl::string_view::npos) return out;
  const absl::string_view type = name.substr(dot);  // ".service"
  const absl::string_view prefix = name.substr(0, dot);
  out.push_back(absl::StrCat(name, ".d"));
  const size_t at = prefix.find('@');
  if (at != absl::string_view::npos && at + 1 < prefix.size()) {
    out.push_back(absl::StrCat(prefix.substr(0, at + 1), type, ".d"));
  }
  // The dash prefixes, longest first, of the part before any '@'.
  absl::string_view stem = prefix.substr(0, std::min(at, prefix.size()));
  if (!stem.empty() && stem.back() == '-') stem.remove_suffix(1);
  for (size_t dash = stem.rfind('-');
       dash != absl::string_view::npos && dash > 0; dash = stem.rfind('-')) {
    stem = stem.substr(0, dash);
    out.push_back(absl::StrCat(stem, "-", type, ".d"));
  }
  out.push_back(absl::StrCat(type.substr(1), ".d"));
  return out;
}

std::vector<DropInFile> FindDropIns(const std::vector<std::string>& search_path,
                                    absl::string_view name,
                                    const std::vector<std::string>& aliases) {
  std::vector<std::string> names = {std::string(name)};
  names.insert(names.end(), aliases.begin(), aliases.end());
  std::vector<std::string> directories;
  for (const std::string& n : names) {
    for (const std::string& search : search_path) {
      for (const std::string& sub : DropInDirectories(n)) {
        std::string dir = absl::StrCat(search, "/", sub);
        if (std::find(directories.begin(), directories.end(), dir) ==
            directories.end()) {
          directories.push_back(std::move(dir));
        }
      }
    }
  }
  std::map<std::string, DropInFile> by_name;  // sorted by file name
  for (const std::string& dir : directories) {
    DIR* stream = opendir(dir.c_str());
    if (stream == nullptr) continue;
    while (struct dirent* entry = readdir(stream)) {
      absl::string_view file = entry->d_name;
      if (file.empty() || file[0] == '.' || !absl::EndsWith(file, ".conf") ||
          by_name.count(std::string(file)) != 0) {
        continue;
      }
      std::string path = absl::StrCat(dir, "/", file);
      struct stat st;
      if (stat(path.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) continue;
      by_name.emplace(std::string(file),
                      DropInFile{std::string(file), path, IsMaskedPath(path)});
    }
    closedir(stream);
  }
  std::vector<DropInFile> out;
  out.reserve(by_name.size());
  for (auto& [file, drop_in] : by_name) out.push_back(std::move(drop_in));
  return out;
}

fault::StatusOr<std::string> ReadUnitText(const std::string& path) {
  fault::UniqueFd fd(
      open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd.valid()) {
    return fault::InvalidArgumentError(
        absl::StrCat("unable to open: ", strerror(errno)));
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) {
    return fault::InvalidArgumentError(
        absl::StrCat("unable to read: ", strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    return fault::InvalidArgumentError("unable to read: not a regular file");
  }
  auto too_large = [](absl::string_view size) {
    return fault::InvalidArgumentError(
        absl::StrCat("the file is ", size, " bytes, over the limit of ",
                     kMaxUnitFileSize, " (1 MiB); not parsed"));
  };
  if (static_cast<uint64_t>(st.st_size) > kMaxUnitFileSize) {
    return too_large(absl::StrCat(st.st_size));
  }
  fault::StatusOr<std::string> contents =
      fault::ReadAll(fd.get(), kMaxUnitFileSize);
  if (!contents.ok()) {
    if (contents.status().code() == fault::StatusCode::kResourceExhausted) {
      return too_large("more than 1048576");
    }
    return fault::InvalidArgumentError(absl::StrCat(
        "unable to read: ", strerror(contents.status().error_number())));
  }
  return contents;
}

}  // namespace faultinit
