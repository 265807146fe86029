#include "init/supervisor/exec_context.h"

#include <linux/capability.h>

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "init/system/unit.h"
#include "runtime/privileges.h"

namespace faultinit {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

ServiceSettings Parse(const std::string& text) {
  ParsedUnit parsed = ParseUnit("/etc/faultinit/s.service", text);
  EXPECT_TRUE(parsed.ok()) << (parsed.diagnostics.empty()
                                   ? std::string()
                                   : parsed.diagnostics[0].ToString());
  return SettingsOf(parsed.unit);
}

bool NeverAsked(const std::string& path) {
  ADD_FAILURE() << "asked whether " << path << " can be entered";
  return false;
}

Credentials Daemon() {
  Credentials c;
  c.uid = 101;
  c.gid = 102;
  c.supplementary = {102, 7};
  c.home = "/var/lib/daemon";
  c.name = "daemon";
  c.shell = "/bin/false";
  return c;
}

// Builds the options the way StartStep does, with the pointers kept alive
// by the fixture.
class ExecContextTest : public ::testing::Test {
 protected:
  fault::SpawnOptions Options(
      const ServiceSettings& unit, StepKind kind = StepKind::kMain,
      int index = 0, const Credentials* credentials = nullptr,
      absl::FunctionRef<bool(const std::string&)> usable = NeverAsked) {
    variables_ = ServiceEnvironment(unit, "", credentials, files_);
    environment_ = EnvironmentStrings(variables_);
    inputs_.variables = &variables_;
    inputs_.environment = &environment_;
    inputs_.credentials = credentials;
    return StepSpawnOptions(unit, kind, index, inputs_, usable);
  }

  std::vector<EnvironmentMap> files_;
  ExecInputs inputs_;
  EnvironmentMap variables_;
  std::vector<std::string> environment_;
};

TEST_F(ExecContextTest, EveryServiceGetsACleanSessionOfItsOwn) {
  ServiceSettings unit = Parse("[Service]\nExecStart=/bin/sleep 10\n");
  inputs_.stdin_fd = 5;
  inputs_.stdout_fd = 6;
  inputs_.stderr_fd = -1;  // StandardOutput=inherit: faultinit's own
  fault::SpawnOptions o = Options(unit);
  EXPECT_EQ(o.program, "/bin/sleep");
  EXPECT_THAT(o.argv, ElementsAre("/bin/sleep", "10"));
  EXPECT_EQ(o.signals, fault::SpawnOptions::Signals::kClean);
  EXPECT_TRUE(o.new_session);
  EXPECT_FALSE(o.new_process_group);
  EXPECT_TRUE(o.close_other_fds);
  EXPECT_EQ(o.parent_death_signal, 0);
  EXPECT_EQ(o.stdin_fd, 5);
  EXPECT_EQ(o.stdout_fd, 6);
  EXPECT_EQ(o.stderr_fd, -1);
  EXPECT_EQ(o.extra_fd.from, -1);
  EXPECT_EQ(o.working_directory, "/");
  ASSERT_TRUE(o.umask.has_value());
  EXPECT_EQ(*o.umask, 022);  // systemd's default UMask=
  EXPECT_FALSE(o.uid.has_value());
  EXPECT_FALSE(o.gid.has_value());
  EXPECT_FALSE(o.groups.has_value());
  EXPECT_EQ(o.environment, &environment_);
  EXPECT_EQ(o.pidfd, nullptr);
  EXPECT_THAT(environment_,
              ElementsAre("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
                          "/usr/bin:/sbin:/bin"));
}

TEST_F(ExecContextTest, UserAndGroupSetCredentialsAndTheAccountsVariables) {
  ServiceSettings unit = Parse(
      "[Service]\nUser=daemon\nGroup=daemon\nWorkingDirectory=~\n"
      "ExecStart=/bin/true\n");
  const Credentials daemon = Daemon();
  fault::SpawnOptions o = Options(unit, StepKind::kMain, 0, &daemon);
  EXPECT_EQ(o.uid, 101u);
  EXPECT_EQ(o.gid, 102u);
  ASSERT_TRUE(o.groups.has_value());
  EXPECT_THAT(*o.groups, ElementsAre(102u, 7u));
  EXPECT_EQ(o.working_directory, "/var/lib/daemon");
  EXPECT_THAT(
      variables_,
      ElementsAre(Pair("HOME", "/var/lib/daemon"), Pair("LOGNAME", "daemon"),
                  Pair("PATH", kServiceDefaultPath),
                  Pair("SHELL", "/bin/false"), Pair("USER", "daemon")));
}

TEST_F(ExecContextTest, AnUnlistedNumericUserGetsNoShell) {
  ServiceSettings unit = Parse("[Service]\nUser=4242\nExecStart=/bin/true\n");
  Credentials unlisted;
  unlisted.uid = unlisted.gid = 4242;
  unlisted.home = "/";
  unlisted.name = "4242";
  Options(unit, StepKind::kMain, 0, &unlisted);
  EXPECT_EQ(variables_.count("SHELL"), 0u);
  EXPECT_EQ(variables_.at("USER"), "4242");
}

TEST_F(ExecContextTest, WorkingDirectory) {
  // "~" without User=: root's home.
  EXPECT_EQ(
      Options(Parse("[Service]\nWorkingDirectory=~\nExecStart=/bin/true\n"))
          .working_directory,
      "/root");
  // A plain path is used as it is (a missing one fails the spawn): the
  // file system is not asked.
  EXPECT_EQ(Options(Parse("[Service]\nWorkingDirectory=/srv/a\n"
                          "ExecStart=/bin/true\n"))
                .working_directory,
            "/srv/a");
  // "-PATH": PATH when it can be entered, else /.
  ServiceSettings optional =
      Parse("[Service]\nWorkingDirectory=-/srv/b\nExecStart=/bin/true\n");
  std::vector<std::string> asked;
  EXPECT_EQ(Options(optional, StepKind::kMain, 0, nullptr,
                    [&](const std::string& path) {
                      asked.push_back(path);
                      return true;
                    })
                .working_directory,
            "/srv/b");
  EXPECT_EQ(Options(optional, StepKind::kMain, 0, nullptr,
                    [&](const std::string& path) {
                      asked.push_back(path);
                      return false;
                    })
                .working_directory,
            "/");
  EXPECT_THAT(asked, ElementsAre("/srv/b", "/srv/b"));
}

TEST_F(ExecContextTest, UMask) {
  fault::SpawnOptions o =
      Options(Parse("[Service]\nUMask=0077\nExecStart=/bin/true\n"));
  ASSERT_TRUE(o.umask.has_value());
  EXPECT_EQ(*o.umask, 077);
}

// The terminal keys reach the spawn: tty input is stdin and, unless
// StandardOutput= says otherwise, stdout and stderr; StandardOutput=tty
// alone writes to the terminal (stderr inheriting it) without taking it.
// IgnoreSIGPIPE= defaults to yes.
TEST_F(ExecContextTest, TerminalAndSigpipe) {
  fault::SpawnOptions o = Options(
      Parse("[Service]\nStandardInput=tty-fail\nTTYPath=/dev/ttyS1\n"
            "TTYReset=yes\nTTYVHangup=yes\nExecStart=/sbin/agetty - vt100\n"));
  EXPECT_EQ(o.terminal.path, "/dev/ttyS1");
  EXPECT_EQ(o.terminal.input, fault::TerminalOptions::Input::kFail);
  EXPECT_TRUE(o.terminal.output && o.terminal.error);
  EXPECT_TRUE(o.terminal.reset && o.terminal.hangup);
  EXPECT_FALSE(o.terminal.vt_disallocate);
  EXPECT_TRUE(o.ignore_sigpipe);

  o =
      Options(Parse("[Service]\nStandardOutput=tty\nIgnoreSIGPIPE=no\n"
                    "ExecStart=/bin/true\n"));
  EXPECT_EQ(o.terminal.path, "/dev/console");
  EXPECT_EQ(o.terminal.input, fault::TerminalOptions::Input::kNone);
  EXPECT_TRUE(o.terminal.output && o.terminal.error);
  EXPECT_FALSE(o.ignore_sigpipe);

  o =
      Options(Parse("[Service]\nStandardInput=tty\nStandardError=journal\n"
                    "ExecStart=/bin/true\n"));
  EXPECT_EQ(o.terminal.input, fault::TerminalOptions::Input::kWait);
  EXPECT_TRUE(o.terminal.output);
  EXPECT_FALSE(o.terminal.error);

  o =
      Options(Parse("[Service]\nStandardInput=file:/etc/motd\n"
                    "ExecStart=/bin/true\n"));
  EXPECT_TRUE(o.terminal.empty());
  EXPECT_EQ(o.stdin_path, "/etc/motd");
}

// Limit*= reach the spawn; without LimitNOFILE= a service gets 1024 and
// PID 1's hard limit (as systemd's DefaultLimitNOFILE=1024:524288).
TEST_F(ExecContextTest, ResourceLimitsAndTheDescriptorDefault) {
  inputs_.nofile_hard = 4096;
  fault::SpawnOptions o =
      Options(Parse("[Service]\nLimitCORE=0\nExecStart=/bin/true\n"));
  EXPECT_EQ(o.resource_limits.limits,
            (std::vector<fault::ResourceLimit>{{RLIMIT_CORE, 0, 0},
                                               {RLIMIT_NOFILE, 1024, 4096}}));
  o = Options(Parse("[Service]\nLimitNOFILE=8:16\nExecStart=/bin/true\n"));
  EXPECT_EQ(o.resource_limits.limits,
            (std::vector<fault::ResourceLimit>{{RLIMIT_NOFILE, 8, 16}}));
  inputs_.nofile_hard = 512;  // a hard limit below 1024: both at it
  o = Options(Parse("[Service]\nExecStart=/bin/true\n"));
  EXPECT_EQ(o.resource_limits.limits,
            (std::vector<fault::ResourceLimit>{{RLIMIT_NOFILE, 512, 512}}));
}

// systemd's order: the account's variables, PassEnvironment=,
// Environment=, the files; UnsetEnvironment= last. A file's SHELL= wins
// over the account's shell.
TEST_F(ExecContextTest, PassAndUnsetEnvironmentInSystemdsOrder) {
  ServiceSettings unit = Parse(
      "[Service]\nUser=daemon\nPassEnvironment=TERM LANG MISSING\n"
      "Environment=LANG=C.UTF-8 KEEP=1 DROP=x\nEnvironmentFile=/f\n"
      "UnsetEnvironment=DROP LOGNAME=other USER=daemon\n"
      "ExecStart=/bin/true\n");
  files_ = {{{"SHELL", "/bin/from-file"}}};
  const Credentials daemon = Daemon();
  const EnvironmentMap passed = {{"TERM", "vt100"}, {"LANG", "de_DE"}};
  EXPECT_THAT(
      ServiceEnvironment(unit, "", &daemon, files_, &passed),
      ElementsAre(Pair("HOME", "/var/lib/daemon"), Pair("KEEP", "1"),
                  Pair("LANG", "C.UTF-8"), Pair("LOGNAME", "daemon"),
                  Pair("PATH", kServiceDefaultPath),
                  Pair("SHELL", "/bin/from-file"), Pair("TERM", "vt100")));
}

// SupplementaryGroups= come after the account's groups; without User=
// they are the only ones.
TEST_F(ExecContextTest, SupplementaryGroupsFollowTheAccounts) {
  ServiceSettings unit = Parse(
      "[Service]\nUser=daemon\nSupplementaryGroups=adm 7\n"
      "ExecStart=/bin/true\n");
  const Credentials daemon = Daemon();
  const std::vector<gid_t> extra = {4, 7};
  inputs_.supplementary_groups = &extra;
  fault::SpawnOptions o = Options(unit, StepKind::kMain, 0, &daemon);
  ASSERT_TRUE(o.groups.has_value());
  EXPECT_THAT(*o.groups, ElementsAre(102u, 7u, 4u));
  o =
      Options(Parse("[Service]\nSupplementaryGroups=adm\n"
                    "ExecStart=/bin/true\n"));
  ASSERT_TRUE(o.groups.has_value());
  EXPECT_THAT(*o.groups, ElementsAre(4u, 7u));
  EXPECT_FALSE(o.uid.has_value());
  inputs_.supplementary_groups = nullptr;
  EXPECT_FALSE(
      Options(Parse("[Service]\nExecStart=/bin/true\n")).groups.has_value());
}

// Every step gets the unit's scheduling attributes.
TEST_F(ExecContextTest, ProcessAttributesGoToEveryStep) {
  ServiceSettings unit = Parse(
      "[Service]\nNice=5\nOOMScoreAdjust=-100\nIOSchedulingClass=idle\n"
      "CPUSchedulingPolicy=batch\nCPUAffinity=1\nExecStartPre=/bin/true\n"
      "ExecStart=/bin/true\nExecStop=/bin/true\n");
  for (StepKind kind : {StepKind::kPre, StepKind::kMain, StepKind::kStop}) {
    fault::SpawnOptions o = Options(unit, kind);
    EXPECT_TRUE(o.attributes.nice_set);
    EXPECT_EQ(o.attributes.nice, 5);
    EXPECT_EQ(o.attributes.oom_score_adjust, -100);
    EXPECT_EQ(o.attributes.io_class, fault::IoClass::kIdle);
    EXPECT_TRUE(o.attributes.cpu_scheduling_set);
    EXPECT_EQ(o.attributes.cpu_affinity, std::vector<uint64_t>{2});
  }
  EXPECT_TRUE(
      Options(Parse("[Service]\nExecStart=/bin/true\n")).attributes.empty());
}

// systemd's order: what the manager sets, then Environment=, then each
// EnvironmentFile= in turn, a later one winning.
TEST_F(ExecContextTest, EnvironmentOverridesInSystemdsOrder) {
  ServiceSettings unit = Parse(
      "[Service]\nUser=daemon\nEnvironment=HOME=/h PATH=/p A=unit B=unit\n"
      "EnvironmentFile=/one\nEnvironmentFile=-/two\n"
      "ExecStart=/bin/true\n");
  files_ = {{{"B", "one"}, {"C", "one"}}, {{"C", "two"}}};
  const Credentials daemon = Daemon();
  variables_ =
      ServiceEnvironment(unit, "/run/faultinit/notify", &daemon, files_);
  EXPECT_THAT(variables_,
              ElementsAre(Pair("A", "unit"), Pair("B", "one"), Pair("C", "two"),
                          Pair("HOME", "/h"), Pair("LOGNAME", "daemon"),
                          Pair("NOTIFY_SOCKET", "/run/faultinit/notify"),
                          Pair("PATH", "/p"), Pair("SHELL", "/bin/false"),
                          Pair("USER", "daemon")));
  EXPECT_THAT(EnvironmentStrings({{"A", "1"}, {"B", "x=y"}}),
              ElementsAre("A=1", "B=x=y"));
  EXPECT_THAT(EnvironmentStrings({}), IsEmpty());
}

// $RUNTIME_DIRECTORY and its family name each key's directories, joined
// with ":"; they come with the manager's variables, so Environment= may
// set them.
TEST_F(ExecContextTest, DirectoryVariablesNameTheDirectories) {
  ServiceSettings unit = Parse(
      "[Service]\nRuntimeDirectory=sshd other/nested\nStateDirectory=s\n"
      "CacheDirectory=c\nLogsDirectory=l\nConfigurationDirectory=e\n"
      "ExecStart=/bin/true\n");
  variables_ = ServiceEnvironment(unit, "", nullptr, files_);
  EXPECT_THAT(variables_, ElementsAre(Pair("CACHE_DIRECTORY", "/var/cache/c"),
                                      Pair("CONFIGURATION_DIRECTORY", "/etc/e"),
                                      Pair("LOGS_DIRECTORY", "/var/log/l"),
                                      Pair("PATH", kServiceDefaultPath),
                                      Pair("RUNTIME_DIRECTORY",
                                           "/run/sshd:/run/other/nested"),
                                      Pair("STATE_DIRECTORY", "/var/lib/s")));
  ServiceSettings overridden = Parse(
      "[Service]\nRuntimeDirectory=sshd\nEnvironment=RUNTIME_DIRECTORY=/x\n"
      "ExecStart=/bin/true\n");
  EXPECT_THAT(ServiceEnvironment(overridden, "", nullptr, files_),
              ElementsAre(Pair("PATH", kServiceDefaultPath),
                          Pair("RUNTIME_DIRECTORY", "/x")));
  EXPECT_THAT(ServiceEnvironment(Parse("[Service]\nExecStart=/bin/true\n"), "",
                                 nullptr, files_),
              ElementsAre(Pair("PATH", kServiceDefaultPath)));
}

TEST_F(ExecContextTest, CommandsAreExpandedInTheServicesEnvironment) {
  ServiceSettings unit = Parse(
      "[Service]\nEnvironment=GREETING=hello \"WORDS=a b\"\n"
      "ExecStart=/bin/echo $GREETING ${GREETING}! $WORDS\n"
      "ExecStop=:/bin/echo $GREETING\n"
      "ExecStop=@/bin/busybox echo $WORDS\n");
  EXPECT_THAT(Options(unit).argv,
              ElementsAre("/bin/echo", "hello", "hello!", "a", "b"));
  // ":": no expansion.
  EXPECT_THAT(Options(unit, StepKind::kStop, 0).argv,
              ElementsAre("/bin/echo", "$GREETING"));
  // "@": the program, then the argv[0] it gets.
  fault::SpawnOptions o = Options(unit, StepKind::kStop, 1);
  EXPECT_EQ(o.program, "/bin/busybox");
  EXPECT_THAT(o.argv, ElementsAre("echo", "a", "b"));
}

TEST_F(ExecContextTest, EachStepRunsItsOwnLine) {
  ServiceSettings unit = Parse(
      "[Service]\nType=oneshot\nExecStartPre=/bin/pre0\n"
      "ExecStartPre=-/bin/pre1\nExecStart=/bin/main0\n"
      "ExecStart=/bin/main1\nExecStop=/bin/stop0\n");
  EXPECT_EQ(Options(unit, StepKind::kPre, 0).program, "/bin/pre0");
  EXPECT_EQ(Options(unit, StepKind::kPre, 1).program, "/bin/pre1");
  EXPECT_EQ(Options(unit, StepKind::kMain, 1).program, "/bin/main1");
  EXPECT_EQ(Options(unit, StepKind::kStop, 0).program, "/bin/stop0");
  EXPECT_EQ(unit.Step(StepKind::kMain, 1).Line().words,
            std::vector<std::string>{"/bin/main1"});
}

// NotificationFd=: the main process only gets the pipe, as descriptor N.
TEST_F(ExecContextTest, NotificationFdGoesToTheMainProcessOnly) {
  ServiceSettings unit = Parse(
      "[Service]\nType=notify\nNotificationFd=3\nExecStartPre=/bin/pre\n"
      "ExecStart=/bin/main\nExecStop=/bin/stop\n");
  inputs_.notification_fd = 9;
  fault::SpawnOptions main = Options(unit, StepKind::kMain, 0);
  EXPECT_EQ(main.extra_fd.from, 9);
  EXPECT_EQ(main.extra_fd.to, 3);
  EXPECT_EQ(Options(unit, StepKind::kPre, 0).extra_fd.from, -1);
  EXPECT_EQ(Options(unit, StepKind::kStop, 0).extra_fd.from, -1);
  // Without the key a descriptor given is not passed on.
  EXPECT_EQ(Options(Parse("[Service]\nExecStart=/bin/main\n")).extra_fd.from,
            -1);
}

}  // namespace
}  // namespace faultinit

namespace faultinit {
namespace {

// The privilege settings go to every step without a prefix; "!" keeps them
// and drops the change of user; "+" drops both, and the unit's limits.
TEST_F(ExecContextTest, PrivilegePrefixesExemptAStep) {
  ServiceSettings unit = Parse(
      "[Service]\nUser=daemon\nSupplementaryGroups=adm\n"
      "CapabilityBoundingSet=~CAP_SYS_ADMIN\n"
      "AmbientCapabilities=CAP_NET_BIND_SERVICE\nNoNewPrivileges=yes\n"
      "LimitCORE=0\nExecStartPre=+/bin/full\nExecStartPre=!/bin/no-setuid\n"
      "ExecStartPre=!!/bin/magic\nExecStart=/bin/main\n");
  const Credentials daemon = Daemon();
  const std::vector<gid_t> extra = {4};
  inputs_.supplementary_groups = &extra;
  fault::Privileges expected;
  expected.bounding =
      fault::kAllCapabilities & ~fault::CapabilityBit(CAP_SYS_ADMIN);
  expected.ambient = fault::CapabilityBit(CAP_NET_BIND_SERVICE);
  expected.no_new_privileges = true;

  fault::SpawnOptions o = Options(unit, StepKind::kMain, 0, &daemon);
  EXPECT_EQ(o.uid, 101u);
  EXPECT_TRUE(o.groups.has_value());
  EXPECT_EQ(o.privileges, expected);
  EXPECT_FALSE(o.resource_limits.empty());

  o = Options(unit, StepKind::kPre, 0, &daemon);  // "+"
  EXPECT_EQ(o.program, "/bin/full");
  EXPECT_FALSE(o.uid.has_value());
  EXPECT_FALSE(o.gid.has_value());
  EXPECT_FALSE(o.groups.has_value());
  EXPECT_TRUE(o.privileges.empty());
  EXPECT_TRUE(o.resource_limits.empty());
  // The account's variables stay, as in systemd.
  EXPECT_EQ(variables_["USER"], "daemon");

  o = Options(unit, StepKind::kPre, 1, &daemon);  // "!"
  EXPECT_FALSE(o.uid.has_value());
  EXPECT_FALSE(o.gid.has_value());
  EXPECT_FALSE(o.groups.has_value());
  EXPECT_EQ(o.privileges, expected);
  EXPECT_FALSE(o.resource_limits.empty());

  // "!!": nothing where the kernel has ambient capabilities...
  o = Options(unit, StepKind::kPre, 2, &daemon);
  EXPECT_EQ(o.uid, 101u);
  EXPECT_EQ(o.privileges, expected);
  // ... else "!", with what it takes to drop privileges itself and no
  // ambient set.
  inputs_.ambient_capabilities = false;
  o = Options(unit, StepKind::kPre, 2, &daemon);
  EXPECT_FALSE(o.uid.has_value());
  EXPECT_EQ(o.privileges.ambient, 0u);
  EXPECT_EQ(o.privileges.bounding, expected.bounding);  // had them already
  EXPECT_TRUE(o.privileges.no_new_privileges);
}

// PermissionsStartOnly=: every step but the main ones as with "+".
TEST_F(ExecContextTest, PermissionsStartOnlyExemptsAllButTheMainSteps) {
  ServiceSettings unit = Parse(
      "[Service]\nType=oneshot\nUser=daemon\nNoNewPrivileges=yes\n"
      "PermissionsStartOnly=true\nExecCondition=/bin/c\nExecStartPre=/bin/p\n"
      "ExecStart=/bin/a\nExecStart=/bin/b\nExecStop=/bin/s\n");
  const Credentials daemon = Daemon();
  for (StepKind kind :
       {StepKind::kCondition, StepKind::kPre, StepKind::kStop}) {
    fault::SpawnOptions o = Options(unit, kind, 0, &daemon);
    EXPECT_FALSE(o.uid.has_value()) << o.program;
    EXPECT_TRUE(o.privileges.empty()) << o.program;
  }
  for (int index : {0, 1}) {
    fault::SpawnOptions o = Options(unit, StepKind::kMain, index, &daemon);
    EXPECT_EQ(o.uid, 101u) << o.program;
    EXPECT_TRUE(o.privileges.no_new_privileges) << o.program;
  }
}

}  // namespace
}  // namespace faultinit
