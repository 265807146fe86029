#include "init/supervisor/control_server.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace faultinit {
namespace {

// A field must not break the framing.
std::string Field(absl::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '\t' || c == '\n') c = ' ';
  }
  return out;
}

// Reads and drops what a client sent and nobody will read. A Unix socket
// closed with unread input resets the connection, and the client would
// lose the answer written just before.
void DiscardInput(int fd) {
  char buffer[4096];
  for (int i = 0; i < 16; ++i) {
    if (recv(fd, buffer, sizeof buffer, MSG_DONTWAIT) <= 0) return;
  }
}

// Answers a refused client in one non-blocking send; MSG_NOSIGNAL: a
// client that already left must not raise SIGPIPE in faultinit.
void Refuse(int fd, absl::string_view answer) {
  (void)send(fd, answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

bool Done(const ServiceView& row, absl::string_view goal) {
  if (goal == "stop") {
    return row.state == ServiceState::kInactive ||
           row.state == ServiceState::kFailed;
  }
  return row.state == ServiceState::kRunning ||
         row.state == ServiceState::kInactive ||
         row.state == ServiceState::kFailed;
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
  std::string follow;  // the service whose lines are streamed
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
  if (!path_.empty()) unlink(path_.c_str());
}

fault::Status ControlServer::Listen(const std::string& path) {
  std::string dir = path.substr(0, path.rfind('/'));
  if (!dir.empty() && mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return fault::ErrnoToStatus(errno, absl::StrCat("unable to create ", dir));
  }
  if (!dir.empty()) chmod(dir.c_str(), 0700);
  struct sockaddr_un address = {};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) {
    return fault::InvalidArgumentError(
        absl::StrCat("control socket path too long: ", path));
  }
  memcpy(address.sun_path, path.data(), path.size());
  fault::UniqueFd fd(
      socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) {
    return fault::ErrnoToStatus(errno, "unable to create the control socket");
  }
  unlink(path.c_str());  // a stale socket of an earlier run
  mode_t old = umask(0177);
  int bound =
      bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address);
  umask(old);
  if (bound != 0 || listen(fd.get(), 64) != 0) {
    return fault::ErrnoToStatus(errno,
                                absl::StrCat("unable to listen on ", path));
  }
  FAULT_ASSIGN_OR_RETURN(listen_watch_,
                         scheduler_.OnReadable(fd.get(), [this] { Accept(); }));
  listener_ = std::move(fd);
  path_ = path;
  return fault::OkStatus();
}

void ControlServer::Accept() {
  for (;;) {
    int raw = accept4(listener_.get(), nullptr, nullptr,
                      SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (raw < 0) {
      // EAGAIN: all taken. EMFILE and the like: refuse gracefully; the
      // pending connection stays queued until an fd is free.
      if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
        log_.Debug("control: unable to accept: ", strerror(errno));
      }
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;
    }
    fault::UniqueFd fd(raw);
    if (clients_.size() >= kMaxClients) {
      Refuse(fd.get(), "ERR\tbusy\ttoo many clients\n");
      DiscardInput(fd.get());
      continue;
    }
    struct ucred peer = {};
    socklen_t size = sizeof peer;
    if (getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0 ||
        (peer.uid != 0 && peer.uid != getuid())) {
      Refuse(fd.get(), "ERR\tpermission\tpermission denied\n");
      DiscardInput(fd.get());
      log_.Warning("control: refused a client with uid ", peer.uid);
      continue;
    }
    auto client = std::make_unique<Client>();
    Client& c = *client;
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
  char buffer[kMaxRequest + 1];
  ssize_t n = read(fd, buffer, sizeof buffer);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {  // the client left (or, following, hung up)
    Close(fd);
    return;
  }
  if (c.answered) return;  // the rest of a request is discarded
  c.in.append(buffer, static_cast<size_t>(n));
  size_t newline = c.in.find('\n');
  if (newline == std::string::npos) {
    if (c.in.size() >= kMaxRequest) {
      c.answered = true;
      SendError(fd, "usage", "request longer than 4096 bytes");
    }
    return;
  }
  c.answered = true;
  if (c.timer != 0) scheduler_.Cancel(c.timer);
  c.timer = 0;
  std::vector<std::string> fields =
      absl::StrSplit(absl::string_view(c.in).substr(0, newline), '\t');
  Handle(c, fields);
}

void ControlServer::Handle(Client& c, const std::vector<std::string>& fields) {
  const int fd = c.fd.get();
  if (fields.size() < 2) {
    SendError(fd, "usage", "expected VERSION<tab>VERB");
    return;
  }
  if (fields[0] != "1") {
    SendError(fd, "version",
              absl::StrCat("unsupported protocol version \"", Field(fields[0]),
                           "\"; this faultinit speaks 1"));
    return;
  }
  const std::string& verb = fields[1];
  std::vector<std::string> args(fields.begin() + 2, fields.end());
  if (verb == "status") {
    HandleStatus(c, args);
  } else if (verb == "start" || verb == "stop" || verb == "restart" ||
             verb == "start-nowait" || verb == "stop-nowait" ||
             verb == "restart-nowait") {
    HandleTransition(c, verb, args);
  } else if (verb == "reload" && args.empty()) {
    std::vector<std::string> diagnostics;
    ReloadSummary summary = hooks_.reload(&diagnostics);
    std::string text = "OK\n";
    absl::StrAppend(&text, "C\tstarted\t", absl::StrJoin(summary.started, " "),
                    "\nC\tstopped\t", absl::StrJoin(summary.stopped, " "),
                    "\nC\trestarted\t", absl::StrJoin(summary.restarted, " "),
                    "\n");
    for (const std::string& d : diagnostics) {
      absl::StrAppend(&text, "D\t", Field(d), "\n");
    }
    Send(fd, text);
    Finish(fd);
  } else if (verb == "log" || verb == "follow") {
    HandleLog(c, args, verb == "follow");
  } else if ((verb == "poweroff" || verb == "reboot" || verb == "halt") &&
             args.empty()) {
    Send(fd, "OK\n");
    Finish(fd);
    hooks_.power(verb == "reboot" ? PowerAction::kReboot
                 : verb == "halt" ? PowerAction::kHalt
                                  : PowerAction::kPowerOff);
  } else {
    SendError(
        fd, "usage",
        absl::StrCat("unknown verb or wrong arguments: \"", Field(verb), "\""));
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
        SendError(fd, "unknown",
                  absl::StrCat("no such service: ", Field(name)));
        return;
      }
      rows.push_back(*row);
    }
  }
  std::string text = "OK\n";
  absl::Time now = absl::Now();
  for (const ServiceView& row : rows) {
    int64_t uptime = absl::ToInt64Seconds(now - row.since);
    absl::StrAppend(&text, "S\t", row.name, "\t", ServiceStateName(row.state),
                    "\t", row.pid, "\t", uptime < 0 ? 0 : uptime, "\t",
                    row.restarts, "\t", Field(row.last_exit), "\t",
                    Field(row.status_text), "\t", Field(row.description), "\n");
  }
  Send(fd, text);
  Finish(fd);
}

void ControlServer::HandleTransition(Client& c, absl::string_view verb,
                                     const std::vector<std::string>& names) {
  const int fd = c.fd.get();
  if (names.empty()) {
    SendError(fd, "usage", absl::StrCat(verb, " needs a service name"));
    return;
  }
  for (const std::string& name : names) {  // all or nothing
    if (!supervisor_.View(name)) {
      SendError(fd, "unknown", absl::StrCat("no such service: ", Field(name)));
      return;
    }
  }
  absl::string_view goal = verb.substr(0, verb.find('-'));
  for (const std::string& name : names) {
    fault::Status applied = goal == "start"  ? supervisor_.StartService(name)
                            : goal == "stop" ? supervisor_.StopService(name)
                                             : supervisor_.RestartService(name);
    applied.IgnoreError();  // names were checked above
  }
  supervisor_.Reconcile();
  c.names = names;
  c.waiting = std::string(goal);
  if (absl::EndsWith(verb, "-nowait")) {
    std::string text = "OK\n";
    for (const std::string& name : names) {
      absl::StrAppend(&text, "R\t", name, "\t",
                      ServiceStateName(supervisor_.View(name)->state), "\t\n");
    }
    c.waiting.clear();
    Send(fd, text);
    Finish(fd);
    return;
  }
  Poll();
}

void ControlServer::Poll() {
  std::vector<int> done;
  for (auto& [fd, client] : clients_) {
    Client& c = *client;
    if (c.waiting.empty()) continue;
    bool all = true;
    for (const std::string& name : c.names) {
      std::optional<ServiceView> row = supervisor_.View(name);
      if (row && (supervisor_.Busy(name) || !Done(*row, c.waiting))) {
        all = false;
      }
    }
    if (all) done.push_back(fd);
  }
  for (int fd : done) {
    Client& c = *clients_[fd];
    std::string text = "OK\n";
    for (const std::string& name : c.names) {
      std::optional<ServiceView> row = supervisor_.View(name);
      if (!row) {
        absl::StrAppend(&text, "R\t", name, "\tinactive\tremoved\n");
        continue;
      }
      bool failed = row->state == ServiceState::kFailed;
      absl::StrAppend(&text, "R\t", name, "\t", ServiceStateName(row->state),
                      "\t", failed ? Field(row->reason) : "", "\n");
    }
    c.waiting.clear();
    Send(fd, text);
    Finish(fd);
  }
}

void ControlServer::HandleLog(Client& c, const std::vector<std::string>& args,
                              bool follow) {
  const int fd = c.fd.get();
  size_t n = 0;
  if (args.size() != 2 || !absl::SimpleAtoi(args[0], &n)) {
    SendError(fd, "usage", "expected N<tab>NAME");
    return;
  }
  if (!supervisor_.View(args[1])) {
    SendError(fd, "unknown", absl::StrCat("no such service: ", Field(args[1])));
    return;
  }
  std::string text = "OK\n";
  for (const std::string& line : supervisor_.Log(args[1], n)) {
    absl::StrAppend(&text, "L\t", Field(line), "\n");
  }
  Send(fd, text);
  if (follow) {
    c.follow = args[1];  // the read watch stays to see the client leave
  } else {
    Finish(fd);
  }
}

void ControlServer::OnLine(const std::string& name, absl::string_view line) {
  std::vector<int> followers;
  for (const auto& [fd, client] : clients_) {
    if (client->follow == name) followers.push_back(fd);
  }
  for (int fd : followers) {
    auto it = clients_.find(fd);
    if (it != clients_.end()) {
      Send(fd, absl::StrCat("L\t", Field(line), "\n"));
    }
  }
}

void ControlServer::SendError(int fd, absl::string_view code,
                              absl::string_view message) {
  Send(fd, absl::StrCat("ERR\t", code, "\t", Field(message), "\n"));
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
