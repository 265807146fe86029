// File: init/supervisor/process_id_list.h
//
// ProcessIdList: the supervisor entry's process, group and session ids
// (supervisor_entry.h) in one sorted list of records, an id each, marked
// with what it is to the service: a process of it (with its exit watch),
// the id of one of its process groups, of one of its sessions, or more
// than one of these. Each step of a service is a session of its own
// (setsid), so a running service's process, group and session are one id:
// one record, kept inside the ProcessIdList (16 bytes on LP64), with no
// allocation; only a second id (a PID file's daemon, a process forked
// beside the main one and not yet reaped, a group outliving its leader)
// takes a block, freed when one record is left. PID 1 keeps one per
// service: three sets took 72 bytes of every entry.
//
// Read through three views, each with the subset of std::set's (groups,
// sessions) or std::map's (pids: a watch per pid) interface the supervisor
// uses, with the same meaning. An insert or erase invalidates iterators
// (but an erase through an iterator returns a valid one to the next).
// Not thread-safe (the loop thread's, like the entry).

#ifndef FAULT_INIT_SUPERVISOR_PROCESS_ID_LIST_H_
#define FAULT_INIT_SUPERVISOR_PROCESS_ID_LIST_H_

#include <sys/types.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace faultinit {

class ProcessIdList {
 public:
  using WatchId = uint64_t;
  // What an id is to the service: bits of Record::kinds.
  enum Kind : uint8_t { kProcess = 1, kGroup = 2, kSession = 4 };

  ProcessIdList() = default;
  ProcessIdList(const ProcessIdList&) = delete;
  ProcessIdList& operator=(const ProcessIdList&) = delete;
  ~ProcessIdList() { delete Many(); }

  // The ids of one kind, in increasing order: `Item` is what an iterator
  // gives (the id; for processes, the id and its watch).
  template <uint8_t kKind>
  class View {
   public:
    using Item =
        std::conditional_t<kKind == kProcess, std::pair<pid_t, WatchId>, pid_t>;
    class const_iterator {
     public:
      Item operator*() const {
        const Record& r = ids_->data()[i_];
        if constexpr (kKind == kProcess) {
          return Item(r.id, r.watch);
        } else {
          return r.id;
        }
      }
      const_iterator& operator++() {
        i_ = ids_->Next(i_ + 1, kKind);
        return *this;
      }
      bool operator==(const const_iterator& o) const { return i_ == o.i_; }
      bool operator!=(const const_iterator& o) const { return i_ != o.i_; }

     private:
      friend class View;
      const_iterator(const ProcessIdList* ids, size_t i) : ids_(ids), i_(i) {}
      const ProcessIdList* ids_;
      size_t i_;
    };

    const_iterator begin() const { return {ids_, ids_->Next(0, kKind)}; }
    const_iterator end() const { return {ids_, ids_->size()}; }
    bool empty() const { return begin() == end(); }
    size_t count(pid_t id) const {
      const Record* r = ids_->Find(id);
      return r != nullptr && (r->kinds & kKind) != 0 ? 1 : 0;
    }
    // insert adds `id` (groups, sessions); false when it was there already.
    bool insert(pid_t id) { return ids_->Add(id, kKind); }
    // operator[] (pids): the watch of process `id`, 0 if it was not there.
    WatchId& operator[](pid_t id) {
      ids_->Add(id, kKind);
      return ids_->Find(id)->watch;
    }
    // erase removes `id`: 1 when it was there, else 0.
    size_t erase(pid_t id) { return ids_->Remove(id, kKind) ? 1 : 0; }
    // erase removes the id at `it`; returns the position of the next.
    const_iterator erase(const_iterator it) {
      // The records before it stay where they are: the next of this kind
      // is at or after its position once it is gone, or after it if its
      // record stays (another kind of it remains).
      const size_t before = ids_->size();
      ids_->Remove(ids_->data()[it.i_].id, kKind);
      const size_t from = ids_->size() < before ? it.i_ : it.i_ + 1;
      return {ids_, ids_->Next(from, kKind)};
    }

   private:
    friend class ProcessIdList;
    explicit View(ProcessIdList* ids) : ids_(ids) {}
    ProcessIdList* ids_;
  };

  View<kProcess> pids() { return View<kProcess>(this); }
  View<kGroup> groups() { return View<kGroup>(this); }
  View<kSession> sessions() { return View<kSession>(this); }
  const View<kProcess> pids() const { return View<kProcess>(Mutable()); }
  const View<kGroup> groups() const { return View<kGroup>(Mutable()); }
  const View<kSession> sessions() const { return View<kSession>(Mutable()); }

  // How many ids there are, of any kind (for tests).
  size_t size() const {
    return one_.kinds == kMany ? Many()->size() : (one_.kinds != 0 ? 1 : 0);
  }
  // Whether the ids take a block of their own (for tests).
  bool allocated() const { return one_.kinds == kMany; }

 private:
  struct Record {
    WatchId watch = 0;  // kProcess's; 0 otherwise
    pid_t id = 0;
    uint8_t kinds = 0;
  };
  using Records = std::vector<Record>;
  // one_.kinds when one_.watch holds the address of a Records block (two
  // ids or more); else one_ is the one record, or kinds is 0 for none.
  static constexpr uint8_t kMany = 0x80;

  ProcessIdList* Mutable() const { return const_cast<ProcessIdList*>(this); }
  Records* Many() const {
    return one_.kinds == kMany
               ? reinterpret_cast<Records*>(static_cast<uintptr_t>(one_.watch))
               : nullptr;
  }
  Record* data() { return one_.kinds == kMany ? Many()->data() : &one_; }
  const Record* data() const { return Mutable()->data(); }
  // Next: the position of the first record from `i` on with `kind`, or
  // size().
  size_t Next(size_t i, uint8_t kind) const {
    const Record* records = data();
    const size_t n = size();
    while (i < n && (records[i].kinds & kind) == 0) ++i;
    return i;
  }
  Record* Find(pid_t id) const {
    Record* records = Mutable()->data();
    Record* end = records + size();
    Record* it = LowerBound(records, end, id);
    return it != end && it->id == id ? it : nullptr;
  }
  static Record* LowerBound(Record* begin, Record* end, pid_t id) {
    return std::lower_bound(
        begin, end, id, [](const Record& r, pid_t key) { return r.id < key; });
  }
  // Add marks `id` as `kind`; false when it was so already.
  bool Add(pid_t id, uint8_t kind) {
    if (Record* r = Find(id)) {
      if ((r->kinds & kind) != 0) return false;
      r->kinds |= kind;
      return true;
    }
    const Record record{0, id, kind};
    if (one_.kinds == 0) {
      one_ = record;
      return true;
    }
    if (one_.kinds != kMany) {
      auto many = std::make_unique<Records>();
      many->reserve(2);
      many->push_back(one_);
      one_.kinds = kMany;
      one_.watch =
          static_cast<WatchId>(reinterpret_cast<uintptr_t>(many.release()));
    }
    Records& records = *Many();
    records.insert(
        records.begin() +
            (LowerBound(records.data(), records.data() + records.size(), id) -
             records.data()),
        record);
    return true;
  }
  // Remove takes `kind` off `id`, and the record once it is nothing;
  // false when `id` was not `kind`.
  bool Remove(pid_t id, uint8_t kind) {
    Record* r = Find(id);
    if (r == nullptr || (r->kinds & kind) == 0) return false;
    r->kinds &= static_cast<uint8_t>(~kind);
    if (kind == kProcess) r->watch = 0;
    if (r->kinds != 0) return true;
    if (one_.kinds != kMany) {
      one_ = Record();
      return true;
    }
    Records* many = Many();
    many->erase(many->begin() + (r - many->data()));
    if (many->size() == 1) {
      one_ = many->front();  // overwrites the block's address
      delete many;
    }
    return true;
  }

  Record one_;
};

static_assert(sizeof(void*) != 8 || sizeof(ProcessIdList) == 16,
              "ProcessIdList is one record inside the entry (16 bytes)");

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_PROCESS_ID_LIST_H_
