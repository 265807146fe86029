// Limit*= (unit_limits.h): every key, every form systemd's rlimit_parse
// accepts, and the errors, through ParseUnit as a unit file is read.

#include "init/system/unit_limits.h"

#include <sys/resource.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "init/system/unit.h"
#include "runtime/resource_limits.h"

namespace faultinit {
namespace {

constexpr char kPath[] = "/srv/units/web.service";
constexpr rlim_t kInf = RLIM_INFINITY;

std::vector<std::string> Diagnostics(const ParsedUnit& parsed) {
  std::vector<std::string> out;
  for (const Diagnostic& d : parsed.diagnostics) out.push_back(d.ToString());
  return out;
}

// The limits of a [Service] with ExecStart=/bin/true and `lines`, which
// must parse cleanly.
fault::ResourceLimits Limits(const std::string& lines) {
  ParsedUnit parsed =
      ParseUnit(kPath, absl::StrCat("[Service]\nExecStart=/bin/true\n", lines));
  EXPECT_EQ(Diagnostics(parsed), std::vector<std::string>{}) << lines;
  return parsed.unit.limits;
}

// The one error of `line` (line 3).
std::string Error(const std::string& line) {
  ParsedUnit parsed = ParseUnit(
      kPath, absl::StrCat("[Service]\nExecStart=/bin/true\n", line, "\n"));
  EXPECT_FALSE(parsed.ok()) << line;
  std::vector<std::string> all = Diagnostics(parsed);
  EXPECT_EQ(all.size(), 1u) << line;
  return all.empty() ? "" : all[0];
}

fault::ResourceLimit Only(const std::string& line) {
  fault::ResourceLimits limits = Limits(line + "\n");
  EXPECT_EQ(limits.limits.size(), 1u) << line;
  return limits.limits.empty() ? fault::ResourceLimit{} : limits.limits.front();
}

fault::ResourceLimit L(int resource, rlim_t soft, rlim_t hard) {
  return {resource, soft, hard};
}

TEST(UnitLimits, EveryKeyWithOneValue) {
  EXPECT_EQ(Only("LimitCPU=30"), L(RLIMIT_CPU, 30, 30));
  EXPECT_EQ(Only("LimitFSIZE=4096"), L(RLIMIT_FSIZE, 4096, 4096));
  EXPECT_EQ(Only("LimitDATA=1M"), L(RLIMIT_DATA, 1 << 20, 1 << 20));
  EXPECT_EQ(Only("LimitSTACK=8M"), L(RLIMIT_STACK, 8 << 20, 8 << 20));
  EXPECT_EQ(Only("LimitCORE=0"), L(RLIMIT_CORE, 0, 0));
  EXPECT_EQ(Only("LimitRSS=1G"), L(RLIMIT_RSS, 1 << 30, 1 << 30));
  EXPECT_EQ(Only("LimitNOFILE=4096"), L(RLIMIT_NOFILE, 4096, 4096));
  EXPECT_EQ(Only("LimitAS=2G"), L(RLIMIT_AS, 2ULL << 30, 2ULL << 30));
  EXPECT_EQ(Only("LimitNPROC=64"), L(RLIMIT_NPROC, 64, 64));
  EXPECT_EQ(Only("LimitMEMLOCK=64K"), L(RLIMIT_MEMLOCK, 65536, 65536));
  EXPECT_EQ(Only("LimitLOCKS=100"), L(RLIMIT_LOCKS, 100, 100));
  EXPECT_EQ(Only("LimitSIGPENDING=512"), L(RLIMIT_SIGPENDING, 512, 512));
  EXPECT_EQ(Only("LimitMSGQUEUE=800K"),
            L(RLIMIT_MSGQUEUE, 800 * 1024, 800 * 1024));
  EXPECT_EQ(Only("LimitNICE=10"), L(RLIMIT_NICE, 10, 10));
  EXPECT_EQ(Only("LimitRTPRIO=50"), L(RLIMIT_RTPRIO, 50, 50));
  EXPECT_EQ(Only("LimitRTTIME=200000"), L(RLIMIT_RTTIME, 200000, 200000));
}

TEST(UnitLimits, SoftAndHardAndInfinity) {
  EXPECT_EQ(Only("LimitNOFILE=1024:524288"), L(RLIMIT_NOFILE, 1024, 524288));
  EXPECT_EQ(Only("LimitNOFILE=infinity"), L(RLIMIT_NOFILE, kInf, kInf));
  EXPECT_EQ(Only("LimitCORE=0:infinity"), L(RLIMIT_CORE, 0, kInf));
  EXPECT_EQ(Only("LimitCPU=infinity:infinity"), L(RLIMIT_CPU, kInf, kInf));
  EXPECT_EQ(Only("LimitRTTIME=infinity"), L(RLIMIT_RTTIME, kInf, kInf));
  EXPECT_EQ(Only("LimitNOFILE=7:7"), L(RLIMIT_NOFILE, 7, 7));
}

TEST(UnitLimits, Sizes) {
  EXPECT_EQ(Only("LimitFSIZE=1B"), L(RLIMIT_FSIZE, 1, 1));
  EXPECT_EQ(Only("LimitFSIZE=1K"), L(RLIMIT_FSIZE, 1024, 1024));
  EXPECT_EQ(Only("LimitFSIZE=1.5K"), L(RLIMIT_FSIZE, 1536, 1536));
  EXPECT_EQ(Only("LimitFSIZE=1T"), L(RLIMIT_FSIZE, 1ULL << 40, 1ULL << 40));
  EXPECT_EQ(Only("LimitFSIZE=1P"), L(RLIMIT_FSIZE, 1ULL << 50, 1ULL << 50));
  EXPECT_EQ(Only("LimitFSIZE=1E"), L(RLIMIT_FSIZE, 1ULL << 60, 1ULL << 60));
  EXPECT_EQ(Only("LimitFSIZE=1G 512M"),
            L(RLIMIT_FSIZE, 3ULL << 29, 3ULL << 29));
  EXPECT_EQ(Only("LimitAS=1M:2M"), L(RLIMIT_AS, 1 << 20, 2 << 20));
}

TEST(UnitLimits, TimeSpans) {
  // CPU: seconds, rounded up; a bare number is seconds.
  EXPECT_EQ(Only("LimitCPU=1min"), L(RLIMIT_CPU, 60, 60));
  EXPECT_EQ(Only("LimitCPU=500ms"), L(RLIMIT_CPU, 1, 1));
  EXPECT_EQ(Only("LimitCPU=1h 30s"), L(RLIMIT_CPU, 3630, 3630));
  EXPECT_EQ(Only("LimitCPU=10:20"), L(RLIMIT_CPU, 10, 20));
  // RTTIME: microseconds; a bare number is µs.
  EXPECT_EQ(Only("LimitRTTIME=50ms"), L(RLIMIT_RTTIME, 50000, 50000));
  EXPECT_EQ(Only("LimitRTTIME=1s:2s"), L(RLIMIT_RTTIME, 1000000, 2000000));
  EXPECT_EQ(Only("LimitRTTIME=7us"), L(RLIMIT_RTTIME, 7, 7));
}

TEST(UnitLimits, NiceLevels) {
  // "+N" and "-N" are nice levels (20 - nice); a bare number is raw.
  EXPECT_EQ(Only("LimitNICE=+0"), L(RLIMIT_NICE, 20, 20));
  EXPECT_EQ(Only("LimitNICE=+19"), L(RLIMIT_NICE, 1, 1));
  EXPECT_EQ(Only("LimitNICE=-20"), L(RLIMIT_NICE, 40, 40));
  EXPECT_EQ(Only("LimitNICE=-5"), L(RLIMIT_NICE, 25, 25));
  EXPECT_EQ(Only("LimitNICE=0"), L(RLIMIT_NICE, 0, 0));
  EXPECT_EQ(Only("LimitNICE=40"), L(RLIMIT_NICE, 40, 40));
  EXPECT_EQ(Only("LimitNICE=+10:-10"), L(RLIMIT_NICE, 10, 30));
}

TEST(UnitLimits, LaterWinsAndEmptyResets) {
  fault::ResourceLimits limits =
      Limits("LimitNOFILE=10\nLimitCORE=0\nLimitNOFILE=20:30\n");
  EXPECT_EQ(limits.limits,
            (std::vector<fault::ResourceLimit>{L(RLIMIT_NOFILE, 20, 30),
                                               L(RLIMIT_CORE, 0, 0)}));
  limits = Limits("LimitNOFILE=10\nLimitCORE=0\nLimitNOFILE=\n");
  EXPECT_EQ(limits.limits,
            std::vector<fault::ResourceLimit>{L(RLIMIT_CORE, 0, 0)});
  EXPECT_TRUE(Limits("").empty());
}

TEST(UnitLimits, Errors) {
  const std::string at = absl::StrCat(kPath, ":3: error: ");
  EXPECT_EQ(Error("LimitNOFILE=many"),
            at + "LimitNOFILE: invalid limit \"many\": expected a number or "
                 "\"infinity\"");
  EXPECT_EQ(Error("LimitNOFILE=-1"),
            at + "LimitNOFILE: invalid limit \"-1\": expected a number or "
                 "\"infinity\"");
  EXPECT_EQ(Error("LimitNOFILE=18446744073709551615"),
            at + "LimitNOFILE: invalid limit \"18446744073709551615\": "
                 "expected a number or \"infinity\"");
  EXPECT_EQ(Error("LimitNOFILE=20:10"),
            at + "LimitNOFILE: soft limit 20 is above the hard limit 10");
  EXPECT_EQ(Error("LimitNOFILE=infinity:10"),
            at + "LimitNOFILE: soft limit infinity is above the hard limit 10");
  EXPECT_EQ(Error("LimitNOFILE=1:2:3"),
            at + "LimitNOFILE: invalid limit \"1:2:3\": expected VALUE or "
                 "SOFT:HARD");
  EXPECT_EQ(Error("LimitNOFILE=:5"),
            at + "LimitNOFILE: invalid limit \"\": expected a number or "
                 "\"infinity\"");
  EXPECT_EQ(Error("LimitNOFILE=5:"),
            at + "LimitNOFILE: invalid limit \"\": expected a number or "
                 "\"infinity\"");
  const std::string size_forms =
      ": expected bytes with an optional K, M, G, T, P or E (base 1024), or "
      "\"infinity\"";
  EXPECT_EQ(Error("LimitAS=1X"),
            at + "LimitAS: invalid size \"1X\"" + size_forms);
  EXPECT_EQ(Error("LimitAS=K"),
            at + "LimitAS: invalid size \"K\"" + size_forms);
  EXPECT_EQ(Error("LimitAS=1."),
            at + "LimitAS: invalid size \"1.\"" + size_forms);
  EXPECT_EQ(Error("LimitAS=-1M"),
            at + "LimitAS: invalid size \"-1M\"" + size_forms);
  EXPECT_EQ(Error("LimitAS=16E"), at + "LimitAS: size \"16E\" is out of range");
  const std::string nice_forms =
      ": expected a nice level \"+N\" (0 to 19) or \"-N\" (0 to 20), or a "
      "raw limit from 0 to 40";
  EXPECT_EQ(Error("LimitNICE=+20"),
            at + "LimitNICE: invalid nice limit \"+20\"" + nice_forms);
  EXPECT_EQ(Error("LimitNICE=-21"),
            at + "LimitNICE: invalid nice limit \"-21\"" + nice_forms);
  EXPECT_EQ(Error("LimitNICE=41"),
            at + "LimitNICE: invalid nice limit \"41\"" + nice_forms);
  EXPECT_EQ(Error("LimitNICE=infinity"),
            at + "LimitNICE: invalid nice limit \"infinity\"" + nice_forms);
  // Time spans: ParseTimeSpan's own message, after the key.
  EXPECT_NE(Error("LimitCPU=soon").find(at + "LimitCPU: "), std::string::npos);
  EXPECT_NE(Error("LimitRTTIME=5 parsecs").find(at + "LimitRTTIME: "),
            std::string::npos);
}

TEST(UnitLimits, OnlyInService) {
  ParsedUnit parsed = ParseUnit(
      kPath, "[Unit]\nLimitNOFILE=5\n[Service]\nExecStart=/bin/true\n");
  EXPECT_TRUE(parsed.unit.limits.empty());
  EXPECT_FALSE(Diagnostics(parsed).empty());
}

}  // namespace
}  // namespace faultinit
