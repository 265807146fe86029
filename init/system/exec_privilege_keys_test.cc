// CapabilityBoundingSet=, AmbientCapabilities=, NoNewPrivileges=,
// SecureBits=, PermissionsStartOnly= and PAMName=, as ParseUnit reads
// them.

#include <linux/capability.h>
#include <linux/securebits.h>

#include <string>

#include "gtest/gtest.h"
#include "init/system/testing/service_lines.h"
#include "init/system/unit.h"
#include "runtime/privileges.h"

namespace faultinit {
namespace {

using fault::CapabilityBit;
using fault::kAllCapabilities;
using testing::ParseServiceLines;

fault::Privileges PrivilegesOf(const std::string& service_lines) {
  ParsedUnit p = ParseServiceLines(service_lines);
  EXPECT_TRUE(p.ok()) << service_lines
                      << (p.diagnostics.empty()
                              ? ""
                              : p.diagnostics.back().ToString());
  return p.unit.privileges;
}

std::string Error(const std::string& service_lines) {
  ParsedUnit p = ParseServiceLines(service_lines);
  EXPECT_FALSE(p.ok()) << service_lines;
  return p.diagnostics.empty() ? "" : p.diagnostics.back().ToString();
}

TEST(ExecPrivilegeKeys, DefaultsChangeNothing) {
  ParsedUnit p = ParseServiceLines("");
  EXPECT_TRUE(p.unit.privileges.empty());
  EXPECT_FALSE(p.unit.permissions_start_only);
}

TEST(ExecPrivilegeKeys, BoundingSetNamesAndInversion) {
  EXPECT_EQ(PrivilegesOf("CapabilityBoundingSet=CAP_NET_ADMIN cap_net_raw\n")
                .bounding,
            CapabilityBit(CAP_NET_ADMIN) | CapabilityBit(CAP_NET_RAW));
  EXPECT_EQ(PrivilegesOf("CapabilityBoundingSet=~CAP_SYS_ADMIN\n").bounding,
            kAllCapabilities & ~CapabilityBit(CAP_SYS_ADMIN));
  // After the first assignment, a list adds and a "~" list removes.
  EXPECT_EQ(PrivilegesOf("CapabilityBoundingSet=CAP_CHOWN\n"
                         "CapabilityBoundingSet=CAP_KILL CAP_CHOWN\n")
                .bounding,
            CapabilityBit(CAP_CHOWN) | CapabilityBit(CAP_KILL));
  EXPECT_EQ(PrivilegesOf("CapabilityBoundingSet=~CAP_SYS_ADMIN\n"
                         "CapabilityBoundingSet=~CAP_SYS_BOOT\n")
                .bounding,
            kAllCapabilities & ~CapabilityBit(CAP_SYS_ADMIN) &
                ~CapabilityBit(CAP_SYS_BOOT));
  EXPECT_EQ(PrivilegesOf("CapabilityBoundingSet=CAP_CHOWN CAP_KILL\n"
                         "CapabilityBoundingSet=~CAP_KILL\n")
                .bounding,
            CapabilityBit(CAP_CHOWN));
}

TEST(ExecPrivilegeKeys, EmptyAndTildeReset) {
  // Empty: no capability at all; "~": all of them (the bounding set as
  // inherited).
  EXPECT_EQ(PrivilegesOf("CapabilityBoundingSet=CAP_CHOWN\n"
                         "CapabilityBoundingSet=\n")
                .bounding,
            0u);
  EXPECT_EQ(PrivilegesOf("CapabilityBoundingSet=CAP_CHOWN\n"
                         "CapabilityBoundingSet=~\n")
                .bounding,
            kAllCapabilities);
  EXPECT_EQ(PrivilegesOf("AmbientCapabilities=CAP_NET_RAW\n"
                         "AmbientCapabilities=\n")
                .ambient,
            0u);
  EXPECT_EQ(PrivilegesOf("SecureBits=noroot\nSecureBits=\n").secure_bits, -1);
  EXPECT_FALSE(PrivilegesOf("NoNewPrivileges=yes\nNoNewPrivileges=\n")
                   .no_new_privileges);
}

TEST(ExecPrivilegeKeys, AmbientListsAddUp) {
  EXPECT_EQ(PrivilegesOf("AmbientCapabilities=CAP_NET_BIND_SERVICE\n"
                         "AmbientCapabilities=CAP_NET_RAW\n")
                .ambient,
            CapabilityBit(CAP_NET_BIND_SERVICE) | CapabilityBit(CAP_NET_RAW));
  EXPECT_EQ(PrivilegesOf("AmbientCapabilities=~CAP_SYS_ADMIN\n").ambient,
            kAllCapabilities & ~CapabilityBit(CAP_SYS_ADMIN));
}

TEST(ExecPrivilegeKeys, NoNewPrivilegesAndSecureBits) {
  EXPECT_TRUE(PrivilegesOf("NoNewPrivileges=yes\n").no_new_privileges);
  EXPECT_TRUE(PrivilegesOf("NoNewPrivileges=true\n").no_new_privileges);
  EXPECT_FALSE(PrivilegesOf("NoNewPrivileges=no\n").no_new_privileges);
  EXPECT_EQ(PrivilegesOf("SecureBits=keep-caps noroot-locked\n").secure_bits,
            SECBIT_KEEP_CAPS | SECBIT_NOROOT_LOCKED);
  EXPECT_EQ(PrivilegesOf("SecureBits=noroot\nSecureBits=no-setuid-fixup "
                         "no-setuid-fixup-locked keep-caps-locked\n")
                .secure_bits,
            SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
                SECBIT_KEEP_CAPS_LOCKED);
}

TEST(ExecPrivilegeKeys, ErrorsNameFileLineAndValue) {
  EXPECT_EQ(Error("CapabilityBoundingSet=CAP_CHOWN CAP_FLY\n"),
            "/srv/units/web.service:3: error: CapabilityBoundingSet: unknown "
            "capability \"CAP_FLY\"");
  EXPECT_EQ(Error("\nAmbientCapabilities=~NET_RAW\n"),
            "/srv/units/web.service:4: error: AmbientCapabilities: unknown "
            "capability \"NET_RAW\"");
  EXPECT_EQ(Error("NoNewPrivileges=maybe\n"),
            "/srv/units/web.service:3: error: NoNewPrivileges: invalid value "
            "\"maybe\": expected a boolean (yes or no)");
  EXPECT_EQ(Error("SecureBits=noroot root\n"),
            "/srv/units/web.service:3: error: SecureBits: unknown secure bit "
            "\"root\": expected keep-caps, keep-caps-locked, "
            "no-setuid-fixup, no-setuid-fixup-locked, noroot or "
            "noroot-locked");
  // A bad list changes nothing.
  ParsedUnit p = ParseServiceLines(
      "CapabilityBoundingSet=CAP_CHOWN\nCapabilityBoundingSet=CAP_KILL x\n");
  EXPECT_EQ(p.unit.privileges.bounding, CapabilityBit(CAP_CHOWN));
}

TEST(ExecPrivilegeKeys, PermissionsStartOnlyIsDeprecated) {
  ParsedUnit p = ParseServiceLines("PermissionsStartOnly=yes\n");
  EXPECT_TRUE(p.ok());
  EXPECT_TRUE(p.unit.permissions_start_only);
  ASSERT_EQ(p.diagnostics.size(), 1u);
  EXPECT_EQ(p.diagnostics[0].severity, Severity::kWarning);
  EXPECT_EQ(p.diagnostics[0].line, 3);
  EXPECT_EQ(p.diagnostics[0].message.rfind(
                "PermissionsStartOnly=yes is deprecated: write the \"+\" "
                "prefix",
                0),
            0u)
      << p.diagnostics[0].message;
  p = ParseServiceLines("PermissionsStartOnly=no\n");
  EXPECT_TRUE(p.diagnostics.empty());
  EXPECT_FALSE(p.unit.permissions_start_only);
}

TEST(ExecPrivilegeKeys, PAMNameWarnsWhatDiffers) {
  ParsedUnit p = ParseServiceLines("PAMName=login\n");
  EXPECT_TRUE(p.ok());
  ASSERT_EQ(p.diagnostics.size(), 1u);
  EXPECT_EQ(p.diagnostics[0].severity, Severity::kWarning);
  EXPECT_EQ(p.diagnostics[0].message.rfind(
                "PAMName: differs from systemd: faultinit opens no PAM "
                "session for \"login\": no pam_limits (limits.conf), no "
                "pam_env variables, no login records",
                0),
            0u)
      << p.diagnostics[0].message;
}

}  // namespace
}  // namespace faultinit
