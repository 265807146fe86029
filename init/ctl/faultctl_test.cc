// Runs the real faultctl binary against a fake faultinit: a thread of this
// test listening on a Unix socket in /tmp (TEST_TMPDIR is too long for
// sun_path), which records the request it receives and answers canned
// response lines. Every wait is on an event (a connection, a line, end of
// file, the child's exit) bounded by a generous deadline; no sleeps.

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "runtime/exit_status.h"
#include "runtime/fd.h"
#include "runtime/testing/child.h"

extern char** environ;

namespace {

using fault::ExitStatus;
using fault::UniqueFd;

// A bound on every wait, far beyond any healthy run: a hang fails the test
// with a message instead of running into Bazel's timeout.
constexpr int kDeadlineMs = 20 * 1000;

std::string FaultctlPath() {
  const char* dir = getenv("TEST_SRCDIR");
  return absl::StrCat(dir != nullptr ? dir : ".",
                      "/faultinit/init/ctl/faultctl");
}

// WaitReadable polls `fd` for input (or hang-up) up to the deadline.
bool WaitReadable(int fd) {
  pollfd p = {fd, POLLIN, 0};
  int n;
  do {
    n = poll(&p, 1, kDeadlineMs);
  } while (n < 0 && errno == EINTR);
  return n == 1;
}

void SendAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the client went away; the test will see why
    data.remove_prefix(static_cast<size_t>(n));
  }
}

sockaddr_un Address(const std::string& path, socklen_t* length) {
  sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  memcpy(addr.sun_path, path.data(), path.size());
  if (path[0] == '@') addr.sun_path[0] = '\0';
  *length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) +
                                   path.size() + (path[0] == '@' ? 0 : 1));
  return addr;
}

// FakeServer: a listening socket at `path`, serving one connection per
// Serve() call on its own thread.
class FakeServer {
 public:
  // Handler: talks to the client once the request was read (or at once
  // when Serve was told not to read it).
  using Handler = std::function<void(int fd)>;

  explicit FakeServer(const std::string& path) : path_(path) {
    listener_.Reset(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    socklen_t length;
    sockaddr_un addr = Address(path, &length);
    if (bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), length) !=
            0 ||
        listen(listener_.get(), 8) != 0) {
      ADD_FAILURE() << "unable to listen on " << path << ": "
                    << strerror(errno);
    }
  }
  ~FakeServer() {
    if (thread_.joinable()) thread_.join();
    (void)unlink(path_.c_str());
  }

  // Serve accepts the next connection on a thread, reads the request line
  // (unless `read_request` is false) and runs `handler`, then closes.
  void Serve(Handler handler, bool read_request = true) {
    thread_ = std::thread([this, handler, read_request] {
      if (!WaitReadable(listener_.get())) return;
      UniqueFd client(accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!client.valid()) return;
      connected_ = true;
      if (read_request) {
        char c;
        while (request_.find('\n') == std::string::npos &&
               request_.size() < 8192 && WaitReadable(client.get()) &&
               read(client.get(), &c, 1) == 1) {
          request_ += c;
        }
      }
      handler(client.get());
    });
  }
  // Answer: Serve with a handler that writes `response` and closes.
  void Answer(const std::string& response, bool read_request = true) {
    Serve([response](int fd) { SendAll(fd, response); }, read_request);
  }

  // Request waits for the conversation to end and returns the request.
  std::string Request() {
    if (thread_.joinable()) thread_.join();
    return request_;
  }
  bool connected() {
    if (thread_.joinable()) thread_.join();
    return connected_;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  UniqueFd listener_;
  std::thread thread_;
  std::string request_;
  bool connected_ = false;
};

// Running: faultctl as a child with its stdout and stderr on pipes.
class Running {
 public:
  Running(const std::vector<std::string>& args,
          const std::vector<std::string>& extra_env) {
    fault::StatusOr<fault::Pipe> out = fault::MakePipe();
    fault::StatusOr<fault::Pipe> err = fault::MakePipe();
    if (!out.ok() || !err.ok()) abort();
    std::vector<std::string> argv = {FaultctlPath()};
    argv.insert(argv.end(), args.begin(), args.end());
    // The test's environment, without the variables faultctl reads.
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
      if (absl::StartsWith(*e, "FAULTINIT_SOCKET=") ||
          absl::StartsWith(*e, "NOTIFY_SOCKET=")) {
        continue;
      }
      env.push_back(*e);
    }
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    std::vector<char*> cargv, cenv;
    for (std::string& s : argv) cargv.push_back(s.data());
    cargv.push_back(nullptr);
    for (std::string& s : env) cenv.push_back(s.data());
    cenv.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      // Only async-signal-safe calls: the test has other threads.
      dup2(out->write.get(), STDOUT_FILENO);
      dup2(err->write.get(), STDERR_FILENO);
      execve(cargv[0], cargv.data(), cenv.data());
      _exit(127);
    }
    out_ = std::move(out->read);
    err_ = std::move(err->read);
  }
  ~Running() {
    if (!reaped_) {
      kill(pid_, SIGKILL);
      Wait();
    }
  }

  pid_t pid() const { return pid_; }

  // ReadLine returns the next stdout line without its "\n", or "<eof>".
  std::string ReadLine() {
    for (;;) {
      size_t newline = out_text_.find('\n', out_read_);
      if (newline != std::string::npos) {
        std::string line = out_text_.substr(out_read_, newline - out_read_);
        out_read_ = newline + 1;
        return line;
      }
      char buffer[4096];
      if (!WaitReadable(out_.get())) return "<deadline>";
      ssize_t n = read(out_.get(), buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return "<eof>";
      out_text_.append(buffer, static_cast<size_t>(n));
    }
  }

  // Wait reads the rest of both outputs and reaps faultctl.
  ExitStatus Wait() {
    EXPECT_TRUE(fault::testing::DrainPipes(out_.get(), err_.get(), &out_text_,
                                           &err_text_, kDeadlineMs))
        << "faultctl's output did not end within the deadline";
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    return ExitStatus::FromWaitStatus(pid_, status);
  }
  const std::string& out() const { return out_text_; }
  const std::string& err() const { return err_text_; }

 private:
  pid_t pid_ = 0;
  UniqueFd out_, err_;
  std::string out_text_, err_text_;
  size_t out_read_ = 0;
  bool reaped_ = false;
};

struct Result {
  ExitStatus status;
  std::string out;
  std::string err;
  int exit_code() const { return status.exit_code(); }
};

Result RunFaultctl(const std::vector<std::string>& args,
                   const std::vector<std::string>& extra_env = {}) {
  Running running(args, extra_env);
  ExitStatus status = running.Wait();
  return Result{status, running.out(), running.err()};
}

// A minimal JSON reader for what `status --json` prints: an array of flat
// objects whose values are strings or non-negative integers. Returns
// false on anything else.
struct JsonValue {
  bool is_string = false;
  std::string text;
  uint64_t number = 0;
};
using JsonObject = std::map<std::string, JsonValue>;

class JsonReader {
 public:
  explicit JsonReader(absl::string_view text) : in_(text) {}

  bool ReadArray(std::vector<JsonObject>* out) {
    if (!Take('[')) return false;
    if (Take(']')) return AtEnd();
    do {
      JsonObject object;
      if (!ReadObject(&object)) return false;
      out->push_back(std::move(object));
    } while (Take(','));
    return Take(']') && AtEnd();
  }

 private:
  void SkipSpace() {
    while (!in_.empty() && (in_[0] == ' ' || in_[0] == '\n' || in_[0] == '\t' ||
                            in_[0] == '\r')) {
      in_.remove_prefix(1);
    }
  }
  bool Take(char c) {
    SkipSpace();
    if (in_.empty() || in_[0] != c) return false;
    in_.remove_prefix(1);
    return true;
  }
  bool AtEnd() {
    SkipSpace();
    return in_.empty();
  }
  bool ReadObject(JsonObject* out) {
    if (!Take('{')) return false;
    if (Take('}')) return true;
    do {
      std::string key;
      JsonValue value;
      if (!ReadString(&key) || !Take(':') || !ReadValue(&value)) return false;
      if (out->count(key) != 0) return false;  // duplicate key
      (*out)[key] = value;
    } while (Take(','));
    return Take('}');
  }
  bool ReadValue(JsonValue* out) {
    SkipSpace();
    if (!in_.empty() && in_[0] == '"') {
      out->is_string = true;
      return ReadString(&out->text);
    }
    if (in_.empty() || in_[0] < '0' || in_[0] > '9') return false;
    if (in_[0] == '0' && in_.size() > 1 && in_[1] >= '0' && in_[1] <= '9') {
      return false;  // no leading zeros in JSON
    }
    while (!in_.empty() && in_[0] >= '0' && in_[0] <= '9') {
      out->number = out->number * 10 + static_cast<uint64_t>(in_[0] - '0');
      in_.remove_prefix(1);
    }
    return true;
  }
  bool ReadString(std::string* out) {
    if (!Take('"')) return false;
    while (!in_.empty()) {
      const unsigned char c = static_cast<unsigned char>(in_[0]);
      in_.remove_prefix(1);
      if (c == '"') return true;
      if (c < 0x20) return false;  // raw control characters are invalid
      if (c != '\\') {
        *out += static_cast<char>(c);
        continue;
      }
      if (in_.empty()) return false;
      const char e = in_[0];
      in_.remove_prefix(1);
      switch (e) {
        case '"':
        case '\\':
        case '/':
          *out += e;
          break;
        case 'n':
          *out += '\n';
          break;
        case 't':
          *out += '\t';
          break;
        case 'r':
          *out += '\r';
          break;
        case 'b':
          *out += '\b';
          break;
        case 'f':
          *out += '\f';
          break;
        case 'u': {
          if (in_.size() < 4) return false;
          unsigned code = 0;
          for (int i = 0; i < 4; ++i) {
            const char h = in_[i];
            code <<= 4;
            if (h >= '0' && h <= '9') {
              code |= static_cast<unsigned>(h - '0');
            } else if (h >= 'a' && h <= 'f') {
              code |= static_cast<unsigned>(h - 'a' + 10);
            } else {
              return false;
            }
          }
          in_.remove_prefix(4);
          // A lone U+DC80..U+DCFF is a byte that was not UTF-8, as Python's
          // surrogateescape decodes it (format.h): back to that byte.
          if (code >= 0xdc80 && code <= 0xdcff) {
            *out += static_cast<char>(code - 0xdc00);
            break;
          }
          if (code >= 0xd800 && code <= 0xdfff) return false;
          if (code < 0x80) {
            *out += static_cast<char>(code);
          } else if (code < 0x800) {
            *out += static_cast<char>(0xc0 | (code >> 6));
            *out += static_cast<char>(0x80 | (code & 0x3f));
          } else {
            *out += static_cast<char>(0xe0 | (code >> 12));
            *out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
            *out += static_cast<char>(0x80 | (code & 0x3f));
          }
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }

  absl::string_view in_;
};

// The fixture: a fresh short directory in /tmp for sockets.
class FaultctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = "/tmp/faultctl_test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr) << strerror(errno);
    dir_ = pattern;
    socket_ = dir_ + "/control";
  }
  void TearDown() override {
    server_.reset();
    for (const char* name : {"/control", "/notify"}) {
      (void)unlink((dir_ + name).c_str());
    }
    (void)rmdir(dir_.c_str());
  }

  FakeServer& Server() {
    if (!server_) server_ = std::make_unique<FakeServer>(socket_);
    return *server_;
  }

  // RunAgainst runs faultctl --socket SOCKET ARGS... against a server
  // answering `response`.
  Result RunAgainst(const std::vector<std::string>& args,
                    const std::string& response) {
    Server().Answer(response);
    std::vector<std::string> full = {"--socket", socket_};
    full.insert(full.end(), args.begin(), args.end());
    return RunFaultctl(full);
  }

  std::string dir_;
  std::string socket_;
  std::unique_ptr<FakeServer> server_;
};

const char kStatusResponse[] =
    "OK\n"
    "S\tweb\trunning\t4242\t3725\t0\t\tserving\tWeb server\n"
    "S\tdb\tfailed\t0\t5\t3\texit 3\t\tDatabase \"main\"\n"
    "S\ttick\tinactive\t0\t0\t0\t\t\t\n";

// status: "1 \t status", then the table with every column.
TEST_F(FaultctlTest, StatusPrintsTable) {
  Result r = RunAgainst({"status"}, kStatusResponse);
  EXPECT_EQ(Server().Request(), "1\tstatus\n");
  EXPECT_EQ(r.exit_code(), 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out,
            "NAME  STATE     PID   UPTIME   RESTARTS  LAST-EXIT  STATUS   "
            "DESCRIPTION\n"
            "web   running   4242  1h 2min  0         -          serving  "
            "Web server\n"
            "db    failed    -     5s       3         exit 3     -        "
            "Database \"main\"\n"
            "tick  inactive  -     0s       0         -          -\n");
}

// status --json: exact text, and it parses back as JSON with every field.
TEST_F(FaultctlTest, StatusJson) {
  Result r = RunAgainst({"status", "--json"}, kStatusResponse);
  EXPECT_EQ(Server().Request(), "1\tstatus\n");
  EXPECT_EQ(r.exit_code(), 0) << r.err;
  EXPECT_EQ(r.out,
            "[{\"name\":\"web\",\"state\":\"running\",\"pid\":4242,"
            "\"uptime_seconds\":3725,\"restarts\":0,\"last_exit\":\"\","
            "\"status\":\"serving\",\"description\":\"Web server\"},"
            "{\"name\":\"db\",\"state\":\"failed\",\"pid\":0,"
            "\"uptime_seconds\":5,\"restarts\":3,\"last_exit\":\"exit 3\","
            "\"status\":\"\",\"description\":\"Database \\\"main\\\"\"},"
            "{\"name\":\"tick\",\"state\":\"inactive\",\"pid\":0,"
            "\"uptime_seconds\":0,\"restarts\":0,\"last_exit\":\"\","
            "\"status\":\"\",\"description\":\"\"}]\n");

  std::vector<JsonObject> objects;
  ASSERT_TRUE(JsonReader(r.out).ReadArray(&objects)) << r.out;
  ASSERT_EQ(objects.size(), 3u);
  for (const JsonObject& o : objects) {
    ASSERT_EQ(o.size(), 8u);
    for (const char* key :
         {"name", "state", "last_exit", "status", "description"}) {
      ASSERT_EQ(o.count(key), 1u) << key;
      EXPECT_TRUE(o.at(key).is_string) << key;
    }
    for (const char* key : {"pid", "uptime_seconds", "restarts"}) {
      ASSERT_EQ(o.count(key), 1u) << key;
      EXPECT_FALSE(o.at(key).is_string) << key;
    }
  }
  EXPECT_EQ(objects[0].at("pid").number, 4242u);
  EXPECT_EQ(objects[0].at("uptime_seconds").number, 3725u);
  EXPECT_EQ(objects[1].at("description").text, "Database \"main\"");
  EXPECT_EQ(objects[1].at("restarts").number, 3u);
  EXPECT_EQ(objects[1].at("last_exit").text, "exit 3");
}

// Control characters, escaped tabs and newlines, and invalid UTF-8 from a
// service give valid JSON that holds the bytes exactly.
TEST_F(FaultctlTest, StatusJsonEscapesEverything) {
  Result r = RunAgainst({"status", "--json", "odd"},
                        "OK\nS\todd\trunning\t7\t1\t0\t\tbell\x07 \xff\\\\"
                        "\\t\\n\tdesc\r\n");
  EXPECT_EQ(Server().Request(), "1\tstatus\todd\n");
  EXPECT_EQ(r.exit_code(), 0) << r.err;
  std::vector<JsonObject> objects;
  ASSERT_TRUE(JsonReader(r.out).ReadArray(&objects)) << r.out;
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(objects[0].at("status").text, "bell\x07 \xff\\\t\n");
  EXPECT_EQ(objects[0].at("description").text, "desc\r");
}

// status NAME...: exit 3 when a named service is not running.
TEST_F(FaultctlTest, StatusNamedNotRunningExits3) {
  Result r = RunAgainst(
      {"status", "web", "db"},
      "OK\nS\tweb\trunning\t1\t1\t0\t\t\t\nS\tdb\tfailed\t0\t1\t0\t\t\t\n");
  EXPECT_EQ(Server().Request(), "1\tstatus\tweb\tdb\n");
  EXPECT_EQ(r.exit_code(), 3);
  EXPECT_TRUE(absl::StrContains(r.out, "db    failed")) << r.out;
}

TEST_F(FaultctlTest, StatusNamedRunningExits0) {
  Result r = RunAgainst({"status", "--json", "web"},
                        "OK\nS\tweb\trunning\t1\t1\t0\t\t\t\n");
  EXPECT_EQ(Server().Request(), "1\tstatus\tweb\n");
  EXPECT_EQ(r.exit_code(), 0) << r.err;
}

// ERR unknown: the server's message, exit 4.
TEST_F(FaultctlTest, NoSuchServiceExits4) {
  Result r =
      RunAgainst({"status", "nope"}, "ERR\tunknown\tno such service: nope\n");
  EXPECT_EQ(Server().Request(), "1\tstatus\tnope\n");
  EXPECT_EQ(r.exit_code(), 4);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "faultctl: no such service: nope\n");
}

// Arguments go escaped; what the server quotes back (names, failure
// reasons) is shown escaped, on one line, whatever bytes it holds.
TEST_F(FaultctlTest, FieldsEscapedBothWays) {
  Result r = RunAgainst({"status", "a\tb"},
                        "ERR\tunknown\tno such service: a\\tb\x1b[2J\n");
  EXPECT_EQ(Server().Request(), "1\tstatus\ta\\tb\n");
  EXPECT_EQ(r.exit_code(), 4);
  EXPECT_EQ(r.err, "faultctl: no such service: a\\tb\\x1b[2J\n");
  server_.reset();
  Result start = RunAgainst({"start", "web"},
                            "OK\nR\tweb\tfailed\tunable to execute /x\\ny\n");
  EXPECT_EQ(start.exit_code(), 1);
  EXPECT_EQ(start.out, "web: failed: unable to execute /x\\ny\n");
}

// Each ERR code's exit status (docs/control.md).
TEST_F(FaultctlTest, ErrorCodesMapToExitStatuses) {
  const std::pair<const char*, int> cases[] = {
      {"usage", 2}, {"permission", 1}, {"unknown", 4}, {"failed", 1},
      {"busy", 5},  {"version", 1},    {"newcode", 1},
  };
  for (const auto& [code, expected] : cases) {
    SCOPED_TRACE(code);
    server_.reset();
    Result r = RunAgainst({"stop", "web"},
                          absl::StrCat("ERR\t", code, "\tsomething\n"));
    EXPECT_EQ(Server().Request(), "1\tstop\tweb\n");
    EXPECT_EQ(r.exit_code(), expected) << r.err;
    EXPECT_TRUE(absl::StrContains(r.err, "something")) << r.err;
  }
}

// A socket nobody listens on: exit 5, naming the socket tried, whether it
// came from --socket or FAULTINIT_SOCKET.
TEST_F(FaultctlTest, UnreachableExits5) {
  const std::string missing = dir_ + "/missing";
  Result flag = RunFaultctl({"--socket", missing, "status"});
  EXPECT_EQ(flag.exit_code(), 5);
  EXPECT_EQ(flag.out, "");
  EXPECT_EQ(flag.err, absl::StrCat("faultctl: cannot reach faultinit at ",
                                   missing, ": No such file or directory\n"));

  Result env = RunFaultctl({"start", "web"}, {"FAULTINIT_SOCKET=" + missing});
  EXPECT_EQ(env.exit_code(), 5);
  EXPECT_EQ(env.err, flag.err);

  // --socket wins over the environment.
  FakeServer& server = Server();
  server.Answer("OK\n");
  Result both = RunFaultctl({"--socket", socket_, "reload"},
                            {"FAULTINIT_SOCKET=" + missing});
  EXPECT_EQ(both.exit_code(), 0) << both.err;
  EXPECT_EQ(server.Request(), "1\treload\n");
}

// With neither --socket nor FAULTINIT_SOCKET, the default path is tried.
TEST_F(FaultctlTest, DefaultSocketPath) {
  struct stat st;
  if (stat("/run/faultinit/control", &st) == 0) {
    GTEST_SKIP() << "a faultinit is listening on this machine";
  }
  Result r = RunFaultctl({"status"}, {"FAULTINIT_SOCKET="});
  EXPECT_EQ(r.exit_code(), 5);
  EXPECT_TRUE(absl::StartsWith(
      r.err, "faultctl: cannot reach faultinit at /run/faultinit/control: "))
      << r.err;
}

// A socket file with no listener: connection refused, exit 5.
TEST_F(FaultctlTest, NoListenerExits5) {
  UniqueFd stale(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  socklen_t length;
  sockaddr_un addr = Address(socket_, &length);
  ASSERT_EQ(bind(stale.get(), reinterpret_cast<sockaddr*>(&addr), length), 0)
      << strerror(errno);
  stale.Reset();  // the file stays; nobody listens
  Result r = RunFaultctl({"--socket", socket_, "status"});
  EXPECT_EQ(r.exit_code(), 5);
  EXPECT_EQ(r.err, absl::StrCat("faultctl: cannot reach faultinit at ", socket_,
                                ": Connection refused\n"));
}

// ERR busy, written before the request is read and followed by a close:
// exit 5, naming the socket.
TEST_F(FaultctlTest, BusyExits5) {
  Server().Answer("ERR\tbusy\n", /*read_request=*/false);
  Result r = RunFaultctl({"--socket", socket_, "status"});
  EXPECT_TRUE(Server().connected());
  EXPECT_EQ(r.exit_code(), 5);
  EXPECT_EQ(r.err, absl::StrCat("faultctl: cannot reach faultinit at ", socket_,
                                ": busy\n"));
}

// start: waits for the R rows, prints one line per service, exit 1 when
// one failed.
TEST_F(FaultctlTest, StartReportsEachService) {
  Result r = RunAgainst({"start", "web", "db"},
                        "OK\nR\tweb\trunning\t\n"
                        "R\tdb\tfailed\tExecStart= exited with exit 3\n");
  EXPECT_EQ(Server().Request(), "1\tstart\tweb\tdb\n");
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_EQ(r.out,
            "web: running\n"
            "db: failed: ExecStart= exited with exit 3\n");
  EXPECT_EQ(r.err, "");
}

// A oneshot that completed is inactive without a message: success.
TEST_F(FaultctlTest, StartOneshotInactiveIsSuccess) {
  Result r = RunAgainst({"start", "web", "setup"},
                        "OK\nR\tweb\trunning\t\nR\tsetup\tinactive\t\n");
  EXPECT_EQ(Server().Request(), "1\tstart\tweb\tsetup\n");
  EXPECT_EQ(r.exit_code(), 0) << r.out << r.err;
  EXPECT_EQ(r.out, "web: running\nsetup: inactive\n");
}

TEST_F(FaultctlTest, StartNoBlockSendsNowait) {
  Result r =
      RunAgainst({"start", "--no-block", "web"}, "OK\nR\tweb\tstarting\t\n");
  EXPECT_EQ(Server().Request(), "1\tstart-nowait\tweb\n");
  EXPECT_EQ(r.exit_code(), 0) << r.err;
  EXPECT_EQ(r.out, "web: starting\n");
}

// stop: inactive or failed both reached the goal.
TEST_F(FaultctlTest, StopSucceedsWhenDown) {
  Result r = RunAgainst({"stop", "web", "db"},
                        "OK\nR\tweb\tinactive\t\nR\tdb\tfailed\tkilled\n");
  EXPECT_EQ(Server().Request(), "1\tstop\tweb\tdb\n");
  EXPECT_EQ(r.exit_code(), 0) << r.err;
  EXPECT_EQ(r.out, "web: inactive\ndb: failed: killed\n");
}

TEST_F(FaultctlTest, StopNoBlockSendsNowait) {
  Result r =
      RunAgainst({"--no-block", "stop", "web"}, "OK\nR\tweb\tstopping\t\n");
  EXPECT_EQ(Server().Request(), "1\tstop-nowait\tweb\n");
  EXPECT_EQ(r.exit_code(), 0) << r.err;
}

TEST_F(FaultctlTest, RestartFailedExits1) {
  Result r =
      RunAgainst({"restart", "web"}, "OK\nR\tweb\tfailed\tstart timeout\n");
  EXPECT_EQ(Server().Request(), "1\trestart\tweb\n");
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_EQ(r.out, "web: failed: start timeout\n");
}

TEST_F(FaultctlTest, RestartNoBlockSendsNowait) {
  Result r =
      RunAgainst({"restart", "web", "--no-block"}, "OK\nR\tweb\tstopping\t\n");
  EXPECT_EQ(Server().Request(), "1\trestart-nowait\tweb\n");
  EXPECT_EQ(r.exit_code(), 0) << r.err;
}

// reload: the non-empty changes, then every diagnostic; warnings only is
// success.
TEST_F(FaultctlTest, ReloadPrintsChangesAndDiagnostics) {
  Result r = RunAgainst({"reload"},
                        "OK\nC\tstarted\ta b\nC\tstopped\t\nC\trestarted\td\n"
                        "D\tx.service:3: warning: unknown section [Foo]\n");
  EXPECT_EQ(Server().Request(), "1\treload\n");
  EXPECT_EQ(r.exit_code(), 0) << r.err;
  EXPECT_EQ(r.out,
            "started: a b\n"
            "restarted: d\n"
            "x.service:3: warning: unknown section [Foo]\n");
}

TEST_F(FaultctlTest, ReloadWithErrorsExits1) {
  Result r = RunAgainst({"reload"},
                        "OK\nC\tstarted\t\nC\tstopped\tc\nC\trestarted\t\n"
                        "D\ty.service:1: error: missing ExecStart=\n");
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_EQ(r.out,
            "stopped: c\n"
            "y.service:1: error: missing ExecStart=\n");
}

// log: N defaults to 10; -n sets it; each L line printed.
TEST_F(FaultctlTest, LogPrintsLines) {
  Result r = RunAgainst({"log", "web"}, "OK\nL\tfirst\nL\t\nL\tthird\n");
  EXPECT_EQ(Server().Request(), "1\tlog\t10\tweb\n");
  EXPECT_EQ(r.exit_code(), 0) << r.err;
  EXPECT_EQ(r.out, "first\n\nthird\n");

  server_.reset();
  Result three = RunAgainst({"log", "-n", "3", "web"}, "OK\n");
  EXPECT_EQ(Server().Request(), "1\tlog\t3\tweb\n");
  EXPECT_EQ(three.exit_code(), 0) << three.err;
  EXPECT_EQ(three.out, "");
}

// log -f: "follow"; each line is printed as the server sends it (the
// server sends the next only once the test has read the previous one from
// faultctl's stdout); SIGINT ends faultctl by that signal, and the server
// sees the connection close.
TEST_F(FaultctlTest, LogFollowStreamsUntilInterrupted) {
  fault::StatusOr<fault::Pipe> go = fault::MakePipe();
  ASSERT_TRUE(go.ok());
  bool client_closed = false;
  const int go_fd = go->read.get();
  Server().Serve([go_fd, &client_closed](int fd) {
    SendAll(fd, "OK\nL\tone\n");
    char c;
    if (!WaitReadable(go_fd) || read(go_fd, &c, 1) != 1) return;
    SendAll(fd, "L\ttwo\nL\tthree\n");
    if (!WaitReadable(go_fd) || read(go_fd, &c, 1) != 1) return;
    SendAll(fd, "L\tfour\n");
    // faultctl keeps the connection until it is interrupted.
    if (!WaitReadable(fd)) return;
    client_closed = read(fd, &c, 1) == 0;
  });
  Running running({"--socket", socket_, "log", "-f", "-n", "2", "web"}, {});
  EXPECT_EQ(running.ReadLine(), "one");
  ASSERT_EQ(write(go->write.get(), "x", 1), 1);
  EXPECT_EQ(running.ReadLine(), "two");
  EXPECT_EQ(running.ReadLine(), "three");
  ASSERT_EQ(write(go->write.get(), "x", 1), 1);
  EXPECT_EQ(running.ReadLine(), "four");
  ASSERT_EQ(kill(running.pid(), SIGINT), 0);
  ExitStatus status = running.Wait();
  EXPECT_EQ(Server().Request(), "1\tfollow\t2\tweb\n");
  EXPECT_TRUE(client_closed);
  EXPECT_TRUE(status.signaled()) << status.ToString();
  EXPECT_EQ(status.signal(), SIGINT) << status.ToString();
  EXPECT_EQ(running.err(), "");
}

// The server ending a follow (e.g. the service was removed) is a normal
// end: exit 0.
TEST_F(FaultctlTest, LogFollowEndsWithTheServer) {
  Result r = RunAgainst({"log", "--follow", "web"}, "OK\nL\tbye\n");
  EXPECT_EQ(Server().Request(), "1\tfollow\t10\tweb\n");
  EXPECT_EQ(r.exit_code(), 0) << r.err;
  EXPECT_EQ(r.out, "bye\n");
}

TEST_F(FaultctlTest, ShutdownVerbs) {
  for (const char* verb : {"poweroff", "reboot", "halt"}) {
    SCOPED_TRACE(verb);
    server_.reset();
    Result r = RunAgainst({verb}, "OK\n");
    EXPECT_EQ(Server().Request(), absl::StrCat("1\t", verb, "\n"));
    EXPECT_EQ(r.exit_code(), 0) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "");
  }
}

// Responses that break the protocol: exit 1 with the reason, no crash.
TEST_F(FaultctlTest, MalformedResponsesExit1) {
  const std::pair<const char*, const char*> cases[] = {
      {"HELLO\n", "malformed response line \"HELLO\": unknown tag"},
      {"S\ta\trunning\t1\t1\t0\t\t\t\n", "neither OK nor ERR"},
      {"OK\nR\tweb\trunning\t\n", "unexpected line for status"},
      {"OK\nS\tweb\trunning\tx\t1\t0\t\t\t\n", "invalid PID \"x\""},
      {"OK\nOK\n", "OK or ERR after the first line"},
      {"OK\nS\ta\trunning", "ended in the middle of a line"},
      {"", "closed the connection without answering status"},
  };
  for (const auto& [response, message] : cases) {
    SCOPED_TRACE(response);
    server_.reset();
    Result r = RunAgainst({"status"}, response);
    EXPECT_EQ(r.exit_code(), 1) << r.err;
    EXPECT_TRUE(absl::StrContains(r.err, message)) << r.err;
    EXPECT_TRUE(absl::StartsWith(r.err, "faultctl: ")) << r.err;
    EXPECT_EQ(r.out, "");
  }
}

TEST_F(FaultctlTest, HelpAndVersion) {
  Result help = RunFaultctl({"--help"});
  EXPECT_EQ(help.exit_code(), 0);
  EXPECT_TRUE(absl::StartsWith(help.out, "Usage: faultctl ")) << help.out;
  for (const char* word : {"status", "start", "stop", "restart", "reload",
                           "log", "poweroff", "notify", "--socket", "--json",
                           "--no-block", "-n", "-f", "--version"}) {
    EXPECT_TRUE(absl::StrContains(help.out, word)) << word;
  }
  EXPECT_EQ(help.err, "");

  Result version = RunFaultctl({"--version"});
  EXPECT_EQ(version.exit_code(), 0);
  EXPECT_EQ(version.out, "faultctl 0.1.0\n");
}

// An unknown verb: the closest one suggested, exit 2, nothing sent.
TEST_F(FaultctlTest, UnknownVerbSuggests) {
  Result r = RunFaultctl({"--socket", socket_, "stauts"});
  EXPECT_EQ(r.exit_code(), 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "faultctl: unknown verb \"stauts\"; did you mean \"status\"?\n");
}

// Usage errors: one line, exit 2, before any connection.
TEST_F(FaultctlTest, UsageErrorsExit2) {
  const std::pair<std::vector<std::string>, const char*> cases[] = {
      {{}, "faultctl: no verb given; try 'faultctl --help'\n"},
      {{"start"}, "faultctl: start: no service name given\n"},
      {{"status", "--bogus"}, "faultctl: unknown option \"--bogus\"\n"},
      {{"start", "--json", "a"},
       "faultctl: --json is not an option of \"start\"\n"},
      {{"start", std::string(5000, 'x')},
       "faultctl: start: request too long: 5009 bytes, at most 4096\n"},
  };
  for (const auto& [args, message] : cases) {
    Result r = RunFaultctl(args, {"FAULTINIT_SOCKET=" + dir_ + "/missing"});
    EXPECT_EQ(r.exit_code(), 2) << message;
    EXPECT_EQ(r.err, message);
    EXPECT_EQ(r.out, "");
  }
}

// One datagram as a notify receiver sees it.
struct Datagram {
  std::string text;
  pid_t pid = 0;  // from SCM_CREDENTIALS, 0 without
  std::vector<UniqueFd> fds;
};

// ReceiveDatagram waits for and reads one datagram from `fd`.
Datagram ReceiveDatagram(int fd) {
  Datagram d;
  if (!WaitReadable(fd)) return d;
  char data[4096];
  alignas(cmsghdr) char
      control[CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(4 * sizeof(int))];
  iovec iov = {data, sizeof data};
  msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  if (n < 0) return d;
  d.text.assign(data, static_cast<size_t>(n));
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr;
       c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_type == SCM_CREDENTIALS) {
      ucred credentials;
      memcpy(&credentials, CMSG_DATA(c), sizeof credentials);
      d.pid = credentials.pid;
    } else if (c->cmsg_type == SCM_RIGHTS) {
      for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); ++i) {
        int passed;
        memcpy(&passed, CMSG_DATA(c) + i * sizeof(int), sizeof passed);
        d.fds.emplace_back(passed);
      }
    }
  }
  return d;
}

// Still running: not exited (nothing reaped, nothing waited for).
bool StillRunning(pid_t pid) {
  siginfo_t info = {};
  return waitid(P_PID, static_cast<id_t>(pid), &info,
                WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == 0;
}

// BindReceiver binds a notify receiver at `path` ("@name": abstract).
UniqueFd BindReceiver(const std::string& path) {
  UniqueFd receiver(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  socklen_t length;
  sockaddr_un addr = Address(path, &length);
  EXPECT_EQ(bind(receiver.get(), reinterpret_cast<sockaddr*>(&addr), length), 0)
      << strerror(errno);
  int on = 1;
  EXPECT_EQ(setsockopt(receiver.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof on),
            0);
  return receiver;
}

// notify: one datagram of newline-joined assignments to $NOTIFY_SOCKET,
// then BARRIER=1 with a pipe's write end; faultctl stays until the receiver
// closes that descriptor (it has read the message), then exits 0.
TEST_F(FaultctlTest, NotifySendsOneDatagramAndWaitsForTheBarrier) {
  const std::string path = dir_ + "/notify";
  UniqueFd receiver = BindReceiver(path);

  Running running({"notify", "READY=1", "STATUS=serving requests"},
                  {"NOTIFY_SOCKET=" + path});
  Datagram message = ReceiveDatagram(receiver.get());
  EXPECT_EQ(message.text, "READY=1\nSTATUS=serving requests");
  EXPECT_TRUE(message.fds.empty());
  // Sent as faultctl's parent (this test) where the kernel allows it,
  // else as faultctl itself.
  EXPECT_TRUE(message.pid == getpid() || message.pid == running.pid())
      << message.pid;

  Datagram barrier = ReceiveDatagram(receiver.get());
  EXPECT_EQ(barrier.text, "BARRIER=1");
  ASSERT_EQ(barrier.fds.size(), 1u);
  EXPECT_EQ(barrier.pid, message.pid);
  // faultctl waits for us: it cannot have exited while we hold the fd.
  EXPECT_TRUE(StillRunning(running.pid()));

  barrier.fds.clear();  // read and acted on: confirm
  ExitStatus status = running.Wait();
  EXPECT_EQ(status.exit_code(), 0) << running.err();
  EXPECT_EQ(running.err(), "");
  // Exactly two datagrams.
  char data[64];
  EXPECT_LT(recv(receiver.get(), data, sizeof data, MSG_DONTWAIT), 0);
}

// An abstract NOTIFY_SOCKET ("@name") works too.
TEST_F(FaultctlTest, NotifyAbstractSocket) {
  // Unique across concurrent runs (in other PID namespaces, pids repeat).
  const std::string name = "@" + dir_ + "/abstract";
  UniqueFd receiver = BindReceiver(name);
  Running running({"notify", "STATUS=abstract"}, {"NOTIFY_SOCKET=" + name});
  EXPECT_EQ(ReceiveDatagram(receiver.get()).text, "STATUS=abstract");
  Datagram barrier = ReceiveDatagram(receiver.get());
  EXPECT_EQ(barrier.text, "BARRIER=1");
  barrier.fds.clear();
  EXPECT_EQ(running.Wait().exit_code(), 0) << running.err();
}

TEST_F(FaultctlTest, NotifyWithoutSocketExits1) {
  Result r = RunFaultctl({"notify", "READY=1"});
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_EQ(r.err,
            "faultctl: notify: NOTIFY_SOCKET is not set (faultinit sets it "
            "for Type=notify services)\n");

  Result gone =
      RunFaultctl({"notify", "READY=1"}, {"NOTIFY_SOCKET=" + dir_ + "/no"});
  EXPECT_EQ(gone.exit_code(), 1);
  EXPECT_EQ(gone.err, absl::StrCat("faultctl: unable to send to notify "
                                   "socket ",
                                   dir_, "/no: No such file or directory\n"));
}

}  // namespace
