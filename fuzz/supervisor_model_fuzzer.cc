// Fuzzes the supervisor's state across sequences of operations: the
// supervisor model (init/supervisor/model/supervisor_model.h) takes every
// decision from the input, one byte each (ByteChoices): which units the
// directory starts with and what they say, then each step (unit edits,
// breaks and fixes, reloads, control requests, exits, crashes, readiness,
// timers, vanishing clients...), until the input runs out; then it
// settles and may power off.
//
// Properties: the model's invariants, after every step (no crash; every
// control answer well-formed, and given once the system settles; nothing
// spawned for a unit with an error, from a stale definition, stopped by
// request or during a shutdown; each service's state agrees with the
// processes the fake world holds). A violation prints the steps that led
// to it.
//
// The seeds in corpus/supervisor_model/ are the decisions of the cc_test's
// seeds (supervisor_model_test, MODEL_WRITE_CORPUS): this target replays
// a seed's run exactly. The regression-* files made the reload defects
// fixed on i24-reload show: a new unit with an error crashed PID 1 (found
// by this target), a reload started a unit stopped by request (seed 3).

#include <signal.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "fuzz/check.h"
#include "init/supervisor/model/choices.h"
#include "init/supervisor/model/supervisor_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The fake world's notification pipes may outlive their reader.
  static const bool ignored = signal(SIGPIPE, SIG_IGN) != SIG_ERR;
  (void)ignored;
  faultinit::model::ByteChoices choices(data, size);
  faultinit::model::ModelOptions options;
  options.steps = 100;  // as the cc_test, so that its seeds replay
  const faultinit::model::ModelResult result =
      faultinit::model::RunModel(choices, options);
  if (!result.violation.empty()) {
    for (const std::string& step : result.log) {
      std::fprintf(stderr, "  %s\n", step.c_str());
    }
    std::fprintf(stderr, "supervisor model: %s\n", result.violation.c_str());
  }
  FUZZ_CHECK(result.violation.empty());
  return 0;
}
