#include "init/system/other_unit_keys.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "init/system/unit.h"

namespace faultinit {
namespace {

using Lines = std::vector<std::string>;

ParsedUnit Service(const std::string& lines) {
  return ParseUnit("/s/web.service",
                   absl::StrCat(lines, "[Service]\nExecStart=/bin/true\n"));
}

Lines Diagnostics(const ParsedUnit& parsed) {
  Lines out;
  for (const Diagnostic& d : parsed.diagnostics) out.push_back(d.ToString());
  return out;
}

Lines Names(const std::vector<Dependency>& deps) {
  Lines out;
  for (const Dependency& d : deps) out.push_back(d.name);
  return out;
}

TEST(OtherUnitKeys, Defaults) {
  ParsedUnit p = Service("");
  EXPECT_TRUE(p.unit.sockets.empty());
  EXPECT_FALSE(p.unit.non_blocking);
}

// Sockets= names socket units, each also wanted and ordered before the
// service, as systemd adds them; another word is a warning, ignored.
TEST(OtherUnitKeys, SocketsAreWantedAndOrderedFirst) {
  ParsedUnit p = ParseUnit("/s/web.service",
                           "[Unit]\nAfter=a.socket\n"
                           "[Service]\nExecStart=/bin/true\n"
                           "Sockets=a.socket b.socket\n"
                           "Sockets=a.socket other.service %p-ctl.socket\n"
                           "Sockets=\n");
  EXPECT_TRUE(p.ok());
  EXPECT_EQ(p.unit.sockets, (Lines{"a.socket", "b.socket", "web-ctl.socket"}));
  EXPECT_EQ(Names(p.unit.wanted),
            (Lines{"a.socket", "b.socket", "web-ctl.socket"}));
  EXPECT_EQ(Names(p.unit.after),
            (Lines{"a.socket", "b.socket", "web-ctl.socket"}));
  EXPECT_EQ(Diagnostics(p),
            (Lines{"/s/web.service:6: warning: Sockets: \"other.service\" "
                   "is not a socket unit; ignored"}));
}

TEST(OtherUnitKeys, NonBlocking) {
  ParsedUnit p = ParseUnit("/s/web.service",
                           "[Service]\nExecStart=/bin/true\nNonBlocking=yes\n");
  EXPECT_TRUE(p.unit.non_blocking);
  EXPECT_EQ(Diagnostics(p), Lines{});
  p = ParseUnit("/s/web.service",
                "[Service]\nExecStart=/bin/true\nNonBlocking=yes\n"
                "NonBlocking=\n");
  EXPECT_FALSE(p.unit.non_blocking);
  p = ParseUnit("/s/web.service",
                "[Service]\nExecStart=/bin/true\nNonBlocking=often\n");
  EXPECT_FALSE(p.ok());
  EXPECT_EQ(Diagnostics(p),
            (Lines{"/s/web.service:3: error: NonBlocking: invalid boolean "
                   "\"often\""}));
}

// RequiresMountsFor=: understood, with a warning saying what differs; a
// relative path is a warning, ignored.
TEST(OtherUnitKeys, RequiresMountsForSaysWhatDiffers) {
  ParsedUnit p = Service("[Unit]\nRequiresMountsFor=/var/lib/%p data\n");
  EXPECT_TRUE(p.ok());
  EXPECT_EQ(
      Diagnostics(p),
      (Lines{"/s/web.service:2: warning: RequiresMountsFor: \"data\" is not "
             "an absolute path; ignored",
             "/s/web.service:2: warning: RequiresMountsFor: differs from "
             "systemd: faultinit has no .mount units; /etc/fstab's local file "
             "systems are mounted before any unit starts, and nothing else (a "
             "remote, noauto or .mount file system) is mounted for "
             "\"/var/lib/web\""}));
  EXPECT_TRUE(p.unit.required.empty());
}

}  // namespace
}  // namespace faultinit
