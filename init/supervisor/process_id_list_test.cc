#include "init/supervisor/process_id_list.h"

#include <sys/types.h>

#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace faultinit {
namespace {

template <typename View>
std::vector<pid_t> Ids(const View& view) {
  std::vector<pid_t> ids;
  for (pid_t id : view) ids.push_back(id);
  return ids;
}

std::vector<std::pair<pid_t, ProcessIdList::WatchId>> Pids(
    const ProcessIdList& list) {
  std::vector<std::pair<pid_t, ProcessIdList::WatchId>> pids;
  for (const auto& [pid, watch] : list.pids()) pids.emplace_back(pid, watch);
  return pids;
}

// A running service's process, group and session are one id: one record,
// inside the list.
TEST(ProcessIdList, OneStepIsOneRecordWithNoBlock) {
  ProcessIdList list;
  EXPECT_TRUE(list.pids().empty());
  EXPECT_TRUE(list.groups().empty());
  EXPECT_TRUE(list.sessions().empty());
  EXPECT_TRUE(list.groups().insert(40));
  EXPECT_TRUE(list.sessions().insert(40));
  EXPECT_FALSE(list.sessions().insert(40));
  list.pids()[40] = 7;
  EXPECT_EQ(list.size(), 1u);
  EXPECT_FALSE(list.allocated());
  EXPECT_EQ(Pids(list), (std::vector<std::pair<pid_t, uint64_t>>{{40, 7}}));
  EXPECT_EQ(Ids(list.groups()), std::vector<pid_t>{40});
  EXPECT_EQ(Ids(list.sessions()), std::vector<pid_t>{40});
  EXPECT_EQ(list.pids().count(40), 1u);
  EXPECT_EQ(list.pids().count(41), 0u);

  // The process is reaped: its group and session stay until dropped.
  EXPECT_EQ(list.pids().erase(40), 1u);
  EXPECT_EQ(list.pids().erase(40), 0u);
  EXPECT_TRUE(list.pids().empty());
  EXPECT_EQ(list.groups().count(40), 1u);
  EXPECT_EQ(list.size(), 1u);
  EXPECT_EQ(list.groups().erase(40), 1u);
  EXPECT_EQ(list.sessions().erase(40), 1u);
  EXPECT_EQ(list.size(), 0u);
  EXPECT_TRUE(list.sessions().empty());
}

// Ids of each kind come in increasing order, each view seeing only its
// own; a block holds two ids or more, and goes when one is left.
TEST(ProcessIdList, ViewsOverSeveralIds) {
  ProcessIdList list;
  list.pids()[30] = 1;
  list.groups().insert(30);
  list.sessions().insert(30);
  list.pids()[12] = 2;         // forked beside the main process
  list.sessions().insert(50);  // a PID file's daemon's session
  list.groups().insert(45);
  EXPECT_TRUE(list.allocated());
  EXPECT_EQ(list.size(), 4u);
  EXPECT_EQ(Pids(list),
            (std::vector<std::pair<pid_t, uint64_t>>{{12, 2}, {30, 1}}));
  EXPECT_EQ(Ids(list.groups()), (std::vector<pid_t>{30, 45}));
  EXPECT_EQ(Ids(list.sessions()), (std::vector<pid_t>{30, 50}));
  EXPECT_EQ(list.groups().count(12), 0u);
  EXPECT_EQ(list.sessions().erase(12), 0u);  // a process, not a session

  list.pids()[12] = 9;  // operator[] finds the same record
  EXPECT_EQ(Pids(list),
            (std::vector<std::pair<pid_t, uint64_t>>{{12, 9}, {30, 1}}));

  list.pids().erase(12);
  list.sessions().erase(50);
  list.groups().erase(45);
  EXPECT_EQ(list.size(), 1u);
  EXPECT_FALSE(list.allocated());
  EXPECT_EQ(Pids(list), (std::vector<std::pair<pid_t, uint64_t>>{{30, 1}}));
  EXPECT_EQ(Ids(list.groups()), std::vector<pid_t>{30});
}

// An erase through an iterator returns the next id of the view, whether
// the record stays (another kind of it remains) or goes.
TEST(ProcessIdList, EraseWhileIterating) {
  ProcessIdList list;
  for (pid_t id : {10, 20, 30, 40, 50}) list.groups().insert(id);
  list.sessions().insert(20);  // 20's record stays without its group
  list.pids()[25] = 3;         // not a group: skipped
  auto groups = list.groups();
  std::vector<pid_t> seen;
  for (auto it = groups.begin(); it != groups.end();) {
    seen.push_back(*it);
    if (*it != 40) {
      it = groups.erase(it);
    } else {
      ++it;
    }
  }
  EXPECT_EQ(seen, (std::vector<pid_t>{10, 20, 30, 40, 50}));
  EXPECT_EQ(Ids(list.groups()), std::vector<pid_t>{40});
  EXPECT_EQ(Ids(list.sessions()), std::vector<pid_t>{20});
  EXPECT_EQ(Pids(list), (std::vector<std::pair<pid_t, uint64_t>>{{25, 3}}));
  EXPECT_EQ(list.size(), 3u);

  // Down to the inline record while erasing: the iterator stays valid.
  list.sessions().erase(20);
  list.pids().erase(25);
  EXPECT_FALSE(list.allocated());
  list.groups().insert(5);
  ASSERT_TRUE(list.allocated());
  auto it = groups.erase(groups.begin());  // 5: 40 is left, inline
  EXPECT_FALSE(list.allocated());
  ASSERT_NE(it, groups.end());
  EXPECT_EQ(*it, 40);
  it = groups.erase(it);
  EXPECT_EQ(it, groups.end());
  EXPECT_EQ(list.size(), 0u);
}

}  // namespace
}  // namespace faultinit
