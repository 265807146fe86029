// The heap PID 1 keeps per service (issue #26's memory goal): a supervisor
// on the real runtime loads N units with output capture on
// (StandardOutput=journal, the default), starts them and waits until every
// one runs; the bytes of operator new still allocated then, less those of
// a run with fewer units, over the units added, are the steady-state cost
// of one service. The unit files' text and the parsed units are gone by
// then (Load does not keep them), so only what a running service needs
// is counted. Every allocation of the test binary goes through the
// counting operator new below.

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

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

// Each block carries its size in front of it, so every delete (sized or
// not) takes off what its new added.
constexpr size_t kHeader = alignof(std::max_align_t);

void* CountedNew(size_t n) {
  void* block = malloc(n + kHeader);
  if (block == nullptr) throw std::bad_alloc();
  *static_cast<size_t*>(block) = n;
  live_bytes += static_cast<long long>(n);
  ++live_blocks[n < kSizes ? n : kSizes];
  return static_cast<char*>(block) + kHeader;
}

void CountedDelete(void* p) {
  if (p == nullptr) return;
  char* block = static_cast<char*>(p) - kHeader;
  const size_t n = *reinterpret_cast<size_t*>(block);
  live_bytes -= static_cast<long long>(n);
  --live_blocks[n < kSizes ? n : kSizes];
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

// The most a service may keep on PID 1's heap: a ceiling a little above
// what a running service keeps now, so that it does not grow back
// unnoticed. Allocator slack comes on top of it in RssAnon, for which
// issue #26 sets a lower goal (1 KB per service) than this.
constexpr long long kBudgetPerService = 1600;

class SupervisorMemory : public ::testing::Test {
 protected:
  // The live heap bytes of a supervisor running `n` sleeping services,
  // each with a description and its output captured.
  long long RunningBytes(int n, std::vector<long long>* blocks) {
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
  const long long few = RunningBytes(10, &few_blocks);
  const long long many = RunningBytes(110, &many_blocks);
  const long long per_service = (many - few) / 100;
  printf("live heap: %lld B for 10 services, %lld B for 110: %lld B each\n",
         few, many, per_service);
  std::string sizes;
  for (size_t i = 0; i <= kSizes; ++i) {
    const long long added = many_blocks[i] - few_blocks[i];
    if (added != 0) absl::StrAppend(&sizes, " ", added, "x", i);
  }
  EXPECT_LE(per_service, kBudgetPerService)
      << "blocks added by 100 services, count x bytes (" << kSizes
      << ": larger):" << sizes;
}

}  // namespace
}  // namespace faultinit
