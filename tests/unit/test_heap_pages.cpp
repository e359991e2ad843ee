// When s3loop re-executes itself for a heap of transparent huge pages.
#include "heap_pages.hpp"

#include <gtest/gtest.h>

namespace s3loop::cli {
namespace {

constexpr const char* kMadvise = "always [madvise] never\n";

TEST(HeapPages, CpAndSelectAskForHugePagesWhenTheKernelWaitsToBeAsked) {
  for (const char* command : {"cp", "select"}) {
    const auto plan = plan_heap_pages(command, kMadvise, nullptr, false);
    ASSERT_TRUE(plan.reexec_tunables) << command;
    EXPECT_EQ(*plan.reexec_tunables, "glibc.malloc.hugetlb=1:glibc.malloc.tcache_count=1000");
  }
  // Other tunables are kept.
  auto plan = plan_heap_pages("cp", kMadvise, "glibc.malloc.arena_max=2", false);
  ASSERT_TRUE(plan.reexec_tunables);
  EXPECT_EQ(*plan.reexec_tunables,
            "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1:glibc.malloc.tcache_count=1000");
  // So is the user's own cache size.
  plan = plan_heap_pages("select", kMadvise, "glibc.malloc.tcache_count=0", false);
  ASSERT_TRUE(plan.reexec_tunables);
  EXPECT_EQ(*plan.reexec_tunables, "glibc.malloc.tcache_count=0:glibc.malloc.hugetlb=1");
}

TEST(HeapPages, NoReexecutionWhereItCannotHelpOrWasDone) {
  // Once only.
  auto plan = plan_heap_pages("cp", kMadvise,
                              "glibc.malloc.hugetlb=1:glibc.malloc.tcache_count=1000", true);
  EXPECT_FALSE(plan.reexec_tunables);
  EXPECT_EQ(
      plan.note,
      "2 MiB transparent huge pages "
      "(GLIBC_TUNABLES=glibc.malloc.hugetlb=1:glibc.malloc.tcache_count=1000, set by s3loop)");
  // The user's own setting stands, 0 included.
  plan = plan_heap_pages("cp", kMadvise, "glibc.malloc.hugetlb=0", false);
  EXPECT_FALSE(plan.reexec_tunables);
  EXPECT_EQ(plan.note, "as GLIBC_TUNABLES sets glibc.malloc.hugetlb (glibc.malloc.hugetlb=0)");
  // Commands with few connections, and kernels with nothing to ask for.
  for (const char* command : {"ls", "mb", "compare", "--help", ""}) {
    EXPECT_FALSE(plan_heap_pages(command, kMadvise, nullptr, false).reexec_tunables) << command;
  }
  EXPECT_FALSE(plan_heap_pages("cp", "always madvise [never]\n", nullptr, false).reexec_tunables);
  EXPECT_FALSE(plan_heap_pages("cp", "[always] madvise never\n", nullptr, false).reexec_tunables);
  EXPECT_FALSE(plan_heap_pages("cp", "", nullptr, false).reexec_tunables);
}

}  // namespace
}  // namespace s3loop::cli
