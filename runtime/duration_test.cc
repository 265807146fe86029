#include "runtime/duration.h"

#include "gtest/gtest.h"

namespace fault {
namespace {

fault::Duration Parsed(absl::string_view text) {
  StatusOr<fault::Duration> d = ParseTimeSpan(text);
  EXPECT_TRUE(d.ok()) << text << ": " << d.status().ToString();
  return d.value_or(fault::ZeroDuration());
}

// Every documented form parses to the expected duration.
TEST(ParseTimeSpan, AcceptedForms) {
  EXPECT_EQ(Parsed("5"), fault::Seconds(5));
  EXPECT_EQ(Parsed("5s"), fault::Seconds(5));
  EXPECT_EQ(Parsed("500ms"), fault::Milliseconds(500));
  EXPECT_EQ(Parsed("1min 30s"), fault::Seconds(90));
  EXPECT_EQ(Parsed("1min30s"), fault::Seconds(90));
  EXPECT_EQ(Parsed("2h"), fault::Hours(2));
  EXPECT_EQ(Parsed("1.5s"), fault::Milliseconds(1500));
  EXPECT_EQ(Parsed(" 0 "), fault::ZeroDuration());
  EXPECT_EQ(Parsed("infinity"), fault::InfiniteDuration());
}

// Anything else is an error quoting the text and listing the forms.
TEST(ParseTimeSpan, RejectsOthers) {
  for (const char* text : {"", "s", "5x", "-5", "5 s x", "infinite", "1e3"}) {
    StatusOr<fault::Duration> d = ParseTimeSpan(text);
    ASSERT_FALSE(d.ok()) << text;
    EXPECT_EQ(d.status().message().substr(0, 19 + strlen(text)),
              std::string("invalid duration \"") + text + "\"");
    EXPECT_NE(d.status().message().find("\"1min 30s\""),
              absl::string_view::npos);
  }
}

// FormatTimeSpan writes what ParseTimeSpan reads back.
TEST(FormatTimeSpan, RoundTrips) {
  EXPECT_EQ(FormatTimeSpan(fault::Seconds(90)), "1min 30s");
  EXPECT_EQ(FormatTimeSpan(fault::Milliseconds(500)), "500ms");
  EXPECT_EQ(FormatTimeSpan(fault::ZeroDuration()), "0");
  EXPECT_EQ(FormatTimeSpan(fault::InfiniteDuration()), "infinity");
  for (fault::Duration d :
       {fault::Seconds(5), fault::Hours(49) + fault::Seconds(1),
        fault::Microseconds(1500)}) {
    EXPECT_EQ(Parsed(FormatTimeSpan(d)), d);
  }
}

// Duration is exact nanoseconds; units and sums saturate at the
// infinities, which absorb whatever is added to them.
TEST(Duration, ArithmeticSaturatesAtTheInfinities) {
  EXPECT_EQ(fault::Minutes(1) + fault::Seconds(30), fault::Seconds(90));
  EXPECT_EQ(fault::Seconds(1) - fault::Milliseconds(1500),
            -fault::Milliseconds(500));
  EXPECT_EQ(fault::Hours(1).nanoseconds(), int64_t{3600} * 1000000000);
  EXPECT_LT(fault::Microseconds(999), fault::Milliseconds(1));
  EXPECT_EQ(fault::Hours(int64_t{1} << 40), fault::InfiniteDuration());
  EXPECT_EQ(fault::Seconds(-(int64_t{1} << 40)), -fault::InfiniteDuration());
  EXPECT_TRUE((-fault::InfiniteDuration()).infinite());
  EXPECT_EQ(fault::InfiniteDuration() + fault::Seconds(1),
            fault::InfiniteDuration());
  EXPECT_EQ(fault::InfiniteDuration() - fault::Hours(1),
            fault::InfiniteDuration());
  fault::Duration d = fault::Hours(2500000);  // about 285 years
  d += fault::Hours(100000);
  EXPECT_EQ(d, fault::InfiniteDuration());
  EXPECT_EQ(fault::ToInt64Seconds(fault::Milliseconds(2999)), 2);
  EXPECT_EQ(fault::ToInt64Milliseconds(-fault::Microseconds(1500)), -1);
  EXPECT_EQ(fault::ToInt64Seconds(fault::InfiniteDuration()), INT64_MAX);
}

// Scale rounds to the nearest nanosecond and saturates.
TEST(Duration, ScaleRoundsAndSaturates) {
  EXPECT_EQ(Scale(fault::Seconds(1), 0.1), fault::Milliseconds(100));
  EXPECT_EQ(Scale(fault::Nanoseconds(3), 0.5), fault::Nanoseconds(2));
  EXPECT_EQ(Scale(fault::Hours(24), 1e9), fault::InfiniteDuration());
  EXPECT_EQ(Scale(fault::InfiniteDuration(), 0.5), fault::InfiniteDuration());
}

// ToTimespec keeps tv_nsec in [0, 1e9), also for negative durations.
TEST(Duration, ToTimespec) {
  timespec ts = ToTimespec(fault::Milliseconds(1500));
  EXPECT_EQ(ts.tv_sec, 1);
  EXPECT_EQ(ts.tv_nsec, 500000000);
  ts = ToTimespec(-fault::Milliseconds(1500));
  EXPECT_EQ(ts.tv_sec, -2);
  EXPECT_EQ(ts.tv_nsec, 500000000);
}

// MonotonicNow never goes back.
TEST(Duration, MonotonicNowIncreases) {
  const fault::Duration before = MonotonicNow();
  EXPECT_GT(before, fault::ZeroDuration());
  EXPECT_LE(before, MonotonicNow());
}

// A sum too large for a Duration is infinite, as "infinity" is.
TEST(ParseTimeSpan, SaturatesAtInfinity) {
  EXPECT_EQ(Parsed("1000000000d"), fault::InfiniteDuration());
  EXPECT_EQ(Parsed("1.5s"), fault::Milliseconds(1500));
  EXPECT_EQ(Parsed("0.1s"), fault::Milliseconds(100));
}

// Decimal numbers are read in integers, as systemd reads them (no binary
// floating point): a fraction digit worth less than a nanosecond adds
// nothing.
TEST(ParseTimeSpan, DecimalsAreExact) {
  EXPECT_EQ(Parsed(".25s"), fault::Milliseconds(250));
  EXPECT_EQ(Parsed("3."), fault::Seconds(3));
  EXPECT_EQ(Parsed("1.5min"), fault::Seconds(90));
  EXPECT_EQ(Parsed("0.1d"), fault::Hours(2) + fault::Minutes(24));
  EXPECT_EQ(Parsed("0.0000000019s"), fault::Nanoseconds(1));
  EXPECT_EQ(Parsed("0.333333333333333333333333us"), fault::Nanoseconds(333));
  EXPECT_EQ(Parsed("99999999999999999999999s"), fault::InfiniteDuration());
  EXPECT_FALSE(ParseTimeSpan("1.2.3s").ok());
  EXPECT_FALSE(ParseTimeSpan(".s").ok());
}

}  // namespace
}  // namespace fault
