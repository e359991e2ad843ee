// `cp --journal FILE`: a record of finished keys that survives any kind of
// interruption (SIGKILL included), so a rerun skips what is done.
//
// Format (version 3): a JSON header line naming the copy -- endpoint, source
// and destination -- then one line per finished source key, a JSON array
// ["key", "etag", size] (JSON, because keys may hold newlines; the ETag and
// size are the source listing's). A rerun skips a key only when the listing
// shows the same ETag and size, so a source object overwritten since is
// copied again. A key recorded twice: the last line counts.
//
// Multipart uploads too: {"upload": "id", "key": "destination key"} when one
// is created, written at once (not held for a batch), and {"ended": "id"}
// once it is completed or aborted. A run killed mid-copy cannot abort its
// uploads, which then cost storage until somebody does; the rerun finds them
// open here and aborts them (a completed one, whose "ended" the kill lost, is
// already gone: its abort changes nothing). Version 2 journals, which are
// version 3 without upload lines, are read as they are.
//
// Lines are appended and fsync'ed in batches, by a thread of the journal's
// own: at once when kBatchKeys are pending, else at most kBatchAge after the
// oldest pending key was recorded, whether or not another key finishes (a
// long multipart copy does not hold earlier keys back). A kill loses at most
// those keys, whose objects are simply copied again (a server-side copy is
// idempotent). A torn last line is ignored.
//
// Version 1 journals (keys without ETags, no endpoint) are refused: they
// cannot tell a changed source object or another server's copy.
#pragma once

#include "s3loop/error.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace s3loop::jobs {

// Which copy a journal belongs to. The endpoint (scheme://host:port, as the
// copy connects to it) tells staging from production when both have buckets
// of the same names. The region is left out: one endpoint is one server.
struct JournalScope {
  std::string endpoint;
  std::string source;       // s3:// URL
  std::string destination;  // s3:// URL
};

class CopyJournal {
 public:
  // Opens (creating it if missing) the journal of the copy `scope`. A journal
  // of another copy or endpoint, of an older format, a path that is a
  // directory, in a directory that does not exist, or that cannot be opened
  // for writing is a usage error (the user picks another path).
  // Memory: the finished keys of earlier runs, with their ETags.
  // read_only (a dry run): reads the file if it exists, never creates, cuts
  // or writes it; record() then keeps nothing.
  static Result<std::unique_ptr<CopyJournal>> open(const std::string& path,
                                                   const JournalScope& scope,
                                                   bool read_only = false);
  ~CopyJournal();
  CopyJournal(const CopyJournal&) = delete;
  CopyJournal& operator=(const CopyJournal&) = delete;

  // Finished in an earlier run from a source object of this ETag and size.
  // An empty ETag never matches (it would make the key alone decide).
  // Thread-safe (the map is read-only after open).
  bool finished(const std::string& source_key, std::string_view etag, std::uint64_t size) const;
  std::uint64_t finished_count() const { return finished_.size(); }

  // Queues a finished key for the flush thread; never waits for the disk.
  // Thread-safe. Once a write failed, returns that error (every later call
  // too).
  Result<void> record(std::string_view source_key, std::string_view etag, std::uint64_t size);

  // A multipart upload this copy created and earlier runs neither completed
  // nor aborted (as the journal was when opened).
  struct OpenUpload {
    std::string key;  // the destination key
    std::string upload_id;
  };
  const std::vector<OpenUpload>& open_uploads() const { return open_uploads_; }
  // Why the journal could not be locked for the run (a file system without
  // locks: "No locks available"), empty when it is locked or read-only.
  // Unlocked, another run may be using it right now: its open uploads may be
  // that run's live ones, not to be aborted.
  const std::string& unlocked_reason() const { return unlocked_; }
  // The file held an earlier run's journal when opened (this run resumes it).
  bool resumed() const { return resumed_; }
  // A multipart upload just created: the flush thread writes and syncs it at
  // once instead of after kBatchAge (a kill during the copy must find it),
  // while the caller -- an event loop, often -- goes on. Thread-safe.
  Result<void> record_upload(std::string_view destination_key, std::string_view upload_id);
  // Completed or aborted: queued like a finished key. Thread-safe.
  Result<void> record_upload_ended(std::string_view upload_id);
  // Writes and syncs whatever is pending; returns once it is on disk.
  Result<void> flush();

  static constexpr std::size_t kBatchKeys = 512;
  static constexpr std::chrono::milliseconds kBatchAge{200};

 private:
  struct Finished {
    std::string etag;
    std::uint64_t size = 0;
  };
  CopyJournal(std::string path, int fd, std::unordered_map<std::string, Finished> finished,
              std::vector<OpenUpload> open_uploads, std::string unlocked);
  // Queues a line for the flush thread; an urgent one is written at once.
  Result<void> queue(std::string line, bool urgent = false);
  // The flush thread: waits for a full batch or an old enough one.
  void flush_loop();
  // Takes what is pending and writes and syncs it, outside mutex_.
  Result<void> write_pending();

  std::string path_;
  int fd_ = -1;
  std::unordered_map<std::string, Finished> finished_;
  std::vector<OpenUpload> open_uploads_;
  std::string unlocked_;
  bool resumed_ = false;

  std::mutex mutex_;  // guards what follows
  std::condition_variable wake_;
  std::string pending_;
  std::size_t pending_keys_ = 0;
  bool urgent_ = false;  // pending_ holds a line not to be held for a batch
  std::chrono::steady_clock::time_point oldest_pending_;
  std::optional<Error> failed_;
  bool stopping_ = false;

  std::mutex write_mutex_;  // one batch at a time reaches the file, in order
  std::thread flusher_;     // not started for a read-only journal
};

}  // namespace s3loop::jobs
