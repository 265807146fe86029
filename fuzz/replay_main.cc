// File: fuzz/replay_main.cc
//
// The main of the corpus tests (fuzz.bzl): runs a fuzz target's
// LLVMFuzzerTestOneInput on the empty input and on every file of the
// directories (or files) named on the command line, as libFuzzer does
// when it replays a corpus, and fails when a directory holds no file (a
// corpus lost from the build would otherwise pass). A crash or a failed
// FUZZ_CHECK aborts the test, after this program has named the input.

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

bool ReadFile(const std::string& path, std::string* out) {
  FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return false;
  char buffer[65536];
  size_t n;
  out->clear();
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) {
    out->append(buffer, n);
  }
  const bool ok = !std::ferror(file);
  std::fclose(file);
  return ok;
}

// Inputs lists the regular files of `path` (a directory), sorted, or
// `path` itself when it is a file.
std::vector<std::string> Inputs(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return {};
  if (!S_ISDIR(st.st_mode)) return {path};
  std::vector<std::string> files;
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return {};
  while (const dirent* entry = readdir(dir)) {
    const std::string file = path + "/" + entry->d_name;
    if (entry->d_name[0] != '.' && stat(file.c_str(), &st) == 0 &&
        S_ISREG(st.st_mode)) {
      files.push_back(file);
    }
  }
  closedir(dir);
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  LLVMFuzzerTestOneInput(nullptr, 0);
  int status = 0;
  for (int i = 1; i < argc; ++i) {
    const std::vector<std::string> files = Inputs(argv[i]);
    if (files.empty()) {
      std::fprintf(stderr, "replay: no input in %s\n", argv[i]);
      status = 1;
      continue;
    }
    for (const std::string& file : files) {
      std::string data;
      if (!ReadFile(file, &data)) {
        std::fprintf(stderr, "replay: unable to read %s\n", file.c_str());
        status = 1;
        continue;
      }
      std::fprintf(stderr, "replay: %s (%zu bytes)\n", file.c_str(),
                   data.size());
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()),
                             data.size());
    }
    std::printf("replayed %zu inputs from %s\n", files.size(), argv[i]);
  }
  return status;
}
