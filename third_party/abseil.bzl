"""@com_google_absl: Debian's source package of Abseil, unpacked by tools/setup.

tools/setup fetches the source once (`apt-get source abseil`, Debian's
patches applied) into the cache, `$FAULTINIT_CACHE/abseil-src`
(by default `~/.cache/faultinit/abseil-src`, as in tools/arch.sh). This rule
links its top-level entries into the repository, so that Abseil's own
BUILD.bazel files build it with faultinit's toolchains: musl for the
shipped binaries, glibc for the tests, each for the target CPU. Nothing is
downloaded at build time; a missing source fails the build with one line.
"""

def _source_dir(ctx):
    env = ctx.os.environ
    cache = env.get("FAULTINIT_CACHE")
    if not cache:
        base = env.get("XDG_CACHE_HOME") or (env.get("HOME", "") + "/.cache")
        cache = base + "/faultinit"
    return ctx.path(cache + "/abseil-src")

def _abseil_source_impl(ctx):
    source = _source_dir(ctx)
    if not source.get_child("absl").get_child("base").get_child("options.h").exists:
        fail("Abseil's source is missing from %s: run tools/setup" % source)
    for child in source.readdir():
        # Abseil's WORKSPACE downloads its test dependencies; this
        # repository needs only its name.
        if child.basename not in ("WORKSPACE", "WORKSPACE.bazel"):
            ctx.symlink(child, child.basename)
    ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % ctx.name)

abseil_source = repository_rule(
    implementation = _abseil_source_impl,
    environ = ["FAULTINIT_CACHE", "XDG_CACHE_HOME", "HOME"],
    local = True,
)
