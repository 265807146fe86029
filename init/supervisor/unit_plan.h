// File: init/supervisor/unit_plan.h
//
// Loading systemd's layout in a child process, so that PID 1's heap never
// holds what the whole load needs: a root file system installs a hundred
// units or more, of which PID 1 holds a few dozen (needed_units.h), and the
// texts, parsed units and tables of the others, freed once the load is
// done, would leave the allocator's groups they shared with what PID 1
// keeps resident (docs/size.md).
//
// The child loads the whole layout, reports every diagnostic (as PID 1
// would: it writes to the same descriptors), and sends back a UnitPlan:
// which unit files PID 1 is to read, the boot order, and the errors of
// each held unit. PID 1 then reads only those files (unit_layout.h's
// `only`) and ApplyUnitPlan makes the result what the whole load held:
//
//   fault::StatusOr<std::string> sent = RunLoaderChild(
//       [&] { return EncodeUnitPlan(PlanOf(full_load, {})); }, limit);
//   std::optional<UnitPlan> plan = DecodeUnitPlan(*sent);
//   LoadedUnits units = LoadUnits(source, &plan->files);
//   ApplyUnitPlan(*plan, &units);
//
// A child that fails (a fork failure, a crash, a result that does not
// decode, no result within the limit) is the caller's to report; it then
// loads in PID 1 itself.
//
// Thread safety: RunLoaderChild forks (single-threaded callers only) and
// waits for the child; the rest is pure. Not async-signal-safe.

#ifndef FAULT_INIT_SUPERVISOR_UNIT_PLAN_H_
#define FAULT_INIT_SUPERVISOR_UNIT_PLAN_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/strings/string_view.h"
#include "init/system/unit.h"
#include "init/system/unit_directory.h"
#include "init/system/unit_layout.h"
#include "runtime/duration.h"
#include "runtime/status.h"

namespace faultinit {

struct UnitPlan {
  // The file names of the held services and targets ("ssh.service",
  // "multi-user.target") and of the socket units to listen on
  // ("syslog.socket"), as LoadUnitLayout's `only` takes them.
  UnitFileNames files;
  // LoadedUnits::boot of the whole load: its order also follows After=
  // through units PID 1 does not read.
  std::vector<std::string> boot;
  // The error diagnostics of each held unit that has some (by
  // Unit::name): some need the units not read (an ordering cycle through
  // one).
  std::map<std::string, std::vector<Diagnostic>> errors;
  // Every diagnostic the child reported, as text, when the caller asked
  // for them (a reload's answer).
  std::vector<std::string> diagnostics;
};

// PlanOf describes `held`, a whole load after KeepNeededUnits.
UnitPlan PlanOf(const LoadedUnits& held, std::vector<std::string> diagnostics);

std::string EncodeUnitPlan(const UnitPlan& plan);
// Null when `bytes` is not what EncodeUnitPlan makes.
std::optional<UnitPlan> DecodeUnitPlan(absl::string_view bytes);

// ApplyUnitPlan gives `units`, a load of plan.files, the whole load's boot
// order and errors (a unit of plan.files without any has none), and drops
// the load's other diagnostics (the child reported the whole load's). A
// unit the plan does not name (its file appeared between the two loads)
// keeps its own.
void ApplyUnitPlan(const UnitPlan& plan, LoadedUnits* units);

// RunLoaderChild forks a child that runs `fn` and writes its result to a
// pipe, and returns that result once the child has exited 0. Errors, each
// naming what happened: the pipe or fork failed; the child ended otherwise
// (a signal, an exception: exit 1); no result within `limit` (the child is
// killed and reaped first). PID 1 waits at most `limit`: never for a child
// that hangs. Never inlined: its 4 KB read buffer would lie in the
// caller's frame under the load that follows it (PID 1's deepest path:
// the stack pages it touches stay resident).
ABSL_ATTRIBUTE_NOINLINE fault::StatusOr<std::string> RunLoaderChild(
    const std::function<std::string()>& fn, fault::Duration limit);

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_UNIT_PLAN_H_
