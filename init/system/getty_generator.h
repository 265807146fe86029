// File: init/system/getty_generator.h
//
// What systemd-getty-generator (systemd-getty-generator(8)) adds at boot,
// for a root file system whose units expect it: a serial-getty@.service
// instance on each kernel console that is not a virtual terminal, and on
// each virtualizer console present, each added to getty.target's Wants=
// (LayoutInstances::wants, unit_template.h), as the generator's links in
// /run/systemd/generator/getty.target.wants/ would:
//
//   GettyHost host = ...;  // the machine's devices
//   std::vector<std::string> units = SerialGettyUnits(
//       "console=tty1 console=ttyAMA0,115200", "", host);
//   // {"serial-getty@ttyAMA0.service"}
//
// The generator's rules, kept here:
//   - `systemd.getty_auto=0` (or no/false/off) on the kernel command line
//     turns it off (the last such word wins; the word alone means on);
//   - the kernel consoles are /sys/class/tty/console/active's words (the
//     kernel's active consoles, from every console= argument, /dev/console
//     last) or, when that is empty or unreadable, the console= arguments of
//     the command line, each NAME of console=NAME[,OPTIONS] ("/dev/"
//     stripped);
//   - a virtual terminal is passed over (tty0 and ttyN, N from 1 to 63:
//     their gettys are configured by hand, as getty@tty1.service);
//   - a console that is not a terminal when opened (host.is_tty: classic
//     ttyS0 without a UART) is passed over;
//   - the virtualizer consoles hvc0, xvc0, hvsi0, sclp_line0, ttysclp0
//     and 3270/tty1 get one each when /dev has them (host.exists);
//   - the instance is the tty's path escaped (EscapeUnitNamePath):
//     serial-getty@ttyAMA0.service, serial-getty@3270-tty1.service.
// Not done: systemd's container branch (console-getty.service and
// $container_ttys; faultinit runs the generator only as the machine's PID
// 1) and the getty.ttys.* credentials.
//
// Thread safety: pure function over its host; thread-safe when the host
// is, not async-signal-safe.

#ifndef FAULT_INIT_SYSTEM_GETTY_GENERATOR_H_
#define FAULT_INIT_SYSTEM_GETTY_GENERATOR_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace faultinit {

// The unit the serial gettys are wanted by.
inline constexpr char kGettyTarget[] = "getty.target";

// GettyHost: what the generator asks of the machine, by a tty's name under
// /dev ("ttyAMA0", "3270/tty1").
struct GettyHost {
  // Whether /dev/NAME opens (O_NONBLOCK, so that a serial line waits for
  // no carrier) and is a terminal: systemd's verify_tty.
  std::function<bool(const std::string& tty)> is_tty;
  // Whether /dev/NAME exists.
  std::function<bool(const std::string& tty)> exists;
};

// The machine's /dev. Stateless.
GettyHost SystemGettyHost();

// SerialGettyUnits returns the serial-getty@.service instances (with their
// suffix) for kernel command line `cmdline` and the active consoles
// `active_consoles` (the text of /sys/class/tty/console/active, or ""),
// in the order of the consoles, each once.
std::vector<std::string> SerialGettyUnits(absl::string_view cmdline,
                                          absl::string_view active_consoles,
                                          const GettyHost& host);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_GETTY_GENERATOR_H_
