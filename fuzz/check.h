// File: fuzz/check.h
//
// FUZZ_CHECK: the property checks of the fuzz targets. A failed check
// prints the condition and its place and aborts, which libFuzzer reports
// as a crash (with the input saved as a reproducer) and a corpus test
// (replay_main.cc) as a failure. Unlike assert(), it is never compiled
// out.

#ifndef FAULT_FUZZ_CHECK_H_
#define FAULT_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                               \
  do {                                                                      \
    if (!(condition)) {                                                     \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
                   #condition);                                             \
      std::abort();                                                         \
    }                                                                       \
  } while (0)

#endif  // FAULT_FUZZ_CHECK_H_
