#include "init/supervisor/model/choices.h"

namespace faultinit::model {

uint32_t SeededChoices::Below(uint32_t n) {
  if (n <= 1) return 0;
  // splitmix64: the same sequence on every platform and standard library.
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return static_cast<uint32_t>(z % n);
}

uint32_t ByteChoices::Below(uint32_t n) {
  if (n <= 1) return 0;
  const size_t width = n <= 256 ? 1 : 2;
  if (size_ - used_ < width) {
    exhausted_ = true;
    return 0;
  }
  uint32_t value = data_[used_];
  if (width == 2) value = value << 8 | data_[used_ + 1];
  used_ += width;
  return value % n;
}

uint32_t RecordingChoices::Below(uint32_t n) {
  const uint32_t value = source_.Below(n);
  if (n > 256) bytes_.push_back(static_cast<char>(value >> 8));
  if (n > 1) bytes_.push_back(static_cast<char>(value & 0xff));
  return value;
}

}  // namespace faultinit::model
