// fault::ReturnFreedMemory with the C library's malloc (builds without
// malloc_replacement.cc: tests, sanitizers, glibc-linked binaries).

#include <malloc.h>

#include "runtime/heap.h"

namespace fault {

size_t ReturnFreedMemory() {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
  return 0;
}

}  // namespace fault
