// Open files: every connection is a socket, so a copy at --concurrency 3000
// holds 3000 descriptors at once, and Debian's default soft limit is 1024.
// At start-up the soft limit is raised to the hard one
// (exec::raise_open_file_limit, s3loop/exec/resources.hpp); a job whose connections still cannot
// fit is refused before it starts, rather than failing part of its requests
// with EMFILE halfway through.
#pragma once

#include "s3loop/error.hpp"

#include <cstdint>
#include <string>

namespace s3loop::cli {

// Descriptors a process needs besides its connections: each event loop
// holds three (epoll, its timer and its wake-up descriptor; the threads
// strategy runs a loop per worker, and a listing has a loop of its own), and
// the process a few more (stdio, the signal pipe, a journal, a CA file, the
// resolver's files) -- 8 counted in a copy, kept at twice that.
inline constexpr std::uint64_t kOpenFilesPerLoop = 3;
inline constexpr std::uint64_t kProcessOpenFiles = 16;
std::uint64_t other_open_files(std::uint64_t event_loops);

// What a run asks for: its connections and event loops, and the flag that
// lowers them (none for a run at one connection).
struct OpenFileNeed {
  std::uint64_t connections = 0;
  std::uint64_t event_loops = 0;
  std::string settings;  // what asked for them: "--concurrency 3000 with --list-concurrency 16"
  std::string flag;      // "--concurrency", "--threads", "--list-concurrency"; "" when none
  std::uint64_t flag_value = 0;
  // Each unit of the flag is a connection, and an event loop too (threads:
  // every one; async-pool: up to --loops, loops_cap).
  std::uint64_t loops_per_unit = 0;
  std::uint64_t loops_cap = UINT64_MAX;
};

// Pure: a usage error when the connections plus other_open_files(event_loops)
// exceed `limit`. It says how far to lower the flag so that the run fits,
// or, when no value of it fits, how far to raise the limit.
Result<void> check_open_files(const OpenFileNeed& need, std::uint64_t limit);

// The same against this process's soft limit.
Result<void> check_open_files(const OpenFileNeed& need);

}  // namespace s3loop::cli
