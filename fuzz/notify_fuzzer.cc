// Fuzzes the sd_notify message parser (init/support/notify.h):
// ParseNotifyMessage on one datagram, as NotifySocket::ReadAll hands it
// over (at most kMaxNotifyDatagram bytes; tools/fuzz's -max_len).
//
// Properties: garbage never fails, it parses to fewer fields; MAINPID is
// positive and ERRNO not negative; STATUS holds no newline; a flag is set
// only by KEY=1 on a line of its own.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "fuzz/check.h"
#include "init/support/notify.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using faultinit::NotifyMessage;
  const absl::string_view datagram(reinterpret_cast<const char*>(data), size);
  const NotifyMessage message = faultinit::ParseNotifyMessage(datagram);
  if (message.main_pid) FUZZ_CHECK(*message.main_pid > 0);
  if (message.errno_value) FUZZ_CHECK(*message.errno_value >= 0);
  if (message.status) {
    FUZZ_CHECK(message.status->find('\n') == std::string::npos);
    FUZZ_CHECK(absl::StrContains(datagram, "STATUS="));
  }
  const std::string lines = absl::StrCat("\n", datagram, "\n");
  FUZZ_CHECK(!message.ready || absl::StrContains(lines, "\nREADY=1\n"));
  FUZZ_CHECK(!message.stopping || absl::StrContains(lines, "\nSTOPPING=1\n"));
  FUZZ_CHECK(!message.reloading || absl::StrContains(lines, "\nRELOADING=1\n"));

  // What follows a complete message cannot undo READY=1.
  if (message.ready) {
    FUZZ_CHECK(faultinit::ParseNotifyMessage(
                   absl::StrCat(datagram, "\nREADY=0\nSTATUS=x"))
                   .ready);
  }
  return 0;
}
