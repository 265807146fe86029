#include "init/supervisor/control_server.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "init/control/field.h"
#include "init/control/protocol.h"
#include "init/control/response.h"
#include "runtime/duration.h"

namespace faultinit {
namespace {

using control::EncodeResponseLine;
using control::ErrorCode;
using control::ErrorLine;
using control::Verb;

// Reads and drops what a client sent and nobody will read. A Unix socket
// closed with unread input resets the connection, and the client would
// lose the answer written just before.
void DiscardInput(int fd) {
  char buffer[4096];
  for (int i = 0; i < 16; ++i) {
    if (recv(fd, buffer, sizeof buffer, MSG_DONTWAIT) <= 0) return;
  }
}

// Answers a refused client `ERR CODE MESSAGE` in one non-blocking send;
// MSG_NOSIGNAL: a client that already left must not raise SIGPIPE in
// faultinit.
void Refuse(int fd, ErrorCode code, absl::string_view message) {
  const std::string answer =
      EncodeResponseLine(ErrorLine{code, "", std::string(message)});
  (void)send(fd, answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

}  // namespace

struct ControlServer::Client {
  fault::UniqueFd fd;
  std::string in;
  std::string out;
  fault::Scheduler::WatchId read_watch = 0;
  fault::Scheduler::WatchId write_watch = 0;
  fault::Scheduler::WatchId timer = 0;
  bool answered = false;     // the request has been read
  bool close_after = false;  // end once `out` is written
  bool draining = false;     // answered; reading until the client closes
  // A transition waiting to be answered: the verb and its services.
  std::string waiting;
  std::vector<std::string> names;
  // An isolate's: the units it stops, waited for but not answered for.
  std::vector<std::string> stopping;
  std::string follow;   // the service whose lines are streamed
  uint64_t serial = 0;  // order of arrival: the oldest is evicted first
};

ControlServer::ControlServer(fault::Scheduler& scheduler,
                             Supervisor& supervisor, const Logger& log,
                             Hooks hooks)
    : scheduler_(scheduler),
      supervisor_(supervisor),
      log_(log),
      hooks_(std::move(hooks)) {
  supervisor_.OnOutputLine(
      [this](const std::string& name, absl::string_view line) {
        OnLine(name, line);
      });
}

ControlServer::~ControlServer() {
  supervisor_.OnOutputLine(nullptr);
  std::vector<int> fds;
  for (const auto& [fd, client] : clients_) fds.push_back(fd);
  for (int fd : fds) Close(fd);
  if (listen_watch_ != 0) scheduler_.Cancel(listen_watch_);
  if (resume_timer_ != 0) scheduler_.Cancel(resume_timer_);
  // Only the socket bound here: not one a later program put at the path.
  struct stat st;
  if (!path_.empty() && lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ &&
      st.st_ino == ino_) {
    unlink(path_.c_str());
  }
}

namespace {

// ClearSocketPath makes room for the control socket at `path`: nothing
// there, or a stale socket (a stream socket nobody accepts on: connecting
// is refused), which is removed. Anything else is left as it is and is an
// error: a file or a directory is not ours to delete, and a socket someone
// answers on belongs to a running program (another faultinit).
fault::Status ClearSocketPath(const std::string& path,
                              const sockaddr_un& address) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return fault::OkStatus();
    return fault::ErrnoToStatus(errno,
                                absl::StrCat("unable to inspect ", path));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return fault::Status(
        fault::StatusCode::kAlreadyExists,
        absl::StrCat(path, " exists and is not a socket; left alone"));
  }
  fault::UniqueFd probe(
      socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!probe.valid()) {
    return fault::ErrnoToStatus(errno, absl::StrCat("unable to probe ", path));
  }
  if (connect(probe.get(), reinterpret_cast<const sockaddr*>(&address),
              sizeof address) == 0 ||
      errno == EAGAIN || errno == EINPROGRESS) {
    return fault::Status(
        fault::StatusCode::kAlreadyExists,
        absl::StrCat(path,
                     " is a socket another process answers on; left "
                     "alone"));
  }
  if (errno != ECONNREFUSED) {  // EPROTOTYPE: a datagram socket, ...
    return fault::Status(fault::StatusCode::kAlreadyExists,
                         absl::StrCat(path, " is a socket in use (",
                                      strerror(errno), "); left alone"));
  }
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return fault::ErrnoToStatus(
        errno, absl::StrCat("unable to remove the stale socket ", path));
  }
  return fault::OkStatus();
}

}  // namespace

fault::Status ControlServer::Listen(const std::string& path) {
  if (path.empty() || path[0] != '/') {
    return fault::InvalidArgumentError(absl::StrCat(
        "control socket path \"", path, "\" is not an absolute path"));
  }
  struct sockaddr_un address = {};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) {
    return fault::InvalidArgumentError(
        absl::StrCat("control socket path too long: ", path));
  }
  memcpy(address.sun_path, path.data(), path.size());
  // The directory is made private only when faultinit makes it; one that
  // exists is someone's (/run/faultinit, made 0755 by SystemMode for the
  // notify socket too, or a directory the operator chose) and keeps its
  // mode: the socket's own mode and SO_PEERCRED guard it.
  const std::string dir = path.substr(0, path.rfind('/'));
  if (!dir.empty() && mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return fault::ErrnoToStatus(errno, absl::StrCat("unable to create ", dir));
  }
  FAULT_RETURN_IF_ERROR(ClearSocketPath(path, address));
  fault::UniqueFd fd(
      socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) {
    return fault::ErrnoToStatus(errno, "unable to create the control socket");
  }
  mode_t old = umask(0177);
  int bound =
      bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address);
  umask(old);
  if (bound != 0 || listen(fd.get(), 64) != 0) {
    return fault::ErrnoToStatus(errno,
                                absl::StrCat("unable to listen on ", path));
  }
  struct stat st;
  if (lstat(path.c_str(), &st) == 0) {
    dev_ = st.st_dev;
    ino_ = st.st_ino;
  }
  FAULT_ASSIGN_OR_RETURN(listen_watch_,
                         scheduler_.OnReadable(fd.get(), [this] { Accept(); }));
  listener_ = std::move(fd);
  path_ = path;
  spare_.Reset(open("/dev/null", O_RDONLY | O_CLOEXEC));
  return fault::OkStatus();
}

bool ControlServer::RefuseOneWithoutDescriptors(int error) {
  if (!out_of_descriptors_) {
    out_of_descriptors_ = true;
    log_.Warning("control: unable to accept a client: ", strerror(error),
                 "; refusing clients until descriptors are free");
  }
  spare_.Reset();
  int raw =
      accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  const int accept_error = errno;
  if (raw >= 0) {
    Refuse(raw, ErrorCode::kBusy, "faultinit is out of file descriptors");
    DiscardInput(raw);
    close(raw);
  }
  spare_.Reset(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (raw >= 0) return true;
  if (accept_error == EAGAIN || accept_error == EINTR ||
      accept_error == ECONNABORTED) {
    return false;  // nobody waits (accept fails with EMFILE regardless)
  }
  // Not even one descriptor: stop watching the listener (it would spin the
  // loop) and look again a little later; clients wait in the backlog.
  if (listen_watch_ != 0) scheduler_.Cancel(listen_watch_);
  listen_watch_ = 0;
  if (resume_timer_ == 0) {
    resume_timer_ = scheduler_.After(fault::Milliseconds(100), [this] {
      resume_timer_ = 0;
      Watch();
    });
  }
  return false;
}

void ControlServer::Watch() {
  if (listen_watch_ != 0) return;
  fault::StatusOr<fault::Scheduler::WatchId> watch =
      scheduler_.OnReadable(listener_.get(), [this] { Accept(); });
  if (watch.ok()) listen_watch_ = *watch;
}

void ControlServer::Accept() {
  for (;;) {
    int raw = accept4(listener_.get(), nullptr, nullptr,
                      SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (raw < 0) {
      // EAGAIN: all taken. EMFILE and the like: refuse gracefully.
      const int error = errno;
      if (error == EINTR || error == ECONNABORTED) continue;
      if (error == EMFILE || error == ENFILE || error == ENOBUFS ||
          error == ENOMEM) {
        if (RefuseOneWithoutDescriptors(error)) continue;
        return;
      }
      if (error != EAGAIN) {
        log_.Debug("control: unable to accept: ", strerror(error));
      }
      return;
    }
    if (out_of_descriptors_) {
      out_of_descriptors_ = false;
      log_.Info("control: accepting clients again");
    }
    fault::UniqueFd fd(raw);
    // Credentials first: only a client that may act can take a slot from
    // another (MakeRoom).
    struct ucred peer = {};
    socklen_t size = sizeof peer;
    if (getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0 ||
        (peer.uid != 0 && peer.uid != getuid())) {
      Refuse(fd.get(), ErrorCode::kPermission, "permission denied");
      DiscardInput(fd.get());
      log_.Warning("control: refused a client with uid ", peer.uid);
      continue;
    }
    if (clients_.size() >= kMaxClients && !MakeRoom()) {
      Refuse(fd.get(), ErrorCode::kBusy, "too many clients");
      DiscardInput(fd.get());
      continue;
    }
    auto client = std::make_unique<Client>();
    Client& c = *client;
    c.serial = ++serial_;
    int key = fd.get();
    c.fd = std::move(fd);
    fault::StatusOr<fault::Scheduler::WatchId> watch =
        scheduler_.OnReadable(key, [this, key] {
          auto it = clients_.find(key);
          if (it != clients_.end()) OnReadable(*it->second);
        });
    if (!watch.ok()) continue;  // closes the connection
    c.read_watch = *watch;
    c.timer = scheduler_.After(kRequestTimeout, [this, key] {
      auto it = clients_.find(key);
      if (it == clients_.end()) return;
      it->second->timer = 0;
      if (!it->second->answered) Close(key);  // a client that never wrote
    });
    clients_[key] = std::move(client);
  }
}

void ControlServer::OnReadable(Client& c) {
  const int fd = c.fd.get();
  char buffer[control::kMaxRequestBytes + 1];
  ssize_t n = read(fd, buffer, sizeof buffer);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {  // the client left (or, following, hung up)
    Close(fd);
    return;
  }
  if (c.answered) return;  // the rest of a request is discarded
  c.in.append(buffer, static_cast<size_t>(n));
  const control::RequestFrame frame = control::FrameRequest(c.in);
  if (frame.kind == control::RequestFrame::Kind::kIncomplete) return;
  c.answered = true;
  if (frame.kind == control::RequestFrame::Kind::kTooLong) {
    const control::RequestError error = control::RequestTooLong();
    SendError(fd, error.code, error.message);
    return;
  }
  if (c.timer != 0) scheduler_.Cancel(c.timer);
  c.timer = 0;
  control::ParsedRequest parsed = control::ParseRequest(frame.line);
  if (const auto* error = std::get_if<control::RequestError>(&parsed)) {
    SendError(fd, error->code, error->message);
    return;
  }
  Handle(c, std::get<control::Request>(parsed));
}

// MakeRoom frees the slot of the client that can best spare it, so a
// newcomer (a poweroff among them) is served even when every slot is
// taken: first one whose answer is written (it is only waiting for the
// client to hang up), then one waiting for a transition or following a
// log, then one whose answer is still being written; the oldest of a kind
// first. A waiting client is told why (`ERR busy`); the transition goes
// on. A client still sending its request is never closed: it has
// kRequestTimeout at most. False when no client can be closed.
bool ControlServer::MakeRoom() {
  int victim = -1;
  int victim_rank = 0;
  uint64_t victim_serial = 0;
  for (const auto& [fd, client] : clients_) {
    const Client& c = *client;
    int rank;
    if (c.draining) {
      rank = 0;
    } else if (!c.waiting.empty() || !c.follow.empty()) {
      rank = 1;
    } else if (c.close_after) {
      rank = 2;
    } else {
      continue;  // still sending its request
    }
    if (victim < 0 || rank < victim_rank ||
        (rank == victim_rank && c.serial < victim_serial)) {
      victim = fd;
      victim_rank = rank;
      victim_serial = c.serial;
    }
  }
  if (victim < 0) return false;
  Client& c = *clients_[victim];
  if (!c.waiting.empty()) {
    log_.Info(
        "control: every client slot is taken: the oldest client "
        "waiting for a ",
        c.waiting, " is answered busy");
    Send(victim, EncodeResponseLine(
                     ErrorLine{ErrorCode::kBusy, "",
                               absl::StrCat(kMaxClients,
                                            " clients at once: this one waited "
                                            "longest and makes room; the ",
                                            c.waiting, " goes on")}));
  }
  Close(victim);
  return true;
}

void ControlServer::ShutdownBegan(PowerAction action) {
  shutdown_ = PowerActionName(action);
  std::vector<int> refused;
  for (const auto& [fd, client] : clients_) {
    if (client->waiting == "start" || client->waiting == "restart") {
      refused.push_back(fd);
    }
  }
  for (int fd : refused) {
    auto it = clients_.find(fd);
    if (it == clients_.end()) continue;
    const std::string goal = it->second->waiting;
    it->second->waiting.clear();
    SendError(fd, ErrorCode::kFailed, ShutdownMessage(goal));
  }
}

std::string ControlServer::ShutdownMessage(absl::string_view goal) const {
  return absl::StrCat("shutdown began (", shutdown_, "): the ", goal,
                      " was abandoned; services only stop now");
}

// Handle answers a request that control::ParseRequest accepted, its names
// first taken to the units' own (Hooks::resolve).
void ControlServer::Handle(Client& c, const control::Request& given) {
  control::Request resolved;
  const bool resolving =
      hooks_.resolve &&
      std::any_of(given.names.begin(), given.names.end(),
                  [&](const std::string& n) { return !supervisor_.View(n); });
  if (resolving) {
    resolved = given;
    for (std::string& name : resolved.names) {
      if (supervisor_.View(name)) continue;
      if (std::optional<std::string> own = hooks_.resolve(name)) name = *own;
    }
  }
  const control::Request& request = resolving ? resolved : given;
  const int fd = c.fd.get();
  if (log_.Enabled(LogLevel::kDebug)) {
    std::string text = control::WireVerb(request.verb, request.nowait);
    for (const std::string& name : request.names) {
      absl::StrAppend(&text, " ", control::EscapeField(name));
    }
    log_.Debug("control: request: ", text);
  }
  switch (request.verb) {
    case Verb::kStatus:
      HandleStatus(c, request.names);
      return;
    case Verb::kStart:
    case Verb::kStop:
    case Verb::kRestart:
      HandleTransition(c, request);
      return;
    case Verb::kIsolate:
      HandleIsolate(c, request);
      return;
    case Verb::kReload: {
      if (!request.names.empty()) {  // ExecReload= of each, as systemctl
        HandleServiceReload(c, request);
        return;
      }
      std::vector<std::string> diagnostics;
      ReloadSummary summary = hooks_.reload(&diagnostics);
      std::string text = EncodeResponseLine(control::OkLine{});
      text +=
          EncodeResponseLine(control::ChangeLine{"started", summary.started});
      text +=
          EncodeResponseLine(control::ChangeLine{"stopped", summary.stopped});
      text += EncodeResponseLine(
          control::ChangeLine{"restarted", summary.restarted});
      text +=
          EncodeResponseLine(control::ChangeLine{"changed", summary.changed});
      for (std::string& d : diagnostics) {
        text += EncodeResponseLine(control::DiagnosticLine{std::move(d)});
      }
      Send(fd, text);
      Finish(fd);
      return;
    }
    case Verb::kDaemonReload: {
      if (!hooks_.daemon_reload) {
        Send(fd, EncodeResponseLine(
                     ErrorLine{ErrorCode::kFailed, "",
                               "daemon-reload is not supported here"}));
        Finish(fd);
        return;
      }
      std::vector<std::string> diagnostics;
      RedefineSummary summary = hooks_.daemon_reload(&diagnostics);
      std::string text = EncodeResponseLine(control::OkLine{});
      text += EncodeResponseLine(control::ChangeLine{"added", summary.added});
      text +=
          EncodeResponseLine(control::ChangeLine{"changed", summary.changed});
      text +=
          EncodeResponseLine(control::ChangeLine{"removed", summary.removed});
      for (std::string& d : diagnostics) {
        text += EncodeResponseLine(control::DiagnosticLine{std::move(d)});
      }
      Send(fd, text);
      Finish(fd);
      return;
    }
    case Verb::kLog:
    case Verb::kFollow:
      HandleLog(c, request.lines, request.names[0],
                request.verb == Verb::kFollow);
      return;
    case Verb::kPowerOff:
    case Verb::kReboot:
    case Verb::kHalt:
      Send(fd, EncodeResponseLine(control::OkLine{}));
      Finish(fd);
      hooks_.power(request.verb == Verb::kReboot ? PowerAction::kReboot
                   : request.verb == Verb::kHalt ? PowerAction::kHalt
                                                 : PowerAction::kPowerOff);
      return;
  }
}

void ControlServer::HandleStatus(Client& c,
                                 const std::vector<std::string>& names) {
  const int fd = c.fd.get();
  std::vector<ServiceView> rows;
  if (names.empty()) {
    rows = supervisor_.Status();
  } else {
    for (const std::string& name : names) {
      std::optional<ServiceView> row = supervisor_.View(name);
      if (!row) {
        SendError(fd, ErrorCode::kUnknown,
                  absl::StrCat("no such service: ", name));
        return;
      }
      rows.push_back(*row);
    }
  }
  std::string text = EncodeResponseLine(control::OkLine{});
  const fault::Duration now = fault::MonotonicNow();
  for (ServiceView& row : rows) {
    const int64_t uptime = fault::ToInt64Seconds(now - row.since);
    control::StatusRow line;
    line.name = std::move(row.name);
    line.state = std::string(ServiceStateName(row.state));
    line.pid = row.pid;
    line.uptime_seconds = uptime < 0 ? 0 : static_cast<uint64_t>(uptime);
    line.restarts = row.restarts < 0 ? 0 : static_cast<uint64_t>(row.restarts);
    line.last_exit = std::move(row.last_exit);
    line.status_text = std::move(row.status_text);
    line.description = std::move(row.description);
    text += EncodeResponseLine(line);
  }
  Send(fd, text);
  Finish(fd);
}

void ControlServer::HandleTransition(Client& c,
                                     const control::Request& request) {
  const int fd = c.fd.get();
  const std::vector<std::string>& names = request.names;
  if (names.empty()) {
    SendError(fd, ErrorCode::kUsage,
              absl::StrCat(control::WireVerb(request.verb, request.nowait),
                           " needs a service name"));
    return;
  }
  for (const std::string& name : names) {  // all or nothing
    // One a reload removed is listed until it is down, and only stopped
    // (systemd refuses to start a unit whose file is gone: not-found).
    if (!supervisor_.View(name) ||
        (request.verb != Verb::kStop && supervisor_.Removed(name))) {
      SendError(fd, ErrorCode::kUnknown,
                absl::StrCat("no such service: ", name));
      return;
    }
  }
  const absl::string_view goal = control::VerbName(request.verb);
  if (!shutdown_.empty() && request.verb != Verb::kStop) {
    SendError(fd, ErrorCode::kFailed, ShutdownMessage(goal));
    return;
  }
  for (const std::string& name : names) {  // RefuseManualStart=/Stop=
    fault::Status allowed = supervisor_.CheckManual(
        name, request.verb != Verb::kStop, request.verb != Verb::kStart);
    if (!allowed.ok()) {
      SendError(fd, ErrorCode::kFailed, allowed.message());
      return;
    }
  }
  for (const std::string& name : names) {
    fault::Status applied =
        request.verb == Verb::kStart  ? supervisor_.StartService(name)
        : request.verb == Verb::kStop ? supervisor_.StopService(name)
                                      : supervisor_.RestartService(name);
    applied.IgnoreError();  // names were checked above
  }
  supervisor_.Reconcile();
  c.names = names;
  c.waiting = std::string(goal);
  if (request.nowait) {
    std::string text = EncodeResponseLine(control::OkLine{});
    for (const std::string& name : names) {
      text += EncodeResponseLine(control::ResultRow{
          name, std::string(ServiceStateName(supervisor_.View(name)->state)),
          ""});
    }
    c.waiting.clear();
    Send(fd, text);
    Finish(fd);
    return;
  }
  Poll();
}

void ControlServer::HandleIsolate(Client& c, const control::Request& request) {
  const int fd = c.fd.get();
  const std::string& name = request.names[0];  // one: ParseRequest
  if (!supervisor_.View(name)) {
    SendError(fd, ErrorCode::kUnknown, absl::StrCat("no such service: ", name));
    return;
  }
  if (!shutdown_.empty()) {
    SendError(fd, ErrorCode::kFailed, ShutdownMessage("isolate"));
    return;
  }
  fault::Status allowed = supervisor_.CheckManual(name, true, false);
  fault::StatusOr<std::vector<std::string>> stopped =
      allowed.ok() ? supervisor_.IsolateService(name)
                   : fault::StatusOr<std::vector<std::string>>(allowed);
  if (!stopped.ok()) {
    SendError(fd, ErrorCode::kFailed, stopped.status().message());
    return;
  }
  supervisor_.Reconcile();
  c.names = {name};
  c.stopping = std::move(*stopped);
  c.waiting = "isolate";
  if (request.nowait) {
    c.waiting.clear();
    Send(fd,
         EncodeResponseLine(control::OkLine{}) +
             EncodeResponseLine(control::ResultRow{
                 name,
                 std::string(ServiceStateName(supervisor_.View(name)->state)),
                 ""}));
    Finish(fd);
    return;
  }
  Poll();
}

void ControlServer::HandleServiceReload(Client& c,
                                        const control::Request& request) {
  const int fd = c.fd.get();
  for (const std::string& name : request.names) {  // all or nothing
    fault::Status check = supervisor_.CheckReload(name);
    if (!check.ok()) {
      SendError(fd,
                check.code() == fault::StatusCode::kNotFound
                    ? ErrorCode::kUnknown
                    : ErrorCode::kFailed,
                check.message());
      return;
    }
  }
  if (!shutdown_.empty()) {
    SendError(fd, ErrorCode::kFailed, ShutdownMessage("reload"));
    return;
  }
  // Answered once the named units and those their reload propagated to are
  // done.
  std::vector<std::string> waited;
  for (const std::string& name : request.names) {
    fault::StatusOr<std::vector<std::string>> reloaded =
        supervisor_.ReloadService(name);  // checked above
    if (!reloaded.ok()) continue;
    for (std::string& r : *reloaded) {
      if (std::find(waited.begin(), waited.end(), r) == waited.end()) {
        waited.push_back(std::move(r));
      }
    }
  }
  supervisor_.Reconcile();
  c.names = std::move(waited);
  c.waiting = "reload";
  Poll();
}

void ControlServer::Poll() {
  std::vector<int> done;
  for (auto& [fd, client] : clients_) {
    Client& c = *client;
    if (c.waiting.empty()) continue;
    // Answered once every named service has settled (is not Busy), in
    // whatever state it settled: waiting for the state asked for could wait
    // forever, when another request (a start overtaking this stop) or a
    // reload moved the service on before this Poll saw it (docs/control.md).
    bool all = true;
    // A start or restart waits for its whole job: what the named services
    // pulled in (Requires=, Wants=, BindsTo=) queued or starting too.
    const bool start = c.waiting == "start" || c.waiting == "restart" ||
                       c.waiting == "isolate";
    for (const std::string& name : c.names) {
      // A stop that a later start overtook is done once that start's
      // attempt failed and the unit waits to restart (a requested stop
      // never leads there): the unit may loop for ever.
      const bool waits =
          start ? supervisor_.StartPending(name)
                : supervisor_.Busy(name) &&
                      !(c.waiting == "stop" && supervisor_.View(name)->state ==
                                                   ServiceState::kRestarting);
      if (waits) all = false;
    }
    for (const std::string& name : c.stopping) {  // an isolate's stops
      std::optional<ServiceView> row = supervisor_.View(name);
      if (row && supervisor_.Busy(name) &&
          row->state != ServiceState::kRestarting) {
        all = false;
      }
    }
    if (all) done.push_back(fd);
  }
  for (int fd : done) {
    Client& c = *clients_[fd];
    std::string text = EncodeResponseLine(control::OkLine{});
    for (const std::string& name : c.names) {
      std::optional<ServiceView> row = supervisor_.View(name);
      if (!row) {
        text +=
            EncodeResponseLine(control::ResultRow{name, "inactive", "removed"});
        continue;
      }
      // A start's attempt that failed, the unit waiting to restart, is a
      // failed job too (Supervisor::StartPending): it says why.
      const bool failed = row->state == ServiceState::kFailed ||
                          row->state == ServiceState::kRestarting;
      std::string message = failed ? std::move(row->reason) : std::string();
      if (c.waiting == "reload" && !failed && supervisor_.ReloadFailed(name)) {
        message = "reload failed";
      }
      text += EncodeResponseLine(control::ResultRow{
          name, std::string(ServiceStateName(row->state)), message});
    }
    c.waiting.clear();
    c.stopping.clear();
    Send(fd, text);
    Finish(fd);
  }
}

void ControlServer::HandleLog(Client& c, size_t lines, const std::string& name,
                              bool follow) {
  const int fd = c.fd.get();
  if (!supervisor_.View(name)) {
    SendError(fd, ErrorCode::kUnknown, absl::StrCat("no such service: ", name));
    return;
  }
  std::string text = EncodeResponseLine(control::OkLine{});
  for (std::string& line : supervisor_.Log(name, lines)) {
    text += EncodeResponseLine(control::LogLine{std::move(line)});
  }
  Send(fd, text);
  if (follow) {
    c.follow = name;  // the read watch stays to see the client leave
  } else {
    Finish(fd);
  }
}

void ControlServer::OnLine(const std::string& name, absl::string_view line) {
  std::vector<int> followers;
  for (const auto& [fd, client] : clients_) {
    if (client->follow == name) followers.push_back(fd);
  }
  if (followers.empty()) return;
  const std::string text =
      EncodeResponseLine(control::LogLine{std::string(line)});
  for (int fd : followers) {
    auto it = clients_.find(fd);
    if (it != clients_.end()) Send(fd, text);
  }
}

void ControlServer::SendError(int fd, ErrorCode code,
                              absl::string_view message) {
  Send(fd, EncodeResponseLine(ErrorLine{code, "", std::string(message)}));
  Finish(fd);
}

void ControlServer::Send(int fd, absl::string_view text) {
  auto it = clients_.find(fd);
  if (it == clients_.end()) return;  // already closed
  Client& c = *it->second;
  if (c.out.empty()) {
    ssize_t n = send(fd, text.data(), text.size(), MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      Close(fd);  // the client is gone
      return;
    }
    if (n < 0) n = 0;
    text.remove_prefix(static_cast<size_t>(n));
  }
  if (text.empty()) return;
  c.out.append(text.data(), text.size());
  if (c.out.size() > kMaxQueued) {
    log_.Warning("control: dropped a client that does not read");
    Close(fd);
    return;
  }
  if (c.write_watch == 0) {
    fault::StatusOr<fault::Scheduler::WatchId> watch =
        scheduler_.OnWritable(fd, [this, fd] {
          auto it = clients_.find(fd);
          if (it != clients_.end()) OnWritable(*it->second);
        });
    if (watch.ok()) c.write_watch = *watch;
  }
}

void ControlServer::OnWritable(Client& c) {
  const int fd = c.fd.get();
  ssize_t n = send(fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
  if (n < 0 && errno != EAGAIN && errno != EINTR) {
    Close(fd);
    return;
  }
  if (n > 0) c.out.erase(0, static_cast<size_t>(n));
  if (!c.out.empty()) return;
  scheduler_.Cancel(c.write_watch);
  c.write_watch = 0;
  if (c.close_after) EndAnswer(fd);
}

// The answer is written: closing now could reset the connection before
// the client read it (when its request was not read whole), so the write
// side is shut and the connection closed once the client closes its end,
// or after kRequestTimeout.
void ControlServer::EndAnswer(int fd) {
  auto it = clients_.find(fd);
  if (it == clients_.end()) return;
  Client& c = *it->second;
  if (c.draining) return;
  c.draining = true;
  shutdown(fd, SHUT_WR);
  if (c.timer != 0) scheduler_.Cancel(c.timer);
  c.timer = scheduler_.After(kRequestTimeout, [this, fd] {
    auto found = clients_.find(fd);
    if (found == clients_.end()) return;
    found->second->timer = 0;
    Close(fd);
  });
}

void ControlServer::Finish(int fd) {
  auto it = clients_.find(fd);
  if (it == clients_.end()) return;  // closed by Send
  it->second->close_after = true;
  if (it->second->out.empty()) EndAnswer(fd);
}

void ControlServer::Close(int fd) {
  auto it = clients_.find(fd);
  if (it == clients_.end()) return;
  Client& c = *it->second;
  if (c.read_watch != 0) scheduler_.Cancel(c.read_watch);
  if (c.write_watch != 0) scheduler_.Cancel(c.write_watch);
  if (c.timer != 0) scheduler_.Cancel(c.timer);
  DiscardInput(fd);
  clients_.erase(it);  // closes the descriptor
}

}  // namespace faultinit
