// File: init/supervisor/control_server.h
//
// ControlServer: faultinit's side of the control socket (docs/control.md):
// a non-blocking Unix stream socket served on the program's scheduler. It
// checks every peer with SO_PEERCRED (uid 0 or faultinit's own uid), reads
// one bounded request line per connection, and answers from the
// Supervisor. What a line means and how an answer is written is the
// protocol module's (init/control/): this file does the I/O. PID 1's loop never
// waits on a client: reads and writes are non-blocking, a request must arrive
// within kRequestTimeout, at most kMaxClients are served at once, and a client
// that does not read its answer is dropped once kMaxQueued bytes wait for it.
// When every slot is taken, a new client takes the slot of one that only waits
// (for a transition, on a log, or to hang up), so a poweroff always gets
// through unless all kMaxClients are still sending their requests (each for
// kRequestTimeout at most); see MakeRoom.
//
// start/stop/restart/isolate answer once the services have finished their
// transition: Poll, called by the main loop after each dispatch, completes
// those requests, each exactly once, as soon as none of its services is
// Busy, with the state each settled in (a removed one: inactive).
//
// Loop thread only.

#ifndef FAULT_INIT_SUPERVISOR_CONTROL_SERVER_H_
#define FAULT_INIT_SUPERVISOR_CONTROL_SERVER_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "init/control/request.h"
#include "init/log.h"
#include "init/supervisor/boot.h"
#include "init/supervisor/supervisor.h"
#include "runtime/duration.h"
#include "runtime/fd.h"
#include "runtime/scheduler.h"

namespace faultinit {

inline constexpr size_t kMaxQueued = 1 << 20;
inline constexpr size_t kMaxClients = 64;
inline constexpr fault::Duration kRequestTimeout = fault::Seconds(5);

class ControlServer {
 public:
  struct Hooks {
    // Reloads the unit directory: the summary and every diagnostic line.
    std::function<ReloadSummary(std::vector<std::string>* diagnostics)> reload;
    // Begins a shutdown.
    std::function<void(PowerAction)> power;
    // Optional: the name the supervisor knows a requested name by, for a
    // name it does not know as given ("web.service", an alias, an instance
    // of a template loaded on demand: unit_names.h); nullopt when none.
    // Every request's names go through it before they are looked up.
    std::function<std::optional<std::string>(const std::string& name)> resolve;
    // Optional: systemd's daemon-reload (Supervisor::Redefine): the
    // summary and every diagnostic line. Without it `daemon-reload` is
    // refused.
    std::function<RedefineSummary(std::vector<std::string>* diagnostics)>
        daemon_reload;
  };

  ControlServer(fault::Scheduler& scheduler, Supervisor& supervisor,
                const Logger& log, Hooks hooks);
  ~ControlServer();

  // Listen makes the control socket (0600) at `path`, which must be
  // absolute. Its directory is created 0700 when it does not exist (one
  // level: the parent must exist); an existing directory is used as it is,
  // never chmod'ed. At `path` itself only a stale socket (connecting to it
  // is refused: nobody answers) is replaced; anything else (a file, a
  // directory, a socket in use) is left alone and is an error. Errors are
  // one line naming the path and why: "PATH exists and is not a socket;
  // left alone", "PATH is a socket another process answers on; left
  // alone", "unable to create DIR: ...", "unable to listen on PATH: ...".
  // On an error nothing is served; the caller logs it and carries on (the
  // supervisor does not need the socket). The destructor removes the
  // socket if the path still holds the one bound here.
  fault::Status Listen(const std::string& path);

  // Poll answers the start/stop/restart requests whose services are done.
  void Poll();

  // ShutdownBegan: the system is going down (`action`). Clients waiting
  // for a start or restart are answered at once, `ERR failed` "shutdown
  // began (poweroff): the start was abandoned; ...", and so is every start
  // or restart requested from now on; stop requests are served as usual.
  void ShutdownBegan(PowerAction action);

  size_t clients() const { return clients_.size(); }

 private:
  struct Client;

  void Accept();
  // MakeRoom closes one client to make room for a new one (see the .cc);
  // false when every client is still sending its request.
  bool MakeRoom();
  std::string ShutdownMessage(absl::string_view goal) const;
  // RefuseOneWithoutDescriptors: accept() failed with `error` (EMFILE...):
  // the spare descriptor makes room to accept a pending client and answer
  // it "busy". True when one was refused; false when none was waiting or
  // even that failed (then the listener rests for a moment).
  bool RefuseOneWithoutDescriptors(int error);
  void Watch();
  void OnReadable(Client& client);
  void OnWritable(Client& client);
  void Handle(Client& client, const control::Request& request);
  void HandleStatus(Client& client, const std::vector<std::string>& names);
  // HandleServiceReload: `reload NAME...`, answered once each ExecReload=
  // is done, as a transition is.
  void HandleServiceReload(Client& c, const control::Request& request);
  void HandleTransition(Client& client, const control::Request& request);
  // HandleIsolate: `isolate NAME` (Supervisor::IsolateService), answered
  // as a start of NAME, once the units it stops are down too.
  void HandleIsolate(Client& client, const control::Request& request);
  void HandleLog(Client& client, size_t lines, const std::string& name,
                 bool follow);
  void OnLine(const std::string& name, absl::string_view line);
  // Send, SendError and Finish name the client by its fd, which stays
  // valid to pass after the client was closed (a write error closes it).
  void Send(int fd, absl::string_view text);
  void SendError(int fd, control::ErrorCode code, absl::string_view message);
  void Finish(int fd);
  void EndAnswer(int fd);
  void Close(int fd);

  fault::Scheduler& scheduler_;
  Supervisor& supervisor_;
  const Logger& log_;
  Hooks hooks_;
  std::string path_;
  dev_t dev_ = 0;  // the bound socket's identity, for the destructor
  ino_t ino_ = 0;
  fault::UniqueFd listener_;
  fault::Scheduler::WatchId listen_watch_ = 0;
  // Kept open so that a client can be refused when faultinit is out of
  // descriptors (a pending connection would otherwise keep the listener
  // readable and the loop spinning).
  fault::UniqueFd spare_;
  bool out_of_descriptors_ = false;  // logged once per episode
  fault::Scheduler::WatchId resume_timer_ = 0;
  std::map<int, std::unique_ptr<Client>> clients_;
  uint64_t serial_ = 0;   // the last client's Client::serial
  std::string shutdown_;  // the power action once shutdown began, or ""
};

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_CONTROL_SERVER_H_
