// Socket units in the layout are ordered as systemd orders them
// (init/supervisor/socket_activation.h): one with DefaultDependencies=yes
// is After=sysinit.target, so its path does not exist while sysinit.target's
// units run (an early client fails at once instead of waiting for a service
// that cannot start before sysinit.target); one with DefaultDependencies=no
// is listening before any unit starts. The service gets both, in socket-unit
// order. Real binary as PID 1 of a PID namespace; the service is
// tests/listen_probe.

#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace faultinit::testing {
namespace {

std::string ListenProbePath() {
  std::string path = ProbePath();
  return path.substr(0, path.size() - 5) + "listen_probe";
}

class SocketSysinitTest : public ControlledUnitTest {
 protected:
  void Write(const std::string& name, const std::string& text) {
    ASSERT_TRUE(WriteFile(absl::StrCat(lib_, "/", name), text));
  }
  void Link(const std::string& dir, const std::string& name) {
    ASSERT_EQ(symlink(absl::StrCat("../", name).c_str(),
                      absl::StrCat(lib_, "/", dir, "/", name).c_str()),
              0);
  }
  std::string lib_;
};

TEST_F(SocketSysinitTest, DefaultDependenciesSocketWaitsForSysinitTarget) {
  lib_ = dir_ + "/lib";
  ASSERT_EQ(mkdir(lib_.c_str(), 0755), 0);
  ASSERT_EQ(mkdir((lib_ + "/sockets.target.wants").c_str(), 0755), 0);
  ASSERT_EQ(mkdir((lib_ + "/sysinit.target.wants").c_str(), 0755), 0);
  const std::string bus = base_ + "/bus.sock";
  const std::string early = base_ + "/early.sock";
  Write("default.target", "[Unit]\nWants=sockets.target bus.service\n");
  Write("bus.socket", absl::StrCat("[Socket]\nListenStream=", bus, "\n"));
  Write("early.socket",
        absl::StrCat("[Unit]\nDefaultDependencies=no\n[Socket]\nListenStream=",
                     early, "\nService=bus.service\n"));
  Link("sockets.target.wants", "bus.socket");
  Link("sockets.target.wants", "early.socket");
  // A unit of sysinit.target looks at both paths: sysinit.target is not
  // active before it has finished.
  Write("look.service",
        absl::StrCat("[Unit]\nDefaultDependencies=no\nBefore=sysinit.target\n"
                     "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'for s in ",
                     bus, " ", early,
                     "; do if [ -S $s ]; then echo present $s; else echo "
                     "absent $s; fi; done'\n"));
  Link("sysinit.target.wants", "look.service");
  Write("bus.service",
        absl::StrCat("[Unit]\nRequires=bus.socket\nAfter=bus.socket\n"
                     "[Service]\nExecStart=",
                     ListenProbePath(), "\n"));
  LaunchOptions o;
  o.args = {"-v", "--units-path", lib_, "--control", socket_};
  o.pid_namespace = true;
  running_ = std::make_unique<Running>(o);
  ASSERT_TRUE(running_->WaitForAllStderr(
      {"[look] absent " + bus, "[look] present " + early,
       "bus.socket: listening on " + bus,
       "[bus] listen pid_ok=1 fds=2 names=bus.socket:early.socket"}))
      << running_->err();
}

}  // namespace
}  // namespace faultinit::testing
