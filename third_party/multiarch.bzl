"""Debian multiarch library directories, chosen by the target platform."""

TRIPLES = {
    "@//platforms:arm64": "aarch64-linux-gnu",
    "@//platforms:armv7": "arm-linux-gnueabihf",
    "//conditions:default": "x86_64-linux-gnu",
}

def static_group(archives = [], pattern = None):
    """linkopts that link static archives from /usr/lib/TRIPLE as one group.

    Call from a BUILD file of a repository rooted at /usr.

    Args:
      archives: archive file names, in link order.
      pattern: a glob under lib/TRIPLE/ adding more archives.

    Returns:
      A select() of linkopts: the `.a` files by their full paths (never the
      shared objects beside them, and no `-L`, which would put glibc's
      libc.a ahead of musl's in the musl links) inside
      `--start-group`/`--end-group`, because they refer to each other.
    """
    choices = {}
    for setting, triple in TRIPLES.items():
        names = list(archives)
        if pattern:
            names += [
                f.split("/")[-1]
                for f in native.glob(["lib/" + triple + "/" + pattern])
            ]
        choices[setting] = (["-Wl,--start-group"] +
                            ["/usr/lib/%s/%s" % (triple, name) for name in names] +
                            ["-Wl,--end-group"])
    return select(choices)
