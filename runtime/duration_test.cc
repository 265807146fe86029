#include "runtime/duration.h"

#include "gtest/gtest.h"

namespace fault {
namespace {

absl::Duration Parsed(absl::string_view text) {
  StatusOr<absl::Duration> d = ParseTimeSpan(text);
  EXPECT_TRUE(d.ok()) << text << ": " << d.status().ToString();
  return d.value_or(absl::ZeroDuration());
}

// Every documented form parses to the expected duration.
TEST(ParseTimeSpan, AcceptedForms) {
  EXPECT_EQ(Parsed("5"), absl::Seconds(5));
  EXPECT_EQ(Parsed("5s"), absl::Seconds(5));
  EXPECT_EQ(Parsed("500ms"), absl::Milliseconds(500));
  EXPECT_EQ(Parsed("1min 30s"), absl::Seconds(90));
  EXPECT_EQ(Parsed("1min30s"), absl::Seconds(90));
  EXPECT_EQ(Parsed("2h"), absl::Hours(2));
  EXPECT_EQ(Parsed("1.5s"), absl::Milliseconds(1500));
  EXPECT_EQ(Parsed(" 0 "), absl::ZeroDuration());
  EXPECT_EQ(Parsed("infinity"), absl::InfiniteDuration());
}

// Anything else is an error quoting the text and listing the forms.
TEST(ParseTimeSpan, RejectsOthers) {
  for (const char* text : {"", "s", "5x", "-5", "5 s x", "infinite", "1e3"}) {
    StatusOr<absl::Duration> d = ParseTimeSpan(text);
    ASSERT_FALSE(d.ok()) << text;
    EXPECT_EQ(d.status().message().substr(0, 19 + strlen(text)),
              std::string("invalid duration \"") + text + "\"");
    EXPECT_NE(d.status().message().find("\"1min 30s\""),
              absl::string_view::npos);
  }
}

// FormatTimeSpan writes what ParseTimeSpan reads back.
TEST(FormatTimeSpan, RoundTrips) {
  EXPECT_EQ(FormatTimeSpan(absl::Seconds(90)), "1min 30s");
  EXPECT_EQ(FormatTimeSpan(absl::Milliseconds(500)), "500ms");
  EXPECT_EQ(FormatTimeSpan(absl::ZeroDuration()), "0");
  EXPECT_EQ(FormatTimeSpan(absl::InfiniteDuration()), "infinity");
  for (absl::Duration d : {absl::Seconds(5), absl::Hours(49) + absl::Seconds(1),
                           absl::Microseconds(1500)}) {
    EXPECT_EQ(Parsed(FormatTimeSpan(d)), d);
  }
}

}  // namespace
}  // namespace fault
