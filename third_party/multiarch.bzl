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
      pattern: a glob under lib/TRIPLE/ adding more archives (e.g. all of
        Abseil's libabsl_*.a).

    Returns:
      A select() of linkopts: `-L` the target's multiarch directory, then
      the exact `.a` files (`-l:NAME.a`, never the shared objects beside
      them) inside `--start-group`/`--end-group`, because they refer to
      each other.
    """
    choices = {}
    for setting, triple in TRIPLES.items():
        names = list(archives)
        if pattern:
            names += [
                f.split("/")[-1]
                for f in native.glob(["lib/" + triple + "/" + pattern])
            ]
        choices[setting] = (["-L/usr/lib/" + triple, "-Wl,--start-group"] +
                            ["-l:" + name for name in names] +
                            ["-Wl,--end-group"])
    return select(choices)
