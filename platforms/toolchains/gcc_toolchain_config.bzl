"""A GCC toolchain configuration for faultinit: host gcc and Debian's cross gcc.

One rule, `gcc_toolchain_config`, describes a Debian GCC driver (`g++`,
`aarch64-linux-gnu-g++`, `arm-linux-gnueabihf-g++`). Its features:

  opt / dbg / fastbuild   the compilation modes (`opt` is -Os with per-function
                          sections, so `--gc-sections` can drop what is unused,
                          and link-time optimization: -4% of the static
                          binary on x86_64, -7% on arm64)
  fully_static_link       `-static`: on for faultinit/faultctl, and for every
                          binary in the cross configs (they run under qemu-user)
  asan / ubsan / tsan     the sanitizers (`--config=asan`, `--config=tsan`)

With `libc = "musl"` the same driver compiles against Debian's musl-dev
instead (`extra_compile_flags` then carries -nostdinc and the include
directories, `extra_link_flags` -static and a specs file; see
platforms/musl/BUILD.bazel).
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

def _feature(name, compile = [], link = [], enabled = False, implies = []):
    sets = []
    if compile:
        sets.append(_flags(_COMPILE, compile))
    if link:
        sets.append(_flags(_LINK, link))
    return feature(name = name, enabled = enabled, flag_sets = sets, implies = implies)

def _impl(ctx):
    prefix = ctx.attr.tool_prefix
    tools = ["ar", "cpp", "gcov", "ld", "nm", "objcopy", "objdump", "strip"]
    tool_paths = [tool_path(name = t, path = "/usr/bin/" + prefix + t) for t in tools]

    # The C++ driver links libstdc++ in the right place for static links.
    tool_paths.append(tool_path(name = "gcc", path = "/usr/bin/" + prefix + "g++"))

    default_compile = feature(
        name = "default_compile_flags",
        enabled = True,
        flag_sets = [
            _flags(_COMPILE, [
                "-U_FORTIFY_SOURCE",
                "-fstack-protector-strong",
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
            ] + ctx.attr.extra_compile_flags),
            _flags(_CXX, ["-std=c++17"]),
        ],
    )
    default_link = feature(
        name = "default_link_flags",
        enabled = True,
        flag_sets = [_flags(_LINK, [
            "-Wl,--gc-sections",
            "-Wl,-z,relro,-z,now",
            "-pthread",
        ] + ctx.attr.extra_link_flags)],
    )
    features = [
        default_compile,
        default_link,
        _feature("supports_start_end_lib", enabled = False),
        _feature(
            "opt",
            compile = [
                "-Os",
                "-DNDEBUG",
                "-ffunction-sections",
                "-fdata-sections",
                # Our objects carry GCC's IR; the link optimizes them as one
                # (Debian's prebuilt archives stay as they are). -flto=auto
                # runs the link's code generation in parallel.
                "-flto=auto",
            ],
            link = ["-flto=auto", "-Os"],
        ),
        _feature("dbg", compile = ["-g", "-O0"]),
        _feature("fastbuild", compile = ["-O1", "-ffunction-sections", "-fdata-sections"]),
        _feature("fully_static_link", link = ["-static"]),
        _feature(
            "asan",
            compile = ["-fsanitize=address", "-fno-omit-frame-pointer", "-g"],
            link = ["-fsanitize=address"],
        ),
        _feature(
            "ubsan",
            compile = ["-fsanitize=undefined", "-fno-sanitize-recover=all", "-g"],
            link = ["-fsanitize=undefined"],
        ),
        _feature(
            "tsan",
            compile = ["-fsanitize=thread", "-g"],
            link = ["-fsanitize=thread"],
        ),
        # Marks the build as sanitized, for `select()`-free checks in code.
        _feature("sanitized", compile = ["-DFAULT_SANITIZED=1"]),
    ]

    return cc_common.create_cc_toolchain_config_info(
        ctx = ctx,
        features = features,
        cxx_builtin_include_directories = ctx.attr.builtin_include_directories,
        toolchain_identifier = ctx.attr.name,
        host_system_name = "x86_64-linux-gnu",
        target_system_name = ctx.attr.target_system_name,
        target_cpu = ctx.attr.target_cpu,
        target_libc = ctx.attr.libc,
        compiler = "gcc",
        abi_version = "gcc-12",
        abi_libc_version = ctx.attr.libc,
        tool_paths = tool_paths,
    )

gcc_toolchain_config = rule(
    implementation = _impl,
    attrs = {
        "tool_prefix": attr.string(default = ""),
        "target_cpu": attr.string(mandatory = True),
        "target_system_name": attr.string(mandatory = True),
        "builtin_include_directories": attr.string_list(mandatory = True),
        "extra_compile_flags": attr.string_list(default = []),
        "extra_link_flags": attr.string_list(default = []),
        "libc": attr.string(default = "glibc", values = ["glibc", "musl"]),
    },
    provides = [CcToolchainConfigInfo],
)
