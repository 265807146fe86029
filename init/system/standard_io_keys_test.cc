// StandardInput=, StandardOutput=/StandardError=, the TTY*= keys,
// Syslog*=, IgnoreSIGPIPE=, NotifyAccess= and GuessMainPID=, as ParseUnit
// reads them.

#include "init/system/standard_io_keys.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "init/system/main_process_keys.h"
#include "init/system/testing/service_lines.h"
#include "init/system/unit.h"

namespace faultinit {
namespace {

using testing::ParseServiceLines;
using testing::ServiceLinesError;
using Kind = OutputTarget::Kind;

TEST(StandardIoKeys, Defaults) {
  ParsedUnit p = ParseServiceLines("");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.unit.io.input, StandardInput::kNull);
  EXPECT_EQ(p.unit.io.TtyPath(), "/dev/console");
  EXPECT_TRUE(p.unit.io.ignore_sigpipe);
  EXPECT_EQ(p.unit.io.syslog_facility, 3);
  EXPECT_EQ(p.unit.io.syslog_level, 6);
  EXPECT_EQ(EffectiveStandardOutput(p.unit).kind, Kind::kJournal);
  EXPECT_EQ(EffectiveStandardError(p.unit).kind, Kind::kJournal);
  EXPECT_EQ(EffectiveNotifyAccess(p.unit.notify_access, p.unit.type),
            NotifyAccess::kNone);
  EXPECT_EQ(EffectiveNotifyAccess(p.unit.notify_access, ServiceType::kNotify),
            NotifyAccess::kMain);
}

TEST(StandardIoKeys, TtyInputMakesStdoutTheTerminalUnlessGiven) {
  ParsedUnit p = ParseServiceLines(
      "StandardInput=tty-force\nTTYPath=/dev/ttyS0\nTTYReset=yes\n"
      "TTYVHangup=on\nTTYVTDisallocate=1\n");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.unit.io.input, StandardInput::kTtyForce);
  EXPECT_EQ(p.unit.io.TtyPath(), "/dev/ttyS0");
  EXPECT_TRUE(p.unit.io.tty_reset && p.unit.io.tty_vhangup &&
              p.unit.io.tty_vt_disallocate);
  EXPECT_EQ(EffectiveStandardOutput(p.unit).kind, Kind::kTty);
  EXPECT_EQ(EffectiveStandardError(p.unit).kind, Kind::kTty);
  p = ParseServiceLines("StandardInput=tty\nStandardOutput=journal\n");
  EXPECT_EQ(EffectiveStandardOutput(p.unit).kind, Kind::kJournal);
  p = ParseServiceLines("StandardInput=tty\nStandardOutput=inherit\n");
  EXPECT_EQ(EffectiveStandardOutput(p.unit).kind, Kind::kTty);
  p = ParseServiceLines("StandardInput=tty-fail\nStandardInput=\n");
  EXPECT_EQ(p.unit.io.input, StandardInput::kNull);
  p = ParseServiceLines("StandardInput=file:/etc/motd\n");
  EXPECT_EQ(p.unit.io.input, StandardInput::kFile);
  EXPECT_EQ(p.unit.io.input_path, "/etc/motd");
}

TEST(StandardIoKeys, OutputKinds) {
  const struct {
    const char* word;
    Kind kind;
  } kCases[] = {
      {"tty", Kind::kTty},
      {"kmsg", Kind::kKmsg},
      {"syslog", Kind::kSyslog},
      {"journal+console", Kind::kJournalConsole},
      {"kmsg+console", Kind::kKmsgConsole},
      {"syslog+console", Kind::kSyslogConsole},
  };
  for (const auto& c : kCases) {
    ParsedUnit p = ParseServiceLines(absl::StrCat(
        "StandardOutput=", c.word, "\nStandardError=", c.word, "\n"));
    EXPECT_TRUE(p.ok()) << c.word;
    EXPECT_EQ(p.unit.standard_output.kind, c.kind) << c.word;
    EXPECT_EQ(p.unit.standard_error.kind, c.kind) << c.word;
  }
  EXPECT_TRUE(ThroughJournalPipe(Kind::kSyslogConsole));
  EXPECT_FALSE(ThroughJournalPipe(Kind::kTty));
}

TEST(StandardIoKeys, SyslogKeysAndSigpipe) {
  ParsedUnit p = ParseServiceLines(
      "SyslogIdentifier=webd\nSyslogFacility=local7\nSyslogLevel=debug\n"
      "IgnoreSIGPIPE=no\nNotifyAccess=all\nGuessMainPID=no\n");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.unit.io.syslog_identifier, "webd");
  EXPECT_EQ(p.unit.io.syslog_facility, 23);
  EXPECT_EQ(p.unit.io.syslog_level, 7);
  EXPECT_FALSE(p.unit.io.ignore_sigpipe);
  EXPECT_EQ(p.unit.notify_access, NotifyAccess::kAll);
  EXPECT_FALSE(p.unit.guess_main_pid);
  EXPECT_TRUE(p.diagnostics.empty());
}

// StandardInput=socket: stdout and stderr follow it unless given, as
// systemd's inherit duplicates stdin; StandardOutput=socket alone too.
TEST(StandardIoKeys, SocketInputAndOutput) {
  ParsedUnit p = ParseServiceLines("StandardInput=socket\n");
  EXPECT_TRUE(p.ok());
  EXPECT_TRUE(p.diagnostics.empty());
  EXPECT_EQ(p.unit.io.input, StandardInput::kSocket);
  EXPECT_EQ(EffectiveStandardOutput(p.unit).kind, Kind::kSocket);
  EXPECT_EQ(EffectiveStandardError(p.unit).kind, Kind::kSocket);
  ParsedUnit journal =
      ParseServiceLines("StandardInput=socket\nStandardError=journal\n");
  EXPECT_EQ(EffectiveStandardOutput(journal.unit).kind, Kind::kSocket);
  EXPECT_EQ(EffectiveStandardError(journal.unit).kind, Kind::kJournal);
  ParsedUnit out =
      ParseServiceLines("StandardInput=socket\nStandardOutput=null\n");
  EXPECT_EQ(EffectiveStandardOutput(out.unit).kind, Kind::kNull);
  EXPECT_EQ(EffectiveStandardError(out.unit).kind, Kind::kNull);
  ParsedUnit only_out = ParseServiceLines("StandardOutput=socket\n");
  EXPECT_EQ(only_out.unit.io.input, StandardInput::kNull);
  EXPECT_EQ(EffectiveStandardOutput(only_out.unit).kind, Kind::kSocket);
}

TEST(StandardIoKeys, Errors) {
  EXPECT_EQ(ServiceLinesError("StandardInput=keyboard\n"),
            "StandardInput: invalid value \"keyboard\": expected null, tty, "
            "tty-force, tty-fail, file:PATH or socket");
  EXPECT_EQ(ServiceLinesError("StandardInput=data\n"),
            "StandardInput: invalid value \"data\": not supported (faultinit "
            "passes no data or descriptors); expected null, tty, tty-force, "
            "tty-fail, file:PATH or socket");
  EXPECT_EQ(ServiceLinesError("StandardInputText=hello\n"),
            "StandardInputText: not supported: faultinit passes no data on "
            "stdin (StandardInput=data)");
  EXPECT_EQ(ServiceLinesError("TTYPath=ttyS0\n"),
            "TTYPath: invalid path \"ttyS0\" in \"ttyS0\": expected an "
            "absolute path");
  EXPECT_EQ(ServiceLinesError("TTYReset=maybe\n"),
            "TTYReset: invalid boolean \"maybe\": expected yes or no");
  EXPECT_EQ(ServiceLinesError("SyslogLevel=loud\n").substr(0, 33),
            "SyslogLevel: invalid value \"loud\"");
  EXPECT_EQ(ServiceLinesError("SyslogIdentifier=a b\n"),
            "SyslogIdentifier: invalid identifier \"a b\": no spaces or "
            "control bytes");
  EXPECT_EQ(ServiceLinesError("NotifyAccess=some\n"),
            "NotifyAccess: invalid value \"some\": expected none, main, exec "
            "or all");
  EXPECT_EQ(ServiceLinesError("StandardOutput=sockets\n").substr(0, 39),
            "StandardOutput: invalid value \"sockets\"");
}

}  // namespace
}  // namespace faultinit
