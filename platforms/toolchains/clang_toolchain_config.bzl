"""A clang toolchain configuration for faultinit's fuzz targets (--config=fuzz).

One rule, `clang_toolchain_config`, describes Debian's clang 14 driver
(`clang++-14`) for x86_64, linking libstdc++ like the GCC toolchain does, so
Debian's GCC-built Abseil and GoogleTest archives link unchanged (same C++
ABI, same standard library). It is chosen only on the platform
//platforms:linux_x86_64_fuzz (see platforms/toolchains/BUILD.bazel). Its
features:

  opt / dbg / fastbuild   the compilation modes (`opt` keeps -g: fuzzing
                          reports need line numbers)
  asan / ubsan            AddressSanitizer, UndefinedBehaviorSanitizer
  sanitized               -DFAULT_SANITIZED=1, as in the GCC toolchain
  fuzzer                  -fsanitize=fuzzer-no-link everywhere: libFuzzer's
                          coverage instrumentation; a fuzz target adds
                          -fsanitize=fuzzer when it links (fuzz/fuzz.bzl)
  fully_static_link       accepted and empty: the sanitizers cannot link
                          fully static (.bazelrc turns it off for fuzz)
"""

load(
    "@bazel_tools//tools/cpp:cc_toolchain_config_lib.bzl",
    "feature",
    "flag_group",
    "flag_set",
    "tool_path",
)
load("@bazel_tools//tools/build_defs/cc:action_names.bzl", "ACTION_NAMES")

_COMPILE = [
    ACTION_NAMES.c_compile,
    ACTION_NAMES.cpp_compile,
    ACTION_NAMES.cpp_header_parsing,
    ACTION_NAMES.cpp_module_compile,
    ACTION_NAMES.assemble,
    ACTION_NAMES.preprocess_assemble,
]
_CXX = [
    ACTION_NAMES.cpp_compile,
    ACTION_NAMES.cpp_header_parsing,
    ACTION_NAMES.cpp_module_compile,
]
_LINK = [
    ACTION_NAMES.cpp_link_executable,
    ACTION_NAMES.cpp_link_dynamic_library,
    ACTION_NAMES.cpp_link_nodeps_dynamic_library,
]

def _flags(actions, flags):
    return flag_set(actions = actions, flag_groups = [flag_group(flags = flags)])

def _feature(name, compile = [], link = [], enabled = False):
    sets = []
    if compile:
        sets.append(_flags(_COMPILE, compile))
    if link:
        sets.append(_flags(_LINK, link))
    return feature(name = name, enabled = enabled, flag_sets = sets)

def _impl(ctx):
    suffix = ctx.attr.version_suffix
    tool_paths = [
        tool_path(name = "gcc", path = "/usr/bin/clang++" + suffix),
        tool_path(name = "cpp", path = "/usr/bin/clang-cpp" + suffix),
        tool_path(name = "ar", path = "/usr/bin/llvm-ar" + suffix),
        tool_path(name = "nm", path = "/usr/bin/llvm-nm" + suffix),
        tool_path(name = "objcopy", path = "/usr/bin/llvm-objcopy" + suffix),
        tool_path(name = "objdump", path = "/usr/bin/llvm-objdump" + suffix),
        tool_path(name = "strip", path = "/usr/bin/llvm-strip" + suffix),
        tool_path(name = "gcov", path = "/usr/bin/llvm-cov" + suffix),
        tool_path(name = "ld", path = "/usr/bin/ld"),
    ]

    default_compile = feature(
        name = "default_compile_flags",
        enabled = True,
        flag_sets = [
            _flags(_COMPILE, [
                "-U_FORTIFY_SOURCE",
                "-fstack-protector-strong",
                "-fno-omit-frame-pointer",
                "-Wall",
                "-Wextra",
                "-Wno-unused-parameter",
                "-Wno-missing-field-initializers",
                # Warnings that catch wrong code are errors, in every toolchain:
                # a switch over an enum that misses a value (a state or verb
                # added and left unhandled), a function that can end without
                # returning its value, a case that falls into the next without
                # [[fallthrough]], and a result marked to be checked that is not.
                "-Werror=switch",
                "-Werror=return-type",
                "-Werror=implicit-fallthrough",
                "-Werror=unused-result",
                # Reproducible builds.
                "-Wno-builtin-macro-redefined",
                "-D__DATE__=\"redacted\"",
                "-D__TIMESTAMP__=\"redacted\"",
                "-D__TIME__=\"redacted\"",
            ]),
            _flags(_CXX, ["-std=c++17"]),
        ],
    )
    default_link = feature(
        name = "default_link_flags",
        enabled = True,
        flag_sets = [_flags(_LINK, [
            "-Wl,-z,relro,-z,now",
            "-pthread",
        ])],
    )
    features = [
        default_compile,
        default_link,
        _feature("supports_start_end_lib", enabled = False),
        _feature("opt", compile = ["-O1", "-g", "-DNDEBUG"]),
        _feature("dbg", compile = ["-O0", "-g"]),
        _feature("fastbuild", compile = ["-O1", "-g"]),
        _feature("fully_static_link"),
        _feature(
            "asan",
            compile = ["-fsanitize=address", "-g"],
            link = ["-fsanitize=address"],
        ),
        _feature(
            "ubsan",
            compile = ["-fsanitize=undefined", "-fno-sanitize-recover=all", "-g"],
            link = ["-fsanitize=undefined"],
        ),
        _feature("sanitized", compile = ["-DFAULT_SANITIZED=1"]),
        _feature(
            "fuzzer",
            compile = ["-fsanitize=fuzzer-no-link"],
            link = ["-fsanitize=fuzzer-no-link"],
        ),
    ]

    return cc_common.create_cc_toolchain_config_info(
        ctx = ctx,
        features = features,
        cxx_builtin_include_directories = ctx.attr.builtin_include_directories,
        toolchain_identifier = ctx.attr.name,
        host_system_name = "x86_64-linux-gnu",
        target_system_name = "x86_64-linux-gnu",
        target_cpu = "k8",
        target_libc = "glibc",
        compiler = "clang",
        abi_version = "clang-14",
        abi_libc_version = "glibc",
        tool_paths = tool_paths,
    )

clang_toolchain_config = rule(
    implementation = _impl,
    attrs = {
        # "-14": Debian's versioned names (/usr/bin/clang++-14).
        "version_suffix": attr.string(mandatory = True),
        "builtin_include_directories": attr.string_list(mandatory = True),
    },
    provides = [CcToolchainConfigInfo],
)
