// Tests of the serial-getty generator's rules (systemd-getty-generator(8))
// with a fake machine.

#include "init/system/getty_generator.h"

#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace faultinit {
namespace {

using Names = std::vector<std::string>;

// A machine whose terminals and /dev entries are the given ones.
GettyHost Host(std::set<std::string> ttys, std::set<std::string> dev = {}) {
  GettyHost host;
  host.is_tty = [ttys](const std::string& tty) { return ttys.count(tty) != 0; };
  host.exists = [dev](const std::string& tty) { return dev.count(tty) != 0; };
  return host;
}

TEST(GettyGeneratorTest, SerialConsoleOfTheCommandLine) {
  EXPECT_EQ(SerialGettyUnits("root=/dev/vda console=ttyAMA0,115200n8 quiet", "",
                             Host({"ttyAMA0"})),
            Names({"serial-getty@ttyAMA0.service"}));
}

TEST(GettyGeneratorTest, VirtualTerminalsArePassedOver) {
  EXPECT_EQ(SerialGettyUnits("console=tty0 console=tty1 console=ttyS0", "",
                             Host({"tty0", "tty1", "ttyS0"})),
            Names({"serial-getty@ttyS0.service"}));
  EXPECT_EQ(SerialGettyUnits("console=tty1", "", Host({"tty1"})), Names());
}

TEST(GettyGeneratorTest, EverySerialConsoleInOrder) {
  EXPECT_EQ(
      SerialGettyUnits("console=ttyS1 console=/dev/ttyS0 console=ttyS1", "",
                       Host({"ttyS0", "ttyS1"})),
      Names({"serial-getty@ttyS1.service", "serial-getty@ttyS0.service"}));
}

TEST(GettyGeneratorTest, ActiveConsolesWinOverTheCommandLine) {
  EXPECT_EQ(SerialGettyUnits("console=ttyS0", "tty0 ttyAMA0\n",
                             Host({"ttyS0", "ttyAMA0"})),
            Names({"serial-getty@ttyAMA0.service"}));
}

TEST(GettyGeneratorTest, NotATerminalIsPassedOver) {
  EXPECT_EQ(SerialGettyUnits("console=ttyS0", "", Host({})), Names());
}

TEST(GettyGeneratorTest, VirtualizerConsolesThatExist) {
  EXPECT_EQ(
      SerialGettyUnits("", "", Host({}, {"hvc0", "3270/tty1"})),
      Names({"serial-getty@hvc0.service", "serial-getty@3270-tty1.service"}));
  EXPECT_EQ(SerialGettyUnits("console=hvc0", "", Host({"hvc0"}, {"hvc0"})),
            Names({"serial-getty@hvc0.service"}));
}

TEST(GettyGeneratorTest, GettyAutoOff) {
  EXPECT_EQ(SerialGettyUnits("console=ttyS0 systemd.getty_auto=0", "",
                             Host({"ttyS0"}, {"hvc0"})),
            Names());
  EXPECT_EQ(
      SerialGettyUnits("systemd.getty_auto=no systemd.getty_auto console=ttyS0",
                       "", Host({"ttyS0"})),
      Names({"serial-getty@ttyS0.service"}));
  EXPECT_EQ(SerialGettyUnits("systemd.getty_auto=maybe console=ttyS0", "",
                             Host({"ttyS0"})),
            Names({"serial-getty@ttyS0.service"}));
}

}  // namespace
}  // namespace faultinit
