// Compatibility for building C++ against musl with Debian's libstdc++
// headers, which were configured for glibc (platforms/musl/BUILD.bazel).
//
// <bits/os_defines.h> and <cmath> ask __GLIBC_PREREQ(major, minor) whether
// the C library is glibc of at least that version, in #if lines that do not
// first check that the macro exists. The true answer here is no: the
// headers then take their non-glibc paths (gets declared, as musl does;
// isinf/isnan built in; pthread functions through weak references, the
// single-threaded default for a static binary whose pthread code is not
// linked).
#include_next <features.h>

#ifndef __GLIBC_PREREQ
#define __GLIBC_PREREQ(major, minor) 0
#endif
