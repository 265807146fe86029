// No-op stream initializer for faultinit's static binaries.
//
// Debian's Abseil archives include <iostream> in a few objects (str_cat,
// numbers...) for operator<< overloads faultinit never calls. In GCC 12 each
// such object holds a static std::ios_base::Init, which makes a static link
// pull in libstdc++'s stream and locale start-up: +620 KB of binary and
// file-backed pages at every start (docs/architecture.md, "Size").
//
// Defining the initializer here, in an object linked before libstdc++.a,
// keeps that start-up out. The price: std::cout, std::cerr and std::clog are
// never constructed, so nothing linked with this library may use them.
// Only the faultinit and faultctl binaries link it; tests (GoogleTest
// prints with iostreams) never do. If a dependency ever needs the real
// initializer, the link fails with a duplicate symbol instead of
// misbehaving.

#include <ios>

std::ios_base::Init::Init() {}
std::ios_base::Init::~Init() {}
