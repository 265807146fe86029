// File: init/supervisor/pid_set.h
//
// PidSet, PidMap: the supervisor entry's sets of process, group and session
// ids (supervisor_entry.h), kept as sorted arrays. A service has a few
// processes, and PID 1 keeps these for every service: one small array each,
// where a std::set or std::map would keep a tree node per id and a larger
// header; and the array is inside the entry while it is small (up to 4 ids,
// or 1 pid of a PidMap: what a running service has), in the bytes a
// std::vector takes for its pointers, so a running service's sets take no
// allocation (they took three blocks, each a slot of musl's malloc). The
// subset of std::set's and std::map's interface the supervisor
// uses, with the same meaning; an erase or insert invalidates iterators.
// Not thread-safe (the loop thread's, like the entry).

#ifndef FAULT_INIT_SUPERVISOR_PID_SET_H_
#define FAULT_INIT_SUPERVISOR_PID_SET_H_

#include <sys/types.h>

#include <algorithm>
#include <cstddef>
#include <utility>

#include "absl/container/inlined_vector.h"

namespace faultinit {

class PidSet {
 public:
  using Ids = absl::InlinedVector<pid_t, 4>;
  using const_iterator = Ids::const_iterator;

  // insert adds `id`; false when it was there already.
  bool insert(pid_t id) {
    auto it = std::lower_bound(ids_.begin(), ids_.end(), id);
    if (it != ids_.end() && *it == id) return false;
    ids_.insert(it, id);
    return true;
  }
  // erase removes `id`: 1 when it was there, else 0.
  size_t erase(pid_t id) {
    auto it = std::lower_bound(ids_.begin(), ids_.end(), id);
    if (it == ids_.end() || *it != id) return 0;
    ids_.erase(it);
    return 1;
  }
  // erase removes the id at `it`; returns the position of the next.
  const_iterator erase(const_iterator it) { return ids_.erase(it); }
  size_t count(pid_t id) const {
    return std::binary_search(ids_.begin(), ids_.end(), id) ? 1 : 0;
  }
  bool empty() const { return ids_.empty(); }
  size_t size() const { return ids_.size(); }
  const_iterator begin() const { return ids_.begin(); }
  const_iterator end() const { return ids_.end(); }

 private:
  Ids ids_;  // sorted, no repeats
};

// PidMap: a value per pid (the entry's exit watch of each process).
template <typename V>
class PidMap {
 public:
  using value_type = std::pair<pid_t, V>;
  // One item inside: a std::vector's size for an 8-byte V.
  using Items = absl::InlinedVector<value_type, 1>;
  using const_iterator = typename Items::const_iterator;

  // operator[]: the value of `id`, value-initialized if it was not there.
  V& operator[](pid_t id) {
    auto it = Find(id);
    if (it == items_.end() || it->first != id) {
      it = items_.insert(it, value_type(id, V()));
    }
    return it->second;
  }
  size_t erase(pid_t id) {
    auto it = Find(id);
    if (it == items_.end() || it->first != id) return 0;
    items_.erase(it);
    return 1;
  }
  size_t count(pid_t id) const {
    auto it = std::lower_bound(
        items_.begin(), items_.end(), id,
        [](const value_type& item, pid_t key) { return item.first < key; });
    return it != items_.end() && it->first == id ? 1 : 0;
  }
  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }

 private:
  typename Items::iterator Find(pid_t id) {
    return std::lower_bound(
        items_.begin(), items_.end(), id,
        [](const value_type& item, pid_t key) { return item.first < key; });
  }

  Items items_;  // sorted by pid, no repeats
};

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_PID_SET_H_
