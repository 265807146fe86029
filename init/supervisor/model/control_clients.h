// File: init/supervisor/model/control_clients.h
//
// ControlClients: the supervisor model's clients of the real ControlServer
// (docs/control.md), on real Unix sockets: each connects, may send one
// request, reads its answer without ever blocking, and may vanish at any
// time. Every answer is checked when it ends (the server closes its side):
// one `OK` or `ERR` line first and no other; after `OK`, the lines its verb
// gives (one `R` per named service in order for start/stop/restart, each
// in a settled state -- running, inactive or failed; for a blocking start
// or restart also restarting with a reason: its attempt failed and
// Restart= restarts the unit, systemd's failed job -- and for a blocking
// stop that no later start overtook, a stopped one: inactive or failed;
// `S` lines for status; `C` and `D` for reload; nothing for poweroff); a
// client that sent no whole request gets no answer.
//
// Single-threaded; every descriptor is non-blocking and O_CLOEXEC.

#ifndef FAULT_INIT_SUPERVISOR_MODEL_CONTROL_CLIENTS_H_
#define FAULT_INIT_SUPERVISOR_MODEL_CONTROL_CLIENTS_H_

#include <map>
#include <string>
#include <vector>

#include "runtime/fd.h"

namespace faultinit::model {

class ControlClients {
 public:
  struct Client {
    fault::UniqueFd fd;
    std::string verb;  // "" until a whole request was sent
    std::vector<std::string> names;
    int sent_at = 0;  // the model's step
    std::string answer;
    bool ended = false;  // the server closed its side: answer complete
    // A blocking stop that a later start or restart of one of its services
    // overtook: it is answered in whatever state the service settled in
    // (docs/control.md, "When a waiting request is answered").
    bool overtaken = false;
  };

  explicit ControlClients(std::string socket) : socket_(std::move(socket)) {}

  // Connect makes a client; its id, or -1 when the server cannot be
  // reached (an error in `*violations`).
  int Connect(std::vector<std::string>* violations);
  // Send sends `verb` with `names` as one request ("1\tVERB\tNAME...\n");
  // `whole` false sends it without its newline (a request never ended).
  void Send(int id, const std::string& verb,
            const std::vector<std::string>& names, int step, bool whole);
  // Vanish closes the client, read or not.
  void Vanish(int id);
  // ReadAll reads what every client can read now and checks each answer
  // that ended (then forgets the client).
  void ReadAll(std::vector<std::string>* violations);

  // Overtake marks the blocking stops waiting on any of `names` overtaken
  // (a start or restart of them is being sent).
  void Overtake(const std::vector<std::string>& names);
  // Waiting lists the clients whose whole request is unanswered.
  std::vector<const Client*> Waiting() const;
  const std::map<int, Client>& clients() const { return clients_; }

 private:
  void Check(const Client& client, std::vector<std::string>* violations);

  std::string socket_;
  std::map<int, Client> clients_;
  int next_id_ = 1;
};

// Describe: "stop a b (step 12)".
std::string DescribeRequest(const ControlClients::Client& client);

}  // namespace faultinit::model

#endif  // FAULT_INIT_SUPERVISOR_MODEL_CONTROL_CLIENTS_H_
