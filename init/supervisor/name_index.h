// File: init/supervisor/name_index.h
//
// NameIndex: owned items found by name, for the supervisor's entries
// (supervisor_entry.h): a vector of owning pointers sorted by the name
// each item gives (E::name()), 8 bytes an item where a std::map node took
// a block of 72 (musl's 80-byte slot) and a copy of the name, since PID 1
// keeps one per service (issue #26). The items never move (each is a
// block of its own); only the pointers do. A lookup is a binary search; an
// insert or erase moves the pointers after its place (inserts in name
// order, as a load makes them, append). An item's name must not change
// while it is in the index.
//
// The subset of std::map<std::string, std::unique_ptr<E>>'s interface the
// supervisor uses, in name order: an item is read as `it->second`, and a
// slot binds as the map's pair does (`auto& [name, item]`, the name the
// item's); insert and erase invalidate iterators. Not thread-safe (the
// loop thread's).

#ifndef FAULT_INIT_SUPERVISOR_NAME_INDEX_H_
#define FAULT_INIT_SUPERVISOR_NAME_INDEX_H_

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace faultinit {

// One item of a NameIndex: tuple-like, as a map's pair (its name, then
// its owning pointer).
template <typename E>
struct NameIndexSlot {
  std::unique_ptr<E> second;

  template <size_t I>
  decltype(auto) get() const {
    if constexpr (I == 0) {
      return static_cast<const std::string&>(second->name());
    } else {
      return static_cast<const std::unique_ptr<E>&>(second);
    }
  }
  template <size_t I>
  decltype(auto) get() {
    if constexpr (I == 0) {
      return static_cast<const std::string&>(second->name());
    } else {
      return static_cast<std::unique_ptr<E>&>(second);
    }
  }
};

template <typename E>
class NameIndex {
 public:
  using Slot = NameIndexSlot<E>;
  using Slots = std::vector<Slot>;
  using iterator = typename Slots::iterator;
  using const_iterator = typename Slots::const_iterator;

  iterator begin() { return slots_.begin(); }
  iterator end() { return slots_.end(); }
  const_iterator begin() const { return slots_.begin(); }
  const_iterator end() const { return slots_.end(); }
  size_t size() const { return slots_.size(); }
  bool empty() const { return slots_.empty(); }

  iterator find(absl::string_view name) {
    auto it = LowerBound(slots_, name);
    return it != slots_.end() && Name(*it) == name ? it : slots_.end();
  }
  const_iterator find(absl::string_view name) const {
    auto it = LowerBound(slots_, name);
    return it != slots_.end() && Name(*it) == name ? it : slots_.end();
  }
  size_t count(absl::string_view name) const {
    return find(name) != end() ? 1 : 0;
  }
  // insert adds `item`, whose name is in no other item (precondition), and
  // returns it.
  E& insert(std::unique_ptr<E> item) {
    const absl::string_view name = item->name();
    auto it = slots_.empty() || Name(slots_.back()) < name
                  ? slots_.end()
                  : LowerBound(slots_, name);
    return *slots_.insert(it, Slot{std::move(item)})->second;
  }
  // erase destroys the item named `name` (which may be its own name): 1,
  // or 0 when there is none.
  size_t erase(absl::string_view name) {
    auto it = find(name);
    if (it == slots_.end()) return 0;
    std::unique_ptr<E> item = std::move(it->second);
    slots_.erase(it);
    return 1;  // `item` (and the name it holds) goes last
  }

 private:
  static absl::string_view Name(const Slot& slot) {
    return slot.second->name();
  }
  template <typename S>
  static auto LowerBound(S& slots, absl::string_view name) {
    return std::lower_bound(
        slots.begin(), slots.end(), name,
        [](const Slot& slot, absl::string_view n) { return Name(slot) < n; });
  }

  Slots slots_;
};

}  // namespace faultinit

namespace std {
template <typename E>
struct tuple_size<faultinit::NameIndexSlot<E>>
    : std::integral_constant<size_t, 2> {};
template <typename E>
struct tuple_element<0, faultinit::NameIndexSlot<E>> {
  using type = const std::string;
};
template <typename E>
struct tuple_element<1, faultinit::NameIndexSlot<E>> {
  using type = std::unique_ptr<E>;
};
}  // namespace std

#endif  // FAULT_INIT_SUPERVISOR_NAME_INDEX_H_
