// Supervisor: the services' output and notifications. Journal output
// (StandardOutput=journal) is a pipe per service, read at most
// kOutputBudget bytes per wake-up, logged as "[name] line" and kept in the
// entry's ring; sd_notify datagrams on NOTIFY_SOCKET are routed by the
// sender's pid or process group; a NotificationFd= pipe is read one line
// per notification. The files StandardOutput= and StandardError= name are
// opened here too (OpenOutputTarget), never waiting.

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "init/supervisor/supervisor.h"
#include "init/supervisor/supervisor_entry.h"
#include "init/support/service_files.h"

namespace faultinit {

fault::StatusOr<fault::UniqueFd> OpenOutputTarget(const OutputTarget& target,
                                                  absl::string_view key) {
  switch (target.kind) {
    case OutputTarget::Kind::kJournal:
    case OutputTarget::Kind::kInherit:
      return fault::UniqueFd();
    case OutputTarget::Kind::kNull:
      return OpenOutputFile("/dev/null", false, false, key);
    case OutputTarget::Kind::kConsole:
      return OpenOutputFile("/dev/console", false, false, key);
    case OutputTarget::Kind::kFile:
      return OpenOutputFile(target.path, true, false, key);
    case OutputTarget::Kind::kAppend:
      return OpenOutputFile(target.path, true, true, key);
  }
  return fault::UniqueFd();
}

fault::Status Supervisor::OpenOutput(Entry& entry) {
  if (entry.output) return fault::OkStatus();
  FAULT_ASSIGN_OR_RETURN(fault::Pipe pipe, fault::MakePipe());
  FAULT_ASSIGN_OR_RETURN(OutputReader reader,
                         OutputReader::Create(std::move(pipe.read)));
  entry.output.emplace(std::move(reader));
  entry.output_write = std::move(pipe.write);
  // The entry outlives the watch: it is cancelled before an erase.
  FAULT_ASSIGN_OR_RETURN(
      entry.output_watch,
      scheduler_.OnReadable(entry.output->fd(), [this, &entry] {
        ReadOutput(entry, kOutputBudget);
      }));
  return fault::OkStatus();
}

void Supervisor::ReadOutput(Entry& e, size_t budget) {
  if (!e.output || e.output_watch == 0) return;
  const std::string& name = e.unit.name;
  bool ended = e.output->ReadAvailable(
      budget, [&](absl::string_view line, bool truncated) {
        log_.Output(absl::StrCat("[", name, "] ", line,
                                 truncated ? " [truncated]" : ""));
        e.ring.Append(line);
        if (line_listener_) line_listener_(name, line);
      });
  if (ended) {
    scheduler_.Cancel(e.output_watch);
    e.output_watch = 0;
  }
}

void Supervisor::DrainOutput() {
  // Services are gone; what they wrote is bounded by the pipe buffers.
  for (auto& [name, e] : entries_) ReadOutput(*e, 1 << 20);
}

void Supervisor::OnNotify() {
  for (const NotifySocket::Received& r : notify_->ReadAll()) {
    // From the main process, or any process in the service's groups
    // (a helper such as `faultctl notify` run by its shell), while alive.
    const pid_t group = r.pid > 0 ? getpgid(r.pid) : -1;
    for (auto& [name, e] : entries_) {
      if (r.pid <= 0 || (e->service->main_pid() != r.pid &&
                         (group <= 0 || e->groups.count(group) == 0))) {
        continue;
      }
      ApplyNotification(*e, r.message);
    }
  }
}

void Supervisor::ApplyNotification(Entry& e, const NotifyMessage& message) {
  if (message.status) e.status_text = *message.status;
  if (message.ready) {
    ReadOutput(e, kOutputBudget);  // what it wrote before READY=1
    e.service->Ready();
  }
  dirty_ = true;
}

fault::Status Supervisor::WatchNotification(Entry& e, fault::UniqueFd read) {
  CloseNotification(e);  // a previous instance's
  if (fcntl(read.get(), F_SETFL, O_NONBLOCK) != 0) {
    return fault::ErrnoToStatus(errno, "unable to watch NotificationFd=");
  }
  // The entry outlives the watch: CloseNotification cancels it before an
  // erase.
  FAULT_ASSIGN_OR_RETURN(fault::Scheduler::WatchId watch,
                         scheduler_.OnReadable(read.get(), [this, &e] {
                           (void)ReadNotification(e);
                         }));
  e.notification = std::make_unique<NotificationPipe>();
  e.notification->fd = std::move(read);
  e.notification->watch = watch;
  return fault::OkStatus();
}

bool Supervisor::ReadNotification(Entry& e) {
  if (!e.notification) return false;
  // One read per wakeup: the loop comes back while more is buffered.
  char buffer[256];
  ssize_t n = read(e.notification->fd.get(), buffer, sizeof buffer);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return false;
  if (n <= 0) {  // every holder of the write end is gone
    CloseNotification(e);
    return false;
  }
  // The ended lines are taken out before acting on them: acting may end
  // the service, and its pipe with it.
  std::string& pending = e.notification->line;
  pending.append(buffer, static_cast<size_t>(n));
  const size_t ended = pending.rfind('\n') + 1;  // 0 when none
  std::string lines = pending.substr(0, ended);
  pending.erase(0, ended);
  if (pending.size() > kMaxNotifyDatagram) {
    log_.Warning(e.unit.name, ": NotificationFd=", e.unit.notification_fd,
                 ": a line longer than ", kMaxNotifyDatagram,
                 " bytes; the descriptor is no longer read");
    CloseNotification(e);
  }
  for (absl::string_view line : absl::StrSplit(lines, '\n')) {
    if (line.data() == lines.data() + lines.size()) break;  // after the last
    NotifyMessage message;
    if (line.empty()) {
      message.ready = true;  // s6's protocol: a bare newline
    } else {
      message = ParseNotifyMessage(line);
    }
    ApplyNotification(e, message);
  }
  return e.notification != nullptr;
}

void Supervisor::CloseNotification(Entry& e) {
  if (!e.notification) return;
  scheduler_.Cancel(e.notification->watch);
  e.notification.reset();
}

}  // namespace faultinit
