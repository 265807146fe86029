// Compatibility for building C++ against musl with Debian's libstdc++
// headers, which were configured for glibc (platforms/musl/BUILD.bazel).
//
// <bits/c++locale.h> spells POSIX's locale_t by glibc's internal name. Only
// declarations use it here: libstdc++'s compiled locale code treats the
// object as glibc's locale structure and must not be linked (see ctype.h).
#include_next <locale.h>

#ifndef _FAULT_MUSL_LOCALE_T
#define _FAULT_MUSL_LOCALE_T
typedef locale_t __locale_t;
#endif
