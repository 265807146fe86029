#include "runtime/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "gtest/gtest.h"

namespace fault {
namespace {

// RestoreWorkingDirectory puts the working directory and PWD back as they
// were when it was made, so each test starts from the same state.
class RestoreWorkingDirectory {
 public:
  RestoreWorkingDirectory()
      : directory_(open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
    const char* pwd = getenv("PWD");
    if (pwd != nullptr) pwd_ = pwd;
  }
  RestoreWorkingDirectory(const RestoreWorkingDirectory&) = delete;
  RestoreWorkingDirectory& operator=(const RestoreWorkingDirectory&) = delete;
  ~RestoreWorkingDirectory() {
    EXPECT_EQ(fchdir(directory_), 0);
    close(directory_);
    if (pwd_) {
      setenv("PWD", pwd_->c_str(), 1);
    } else {
      unsetenv("PWD");
    }
  }

 private:
  int directory_;
  std::optional<std::string> pwd_;
};

std::string Getcwd() {
  char buffer[PATH_MAX];
  if (getcwd(buffer, sizeof buffer) == nullptr) return "<getcwd failed>";
  return buffer;
}

std::string RealPath(const std::string& path) {
  char buffer[PATH_MAX];
  if (realpath(path.c_str(), buffer) == nullptr) return "<realpath failed>";
  return buffer;
}

// MakeTempDirectory returns a new directory under the test's TEST_TMPDIR.
std::string MakeTempDirectory() {
  const char* base = getenv("TEST_TMPDIR");
  std::string pattern =
      std::string(base != nullptr ? base : "/tmp") + "/fs_test.XXXXXX";
  if (mkdtemp(&pattern[0]) == nullptr) return "<mkdtemp failed>";
  return pattern;
}

// A set, non-empty PWD is returned as it is, without consulting getcwd.
TEST(FsPwd, PrefersPwdWhenSet) {
  RestoreWorkingDirectory restore;
  ASSERT_EQ(setenv("PWD", "/logical/path/through/a/link", 1), 0);
  StatusOr<std::string> pwd = FsPwd();
  ASSERT_TRUE(pwd.ok()) << pwd.status().ToString();
  EXPECT_EQ(*pwd, "/logical/path/through/a/link");
}

// An empty PWD counts as unset: the kernel's working directory is returned.
TEST(FsPwd, FallsBackToGetcwdWhenPwdEmpty) {
  RestoreWorkingDirectory restore;
  ASSERT_EQ(setenv("PWD", "", 1), 0);
  StatusOr<std::string> pwd = FsPwd();
  ASSERT_TRUE(pwd.ok()) << pwd.status().ToString();
  EXPECT_EQ(*pwd, Getcwd());
}

// Without PWD the kernel's working directory is returned.
TEST(FsPwd, FallsBackToGetcwdWhenPwdUnset) {
  RestoreWorkingDirectory restore;
  ASSERT_EQ(unsetenv("PWD"), 0);
  StatusOr<std::string> pwd = FsPwd();
  ASSERT_TRUE(pwd.ok()) << pwd.status().ToString();
  EXPECT_EQ(*pwd, Getcwd());
}

// Without PWD, a removed working directory is reported, not returned.
TEST(FsPwd, ReportsRemovedWorkingDirectory) {
  RestoreWorkingDirectory restore;
  const std::string directory = MakeTempDirectory();
  ASSERT_EQ(chdir(directory.c_str()), 0);
  ASSERT_EQ(rmdir(directory.c_str()), 0);
  ASSERT_EQ(unsetenv("PWD"), 0);
  StatusOr<std::string> pwd = FsPwd();
  ASSERT_FALSE(pwd.ok());
  EXPECT_EQ(pwd.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(pwd.status().message(),
            "unable to get the working directory: No such file or directory");
}

// A successful change moves the working directory and sets PWD to its
// absolute path.
TEST(FsChdir, UpdatesWorkingDirectoryAndPwd) {
  RestoreWorkingDirectory restore;
  const std::string directory = MakeTempDirectory();
  ASSERT_EQ(setenv("PWD", "/somewhere/else", 1), 0);

  Status status = FsChdir(directory);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(Getcwd(), RealPath(directory));
  ASSERT_NE(getenv("PWD"), nullptr);
  EXPECT_EQ(std::string(getenv("PWD")), RealPath(directory));
  EXPECT_EQ(FsPwd().value(), RealPath(directory));
  EXPECT_EQ(rmdir(directory.c_str()), 0);
}

// A relative directory is resolved against the working directory, and PWD
// records the absolute result.
TEST(FsChdir, RelativeDirectorySetsAbsolutePwd) {
  RestoreWorkingDirectory restore;
  const std::string directory = MakeTempDirectory();
  ASSERT_EQ(mkdir((directory + "/sub").c_str(), 0700), 0);
  ASSERT_TRUE(FsChdir(directory).ok());

  Status status = FsChdir("sub");
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(Getcwd(), RealPath(directory) + "/sub");
  EXPECT_EQ(std::string(getenv("PWD")), RealPath(directory) + "/sub");
  EXPECT_EQ(rmdir((directory + "/sub").c_str()), 0);
  EXPECT_EQ(rmdir(directory.c_str()), 0);
}

// A failed change leaves the working directory and PWD as they were and names
// the directory and the cause.
TEST(FsChdir, FailureLeavesWorkingDirectoryAndPwd) {
  RestoreWorkingDirectory restore;
  ASSERT_EQ(setenv("PWD", "/recorded/before", 1), 0);
  const std::string before = Getcwd();

  Status status = FsChdir("/nonexistent-faultinit-directory/x");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_EQ(status.error_number(), ENOENT);
  EXPECT_EQ(status.message(),
            "unable to change directory to "
            "/nonexistent-faultinit-directory/x: No such file or directory");
  EXPECT_EQ(Getcwd(), before);
  EXPECT_EQ(std::string(getenv("PWD")), "/recorded/before");
}

// A path that is not a directory fails with ENOTDIR and changes nothing.
TEST(FsChdir, RejectsNonDirectory) {
  RestoreWorkingDirectory restore;
  const std::string directory = MakeTempDirectory();
  const std::string file = directory + "/file";
  int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  close(fd);
  ASSERT_EQ(unsetenv("PWD"), 0);
  const std::string before = Getcwd();

  Status status = FsChdir(file);
  EXPECT_EQ(status.error_number(), ENOTDIR);
  EXPECT_EQ(status.message(),
            "unable to change directory to " + file + ": Not a directory");
  EXPECT_EQ(Getcwd(), before);
  EXPECT_EQ(getenv("PWD"), nullptr);
  EXPECT_EQ(unlink(file.c_str()), 0);
  EXPECT_EQ(rmdir(directory.c_str()), 0);
}

}  // namespace
}  // namespace fault
