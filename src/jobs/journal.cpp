#include "s3loop/jobs/journal.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <utility>

namespace s3loop::jobs {

namespace {

Error io_error(const std::string& path, std::string_view what) {
  return make_error(ErrorKind::io,
                    fmt::format("journal {}: {}: {}", path, what, std::strerror(errno)));
}

constexpr std::int64_t kFormat = 3;
// Version 2 is version 3 without upload lines: read as it is.
constexpr std::int64_t kOldestReadable = 2;

std::string header_line(const JournalScope& scope) {
  return boost::json::serialize(boost::json::object{{"s3loop_journal", kFormat},
                                                    {"endpoint", scope.endpoint},
                                                    {"source", scope.source},
                                                    {"destination", scope.destination}}) +
         "\n";
}

std::string header_field(const boost::json::object& header, std::string_view name) {
  const auto* value = header.if_contains(name);
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : "?";
}

// The header of a journal this copy may use, or why not.
Result<void> check_header(const std::string& path, const boost::json::value& value,
                          const JournalScope& scope) {
  const auto* header = value.if_object();
  const auto* format = header != nullptr ? header->if_contains("s3loop_journal") : nullptr;
  if (format == nullptr) {
    return make_error(ErrorKind::usage,
                      "journal " + path + " is not an s3loop journal; pass another --journal file");
  }
  if (!format->is_int64() || format->as_int64() < kOldestReadable || format->as_int64() > kFormat) {
    // Format 1 recorded keys alone: it cannot tell an object overwritten
    // since, nor which server it was written against. Skipping by it could
    // leave stale copies behind; copying again is always safe.
    const bool older = format->is_int64() && format->as_int64() < kOldestReadable;
    return make_error(
        ErrorKind::usage,
        fmt::format("journal {} was written by {} s3loop (journal format {}, this one reads {} "
                    "to {}); pass a new --journal file (the copy then starts over; "
                    "--skip-existing skips what the destination already has)",
                    path, older ? "an older" : "a newer", boost::json::serialize(*format),
                    kOldestReadable, kFormat));
  }
  const std::string source = header_field(*header, "source");
  const std::string destination = header_field(*header, "destination");
  if (source != scope.source || destination != scope.destination) {
    return make_error(ErrorKind::usage,
                      fmt::format("journal {} belongs to another copy ({} -> {}); use a new "
                                  "--journal file for {} -> {}",
                                  path, source, destination, scope.source, scope.destination));
  }
  const std::string endpoint = header_field(*header, "endpoint");
  if (endpoint != scope.endpoint) {
    // Same bucket names on another server (staging, then production): its
    // keys were never copied here.
    return make_error(ErrorKind::usage,
                      fmt::format("journal {} belongs to a copy on another endpoint ({}); use a "
                                  "new --journal file for {}",
                                  path, endpoint, scope.endpoint));
  }
  return {};
}

// A finished key's line: ["key", "etag", size].
std::string key_line(std::string_view key, std::string_view etag, std::uint64_t size) {
  boost::json::array line;
  line.emplace_back(boost::json::string_view(key.data(), key.size()));
  line.emplace_back(boost::json::string_view(etag.data(), etag.size()));
  line.emplace_back(size);
  return boost::json::serialize(line) + "\n";
}

// An upload's lines: {"upload": "id", "key": "key"} and {"ended": "id"}.
std::string upload_line(std::string_view key, std::string_view upload_id) {
  return boost::json::serialize(boost::json::object{
             {"upload", boost::json::string_view(upload_id.data(), upload_id.size())},
             {"key", boost::json::string_view(key.data(), key.size())}}) +
         "\n";
}

std::string upload_ended_line(std::string_view upload_id) {
  return boost::json::serialize(boost::json::object{
             {"ended", boost::json::string_view(upload_id.data(), upload_id.size())}}) +
         "\n";
}

// Reads an upload line into `open` (upload id -> key). False: not one.
bool read_upload_line(const boost::json::object& line, std::map<std::string, std::string>& open) {
  const auto* id = line.if_contains("upload");
  const auto* key = line.if_contains("key");
  if (line.size() == 2 && id != nullptr && key != nullptr && id->is_string() && key->is_string()) {
    open.insert_or_assign(std::string(id->as_string()), std::string(key->as_string()));
    return true;
  }
  const auto* ended = line.if_contains("ended");
  if (line.size() == 1 && ended != nullptr && ended->is_string()) {
    open.erase(std::string(ended->as_string()));
    return true;
  }
  return false;
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
  // "j1/" is a directory's name (open() says "Is a directory", even when j1
  // is a file): the journal is a file.
  if (path.ends_with('/')) {
    return make_error(ErrorKind::usage,
                      fmt::format("journal {}: ends with '/', so it names a directory; pass a "
                                  "file path, e.g. {}copy.journal",
                                  path, path));
  }
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

// A descriptor closed on every early return.
struct OwnedFd {
  int fd = -1;
  OwnedFd() = default;
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  ~OwnedFd() {
    if (fd >= 0) ::close(fd);
  }
  int release() { return std::exchange(fd, -1); }
};

// The descriptor a run appends with, locked for the run: two runs sharing a
// journal would each copy what the other has not recorded yet, and write
// every key twice. Opened before the journal is read, so that what is read
// is all there is. O_NONBLOCK: a FIFO put here since the checks does not
// block the open (read and write, it opens at once), and fstat refuses it
// below; it changes nothing for a regular file.
// `unlocked`: why the lock could not be taken on a file system without
// locks (ENOLCK, some network mounts), which runs unlocked; empty when locked.
Result<void> open_for_appending(const std::string& path, OwnedFd& out, std::string& unlocked) {
  // Read and write: the journal is read through this same descriptor, so the
  // file checked is the file appended to (opened twice by path, a symlink
  // swapped in between could have had the journal appended to another file).
  out.fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_NONBLOCK | O_CLOEXEC, 0644);
  if (out.fd < 0) {
    // Permissions, a read-only file system...: the user's to fix, before any copy.
    return make_error(
        ErrorKind::usage,
        fmt::format("journal {}: cannot open for reading and writing: {}; pass another "
                    "--journal file",
                    path, std::strerror(errno)));
  }
  struct stat st {};
  if (::fstat(out.fd, &st) != 0) return io_error(path, "cannot open for reading and writing");
  if (auto regular = check_regular(path, st); !regular) return regular.error();
  if (::flock(out.fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return make_error(ErrorKind::usage,
                        fmt::format("journal {} is in use by another s3loop cp: wait for that "
                                    "run to end, or pass another --journal file",
                                    path));
    }
    unlocked = std::strerror(errno);
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<CopyJournal>> CopyJournal::open(const std::string& path,
                                                       const JournalScope& scope, bool read_only) {
  if (auto usable = check_path(path); !usable) return usable.error();
  OwnedFd writer;
  std::string unlocked;
  if (!read_only) {
    if (auto opened = open_for_appending(path, writer, unlocked); !opened) return opened.error();
  }
  std::unordered_map<std::string, Finished> finished;
  std::map<std::string, std::string> open_uploads;  // upload id -> destination key
  bool has_header = false;
  bool torn_tail = false;
  std::uint64_t complete_bytes = 0;  // through the last complete line
  {
    // The writer's file itself, from its start (O_APPEND writes go to the end
    // whatever the shared offset says); read only, the one open by path.
    // O_NONBLOCK: should a FIFO take the file's place after check_path, the
    // open returns instead of waiting for a writer, and fstat refuses it.
    int read_fd = -1;
    if (read_only) {
      read_fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    } else {
      read_fd = ::fcntl(writer.fd, F_DUPFD_CLOEXEC, 0);
      if (read_fd < 0 || ::lseek(read_fd, 0, SEEK_SET) != 0) {
        if (read_fd >= 0) ::close(read_fd);
        return io_error(path, "cannot read");
      }
    }
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
        // A blank line (an editor's last newline, say) records nothing and
        // harms nothing: not a reason to refuse the journal and its keys.
        if (number > 1 && line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
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
          if (auto ours = check_header(path, value, scope); !ours) return ours.error();
          has_header = true;
          continue;
        }
        if (const auto* upload = value.if_object();
            upload != nullptr && read_upload_line(*upload, open_uploads)) {
          continue;
        }
        const auto* fields = value.if_array();
        if (fields == nullptr || fields->size() != 3 || !(*fields)[0].is_string() ||
            !(*fields)[1].is_string() || !(*fields)[2].is_number()) {
          return make_error(
              ErrorKind::usage,
              fmt::format("journal {} line {} is neither a finished key nor a multipart "
                          "upload; pass another --journal file",
                          path, number));
        }
        boost::system::error_code size_ec;
        const auto size = (*fields)[2].to_number<std::uint64_t>(size_ec);
        if (size_ec) {
          return make_error(ErrorKind::usage,
                            fmt::format("journal {} line {} has no valid size; pass another "
                                        "--journal file",
                                        path, number));
        }
        // A key copied again (its source changed) was recorded again: the
        // last line is the newest.
        finished.insert_or_assign(std::string((*fields)[0].as_string()),
                                  Finished{std::string((*fields)[1].as_string()), size});
      }
    }
  }
  std::vector<OpenUpload> uploads;
  for (auto& [upload_id, key] : open_uploads) uploads.push_back({std::move(key), upload_id});
  if (read_only) {
    auto journal = std::unique_ptr<CopyJournal>(
        new CopyJournal(path, -1, std::move(finished), std::move(uploads), {}));
    journal->resumed_ = has_header;
    return journal;
  }
  const int fd = writer.release();
  auto journal = std::unique_ptr<CopyJournal>(
      new CopyJournal(path, fd, std::move(finished), std::move(uploads), std::move(unlocked)));
  journal->resumed_ = has_header;
  if (torn_tail) {
    // Drop the torn line: the next record must start a line of its own.
    if (::ftruncate(fd, static_cast<off_t>(complete_bytes)) != 0) {
      return io_error(path, "cannot cut off a torn last line");
    }
  }
  if (!has_header) {
    if (auto r = write_all(fd, header_line(scope), path); !r) return r.error();
    if (::fsync(fd) != 0) return io_error(path, "fsync failed");
  }
  return journal;
}

CopyJournal::CopyJournal(std::string path, int fd,
                         std::unordered_map<std::string, Finished> finished,
                         std::vector<OpenUpload> open_uploads, std::string unlocked)
    : path_(std::move(path)),
      fd_(fd),
      finished_(std::move(finished)),
      open_uploads_(std::move(open_uploads)),
      unlocked_(std::move(unlocked)) {
  if (fd_ >= 0) flusher_ = std::thread([this] { flush_loop(); });
}

CopyJournal::~CopyJournal() {
  if (flusher_.joinable()) {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    flusher_.join();
  }
  if (fd_ >= 0) {
    (void)write_pending();
    ::close(fd_);
  }
}

bool CopyJournal::finished(const std::string& source_key, std::string_view etag,
                           std::uint64_t size) const {
  const auto found = finished_.find(source_key);
  return found != finished_.end() && !etag.empty() && found->second.etag == etag &&
         found->second.size == size;
}

Result<void> CopyJournal::record(std::string_view source_key, std::string_view etag,
                                 std::uint64_t size) {
  return queue(key_line(source_key, etag, size));  // built outside the lock
}

Result<void> CopyJournal::record_upload(std::string_view destination_key,
                                        std::string_view upload_id) {
  return queue(upload_line(destination_key, upload_id), /*urgent=*/true);
}

Result<void> CopyJournal::record_upload_ended(std::string_view upload_id) {
  return queue(upload_ended_line(upload_id));
}

Result<void> CopyJournal::queue(std::string line, bool urgent) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (failed_) return *failed_;
    if (fd_ < 0) return {};  // read-only
    if (pending_keys_ == 0) oldest_pending_ = std::chrono::steady_clock::now();
    pending_ += line;
    ++pending_keys_;
    urgent_ = urgent_ || urgent;
    // The flush thread sleeps while nothing is pending, and until the batch
    // is old enough: wake it for a new batch, a full one and an urgent line.
    wake = pending_keys_ == 1 || pending_keys_ == kBatchKeys || urgent;
  }
  if (wake) wake_.notify_one();
  return {};
}

Result<void> CopyJournal::flush() {
  if (fd_ < 0) return {};
  return write_pending();
}

void CopyJournal::flush_loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || pending_keys_ > 0; });
    if (stopping_) return;  // the destructor writes what is left
    wake_.wait_until(lock, oldest_pending_ + kBatchAge,
                     [&] { return stopping_ || urgent_ || pending_keys_ >= kBatchKeys; });
    if (stopping_) return;
    lock.unlock();
    // A failure is kept in failed_: record() and flush() report it.
    (void)write_pending();
    lock.lock();
  }
}

Result<void> CopyJournal::write_pending() {
  // write_mutex_ first: batches reach the file in the order they were taken,
  // and flush() returns only after the flush thread's batch is on disk too.
  std::lock_guard write_lock(write_mutex_);
  std::string batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(pending_);
    pending_keys_ = 0;
    urgent_ = false;
    // After a failure, what is pending is dropped: it could never be
    // written, and the flush thread would wake for it again and again.
    if (failed_) return *failed_;
  }
  if (batch.empty()) return {};
  // The fsync runs here, on the flush thread (or the caller of flush()),
  // never under mutex_: record() on the event loop does not wait for it.
  auto written = write_all(fd_, batch, path_);
  if (written && ::fsync(fd_) != 0) written = io_error(path_, "fsync failed");
  if (!written) {
    std::lock_guard lock(mutex_);
    failed_ = written.error();
  }
  return written;
}

}  // namespace s3loop::jobs
