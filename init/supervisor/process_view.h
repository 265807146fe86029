// File: init/supervisor/process_view.h
//
// ProcessView: one scan of the live processes (SupervisorWorld::Processes,
// a read of /proc on the runtime) and the Supervisor's questions of it:
// which processes are in a session, in a process group, whether a pid is
// listed. The first question of each kind walks the list (the one question
// a service's exit asks costs no more than the scan did); from the second
// on it is answered from an index sorted once, so that a shutdown that
// stops every service in one dispatch finds each one's members by lookup,
// not by a walk of every process per service (supervisor_processes.cc).
//
// A value: no I/O of its own. Loop thread only, as the Supervisor.

#ifndef FAULT_INIT_SUPERVISOR_PROCESS_VIEW_H_
#define FAULT_INIT_SUPERVISOR_PROCESS_VIEW_H_

#include <sys/types.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "init/supervisor/supervisor_world.h"

namespace faultinit {

class ProcessView {
 public:
  using Member = SupervisorWorld::Member;

  explicit ProcessView(std::vector<Member> members)
      : members_(std::move(members)) {}

  // Whether `pid` is listed (alive when the view was taken).
  bool Lists(pid_t pid) {
    return !Find(by_pid_, &Member::pid, pid, pid_questions_).empty();
  }
  // Calls `fn` with each member of session `session`, and of process group
  // `group`.
  template <typename Fn>
  void ForEachInSession(pid_t session, Fn fn) {
    for (const Member& m :
         Find(by_session_, &Member::session, session, session_questions_)) {
      fn(m);
    }
  }
  template <typename Fn>
  void ForEachInGroup(pid_t group, Fn fn) {
    for (const Member& m :
         Find(by_group_, &Member::group, group, group_questions_)) {
      fn(m);
    }
  }

 private:
  // The members whose `field` is `id`.
  std::vector<Member> Find(std::vector<Member>& index, pid_t Member::*field,
                           pid_t id, int& questions) {
    std::vector<Member> found;
    if (++questions == 1) {
      for (const Member& m : members_) {
        if (m.*field == id) found.push_back(m);
      }
      return found;
    }
    if (index.empty() && !members_.empty()) {
      index = members_;
      std::sort(index.begin(), index.end(),
                [field](const Member& a, const Member& b) {
                  return a.*field < b.*field;
                });
    }
    auto first = std::lower_bound(
        index.begin(), index.end(), id,
        [field](const Member& m, pid_t v) { return m.*field < v; });
    for (; first != index.end() && (*first).*field == id; ++first) {
      found.push_back(*first);
    }
    return found;
  }

  std::vector<Member> members_;
  std::vector<Member> by_pid_;
  std::vector<Member> by_session_;
  std::vector<Member> by_group_;
  int pid_questions_ = 0;
  int session_questions_ = 0;
  int group_questions_ = 0;
};

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_PROCESS_VIEW_H_
