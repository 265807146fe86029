"""faultinit_test: one integration test of tests/, a cc_test of the real
binaries.

    faultinit_test(
        name = "control_test",
        tags = ["no-sandbox", "no_qemu"],
        deps = ["//runtime:fd"],
    )

is the cc_test `control_test` of control_test.cc, size "medium" unless
`size` says otherwise, with faultinit itself in its data
(//init:faultinit) and the harness, absl/strings and gtest_main in its
deps, with what `data` and `deps` add. Every other attribute (tags,
timeout, args...) is the caller's, as given: each test states its own tags
and why.
"""

_DATA = ["//init:faultinit"]

_DEPS = [
    ":harness",
    "@com_google_absl//absl/strings",
    "@com_google_googletest//:gtest_main",
]

def _label_order(label):
    # Buildifier's order of labels: this package's (":x") first, then the
    # workspace's ("//..."), then external ones ("@..."), each by package,
    # then by name. The lists read as a hand-written rule's would (bazel
    # query --output=build shows each test as it was before the macro).
    phase = 0 if label.startswith(":") else 1 if label.startswith("//") else 2
    return (phase, label.split(":"))

def faultinit_test(name, size = "medium", data = [], deps = [], **kwargs):
    native.cc_test(
        name = name,
        size = size,
        srcs = [name + ".cc"],
        data = sorted(_DATA + data, key = _label_order),
        deps = sorted(_DEPS + deps, key = _label_order),
        **kwargs
    )
