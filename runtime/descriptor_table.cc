// File: runtime/descriptor_table.cc

#include "runtime/descriptor_table.h"

#include <fcntl.h>
#include <unistd.h>

namespace fault {

rlim_t DescriptorTableSize() {
  const int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  // "FDSize:" comes early: after the name (64 bytes at most) and the ids,
  // before the groups.
  char text[2048];
  size_t length = 0;
  for (;;) {
    const ssize_t n = read(fd, text + length, sizeof text - length);
    if (n <= 0) break;
    length += static_cast<size_t>(n);
    if (length == sizeof text) break;
  }
  close(fd);
  static const char kKey[] = "\nFDSize:";
  const size_t key_length = sizeof kKey - 1;
  for (size_t at = 0; at + key_length <= length; ++at) {
    size_t k = 0;
    while (k < key_length && text[at + k] == kKey[k]) ++k;
    if (k != key_length) continue;
    size_t i = at + key_length;
    while (i < length && (text[i] == ' ' || text[i] == '\t')) ++i;
    rlim_t size = 0;
    bool digits = false;
    for (; i < length && text[i] >= '0' && text[i] <= '9'; ++i) {
      size = size * 10 + static_cast<rlim_t>(text[i] - '0');
      digits = true;
    }
    // A number cut off by the buffer's end is not trusted.
    return digits && i < length ? size : 0;
  }
  return 0;
}

}  // namespace fault
