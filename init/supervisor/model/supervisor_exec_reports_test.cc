// An exec report's watch ends before its descriptor is closed. epoll
// forgets a descriptor only while it is open: had the supervisor closed
// the report pipe first (ReadSpawnReport closes it once answered), a copy
// of the pipe that lives on (a child forked meanwhile holds one until its
// own exec) would keep the forgotten entry in the epoll set, its hang-up
// reported on every wait: PID 1 spinning through a start wave. Checked on
// the epoll set itself (/proc/self/fdinfo), on a FakeWorld that keeps a
// copy of every report pipe: entries, not time.

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "init/log.h"
#include "init/supervisor/model/fake_world.h"
#include "init/supervisor/model/unit_specs.h"
#include "init/supervisor/supervisor.h"
#include "init/system/unit.h"
#include "init/system/unit_directory.h"
#include "runtime/scheduler.h"

namespace faultinit::model {
namespace {

constexpr int kServices = 40;

// One entry of an epoll set: the descriptor it was added with, and the
// inode of the file it watches.
struct EpollEntry {
  int fd;
  unsigned long inode;
};

// The entries of every epoll set this process has open.
std::vector<EpollEntry> EpollEntries() {
  std::vector<EpollEntry> entries;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return entries;
  std::vector<std::string> epolls;
  while (dirent* d = readdir(dir)) {
    if (d->d_name[0] == '.') continue;
    char target[64] = {};
    const std::string link = absl::StrCat("/proc/self/fd/", d->d_name);
    if (readlink(link.c_str(), target, sizeof target - 1) > 0 &&
        std::string(target) == "anon_inode:[eventpoll]") {
      epolls.push_back(d->d_name);
    }
  }
  closedir(dir);
  for (const std::string& fd : epolls) {
    std::ifstream info(absl::StrCat("/proc/self/fdinfo/", fd));
    std::string line;
    while (std::getline(info, line)) {
      // "tfd:       15 events:       19 data: ... pos:0 ino:1a2b sdev:f"
      if (line.rfind("tfd:", 0) != 0) continue;
      std::istringstream fields(line);
      std::string word;
      EpollEntry entry{-1, 0};
      while (fields >> word) {
        if (word == "tfd:") {
          fields >> entry.fd;
        } else if (word.rfind("ino:", 0) == 0) {
          entry.inode = std::stoul(word.substr(4), nullptr, 16);
        }
      }
      entries.push_back(entry);
    }
  }
  return entries;
}

// A start wave's exec reports, each pipe outliving the supervisor's read
// end: once all run, every entry of the loop's epoll set is for a file
// open at that descriptor number in this process (the loop's own, the
// services' output pipes), none for a report pipe closed already.
TEST(ExecReports, NoEpollEntryOutlivesItsReport) {
  FakeWorld world{fault::Seconds(1000)};
  world.keep_report_copies();
  std::unique_ptr<fault::Scheduler> scheduler =
      std::move(fault::Scheduler::Create().value());
  Logger log{0};
  Supervisor supervisor(*scheduler, log, SupervisorOptions{"", "/"}, &world);
  std::vector<ParsedUnit> units;
  for (int i = 0; i < kServices; ++i) {
    const std::string name = absl::StrCat("s", i);
    const std::string text =
        absl::StrCat("[Service]\nExecStart=/m/", name, "/1/main0\n");
    ParsedUnit parsed = ParseUnit(UnitPath(name), text);
    parsed.source = text;
    units.push_back(std::move(parsed));
  }
  supervisor.Load(LinkUnits("/m/units", std::move(units)));
  supervisor.Begin();
  supervisor.StartAll();
  auto running = [&supervisor] {
    int n = 0;
    for (const ServiceView& row : supervisor.Status()) {
      n += row.state == ServiceState::kRunning;
    }
    return n;
  };
  // The reports are read as the loop turns (each ready at once: the fake
  // processes exec when spawned).
  for (int i = 0; i < 100 && running() < kServices; ++i) {
    supervisor.Reconcile();
    ASSERT_TRUE(scheduler->RunOnce(fault::MonotonicNow()).ok());
  }
  supervisor.Reconcile();
  ASSERT_EQ(running(), kServices);

  const std::vector<EpollEntry> entries = EpollEntries();
  ASSERT_FALSE(entries.empty());  // the loop's own descriptors at least
  for (const EpollEntry& entry : entries) {
    struct stat st = {};
    ASSERT_EQ(fstat(entry.fd, &st), 0)
        << "epoll entry for closed descriptor " << entry.fd;
    EXPECT_EQ(static_cast<unsigned long>(st.st_ino), entry.inode)
        << "epoll entry for descriptor " << entry.fd
        << " watches a file no longer open there";
  }
}

}  // namespace
}  // namespace faultinit::model
