#include "runtime/options.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace fault {
namespace {

constexpr OptionSpec kSpecs[] = {
    {1, 'v', "verbose", false},
    {2, 'r', "rewrite", true},
    {3, 0, "grace", true},
};

std::string Scan(std::vector<std::string> args, size_t* next = nullptr) {
  size_t i = 0;
  StatusOr<std::vector<ScannedOption>> found = ScanOption(args, &i, kSpecs);
  if (next != nullptr) *next = i;
  if (!found.ok()) return std::string(found.status().message());
  std::string out;
  for (const ScannedOption& o : *found) {
    out += o.shown + "=" + std::string(o.value) + ";";
  }
  return out;
}

// Short options cluster; a value is the rest of the cluster or the next
// argument.
TEST(ScanOption, ShortClusters) {
  size_t next = 0;
  EXPECT_EQ(Scan({"-vvrTERM:QUIT", "cmd"}, &next), "-v=;-v=;-r=TERM:QUIT;");
  EXPECT_EQ(next, 1u);
  EXPECT_EQ(Scan({"-r", "HUP:USR1", "cmd"}, &next), "-r=HUP:USR1;");
  EXPECT_EQ(next, 2u);
}

// Long options take "=VALUE" or the next argument.
TEST(ScanOption, LongOptions) {
  size_t next = 0;
  EXPECT_EQ(Scan({"--grace=1min 30s"}, &next), "--grace=1min 30s;");
  EXPECT_EQ(next, 1u);
  EXPECT_EQ(Scan({"--grace", "5s"}, &next), "--grace=5s;");
  EXPECT_EQ(next, 2u);
  EXPECT_EQ(Scan({"--verbose"}), "--verbose=;");
}

// Every error is one line naming the option.
TEST(ScanOption, Errors) {
  EXPECT_EQ(Scan({"-x"}), "unknown option \"-x\"");
  EXPECT_EQ(Scan({"-vx"}), "unknown option \"-x\"");
  EXPECT_EQ(Scan({"--frob"}), "unknown option \"--frob\"");
  EXPECT_EQ(Scan({"-r"}), "-r: missing value");
  EXPECT_EQ(Scan({"--grace"}), "--grace: missing value");
  EXPECT_EQ(Scan({"--verbose=2"}), "--verbose: takes no value");
}

}  // namespace
}  // namespace fault
