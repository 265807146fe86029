// 128-bit division for Abseil's strings on 32-bit targets, without
// Abseil's int128.cc.
//
// Where the compiler has no __int128 (armv7), Abseil's numbers.cc divides
// its absl::uint128/int128 values with out-of-line operators that live in
// libabsl_int128.a's int128.cc.o. Debian builds that object without
// per-function sections, so linking it for three operators also links its
// operator<< for streams, and with it libstdc++'s whole locale and iostream
// machinery and the C library's iconv tables: about 300 KB of the armv7
// binary (docs/architecture.md, "Size").
//
// Defining the three operators here, in an object linked before the
// archives, keeps int128.cc.o out. They follow the contract int128.h
// documents: truncating division and a remainder with the dividend's sign;
// the divisor must not be zero. Only the faultinit and faultctl binaries
// (and this file's test) link it; on targets with __int128 it is empty. If
// anything ever needs the rest of int128.cc.o, the link fails with a
// duplicate symbol instead of misbehaving.

#include "absl/numeric/int128.h"

#ifndef ABSL_HAVE_INTRINSIC_INT128

namespace absl {
ABSL_NAMESPACE_BEGIN
namespace {

// Schoolbook long division, one bit at a time: numbers.cc divides only by
// small bases, and only while formatting or parsing a number.
void DivideUnsigned(uint128 dividend, uint128 divisor, uint128* quotient,
                    uint128* remainder) {
  uint128 q = 0, r = 0;
  for (int bit = 127; bit >= 0; --bit) {
    r = (r << 1) | ((dividend >> bit) & 1);
    if (r >= divisor) {
      r -= divisor;
      q |= uint128(1) << bit;
    }
  }
  *quotient = q;
  *remainder = r;
}

uint128 Magnitude(int128 v) {
  uint128 bits =
      MakeUint128(static_cast<uint64_t>(Int128High64(v)), Int128Low64(v));
  return Int128High64(v) < 0 ? -bits : bits;
}

int128 WithSign(uint128 magnitude, bool negative) {
  uint128 bits = negative ? -magnitude : magnitude;
  return MakeInt128(static_cast<int64_t>(Uint128High64(bits)),
                    Uint128Low64(bits));
}

}  // namespace

uint128 operator/(uint128 lhs, uint128 rhs) {
  uint128 quotient, remainder;
  DivideUnsigned(lhs, rhs, &quotient, &remainder);
  return quotient;
}

int128 operator/(int128 lhs, int128 rhs) {
  uint128 quotient, remainder;
  DivideUnsigned(Magnitude(lhs), Magnitude(rhs), &quotient, &remainder);
  return WithSign(quotient, (Int128High64(lhs) < 0) != (Int128High64(rhs) < 0));
}

int128 operator%(int128 lhs, int128 rhs) {
  uint128 quotient, remainder;
  DivideUnsigned(Magnitude(lhs), Magnitude(rhs), &quotient, &remainder);
  return WithSign(remainder, Int128High64(lhs) < 0);
}

ABSL_NAMESPACE_END
}  // namespace absl

#endif  // ABSL_HAVE_INTRINSIC_INT128
