#include "init/system/unit_directory.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace faultinit {
namespace {

using Lines = std::vector<std::string>;

// TempDir: a fresh directory under $TEST_TMPDIR named after the test.
class TempDir {
 public:
  TempDir() {
    const char* root = std::getenv("TEST_TMPDIR");
    path_ = absl::StrCat(
        root != nullptr ? root : "/tmp", "/",
        testing::UnitTest::GetInstance()->current_test_info()->name());
    EXPECT_EQ(mkdir(path_.c_str(), 0755), 0) << path_;
  }

  const std::string& path() const { return path_; }
  std::string Path(absl::string_view name) const {
    return absl::StrCat(path_, "/", name);
  }

  // Write creates `name` holding `contents` (bytes, NULs included).
  void Write(absl::string_view name, absl::string_view contents) const {
    FILE* f = std::fopen(Path(name).c_str(), "wb");
    ASSERT_NE(f, nullptr) << name;
    if (contents.find('\0') == absl::string_view::npos) {
      ASSERT_GE(std::fputs(std::string(contents).c_str(), f), 0);
    } else {
      ASSERT_EQ(std::fwrite(contents.data(), 1, contents.size(), f),
                contents.size());
    }
    ASSERT_EQ(std::fclose(f), 0);
  }

 private:
  std::string path_;
};

std::string Service(absl::string_view name) {
  return absl::StrCat("[Service]\nExecStart=/bin/", name, "\n");
}

Lines ReportLines(const LoadedUnits& units) {
  CheckReport report = RenderCheckReport(units);
  Lines lines;
  size_t start = 0;
  for (size_t end; (end = report.text.find('\n', start)) != std::string::npos;
       start = end + 1) {
    lines.push_back(report.text.substr(start, end - start));
  }
  EXPECT_EQ(start, report.text.size()) << "the report ends with a newline";
  return lines;
}

ParsedUnit Parsed(absl::string_view name, absl::string_view contents) {
  return ParseUnit(absl::StrCat(name, ".service"), contents);
}

// A clean directory: no diagnostics, the start order, exit status 0.
TEST(UnitDirectory, CleanDirectory) {
  TempDir dir;
  dir.Write("b.service", "[Unit]\nAfter=a\n" + Service("b"));
  dir.Write("a.service", Service("a"));
  dir.Write("notes.txt", "not a unit");
  dir.Write("README", "neither");
  LoadedUnits units = LoadUnitDirectory(dir.path());
  EXPECT_EQ(units.directory, dir.path());
  ASSERT_EQ(units.units.size(), 2u);
  EXPECT_EQ(units.units[0].unit.name, "a");
  EXPECT_EQ(units.units[0].unit.path, dir.Path("a.service"));
  EXPECT_EQ(units.Find("b"), &units.units[1]);
  EXPECT_EQ(units.Find("c"), nullptr);
  EXPECT_FALSE(units.has_errors());
  CheckReport report = RenderCheckReport(units);
  EXPECT_EQ(report.text, "start order: a b\n");
  EXPECT_FALSE(report.has_errors);
}

// A dependency naming a missing unit is a warning (file, line, name):
// Requires= treats it as satisfied, Wants=/After=/Before= ignore it.
TEST(UnitDirectory, MissingDependencies) {
  TempDir dir;
  dir.Write("a.service",
            "[Unit]\n"
            "Requires=b\n"
            "Wants=c.service\n"
            "After=network.target\n"
            "Before=d e\n" +
                Service("a"));
  dir.Write("d.service", Service("d"));
  LoadedUnits units = LoadUnitDirectory(dir.path());
  // A Requires= of a unit the directory does not have is a warning:
  // treated as satisfied.
  EXPECT_TRUE(units.Find("a")->ok());
  EXPECT_TRUE(units.Find("d")->ok());
  const std::string a = dir.Path("a.service");
  EXPECT_EQ(ReportLines(units),
            (Lines{a +
                       ":2: warning: Requires: no unit \"b\" (no b.service "
                       "in " +
                       dir.path() + "); treated as satisfied",
                   a + ":3: warning: Wants: no unit \"c\" (no c.service in " +
                       dir.path() + "); ignored",
                   a + ":4: warning: After: no unit \"network.target\" "
                       "(a flat directory has no .target units); ignored",
                   a + ":5: warning: Before: no unit \"e\" (no e.service in " +
                       dir.path() + "); ignored",
                   "start order: a d"}));
  EXPECT_FALSE(RenderCheckReport(units).has_errors);
}

// A socket unit of the directory is a unit a dependency may name (open
// before any service starts); a missing socket is named as such, and a
// unit of a type faultinit has none of says what happens instead.
TEST(UnitDirectory, DependenciesOnOtherUnitTypes) {
  TempDir dir;
  dir.Write("a.service",
            "[Unit]\n"
            "Requires=here.socket\n"
            "After=here.socket gone.socket\n"
            "Requires=data.mount\n"
            "BindsTo=dev-sda1.device\n"
            "Wants=clean.timer\n" +
                Service("a"));
  dir.Write("here.socket", "[Socket]\nListenStream=/run/here.sock\n");
  LoadedUnits units = LoadUnitDirectory(dir.path());
  const std::string a = dir.Path("a.service");
  EXPECT_EQ(
      ReportLines(units),
      (Lines{a +
                 ":3: warning: After: no unit \"gone.socket\" (no gone.socket "
                 "in " +
                 dir.path() + "); ignored",
             a + ":4: warning: Requires: no unit \"data.mount\" (faultinit "
                 "has no .mount units: the fstab step mounts /etc/fstab's "
                 "local file systems before any unit starts, nothing else is "
                 "mounted for it); treated as satisfied",
             a + ":5: warning: BindsTo: no unit \"dev-sda1.device\" "
                 "(faultinit has no .device units: nothing waits for the "
                 "device); treated as satisfied",
             a + ":6: warning: Wants: no unit \"clean.timer\" (faultinit has "
                 "no .timer units: nothing starts on time); ignored",
             "start order: a"}));
  EXPECT_TRUE(units.Find("a")->ok());
}

// A three-unit ordering cycle (mixing After= and Before=) fails all three,
// each with one error naming the whole cycle; the other units are fine and
// in the start order, even one ordered after a unit of the cycle.
TEST(UnitDirectory, OrderingCycle) {
  TempDir dir;
  dir.Write("a.service", "[Unit]\nAfter=c\nBefore=b\n" + Service("a"));
  dir.Write("b.service", Service("b"));
  dir.Write("c.service", "[Unit]\nAfter=b\n" + Service("c"));
  dir.Write("d.service", "[Unit]\nAfter=a\n" + Service("d"));
  dir.Write("e.service", Service("e"));
  LoadedUnits units = LoadUnitDirectory(dir.path());
  EXPECT_EQ(
      ReportLines(units),
      (Lines{
          dir.Path("a.service") + ":3: error: ordering cycle: a -> b -> c -> a",
          dir.Path("b.service") + ": error: ordering cycle: a -> b -> c -> a",
          dir.Path("c.service") + ":2: error: ordering cycle: a -> b -> c -> a",
          "start order: d e"}));
  EXPECT_TRUE(units.has_errors());
}

// Failure propagates along Requires=, transitively; Wants= does not.
TEST(UnitDirectory, RequiresPropagatesFailure) {
  TempDir dir;
  dir.Write("x.service", "[Service]\nType=bogus\nExecStart=/bin/x\n");
  dir.Write("y.service", "[Unit]\nRequires=x.service\n" + Service("y"));
  dir.Write("z.service", "[Unit]\nWants=x\nRequires=y\n" + Service("z"));
  dir.Write("w.service", "[Unit]\nWants=x\nAfter=x\n" + Service("w"));
  LoadedUnits units = LoadUnitDirectory(dir.path());
  EXPECT_EQ(
      ReportLines(units),
      (Lines{dir.Path("x.service") +
                 ":2: error: Type: invalid value \"bogus\": expected "
                 "simple, exec, oneshot, notify or forking",
             dir.Path("y.service") + ":2: error: required unit \"x\" failed",
             dir.Path("z.service") + ":3: error: required unit \"y\" failed",
             "start order: w"}));
}

// A 2 MiB file is one error, checked before reading; what requires it
// fails; the rest is fine.
TEST(UnitDirectory, FileTooLarge) {
  TempDir dir;
  std::string big = Service("big");
  while (big.size() < (2u << 20)) big += "# padding padding padding\n";
  big.resize(2u << 20);
  dir.Write("big.service", big);
  dir.Write("needs-big.service", "[Unit]\nRequires=big\n" + Service("n"));
  dir.Write("ok.service", Service("ok"));
  LoadedUnits units = LoadUnitDirectory(dir.path());
  EXPECT_EQ(ReportLines(units),
            (Lines{dir.Path("big.service") +
                       ": error: the file is 2097152 bytes, over the limit of "
                       "1048576 (1 MiB); not parsed",
                   dir.Path("needs-big.service") +
                       ":2: error: required unit \"big\" failed",
                   "start order: ok"}));
}

// Each unit carries the text it was parsed from, so a reload compares
// what runs with the file, not with a later read of it; an unreadable file
// has none.
TEST(UnitDirectory, KeepsTheParsedText) {
  TempDir dir;
  dir.Write("a.service", Service("a"));
  std::string big = Service("big");
  big.resize(2u << 20, '#');
  dir.Write("big.service", big);
  LoadedUnits units = LoadUnitDirectory(dir.path());
  ASSERT_EQ(units.units.size(), 2u);
  EXPECT_EQ(units.units[0].unit.name, "a");
  EXPECT_EQ(units.units[0].source, Service("a"));
  EXPECT_EQ(units.units[1].unit.name, "big");
  EXPECT_EQ(units.units[1].source, "");
}

// A file of random binary bytes is a failed unit with errors, not a crash.
TEST(UnitDirectory, RandomBinaryFile) {
  TempDir dir;
  std::mt19937 rng(12345);
  std::string garbage(64 << 10, '\0');
  for (char& c : garbage) c = static_cast<char>(rng() & 0xFF);
  dir.Write("garbage.service", garbage);
  dir.Write("ok.service", Service("ok"));
  LoadedUnits units = LoadUnitDirectory(dir.path());
  const ParsedUnit* parsed = units.Find("garbage");
  ASSERT_NE(parsed, nullptr);
  EXPECT_FALSE(parsed->ok());
  EXPECT_FALSE(parsed->diagnostics.empty());
  EXPECT_TRUE(units.Find("ok")->ok());
  CheckReport report = RenderCheckReport(units);
  EXPECT_TRUE(report.has_errors);
  EXPECT_EQ(report.text.substr(report.text.size() - 16), "start order: ok\n");
}

// Of the units ready to start, the smallest name goes first.
TEST(UnitDirectory, StartOrderTiesByName) {
  TempDir dir;
  dir.Write("zeta.service", Service("zeta"));
  dir.Write("alpha.service", "[Unit]\nAfter=zeta.service\n" + Service("a"));
  dir.Write("mid.service", Service("mid"));
  dir.Write("beta.service", "[Unit]\nBefore=alpha\n" + Service("b"));
  dir.Write("omega.service", "[Unit]\nAfter=alpha mid\n" + Service("o"));
  LoadedUnits units = LoadUnitDirectory(dir.path());
  EXPECT_FALSE(units.has_errors());
  EXPECT_EQ(StartOrder(units),
            (Lines{"beta", "mid", "zeta", "alpha", "omega"}));
}

// Entries that are not regular files are skipped with a warning; a
// dangling link is an unreadable, failed unit.
TEST(UnitDirectory, NonRegularEntries) {
  TempDir dir;
  ASSERT_EQ(mkdir(dir.Path("sub.service").c_str(), 0755), 0);
  ASSERT_EQ(symlink("/dev/null", dir.Path("masked.service").c_str()), 0);
  ASSERT_EQ(symlink("/nonexistent/x", dir.Path("dangling.service").c_str()), 0);
  dir.Write("real.service", Service("real"));
  ASSERT_EQ(symlink("real.service", dir.Path("alias.service").c_str()), 0);
  LoadedUnits units = LoadUnitDirectory(dir.path());
  EXPECT_EQ(
      ReportLines(units),
      (Lines{
          dir.Path("masked.service") + ": warning: not a regular file; skipped",
          dir.Path("sub.service") + ": warning: not a regular file; skipped",
          dir.Path("dangling.service") +
              ": error: unable to open unit file: No such file or "
              "directory",
          "start order: alias real"}));
}

// A file whose name is not a valid unit name (issue 24: a newline or a
// tab in it broke or forged `faultctl status`) is not loaded: one error
// line on the directory names it escaped and says why; the others load.
TEST(UnitDirectory, InvalidFileNamesAreNotLoaded) {
  TempDir dir;
  dir.Write("zz\nx.service", Service("x"));
  dir.Write("a\tfailed\t0\t0\t0\t\t\t\nS\thealthy.service", Service("x"));
  dir.Write("tmpl@.service", Service("x"));
  dir.Write("web.service", Service("web"));
  dir.Write("getty@tty1.service", Service("getty"));
  LoadedUnits units = LoadUnitDirectory(dir.path());
  ASSERT_EQ(units.units.size(), 2u);
  EXPECT_EQ(units.units[0].unit.name, "getty@tty1");
  EXPECT_EQ(units.units[1].unit.name, "web");
  const std::string why = "; a unit name has only A-Z a-z 0-9 : _ . \\ - and @";
  EXPECT_EQ(
      ReportLines(units),
      (Lines{
          dir.path() +
              ": error: unit file "
              "\"a\\x09failed\\x090\\x090\\x090\\x09\\x09\\x09\\x0aS\\x09"
              "healthy.service\" not loaded: the name holds \\x09 at byte 2" +
              why,
          dir.path() +
              ": error: unit file \"tmpl@.service\" not loaded: the name "
              "is a template (NAME@.service), which does not run itself: "
              "its instances (NAME@INSTANCE.service) do, in the layout",
          dir.path() +
              ": error: unit file \"zz\\x0ax.service\" not loaded: the "
              "name holds \\x0a at byte 3" +
              why,
          "start order: getty@tty1 web"}));
  EXPECT_TRUE(RenderCheckReport(units).has_errors);
}

// A directory that cannot be opened is one error; nothing starts.
TEST(UnitDirectory, MissingDirectory) {
  TempDir dir;
  LoadedUnits units = LoadUnitDirectory(dir.Path("nope"));
  EXPECT_TRUE(units.units.empty());
  EXPECT_EQ(ReportLines(units),
            (Lines{dir.Path("nope") +
                       ": error: unable to open unit directory: No such file "
                       "or directory",
                   "start order:"}));
  EXPECT_TRUE(RenderCheckReport(units).has_errors);
}

// A unit naming itself gets a warning and the name is dropped.
TEST(LinkUnits, SelfDependencyWarns) {
  std::vector<ParsedUnit> parsed;
  parsed.push_back(
      Parsed("a", "[Unit]\nAfter=a\nRequires=a.service\n" + Service("a")));
  LoadedUnits units = LinkUnits("", std::move(parsed));
  EXPECT_EQ(ReportLines(units),
            (Lines{"a.service:2: warning: After: a unit cannot depend on "
                   "itself; ignored",
                   "a.service:3: warning: Requires: a unit cannot depend on "
                   "itself; ignored",
                   "start order: a"}));
  EXPECT_TRUE(units.units[0].unit.after.empty());
  EXPECT_TRUE(units.units[0].unit.required.empty());
}

// Units are sorted by name; a second unit of the same name is dropped.
TEST(LinkUnits, SortsAndDropsDuplicates) {
  std::vector<ParsedUnit> parsed;
  parsed.push_back(Parsed("b", Service("b")));
  parsed.push_back(Parsed("a", Service("a")));
  parsed.push_back(ParseUnit("other/a.service", Service("a2")));
  LoadedUnits units = LinkUnits("", std::move(parsed));
  ASSERT_EQ(units.units.size(), 2u);
  EXPECT_EQ(units.units[0].unit.path, "a.service");
  EXPECT_EQ(ReportLines(units),
            (Lines{"other/a.service: error: duplicate unit \"a\", also in "
                   "a.service; this file is ignored",
                   "start order: a b"}));
}

// A long chain of After= neither recurses deeply nor loses the order; a
// cycle closing it fails every unit on it.
TEST(LinkUnits, LongChain) {
  constexpr int kUnits = 1000;
  auto name = [](int k) { return absl::StrCat("u", 10000 + k); };
  std::vector<ParsedUnit> parsed;
  for (int k = kUnits - 1; k >= 0; --k) {
    std::string after =
        k > 0 ? absl::StrCat("[Unit]\nAfter=", name(k - 1), "\n") : "";
    parsed.push_back(Parsed(name(k), after + Service("x")));
  }
  std::vector<ParsedUnit> cyclic = parsed;
  LoadedUnits units = LinkUnits("", std::move(parsed));
  std::vector<std::string> order = StartOrder(units);
  ASSERT_EQ(order.size(), static_cast<size_t>(kUnits));
  for (int k = 0; k < kUnits; ++k) EXPECT_EQ(order[k], name(k));

  cyclic.back().unit.after.push_back(Dependency{name(kUnits - 1), 1});
  units = LinkUnits("", std::move(cyclic));
  EXPECT_TRUE(StartOrder(units).empty());
  for (const ParsedUnit& u : units.units) EXPECT_FALSE(u.ok());
  // The message names the first 50 units of so long a cycle.
  const std::string& message = units.units[0].diagnostics.back().message;
  EXPECT_EQ(message.substr(0, 40), "ordering cycle: u10000 -> u10001 -> u100");
  EXPECT_EQ(message.substr(message.size() - 36),
            "u10049 -> ... -> u10000 (1000 units)");
}

}  // namespace
}  // namespace faultinit
