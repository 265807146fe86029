// File: tests/stream_observers.h
//
// What a service's standard streams reach, seen from an integration test:
// a pseudo-terminal the test holds the master of, and the kernel log.
// Every wait is bounded by a generous deadline. Not async-signal-safe;
// test only.

#ifndef FAULT_TESTS_STREAM_OBSERVERS_H_
#define FAULT_TESTS_STREAM_OBSERVERS_H_

#include <string>

#include "runtime/fd.h"

namespace faultinit::testing {

// Pty: a pseudo-terminal; services get the slave.
struct Pty {
  // Open: a new one; `slave` empty when there is none to be had. With
  // `hold`, also `held`, a descriptor of the slave opened now (not as a
  // controlling terminal; invalid when it cannot be).
  static Pty Open(bool hold = false);

  // ReadUntil reads the master into `seen` until `text` is in it; false at
  // the deadline (30 s). While no slave is open (between a hang-up and the
  // service's own open) reads give EIO, which poll cannot wait for: it
  // looks again every 10 ms.
  bool ReadUntil(const std::string& text);

  fault::UniqueFd master, held;
  std::string slave;    // /dev/pts/N
  unsigned tty_nr = 0;  // the slave as /proc/PID/stat's tty_nr shows it
  std::string seen;     // what the master has read
};

// TtyUnit: a service on the terminal `path` (StandardInput=tty, TTYPath=,
// then `keys`, whole lines of [Service]) that writes "NAME-up" there and
// sleeps.
std::string TtyUnit(const std::string& name, const std::string& path,
                    const std::string& keys = "");

// ReadKernelLog: the records of `kmsg` (/dev/kmsg, opened O_NONBLOCK) from
// its position to the end, each "PRI,SEQ,TIME,FLAGS;TEXT\n" (a record
// overwritten before it was read is passed over).
std::string ReadKernelLog(int kmsg);

}  // namespace faultinit::testing

#endif  // FAULT_TESTS_STREAM_OBSERVERS_H_
