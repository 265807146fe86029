// Compatibility for building C++ against musl with Debian's libstdc++
// headers, which were configured for glibc (platforms/musl/BUILD.bazel).
//
// <bits/os_defines.h> asks __GLIBC_PREREQ(major, minor) which C library
// features exist. musl has the newer behaviour each question is about (no
// gets, no obsolete isinf/isnan, pthread functions in libc), so every
// answer is yes.
#include_next <features.h>

#ifndef __GLIBC_PREREQ
#define __GLIBC_PREREQ(major, minor) 1
#endif
