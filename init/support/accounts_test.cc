// Tests of ResolveCredentials against fixture passwd and group files written
// under $TEST_TMPDIR and passed as `root`.

#include "init/support/accounts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/fd.h"

namespace faultinit {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kPasswd[] =
    "root:x:0:0:root:/root:/bin/bash\n"
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "alice:x:1000:1000:Alice,,,:/home/alice:/bin/sh\n"
    "bob:x:1001:1001::/home/bob:/bin/false\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";

constexpr char kGroup[] =
    "root:x:0:\n"
    "daemon:x:1:\n"
    "alice:x:1000:\n"
    "bob:x:1001:\n"
    "audio:x:29:bob,alice\n"
    "video:x:44:alicex,xalice\n"  // no exact match: alice is not a member
    "wheel:x:10:alice\n"
    "staff:x:50: bob , carol\n"
    "again:x:10:alice\n"  // gid 10 already listed
    "nogroup:x:65534:\n";

// Fixture: a fresh root directory with etc/ under $TEST_TMPDIR.
class Accounts : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = getenv("TEST_TMPDIR");
    std::string base = tmp != nullptr ? tmp : "/tmp";
    std::string pattern = base + "/accounts.XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr) << strerror(errno);
    root_ = pattern;
    ASSERT_EQ(mkdir((root_ + "/etc").c_str(), 0755), 0) << strerror(errno);
  }

  void Write(const std::string& relative, absl::string_view content) {
    const std::string path = root_ + "/" + relative;
    fault::UniqueFd fd(
        open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    ASSERT_TRUE(fd.valid()) << path << ": " << strerror(errno);
    ASSERT_EQ(fault::WriteAll(fd.get(), content.data(), content.size()), 0);
  }

  void WriteStandard() {
    Write("etc/passwd", kPasswd);
    Write("etc/group", kGroup);
  }

  fault::StatusOr<Credentials> Resolve(absl::string_view user,
                                       absl::string_view group = "") {
    return ResolveCredentials(user, group, root_);
  }

  std::string root_;
};

// A user name resolves to its passwd entry, with the primary group first
// and then each group that lists the name exactly, each gid once.
TEST_F(Accounts, NameResolvesEntryAndSupplementaryGroups) {
  WriteStandard();
  fault::StatusOr<Credentials> alice = Resolve("alice");
  ASSERT_TRUE(alice.ok()) << alice.status().ToString();
  EXPECT_EQ(alice->uid, 1000u);
  EXPECT_EQ(alice->gid, 1000u);
  EXPECT_EQ(alice->name, "alice");
  EXPECT_EQ(alice->home, "/home/alice");
  EXPECT_EQ(alice->shell, "/bin/sh");
  EXPECT_THAT(alice->supplementary, ElementsAre(1000u, 29u, 10u));

  fault::StatusOr<Credentials> bob = Resolve("bob");
  ASSERT_TRUE(bob.ok()) << bob.status().ToString();
  EXPECT_THAT(bob->supplementary, ElementsAre(1001u, 29u, 50u));
}

// A numeric user listed in passwd takes that entry's name, home, shell and
// primary group (so its memberships apply too).
TEST_F(Accounts, NumericUserInPasswdUsesEntry) {
  WriteStandard();
  fault::StatusOr<Credentials> user = Resolve("1001");
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  EXPECT_EQ(user->uid, 1001u);
  EXPECT_EQ(user->gid, 1001u);
  EXPECT_EQ(user->name, "bob");
  EXPECT_EQ(user->home, "/home/bob");
  EXPECT_EQ(user->shell, "/bin/false");
  EXPECT_THAT(user->supplementary, ElementsAre(1001u, 29u, 50u));
}

// A numeric user that passwd does not list runs as that number, with the
// same number as group and no supplementary groups.
TEST_F(Accounts, NumericUserNotInPasswd) {
  WriteStandard();
  fault::StatusOr<Credentials> user = Resolve("4242");
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  EXPECT_EQ(user->uid, 4242u);
  EXPECT_EQ(user->gid, 4242u);
  EXPECT_EQ(user->name, "4242");
  EXPECT_EQ(user->home, "/");
  EXPECT_EQ(user->shell, "");
  EXPECT_THAT(user->supplementary, IsEmpty());

  fault::StatusOr<Credentials> with_group = Resolve("4242", "audio");
  ASSERT_TRUE(with_group.ok()) << with_group.status().ToString();
  EXPECT_EQ(with_group->gid, 29u);
  EXPECT_THAT(with_group->supplementary, IsEmpty());
}

// With no passwd or group file at all, numeric users and root still
// resolve; a named user is reported as unknown, naming the missing file.
TEST_F(Accounts, NoAccountFiles) {
  fault::StatusOr<Credentials> numeric = Resolve("123", "456");
  ASSERT_TRUE(numeric.ok()) << numeric.status().ToString();
  EXPECT_EQ(numeric->uid, 123u);
  EXPECT_EQ(numeric->gid, 456u);

  fault::StatusOr<Credentials> root = Resolve("root", "root");
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  EXPECT_EQ(root->uid, 0u);
  EXPECT_EQ(root->gid, 0u);
  EXPECT_EQ(root->home, "/root");
  EXPECT_EQ(root->shell, "/bin/sh");
  EXPECT_THAT(root->supplementary, ElementsAre(0u));

  fault::StatusOr<Credentials> zero = Resolve("0");
  ASSERT_TRUE(zero.ok()) << zero.status().ToString();
  EXPECT_EQ(zero->name, "root");

  fault::StatusOr<Credentials> alice = Resolve("alice");
  ASSERT_FALSE(alice.ok());
  EXPECT_EQ(alice.status().code(), fault::StatusCode::kNotFound);
  EXPECT_EQ(alice.status().message(),
            absl::StrCat("unknown user \"alice\" (", root_,
                         "/etc/passwd does not exist)"));
}

// An unknown user name is kNotFound with a message naming the file read.
TEST_F(Accounts, UnknownUserNamesFile) {
  WriteStandard();
  fault::StatusOr<Credentials> user = Resolve("mallory");
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.status().code(), fault::StatusCode::kNotFound);
  EXPECT_EQ(
      user.status().message(),
      absl::StrCat("unknown user \"mallory\" (not in ", root_, "/etc/passwd)"));
}

// A group given by name or number replaces the primary group, and comes
// first among the supplementary groups.
TEST_F(Accounts, GroupOverridesPrimary) {
  WriteStandard();
  fault::StatusOr<Credentials> by_name = Resolve("alice", "audio");
  ASSERT_TRUE(by_name.ok()) << by_name.status().ToString();
  EXPECT_EQ(by_name->gid, 29u);
  EXPECT_THAT(by_name->supplementary, ElementsAre(29u, 10u));

  fault::StatusOr<Credentials> by_number = Resolve("alice", "7777");
  ASSERT_TRUE(by_number.ok()) << by_number.status().ToString();
  EXPECT_EQ(by_number->gid, 7777u);
  EXPECT_THAT(by_number->supplementary, ElementsAre(7777u, 29u, 10u));
}

// An unknown group name is kNotFound naming /etc/group; a missing group
// file is named as missing.
TEST_F(Accounts, UnknownGroupNamesFile) {
  WriteStandard();
  fault::StatusOr<Credentials> user = Resolve("alice", "wizards");
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.status().code(), fault::StatusCode::kNotFound);
  EXPECT_EQ(
      user.status().message(),
      absl::StrCat("unknown group \"wizards\" (not in ", root_, "/etc/group)"));

  ASSERT_EQ(unlink((root_ + "/etc/group").c_str()), 0);
  fault::StatusOr<Credentials> missing = Resolve("alice", "wizards");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            absl::StrCat("unknown group \"wizards\" (", root_,
                         "/etc/group does not exist)"));
  // Without a group file, a listed user has only its primary group.
  fault::StatusOr<Credentials> alice = Resolve("alice");
  ASSERT_TRUE(alice.ok()) << alice.status().ToString();
  EXPECT_THAT(alice->supplementary, ElementsAre(1000u));
}

// SupplementaryGroups=: names from /etc/group, numbers as they are, in
// order; an unknown name is kNotFound naming the file.
TEST_F(Accounts, ResolveGroups) {
  WriteStandard();
  fault::StatusOr<std::vector<gid_t>> gids =
      ResolveGroups({"audio", "4242", "root", "wheel"}, root_);
  ASSERT_TRUE(gids.ok()) << gids.status().ToString();
  EXPECT_THAT(*gids, ElementsAre(29u, 4242u, 0u, 10u));
  fault::StatusOr<std::vector<gid_t>> unknown =
      ResolveGroups({"audio", "wizards"}, root_);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), fault::StatusCode::kNotFound);
  EXPECT_EQ(
      unknown.status().message(),
      absl::StrCat("unknown group \"wizards\" (not in ", root_, "/etc/group)"));
  EXPECT_FALSE(ResolveGroups({"4294967295"}, root_).ok());
  // Numbers alone need no file.
  ASSERT_EQ(unlink((root_ + "/etc/group").c_str()), 0);
  EXPECT_TRUE(ResolveGroups({"5"}, root_).ok());
}

// Malformed lines are skipped without affecting the well-formed ones.
TEST_F(Accounts, MalformedLinesSkipped) {
  static constexpr char kMalformed[] =
      "garbage\n"
      "\n"
      "# comment:x:1:1::/:/bin/sh\n"
      "+nis::0:0:::\n"
      "short:x:5:5\n"
      "toolong:x:5:5::/:/bin/sh:extra\n"
      "badid:x:12a:5::/:/bin/sh\n"
      "negative:x:-1:5::/:/bin/sh\n"
      "huge:x:4294967295:5::/:/bin/sh\n"
      ":x:6:6::/:/bin/sh\n"
      "carol:x:2000:2000::/home/carol:/bin/sh\n"
      "\xff\xfe\0"
      "binary:::::\n"
      "last:x:2001:2001::/home/last:/bin/sh";  // no final newline
  Write("etc/passwd", absl::string_view(kMalformed, sizeof kMalformed - 1));
  Write("etc/group",
        "broken\n"
        "bad:x:zz:carol\n"
        "ok:x:300:carol\n"
        "tooshort:x:301\n");
  for (const char* skipped :
       {"garbage", "short", "toolong", "badid", "negative", "huge", "+nis"}) {
    EXPECT_EQ(Resolve(skipped).status().code(), fault::StatusCode::kNotFound)
        << skipped;
  }
  fault::StatusOr<Credentials> carol = Resolve("carol");
  ASSERT_TRUE(carol.ok()) << carol.status().ToString();
  EXPECT_EQ(carol->uid, 2000u);
  EXPECT_THAT(carol->supplementary, ElementsAre(2000u, 300u));
  fault::StatusOr<Credentials> last = Resolve("last");
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  EXPECT_EQ(last->shell, "/bin/sh");
}

// Numbers must be plain decimal below (uid_t)-1: larger ones are refused,
// and text that is not all digits is a name.
TEST_F(Accounts, NumbersAreStrictDecimal) {
  WriteStandard();
  fault::StatusOr<Credentials> minus_one = Resolve("4294967295");
  EXPECT_EQ(minus_one.status().code(), fault::StatusCode::kInvalidArgument);
  EXPECT_EQ(minus_one.status().message(),
            "invalid user \"4294967295\" (uids are below 4294967295)");
  EXPECT_EQ(Resolve("99999999999999999999999").status().code(),
            fault::StatusCode::kInvalidArgument);
  EXPECT_EQ(Resolve("alice", "4294967295").status().code(),
            fault::StatusCode::kInvalidArgument);
  EXPECT_EQ(Resolve("4294967294").value().uid, 4294967294u);
  EXPECT_EQ(Resolve("+5").status().code(), fault::StatusCode::kNotFound);
  EXPECT_EQ(Resolve(" 5").status().code(), fault::StatusCode::kNotFound);
  EXPECT_EQ(Resolve("").status().code(), fault::StatusCode::kInvalidArgument);
}

// A file over the size bound is refused with kResourceExhausted.
TEST_F(Accounts, OversizedFileRefused) {
  std::string big(kMaxAccountFileBytes + 1, '#');
  Write("etc/passwd", big);
  fault::StatusOr<Credentials> user = Resolve("alice");
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.status().code(), fault::StatusCode::kResourceExhausted);
  EXPECT_EQ(user.status().message(),
            absl::StrCat("unable to read ", root_,
                         "/etc/passwd: larger than 4194304 bytes"));
}

// A FIFO in place of /etc/passwd is refused at once: opening or reading it
// must not wait for a writer (that would hang PID 1).
TEST_F(Accounts, FifoRefusedWithoutBlocking) {
  ASSERT_EQ(mkfifo((root_ + "/etc/passwd").c_str(), 0644), 0)
      << strerror(errno);
  fault::StatusOr<Credentials> user = Resolve("alice");
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.status().message(),
            absl::StrCat("unable to read ", root_,
                         "/etc/passwd: not a regular file"));
}

// A root given with trailing slashes reads the same files.
TEST_F(Accounts, RootWithTrailingSlash) {
  WriteStandard();
  fault::StatusOr<Credentials> user =
      ResolveCredentials("daemon", "", root_ + "//");
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  EXPECT_EQ(user->uid, 1u);
  EXPECT_EQ(user->home, "/usr/sbin");
}

}  // namespace
}  // namespace faultinit
