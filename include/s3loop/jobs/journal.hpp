// `cp --journal FILE`: a record of finished keys that survives any kind of
// interruption (SIGKILL included), so a rerun skips what is done.
//
// Format: a JSON header line naming the copy, then one JSON string per
// finished source key per line (JSON, because keys may hold newlines). Lines
// are appended and fsync'ed in batches; a kill loses at most the last batch,
// whose objects are simply copied again (a server-side copy is idempotent).
// A torn last line is ignored.
#pragma once

#include "s3loop/error.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

namespace s3loop::jobs {

class CopyJournal {
 public:
  // Opens (creating it if missing) the journal of the copy `source` ->
  // `destination` (as s3:// URLs). A journal of another copy, a path that is
  // a directory, in a directory that does not exist, or that cannot be opened
  // for writing is a usage error (the user picks another path).
  // Memory: the finished keys of earlier runs.
  // read_only (a dry run): reads the file if it exists, never creates, cuts
  // or writes it; record() then keeps nothing.
  static Result<std::unique_ptr<CopyJournal>> open(const std::string& path,
                                                   const std::string& source,
                                                   const std::string& destination,
                                                   bool read_only = false);
  ~CopyJournal();
  CopyJournal(const CopyJournal&) = delete;
  CopyJournal& operator=(const CopyJournal&) = delete;

  // Finished in an earlier run. Thread-safe (the set is read-only after open).
  bool finished(const std::string& source_key) const;
  std::uint64_t finished_count() const { return finished_.size(); }

  // Appends a key; syncs to disk when the batch is full or old enough.
  // Thread-safe. An I/O error is returned once and every later call fails too.
  Result<void> record(std::string_view source_key);
  // Writes and syncs whatever is pending.
  Result<void> flush();

  static constexpr std::size_t kBatchKeys = 512;
  static constexpr std::chrono::milliseconds kBatchAge{200};

 private:
  CopyJournal(std::string path, int fd, std::unordered_set<std::string> finished);
  Result<void> flush_locked();

  std::string path_;
  int fd_ = -1;
  std::unordered_set<std::string> finished_;
  std::mutex mutex_;
  std::string pending_;
  std::size_t pending_keys_ = 0;
  std::chrono::steady_clock::time_point oldest_pending_;
  std::optional<Error> failed_;
};

}  // namespace s3loop::jobs
