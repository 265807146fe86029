#include "init/system/unit_name.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace faultinit {
namespace {

// systemd's valid service names: plain, instances, escapes, 255 bytes.
TEST(UnitFileNameProblem, ValidNames) {
  for (const std::string& name : std::vector<std::string>{
           "web.service", "a.service", "getty@tty1.service", "a@b@c.service",
           "dev-disk-by\\x2dlabel.service", "x:y_z.w-v.service", "A9.service",
           std::string(255 - 8, 'a') + ".service"}) {
    EXPECT_EQ(UnitFileNameProblem(name), "") << name;
  }
}

// The names of issue 24: a newline, a tab, both forging a status row.
TEST(UnitFileNameProblem, ControlBytesAreRefusedAndShownEscaped) {
  EXPECT_EQ(UnitFileNameProblem("zz\nx.service"),
            "the name holds \\x0a at byte 3; a unit name has only A-Z a-z "
            "0-9 : _ . \\ - and @");
  EXPECT_EQ(UnitFileNameProblem("a\tfailed\t0\t0\t0\t\t\t\nS\thealthy.service"),
            "the name holds \\x09 at byte 2; a unit name has only A-Z a-z "
            "0-9 : _ . \\ - and @");
  EXPECT_EQ(UnitFileNameProblem("a b.service"),
            "the name holds \\x20 at byte 2; a unit name has only A-Z a-z "
            "0-9 : _ . \\ - and @");
  EXPECT_EQ(UnitFileNameProblem("caf\xc3\xa9.service"),
            "the name holds \\xc3 at byte 4; a unit name has only A-Z a-z "
            "0-9 : _ . \\ - and @");
  EXPECT_EQ(UnitFileNameProblem("a/b.service").substr(0, 20),
            "the name holds \"/\" a");
}

TEST(UnitFileNameProblem, ShapeOfTheName) {
  EXPECT_EQ(UnitFileNameProblem(""), "the name is empty");
  EXPECT_EQ(UnitFileNameProblem(".service"),
            "the name is empty before \".service\"");
  EXPECT_EQ(UnitFileNameProblem("@x.service"),
            "the name is empty before \"@\"");
  EXPECT_EQ(UnitFileNameProblem("web"),
            "the name has no suffix naming a unit type");
  EXPECT_EQ(UnitFileNameProblem("web."),
            "the name has no suffix naming a unit type");
  EXPECT_EQ(UnitFileNameProblem("web.socket"),
            "the suffix \".socket\" is not \".service\"");
  EXPECT_EQ(UnitFileNameProblem("getty@.service"),
            "the name is a template (NAME@.service), which does not run "
            "itself: faultinit has no instances of templates");
  // UNIT_NAME_MAX is 256 with the NUL: 256 bytes is one too many.
  EXPECT_EQ(UnitFileNameProblem(std::string(256 - 8, 'a') + ".service"),
            "the name is 256 bytes long, over systemd's limit of 255");
}

}  // namespace
}  // namespace faultinit
