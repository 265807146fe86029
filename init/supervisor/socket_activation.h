// File: init/supervisor/socket_activation.h
//
// SocketActivation: system mode's socket units (systemd.socket(5)). Each
// socket unit loaded (init/system/socket_keys.h) is opened once
// (socket_listen.h):
//   - in the layout, one with DefaultDependencies=yes once sysinit.target
//     is active (systemd orders it After=sysinit.target): until then its
//     path does not exist, and an early client (systemd-update-utmp's
//     D-Bus fallback) fails at once instead of waiting for a service that
//     cannot start before sysinit.target; a service spawned earlier (in
//     the same pass, or on request) has its sockets opened then;
//   - otherwise (DefaultDependencies=no, or a flat directory), before any
//     service starts.
//
// Accept=no (the default): the unit names one service (Service=, or its
// own name with .service):
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
//     longer watched, and says so in `faultctl status`.
// Accept=yes: the sockets are watched whenever the unit listens; PID 1
// accepts each connection and starts an instance of the template
// NAME@.service for it alone (socket_accept.h names it, the Instances
// hooks load it; Supervisor::StartTransient: never restarted, removed once
// it ended), whose main process gets the connection as descriptor 3
// (LISTEN_FDS=1, LISTEN_FDNAMES=connection, and REMOTE_ADDR/REMOTE_PORT
// for an IP peer). A connection over MaxConnections= instances running,
// or over MaxConnectionsPerSource= from one source, is closed at once
// (logged); so is one whose instance cannot be loaded or started (the
// unit then fails, as systemd's); more than 200 connections in 2 seconds
// fail the unit. A failed accept(2) other than a connection that went
// away (EMFILE...) fails the unit rather than spin on its pending
// connection. Without Instances hooks (a flat directory has no
// templates) an Accept=yes unit fails with that reason.
//
// A socket unit is a unit `faultctl status|start|stop|restart NAME.socket`
// names (Supervisor::SetSocketUnits); one nothing pulled in at boot is
// loaded when a request names it (Add), inactive until started: its row says
// `listening on ADDR,
// ...` (watched), `running on ...` (its service has it), `stopped`, or
// failed with the reason; stop closes its sockets (RemoveOnStop=: their
// files and Symlinks= removed) and leaves its service, and any instance,
// running, as systemd does; start opens them again (a failed unit is
// opened afresh). Close (at shutdown) stops them all. A socket that
// cannot be opened (or whose SocketUser= is unknown) is failed with the
// reason; its service's other sockets still work. A reload (faultctl
// reload-all, SIGHUP) opens new socket units and reopens changed ones that
// no running service holds (Reload).
//
// Loop thread only. Owns the listening descriptors and the connections
// until their instances end.

#ifndef FAULT_INIT_SUPERVISOR_SOCKET_ACTIVATION_H_
#define FAULT_INIT_SUPERVISOR_SOCKET_ACTIVATION_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
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
  // How Accept=yes instances come and go (SystemMode, in the layout).
  struct Instances {
    // Loads `name` (an instance, without ".service") into the supervisor,
    // not started; false when it cannot (logged by the caller).
    std::function<bool(const std::string& name)> load;
    // Its connection is over: the caller stops keeping it for reloads.
    std::function<void(const std::string& name)> forget;
  };

  // Registers its hooks on `supervisor` (SetListenFds, SetSocketUnits);
  // both must outlive this.
  SocketActivation(fault::Scheduler& scheduler, Supervisor& supervisor,
                   const Logger& log);
  ~SocketActivation();
  SocketActivation(const SocketActivation&) = delete;
  SocketActivation& operator=(const SocketActivation&) = delete;

  // SetInstances: the hooks Accept=yes units need; call before Listen.
  void SetInstances(Instances instances) { instances_ = std::move(instances); }
  // Listen opens and watches every socket of `sockets` (socket units with
  // errors are logged and skipped). Call once, before the services start.
  // `accounts_root` resolves SocketUser=/SocketGroup= (accounts.h).
  // With `after_sysinit` (the layout), those with DefaultDependencies=yes
  // are opened later: by the first Poll that finds sysinit.target active
  // (or no such unit), when their service's main process is spawned, or
  // by a start request.
  void Listen(const std::vector<ParsedUnit>& sockets,
              const std::string& accounts_root = "/",
              bool after_sysinit = false);
  // Add loads one more socket unit (a request named it: one nothing pulled
  // in at boot), inactive until a start request opens it; false when it
  // has errors. Known already: nothing changes.
  bool Add(const ParsedUnit& socket);
  // Reload takes a reload's socket units (LoadedUnits::sockets): a new one
  // is opened; one whose file changed is closed and opened anew from it,
  // and one whose file is gone closed and forgotten, unless its service
  // (Accept=no) is up or starting: then it keeps its sockets, with a warning,
  // until a restart of the socket unit (the reload after that). An unchanged
  // one keeps its descriptors; one stopped on request stays stopped. What
  // changed is added to `*summary` by the socket units' names
  // ("a.socket"): opened as new in `started`, reopened in `restarted`
  // (`changed` when stopped on request: only its definition changed),
  // closed as removed in `stopped`.
  void Reload(const std::vector<ParsedUnit>& sockets, ReloadSummary* summary);
  // Redefine is systemd's daemon-reload for the socket units: it opens,
  // closes and reopens nothing. A new one is loaded, not opened (a start
  // opens it); a changed one that is open (or whose service holds its
  // sockets) keeps its descriptors and takes the new definition at its
  // stop, so a restart opens what the file says now; one that is closed
  // takes it at once; one whose file is gone is forgotten at its stop (at
  // once when closed). Names go to `*summary` (added, changed, removed).
  void Redefine(const std::vector<ParsedUnit>& sockets,
                RedefineSummary* summary);
  // HasDeferred: whether a socket waits for sysinit.target (which the
  // caller then starts, as the socket's Requires= would pull it in).
  bool HasDeferred() const { return !deferred_.empty(); }
  // PassSockets: each service of `services` with Sockets= (other_unit_keys.h)
  // also gets, after its own, the sockets of the socket units it names that
  // name another service (Service=), while they are listening, as systemd
  // passes every socket unit that triggers the service. Call after Listen.
  void PassSockets(const std::vector<ParsedUnit>& services);
  // Activates: whether an open socket unit (Accept=no) names `service`.
  bool Activates(const std::string& service) const;
  // Poll watches again the sockets whose service is down and idle, and
  // ends the connections whose instance has ended.
  void Poll();
  // Close stops every socket unit (RemoveOnStop=); no start after it.
  void Close();

 private:
  struct Socket {
    std::string name;     // "dbus.socket"
    std::string service;  // "dbus"; Accept=yes: the template, "echo@"
    std::string fd_name;  // in LISTEN_FDNAMES
    SocketSettings settings;
    std::vector<fault::UniqueFd> fds;
    std::vector<fault::Scheduler::WatchId> watches;
    std::string failed;    // why it is failed; empty: not failed
    bool stopped = false;  // by request (faultctl stop), until a start
    bool removed = false;  // its file is gone (Reload): closed, not listed
    // A daemon-reload's (Redefine): the new definition, taken at the next
    // stop; or its file is gone: removed at the next stop.
    std::unique_ptr<ParsedUnit> redefined;
    bool gone = false;
    std::string path;    // its file
    std::string source;  // its file's digest (ParsedUnit::source)
    std::vector<fault::Duration> triggers;  // within the last 2 s
    // Accept=yes: the next connection's number, the instances running,
    // and those per source (MaxConnectionsPerSource=).
    unsigned accepted = 0;
    unsigned connections = 0;
    std::map<std::string, unsigned> sources;
  };
  // An Accept=yes connection, held until its instance has ended.
  struct Connection {
    Socket* socket;
    fault::UniqueFd fd;
    std::optional<std::string> source;
  };

  // Register makes the Socket of a unit without errors (Accept=yes with no
  // Instances hooks: failed, saying why); nullptr for one with errors.
  Socket* Register(const ParsedUnit& parsed);
  // InUse: its service (Accept=no) is up or on its way, holding them.
  bool InUse(const Socket& socket) const;
  // Replace gives `socket` its new definition, closed first.
  void Replace(Socket& socket, const ParsedUnit& parsed);
  // TakeRedefinition: at a stop, what a daemon-reload left for `socket`
  // (its new definition, or its removal).
  void TakeRedefinition(Socket& socket);
  // Start opens a socket unit's sockets and watches them (Accept=yes) or
  // registers them for its service.
  void Start(Socket& socket);
  // StartDeferred starts the deferred sockets (of `service` only, unless
  // null); Undefer takes `socket` out of them, true if it was there.
  void StartDeferred(const std::string* service);
  bool Undefer(Socket& socket);
  void Open(Socket& socket);
  void Watch(Socket& socket);
  void Unwatch(Socket& socket);
  // Stop closes `socket`'s descriptors (RemoveOnStop=).
  void Shut(Socket& socket);
  void Fail(Socket& socket, std::string why);
  // Listening: open, not failed, not stopped, not closed.
  bool Listening(const Socket& socket) const;
  // TriggerLimitHit counts one activation of `socket`; true (and the unit
  // failed) past the limit.
  bool TriggerLimitHit(Socket& socket);
  void Trigger(Socket& socket);
  // Accept=yes (socket_connections.cc): one connection on `fd`, and the
  // end of those whose instance has ended.
  void AcceptOn(Socket& socket, int fd);
  void EndConnections();
  // Rebuild what `service`'s main process gets from its open sockets.
  // UpdateFds sets what `service` gets (Collect), and what the services
  // naming its sockets in Sockets= get.
  void UpdateFds(const std::string& service);
  void Collect(const std::string& service);
  Socket* Find(absl::string_view name) const;
  fault::Status Change(absl::string_view name, bool start);
  ServiceView RowOf(const Socket& socket) const;
  void Rows(std::vector<ServiceView>* rows) const;

  fault::Scheduler& scheduler_;
  Supervisor& supervisor_;
  const Logger& log_;
  Instances instances_;
  std::string accounts_root_ = "/";
  std::vector<std::unique_ptr<Socket>> sockets_;
  // Accept=no, per service: its sockets, and what its main process gets;
  // and, per Accept=yes instance, its connection.
  std::map<std::string, std::vector<Socket*>, std::less<>> by_service_;
  std::map<std::string, ListenFds, std::less<>> fds_;
  // Sockets=: per service, the other services' sockets it names; per such
  // socket, the services naming it.
  std::map<std::string, std::vector<Socket*>, std::less<>> also_;
  std::map<const Socket*, std::vector<std::string>> named_by_;
  std::map<std::string, Connection, std::less<>> connections_;
  // Sockets not watched, waiting for their service to be down.
  std::vector<Socket*> waiting_;
  // Sockets not opened yet, waiting for sysinit.target (Listen).
  std::vector<Socket*> deferred_;
  bool closed_ = false;
};

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_SOCKET_ACTIVATION_H_
