#include "heap_pages.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

namespace s3loop::cli {
namespace {

constexpr std::string_view kTunable = "glibc.malloc.hugetlb";
// glibc keeps 7 freed chunks of each small size per thread by default. The
// loop frees hundreds of same-sized chunks in a burst (a poll completes many
// exchanges at once), and the rest fall through to the slower shared bins.
constexpr std::string_view kCacheTunable = "glibc.malloc.tcache_count";
constexpr std::string_view kCacheCount = "1000";
// Set for the re-executed process only, so that it never executes again.
constexpr const char* kReexecMarker = "S3LOOP_HEAP_PAGES_REEXEC";

// Only these hold enough connections at once to gain.
bool gains_from_huge_pages(std::string_view command) {
  return command == "cp" || command == "select";
}

std::string& note_storage() {
  static std::string note;
  return note;
}

}  // namespace

HeapPagesPlan plan_heap_pages(std::string_view command, std::string_view thp_enabled,
                              const char* tunables, bool reexecuted) {
  HeapPagesPlan plan;
  const std::string_view set_tunables = tunables != nullptr ? tunables : "";
  if (reexecuted) {
    plan.note = "2 MiB transparent huge pages (GLIBC_TUNABLES=" + std::string(set_tunables) +
                ", set by s3loop)";
  } else if (!gains_from_huge_pages(command)) {
    plan.note = "4 KiB pages (only cp and select hold enough connections to gain)";
  } else if (set_tunables.find(kTunable) != std::string_view::npos) {
    plan.note =
        "as GLIBC_TUNABLES sets " + std::string(kTunable) + " (" + std::string(set_tunables) + ")";
  } else if (thp_enabled.find("[madvise]") != std::string_view::npos) {
    std::string value = std::string(set_tunables);
    auto add = [&value](std::string_view tunable) {
      if (!value.empty()) value += ':';
      value += tunable;
    };
    add(std::string(kTunable) + "=1");
    // The user's own cache size stands.
    if (set_tunables.find(kCacheTunable) == std::string_view::npos) {
      add(std::string(kCacheTunable) + "=" + std::string(kCacheCount));
    }
    plan.reexec_tunables = std::move(value);
  } else if (thp_enabled.find("[always]") != std::string_view::npos) {
    plan.note = "transparent huge pages wherever the kernel can (its mode is always)";
  } else {
    plan.note = "4 KiB pages (the kernel offers no transparent huge pages to ask for)";
  }
  return plan;
}

void use_huge_pages_for_the_heap(int argc, char** argv) {
  // The marker holds what GLIBC_TUNABLES was before the re-execution: "="
  // and its value, or "-" when it was not set. glibc has read the tunables
  // by now, so it is put back once the plan has read them too: what this
  // process runs (a credential_process) gets the user's environment.
  const char* marker = std::getenv(kReexecMarker);
  const bool reexecuted = marker != nullptr;
  const std::string tunables_before = reexecuted ? marker : "";
  if (reexecuted) ::unsetenv(kReexecMarker);  // not for anything this process runs
  const std::string_view command = argc > 1 ? argv[1] : "";
  std::string thp_enabled;  // read only where the answer can matter
  if (!reexecuted && gains_from_huge_pages(command)) {
    if (std::ifstream file("/sys/kernel/mm/transparent_hugepage/enabled"); file) {
      thp_enabled.assign(std::istreambuf_iterator<char>(file), {});
    }
  }
  HeapPagesPlan plan =
      plan_heap_pages(command, thp_enabled, std::getenv("GLIBC_TUNABLES"), reexecuted);
  if (reexecuted && tunables_before.starts_with('=')) {
    ::setenv("GLIBC_TUNABLES", tunables_before.c_str() + 1, 1);
  } else if (reexecuted && tunables_before == "-") {
    ::unsetenv("GLIBC_TUNABLES");
  }
  if (plan.reexec_tunables) {
    const char* before = std::getenv("GLIBC_TUNABLES");
    const std::string restore = before != nullptr ? before : "";
    ::setenv("GLIBC_TUNABLES", plan.reexec_tunables->c_str(), 1);
    ::setenv(kReexecMarker, before != nullptr ? ("=" + restore).c_str() : "-", 1);
    ::execv("/proc/self/exe", argv);
    // Still here: run as we are, the environment as it was.
    const int error = errno;
    if (before != nullptr) {
      ::setenv("GLIBC_TUNABLES", restore.c_str(), 1);
    } else {
      ::unsetenv("GLIBC_TUNABLES");
    }
    ::unsetenv(kReexecMarker);
    plan.note = std::string("4 KiB pages (re-executing with huge pages failed: ") +
                std::strerror(error) + ")";
  }
  note_storage() = std::move(plan.note);
}

const std::string& heap_pages_note() {
  return note_storage();
}

}  // namespace s3loop::cli
