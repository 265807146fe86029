#include "runtime/fd.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace fault {
namespace {

bool IsOpen(int fd) { return fcntl(fd, F_GETFD) != -1; }

// A UniqueFd closes its descriptor when destroyed, reset or assigned over.
TEST(UniqueFd, ClosesWhatItOwns) {
  StatusOr<Pipe> pipe = MakePipe();
  ASSERT_TRUE(pipe.ok());
  int r = pipe->read.get(), w = pipe->write.get();
  {
    UniqueFd moved = std::move(pipe->read);
    EXPECT_FALSE(pipe->read.valid());
    EXPECT_TRUE(IsOpen(r));
  }
  EXPECT_FALSE(IsOpen(r));
  int released = pipe->write.Release();
  EXPECT_EQ(released, w);
  EXPECT_TRUE(IsOpen(w));
  UniqueFd again(released);
  again.Reset();
  EXPECT_FALSE(IsOpen(w));
}

// MakePipe's ends are close-on-exec, with any extra flags on both.
TEST(MakePipe, CloexecAndFlags) {
  StatusOr<Pipe> pipe = MakePipe(O_NONBLOCK);
  ASSERT_TRUE(pipe.ok());
  for (int fd : {pipe->read.get(), pipe->write.get()}) {
    EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    EXPECT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);
  }
}

// WriteAll and ReadAll move a payload larger than the pipe buffer whole.
TEST(ReadAll, LargePayloadAndLimit) {
  StatusOr<Pipe> pipe = MakePipe();
  ASSERT_TRUE(pipe.ok());
  std::string payload(1 << 20, 'x');
  std::thread writer([&] {
    EXPECT_EQ(WriteAll(pipe->write.get(), payload.data(), payload.size()), 0);
    pipe->write.Reset();
  });
  StatusOr<std::string> got = ReadAll(pipe->read.get(), 2 << 20);
  writer.join();
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, payload);

  StatusOr<Pipe> small = MakePipe();
  ASSERT_TRUE(small.ok());
  WriteString(small->write.get(), "0123456789");
  small->write.Reset();
  StatusOr<std::string> limited = ReadAll(small->read.get(), 4);
  EXPECT_EQ(limited.status().code(), StatusCode::kResourceExhausted);
}

// Exactly `limit` bytes are allowed, one more is not; an empty stream and
// an unlimited read (SIZE_MAX) work too.
TEST(ReadAll, LimitBoundaries) {
  auto read_of = [](const std::string& text, size_t limit) {
    StatusOr<Pipe> pipe = MakePipe();
    EXPECT_TRUE(pipe.ok());
    WriteString(pipe->write.get(), text);
    pipe->write.Reset();
    return ReadAll(pipe->read.get(), limit);
  };
  const std::string text(1000, 'y');  // past the first 256-byte step
  StatusOr<std::string> exact = read_of(text, 1000);
  ASSERT_TRUE(exact.ok()) << exact.status().ToString();
  EXPECT_EQ(*exact, text);
  EXPECT_EQ(read_of(text, 999).status().code(), StatusCode::kResourceExhausted);
  StatusOr<std::string> empty = read_of("", 0);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "");
  EXPECT_EQ(read_of("a", 0).status().code(), StatusCode::kResourceExhausted);
  StatusOr<std::string> unlimited = read_of(text, SIZE_MAX);
  ASSERT_TRUE(unlimited.ok());
  EXPECT_EQ(*unlimited, text);
}

// ReadFull stops at end of file and reports how much it read.
TEST(ReadFull, StopsAtEof) {
  StatusOr<Pipe> pipe = MakePipe();
  ASSERT_TRUE(pipe.ok());
  WriteString(pipe->write.get(), "abc");
  pipe->write.Reset();
  char buf[8];
  EXPECT_EQ(ReadFull(pipe->read.get(), buf, sizeof buf), 3);
  EXPECT_EQ(ReadFull(-1, buf, 1), -EBADF);
}

// Takes the SIGPIPEs pending for this thread or process: their senders.
std::vector<pid_t> TakePendingPipes() {
  sigset_t pipe_only;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  std::vector<pid_t> senders;
  siginfo_t info;
  const struct timespec now = {0, 0};
  while (sigtimedwait(&pipe_only, &info, &now) == SIGPIPE) {
    senders.push_back(info.si_pid);
  }
  return senders;
}

// With SIGPIPE blocked, WriteQuietly to a pipe nobody reads fails with
// EPIPE and leaves no SIGPIPE of its own pending; one another process sent
// stays pending, once.
TEST(WriteQuietly, TakesBackTheWritesSigpipeOnly) {
  sigset_t pipe_only, old;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &pipe_only, &old), 0);
  StatusOr<Pipe> pipe = MakePipe();
  ASSERT_TRUE(pipe.ok());
  pipe->read.Reset();

  EXPECT_EQ(WriteQuietly(pipe->write.get(), "lost\n"), EPIPE);
  EXPECT_EQ(TakePendingPipes(), std::vector<pid_t>{});

  const pid_t sender = fork();
  ASSERT_GE(sender, 0);
  if (sender == 0) _exit(kill(getppid(), SIGPIPE) == 0 ? 0 : 1);
  int status = 0;
  ASSERT_EQ(waitpid(sender, &status, 0), sender);
  ASSERT_EQ(status, 0);
  EXPECT_EQ(WriteQuietly(pipe->write.get(), "lost\n"), EPIPE);
  WriteString(pipe->write.get(), "lost again\n");
  EXPECT_EQ(TakePendingPipes(), std::vector<pid_t>{sender});

  // A healthy pipe: written whole, nothing raised.
  StatusOr<Pipe> healthy = MakePipe();
  ASSERT_TRUE(healthy.ok());
  EXPECT_EQ(WriteQuietly(healthy->write.get(), "kept"), 0);
  char buf[8];
  EXPECT_EQ(read(healthy->read.get(), buf, sizeof buf), 4);
  EXPECT_EQ(TakePendingPipes(), std::vector<pid_t>{});
  ASSERT_EQ(pthread_sigmask(SIG_SETMASK, &old, nullptr), 0);
}

}  // namespace
}  // namespace fault
