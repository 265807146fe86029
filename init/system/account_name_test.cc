#include "init/system/account_name.h"

#include "gtest/gtest.h"

namespace faultinit {
namespace {

TEST(AccountName, NumbersAsSystemdParsesUids) {
  EXPECT_EQ(AccountNameProblem("0"), "");
  EXPECT_EQ(AccountNameProblem("65534"), "");
  EXPECT_EQ(AccountNameProblem("4294967294"), "");
  const std::string range =
      "a number must be from 0 to 4294967294, and not 65535";
  EXPECT_EQ(AccountNameProblem("4294967295"), range);
  EXPECT_EQ(AccountNameProblem("4294967296"), range);
  EXPECT_EQ(AccountNameProblem("65535"), range);
  EXPECT_EQ(AccountNameProblem("007"), range);
  EXPECT_EQ(AccountNameProblem("99999999999999999999999"), range);
}

TEST(AccountName, NamesAsSystemdsRelaxedRules) {
  for (const char* good : {"root", "www-data", "_apt", "systemd-network", "a.b",
                           "Debian-exim", "-leading-dash", "machine$",
                           "with space", "\xc3\xa9t\xc3\xa9", "12abc"}) {
    EXPECT_EQ(AccountNameProblem(good), "") << good;
  }
  EXPECT_EQ(AccountNameProblem(""), "empty");
  EXPECT_EQ(AccountNameProblem(" root"), "leading or trailing space");
  EXPECT_EQ(AccountNameProblem("root "), "leading or trailing space");
  EXPECT_EQ(AccountNameProblem("a:b"), "\":\" and \"/\" are not allowed");
  EXPECT_EQ(AccountNameProblem("a/b"), "\":\" and \"/\" are not allowed");
  EXPECT_EQ(AccountNameProblem("a\tb"), "a control character");
  EXPECT_EQ(AccountNameProblem("\xff"), "not valid UTF-8");
  EXPECT_EQ(AccountNameProblem("\xc0\x80"), "not valid UTF-8");  // overlong
  EXPECT_EQ(AccountNameProblem("\xc3"), "not valid UTF-8");      // cut short
  EXPECT_EQ(AccountNameProblem("-1"), "a negative number is no uid");
  EXPECT_EQ(AccountNameProblem("."), "\".\" and \"..\" are not names");
  EXPECT_EQ(AccountNameProblem(".."), "\".\" and \"..\" are not names");
}

}  // namespace
}  // namespace faultinit
