#include "init/supervisor/socket_activation.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "init/supervisor/socket_listen.h"
#include "init/support/accounts.h"
#include "init/system/target_unit.h"

namespace faultinit {
namespace {

// systemd's TriggerLimitIntervalSec= and TriggerLimitBurst= defaults.
constexpr fault::Duration kTriggerInterval = fault::Seconds(2);
constexpr size_t kTriggerBurst = 200;

bool Down(ServiceState state) {
  return state == ServiceState::kInactive || state == ServiceState::kFailed;
}

}  // namespace

SocketActivation::SocketActivation(fault::Scheduler& scheduler,
                                   Supervisor& supervisor, const Logger& log)
    : scheduler_(scheduler), supervisor_(supervisor), log_(log) {
  supervisor_.SetListenFds([this](const std::string& name) -> const ListenFds* {
    // A service started before sysinit.target is active (in the same
    // pass, or by a request) gets its sockets all the same.
    if (!deferred_.empty()) StartDeferred(&name);
    auto it = fds_.find(name);
    return it == fds_.end() ? nullptr : &it->second;
  });
  supervisor_.AddStatusRows(
      [this](std::vector<ServiceView>* rows) { Rows(rows); });
}

SocketActivation::~SocketActivation() {
  for (auto& socket : sockets_) Unwatch(*socket);
  supervisor_.SetListenFds(nullptr);
  supervisor_.AddStatusRows(nullptr);
}

void SocketActivation::Listen(const std::vector<ParsedUnit>& sockets,
                              const std::string& accounts_root,
                              bool after_sysinit) {
  accounts_root_ = accounts_root;
  for (const ParsedUnit& parsed : sockets) {
    if (!parsed.ok() || parsed.unit.socket == nullptr) continue;
    auto socket = std::make_unique<Socket>();
    socket->name = parsed.unit.name;
    socket->service = SocketServiceName(parsed.unit);
    socket->settings = *parsed.unit.socket;
    socket->fd_name = SocketFdName(parsed.unit);
    Socket& s = *socket;
    sockets_.push_back(std::move(socket));
    if (after_sysinit && parsed.unit.default_dependencies) {
      deferred_.push_back(&s);
      continue;
    }
    Start(s);
  }
}

void SocketActivation::Start(Socket& s) {
  Open(s, accounts_root_);
  if (s.fds.empty()) return;
  by_service_[s.service].push_back(&s);
  Rebuild(s.service);
  for (const auto& [service, names] : passed_) {
    if (std::find(names.begin(), names.end(), s.name) != names.end()) {
      Rebuild(service);
    }
  }
  log_.Info(s.name, ": listening on ",
            absl::StrJoin(s.settings.listen, " ",
                          [](std::string* out, const SocketAddress& a) {
                            out->append(a.text);
                          }),
            " for ", s.service, ".service");
  waiting_.push_back(&s);  // watched by the next Poll, if down
}

void SocketActivation::Rebuild(const std::string& service) {
  // Its own sockets in socket-unit order, then those of Sockets=, whichever
  // was opened first (in place: a spawn may hold the address).
  ListenFds& fds = fds_[service];
  fds = ListenFds{};
  auto add = [&fds](const Socket& socket) {
    for (const fault::UniqueFd& fd : socket.fds) {
      if (fds.fds.size() >= fault::kMaxListenFds) break;
      fds.fds.push_back(fd.get());
      if (!fds.names.empty()) fds.names += ':';
      fds.names += socket.fd_name;
    }
  };
  for (const auto& socket : sockets_) {
    if (socket->service == service) add(*socket);
  }
  auto it = passed_.find(service);
  if (it == passed_.end()) return;
  for (const std::string& name : it->second) {
    for (const auto& socket : sockets_) {
      if (socket->name == name && socket->service != service) add(*socket);
    }
  }
}

void SocketActivation::StartDeferred(const std::string* service) {
  if (closed_) return;
  const std::vector<std::string>* passed = nullptr;
  if (service != nullptr) {
    auto it = passed_.find(*service);
    if (it != passed_.end()) passed = &it->second;
  }
  for (size_t i = 0; i < deferred_.size();) {
    Socket& s = *deferred_[i];
    const bool its =
        service == nullptr || s.service == *service ||
        (passed != nullptr &&
         std::find(passed->begin(), passed->end(), s.name) != passed->end());
    if (!its) {
      ++i;
      continue;
    }
    deferred_.erase(deferred_.begin() + static_cast<ptrdiff_t>(i));
    Start(s);
  }
}

void SocketActivation::PassSockets(const std::vector<ParsedUnit>& services) {
  for (const ParsedUnit& parsed : services) {
    const Unit& unit = parsed.unit;
    std::vector<std::string> names;
    for (const std::string& name : unit.sockets) {
      for (const auto& socket : sockets_) {
        if (socket->name == name && socket->service != unit.name) {
          names.push_back(name);
          break;
        }
      }
    }
    if (names.empty()) continue;
    passed_[unit.name] = std::move(names);
    Rebuild(unit.name);
  }
}

void SocketActivation::Open(Socket& socket, const std::string& root) {
  const SocketSettings& settings = socket.settings;
  SocketOwner owner;
  if (!settings.user.empty() || !settings.group.empty()) {
    fault::StatusOr<Credentials> who = ResolveCredentials(
        settings.user.empty() ? "root" : settings.user, settings.group, root);
    if (!who.ok()) {
      socket.failed = std::string(who.status().message());
      log_.Warning(socket.name, ": failed: ", socket.failed);
      return;
    }
    if (!settings.user.empty()) owner.uid = who->uid;
    owner.gid = who->gid;
  }
  for (const SocketAddress& address : settings.listen) {
    fault::StatusOr<fault::UniqueFd> fd =
        OpenListening(address, settings, owner);
    if (!fd.ok()) {
      socket.failed = std::string(fd.status().message());
      log_.Warning(socket.name, ": failed: ", socket.failed);
      socket.fds.clear();
      return;
    }
    socket.fds.push_back(std::move(*fd));
  }
  if (settings.symlinks.empty()) return;
  const SocketAddress* file = nullptr;
  size_t files = 0;
  for (const SocketAddress& a : settings.listen) {
    if (a.in_file_system()) {
      file = &a;
      ++files;
    }
  }
  if (files != 1) {
    log_.Warning(socket.name,
                 ": Symlinks= needs exactly one socket or FIFO in the file "
                 "system; no link made");
    return;
  }
  for (const std::string& link : settings.symlinks) {
    MakeParents(link, settings.directory_mode);
    (void)unlink(link.c_str());
    if (symlink(file->path.c_str(), link.c_str()) != 0) {
      log_.Warning(socket.name, ": unable to link ", link, ": ",
                   strerror(errno));
    }
  }
}

void SocketActivation::Watch(Socket& socket) {
  if (!socket.watches.empty() || !socket.failed.empty() || closed_) return;
  for (const fault::UniqueFd& fd : socket.fds) {
    Socket* s = &socket;
    fault::StatusOr<fault::Scheduler::WatchId> id =
        scheduler_.OnReadable(fd.get(), [this, s] { Trigger(*s); });
    if (!id.ok()) {
      log_.Warning(socket.name, ": unable to watch: ", id.status().message());
      continue;
    }
    socket.watches.push_back(*id);
  }
}

void SocketActivation::Unwatch(Socket& socket) {
  for (fault::Scheduler::WatchId id : socket.watches) scheduler_.Cancel(id);
  socket.watches.clear();
}

void SocketActivation::Trigger(Socket& socket) {
  // Every socket of the service waits for it to be down again.
  for (Socket* s : by_service_[socket.service]) {
    Unwatch(*s);
    if (std::find(waiting_.begin(), waiting_.end(), s) == waiting_.end()) {
      waiting_.push_back(s);
    }
  }
  std::optional<ServiceView> view = supervisor_.View(socket.service);
  if (view && !Down(view->state)) return;  // up or on its way: it takes it
  const fault::Duration now = fault::MonotonicNow();
  auto& t = socket.triggers;
  t.erase(std::remove_if(
              t.begin(), t.end(),
              [&](fault::Duration at) { return now - at >= kTriggerInterval; }),
          t.end());
  t.push_back(now);
  if (t.size() > kTriggerBurst) {
    socket.failed = "trigger limit hit (over 200 activations in 2s)";
    log_.Warning(socket.name, ": failed: ", socket.failed);
    return;
  }
  log_.Info(socket.name, ": activating ", socket.service, ".service");
  if (fault::Status s = supervisor_.StartService(socket.service); !s.ok()) {
    socket.failed = absl::StrCat(socket.service, ".service: ", s.message());
    log_.Warning(socket.name, ": failed: ", socket.failed);
  }
}

void SocketActivation::Poll() {
  if (closed_) return;
  if (!deferred_.empty()) {
    std::optional<ServiceView> sysinit = supervisor_.View(kSysinitTarget);
    if (!sysinit.has_value() || sysinit->state == ServiceState::kRunning) {
      StartDeferred(nullptr);
    }
  }
  if (waiting_.empty()) return;
  for (size_t i = 0; i < waiting_.size();) {
    Socket& s = *waiting_[i];
    std::optional<ServiceView> view = supervisor_.View(s.service);
    const bool idle = !s.failed.empty() ||
                      !view.has_value() ||  // no such service: never
                      (Down(view->state) && !supervisor_.Busy(s.service));
    if (!idle) {
      ++i;
      continue;
    }
    if (view.has_value()) {
      Watch(s);
    } else if (s.failed.empty()) {
      s.failed = absl::StrCat("no unit ", s.service, ".service to activate");
      log_.Warning(s.name, ": failed: ", s.failed);
    }
    waiting_[i] = waiting_.back();
    waiting_.pop_back();
  }
}

void SocketActivation::Close() {
  if (closed_) return;
  closed_ = true;
  waiting_.clear();
  deferred_.clear();
  fds_.clear();
  for (auto& socket : sockets_) {
    Unwatch(*socket);
    socket->fds.clear();
    if (!socket->settings.remove_on_stop) continue;
    for (const SocketAddress& a : socket->settings.listen) {
      if (a.in_file_system()) (void)unlink(a.path.c_str());
    }
    for (const std::string& link : socket->settings.symlinks) {
      (void)unlink(link.c_str());
    }
  }
}

void SocketActivation::Rows(std::vector<ServiceView>* rows) const {
  for (const auto& socket : sockets_) {
    ServiceView row{};
    row.name = socket->name;
    row.pid = 0;
    row.restarts = 0;
    if (!socket->failed.empty()) {
      row.state = ServiceState::kFailed;
      row.reason = socket->failed;
    } else {
      row.state = closed_ ? ServiceState::kInactive : ServiceState::kRunning;
      row.status_text =
          closed_ ? "" : (socket->watches.empty() ? "running" : "listening");
    }
    row.description = absl::StrCat("socket for ", socket->service, ".service");
    rows->push_back(std::move(row));
  }
}

}  // namespace faultinit
