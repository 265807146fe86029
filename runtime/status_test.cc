#include "runtime/status.h"

#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "gtest/gtest.h"

namespace fault {
namespace {

StatusOr<int> Half(int n) {
  if (n % 2 != 0) return InvalidArgumentError("odd");
  return n / 2;
}

Status Quarter(int n, int* out) {
  FAULT_ASSIGN_OR_RETURN(int half, Half(n));
  FAULT_ASSIGN_OR_RETURN(*out, Half(half));
  return OkStatus();
}

// A default Status is OK; an error keeps its code and message.
TEST(Status, CodeAndMessage) {
  EXPECT_TRUE(Status().ok());
  EXPECT_EQ(Status().ToString(), "OK");
  Status bad = NotFoundError("no such service: web");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.code(), StatusCode::kNotFound);
  EXPECT_EQ(bad.message(), "no such service: web");
  EXPECT_EQ(bad.ToString(), "NOT_FOUND: no such service: web");
  Status copy = bad;
  EXPECT_EQ(copy, bad);
  EXPECT_NE(copy, OkStatus());
}

// ErrnoToStatus appends strerror and picks a code from the errno.
TEST(Status, FromErrno) {
  Status s = ErrnoToStatus(ENOENT, "unable to open /etc/x");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.error_number(), ENOENT);
  EXPECT_EQ(s.message(), "unable to open /etc/x: No such file or directory");
  EXPECT_EQ(ErrnoToStatus(EACCES, "x").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrnoToStatus(EMFILE, "x").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(ErrnoToStatus(EIO, "x").code(), StatusCode::kInternal);
}

// The macros return the first error and assign values otherwise.
TEST(StatusOr, ValueOrErrorAndMacros) {
  StatusOr<int> half = Half(8);
  ASSERT_TRUE(half.ok());
  EXPECT_EQ(*half, 4);
  EXPECT_EQ(Half(3).status().message(), "odd");
  EXPECT_EQ(Half(3).value_or(-1), -1);
  int out = 0;
  EXPECT_TRUE(Quarter(8, &out).ok());
  EXPECT_EQ(out, 2);
  EXPECT_EQ(Quarter(6, &out).message(), "odd");
  StatusOr<std::string> text = std::string("moved");
  std::string taken = *std::move(text);
  EXPECT_EQ(taken, "moved");
}

// Taking the value of an error aborts with the status in the message.
TEST(StatusOr, ValueOfErrorAborts) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(fds[1], STDERR_FILENO);
    StatusOr<int> bad = Half(1);
    int v = *bad;
    _exit(v);
  }
  close(fds[1]);
  std::string err;
  char buf[256];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) err.append(buf, n);
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGABRT);
  EXPECT_NE(err.find("INVALID_ARGUMENT: odd"), std::string::npos) << err;
}

}  // namespace
}  // namespace fault
