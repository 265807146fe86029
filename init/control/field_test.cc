#include "init/control/field.h"

#include <string>

#include "gtest/gtest.h"

namespace faultinit::control {
namespace {

TEST(EscapeField, OnlyBackslashTabNewline) {
  EXPECT_EQ(EscapeField(""), "");
  EXPECT_EQ(EscapeField("plain text"), "plain text");
  EXPECT_EQ(EscapeField("a\tb\nc\\d"), "a\\tb\\nc\\\\d");
  // Every other byte goes as it is: the wire carries bytes.
  const std::string raw("\r\x1b\x7f\xff\0end", 8);
  EXPECT_EQ(EscapeField(raw), raw);
}

// Every byte string comes back exactly.
TEST(UnescapeField, RoundTripsEveryByte) {
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  const std::string texts[] = {
      "", "\\", "\\\\t", "\t\n", all, "a\tfailed\t0\t0\t0\t\t\t\nS\thealthy"};
  for (const std::string& text : texts) {
    const std::string wire = EscapeField(text);
    EXPECT_EQ(wire.find('\t'), std::string::npos);
    EXPECT_EQ(wire.find('\n'), std::string::npos);
    std::optional<std::string> back = UnescapeField(wire);
    ASSERT_TRUE(back.has_value()) << wire;
    EXPECT_EQ(*back, text);
  }
}

TEST(UnescapeField, RefusesWhatEscapeFieldNeverWrites) {
  for (const char* wire :
       {"a\tb", "a\nb", "\\", "a\\", "\\x41", "\\r", "\\0", "\\ "}) {
    EXPECT_FALSE(UnescapeField(wire).has_value()) << wire;
  }
}

}  // namespace
}  // namespace faultinit::control
