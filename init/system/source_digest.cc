#include "init/system/source_digest.h"

#include <cstdint>
#include <cstring>
#include <functional>
#include <string_view>

namespace faultinit {

std::string SourceDigest(absl::string_view text) {
  // std::hash, not absl::Hash: absl/hash/hash.h links libstdc++'s streams
  // into the static binary (see supervisor_entry.h's SourceFingerprint).
  uint64_t hash =
      std::hash<std::string_view>{}(std::string_view(text.data(), text.size()));
  if (sizeof(size_t) < sizeof(uint64_t)) {
    hash = (static_cast<uint64_t>(text.size()) << 32) ^ hash;
  }
  char bytes[sizeof hash];
  std::memcpy(bytes, &hash, sizeof hash);
  return std::string(bytes, sizeof bytes);
}

}  // namespace faultinit
