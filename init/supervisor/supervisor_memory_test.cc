// The heap PID 1 keeps per service (issue #26's memory goal): a supervisor
// on the real runtime loads N units with output capture on
// (StandardOutput=journal, the default), starts them and waits until every
// one runs; the bytes of operator new still allocated then, less those of
// a run with fewer units, over the units added, are the steady-state cost
// of one service. The unit files' text and the parsed units are gone by
// then (Load does not keep them), so only what a running service needs
// is counted. Every allocation of the test binary goes through the
// counting operator new below.
//
// It prints where the bytes go: the blocks added per service by size,
// named where the supervisor knows the size (Supervisor::HeapBlocks), and
// what the shipped binaries' allocator, musl's mallocng, would hold for
// them: each block takes a slot of its size class, which holds the block
// and a 4-byte header (fewer blocks cost less than smaller ones).

#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdio>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "init/log.h"
#include "init/supervisor/supervisor.h"
#include "init/system/unit_directory.h"
#include "runtime/duration.h"
#include "runtime/fd.h"
#include "runtime/scheduler.h"

namespace {

std::atomic<long long> live_bytes{0};
// Live blocks by requested size (the last counts every larger one), for
// the breakdown a failure prints.
constexpr size_t kSizes = 1024;
std::atomic<long long> live_blocks[kSizes + 1];
// The bytes of the blocks of kSizes bytes or more.
std::atomic<long long> live_large_bytes{0};
// The sizes of the live blocks of kSizes bytes or more (the arrays over
// all services), for the breakdown: a fixed table, as the counting
// operator new cannot allocate. 0: a free place.
constexpr size_t kLargeSlots = 512;
std::atomic<size_t> large_sizes[kLargeSlots];
std::atomic<void*> large_blocks[kLargeSlots];

void NoteLarge(void* block, size_t n) {
  for (size_t i = 0; i < kLargeSlots; ++i) {
    size_t free = 0;
    if (large_sizes[i].compare_exchange_strong(free, n)) {
      large_blocks[i] = block;
      return;
    }
  }
}

void ForgetLarge(void* block) {
  for (size_t i = 0; i < kLargeSlots; ++i) {
    if (large_blocks[i] == block) {
      large_blocks[i] = nullptr;
      large_sizes[i] = 0;
      return;
    }
  }
}

// Each block carries its size in front of it, so every delete (sized or
// not) takes off what its new added.
constexpr size_t kHeader = alignof(std::max_align_t);

void* CountedNew(size_t n) {
  void* block = malloc(n + kHeader);
  if (block == nullptr) throw std::bad_alloc();
  *static_cast<size_t*>(block) = n;
  live_bytes += static_cast<long long>(n);
  ++live_blocks[n < kSizes ? n : kSizes];
  if (n >= kSizes) live_large_bytes += static_cast<long long>(n);
  if (n >= kSizes) NoteLarge(block, n);
  return static_cast<char*>(block) + kHeader;
}

void CountedDelete(void* p) {
  if (p == nullptr) return;
  char* block = static_cast<char*>(p) - kHeader;
  const size_t n = *reinterpret_cast<size_t*>(block);
  if (n >= kSizes) ForgetLarge(block);
  live_bytes -= static_cast<long long>(n);
  --live_blocks[n < kSizes ? n : kSizes];
  if (n >= kSizes) live_large_bytes -= static_cast<long long>(n);
  free(block);
}

}  // namespace

void* operator new(size_t n) { return CountedNew(n); }
void* operator new[](size_t n) { return CountedNew(n); }
void operator delete(void* p) noexcept { CountedDelete(p); }
void operator delete[](void* p) noexcept { CountedDelete(p); }
void operator delete(void* p, size_t) noexcept { CountedDelete(p); }
void operator delete[](void* p, size_t) noexcept { CountedDelete(p); }
// The nothrow forms too (std::stable_sort's buffer uses them): under ASan
// they are not made of the forms above, and a block from ASan's own would
// reach CountedDelete without its header.
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  try {
    return CountedNew(n);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](size_t n, const std::nothrow_t& tag) noexcept {
  return operator new(n, tag);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  CountedDelete(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  CountedDelete(p);
}

namespace faultinit {
namespace {

// MallocngSlot: the slot musl's mallocng (src/malloc/mallocng) gives a
// request of `n` bytes (n < 8,192): size_to_class in meta.h, over its
// size classes (units of 16 bytes), with the 4-byte in-band header.
size_t MallocngSlot(size_t n) {
  static constexpr unsigned kClasses[] = {
      1,    2,    3,    4,    5,    6,    7,    8,    9,    10,   12,   15,
      18,   20,   25,   31,   36,   42,   50,   63,   72,   84,   102,  127,
      146,  170,  204,  255,  292,  340,  409,  511,  584,  682,  818,  1023,
      1169, 1364, 1637, 2047, 2340, 2730, 3276, 4095, 4680, 5460, 6552, 8191};
  size_t units = (n + 4 - 1) >> 4;
  if (units < 10) return kClasses[units] * 16;
  ++units;
  for (unsigned c : kClasses) {
    if (c >= units) return c * 16;
  }
  return n;  // mmapped: not a slot
}

// The most a service may keep on PID 1's heap: just above what a running
// service keeps now (651 B in 4.99 blocks, the counts are the same in
// every run; issue #26's goal is 1 KB of RssAnon), so that it does not
// grow back unnoticed; and a ceiling just above the same in mallocng's
// slots (701 B, of which about 1 B is an array of 1 KB that a start wave
// of 1,100 services makes and one of 100 does not), which is what RssAnon grows
// by in the shipped binaries (less the groups' headers and part-empty groups).
// A field added back to the entry or its Service takes the entry out of the
// 320-byte class, one added to the output pipe takes it out of the 64-byte
// class: either fails the slot budget.
constexpr long long kBudgetPerService = 660;
constexpr long long kSlotBudgetPerService = 705;

// The runs compared: the services added are as many as issue #26's
// scaling figure measures at N = 1,000 (the arrays over all services grow
// by doubling: with fewer, their share would depend on where N falls).
constexpr int kFew = 100;
constexpr int kMany = 1100;

class SupervisorMemory : public ::testing::Test {
 protected:
  // The live heap bytes of a supervisor running `n` sleeping services,
  // each with a description and its output captured.
  // `large_live`: the sizes of the blocks of kSizes bytes or more live
  // then, the supervisor's and the scheduler's arrays among them.
  long long RunningBytes(int n, std::vector<long long>* blocks,
                         long long* large, std::vector<size_t>* large_live) {
    const std::string dir = absl::StrCat(getenv("TEST_TMPDIR"), "/units", n);
    EXPECT_EQ(mkdir(dir.c_str(), 0755), 0);
    for (int i = 0; i < n; ++i) {
      const std::string text =
          absl::StrCat("[Unit]\nDescription=sleeper number ", i,
                       "\n[Service]\nExecStart=/bin/sleep 1000\n");
      fault::UniqueFd fd(open(absl::StrCat(dir, "/s", i, ".service").c_str(),
                              O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
      EXPECT_TRUE(fd.valid());
      EXPECT_EQ(fault::WriteAll(fd.get(), text.data(), text.size()), 0);
    }
    fault::StatusOr<std::unique_ptr<fault::Scheduler>> scheduler =
        fault::Scheduler::Create();
    EXPECT_TRUE(scheduler.ok());
    if (!scheduler.ok()) return 0;
    fault::UniqueFd null(open("/dev/null", O_WRONLY | O_CLOEXEC));
    Logger log(1, null.get());
    auto supervisor =
        std::make_unique<Supervisor>(**scheduler, log, SupervisorOptions{});
    const long long before = live_bytes;
    *large = -live_large_bytes;
    blocks->assign(kSizes + 1, 0);
    for (size_t i = 0; i <= kSizes; ++i) (*blocks)[i] = -live_blocks[i];
    supervisor->Load(LoadUnitDirectory(dir));
    supervisor->Begin();
    supervisor->StartAll();
    auto all_running = [&] {
      for (const ServiceView& row : supervisor->Status()) {
        if (row.state != ServiceState::kRunning) return false;
      }
      return true;
    };
    EXPECT_TRUE(RunUntil(**scheduler, *supervisor, all_running));
    const long long bytes = live_bytes - before;
    large_live->clear();
    for (size_t i = 0; i < kLargeSlots; ++i) {
      if (large_sizes[i] != 0) large_live->push_back(large_sizes[i]);
    }
    *large += live_large_bytes;
    for (size_t i = 0; i <= kSizes; ++i) (*blocks)[i] += live_blocks[i];
    supervisor->Shutdown();
    EXPECT_TRUE(RunUntil(**scheduler, *supervisor,
                         [&] { return supervisor->AllStopped(); }));
    return bytes;
  }

  // Runs the loop as system mode does until `done`; false after 60 s.
  template <typename Done>
  bool RunUntil(fault::Scheduler& scheduler, Supervisor& supervisor,
                Done done) {
    const fault::Duration deadline = fault::MonotonicNow() + fault::Seconds(60);
    for (;;) {
      supervisor.Reconcile();
      if (done()) return true;
      if (fault::MonotonicNow() >= deadline) return false;
      if (!scheduler.RunOnce(deadline).ok()) return false;
    }
  }
};

TEST_F(SupervisorMemory, RunningServiceKeepsLittleHeap) {
  std::vector<long long> few_blocks, many_blocks;
  long long few_large = 0, many_large = 0;
  // An output pipe per service: more than the 1,024 descriptors a test
  // may start with (system mode raises its limit the same way).
  struct rlimit files;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &files), 0);
  files.rlim_cur = files.rlim_max;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &files), 0);
  std::vector<size_t> few_live, many_live;
  const long long few = RunningBytes(kFew, &few_blocks, &few_large, &few_live);
  const long long many =
      RunningBytes(kMany, &many_blocks, &many_large, &many_live);
  constexpr int kAdded = kMany - kFew;
  const long long per_service = (many - few) / kAdded;
  printf("live heap: %lld B for %d services, %lld B for %d: %lld B each\n", few,
         kFew, many, kMany, per_service);
  // The breakdown, per service: blocks by size, and mallocng's slots.
  const std::vector<std::pair<size_t, std::string>> names =
      Supervisor::HeapBlocks();
  std::string sizes;
  long long slots = 0, blocks = 0;
  for (size_t i = 0; i < kSizes; ++i) {
    const long long added = many_blocks[i] - few_blocks[i];
    if (added == 0) continue;
    absl::StrAppend(&sizes, " ", added, "x", i);
    blocks += added;
    slots += added * static_cast<long long>(MallocngSlot(i));
    std::string what;
    for (const auto& [size, name] : names) {
      if (size == i) absl::StrAppend(&what, what.empty() ? "" : " or ", name);
    }
    printf("  %6.2f blocks of %4zu B (mallocng slot %4zu B)  %s\n",
           static_cast<double>(added) / kAdded, i, MallocngSlot(i),
           what.c_str());
  }
  // Blocks of kSizes bytes and more: the arrays over all services (the
  // map's, the scheduler's tables), grown by doubling; mmapped by mallocng
  // from 128 KB, so counted as they are.
  const long long large = many_large - few_large;
  std::sort(many_live.begin(), many_live.end());
  std::string live_sizes;
  for (size_t size : many_live) absl::StrAppend(&live_sizes, " ", size);
  printf(
      "  %6.2f B in blocks of %zu B or more (arrays over all services); "
      "with %d services:%s\n",
      static_cast<double>(large) / kAdded, kSizes, kMany, live_sizes.c_str());
  printf(
      "per service: %.2f blocks; %lld B counted; %lld B in mallocng's "
      "slots\n",
      static_cast<double>(blocks) / kAdded, per_service,
      (slots + large) / kAdded);
  EXPECT_LE(per_service, kBudgetPerService)
      << "blocks added by " << kAdded << " services, count x bytes:" << sizes;
  EXPECT_LE((slots + large) / kAdded, kSlotBudgetPerService)
      << "blocks added by " << kAdded << " services, count x bytes:" << sizes;
}

}  // namespace
}  // namespace faultinit
