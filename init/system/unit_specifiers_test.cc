#include "init/system/unit_specifiers.h"

#include <map>
#include <set>
#include <string>

#include "gtest/gtest.h"

namespace faultinit {
namespace {

class FakeHost : public SpecifierHost {
 public:
  std::map<std::string, std::string> files;
  fault::StatusOr<std::string> ReadFile(const std::string& path) override {
    auto it = files.find(path);
    if (it == files.end()) return fault::ErrnoToStatus(ENOENT, path);
    return it->second;
  }
  std::string HostName() override { return "board.example.org"; }
  std::string KernelRelease() override { return "6.1.0-13-arm64"; }
  std::string Machine() override { return "aarch64"; }
  std::map<std::string, std::string> env;
  std::set<std::string> directories;
  const char* GetEnv(const char* name) override {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  }
  bool IsDirectory(const std::string& path) override {
    return directories.count(path) != 0;
  }
};

std::string Resolve(absl::string_view value, absl::string_view name,
                    FakeHost& host) {
  fault::StatusOr<std::string> out = ResolveSpecifiers(
      value, SpecifierUnit{name, "/lib/systemd/system/x.service"}, host);
  return out.ok() ? *out : "error: " + std::string(out.status().message());
}

TEST(Specifiers, NameParts) {
  FakeHost host;
  const char* name = "serial-getty@ttyAMA0";
  EXPECT_EQ(Resolve("%n|%N|%p|%i|%j", name, host),
            "serial-getty@ttyAMA0.service|serial-getty@ttyAMA0|serial-getty|"
            "ttyAMA0|getty");
  EXPECT_EQ(Resolve("%I|%f", "systemd-fsck@dev-disk-by\\x2dlabel-root", host),
            "dev/disk/by-label/root|/dev/disk/by-label/root");
  EXPECT_EQ(Resolve("%P|%J|%f", "a\\x2db-c", host), "a-b/c|c|/a-b/c");
  EXPECT_EQ(Resolve("%f", "-", host), "/");
  EXPECT_EQ(Resolve("%y|%Y", "x", host),
            "/lib/systemd/system/x.service|/lib/systemd/system");
  EXPECT_EQ(Resolve("100%%", "x", host), "100%");
}

TEST(Specifiers, SystemManagerValues) {
  FakeHost host;
  EXPECT_EQ(Resolve("%t %S %C %L %E %T %V %D", "x", host),
            "/run /var/lib /var/cache /var/log /etc /tmp /var/tmp /usr/share");
  // The system manager's user, whatever User= says (systemd's rule).
  EXPECT_EQ(Resolve("%u %U %g %G %h %s", "x", host),
            "root 0 root 0 /root /bin/sh");
}

// %T and %V: the first of $TMPDIR, $TEMP, $TMP that is an absolute,
// normalized path to a directory.
TEST(Specifiers, TemporaryDirectoriesFromTheEnvironment) {
  FakeHost host;
  host.env["TMPDIR"] = "relative";
  host.env["TEMP"] = "/not/a/directory";
  host.env["TMP"] = "/scratch";
  host.directories = {"/not/a/directory/..", "/scratch"};
  EXPECT_EQ(Resolve("%T %V", "x", host), "/scratch /scratch");
  host.env["TEMP"] = "/not/a/directory/..";  // a directory, not normalized
  EXPECT_EQ(Resolve("%T", "x", host), "/scratch");
  host.env["TMPDIR"] = "/fast";
  host.directories.insert("/fast");
  EXPECT_EQ(Resolve("%T %V", "x", host), "/fast /fast");
  host.env.clear();
  EXPECT_EQ(Resolve("%T %V", "x", host), "/tmp /var/tmp");
}

TEST(Specifiers, Machine) {
  FakeHost host;
  host.files["/etc/machine-id"] = "0123456789ABCDEF0123456789abcdef\n";
  host.files["/proc/sys/kernel/random/boot_id"] =
      "8f1c2d3e-4a5b-6c7d-8e9f-0a1b2c3d4e5f\n";
  host.files["/usr/lib/os-release"] =
      "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12\"\n";
  EXPECT_EQ(Resolve("%H %l %q %v %a", "x", host),
            "board.example.org board board.example.org 6.1.0-13-arm64 arm64");
  EXPECT_EQ(Resolve("%m", "x", host), "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(Resolve("%b", "x", host), "8f1c2d3e4a5b6c7d8e9f0a1b2c3d4e5f");
  EXPECT_EQ(Resolve("%o-%w-%B", "x", host), "debian-12-");
  host.files["/etc/machine-info"] = "PRETTY_HOSTNAME=\"Kitchen board\"\n";
  EXPECT_EQ(Resolve("%q", "x", host), "Kitchen board");
}

TEST(Specifiers, Errors) {
  FakeHost host;
  EXPECT_EQ(Resolve("%m", "x", host),
            "error: specifier \"%m\" in \"%m\": /etc/machine-id: No such file "
            "or directory");
  host.files["/etc/machine-id"] = "uninitialized\n";
  EXPECT_EQ(Resolve("%m", "x", host),
            "error: specifier \"%m\" in \"%m\": /etc/machine-id holds no ID");
  EXPECT_EQ(Resolve("a%", "x", host),
            "error: lone \"%\" at the end of \"a%\": write %% for a literal %");
  EXPECT_EQ(Resolve("%d/key", "x", host),
            "error: specifier \"%d\" in \"%d/key\": the credentials "
            "directory: faultinit passes no credentials");
  EXPECT_EQ(Resolve("%I", "x@a\\x4", host),
            "error: specifier \"%I\" in \"%I\": invalid escape in "
            "\"a\\x4\": expected \\xNN");
  EXPECT_EQ(Resolve("%f", "x@\\x2fetc", host),
            "error: specifier \"%f\" in \"%f\": \"\\x2fetc\" is not an "
            "escaped path");
}

}  // namespace
}  // namespace faultinit
