#include "init/supervisor/model/control_clients.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace faultinit::model {
namespace {

bool Transition(const std::string& verb) {
  return verb == "start" || verb == "stop" || verb == "restart" ||
         verb == "start-nowait" || verb == "stop-nowait" ||
         verb == "restart-nowait";
}

}  // namespace

std::string DescribeRequest(const ControlClients::Client& c) {
  std::string text = c.verb;
  for (const std::string& name : c.names) absl::StrAppend(&text, " ", name);
  return absl::StrCat("\"", text, "\" (sent at step ", c.sent_at, ")");
}

int ControlClients::Connect(std::vector<std::string>* violations) {
  fault::UniqueFd fd(
      socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  struct sockaddr_un address = {};
  address.sun_family = AF_UNIX;
  strncpy(address.sun_path, socket_.c_str(), sizeof address.sun_path - 1);
  if (!fd.valid() || connect(fd.get(), reinterpret_cast<sockaddr*>(&address),
                             sizeof address) != 0) {
    violations->push_back(absl::StrCat("cannot connect to the control socket: ",
                                       strerror(errno)));
    return -1;
  }
  const int id = next_id_++;
  clients_[id].fd = std::move(fd);
  return id;
}

void ControlClients::Send(int id, const std::string& verb,
                          const std::vector<std::string>& names, int step,
                          bool whole) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  std::string request = absl::StrCat("1\t", verb);
  for (const std::string& name : names) absl::StrAppend(&request, "\t", name);
  if (whole) {
    request += "\n";
    it->second.verb = verb;
    it->second.names = names;
    it->second.sent_at = step;
  }
  (void)send(it->second.fd.get(), request.data(), request.size(), MSG_NOSIGNAL);
}

void ControlClients::Vanish(int id) { clients_.erase(id); }

void ControlClients::ReadAll(std::vector<std::string>* violations) {
  std::vector<int> done;
  for (auto& [id, c] : clients_) {
    char buffer[4096];
    for (;;) {
      ssize_t n = recv(c.fd.get(), buffer, sizeof buffer, MSG_DONTWAIT);
      if (n > 0) {
        c.answer.append(buffer, static_cast<size_t>(n));
        continue;
      }
      if (n == 0) {
        c.ended = true;
      } else if (errno != EAGAIN && errno != EINTR) {
        violations->push_back(
            absl::StrCat("client ", id, ": ", DescribeRequest(c),
                         ": reading the answer failed: ", strerror(errno),
                         " (after \"", absl::CEscape(c.answer), "\")"));
        c.ended = true;
      }
      break;
    }
    if (!c.ended) continue;
    Check(c, violations);
    done.push_back(id);
  }
  for (int id : done) clients_.erase(id);
}

void ControlClients::Overtake(const std::vector<std::string>& names) {
  for (auto& [id, c] : clients_) {
    if (c.verb != "stop" || c.ended) continue;
    for (const std::string& name : names) {
      if (std::find(c.names.begin(), c.names.end(), name) != c.names.end()) {
        c.overtaken = true;
      }
    }
  }
}

std::vector<const ControlClients::Client*> ControlClients::Waiting() const {
  std::vector<const Client*> out;
  for (const auto& [id, c] : clients_) {
    if (!c.verb.empty() && !c.ended) out.push_back(&c);
  }
  return out;
}

void ControlClients::Check(const Client& c,
                           std::vector<std::string>* violations) {
  auto fail = [&](absl::string_view why) {
    violations->push_back(absl::StrCat("answer to ", DescribeRequest(c), ": ",
                                       why, ": \"", absl::CEscape(c.answer),
                                       "\""));
  };
  if (c.verb.empty()) {
    // Closed without a request: only a refusal (busy) may be said.
    if (!c.answer.empty() && !absl::StartsWith(c.answer, "ERR\t")) {
      fail("an answer to a client that sent no request");
    }
    return;
  }
  if (c.answer.empty()) return fail("no answer; the connection was closed");
  if (c.answer.back() != '\n') return fail("the answer ends mid-line");
  std::vector<std::string> lines =
      absl::StrSplit(c.answer.substr(0, c.answer.size() - 1), '\n');
  // A request of an unknown verb is a usage error; a well-formed one may
  // be refused only for naming an unknown service.
  const bool usage = !Transition(c.verb) && c.verb != "status" &&
                     c.verb != "reload" && c.verb != "poweroff";
  if (absl::StartsWith(lines[0], "ERR\t")) {
    if (lines.size() != 1) return fail("lines after ERR");
    if (!absl::StartsWith(lines[0],
                          usage ? "ERR\tusage\t" : "ERR\tunknown\t")) {
      return fail("an unexpected error");
    }
    return;
  }
  if (lines[0] != "OK") return fail("the first line is neither OK nor ERR");
  if (usage) return fail("an unknown verb accepted");
  size_t r = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::vector<std::string> fields = absl::StrSplit(lines[i], '\t');
    const std::string& tag = fields[0];
    if (tag == "OK" || tag == "ERR") return fail("a second OK or ERR line");
    if (c.verb == "status") {
      if (tag != "S" || fields.size() != 9) return fail("not an S line");
    } else if (Transition(c.verb)) {
      if (tag != "R" || fields.size() != 4) return fail("not an R line");
      if (r >= c.names.size() || fields[1] != c.names[r]) {
        return fail("R lines not one per named service, in order");
      }
      ++r;
      const std::string& state = fields[2];
      const bool settled =
          state == "running" || state == "inactive" || state == "failed";
      if (c.verb == "stop" && !c.overtaken && state != "inactive" &&
          state != "failed") {
        return fail("a blocking stop answered before the service stopped");
      }
      // A start job ends at its first failed attempt, as systemd's: the
      // unit may then wait to restart (a new job), and the answer says why
      // the attempt failed.
      const bool failed_attempt = (c.verb == "start" || c.verb == "restart" ||
                                   (c.verb == "stop" && c.overtaken)) &&
                                  state == "restarting";
      if ((c.verb == "start" || c.verb == "restart" || c.verb == "stop") &&
          !settled && !failed_attempt) {
        return fail("a blocking request answered before the service settled");
      }
    } else if (c.verb == "reload") {
      if (tag != "C" && tag != "D") return fail("not a C or D line");
    } else {
      return fail("lines after OK for a verb that has none");
    }
  }
  if (Transition(c.verb) && r != c.names.size()) {
    return fail("not one R line per named service");
  }
}

}  // namespace faultinit::model
