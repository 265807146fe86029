# The size figure: stripped static binaries per architecture, faultinit
# against tini-static and catatonit (Debian's builds for that architecture).
# shellcheck shell=bash
for arch in x86_64 aarch64 armv7; do
  arch_select "$arch"
  table_begin "size-$arch" "Static binary size, $arch, stripped bytes" "bytes"
  bazel build -c opt "${BAZEL_CONFIG[@]}" //init:faultinit >/dev/null 2>&1
  b=$(bazel info -c opt "${BAZEL_CONFIG[@]}" bazel-bin 2>/dev/null)/init/faultinit
  case $arch in x86_64) s=strip ;; aarch64) s=aarch64-linux-gnu-strip ;; armv7) s=arm-linux-gnueabihf-strip ;; esac
  $s -o "$work/faultinit-$arch" "$b"
  n=$(stat -c %s "$work/faultinit-$arch")
  table_row faultinit "$n" "$n"
  for peer in tini-static catatonit; do
    package=${peer%-static}
    if [ "$arch" = x86_64 ]; then
      file=$(command -v "$peer")
    else
      deb=$(deb_fetch "$package:$DEB_ARCH") || continue
      rm -rf "$work/deb" && mkdir -p "$work/deb"
      dpkg-deb -x "$deb" "$work/deb"
      file="$work/deb/usr/bin/$peer"
    fi
    n=$(stat -c %s "$file")
    table_row "$peer" "$n" "$n"
  done
  table_end
done
