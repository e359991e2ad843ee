// `cp`: server-side copy of every object under a source prefix to the same
// relative key under a destination prefix.
#pragma once

#include "s3loop/exec/job.hpp"
#include "s3loop/jobs/journal.hpp"
#include "s3loop/jobs/key_filter.hpp"
#include "s3loop/s3/s3_url.hpp"
#include "s3loop/s3/xml.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>

namespace s3loop::jobs {

inline constexpr std::uint64_t kMiB = 1024ull * 1024;
inline constexpr std::uint64_t kGiB = 1024ull * kMiB;
// S3's limits for multipart copies.
inline constexpr std::uint64_t kMinPartSize = 5 * kMiB;
inline constexpr std::uint64_t kMaxPartSize = 5 * kGiB;
inline constexpr std::uint64_t kMaxParts = 10'000;
inline constexpr std::uint64_t kMaxSingleCopy = 5 * kGiB;

struct CopyOptions {
  s3::S3Url source;
  s3::S3Url destination;
  // The source key as given when it did not end in '/' (set by
  // normalise_copy_locations). When nothing lies under it as a directory, the
  // object of exactly that name is copied alone, to <destination>/<its last
  // path segment>, as `aws s3 cp s3://b/dir/k s3://b/dst/` and `rclone copy`
  // copy a single object. A directory wins over an object of the same name.
  std::string named_object;
  // Set by normalise_copy_locations when the named source lies inside the
  // destination prefix in one bucket: copying that one object up is fine
  // (s3://b/d/sub/x.csv to s3://b/d/ writes d/x.csv), but if the name is a
  // directory its copies could land on its own objects -- the run refuses
  // with this error once the listing shows a directory, before any copy.
  std::optional<Error> refuse_if_directory;
  // Set with it when the named object's one copy would be the object itself
  // (s3://b/d/k to s3://b/d/): refused once the listing shows no directory
  // of that name and the object is there -- whichever the name turns out to
  // be, the refusal names the right reason.
  std::optional<Error> refuse_if_object;
  // --exclude / --include, in the order given (key_filter.hpp), matched
  // against relative_key(): the keys they leave out are neither copied nor
  // expected by verify_copy.
  std::vector<KeyFilter> filters;
  // Objects of this size and larger are copied with UploadPartCopy, as aws
  // cli does (CopyObject cannot copy more than 5 GiB in one request) --
  // except a key holding '%', which CopyObject copies up to 5 GiB
  // (copy_source_key.hpp).
  std::uint64_t multipart_threshold = kMaxSingleCopy;
  std::uint64_t part_size = 512 * kMiB;  // raised when an object would need > 10,000 parts
  // A multipart copy's parts in flight at once, at most: aws cli's default
  // max_concurrent_requests. Only slots the strategy can spare are used
  // (exec::WorkerContext::run_parallel): under serial and threads, one.
  std::size_t parts_in_flight = 10;
  bool dry_run = false;
  // Skip a source key the journal lists as finished with the listed ETag and
  // size; record each copied (or skipped-as-existing) key in it. Not owned;
  // may be null.
  CopyJournal* journal = nullptr;
  // Skip an object whose destination already has the same size and ETag
  // (like `aws s3 sync`): one HEAD per object.
  bool skip_existing = false;
  // ListObjectsV2 requests in flight for the source listing; keys reach the
  // copies in whatever order their ranges are listed. 1: sequential.
  int list_concurrency = 16;
  // Called after each object copied (or, in a dry run, that would be), failed
  // or cut off, from whichever thread processed it; the job serialises the
  // calls. `error` is null on success. Not for an object skipped (by
  // skip_existing or the journal): skipped() counts those.
  std::function<void(const std::string& source_key, const std::string& destination_key,
                     std::uint64_t size, const Error* error)>
      on_object;
  // Called with something worth telling that fails no object (serialised
  // like on_object): an orphaned multipart upload that could not be aborted.
  std::function<void(const std::string& message)> on_warning;
  // Whether a source named without '/' that lists as a directory checks for
  // an object of the same name beside it, to warn that it is not copied
  // (compare says that once for all its runs, which then skip it).
  bool warn_object_beside_directory = true;
  // Set by normalise_copy_locations, which every CopyOptions must pass
  // through: without its directory mapping keys would be glued to the
  // prefixes as given ("raw" + "x" = "rawx") and its refusals skipped.
  bool normalised = false;
};

// The directory mapping of `aws s3 cp --recursive` and rclone: a non-empty
// prefix without a trailing '/' names a directory, so "s3://a/dir" copies
// "dir/x" to "<dst>/x". Refuses a destination inside the source prefix (the
// listing would find the copies and copy them again).
Result<CopyOptions> normalise_copy_locations(CopyOptions options);

// A listed source key below the source directory ("dir/x" of "src/dir/x"),
// or the named object's last segment: what filters match and what the
// destination key appends to the destination directory.
std::string_view relative_key(const CopyOptions& options, const std::string& source_key);

// The destination key for a listed source key (or for the named object).
std::string destination_key(const CopyOptions& options, const std::string& source_key);

// Whether this source key is copied: the filters take it, and it has a
// destination. The source prefix's own folder marker ("photos/" when copying
// s3://b/photos/ to a bucket root) would land on the empty key, which names
// no object (a PUT there is a CreateBucket): the root needs no marker.
bool copy_selects(const CopyOptions& options, const std::string& source_key);

// Whether a CopyObject whose reply has ETag `copy_result` may have copied
// another version than the one listed with `listed`, so that the journal
// must not record the listed ETag without a look at the source: any ETag the
// copy does not repeat. The source may have changed between listing and copy
// on a server that ignores x-amz-copy-source-if-match (radosgw 16.2, which
// gives the copy of a multipart source that source's own multipart ETag) --
// or the server gives copies ETags of their own (SSE-KMS on AWS, a multipart
// source's copy there), which a HEAD of the source tells apart.
bool copy_may_be_of_another_version(const std::string& listed, const std::string& copy_result);

// The object `options.named_object` names, from a HEAD; nullopt when there is
// none (or no name was given). Callers ask only after the directory listing
// under the name came back empty.
boost::asio::awaitable<Result<std::optional<s3::ObjectInfo>>> find_named_object(
    s3::Client& client, const CopyOptions& options);

// The warning for a source named without '/' that listed as a directory
// while an object of that very name exists too (the directory wins, and the
// object is not copied), with the filtered copy of its parent that copies it
// where that copy is allowed. One HEAD; nullopt when there is no such object
// or the HEAD fails (it is only a hint). Call only after the listing under
// the name found keys.
boost::asio::awaitable<std::optional<std::string>> object_beside_directory_warning(
    s3::Client& client, const CopyOptions& options);

// The largest x-amz-tagging header a multipart copy sends. S3 caps a
// request's headers at 8 KiB in all, and user metadata alone may take 2 KiB;
// 10 tags of 128 + 256 characters can percent-encode to far more than both.
// A larger set is put with PutObjectTagging only (its body has no such cap).
inline constexpr std::size_t kMaxTaggingHeader = 2 * 1024;

// The x-amz-tagging header for a multipart copy's CreateMultipartUpload:
// nullopt when there are no tags or their header would exceed
// kMaxTaggingHeader.
std::optional<std::string> create_tagging_header(const std::vector<s3::Tag>& tags);

// Part boundaries for a multipart copy of `size` bytes.
std::vector<std::pair<std::uint64_t, std::uint64_t>> plan_parts(std::uint64_t size,
                                                                std::uint64_t part_size);

// How much earlier than our own upload (server clock) an upload of the same
// key may have been started and still count as one a lost attempt of our
// CreateMultipartUpload left: the time the create call took plus this.
inline constexpr std::chrono::milliseconds kOrphanWindowMargin{1000};

// The uploads a retried CreateMultipartUpload may have left behind, from a
// ListMultipartUploads of prefix `key` made while our own upload
// (`own_upload_id`) is still open: an earlier attempt may have created an
// upload whose reply was lost (a reset, a timeout), and nobody knows its id.
// Only uploads that cannot be anybody else's are named: key exactly `key`,
// id not ours, started by the same initiator as ours, and Initiated (the
// server's clock, so no clock skew between us and the server matters) no
// later than ours and at most `window` before it. An upload with an
// unreadable Initiated is never named. An Error when our own upload is not
// in the listing or its Initiated is unreadable: there is no reference then,
// and nothing is named.
Result<std::vector<std::string>> orphaned_uploads(const std::vector<s3::MultipartUpload>& listed,
                                                  const std::string& key,
                                                  const std::string& own_upload_id,
                                                  std::chrono::milliseconds window);

class CopyJob final : public exec::Job {
 public:
  explicit CopyJob(CopyOptions options) : options_(std::move(options)) {}
  boost::asio::awaitable<Result<void>> produce(s3::Client& client, const exec::Emit& emit) override;
  boost::asio::awaitable<Result<std::uint64_t>> process(exec::WorkerContext& context,
                                                        const exec::WorkItem& item) override;

  // Objects not copied because the journal or the destination had them.
  std::uint64_t skipped() const { return skipped_.load(); }
  // Of those, the ones the journal had: skipped without a request, whether
  // or not the destination still holds them.
  std::uint64_t skipped_by_journal() const { return skipped_by_journal_.load(); }
  // The source listing found no object at all, nor an object of the name
  // given (what filters or the journal left out does not count): most likely
  // a mistyped source.
  bool source_empty() const { return source_empty_.load(); }
  // The source listed nothing but the folder's own empty marker ("dir/"),
  // left out: a copy to a bucket root has no name for it.
  bool only_folder_marker() const { return only_folder_marker_.load(); }
  // Uploads a retried CreateMultipartUpload left behind, and uploads an
  // earlier run with the same journal left open (killed mid-copy), that
  // were aborted (or found gone already when the abort was retried).
  std::uint64_t orphans_aborted() const { return orphans_aborted_.load(); }
  // Retried CreateMultipartUploads whose leftovers could not be looked for
  // or aborted (the copies succeeded), interrupted multipart copies whose
  // own upload could not be aborted, and a journal's open uploads that could
  // not be; each also reported through on_warning.
  std::uint64_t orphan_cleanup_failures() const { return orphan_cleanup_failures_.load(); }
  // The journal could not record a copied key: the copy stops.
  std::optional<Error> fatal_error() const override;

 private:
  // True when the destination already holds this object (same size and ETag).
  boost::asio::awaitable<Result<bool>> destination_has(s3::Client& client,
                                                       const s3::ObjectInfo& object,
                                                       const std::string& dst_key);
  // Parts run through context.run_parallel: several at once where the
  // strategy has slots to spare.
  // `copied_etag`: the ETag of the source version its parts were copied from.
  boost::asio::awaitable<Result<void>> copy_multipart(exec::WorkerContext& context,
                                                      const s3::ObjectInfo& object,
                                                      const std::string& dst_key,
                                                      std::string& copied_etag);
  // Whether the source object still has `etag` (a HEAD): its parts were all
  // copied from that version only if so. A changed or deleted source is the
  // copy's error (no upload completed from it).
  boost::asio::awaitable<Result<void>> source_unchanged(s3::Client& client, const std::string& key,
                                                        const std::string& etag);
  // After a CreateMultipartUpload that took more than one attempt: aborts
  // the uploads the lost attempts created (orphaned_uploads). Never fails
  // the copy: a failure is counted and reported through on_warning.
  boost::asio::awaitable<void> abort_orphaned_uploads(s3::Client& client,
                                                      const std::string& dst_key,
                                                      const std::string& own_upload_id,
                                                      std::chrono::milliseconds window);
  // A source named without a trailing '/' that listed as a directory: warns
  // when an object of exactly that name lies beside it, left uncopied.
  boost::asio::awaitable<void> warn_if_object_beside_directory(s3::Client& client);
  void warn(const std::string& message);
  void notify(const std::string& src, const std::string& dst, std::uint64_t size,
              const Error* error);
  // Records a source object as finished; a journal error stops the job
  // (fatal_error).
  // `etag`: that of the source version copied.
  void record_finished(const s3::ObjectInfo& object, const std::string& etag);
  // A part copy answered NoSuchKey for the source: when a HEAD still finds
  // the version `etag`, `error` says the server misread the key instead.
  boost::asio::awaitable<void> explain_missing_part_source(s3::Client& client,
                                                           const std::string& source_key,
                                                           const std::string& etag, Error& error);
  // A journal write failed: the first such error stops the job.
  void stop_for_journal(Error error);
  // A multipart upload completed or aborted: so the journal says.
  void upload_ended(const std::string& upload_id);
  // Aborts the uploads the journal holds open (counted in orphans_aborted;
  // a failure is warned of and counted in orphan_cleanup_failures).
  boost::asio::awaitable<void> abort_uploads_left_open(s3::Client& client);
  // After a resumed journal's uploads: warns of the multipart uploads open
  // under the destination that it does not know of, but `known` (counted in
  // orphan_cleanup_failures, by key).
  boost::asio::awaitable<void> warn_of_unknown_uploads(s3::Client& client,
                                                       std::set<std::string> known);

  CopyOptions options_;
  std::mutex notify_mutex_;
  std::atomic<std::uint64_t> skipped_{0};
  std::atomic<std::uint64_t> skipped_by_journal_{0};
  std::atomic<bool> source_empty_{false};
  std::atomic<bool> only_folder_marker_{false};
  std::atomic<std::uint64_t> orphans_aborted_{0};
  std::atomic<std::uint64_t> orphan_cleanup_failures_{0};
  mutable std::mutex fatal_mutex_;
  std::optional<Error> fatal_;
};

}  // namespace s3loop::jobs
