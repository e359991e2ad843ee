// Open files: every connection is a socket, so a copy at --concurrency 3000
// holds 3000 descriptors at once, and Debian's default soft limit is 1024.
// At start-up the soft limit is raised to the hard one (as Go programs,
// rclone among them, do by themselves); a job whose connections still cannot
// fit is refused before it starts, rather than failing part of its requests
// with EMFILE halfway through.
#pragma once

#include "s3loop/error.hpp"

#include <cstdint>
#include <string>

namespace s3loop::cli {

// Descriptors a process needs besides its connections: stdio, the event
// loop's epoll, timer and wake-up descriptors, the signal pipe, a journal,
// CA files, the resolver.
inline constexpr std::uint64_t kOtherOpenFiles = 64;

// Raises the soft RLIMIT_NOFILE to the hard limit (check_open_files reads
// the limit in force).
void raise_open_file_limit();

// Pure: a usage error when `connections` (plus kOtherOpenFiles) exceed
// `limit`; `settings` names what asked for them ("--concurrency 3000 with
// --list-concurrency 16").
Result<void> check_open_files(std::uint64_t connections, std::uint64_t limit,
                              const std::string& settings);

// The same against this process's soft limit.
Result<void> check_open_files(std::uint64_t connections, const std::string& settings);

}  // namespace s3loop::cli
