// Transparent huge pages for the heap of the commands that hold hundreds of
// connections. A copy at C=256 grows the heap by ~11 MiB, touched 4 KiB at a
// time: ~3,700 page faults per 2,000 copies, each 10-15 us on this kind of VM
// (~10% of the client's CPU). glibc backs its heap with 2 MiB pages when the
// tunable glibc.malloc.hugetlb=1 is set, which it reads only at start-up: so
// the process re-executes itself once with it set. Measured (`s3loop cp`,
// C=256, +50 ms, 2,000 objects, 12 alternating pairs): faults ~3,700 ->
// ~1,300, client CPU -8% to -10%, peak RSS +2-3 MiB. The same start-up also
// raises glibc's per-thread cache of freed small chunks from 7 to 1,000 per
// size (glibc.malloc.tcache_count): malloc's slow paths 12% -> 10% of the
// samples, client CPU -2% to -6% (28 alternating runs), peak RSS unchanged.
// The second start costs ~10 ms of CPU (loading the libraries again).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace s3loop::cli {

struct HeapPagesPlan {
  // The GLIBC_TUNABLES value to re-execute with; none: run as we are.
  std::optional<std::string> reexec_tunables;
  std::string note;  // what the heap uses and why, for --debug
};

// Pure: `command` is argv[1]; `thp_enabled` the text of
// /sys/kernel/mm/transparent_hugepage/enabled (empty when unreadable or unread);
// `tunables` GLIBC_TUNABLES (nullptr: unset); `reexecuted` whether this
// process is already the re-executed one.
HeapPagesPlan plan_heap_pages(std::string_view command, std::string_view thp_enabled,
                              const char* tunables, bool reexecuted);

// First thing in main: may replace the process (execv of /proc/self/exe with
// the same arguments); returns when it does not, or when that fails.
void use_huge_pages_for_the_heap(int argc, char** argv);

// The plan's note, for --debug ("" before use_huge_pages_for_the_heap).
const std::string& heap_pages_note();

}  // namespace s3loop::cli
