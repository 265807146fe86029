// File: init/system/source_digest.h
//
// SourceDigest: what a ParsedUnit keeps of the text it was parsed from
// (ParsedUnit::source): 8 bytes that tell one text from another, so that
// a reload sees a changed file or drop-in, held in the string's own
// storage (no allocation). The loader computes it as it reads each file,
// so no unit file's text outlives its parse: a root file system's hundreds
// of files would otherwise sit on PID 1's heap until the layout is built,
// between the blocks PID 1 keeps.
//
// Two texts with the same digest are told apart with a chance of 2^-64
// (64-bit size_t; on 32 bits, a 32-bit hash beside the text's size).
//
// Thread safety: pure; thread-safe, not async-signal-safe.

#ifndef FAULT_INIT_SYSTEM_SOURCE_DIGEST_H_
#define FAULT_INIT_SYSTEM_SOURCE_DIGEST_H_

#include <string>

#include "absl/strings/string_view.h"

namespace faultinit {

// SourceDigest returns the 8-byte digest of `text`.
std::string SourceDigest(absl::string_view text);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_SOURCE_DIGEST_H_
