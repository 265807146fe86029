// Tests of the sd_notify parser and of NotifySocket with real sockets.
//
// Senders are forked children that only make system calls (socket, sendto
// or sendmsg) and _exit, as systemd-notify would. Nothing sleeps: the
// parent waits for the child with waitpid (a datagram sent is already
// queued), reads counts from a pipe, or runs the scheduler until every
// expected datagram has arrived.

#include "init/support/notify.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "runtime/fd.h"
#include "runtime/scheduler.h"

namespace faultinit {
namespace {

// Address builds the sockaddr_un a sender uses ('@' = abstract name).
socklen_t Address(const std::string& path, sockaddr_un* addr) {
  memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  memcpy(addr->sun_path, path.data(), path.size());
  if (path[0] == '@') {
    addr->sun_path[0] = '\0';
    return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) +
                                  path.size());
  }
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() +
                                1);
}

// SendTo sends one datagram on a fresh socket, as sd_notify does. Returns 0
// or the errno. System calls only: safe in a forked child.
int SendTo(const std::string& path, absl::string_view data, int flags = 0) {
  sockaddr_un addr;
  const socklen_t length = Address(path, &addr);
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  const ssize_t sent =
      sendto(fd, data.data(), data.size(), flags | MSG_NOSIGNAL,
             reinterpret_cast<const sockaddr*>(&addr), length);
  const int error = sent < 0 ? errno : 0;
  close(fd);
  return error;
}

// SendWithFd sends `data` with `copies` (at most 16) copies of `fd`
// attached (SCM_RIGHTS).
int SendWithFd(const std::string& path, absl::string_view data, int fd,
               int copies = 1) {
  sockaddr_un addr;
  const socklen_t length = Address(path, &addr);
  const int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return errno;
  iovec iov = {const_cast<char*>(data.data()), data.size()};
  union {
    cmsghdr align;
    char bytes[CMSG_SPACE(16 * sizeof(int))];
  } control = {};
  msghdr msg = {};
  msg.msg_name = &addr;
  msg.msg_namelen = length;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.bytes;
  msg.msg_controllen = CMSG_SPACE(copies * sizeof(int));
  cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(copies * sizeof(int));
  for (int i = 0; i < copies; ++i) {
    memcpy(CMSG_DATA(cmsg) + i * sizeof fd, &fd, sizeof fd);
  }
  const int error = sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? errno : 0;
  close(sock);
  return error;
}

// ForkChild runs `body` in a child that exits with its result.
pid_t ForkChild(const std::function<int()>& body) {
  const pid_t pid = fork();
  if (pid == 0) _exit(body());
  return pid;
}

// ExitCode waits for `pid` and returns its exit code (-1 if signalled).
int ExitCode(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// BindRaw binds a plain datagram socket at `path` (a stand-in for another
// process's socket).
fault::UniqueFd BindRaw(const std::string& path) {
  sockaddr_un addr;
  const socklen_t length = Address(path, &addr);
  fault::UniqueFd fd(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  EXPECT_TRUE(fd.valid()) << strerror(errno);
  EXPECT_EQ(bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), length), 0)
      << strerror(errno);
  return fd;
}

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

// Fixture: a directory for socket files, short enough for sockaddr_un
// ($TEST_TMPDIR when it fits, else /tmp), emptied afterwards.
class NotifySocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = getenv("TEST_TMPDIR");
    std::string base = tmp != nullptr ? tmp : "/tmp";
    if (base.size() + 32 >= sizeof(sockaddr_un{}.sun_path)) base = "/tmp";
    std::string pattern = base + "/notify.XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr) << strerror(errno);
    dir_ = pattern;
    path_ = dir_ + "/notify";
  }
  void TearDown() override {
    (void)unlink(path_.c_str());
    (void)rmdir(dir_.c_str());
  }

  NotifySocket OpenOrDie(const std::string& path) {
    fault::StatusOr<NotifySocket> socket = NotifySocket::Open(path);
    EXPECT_TRUE(socket.ok()) << socket.status().ToString();
    return std::move(socket).value();
  }

  std::string dir_;
  std::string path_;
};

// Every known field is read from its KEY=VALUE line.
TEST(ParseNotifyMessage, ReadsKnownFields) {
  NotifyMessage message = ParseNotifyMessage(
      "READY=1\nSTATUS=Serving 3 clients\nMAINPID=4242\nERRNO=2\n"
      "STOPPING=1\nRELOADING=1\n");
  EXPECT_TRUE(message.ready);
  EXPECT_TRUE(message.stopping);
  EXPECT_TRUE(message.reloading);
  EXPECT_EQ(message.status, "Serving 3 clients");
  EXPECT_EQ(message.main_pid, 4242);
  EXPECT_EQ(message.errno_value, 2);
}

// A datagram with none of the fields leaves every one at its default.
TEST(ParseNotifyMessage, EmptyDatagramIsEmptyMessage) {
  NotifyMessage message = ParseNotifyMessage("");
  EXPECT_FALSE(message.ready);
  EXPECT_FALSE(message.stopping);
  EXPECT_FALSE(message.reloading);
  EXPECT_FALSE(message.status.has_value());
  EXPECT_FALSE(message.main_pid.has_value());
  EXPECT_FALSE(message.errno_value.has_value());
}

// Malformed lines, invalid values and unknown keys are ignored; the valid
// lines among them still count.
TEST(ParseNotifyMessage, IgnoresGarbage) {
  const char garbage[] =
      "READY=0\nREADY\n=1\nready=1\nREADY= 1\nFDSTORE=1\nWATCHDOG=1\n"
      "MAINPID=-5\nMAINPID=0\nMAINPID=99999999999\nMAINPID=12x\n"
      "ERRNO=\nERRNO=-1\n\xff\xfe\0\n\n\n"
      "X_CUSTOM=whatever";
  NotifyMessage message =
      ParseNotifyMessage(absl::string_view(garbage, sizeof garbage - 1));
  EXPECT_FALSE(message.ready);
  EXPECT_FALSE(message.main_pid.has_value());
  EXPECT_FALSE(message.errno_value.has_value());
  EXPECT_FALSE(message.status.has_value());

  NotifyMessage mixed = ParseNotifyMessage("garbage\nREADY=1\n\x01\x02");
  EXPECT_TRUE(mixed.ready);
}

// A later assignment replaces an earlier one; STATUS may be empty and may
// contain '='.
TEST(ParseNotifyMessage, LaterAssignmentWins) {
  NotifyMessage message =
      ParseNotifyMessage("STATUS=a\nSTATUS=b=c\nMAINPID=1\nMAINPID=2");
  EXPECT_EQ(message.status, "b=c");
  EXPECT_EQ(message.main_pid, 2);
  EXPECT_EQ(ParseNotifyMessage("STATUS=").status, "");
}

// A forked child sending with sendto, as systemd-notify does, is seen with
// its own pid, uid and gid, and its READY=1 and STATUS= text.
TEST_F(NotifySocketTest, ReceivesFromForkedSender) {
  NotifySocket socket = OpenOrDie(path_);
  EXPECT_EQ(socket.path(), path_);
  EXPECT_TRUE(socket.ReadAll().empty());  // nothing pending: no blocking

  const std::string path = path_;
  const pid_t child =
      ForkChild([&] { return SendTo(path, "READY=1\nSTATUS=up and running"); });
  ASSERT_EQ(ExitCode(child), 0);

  std::vector<NotifySocket::Received> received = socket.ReadAll();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].pid, child);
  EXPECT_EQ(received[0].uid, getuid());
  EXPECT_EQ(received[0].gid, getgid());
  EXPECT_TRUE(received[0].message.ready);
  EXPECT_EQ(received[0].message.status, "up and running");
  EXPECT_TRUE(socket.ReadAll().empty());
  EXPECT_EQ(socket.dropped(), 0u);
}

// Datagrams over 4096 bytes are dropped and counted; one of exactly 4096
// bytes and garbage datagrams are delivered.
TEST_F(NotifySocketTest, DropsOversizedDatagrams) {
  NotifySocket socket = OpenOrDie(path_);
  const std::string fits = "STATUS=" + std::string(kMaxNotifyDatagram - 7, 'x');
  const std::string over = fits + "y";
  const std::string huge(100000, 'z');
  const std::string garbage("\0\xff\n=\n", 5);
  const std::string path = path_;
  const pid_t child = ForkChild([&] {
    for (const std::string* data : {&over, &fits, &huge, &garbage}) {
      if (int error = SendTo(path, *data); error != 0) return error;
    }
    return 0;
  });
  ASSERT_EQ(ExitCode(child), 0);

  std::vector<NotifySocket::Received> received = socket.ReadAll();
  ASSERT_EQ(received.size(), 2u);
  ASSERT_TRUE(received[0].message.status.has_value());
  EXPECT_EQ(received[0].message.status->size(), kMaxNotifyDatagram - 7);
  EXPECT_EQ(received[1].pid, child);
  EXPECT_FALSE(received[1].message.ready);
  EXPECT_FALSE(received[1].message.status.has_value());
  EXPECT_EQ(socket.dropped(), 2u);
}

// Every datagram queued before the call is returned by one ReadAll, in the
// order sent. The sender queues without blocking until the kernel's queue
// limit (net.unix.max_dgram_qlen) or 200, and reports how many it queued.
TEST_F(NotifySocketTest, ManyPendingDatagramsInOneRead) {
  NotifySocket socket = OpenOrDie(path_);
  std::vector<std::string> messages;
  for (int i = 0; i < 200; ++i) messages.push_back(absl::StrCat("STATUS=", i));
  fault::StatusOr<fault::Pipe> count_pipe = fault::MakePipe();
  ASSERT_TRUE(count_pipe.ok());
  const std::string path = path_;
  const pid_t child = ForkChild([&] {
    int sent = 0;
    int error = 0;
    while (sent < 200 &&
           (error = SendTo(path, messages[sent], MSG_DONTWAIT)) == 0) {
      ++sent;
    }
    if (fault::WriteAll(count_pipe->write.get(), &sent, sizeof sent) != 0) {
      return 1;
    }
    return error == 0 || error == EAGAIN ? 0 : 2;
  });
  ASSERT_EQ(ExitCode(child), 0);
  int sent = 0;
  ASSERT_EQ(fault::ReadFull(count_pipe->read.get(), &sent, sizeof sent),
            static_cast<ssize_t>(sizeof sent));
  ASSERT_GE(sent, 2);

  std::vector<NotifySocket::Received> received = socket.ReadAll();
  ASSERT_EQ(received.size(), static_cast<size_t>(sent));
  for (int i = 0; i < sent; ++i) {
    EXPECT_EQ(received[i].message.status, absl::StrCat(i));
    EXPECT_EQ(received[i].pid, child);
  }
}

// ReadAll takes at most `max_datagrams`; the rest stay queued for the next
// call.
TEST_F(NotifySocketTest, ReadAllStopsAtMaximum) {
  NotifySocket socket = OpenOrDie(path_);
  const std::string path = path_;
  const pid_t child = ForkChild([&] {
    for (const char* text : {"STATUS=1", "STATUS=2", "STATUS=3"}) {
      if (int error = SendTo(path, text); error != 0) return error;
    }
    return 0;
  });
  ASSERT_EQ(ExitCode(child), 0);
  std::vector<NotifySocket::Received> first = socket.ReadAll(2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[1].message.status, "2");
  std::vector<NotifySocket::Received> rest = socket.ReadAll(2);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].message.status, "3");
}

// Driven by the scheduler, the socket receives every one of 500 datagrams
// from a sender that blocks whenever the kernel's queue is full.
TEST_F(NotifySocketTest, SchedulerDrainsBlockingSender) {
  NotifySocket socket = OpenOrDie(path_);
  constexpr int kCount = 500;
  std::vector<std::string> messages;
  for (int i = 0; i < kCount; ++i) {
    messages.push_back(absl::StrCat("STATUS=", i));
  }
  const std::string path = path_;
  const pid_t child = ForkChild([&] {
    for (const std::string& text : messages) {
      if (int error = SendTo(path, text); error != 0) return error;
    }
    return 0;
  });

  fault::StatusOr<std::unique_ptr<fault::Scheduler>> scheduler =
      fault::Scheduler::Create();
  ASSERT_TRUE(scheduler.ok()) << scheduler.status().ToString();
  std::vector<std::string> statuses;
  fault::StatusOr<fault::Scheduler::WatchId> watch =
      (*scheduler)->OnReadable(socket.fd(), [&] {
        for (NotifySocket::Received& one : socket.ReadAll()) {
          EXPECT_EQ(one.pid, child);
          statuses.push_back(one.message.status.value_or("?"));
        }
      });
  ASSERT_TRUE(watch.ok()) << watch.status().ToString();
  const fault::Duration limit = fault::MonotonicNow() + fault::Seconds(60);
  while (statuses.size() < static_cast<size_t>(kCount)) {
    ASSERT_LT(fault::MonotonicNow(), limit) << "got " << statuses.size();
    fault::Status status = (*scheduler)->RunOnce(limit);
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
  (*scheduler)->Cancel(*watch);
  ASSERT_EQ(ExitCode(child), 0);
  for (int i = 0; i < kCount; ++i) EXPECT_EQ(statuses[i], absl::StrCat(i));
  EXPECT_EQ(socket.dropped(), 0u);
}

// A descriptor passed along with a message (SCM_RIGHTS) is held by its
// Received and closed with it, once the message has been acted on: the
// sender's barrier (BARRIER=1, the other end of a pipe) sees end of file
// only then. faultinit keeps no copy beyond that.
TEST_F(NotifySocketTest, HoldsPassedDescriptorsUntilReceivedIsDestroyed) {
  NotifySocket socket = OpenOrDie(path_);
  fault::StatusOr<fault::Pipe> pipe = fault::MakePipe(O_NONBLOCK);
  ASSERT_TRUE(pipe.ok());
  const std::string path = path_;
  const int write_end = pipe->write.get();
  const pid_t child =
      ForkChild([&] { return SendWithFd(path, "BARRIER=1", write_end); });
  ASSERT_EQ(ExitCode(child), 0);
  pipe->write.Reset();  // now only the datagram holds the write end

  std::vector<NotifySocket::Received> received = socket.ReadAll();
  ASSERT_EQ(received.size(), 1u);
  ASSERT_EQ(received[0].passed_fds.size(), 1u);
  EXPECT_GE(fcntl(received[0].passed_fds[0].get(), F_GETFD) & FD_CLOEXEC, 1);
  // Held: the write end is still open, so no end of file yet.
  char c;
  EXPECT_EQ(read(pipe->read.get(), &c, 1), -1);
  EXPECT_EQ(errno, EAGAIN);

  received.clear();
  // End of file: no descriptor of the write end is left open anywhere.
  EXPECT_EQ(read(pipe->read.get(), &c, 1), 0) << strerror(errno);
}

// One ReadAll hands out at most kMaxHeldFds passed descriptors: the rest of
// the queue waits for the next call, so a flood of descriptors cannot use up
// faultinit's own.
TEST_F(NotifySocketTest, ReadAllBoundsHeldDescriptors) {
  NotifySocket socket = OpenOrDie(path_);
  fault::StatusOr<fault::Pipe> pipe = fault::MakePipe(O_NONBLOCK);
  ASSERT_TRUE(pipe.ok());
  const std::string path = path_;
  const int write_end = pipe->write.get();
  // Five datagrams of 16 descriptors (within the kernel's default queue of
  // 10 datagrams): the first call stops once it holds 64.
  static_assert(kMaxHeldFds == 64, "the counts below assume 64");
  const pid_t child = ForkChild([&] {
    for (int i = 0; i < 5; ++i) {
      if (int status = SendWithFd(path, "STATUS=x", write_end, 16);
          status != 0) {
        return status;
      }
    }
    return 0;
  });
  ASSERT_EQ(ExitCode(child), 0);
  std::vector<NotifySocket::Received> first = socket.ReadAll();
  ASSERT_EQ(first.size(), 4u);
  for (const NotifySocket::Received& r : first) {
    EXPECT_EQ(r.passed_fds.size(), 16u);
  }
  first.clear();
  EXPECT_EQ(socket.ReadAll().size(), 1u);
}

// An '@' path binds an abstract socket: no file, senders reach it by the
// same '@' name, and a second socket cannot take the name.
TEST_F(NotifySocketTest, AbstractName) {
  // Abstract names are per network namespace, which parallel test runs
  // (each in its own PID namespace) share: make the name random.
  uint64_t nonce = 0;
  ASSERT_EQ(getrandom(&nonce, sizeof nonce, 0),
            static_cast<ssize_t>(sizeof nonce));
  const std::string name =
      absl::StrCat("@faultinit-notify-test-", absl::Hex(nonce));
  NotifySocket socket = OpenOrDie(name);
  EXPECT_EQ(socket.path(), name);
  const pid_t child = ForkChild([&] { return SendTo(name, "READY=1"); });
  ASSERT_EQ(ExitCode(child), 0);
  std::vector<NotifySocket::Received> received = socket.ReadAll();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_TRUE(received[0].message.ready);
  EXPECT_EQ(received[0].pid, child);
  // The name is taken while this socket lives.
  EXPECT_FALSE(NotifySocket::Open(name).ok());
}

// A stale socket file (its owner gone) is replaced; the new socket's file
// is mode 0666 and disappears when the NotifySocket is destroyed.
TEST_F(NotifySocketTest, ReplacesStaleSocketAndRemovesItsFile) {
  BindRaw(path_).Reset();  // bound, then closed: a stale file remains
  ASSERT_TRUE(Exists(path_));
  {
    NotifySocket socket = OpenOrDie(path_);
    struct stat st;
    ASSERT_EQ(stat(path_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0666u);
    ASSERT_EQ(SendTo(path_, "READY=1"), 0);
    EXPECT_EQ(socket.ReadAll().size(), 1u);
  }
  EXPECT_FALSE(Exists(path_));
}

// A socket some live process is bound to, or a file that is not a socket,
// is refused and left in place.
TEST_F(NotifySocketTest, RefusesLiveSocketOrOtherFile) {
  {
    fault::UniqueFd live = BindRaw(path_);
    fault::StatusOr<NotifySocket> socket = NotifySocket::Open(path_);
    ASSERT_FALSE(socket.ok());
    EXPECT_EQ(socket.status().code(), fault::StatusCode::kAlreadyExists);
    EXPECT_EQ(socket.status().message(),
              absl::StrCat("unable to bind notify socket ", path_,
                           ": another process is bound to it"));
    EXPECT_TRUE(Exists(path_));
  }
  ASSERT_EQ(unlink(path_.c_str()), 0);
  {
    // A listening stream socket refuses a datagram probe with EPROTOTYPE,
    // not ECONNREFUSED: still in use.
    sockaddr_un addr;
    const socklen_t length = Address(path_, &addr);
    fault::UniqueFd stream(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ASSERT_EQ(
        bind(stream.get(), reinterpret_cast<const sockaddr*>(&addr), length),
        0);
    ASSERT_EQ(listen(stream.get(), 1), 0);
    EXPECT_EQ(NotifySocket::Open(path_).status().code(),
              fault::StatusCode::kAlreadyExists);
    EXPECT_TRUE(Exists(path_));
  }
  ASSERT_EQ(unlink(path_.c_str()), 0);
  fault::UniqueFd file(
      open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  ASSERT_TRUE(file.valid());
  fault::StatusOr<NotifySocket> socket = NotifySocket::Open(path_);
  ASSERT_FALSE(socket.ok());
  EXPECT_EQ(socket.status().code(), fault::StatusCode::kAlreadyExists);
  EXPECT_EQ(socket.status().message(),
            absl::StrCat("unable to bind notify socket ", path_,
                         ": the path exists and is not a socket"));
  EXPECT_TRUE(Exists(path_));
}

// Empty and over-long paths are refused before any socket is made.
TEST_F(NotifySocketTest, RefusesBadPaths) {
  EXPECT_EQ(NotifySocket::Open("").status().code(),
            fault::StatusCode::kInvalidArgument);
  const std::string long_path = "/tmp/" + std::string(103, 'n');  // 108
  fault::StatusOr<NotifySocket> socket = NotifySocket::Open(long_path);
  EXPECT_EQ(socket.status().code(), fault::StatusCode::kInvalidArgument);
  EXPECT_EQ(socket.status().message(),
            absl::StrCat("notify socket path \"", long_path,
                         "\" is longer than 107 bytes"));
  EXPECT_EQ(NotifySocket::Open("@" + std::string(107, 'a')).status().code(),
            fault::StatusCode::kInvalidArgument);
}

// Moving a NotifySocket moves ownership: the moved-from object removes
// nothing, the new owner receives and removes the file.
TEST_F(NotifySocketTest, MoveTransfersOwnership) {
  std::unique_ptr<NotifySocket> owner;
  {
    NotifySocket first = OpenOrDie(path_);
    owner = std::make_unique<NotifySocket>(std::move(first));
  }
  ASSERT_TRUE(Exists(path_));
  ASSERT_EQ(SendTo(path_, "READY=1"), 0);
  EXPECT_EQ(owner->ReadAll().size(), 1u);
  owner.reset();
  EXPECT_FALSE(Exists(path_));
}

// Destruction never removes a socket someone else bound later at the same
// path.
TEST_F(NotifySocketTest, LeavesReplacementSocketAlone) {
  fault::UniqueFd replacement;
  {
    NotifySocket socket = OpenOrDie(path_);
    ASSERT_EQ(unlink(path_.c_str()), 0);
    replacement = BindRaw(path_);
  }
  EXPECT_TRUE(Exists(path_));
}

}  // namespace
}  // namespace faultinit
