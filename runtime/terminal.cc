#include "runtime/terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/vt.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

namespace fault {
namespace {

void WriteText(int fd, const char* text) {
  size_t left = strlen(text);
  while (left > 0) {
    ssize_t n = write(fd, text, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a full (stopped) terminal: not waited on
    text += n;
    left -= static_cast<size_t>(n);
  }
}

// systemd's terminal_reset_ioctl: exclusive mode off, sane line settings.
void Reset(int fd) {
  (void)ioctl(fd, TIOCNXCL);
  struct termios t;
  if (tcgetattr(fd, &t) == 0) {
    t.c_iflag &= ~(IGNBRK | BRKINT | ISTRIP | INLCR | IGNCR | IUCLC);
    t.c_iflag |= ICRNL | IMAXBEL | IUTF8;
    t.c_oflag |= ONLCR | OPOST;
    t.c_cflag |= CREAD;
    t.c_lflag =
        ISIG | ICANON | IEXTEN | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE;
    t.c_cc[VINTR] = 03;
    t.c_cc[VQUIT] = 034;
    t.c_cc[VERASE] = 0177;
    t.c_cc[VKILL] = 025;
    t.c_cc[VEOF] = 04;
    t.c_cc[VSTART] = 021;
    t.c_cc[VSTOP] = 023;
    t.c_cc[VSUSP] = 032;
    t.c_cc[VLNEXT] = 026;
    t.c_cc[VWERASE] = 027;
    t.c_cc[VREPRINT] = 022;
    t.c_cc[VEOL] = 0;
    t.c_cc[VEOL2] = 0;
    t.c_cc[VTIME] = 0;
    t.c_cc[VMIN] = 1;
    (void)tcsetattr(fd, TCSANOW, &t);
  }
  (void)tcflush(fd, TCIOFLUSH);
  WriteText(fd, "\033c");  // the terminal's own full reset
}

// The N of /dev/ttyN (N >= 1), a virtual console; 0 for any other path.
int VirtualConsole(const char* path) {
  static const char kPrefix[] = "/dev/tty";
  if (strncmp(path, kPrefix, sizeof kPrefix - 1) != 0) return 0;
  const char* p = path + sizeof kPrefix - 1;
  if (*p < '1' || *p > '9') return 0;
  int n = 0;
  for (; *p != '\0'; ++p) {
    if (*p < '0' || *p > '9' || n > 1000) return 0;
    n = n * 10 + (*p - '0');
  }
  return n;
}

void Disallocate(const char* path) {
  const int vt = VirtualConsole(path);
  if (vt == 0) return;
  int console = open("/dev/tty0", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  if (console >= 0) {
    int r = ioctl(console, VT_DISALLOCATE, vt);
    close(console);
    if (r == 0) return;
  }
  // In use (EBUSY): cleared instead, as systemd does.
  int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return;
  WriteText(fd, "\033[r\033[H\033[3J\033[2J");
  close(fd);
}

}  // namespace

void PrepareTerminal(const TerminalOptions& options) {
  if (options.empty()) return;
  const char* path = options.path.c_str();
  if (options.reset || options.hangup) {
    // Non-blocking: a serial line without carrier must not hold the open.
    int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (fd >= 0) {
      if (options.reset) Reset(fd);
      if (options.hangup) (void)ioctl(fd, TIOCVHANGUP);
      close(fd);
    }
  }
  if (options.vt_disallocate) Disallocate(path);
}

int OpenTerminal(const TerminalOptions& options) {
  const char* path = options.path.c_str();
  if (options.input == TerminalOptions::Input::kNone) {
    int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    return fd >= 0 ? fd : -errno;
  }
  // kWait: retried after each close of the terminal by anyone (whoever
  // holds it closing it), as systemd's acquire_terminal does; the
  // descriptor stays open meanwhile, so that the wait sees no close of its
  // own.
  int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return -errno;
  const int force = options.input == TerminalOptions::Input::kForce;
  int watch = -1;
  int error = 0;
  for (;;) {
    if (ioctl(fd, TIOCSCTTY, force) == 0) break;
    error = errno;
    if (error != EPERM || options.input != TerminalOptions::Input::kWait) {
      break;
    }
    if (watch < 0) {
      watch = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
      if (watch < 0 || inotify_add_watch(watch, path, IN_CLOSE) < 0) {
        error = errno;
        break;
      }
      error = 0;
      continue;  // it may have been released before the watch was made
    }
    // A close can come before the owner's session lets the terminal go
    // (an exiting leader closes its files before it gives up its
    // controlling terminal), and no close may follow: so the wait also
    // ends after a second, to try again.
    struct pollfd readable = {watch, POLLIN, 0};
    if (poll(&readable, 1, 1000) > 0) {
      alignas(struct inotify_event) char events[256];
      (void)read(watch, events, sizeof events);  // drained: non-blocking
    }
    error = 0;
  }
  if (watch >= 0) close(watch);
  if (error != 0) {
    close(fd);
    return -error;
  }
  return fd;
}

}  // namespace fault
