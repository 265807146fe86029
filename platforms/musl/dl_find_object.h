// The record glibc's _dl_find_object(3) (glibc 2.35, <dlfcn.h>) fills, as
// platforms/musl/gcc_runtime_glibc.cc defines that function for libgcc's
// unwinder in the musl builds. Its layout is glibc's public ABI on the
// architectures whose libgcc calls it (x86_64, aarch64: no dlfo_eh_dbase, no
// dlfo_eh_count); dl_find_object_test checks it against glibc's own header
// on every architecture the tests are built for.
#ifndef PLATFORMS_MUSL_DL_FIND_OBJECT_H_
#define PLATFORMS_MUSL_DL_FIND_OBJECT_H_

struct link_map;

namespace fault_musl {

struct DlFindObject {
  unsigned long long flags;
  void* map_start;
  void* map_end;
  struct link_map* link_map;
  void* eh_frame;
  unsigned long long reserved[7];
};

}  // namespace fault_musl

#endif  // PLATFORMS_MUSL_DL_FIND_OBJECT_H_
