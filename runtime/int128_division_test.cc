// The operators of int128_division.cc (armv7: no __int128), checked
// against 64-bit arithmetic and values whose results are known; on the
// other targets the same checks exercise the compiler's own division.
//
// Values are compared as their two 64-bit halves: printing an absl::uint128
// would use int128.cc.o's operator<<, which this test must not link.

#include <cstdint>
#include <utility>

#include "absl/numeric/int128.h"
#include "gtest/gtest.h"

namespace {

std::pair<uint64_t, uint64_t> Halves(absl::uint128 v) {
  return {absl::Uint128High64(v), absl::Uint128Low64(v)};
}

std::pair<int64_t, uint64_t> Halves(absl::int128 v) {
  return {absl::Int128High64(v), absl::Int128Low64(v)};
}

TEST(Int128Division, UnsignedMatches64BitArithmetic) {
  for (uint64_t a : {0ULL, 1ULL, 9ULL, 10ULL, 12345678901234567ULL, ~0ULL}) {
    for (uint64_t b : {1ULL, 2ULL, 10ULL, 16ULL, 1000000007ULL, ~0ULL}) {
      EXPECT_EQ(Halves(absl::uint128(a) / absl::uint128(b)),
                Halves(absl::uint128(a / b)))
          << a << " / " << b;
    }
  }
}

TEST(Int128Division, UnsignedAbove64Bits) {
  absl::uint128 big = absl::MakeUint128(0x0123456789abcdefULL, 0);
  EXPECT_EQ(Halves(big / absl::MakeUint128(1, 0)),
            Halves(absl::uint128(0x0123456789abcdefULL)));
  EXPECT_EQ(
      Halves(absl::Uint128Max() / absl::uint128(10)),
      Halves(absl::MakeUint128(0x1999999999999999ULL, 0x9999999999999999ULL)));
  EXPECT_EQ(Halves(absl::Uint128Max() / absl::Uint128Max()),
            Halves(absl::uint128(1)));
}

TEST(Int128Division, SignedTruncatesTowardZero) {
  EXPECT_EQ(Halves(absl::int128(-7) / absl::int128(2)),
            Halves(absl::int128(-3)));
  EXPECT_EQ(Halves(absl::int128(7) / absl::int128(-2)),
            Halves(absl::int128(-3)));
  EXPECT_EQ(Halves(absl::int128(-7) / absl::int128(-2)),
            Halves(absl::int128(3)));
  EXPECT_EQ(Halves(absl::int128(-7) % absl::int128(2)),
            Halves(absl::int128(-1)));
  EXPECT_EQ(Halves(absl::int128(7) % absl::int128(-2)),
            Halves(absl::int128(1)));
  EXPECT_EQ(Halves(absl::Int128Min() / absl::int128(1)),
            Halves(absl::Int128Min()));
  EXPECT_EQ(Halves(absl::Int128Max() % absl::int128(10)),
            Halves(absl::int128(7)));
}

}  // namespace
