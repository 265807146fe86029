#include "init/system/architecture.h"

#include "absl/strings/match.h"

namespace faultinit {

absl::string_view NativeArchitecture() {
#if defined(__x86_64__)
  return "x86-64";
#elif defined(__i386__)
  return "x86";
#elif defined(__aarch64__) && defined(__AARCH64EB__)
  return "arm64-be";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__arm__) && defined(__ARMEB__)
  return "arm-be";
#elif defined(__arm__)
  return "arm";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64";
#elif defined(__riscv)
  return "riscv32";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return "ppc64-le";
#elif defined(__powerpc64__)
  return "ppc64";
#elif defined(__s390x__)
  return "s390x";
#elif defined(__loongarch64)
  return "loongarch64";
#else
  return "";
#endif
}

std::string UnameArchitecture(absl::string_view m) {
  const bool little = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
  if (m == "x86_64" || m == "amd64") return "x86-64";
  if (m == "i386" || m == "i486" || m == "i586" || m == "i686") return "x86";
  if (m == "aarch64") return "arm64";
  if (m == "aarch64_be") return "arm64-be";
  if (absl::StartsWith(m, "arm")) {
    return absl::EndsWith(m, "b") ? "arm-be" : "arm";
  }
  if (m == "ppc64le") return "ppc64-le";
  if (m == "ppc64") return "ppc64";
  if (m == "ppcle") return "ppc-le";
  if (m == "ppc") return "ppc";
  if (m == "mips64") return little ? "mips64-le" : "mips64";
  if (m == "mips") return little ? "mips-le" : "mips";
  if (m == "sh5") return "sh64";
  if (absl::StartsWith(m, "sh")) return "sh";
  if (m == "parisc64") return "parisc64";
  if (m == "parisc") return "parisc";
  return std::string(m);  // s390x, riscv64, sparc64, loongarch64, alpha...
}

}  // namespace faultinit
