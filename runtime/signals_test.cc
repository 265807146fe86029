#include "runtime/signals.h"

#include <signal.h>

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace fault {
namespace {

// The categorized names map to the codes the seed lists.
TEST(SignalCodes, MapsCategorizedNamesToCodes) {
  EXPECT_EQ(LookupSignalCode("process/terminate"), SIGTERM);
  EXPECT_EQ(LookupSignalCode("process/kill"), SIGKILL);
  EXPECT_EQ(LookupSignalCode("limit/time"), SIGVTALRM);
  EXPECT_EQ(LookupSignalCode("terminal/query"), SIGUSR1);  // no SIGINFO
  EXPECT_EQ(LookupSignalCode("terminal/delta"), SIGWINCH);
  EXPECT_EQ(LookupSignalCode("error/invalid-system-call"), SIGSYS);
  EXPECT_EQ(LookupSignalCode("process/nonsense"), std::nullopt);
  EXPECT_EQ(SignalCodes().size(), 25u);
  EXPECT_EQ(SignalCodes().front().name, "process/suspend");
  EXPECT_EQ(SignalCodes().back().name, "error/invalid-system-call");
}

// Where two names share a code, the later entry of the table wins.
TEST(SignalNames, LaterEntryWins) {
  EXPECT_EQ(SignalName(SIGTSTP), "terminal/stop");
  EXPECT_EQ(SignalName(SIGCONT), "process/continue");
  EXPECT_EQ(SignalName(SIGUSR1), "user/1");
  EXPECT_EQ(SignalName(SIGTERM), "process/terminate");
  EXPECT_EQ(SignalName(SIGCHLD), "");
}

// Every categorized name round-trips unless a later entry shares its code.
TEST(SignalNames, InverseOfCodes) {
  for (const SignalCode& entry : SignalCodes()) {
    absl::string_view back = SignalName(entry.signo);
    EXPECT_EQ(LookupSignalCode(back), entry.signo) << entry.name;
  }
}

TEST(SignalIdentifiers, PosixNames) {
  EXPECT_EQ(SignalIdentifier(15), "SIGTERM");
  EXPECT_EQ(SignalIdentifier(SIGKILL), "SIGKILL");
  EXPECT_EQ(SignalIdentifier(SIGABRT), "SIGABRT");  // not SIGIOT
  EXPECT_EQ(SignalIdentifier(SIGCHLD), "SIGCHLD");  // not SIGCLD
  EXPECT_EQ(SignalIdentifier(SIGIO), "SIGIO");      // not SIGPOLL
  EXPECT_EQ(SignalIdentifier(SIGRTMIN), "SIGRTMIN");
  EXPECT_EQ(SignalIdentifier(0), "");
  EXPECT_EQ(SignalIdentifier(SIGRTMIN + 1), "");
  // Every signal below SIGRTMIN that Linux defines has an identifier.
  for (int s = 1; s < 32; ++s) {
    EXPECT_FALSE(SignalIdentifier(s).empty()) << s;
  }
}

TEST(FatalSignals, SeedSet) {
  std::set<int> fatal(FatalSignals().begin(), FatalSignals().end());
  EXPECT_EQ(fatal, (std::set<int>{SIGINT, SIGTERM, SIGXCPU, SIGXFSZ, SIGVTALRM,
                                  SIGPROF, SIGUSR1, SIGUSR2}));
  EXPECT_TRUE(IsFatalSignal(SIGTERM));
  EXPECT_FALSE(IsFatalSignal(SIGKILL));
  EXPECT_FALSE(IsFatalSignal(SIGCHLD));
  EXPECT_TRUE(std::is_sorted(FatalSignals().begin(), FatalSignals().end()));
}

// Every accepted spelling of SIGTERM parses to 15.
TEST(ParseSignal, AcceptsEveryForm) {
  for (const char* text :
       {"process/terminate", "SIGTERM", "TERM", "term", "sigterm", "15"}) {
    StatusOr<int> signo = ParseSignal(text);
    ASSERT_TRUE(signo.ok()) << text << ": " << signo.status().ToString();
    EXPECT_EQ(*signo, SIGTERM) << text;
  }
  EXPECT_EQ(*ParseSignal("SIGIOT"), SIGABRT);
  EXPECT_EQ(*ParseSignal("cld"), SIGCHLD);
  EXPECT_EQ(*ParseSignal("RTMIN"), SIGRTMIN);
  EXPECT_EQ(*ParseSignal("terminal/delta"), SIGWINCH);
  EXPECT_EQ(*ParseSignal("64"), 64);
}

TEST(ParseSignal, RejectsOthersListingTheForms) {
  for (const char* text : {"", "0", "65", "-1", "SIG", "TERMX", "15x", " 15",
                           "Process/Terminate", "SIGNAL"}) {
    StatusOr<int> signo = ParseSignal(text);
    ASSERT_FALSE(signo.ok()) << text;
    EXPECT_EQ(signo.status().code(), StatusCode::kInvalidArgument);
    std::string message(signo.status().message());
    EXPECT_NE(message.find(std::string("\"") + text + "\""), std::string::npos)
        << message;
    EXPECT_NE(message.find("process/terminate"), std::string::npos);
    EXPECT_NE(message.find("SIGTERM, TERM, term"), std::string::npos);
  }
}

TEST(SignalDisplayName, ShortNameOrNumber) {
  char buffer[12];
  EXPECT_EQ(SignalDisplayName(SIGTERM, buffer), "TERM");
  EXPECT_EQ(SignalDisplayName(SIGRTMIN + 2, buffer),
            std::to_string(SIGRTMIN + 2));
  EXPECT_EQ(SignalDisplayName(-7, buffer), "-7");
}

}  // namespace
}  // namespace fault
