// File: init/supervisor/socket_activation.h
//
// SocketActivation: system mode's socket units (systemd.socket(5),
// Accept=no). Each socket unit loaded (init/system/socket_keys.h) is
// opened once (socket_listen.h), and names one service (Service=, or its
// own name with .service). When it is opened:
//
//   - in the layout, a socket unit with DefaultDependencies=yes once
//     sysinit.target is active (systemd orders it After=sysinit.target):
//     until then its path does not exist, and a early client (say,
//     systemd-update-utmp's D-Bus fallback) fails at once instead of
//     waiting for a service that cannot start before sysinit.target; a
//     service spawned earlier (in the same pass, or on request) has its
//     sockets opened then;
//   - otherwise (DefaultDependencies=no, or a flat directory), before any
//     service starts.
//
// Then:
//
//   - while that service is down (inactive or failed, no start queued),
//     its sockets are watched on the loop (Scheduler::OnReadable); the
//     first connection, datagram or write makes a start request for it
//     (Supervisor::StartService, as `faultctl start`) and the watches are
//     cancelled: a socket that stays readable while its service starts
//     and runs costs no wake-up;
//   - once the service is down again (it exited, failed, or was stopped),
//     Poll (run each turn, before the loop waits) watches its sockets
//     again: the next connection starts it again;
//   - the main process of each start (ExecStart=) gets the service's
//     sockets from descriptor 3 on, in socket-unit then Listen*= order,
//     with LISTEN_FDS, LISTEN_FDNAMES (FileDescriptorName=, else the socket
//     unit's name, per descriptor) and LISTEN_PID (its own pid, set in the
//     child: runtime/spawn.h), as sd_listen_fds(3) expects;
//     then those of the socket units its Sockets= names that name another
//     service (PassSockets);
//   - a service started otherwise (pulled in at boot, faultctl start) gets
//     them too;
//   - more than 200 activations in 2 seconds (systemd's
//     TriggerLimitIntervalSec=2s, TriggerLimitBurst=200: a service that
//     exits without taking the connection) fail the socket unit: it is no
//     longer watched, and says so in `faultctl status`;
//   - Close (at shutdown) stops watching, closes the sockets and, with
//     RemoveOnStop=, removes their files and Symlinks=.
// A socket that cannot be opened (or whose SocketUser= is unknown) is
// failed with the reason; its service's other sockets still work. A
// reload (faultctl reload-all, SIGHUP) leaves the sockets as they are.
//
// Loop thread only. Owns the listening descriptors.

#ifndef FAULT_INIT_SUPERVISOR_SOCKET_ACTIVATION_H_
#define FAULT_INIT_SUPERVISOR_SOCKET_ACTIVATION_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "init/log.h"
#include "init/supervisor/supervisor.h"
#include "init/system/socket_keys.h"
#include "init/system/unit.h"
#include "runtime/duration.h"
#include "runtime/fd.h"
#include "runtime/scheduler.h"

namespace faultinit {

class SocketActivation {
 public:
  // Registers its hooks on `supervisor` (SetListenFds, AddStatusRows);
  // both must outlive this.
  SocketActivation(fault::Scheduler& scheduler, Supervisor& supervisor,
                   const Logger& log);
  ~SocketActivation();
  SocketActivation(const SocketActivation&) = delete;
  SocketActivation& operator=(const SocketActivation&) = delete;

  // Listen opens and watches every socket of `sockets` (socket units with
  // errors are logged and skipped). Call once, before the services start.
  // `accounts_root` resolves SocketUser=/SocketGroup= (accounts.h). With
  // `after_sysinit` (the layout), those with DefaultDependencies=yes are
  // opened later: by the first Poll that finds sysinit.target active (or
  // no such unit), or when their service's main process is spawned.
  void Listen(const std::vector<ParsedUnit>& sockets,
              const std::string& accounts_root = "/",
              bool after_sysinit = false);
  // PassSockets: each service of `services` with Sockets= (other_unit_keys.h)
  // also gets, after its own, the sockets of the socket units it names that
  // name another service (Service=), as systemd passes every socket unit
  // that triggers the service; a deferred one once it is open. Call after
  // Listen.
  void PassSockets(const std::vector<ParsedUnit>& services);
  // Activates: whether a socket unit names `service`.
  bool Activates(const std::string& service) const {
    return by_service_.count(service) != 0;
  }
  // HasDeferred: whether a socket waits for sysinit.target (which the
  // caller then starts, as the socket's Requires= would pull it in).
  bool HasDeferred() const { return !deferred_.empty(); }
  // Poll opens the deferred sockets once sysinit.target is active, and
  // watches again the sockets whose service is down and idle.
  void Poll();
  // Close stops watching and closes every socket (RemoveOnStop=).
  void Close();

 private:
  struct Socket {
    std::string name;     // "dbus.socket"
    std::string service;  // "dbus"
    std::string fd_name;  // its name in LISTEN_FDNAMES
    SocketSettings settings;
    std::vector<fault::UniqueFd> fds;
    std::vector<fault::Scheduler::WatchId> watches;
    std::string failed;  // why it is failed; empty: listening
    std::vector<fault::Duration> triggers;  // within the last 2 s
  };
  // Start opens a socket and registers it for its service.
  void Start(Socket& socket);
  // Rebuild makes what the main process of `service` gets from the open
  // sockets.
  void Rebuild(const std::string& service);
  // StartDeferred starts the deferred sockets (only those `service` gets,
  // its own and its Sockets=, unless null).
  void StartDeferred(const std::string* service);
  void Open(Socket& socket, const std::string& accounts_root);
  void Watch(Socket& socket);
  void Unwatch(Socket& socket);
  void Trigger(Socket& socket);
  void Rows(std::vector<ServiceView>* rows) const;

  fault::Scheduler& scheduler_;
  Supervisor& supervisor_;
  const Logger& log_;
  std::vector<std::unique_ptr<Socket>> sockets_;
  // Per service: its sockets, and what its main process gets.
  std::map<std::string, std::vector<Socket*>, std::less<>> by_service_;
  std::map<std::string, ListenFds, std::less<>> fds_;
  // Per service with Sockets=: the socket units of other services it gets.
  std::map<std::string, std::vector<std::string>, std::less<>> passed_;
  // Sockets not watched, waiting for their service to be down.
  std::vector<Socket*> waiting_;
  // Sockets not opened yet, waiting for sysinit.target (Listen).
  std::vector<Socket*> deferred_;
  std::string accounts_root_ = "/";
  bool closed_ = false;
};

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_SOCKET_ACTIVATION_H_
