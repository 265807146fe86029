// platforms/musl/dl_find_object.h against glibc's <dlfcn.h>: built (with
// glibc) for each architecture the tests are, so a layout that differs
// fails the build.
#include "platforms/musl/dl_find_object.h"

#include <dlfcn.h>
#include <stddef.h>

#include "gtest/gtest.h"

namespace {

using fault_musl::DlFindObject;

#if !DLFO_STRUCT_HAS_EH_DBASE && !DLFO_STRUCT_HAS_EH_COUNT
static_assert(sizeof(DlFindObject) == sizeof(dl_find_object), "size");
static_assert(offsetof(DlFindObject, flags) ==
                  offsetof(dl_find_object, dlfo_flags),
              "dlfo_flags");
static_assert(offsetof(DlFindObject, map_start) ==
                  offsetof(dl_find_object, dlfo_map_start),
              "dlfo_map_start");
static_assert(offsetof(DlFindObject, map_end) ==
                  offsetof(dl_find_object, dlfo_map_end),
              "dlfo_map_end");
static_assert(offsetof(DlFindObject, link_map) ==
                  offsetof(dl_find_object, dlfo_link_map),
              "dlfo_link_map");
static_assert(offsetof(DlFindObject, eh_frame) ==
                  offsetof(dl_find_object, dlfo_eh_frame),
              "dlfo_eh_frame");
constexpr bool kSameLayout = true;
#else
// ARM's EHABI unwinder never calls _dl_find_object; the musl builds do not
// define it there (gcc_runtime_glibc.cc).
constexpr bool kSameLayout = false;
#endif

TEST(DlFindObject, LayoutIsGlibcsWhereTheUnwinderUsesIt) {
#if defined(__x86_64__) || defined(__aarch64__)
  EXPECT_TRUE(kSameLayout);
#else
  EXPECT_FALSE(kSameLayout);
#endif
}

}  // namespace
