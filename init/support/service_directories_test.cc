#include "init/support/service_directories.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace faultinit {
namespace {

class ServiceDirectories : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = absl::StrCat(
        getenv("TEST_TMPDIR"), "/",
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_EQ(mkdir(root_.c_str(), 0755), 0);
    base_ = absl::StrCat(root_, "/run");
  }

  static mode_t ModeOf(const std::string& path) {
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) return static_cast<mode_t>(-1);
    return st.st_mode;
  }
  static bool Exists(const std::string& path) {
    struct stat st;
    return lstat(path.c_str(), &st) == 0;
  }
  static void Touch(const std::string& path) {
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0) << path;
    close(fd);
  }

  DirectoryOwner Me() const { return DirectoryOwner{getuid(), getgid()}; }

  std::string root_, base_;
};

TEST_F(ServiceDirectories, MakesBaseParentsAndLeafWithItsMode) {
  ASSERT_TRUE(
      MakeServiceDirectory(base_, "a/b/c", 0710, Me(), "RuntimeDirectory")
          .ok());
  EXPECT_EQ(ModeOf(base_) & 07777, 0755u);
  EXPECT_EQ(ModeOf(base_ + "/a") & 07777, 0755u);
  EXPECT_EQ(ModeOf(base_ + "/a/b") & 07777, 0755u);
  EXPECT_EQ(ModeOf(base_ + "/a/b/c"), S_IFDIR | 0710u);
  // Again, with another mode: an existing directory gets it too.
  ASSERT_TRUE(
      MakeServiceDirectory(base_, "a/b/c", 02750, Me(), "RuntimeDirectory")
          .ok());
  EXPECT_EQ(ModeOf(base_ + "/a/b/c"), S_IFDIR | 02750u);
}

// A directory there with another owner is given to the owner whole,
// links themselves and not what they name.
TEST_F(ServiceDirectories, AnotherOwnersDirectoryIsGivenWhole) {
  if (geteuid() != 0) GTEST_SKIP() << "chown to another user takes root";
  std::string target = root_ + "/target";
  ASSERT_EQ(mkdir(target.c_str(), 0755), 0);
  ASSERT_TRUE(MakeServiceDirectory(base_, "state", 0755, DirectoryOwner{0, 0},
                                   "StateDirectory")
                  .ok());
  std::string dir = base_ + "/state";
  ASSERT_EQ(mkdir((dir + "/sub").c_str(), 0755), 0);
  Touch(dir + "/sub/file");
  ASSERT_EQ(symlink(target.c_str(), (dir + "/link").c_str()), 0);
  fault::Status s = MakeServiceDirectory(
      base_, "state", 0750, DirectoryOwner{4242, 4343}, "StateDirectory");
  if (!s.ok() && s.error_number() == EINVAL) {
    GTEST_SKIP() << "uid 4242 is not mapped here: " << s.message();
  }
  ASSERT_TRUE(s.ok()) << s.message();
  struct stat st;
  for (const char* path : {"", "/sub", "/sub/file"}) {
    ASSERT_EQ(lstat((dir + path).c_str(), &st), 0) << path;
    EXPECT_EQ(st.st_uid, 4242u) << path;
    EXPECT_EQ(st.st_gid, 4343u) << path;
  }
  ASSERT_EQ(lstat((dir + "/link").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 4242u);
  ASSERT_EQ(stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);  // what the link names: not given
}

TEST_F(ServiceDirectories, ConfigurationDirectoryThereIsLeftAsItIs) {
  ASSERT_TRUE(MakeServiceDirectory(base_, "conf", 0700, std::nullopt,
                                   "ConfigurationDirectory")
                  .ok());
  EXPECT_EQ(ModeOf(base_ + "/conf"), S_IFDIR | 0700u);
  ASSERT_TRUE(MakeServiceDirectory(base_, "conf", 0755, std::nullopt,
                                   "ConfigurationDirectory")
                  .ok());
  EXPECT_EQ(ModeOf(base_ + "/conf"), S_IFDIR | 0700u);
}

// A service that replaced its directory (or a parent of it) with a
// symbolic link cannot have PID 1 change what the link names.
TEST_F(ServiceDirectories, SymbolicLinksAreNeverFollowed) {
  std::string target = root_ + "/target";
  ASSERT_EQ(mkdir(target.c_str(), 0700), 0);
  ASSERT_EQ(mkdir(base_.c_str(), 0755), 0);
  ASSERT_EQ(symlink(target.c_str(), (base_ + "/leaf").c_str()), 0);
  fault::Status s =
      MakeServiceDirectory(base_, "leaf", 0777, Me(), "RuntimeDirectory");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(std::string(s.message()),
            absl::StrCat("RuntimeDirectory=: unable to create ", base_,
                         "/leaf: ", base_,
                         "/leaf is a symbolic link (not followed)"));
  EXPECT_EQ(ModeOf(target), S_IFDIR | 0700u);

  ASSERT_EQ(symlink(target.c_str(), (base_ + "/parent").c_str()), 0);
  s = MakeServiceDirectory(base_, "parent/leaf", 0777, Me(), "StateDirectory");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(std::string(s.message()),
            absl::StrCat("StateDirectory=: unable to create ", base_,
                         "/parent/leaf: ", base_,
                         "/parent is a symbolic link (not followed)"));
  EXPECT_FALSE(Exists(target + "/leaf"));
  EXPECT_EQ(ModeOf(target), S_IFDIR | 0700u);

  // A regular file where the directory should be: not chmod'ed either.
  Touch(base_ + "/file");
  s = MakeServiceDirectory(base_, "file", 0777, Me(), "CacheDirectory");
  EXPECT_EQ(std::string(s.message()),
            absl::StrCat("CacheDirectory=: unable to create ", base_,
                         "/file: ", base_, "/file is not a directory"));
  EXPECT_EQ(ModeOf(base_ + "/file"), S_IFREG | 0644u);
}

TEST_F(ServiceDirectories, RemovesTheTreeButNothingALinkNames) {
  std::string target = root_ + "/target";
  ASSERT_EQ(mkdir(target.c_str(), 0755), 0);
  Touch(target + "/precious");
  ASSERT_TRUE(
      MakeServiceDirectory(base_, "svc/sub", 0755, Me(), "RuntimeDirectory")
          .ok());
  std::string dir = base_ + "/svc/sub";
  ASSERT_EQ(mkdir((dir + "/deeper").c_str(), 0755), 0);
  Touch(dir + "/deeper/file");
  Touch(dir + "/file");
  ASSERT_EQ(symlink(target.c_str(), (dir + "/link").c_str()), 0);
  ASSERT_EQ(symlink(target.c_str(), (dir + "/deeper/link").c_str()), 0);
  ASSERT_EQ(mkfifo((dir + "/fifo").c_str(), 0600), 0);

  ASSERT_TRUE(
      RemoveServiceDirectory(base_, "svc/sub", "RuntimeDirectory").ok());
  EXPECT_FALSE(Exists(dir));
  EXPECT_TRUE(Exists(base_ + "/svc"));  // only the name given is removed
  EXPECT_TRUE(Exists(target + "/precious"));
  // Gone already: fine.
  EXPECT_TRUE(
      RemoveServiceDirectory(base_, "svc/sub", "RuntimeDirectory").ok());
  EXPECT_TRUE(RemoveServiceDirectory(base_, "none/x", "RuntimeDirectory").ok());
}

TEST_F(ServiceDirectories, RemovalThroughALinkedParentRemovesNothing) {
  std::string target = root_ + "/target";
  ASSERT_EQ(mkdir(target.c_str(), 0755), 0);
  ASSERT_EQ(mkdir((target + "/sub").c_str(), 0755), 0);
  ASSERT_EQ(mkdir(base_.c_str(), 0755), 0);
  ASSERT_EQ(symlink(target.c_str(), (base_ + "/svc").c_str()), 0);
  EXPECT_TRUE(
      RemoveServiceDirectory(base_, "svc/sub", "RuntimeDirectory").ok());
  EXPECT_TRUE(Exists(target + "/sub"));
  // The link itself, when it is the name given, is removed, not followed.
  EXPECT_TRUE(RemoveServiceDirectory(base_, "svc", "RuntimeDirectory").ok());
  EXPECT_FALSE(Exists(base_ + "/svc"));
  EXPECT_TRUE(Exists(target + "/sub"));
}

TEST_F(ServiceDirectories, TooDeepATreeIsLeftWithAnError) {
  ASSERT_TRUE(
      MakeServiceDirectory(base_, "deep", 0755, Me(), "RuntimeDirectory").ok());
  std::string path = base_ + "/deep";
  for (int i = 0; i < kMaxRemovalDepth + 5; ++i) {
    path += "/d";
    ASSERT_EQ(mkdir(path.c_str(), 0755), 0);
  }
  fault::Status s = RemoveServiceDirectory(base_, "deep", "RuntimeDirectory");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(std::string(s.message()),
            absl::StrCat("RuntimeDirectory=: unable to remove ", base_,
                         "/deep (at d): deeper than 64 levels; the rest is "
                         "left in place"));
  EXPECT_TRUE(Exists(base_ + "/deep"));
}

// A tree with more entries than one removal looks at is left in place
// after kMaxRemovalEntries, with an error: PID 1 is not held for long.
TEST_F(ServiceDirectories, TooManyEntriesAreLeftWithAnError) {
  ASSERT_TRUE(
      MakeServiceDirectory(base_, "many", 0755, Me(), "RuntimeDirectory").ok());
  for (int i = 0; i < 150; ++i) Touch(absl::StrCat(base_, "/many/", i));
  fault::Status s =
      RemoveServiceDirectory(base_, "many", "RuntimeDirectory", 100);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(": more than 100 entries; the rest is left "
                             "in place"),
            absl::string_view::npos)
      << s.message();
  EXPECT_TRUE(Exists(base_ + "/many"));
  // The next removal takes what is left.
  EXPECT_TRUE(RemoveServiceDirectory(base_, "many", "RuntimeDirectory").ok());
  EXPECT_FALSE(Exists(base_ + "/many"));
}

}  // namespace
}  // namespace faultinit
