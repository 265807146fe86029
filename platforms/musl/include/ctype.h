// Compatibility for building C++ against musl with Debian's libstdc++
// headers, which were configured for glibc (platforms/musl/BUILD.bazel).
//
// <bits/ctype_base.h> names std::ctype_base's masks after glibc's _IS*
// classification bits. Their values only matter to the std::ctype facet of
// <locale>, which faultinit never uses; they are glibc's, so the headers
// agree with the facet code in libstdc++.a.
#include_next <ctype.h>

#ifndef _ISupper
#define _FAULT_ISBIT(bit) \
  ((bit) < 8 ? ((1 << (bit)) << 8) : ((1 << (bit)) >> 8))
#define _ISupper _FAULT_ISBIT(0)
#define _ISlower _FAULT_ISBIT(1)
#define _ISalpha _FAULT_ISBIT(2)
#define _ISdigit _FAULT_ISBIT(3)
#define _ISxdigit _FAULT_ISBIT(4)
#define _ISspace _FAULT_ISBIT(5)
#define _ISprint _FAULT_ISBIT(6)
#define _ISgraph _FAULT_ISBIT(7)
#define _ISblank _FAULT_ISBIT(8)
#define _IScntrl _FAULT_ISBIT(9)
#define _ISpunct _FAULT_ISBIT(10)
#define _ISalnum _FAULT_ISBIT(11)
#endif
