#include "init/supervisor/socket_activation.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "init/supervisor/socket_listen.h"
#include "init/support/accounts.h"
#include "init/system/target_unit.h"
#include "init/system/unit_name.h"

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
  supervisor_.SetSocketUnits(Supervisor::SocketUnitHooks{
      [this](std::vector<ServiceView>* rows) { Rows(rows); },
      [this](absl::string_view name) -> std::optional<ServiceView> {
        const Socket* socket = Find(name);
        if (socket == nullptr) return std::nullopt;
        return RowOf(*socket);
      },
      [this](absl::string_view name, bool start) {
        return Change(name, start);
      }});
}

SocketActivation::~SocketActivation() {
  for (auto& socket : sockets_) Unwatch(*socket);
  supervisor_.SetListenFds(nullptr);
  supervisor_.SetSocketUnits({});
}

void SocketActivation::Listen(const std::vector<ParsedUnit>& sockets,
                              const std::string& accounts_root,
                              bool after_sysinit) {
  accounts_root_ = accounts_root;
  for (const ParsedUnit& parsed : sockets) {
    Socket* s = Register(parsed);
    if (s == nullptr || !s->failed.empty()) continue;
    if (after_sysinit && parsed.unit.default_dependencies) {
      deferred_.push_back(s);
      continue;
    }
    Start(*s);
  }
}

SocketActivation::Socket* SocketActivation::Register(const ParsedUnit& parsed) {
  if (!parsed.ok() || parsed.unit.socket == nullptr) return nullptr;
  auto socket = std::make_unique<Socket>();
  Socket& s = *socket;
  sockets_.push_back(std::move(socket));
  s.name = parsed.unit.name;
  s.path = parsed.unit.path;
  s.source = parsed.source;
  s.settings = *parsed.unit.socket;
  s.fd_name = SocketFdName(parsed.unit);
  if (s.settings.accept) {
    s.service = UnitPrefixOf(parsed.unit.name) + "@";
    if (!instances_.load) {
      Fail(s, absl::StrCat("Accept=yes needs its template ", s.service,
                           ".service, and templates are loaded from "
                           "systemd's layout (--units-path) only"));
    }
  } else {
    s.service = SocketServiceName(parsed.unit);
    by_service_[s.service].push_back(&s);
  }
  return &s;
}

bool SocketActivation::Add(const ParsedUnit& parsed) {
  if (Find(parsed.unit.name) != nullptr) return true;
  Socket* s = Register(parsed);
  if (s == nullptr) return false;
  if (s->failed.empty()) s->stopped = true;  // inactive until a start
  return true;
}

void SocketActivation::Start(Socket& s) {
  Open(s);
  if (s.fds.empty()) return;
  log_.Info(s.name, ": listening on ",
            absl::StrJoin(s.settings.listen, " ",
                          [](std::string* out, const SocketAddress& a) {
                            out->append(a.text);
                          }),
            " for ", s.service, ".service");
  if (s.settings.accept) {
    Watch(s);
  } else {
    UpdateFds(s.service);    // in socket-unit order, whichever opened first
    waiting_.push_back(&s);  // watched by the next Poll, if down
  }
}

void SocketActivation::StartDeferred(const std::string* service) {
  if (closed_) return;
  for (size_t i = 0; i < deferred_.size();) {
    Socket& s = *deferred_[i];
    if (service != nullptr && s.service != *service) {
      ++i;
      continue;
    }
    deferred_.erase(deferred_.begin() + static_cast<std::ptrdiff_t>(i));
    Start(s);
  }
}

bool SocketActivation::Undefer(Socket& s) {
  auto it = std::find(deferred_.begin(), deferred_.end(), &s);
  if (it == deferred_.end()) return false;
  deferred_.erase(it);
  return true;
}

bool SocketActivation::Activates(const std::string& service) const {
  auto it = by_service_.find(service);
  if (it == by_service_.end()) return false;
  return std::any_of(it->second.begin(), it->second.end(),
                     [](const Socket* s) { return !s->fds.empty(); });
}

void SocketActivation::PassSockets(const std::vector<ParsedUnit>& services) {
  for (const ParsedUnit& parsed : services) {
    const Unit& unit = parsed.unit;
    for (const std::string& name : unit.sockets) {
      Socket* socket = Find(name);
      // Its own sockets it gets anyway; an Accept=yes socket's connections
      // go to instances of its template.
      if (socket == nullptr || socket->service == unit.name ||
          socket->settings.accept) {
        continue;
      }
      named_by_[socket].push_back(unit.name);
      also_[unit.name].push_back(socket);
    }
    if (also_.count(unit.name) != 0) Collect(unit.name);
  }
}

void SocketActivation::UpdateFds(const std::string& service) {
  Collect(service);
  // The services that name one of its sockets in Sockets= see the change.
  auto own = by_service_.find(service);
  if (own == by_service_.end()) return;
  for (const Socket* s : own->second) {
    auto it = named_by_.find(s);
    if (it == named_by_.end()) continue;
    for (const std::string& other : it->second) Collect(other);
  }
}

void SocketActivation::Collect(const std::string& service) {
  ListenFds fds;
  const auto add = [&fds](const Socket* s) {
    for (const fault::UniqueFd& fd : s->fds) {
      if (fds.fds.size() >= fault::kMaxListenFds) break;
      fds.fds.push_back(fd.get());
      if (!fds.names.empty()) fds.names += ':';
      fds.names += s->fd_name;
    }
  };
  // Its own sockets first, then those Sockets= names (as systemd orders).
  for (const auto* map : {&by_service_, &also_}) {
    auto it = map->find(service);
    if (it == map->end()) continue;
    for (const Socket* s : it->second) add(s);
  }
  if (fds.fds.empty()) {
    fds_.erase(service);
  } else {
    fds_[service] = std::move(fds);
  }
}

void SocketActivation::Open(Socket& socket) {
  const SocketSettings& settings = socket.settings;
  SocketOwner owner;
  if (!settings.user.empty() || !settings.group.empty()) {
    fault::StatusOr<Credentials> who =
        ResolveCredentials(settings.user.empty() ? "root" : settings.user,
                           settings.group, accounts_root_);
    if (!who.ok()) {
      Fail(socket, std::string(who.status().message()));
      return;
    }
    if (!settings.user.empty()) owner.uid = who->uid;
    owner.gid = who->gid;
  }
  for (const SocketAddress& address : settings.listen) {
    fault::StatusOr<fault::UniqueFd> fd =
        OpenListening(address, settings, owner);
    if (!fd.ok()) {
      socket.fds.clear();
      Fail(socket, std::string(fd.status().message()));
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

bool SocketActivation::Listening(const Socket& socket) const {
  return !closed_ && !socket.stopped && socket.failed.empty() &&
         !socket.fds.empty();
}

void SocketActivation::Fail(Socket& socket, std::string why) {
  socket.failed = std::move(why);
  log_.Warning(socket.name, ": failed: ", socket.failed);
  Unwatch(socket);
}

void SocketActivation::Watch(Socket& socket) {
  if (!socket.watches.empty() || !Listening(socket)) return;
  for (const fault::UniqueFd& fd : socket.fds) {
    Socket* s = &socket;
    const int listening = fd.get();
    fault::StatusOr<fault::Scheduler::WatchId> id =
        s->settings.accept
            ? scheduler_.OnReadable(
                  listening, [this, s, listening] { AcceptOn(*s, listening); })
            : scheduler_.OnReadable(listening, [this, s] { Trigger(*s); });
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

bool SocketActivation::TriggerLimitHit(Socket& socket) {
  const fault::Duration now = fault::MonotonicNow();
  auto& t = socket.triggers;
  t.erase(std::remove_if(
              t.begin(), t.end(),
              [&](fault::Duration at) { return now - at >= kTriggerInterval; }),
          t.end());
  t.push_back(now);
  if (t.size() <= kTriggerBurst) return false;
  Fail(socket, "trigger limit hit (over 200 activations in 2s)");
  return true;
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
  if (TriggerLimitHit(socket)) return;
  log_.Info(socket.name, ": activating ", socket.service, ".service");
  if (fault::Status s = supervisor_.StartService(socket.service); !s.ok()) {
    Fail(socket, absl::StrCat(socket.service, ".service: ", s.message()));
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
  if (!connections_.empty()) EndConnections();
  for (size_t i = 0; i < waiting_.size();) {
    Socket& s = *waiting_[i];
    std::optional<ServiceView> view = supervisor_.View(s.service);
    const bool idle = !Listening(s) ||
                      !view.has_value() ||  // no such service: never
                      (Down(view->state) && !supervisor_.Busy(s.service));
    if (!idle) {
      ++i;
      continue;
    }
    if (!Listening(s)) {
      // Stopped or failed meanwhile: a start puts it back.
    } else if (view.has_value()) {
      Watch(s);
    } else {
      Fail(s, absl::StrCat("no unit ", s.service, ".service to activate"));
    }
    waiting_[i] = waiting_.back();
    waiting_.pop_back();
  }
}

void SocketActivation::Shut(Socket& socket) {
  Unwatch(socket);
  waiting_.erase(std::remove(waiting_.begin(), waiting_.end(), &socket),
                 waiting_.end());
  const bool was_open = !socket.fds.empty();
  socket.fds.clear();
  if (!socket.settings.accept) UpdateFds(socket.service);
  if (!was_open || !socket.settings.remove_on_stop) return;
  for (const SocketAddress& a : socket.settings.listen) {
    if (a.in_file_system()) (void)unlink(a.path.c_str());
  }
  for (const std::string& link : socket.settings.symlinks) {
    (void)unlink(link.c_str());
  }
}

void SocketActivation::Close() {
  if (closed_) return;
  closed_ = true;
  for (auto& socket : sockets_) Shut(*socket);
  waiting_.clear();
  deferred_.clear();
  fds_.clear();
}

SocketActivation::Socket* SocketActivation::Find(absl::string_view name) const {
  for (const auto& socket : sockets_) {
    if (socket->name == name && !socket->removed) return socket.get();
  }
  return nullptr;
}

bool SocketActivation::InUse(const Socket& s) const {
  if (s.settings.accept) return false;  // connections are the instances'
  std::optional<ServiceView> view = supervisor_.View(s.service);
  return view.has_value() &&
         (!Down(view->state) || supervisor_.Busy(s.service));
}

void SocketActivation::Replace(Socket& s, const ParsedUnit& parsed) {
  Undefer(s);
  Shut(s);
  const std::string old_service = s.service;
  if (!s.settings.accept) {
    std::vector<Socket*>& list = by_service_[old_service];
    list.erase(std::remove(list.begin(), list.end(), &s), list.end());
    UpdateFds(old_service);
  }
  s.settings = *parsed.unit.socket;
  s.source = parsed.source;
  s.fd_name = SocketFdName(parsed.unit);
  s.failed.clear();
  s.triggers.clear();
  if (s.settings.accept) {
    s.service = UnitPrefixOf(parsed.unit.name) + "@";
  } else {
    s.service = SocketServiceName(parsed.unit);
    by_service_[s.service].push_back(&s);
  }
}

void SocketActivation::Reload(const std::vector<ParsedUnit>& sockets,
                              ReloadSummary* summary) {
  if (closed_) return;
  std::set<std::string> present;
  for (const ParsedUnit& parsed : sockets) {
    present.insert(parsed.unit.name);
    Socket* s = Find(parsed.unit.name);
    if (s == nullptr) {
      Socket* added = Register(parsed);
      if (added == nullptr || !added->failed.empty()) continue;
      log_.Info(added->name, ": new socket unit");
      summary->started.push_back(added->name);
      Start(*added);
      continue;
    }
    s->redefined.reset();  // the file is compared with what is in force
    s->gone = false;
    if (s->source == parsed.source) continue;  // keeps its descriptors
    if (!parsed.ok() || parsed.unit.socket == nullptr) {
      log_.Warning(s->name,
                   ": its changed file has errors; it keeps its "
                   "sockets");
      continue;
    }
    if (InUse(*s)) {
      log_.Warning(s->name, ": changed while ", s->service,
                   ".service holds its sockets: they are kept until it is "
                   "down and a reload");
      continue;
    }
    Replace(*s, parsed);
    log_.Info(s->name, ": changed: reopened");
    (s->stopped ? summary->changed : summary->restarted).push_back(s->name);
    if (!s->stopped) Start(*s);
  }
  for (const auto& owned : sockets_) {
    Socket& s = *owned;
    // One no longer pulled in whose file is still there stays as it is.
    struct stat st;
    if (s.removed || present.count(s.name) != 0 ||
        stat(s.path.c_str(), &st) == 0) {
      continue;
    }
    if (InUse(s)) {
      log_.Warning(s.name, ": removed while ", s.service,
                   ".service holds its sockets: they are kept until it is "
                   "down and a reload");
      continue;
    }
    Undefer(s);
    Shut(s);
    s.removed = true;
    log_.Info(s.name, ": removed: closed");
    summary->stopped.push_back(s.name);
  }
}

void SocketActivation::Redefine(const std::vector<ParsedUnit>& sockets,
                                RedefineSummary* summary) {
  if (closed_) return;
  std::set<std::string> present;
  for (const ParsedUnit& parsed : sockets) {
    present.insert(parsed.unit.name);
    Socket* s = Find(parsed.unit.name);
    if (s == nullptr) {
      if (Add(parsed)) summary->added.push_back(parsed.unit.name);
      continue;
    }
    s->gone = false;
    if (s->source == parsed.source) {
      s->redefined.reset();
      continue;
    }
    if (!parsed.ok() || parsed.unit.socket == nullptr) {
      log_.Warning(s->name,
                   ": its changed file has errors; it is kept as "
                   "it is");
      continue;
    }
    summary->changed.push_back(s->name);
    if (Listening(*s) || InUse(*s)) {
      s->redefined = std::make_unique<ParsedUnit>(parsed);
      continue;
    }
    s->redefined.reset();
    Replace(*s, parsed);
  }
  for (const auto& owned : sockets_) {
    Socket& s = *owned;
    struct stat st;
    if (s.removed || s.gone || present.count(s.name) != 0 ||
        stat(s.path.c_str(), &st) == 0) {
      continue;
    }
    summary->removed.push_back(s.name);
    s.redefined.reset();
    s.gone = true;
    if (!Listening(s) && !InUse(s)) TakeRedefinition(s);
  }
}

void SocketActivation::TakeRedefinition(Socket& s) {
  if (s.gone) {
    s.gone = false;
    Undefer(s);
    Shut(s);
    s.removed = true;
    log_.Info(s.name, ": removed");
    return;
  }
  if (s.redefined == nullptr) return;
  std::unique_ptr<ParsedUnit> parsed = std::move(s.redefined);
  Replace(s, *parsed);
  log_.Info(s.name, ": its new definition taken");
}

fault::Status SocketActivation::Change(absl::string_view name, bool start) {
  Socket* found = Find(name);
  if (found == nullptr) {
    return fault::NotFoundError(absl::StrCat("no such unit: ", name));
  }
  Socket& s = *found;
  // One that waits for sysinit.target: a request decides for it now.
  const bool was_deferred = Undefer(s);
  if (!start) {
    if (s.stopped && !was_deferred) return fault::OkStatus();
    s.stopped = true;
    s.failed.clear();  // a stop resets a failed unit, as systemd's
    Shut(s);
    log_.Info(s.name, ": stopped",
              s.settings.remove_on_stop ? " (its files removed)" : "");
    TakeRedefinition(s);
    return fault::OkStatus();
  }
  if (closed_) {
    return fault::FailedPreconditionError(
        absl::StrCat(s.name, ": the system is going down"));
  }
  if (Listening(s)) return fault::OkStatus();
  TakeRedefinition(s);  // closed: a daemon-reload's definition is in force
  if (s.removed) {
    return fault::NotFoundError(absl::StrCat("no such unit: ", name));
  }
  if (s.settings.accept && !instances_.load) return fault::OkStatus();
  Shut(s);  // a failed unit's remains, if any
  s.stopped = false;
  s.failed.clear();
  s.triggers.clear();
  Open(s);
  if (s.fds.empty()) return fault::OkStatus();  // failed, with the reason
  log_.Info(s.name, ": listening on ",
            absl::StrJoin(s.settings.listen, " ",
                          [](std::string* out, const SocketAddress& a) {
                            out->append(a.text);
                          }));
  if (s.settings.accept) {
    Watch(s);
  } else {
    UpdateFds(s.service);
    waiting_.push_back(&s);  // watched by the next Poll, if its service is down
  }
  return fault::OkStatus();
}

ServiceView SocketActivation::RowOf(const Socket& socket) const {
  ServiceView row{};
  row.name = socket.name;
  row.pid = 0;
  row.restarts = 0;
  if (!socket.failed.empty()) {
    row.state = ServiceState::kFailed;
    row.reason = socket.failed;
    row.status_text = socket.failed;
  } else if (!Listening(socket)) {
    row.state = ServiceState::kInactive;
    row.status_text = "stopped";
  } else {
    row.state = ServiceState::kRunning;
    // Accept=yes keeps listening while its instances run.
    row.status_text = absl::StrCat(
        socket.watches.empty() ? "running" : "listening", " on ",
        absl::StrJoin(socket.settings.listen, ", ",
                      [](std::string* out, const SocketAddress& a) {
                        out->append(a.text);
                      }));
    if (socket.settings.accept) {
      absl::StrAppend(&row.status_text, "; ", socket.connections,
                      socket.connections == 1 ? " connection" : " connections");
    }
  }
  row.description =
      socket.settings.accept
          ? absl::StrCat("socket for ", socket.service, ".service instances")
          : absl::StrCat("socket for ", socket.service, ".service");
  return row;
}

void SocketActivation::Rows(std::vector<ServiceView>* rows) const {
  for (const auto& socket : sockets_) {
    if (!socket->removed) rows->push_back(RowOf(*socket));
  }
}

}  // namespace faultinit
