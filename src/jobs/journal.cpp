#include "s3loop/jobs/journal.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace s3loop::jobs {

namespace {

Error io_error(const std::string& path, std::string_view what) {
  return make_error(ErrorKind::io,
                    fmt::format("journal {}: {}: {}", path, what, std::strerror(errno)));
}

std::string header_line(const std::string& source, const std::string& destination) {
  return boost::json::serialize(boost::json::object{
             {"s3loop_journal", 1}, {"source", source}, {"destination", destination}}) +
         "\n";
}

Result<void> write_all(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error(path, "write failed");
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

// Only a regular file holds what was written to it: /dev/zero reads without
// end, /dev/full refuses every write, a FIFO blocks at open.
Result<void> check_regular(const std::string& path, const struct stat& st) {
  if (S_ISDIR(st.st_mode)) {
    return make_error(ErrorKind::usage,
                      "journal " + path + " is a directory: --journal needs a file path");
  }
  if (!S_ISREG(st.st_mode)) {
    return make_error(ErrorKind::usage, "journal " + path +
                                            " is not a regular file (a device, FIFO or "
                                            "socket): --journal needs a file path");
  }
  return {};
}

// A path the journal can live at, checked before reading or creating it:
// a regular file if it exists, and in a directory that exists.
Result<void> check_path(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return check_regular(path, st);
  if (errno != ENOENT) return {};  // open() below says what is wrong
  const auto slash = path.find_last_of('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const bool dir_exists = ::stat(dir.c_str(), &st) == 0;
  if (!dir_exists || !S_ISDIR(st.st_mode)) {
    return make_error(ErrorKind::usage,
                      fmt::format("journal {}: {} {}; create the directory or pass another "
                                  "--journal file",
                                  path, dir, dir_exists ? "is not a directory" : "does not exist"));
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<CopyJournal>> CopyJournal::open(const std::string& path,
                                                       const std::string& source,
                                                       const std::string& destination,
                                                       bool read_only) {
  if (auto usable = check_path(path); !usable) return usable.error();
  std::unordered_set<std::string> finished;
  bool has_header = false;
  bool torn_tail = false;
  std::uint64_t complete_bytes = 0;  // through the last complete line
  {
    // O_NONBLOCK: should a FIFO take the file's place after check_path, the
    // open returns instead of waiting for a writer, and fstat refuses it.
    const int read_fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    std::unique_ptr<FILE, int (*)(FILE*)> in(read_fd < 0 ? nullptr : ::fdopen(read_fd, "rb"),
                                             &std::fclose);
    if (read_fd >= 0 && !in) ::close(read_fd);
    if (in) {
      struct stat st {};
      if (::fstat(read_fd, &st) != 0) return io_error(path, "cannot read");
      if (auto regular = check_regular(path, st); !regular) return regular.error();
      char* buffer = nullptr;
      std::size_t capacity = 0;
      const std::unique_ptr<char*, void (*)(char**)> owned(&buffer,
                                                           [](char** b) { std::free(*b); });
      std::size_t number = 0;
      for (ssize_t n; (n = ::getline(&buffer, &capacity, in.get())) >= 0;) {
        ++number;
        const bool complete = n > 0 && buffer[n - 1] == '\n';
        std::string_view line(buffer, static_cast<std::size_t>(complete ? n - 1 : n));
        if (complete) complete_bytes += static_cast<std::uint64_t>(n);
        boost::system::error_code ec;
        auto value = boost::json::parse(line, ec);
        if (ec || !complete) {
          // A write cut short by a kill: that key was not recorded. Only in
          // a file that is ours (a valid header, or the start of one): never
          // cut anything off another file.
          if (!complete && (has_header || line.starts_with("{\"s3loop_journal\""))) {
            torn_tail = true;
            break;
          }
          return make_error(ErrorKind::usage,
                            fmt::format("journal {} line {} is not s3loop journal JSON; pass "
                                        "another --journal file",
                                        path, number));
        }
        if (number == 1) {
          const auto* header = value.if_object();
          if (header == nullptr || !header->contains("s3loop_journal")) {
            return make_error(ErrorKind::usage, "journal " + path +
                                                    " is not an s3loop journal; pass another "
                                                    "--journal file");
          }
          const auto* src = header->if_contains("source");
          const auto* dst = header->if_contains("destination");
          if (src == nullptr || dst == nullptr || !src->is_string() || !dst->is_string() ||
              src->as_string() != source || dst->as_string() != destination) {
            return make_error(
                ErrorKind::usage,
                fmt::format("journal {} belongs to another copy ({} -> {}); use a new --journal "
                            "file for {} -> {}",
                            path, src && src->is_string() ? std::string(src->as_string()) : "?",
                            dst && dst->is_string() ? std::string(dst->as_string()) : "?", source,
                            destination));
          }
          has_header = true;
          continue;
        }
        if (!value.is_string()) {
          return make_error(ErrorKind::usage,
                            fmt::format("journal {} line {} is not a key", path, number));
        }
        finished.emplace(value.as_string());
      }
    }
  }
  if (read_only) {
    return std::unique_ptr<CopyJournal>(new CopyJournal(path, -1, std::move(finished)));
  }
  // O_NONBLOCK: a FIFO put here since the checks fails (ENXIO) instead of
  // blocking; it changes nothing for a regular file.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NONBLOCK | O_CLOEXEC, 0644);
  if (fd < 0) {
    // Permissions, a read-only file system...: the user's to fix, before any copy.
    return make_error(ErrorKind::usage,
                      fmt::format("journal {}: cannot open for writing: {}; pass another "
                                  "--journal file",
                                  path, std::strerror(errno)));
  }
  auto journal = std::unique_ptr<CopyJournal>(new CopyJournal(path, fd, std::move(finished)));
  struct stat st {};
  if (::fstat(fd, &st) != 0) return io_error(path, "cannot open for writing");
  if (auto regular = check_regular(path, st); !regular) return regular.error();
  if (torn_tail) {
    // Drop the torn line: the next record must start a line of its own.
    if (::ftruncate(fd, static_cast<off_t>(complete_bytes)) != 0) {
      return io_error(path, "cannot cut off a torn last line");
    }
  }
  if (!has_header) {
    if (auto r = write_all(fd, header_line(source, destination), path); !r) return r.error();
    if (::fsync(fd) != 0) return io_error(path, "fsync failed");
  }
  return journal;
}

CopyJournal::CopyJournal(std::string path, int fd, std::unordered_set<std::string> finished)
    : path_(std::move(path)), fd_(fd), finished_(std::move(finished)) {}

CopyJournal::~CopyJournal() {
  {
    std::lock_guard lock(mutex_);
    (void)flush_locked();
  }
  if (fd_ >= 0) ::close(fd_);
}

bool CopyJournal::finished(const std::string& source_key) const {
  return finished_.contains(source_key);
}

Result<void> CopyJournal::record(std::string_view source_key) {
  std::lock_guard lock(mutex_);
  if (failed_) return *failed_;
  if (fd_ < 0) return {};  // read-only
  if (pending_keys_ == 0) oldest_pending_ = std::chrono::steady_clock::now();
  pending_ +=
      boost::json::serialize(boost::json::string_view(source_key.data(), source_key.size()));
  pending_ += '\n';
  ++pending_keys_;
  if (pending_keys_ >= kBatchKeys ||
      std::chrono::steady_clock::now() - oldest_pending_ >= kBatchAge) {
    return flush_locked();
  }
  return {};
}

Result<void> CopyJournal::flush() {
  std::lock_guard lock(mutex_);
  return flush_locked();
}

Result<void> CopyJournal::flush_locked() {
  if (failed_) return *failed_;
  if (pending_.empty()) return {};
  auto written = write_all(fd_, pending_, path_);
  if (written && ::fsync(fd_) != 0) written = io_error(path_, "fsync failed");
  pending_.clear();
  pending_keys_ = 0;
  if (!written) failed_ = written.error();
  return written;
}

}  // namespace s3loop::jobs
