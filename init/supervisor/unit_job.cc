// UnitJob's table (unit_job.h, design note): every state x event cell
// written out.

#include "init/supervisor/unit_job.h"

namespace faultinit {

absl::string_view UnitJobName(UnitJob job) {
  switch (job) {
    case UnitJob::kNone:
      return "none";
    case UnitJob::kStart:
      return "start";
    case UnitJob::kForget:
      return "forget";
    case UnitJob::kReplace:
      return "replace";
    case UnitJob::kReplaceThenStart:
      return "replace-then-start";
  }
  return "unknown";
}

absl::string_view UnitJobEventName(UnitJobEvent event) {
  switch (event) {
    case UnitJobEvent::kStartRequested:
      return "start requested";
    case UnitJobEvent::kStartCancelled:
      return "start cancelled";
    case UnitJobEvent::kStartTaken:
      return "start taken";
    case UnitJobEvent::kFileSame:
      return "file same";
    case UnitJobEvent::kFileChanged:
      return "file changed";
    case UnitJobEvent::kFileGone:
      return "file gone";
    case UnitJobEvent::kRunOver:
      return "run over";
    case UnitJobEvent::kDown:
      return "down";
    case UnitJobEvent::kShutdown:
      return "shutdown";
    case UnitJobEvent::kFileGoneKept:
      return "file gone, kept";
    case UnitJobEvent::kFileBack:
      return "file back";
  }
  return "unknown";
}

namespace {

constexpr UnitJob kNone = UnitJob::kNone;
constexpr UnitJob kStart = UnitJob::kStart;
constexpr UnitJob kForget = UnitJob::kForget;
constexpr UnitJob kReplace = UnitJob::kReplace;
constexpr UnitJob kThenStart = UnitJob::kReplaceThenStart;
constexpr bool kStop = true;
constexpr bool kKeep = false;

// Columns, in UnitJobEvent's order: start requested, start cancelled,
// start taken, file same, file changed, file gone, run over, down,
// shutdown, file gone kept, file back.
//
// Reasons for the cells that are not obvious:
//   - a reload's change drops a queued start: it was for the old
//     definition (one with an error must not run); the swap queues the
//     start again unless a stop was requested.
//   - a unit a reload removed takes no start (it is listed only until its
//     processes are gone); back in the next reload (file same or changed)
//     it is stopped for a replacement, and starts again after the swap.
//   - a replacement waiting when the file is read again is replaced by
//     what the file says now (also when that is the loaded definition
//     again), and the unit is stopped again (a no-op while it stops).
//   - kDown ends a reload's wait: forget (the entry is then erased) and
//     replace* (the new definition swapped in) become none.
//   - a shutdown drops queued starts and replacements (no swap is made
//     in a shutdown), and keeps forget (the unit is forgotten once down).
//   - a daemon-reload stops nothing: a unit whose file is gone is to be
//     forgotten (its queued start dropped, a swap dropped: a stop in
//     flight completes), and one being forgotten whose file is back is
//     kept as it is.
constexpr UnitJobCell kUnitJobTable[kUnitJobs][kUnitJobEvents] = {
    // none
    {{kStart, kKeep},
     {kNone, kKeep},
     {kNone, kKeep},
     {kNone, kKeep},
     {kReplace, kStop},
     {kForget, kStop},
     {kForget, kKeep},
     {kNone, kKeep},
     {kNone, kKeep},
     {kForget, kKeep},
     {kNone, kKeep}},
    // start
    {{kStart, kKeep},
     {kNone, kKeep},
     {kNone, kKeep},
     {kStart, kKeep},
     {kReplace, kStop},
     {kForget, kStop},
     {kForget, kKeep},
     {kStart, kKeep},
     {kNone, kKeep},
     {kForget, kKeep},
     {kStart, kKeep}},
    // forget
    {{kForget, kKeep},
     {kForget, kKeep},
     {kForget, kKeep},
     {kReplace, kStop},
     {kReplace, kStop},
     {kForget, kKeep},
     {kForget, kKeep},
     {kNone, kKeep},
     {kForget, kKeep},
     {kForget, kKeep},
     {kNone, kKeep}},
    // replace
    {{kThenStart, kKeep},
     {kReplace, kKeep},
     {kReplace, kKeep},
     {kReplace, kStop},
     {kReplace, kStop},
     {kForget, kStop},
     {kForget, kKeep},
     {kNone, kKeep},
     {kNone, kKeep},
     {kForget, kKeep},
     {kReplace, kKeep}},
    // replace-then-start
    {{kThenStart, kKeep},
     {kReplace, kKeep},
     {kThenStart, kKeep},
     {kReplace, kStop},
     {kReplace, kStop},
     {kForget, kStop},
     {kForget, kKeep},
     {kNone, kKeep},
     {kNone, kKeep},
     {kForget, kKeep},
     {kThenStart, kKeep}},
};

}  // namespace

UnitJobCell UnitJobTransition(UnitJob job, UnitJobEvent event) {
  return kUnitJobTable[static_cast<int>(job)][static_cast<int>(event)];
}

}  // namespace faultinit
