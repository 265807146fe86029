// SocketActivation's Accept=yes half (socket_activation.h): a connection
// accepted by PID 1 becomes an instance of the socket's template, started
// alone with the connection; the connection is closed on PID 1's side once
// that instance has ended.

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "init/supervisor/socket_accept.h"
#include "init/supervisor/socket_activation.h"
#include "init/system/unit_name.h"

namespace faultinit {
namespace {

// accept(2) errors that concern one connection (it went away, or a signal
// came), not the listening socket: nothing to take now, and nothing left
// pending to spin on.
constexpr size_t kServiceSuffixLength = sizeof(".service") - 1;

bool ConnectionError(int error) {
  return error == EAGAIN || error == EWOULDBLOCK || error == EINTR ||
         error == ECONNABORTED || error == EPROTO || error == EPERM ||
         error == ENETDOWN || error == ENOPROTOOPT || error == EHOSTDOWN ||
         error == ENONET || error == EHOSTUNREACH || error == EOPNOTSUPP ||
         error == ENETUNREACH;
}

}  // namespace

void SocketActivation::AcceptOn(Socket& socket, int fd) {
  // Blocking, as the instance expects its connection; the listening socket
  // is non-blocking, so accept4 itself never waits.
  fault::UniqueFd connection(accept4(fd, nullptr, nullptr, SOCK_CLOEXEC));
  if (!connection.valid()) {
    const int error = errno;
    if (ConnectionError(error)) return;
    // EMFILE, ENFILE, ENOBUFS, ENOMEM: the connection stays pending and
    // the socket readable; watching on would spin.
    Fail(socket, absl::StrCat("accept: ", strerror(error)));
    return;
  }
  if (TriggerLimitHit(socket)) return;
  const SocketSettings& settings = socket.settings;
  if (socket.connections >= settings.max_connections) {
    log_.Warning(socket.name, ": too many connections (", socket.connections,
                 ", MaxConnections=", settings.max_connections,
                 "): connection closed");
    return;
  }
  std::optional<std::string> source = ConnectionSource(connection.get());
  if (settings.max_connections_per_source != 0 && source.has_value()) {
    auto it = socket.sources.find(*source);
    if (it != socket.sources.end() &&
        it->second >= settings.max_connections_per_source) {
      log_.Warning(socket.name, ": too many connections (", it->second,
                   ") from ", *source, " (MaxConnectionsPerSource=",
                   settings.max_connections_per_source, "): connection closed");
      return;
    }
  }
  fault::StatusOr<std::string> instance =
      ConnectionInstance(connection.get(), socket.accepted);
  if (!instance.ok()) {
    // The peer went away meanwhile (ENOTCONN), or another family.
    log_.Warning(socket.name,
                 ": connection closed: ", instance.status().message());
    return;
  }
  const std::string service_name =
      InstanceName(absl::StrCat(socket.service, ".service"), *instance);
  if (service_name.empty()) {
    log_.Warning(socket.name, ": connection closed: no valid unit name for ",
                 socket.service, ".service with instance ", *instance);
    return;
  }
  ++socket.accepted;
  // The supervisor's name: without ".service".
  std::string name =
      service_name.substr(0, service_name.size() - kServiceSuffixLength);
  if (!instances_.load(name)) {
    Fail(socket,
         absl::StrCat("unable to load ", service_name, " for a connection"));
    return;
  }
  ListenFds& fds = fds_[name];
  fds.fds = {connection.get()};
  fds.names = "connection";
  fds.variables = RemoteVariables(connection.get());
  if (fault::Status started = supervisor_.StartTransient(name); !started.ok()) {
    fds_.erase(name);
    instances_.forget(name);
    Fail(socket, absl::StrCat(service_name, ": ", started.message()));
    return;
  }
  log_.Info(socket.name, ": connection ", socket.accepted - 1, " for ",
            service_name);
  ++socket.connections;
  if (source.has_value()) ++socket.sources[*source];
  connections_.emplace(
      std::move(name),
      Connection{&socket, std::move(connection), std::move(source)});
}

void SocketActivation::EndConnections() {
  for (auto it = connections_.begin(); it != connections_.end();) {
    const std::string& name = it->first;
    std::optional<ServiceView> view = supervisor_.View(name);
    const bool over =
        !view.has_value() || ((view->state == ServiceState::kInactive ||
                               view->state == ServiceState::kFailed) &&
                              !supervisor_.Busy(name));
    if (!over) {
      ++it;
      continue;
    }
    Connection& c = it->second;
    Socket& socket = *c.socket;
    --socket.connections;
    if (c.source.has_value()) {
      auto source = socket.sources.find(*c.source);
      if (source != socket.sources.end() && --source->second == 0) {
        socket.sources.erase(source);
      }
    }
    fds_.erase(name);
    instances_.forget(name);
    it = connections_.erase(it);  // closes PID 1's end
  }
}

}  // namespace faultinit
