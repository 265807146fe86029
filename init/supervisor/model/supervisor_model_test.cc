// The supervisor model (supervisor_model.h) over many seeds: a bounded,
// reproducible run of the stateful test. A failure names its seed, the
// violated invariant and the steps before it; a crash names the seed and
// the step it crashed in. To rerun one seed with every step printed:
//
//   bazel test //init/supervisor/model:supervisor_model_test
//     --test_env=MODEL_SEED=42 [--test_env=MODEL_VERBOSE=1] --test_output=all
//
// MODEL_SEEDS (default 300) and MODEL_STEPS (default 100) change the
// bounds; MODEL_FIRST_SEED (default 1) where the seeds begin; a few seeds
// that found defects (kRegressionSeeds) run as well.
// MODEL_WRITE_CORPUS=DIR writes, for each seed run, the fuzz input that
// makes //fuzz:supervisor_model take the same decisions (DIR/seed-N).

#include "init/supervisor/model/supervisor_model.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "init/supervisor/model/choices.h"

namespace faultinit::model {
namespace {

// What a crash handler prints: the seed and step being run.
char crash_context[512];

void OnCrash(int) {
  const size_t n = strnlen(crash_context, sizeof crash_context);
  (void)!write(STDERR_FILENO, crash_context, n);
}

void InstallCrashHandler() {
  struct sigaction action = {};
  action.sa_handler = OnCrash;
  action.sa_flags = SA_RESETHAND;
  for (int signo : {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL}) {
    sigaction(signo, &action, nullptr);
  }
}

int EnvInt(const char* name, int fallback) {
  const char* value = getenv(name);
  int out = 0;
  return value != nullptr && absl::SimpleAtoi(value, &out) ? out : fallback;
}

TEST(SupervisorModel, RandomSequencesKeepTheInvariants) {
  // The fake's notification pipes may outlive their reader.
  signal(SIGPIPE, SIG_IGN);
  InstallCrashHandler();
  const int only = EnvInt("MODEL_SEED", 0);
  const int first = only != 0 ? only : EnvInt("MODEL_FIRST_SEED", 1);
  const int seeds = only != 0 ? 1 : EnvInt("MODEL_SEEDS", 300);
  ModelOptions options;
  options.steps = EnvInt("MODEL_STEPS", 100);
  options.verbosity = EnvInt("MODEL_VERBOSE", 0) != 0 ? 3 : 0;
  const char* corpus = getenv("MODEL_WRITE_CORPUS");
  // The seeds that found a defect once, beyond the default range, run
  // every time: 1330 and 1436, a stop overtaken by a start whose attempts
  // keep failing, answered only once the unit settles (never); 1376 and
  // 1502, a unit restarting after failed start steps that spawned them
  // again while a shutdown waited for its followers.
  constexpr int kRegressionSeeds[] = {1330, 1376, 1436, 1502};
  std::vector<int> all;
  for (int seed = first; seed < first + seeds; ++seed) all.push_back(seed);
  if (only == 0) {
    for (int seed : kRegressionSeeds) {
      if (seed < first || seed >= first + seeds) all.push_back(seed);
    }
  }
  int failures = 0;
  for (int seed : all) {
    options.on_step = [seed, only](int step, const std::string& what) {
      snprintf(crash_context, sizeof crash_context,
               "\nsupervisor model: crashed in seed %d, step %d (%s); "
               "rerun with --test_env=MODEL_SEED=%d\n",
               seed, step, what.c_str(), seed);
      if (only != 0) fprintf(stderr, "model: %s\n", what.c_str());
    };
    SeededChoices seeded(static_cast<uint64_t>(seed));
    RecordingChoices choices(seeded);
    ModelResult result = RunModel(choices, options);
    if (corpus != nullptr) {
      const std::string path = absl::StrCat(corpus, "/seed-", seed);
      FILE* f = fopen(path.c_str(), "wbe");
      ASSERT_NE(f, nullptr) << path;
      fwrite(choices.bytes().data(), 1, choices.bytes().size(), f);
      fclose(f);
    }
    if (result.violation.empty()) continue;
    std::string steps;
    const size_t from = result.log.size() > 40 ? result.log.size() - 40 : 0;
    for (size_t i = from; i < result.log.size(); ++i) {
      absl::StrAppend(&steps, "  ", result.log[i], "\n");
    }
    ADD_FAILURE() << "seed " << seed << ": " << result.violation
                  << "\nthe last steps:\n"
                  << steps << "rerun: --test_env=MODEL_SEED=" << seed;
    if (++failures >= EnvInt("MODEL_MAX_FAILURES", 5)) break;
  }
  crash_context[0] = '\0';
}

}  // namespace
}  // namespace faultinit::model
