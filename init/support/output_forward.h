// File: init/support/output_forward.h
//
// OutputForwarder: where the lines of a service's journal pipe go besides
// faultinit's log, for StandardOutput=/StandardError= kmsg, syslog and
// their +console forms, and journal+console (systemd.exec(5)):
//   - kmsg: one record per line, "<PRI>IDENT[PID]: LINE", to /dev/kmsg;
//   - syslog: one datagram per line in RFC 3164's form, "<PRI>Mmm dd
//     hh:mm:ss IDENT[PID]: LINE" (the time in UTC: faultinit reads no time
//     zone), to the AF_UNIX datagram socket /dev/log;
//   - console: "IDENT[PID]: LINE" to /dev/console.
// PRI is facility * 8 + level (SyslogFacility=, SyslogLevel=); "[PID]" is
// left out when `pid` is 0.
//
// A forwarder lives for one read of the pipe: it opens each destination
// on first use (O_CLOEXEC, non-blocking) and closes them when destroyed,
// so PID 1 holds no descriptor for them between reads. Nothing waits: a
// line the destination cannot take now is dropped (kmsg, console) or
// reported (syslog, for the caller to log instead).
//
// Loop thread; not async-signal-safe (allocates).

#ifndef FAULT_INIT_SUPPORT_OUTPUT_FORWARD_H_
#define FAULT_INIT_SUPPORT_OUTPUT_FORWARD_H_

#include <sys/types.h>

#include <string>

#include "absl/strings/string_view.h"
#include "runtime/fd.h"
#include "runtime/status.h"

namespace faultinit {

struct ForwardPaths {
  std::string kmsg = "/dev/kmsg";
  std::string syslog = "/dev/log";
  std::string console = "/dev/console";
};

class OutputForwarder {
 public:
  // `ident` and `paths` must outlive the forwarder.
  OutputForwarder(absl::string_view ident, pid_t pid, int priority,
                  const ForwardPaths& paths);

  // Kmsg writes `line` to the kernel log; false if it could not.
  bool Kmsg(absl::string_view line);
  // Syslog sends `line` to the syslog socket. Error: nothing listens there
  // (no socket, ECONNREFUSED), or it takes nothing now (EAGAIN), naming the
  // path; the caller logs the line itself then.
  fault::Status Syslog(absl::string_view line);
  // Console writes `line` to the console; false if it could not.
  bool Console(absl::string_view line);

  // "<PRI>Mmm dd hh:mm:ss IDENT[PID]: LINE" for `unix_seconds`.
  static std::string SyslogDatagram(int priority, absl::string_view ident,
                                    pid_t pid, absl::string_view line,
                                    long long unix_seconds);

 private:
  std::string Tagged(absl::string_view line) const;  // "IDENT[PID]: LINE"

  absl::string_view ident_;
  pid_t pid_;
  int priority_;
  const ForwardPaths& paths_;
  fault::UniqueFd kmsg_, syslog_, console_;
  bool kmsg_failed_ = false, console_failed_ = false;
};

}  // namespace faultinit

#endif  // FAULT_INIT_SUPPORT_OUTPUT_FORWARD_H_
