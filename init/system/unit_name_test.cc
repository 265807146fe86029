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
            "itself: its instances (NAME@INSTANCE.service) do, in the layout");
  // UNIT_NAME_MAX is 256 with the NUL: 256 bytes is one too many.
  EXPECT_EQ(UnitFileNameProblem(std::string(256 - 8, 'a') + ".service"),
            "the name is 256 bytes long, over systemd's limit of 255");
}

TEST(UnitNameParts, TemplatesAndInstances) {
  EXPECT_TRUE(IsTemplateName("getty@.service"));
  EXPECT_FALSE(IsTemplateName("getty@tty1.service"));
  EXPECT_FALSE(IsTemplateName("getty.service"));
  EXPECT_FALSE(IsTemplateName("@.service"));
  EXPECT_TRUE(IsInstanceName("getty@tty1.service"));
  EXPECT_TRUE(IsInstanceName("a@b@c.socket"));
  EXPECT_FALSE(IsInstanceName("getty@.service"));
  EXPECT_FALSE(IsInstanceName("getty@tty/1.service"));
  EXPECT_FALSE(IsInstanceName("getty@tty1"));
  EXPECT_EQ(TemplateOf("getty@tty1.service"), "getty@.service");
  EXPECT_EQ(TemplateOf("a@b@c.socket"), "a@.socket");
  EXPECT_EQ(TemplateOf("getty.service"), "");
  EXPECT_EQ(InstanceOf("getty@tty1.service"), "tty1");
  EXPECT_EQ(InstanceOf("a@b@c.socket"), "b@c");
  EXPECT_EQ(InstanceOf("getty@.service"), "");
  EXPECT_EQ(UnitPrefixOf("getty@tty1.service"), "getty");
  EXPECT_EQ(UnitPrefixOf("multi-user.target"), "multi-user");
  EXPECT_EQ(UnitPrefixOf("a.b.service"), "a.b");
  EXPECT_EQ(InstanceName("getty@.service", "tty1"), "getty@tty1.service");
  EXPECT_EQ(InstanceName("getty@.service", ""), "");
  EXPECT_EQ(InstanceName("getty.service", "tty1"), "");
  EXPECT_EQ(InstanceName("getty@.service", "a b"), "");
  EXPECT_EQ(InstanceName("getty@.service", std::string(250, 'a')), "");
}

// systemd's unit_name_path_escape, as the getty generator names ttys.
TEST(UnitNameParts, EscapePath) {
  EXPECT_EQ(EscapeUnitNamePath("ttyAMA0"), "ttyAMA0");
  EXPECT_EQ(EscapeUnitNamePath("3270/tty1"), "3270-tty1");
  EXPECT_EQ(EscapeUnitNamePath("/dev//sda/"), "dev-sda");
  EXPECT_EQ(EscapeUnitNamePath("/"), "-");
  EXPECT_EQ(EscapeUnitNamePath("a-b c"), "a\\x2db\\x20c");
  EXPECT_EQ(EscapeUnitNamePath(".hidden"), "\\x2ehidden");
}

// systemd's rule for a template named without an instance: the naming
// unit's instance, else its prefix.
TEST(UnitName, FillTemplate) {
  EXPECT_EQ(FillTemplate("foo@.service", "getty@tty1"), "foo@tty1.service");
  EXPECT_EQ(FillTemplate("foo@", "web"), "foo@web.service");
  EXPECT_EQ(FillTemplate("foo@.service", "boot.target"), "foo@boot.service");
  EXPECT_EQ(FillTemplate("foo@.socket", "web"), "foo@web.socket");
  // Anything else as it is.
  EXPECT_EQ(FillTemplate("foo@bar.service", "web"), "foo@bar.service");
  EXPECT_EQ(FillTemplate("foo", "web"), "foo");
  EXPECT_EQ(FillTemplate("basic.target", "web"), "basic.target");
}

}  // namespace
}  // namespace faultinit
