// File: runtime/spawn_slots.cc
//
// The descriptor slots of a child cloned sharing memory (spawn_slots.h).

#include "runtime/spawn_slots.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace fault {
namespace spawn_internal {

bool Slots::SetUp() {
  if (tried) return ready;
  tried = true;
  if (syscall(SYS_close_range, ~0U, ~0U, CLOSE_RANGE_UNSHARE) != 0) {
    return false;
  }
  null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) return false;
  for (int& slot : fd) {
    slot = fcntl(null_fd, F_DUPFD_CLOEXEC, 3);
    if (slot < 0) return false;
    if (slot > last) last = slot;
  }
  ready = true;
  return true;
}

bool Slots::Fill(const ChildFds& from, ChildFds* to) {
  *to = from;
  int* targets[kCount] = {&to->stdin_fd, &to->stdout_fd, &to->stderr_fd,
                          &to->extra_from, &to->report};
  for (int role = 0; role < kCount; ++role) {
    if (*targets[role] < 0) continue;
    if (dup3(*targets[role], fd[role], O_CLOEXEC) < 0) {
      Empty();
      return false;
    }
    filled |= 1U << role;
    *targets[role] = fd[role];
  }
  return true;
}

void Slots::Empty() {
  for (int role = 0; role < kCount; ++role) {
    if (filled & (1U << role)) (void)dup3(null_fd, fd[role], O_CLOEXEC);
  }
  filled = 0;
}

Slots& SpawnSlots() {
  static Slots* const slots = new Slots;  // never destroyed
  return *slots;
}

}  // namespace spawn_internal
}  // namespace fault
