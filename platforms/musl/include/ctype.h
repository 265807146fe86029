// Compatibility for building C++ against musl with Debian's libstdc++
// headers, which were configured for glibc (platforms/musl/BUILD.bazel).
//
// <bits/ctype_base.h> (included through <ios> and <string_view>'s stream
// operators) defines std::ctype_base's masks from glibc's _IS*
// classification bits. Only the classification members of libstdc++'s
// std::ctype facet (is, scan_is, ...) give them meaning, and those read
// glibc's locale tables, which musl does not have: they cannot work in
// these binaries, whatever the values, and are not linked (no_iostream.cc
// keeps the stream and locale start-up out). Distinct bits, so that the
// header compiles.
#include_next <ctype.h>

#ifndef _ISupper
#define _ISupper (1 << 0)
#define _ISlower (1 << 1)
#define _ISalpha (1 << 2)
#define _ISdigit (1 << 3)
#define _ISxdigit (1 << 4)
#define _ISspace (1 << 5)
#define _ISprint (1 << 6)
#define _ISgraph (1 << 7)
#define _ISblank (1 << 8)
#define _IScntrl (1 << 9)
#define _ISpunct (1 << 10)
#define _ISalnum (1 << 11)
#endif
