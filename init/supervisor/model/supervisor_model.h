// File: init/supervisor/model/supervisor_model.h
//
// The supervisor model: a stateful, model-based test of system mode's
// supervision. One run drives the REAL Supervisor and ControlServer (on a
// real scheduler, real control sockets and real pipes) over a FakeWorld
// (fake_world.h: processes and time in memory) through a random sequence
// of steps, every decision taken from a Choices (choices.h):
//
//   unit files   edit, add, remove, break (RestartSec=5x, Requires=missing,
//                Type=sometimes), fix -- in memory (unit_specs.h);
//   reload       a `reload` request, or Supervisor::Reload as SIGHUP does;
//   requests     start, stop, restart (blocking and -nowait), status, an
//                unknown verb; clients that vanish, or never finish a line;
//   processes    exits and crashes, readiness over NotificationFd=, helper
//                processes in a service's group, stubborn processes that
//                ignore all but SIGKILL, spawns failing (EAGAIN, ENOMEM,
//                EMFILE, ENOENT);
//   time         the next timer fires, or the clock jumps ahead;
//
// and then settles (the world behaves: steps finish, notify services say
// READY=1, stubborn processes give in, timers fire) and may power off.
// After every step, the invariants:
//   - the supervisor and the server do not crash (sanitizers: no error);
//   - every answer is one well-formed response (control_clients.h), and
//     after settling every request a client still waits on is answered;
//   - nothing is spawned for a unit that the latest load gives an error,
//     or from a revision older than the latest load's (ExecStop= aside: it
//     stops what runs), or for a unit stopped by request and not started
//     by request since (a start of a unit requests one of what it
//     Requires=, transitively), or once a shutdown began;
//   - each service's state agrees with the processes the fake holds:
//     running: one process of its own, its main pid, is held; starting:
//     exactly one; stopping: at least one (or the stop could never end),
//     at most two; inactive, failed, restarting: none and no pid (a
//     process sent SIGKILL, and helpers it forked, may linger until
//     reaped); a unit the supervisor has forgotten holds no process;
//   - the fake world saw no misuse (a signal to pid 0, -1 or 1; a spawn
//     of an unknown program or outside a session of its own);
//   - after a power-off has settled, every service is down and no process
//     is left.
//
// RunModel stops at the first violation. Not thread-safe. The control
// socket is in a directory made once per process under $TEST_TMPDIR (when
// short enough for a socket's path) or /tmp, removed at exit (a process
// that crashes leaves it behind).

#ifndef FAULT_INIT_SUPERVISOR_MODEL_SUPERVISOR_MODEL_H_
#define FAULT_INIT_SUPERVISOR_MODEL_SUPERVISOR_MODEL_H_

#include <functional>
#include <string>
#include <vector>

#include "init/supervisor/model/choices.h"

namespace faultinit::model {

struct ModelOptions {
  int steps = 100;
  // The supervisor's log level on stderr (0: fatal only; 3: debug).
  int verbosity = 0;
  // Called before each step with its number and what it does, so that a
  // crash handler can name the step that crashed.
  std::function<void(int step, const std::string& what)> on_step;
};

struct ModelResult {
  std::vector<std::string> log;  // "12: stop a (blocking)", one per step
  std::string violation;         // empty when every invariant held
};

ModelResult RunModel(Choices& choices, const ModelOptions& options);

}  // namespace faultinit::model

#endif  // FAULT_INIT_SUPERVISOR_MODEL_SUPERVISOR_MODEL_H_
