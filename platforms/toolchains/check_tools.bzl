"""A repository rule that checks a toolchain's Debian packages are installed.

Each C++ toolchain's files depend on one `tool_check` repository. Bazel
fetches it only when that toolchain is used, so a build for arm64 on a
machine without the cross compiler fails with one line naming the missing
file and the package to install, instead of a compiler-not-found trace.
"""

def _tool_check_impl(ctx):
    for path, package in ctx.attr.files.items():
        if not ctx.path(path).exists:
            fail("%s is missing: install Debian's %s (run tools/setup)" %
                 (path, package))
    ctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % ctx.name)
    ctx.file("BUILD.bazel", "\n".join([
        "filegroup(",
        "    name = \"checked\",",
        "    visibility = [\"//visibility:public\"],",
        ")",
        "",
    ]))

tool_check = repository_rule(
    implementation = _tool_check_impl,
    attrs = {
        # file that must exist -> the Debian package that provides it
        "files": attr.string_dict(mandatory = True),
    },
    local = True,
)
