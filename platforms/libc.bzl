"""Build the shipped binaries against musl, whatever the rest of the build uses.

faultinit and faultctl are fully static. Against glibc, a static binary
carries about 670 KB of C library before the first line of our code (stdio,
locale and iconv start-up, dlopen for NSS, a dozen string-function variants
per CPU); against musl, about 13 KB. Tests, GoogleTest and the sanitizers
stay on glibc, so the binaries alone change configuration:

    static_binary(name = "faultinit", binary = ":faultinit_bin")

builds `:faultinit_bin` for the musl twin of the current platform
(//platforms:linux_*_musl) and copies it to `faultinit`, the file tests,
tools and users run. With `--//platforms:shipped_libc=glibc` (set by the
asan, tsan and fuzz configs) it is built for the current platform instead.
"""

_MUSL_TWIN = {
    "//platforms:linux_x86_64": "//platforms:linux_x86_64_musl",
    "//platforms:linux_arm64": "//platforms:linux_arm64_musl",
    "//platforms:linux_armv7": "//platforms:linux_armv7_musl",
}

def _libc_setting_impl(ctx):
    value = ctx.build_setting_value
    if value not in ("musl", "glibc"):
        fail("--//platforms:shipped_libc: expected musl or glibc, got %r" % value)
    return []

libc_setting = rule(
    implementation = _libc_setting_impl,
    build_setting = config.string(flag = True),
)

def _platform_name(label):
    text = str(label)
    for prefix in ("@faultinit//", "@//"):
        if text.startswith(prefix):
            return "//" + text[len(prefix):]
    return text

def _to_shipped_libc(settings, attr):
    platforms = settings["//command_line_option:platforms"]
    if settings["//platforms:shipped_libc"] != "musl" or len(platforms) != 1:
        return {"//command_line_option:platforms": platforms}
    twin = _MUSL_TWIN.get(_platform_name(platforms[0]))
    return {"//command_line_option:platforms": [twin] if twin else platforms}

_shipped_libc_transition = transition(
    implementation = _to_shipped_libc,
    inputs = ["//command_line_option:platforms", "//platforms:shipped_libc"],
    outputs = ["//command_line_option:platforms"],
)

def _static_binary_impl(ctx):
    binary = ctx.attr.binary[0][DefaultInfo].files_to_run.executable
    out = ctx.actions.declare_file(ctx.attr.name)
    ctx.actions.run_shell(
        inputs = [binary],
        outputs = [out],
        command = "cp \"$1\" \"$2\" && chmod 0755 \"$2\"",
        arguments = [binary.path, out.path],
        mnemonic = "CopyShippedBinary",
        progress_message = "Copying %s" % out.short_path,
    )
    return [DefaultInfo(
        executable = out,
        files = depset([out]),
        runfiles = ctx.runfiles(files = [out]),
    )]

static_binary = rule(
    implementation = _static_binary_impl,
    attrs = {
        "binary": attr.label(
            mandatory = True,
            executable = True,
            cfg = _shipped_libc_transition,
        ),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
    executable = True,
)
