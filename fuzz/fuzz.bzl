"""fuzz_target: one libFuzzer target and the test that replays its corpus.

    fuzz_target(
        name = "duration",
        srcs = ["duration_fuzzer.cc"],
        deps = ["//runtime:duration"],
    )

makes

  :duration              the libFuzzer binary. Built only with --config=fuzz
                         (clang, ASan+UBSan): it is compatible with
                         //platforms:linux_x86_64_fuzz alone and tagged
                         "manual", so `bazel test //...` and the other
                         configs skip it. tools/fuzz runs it on a copy of
                         corpus/duration/.
  :duration_corpus_test  a cc_test that feeds every file of corpus/duration/
                         (the seeds and every reproducer of a bug found) to
                         the same LLVMFuzzerTestOneInput, in every config
                         (host, arm64, armv7, asan): the corpus is a
                         regression suite.

The target's source defines `extern "C" int LLVMFuzzerTestOneInput(const
uint8_t*, size_t)` and checks its properties with FUZZ_CHECK (check.h).
"""

def fuzz_target(name, srcs, deps = []):
    corpus = native.glob(["corpus/%s/**" % name])
    native.cc_binary(
        name = name,
        srcs = srcs + ["check.h"],
        deps = deps,
        # The libFuzzer driver (main); the code is instrumented by the
        # toolchain's "fuzzer" feature (--config=fuzz).
        linkopts = ["-fsanitize=fuzzer"],
        tags = [
            "fuzz_target",
            "manual",
        ],
        target_compatible_with = ["//platforms:clang"],
        testonly = True,
    )
    native.cc_test(
        name = name + "_corpus_test",
        srcs = srcs + ["check.h"],
        args = ["fuzz/corpus/" + name],
        data = corpus,
        deps = deps + [":replay_main"],
    )
