"""@gcc_runtime_ARCH: GCC's C++ runtime for musl, built by tools/gcc-runtime.

tools/setup runs tools/gcc-runtime, which builds libstdc++ (with libsupc++),
libgcc, its unwinder and GCC's start files from Debian's gcc-12 source for
each musl target, with the compilers the musl toolchains use, into the
cache: `$FAULTINIT_CACHE/gcc-runtime/ARCH` (by default
`~/.cache/faultinit/gcc-runtime/ARCH`, as in tools/arch.sh). This rule links
that directory's `include` and `lib` into the repository and declares them:

    :headers   include/c++/**, libstdc++'s headers configured for musl
               (the musl toolchains' compiler inputs, with -isystem)
    :libs      lib/*: libstdc++.a, libsupc++.a, libgcc.a, libgcc_eh.a,
               crtbeginT.o, crtend.o (the linker inputs; the specs files
               in platforms/musl name them by their path in the execroot)

Nothing is built or downloaded here; a missing build fails with one line.
"""

def _runtime_dir(ctx):
    env = ctx.os.environ
    cache = env.get("FAULTINIT_CACHE")
    if not cache:
        base = env.get("XDG_CACHE_HOME") or (env.get("HOME", "") + "/.cache")
        cache = base + "/faultinit"
    return ctx.path("%s/gcc-runtime/%s" % (cache, ctx.attr.arch))

def _gcc_runtime_impl(ctx):
    runtime = _runtime_dir(ctx)
    if not runtime.get_child(".faultinit-version").exists:
        fail("GCC's runtime for musl (%s) is missing from %s: run tools/setup" %
             (ctx.attr.arch, runtime))
    for child in ("include", "lib", ".faultinit-version"):
        ctx.symlink(runtime.get_child(child), child)
    ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % ctx.name)
    ctx.file("BUILD.bazel", "\n".join([
        'package(default_visibility = ["//visibility:public"])',
        "",
        'filegroup(name = "headers", srcs = glob(["include/**"]))',
        "",
        'filegroup(name = "libs", srcs = glob(["lib/*"]))',
        "",
    ]))

gcc_runtime = repository_rule(
    implementation = _gcc_runtime_impl,
    attrs = {
        "arch": attr.string(mandatory = True, values = ["x86_64", "aarch64", "armv7"]),
    },
    environ = ["FAULTINIT_CACHE", "XDG_CACHE_HOME", "HOME"],
    local = True,
)
