#include "init/support/service_files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "runtime/fd.h"

namespace faultinit {
namespace {

// A fresh directory under the test's temporary directory.
std::string Directory(const std::string& name) {
  std::string dir = absl::StrCat(getenv("TEST_TMPDIR"), "/", name);
  mkdir(dir.c_str(), 0755);
  return dir;
}

bool Write(const std::string& path, const std::string& text) {
  fault::UniqueFd fd(
      open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  return fd.valid() && fault::WriteAll(fd.get(), text.data(), text.size()) == 0;
}

// A pid, with or without a newline; anything else is no pid.
TEST(ReadPidFile, ReadsOnePid) {
  std::string dir = Directory("pid");
  ASSERT_TRUE(Write(dir + "/a", "1234\n"));
  ASSERT_TRUE(Write(dir + "/b", " 99"));
  ASSERT_TRUE(Write(dir + "/one", "1\n"));
  ASSERT_TRUE(Write(dir + "/junk", "12ab\n"));
  ASSERT_TRUE(Write(dir + "/long", std::string(kMaxPidFileBytes, ' ') + "7"));
  EXPECT_EQ(ReadPidFile(dir + "/a").value_or(0), 1234);
  EXPECT_EQ(ReadPidFile(dir + "/b").value_or(0), 99);
  for (const char* bad : {"/one", "/junk", "/long"}) {
    fault::StatusOr<pid_t> pid = ReadPidFile(dir + bad);
    ASSERT_FALSE(pid.ok()) << bad;
    EXPECT_EQ(pid.status().message(),
              absl::StrCat("PIDFile= ", dir, bad, " holds no valid pid"));
  }
  fault::StatusOr<pid_t> missing = ReadPidFile(dir + "/missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), fault::StatusCode::kNotFound);
}

// A FIFO (no writer), a directory and a symbolic link are refused at once,
// each with its path; a FIFO is never waited on. (Before O_NONBLOCK the
// FIFO's open(2) would have slept until a writer came: this test would
// hang.)
TEST(ReadPidFile, RefusesWhatIsNotARegularFile) {
  std::string dir = Directory("hostile-pid");
  std::string fifo = dir + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  fault::StatusOr<pid_t> pid = ReadPidFile(fifo);
  ASSERT_FALSE(pid.ok());
  EXPECT_EQ(pid.status().message(),
            absl::StrCat("PIDFile= ", fifo, " is a FIFO, not a regular file"));

  pid = ReadPidFile(dir);
  ASSERT_FALSE(pid.ok());
  EXPECT_EQ(pid.status().message(), absl::StrCat("PIDFile= ", dir,
                                                 " is a directory, not a "
                                                 "regular file"));

  ASSERT_TRUE(Write(dir + "/real", "1234\n"));
  ASSERT_EQ(symlink("real", (dir + "/link").c_str()), 0);
  pid = ReadPidFile(dir + "/link");
  ASSERT_FALSE(pid.ok());
  EXPECT_EQ(pid.status().message(),
            absl::StrCat("PIDFile= ", dir,
                         "/link is a symbolic link, which faultinit does not "
                         "follow"));
}

// A FIFO with no reader is refused at once, saying so; with a reader it is
// opened, and the service's descriptor blocks as usual.
TEST(OpenOutputFile, FifoNeedsAReaderAndIsNeverWaitedOn) {
  std::string dir = Directory("output");
  std::string fifo = dir + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  fault::StatusOr<fault::UniqueFd> out =
      OpenOutputFile(fifo, true, false, "StandardOutput");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            absl::StrCat("unable to open ", fifo,
                         " for StandardOutput=: a FIFO with no reader"));

  fault::UniqueFd reader(open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  ASSERT_TRUE(reader.valid());
  out = OpenOutputFile(fifo, true, true, "StandardError");
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(fcntl(out->get(), F_GETFL) & O_NONBLOCK, 0);
  EXPECT_NE(fcntl(out->get(), F_GETFD) & FD_CLOEXEC, 0);
  ASSERT_EQ(write(out->get(), "x", 1), 1);
  char c = 0;
  EXPECT_EQ(read(reader.get(), &c, 1), 1);
  EXPECT_EQ(c, 'x');
}

// A regular file is created when missing and not truncated (file:), or
// appended to (append:); a missing directory is the open's error.
TEST(OpenOutputFile, RegularFiles) {
  std::string dir = Directory("files");
  std::string path = dir + "/log";
  ASSERT_TRUE(Write(path, "0123456789"));
  {
    fault::StatusOr<fault::UniqueFd> out =
        OpenOutputFile(path, true, false, "StandardOutput");
    ASSERT_TRUE(out.ok());
    ASSERT_EQ(write(out->get(), "ab", 2), 2);
  }
  {
    fault::StatusOr<fault::UniqueFd> out =
        OpenOutputFile(path, true, true, "StandardOutput");
    ASSERT_TRUE(out.ok());
    ASSERT_EQ(write(out->get(), "yz", 2), 2);
  }
  fault::UniqueFd in(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  EXPECT_EQ(fault::ReadAll(in.get(), 100).value_or(""), "ab23456789yz");
  fault::StatusOr<fault::UniqueFd> missing =
      OpenOutputFile(dir + "/no/such", true, false, "StandardError");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            absl::StrCat("unable to open ", dir,
                         "/no/such for StandardError=: No such file or "
                         "directory"));
}

}  // namespace
}  // namespace faultinit
