#include "s3loop/jobs/copy_job.hpp"

#include "copy_source_key.hpp"

#include "s3loop/jobs/parallel_list.hpp"
#include "s3loop/s3/client.hpp"
#include "s3loop/s3/encoding.hpp"
#include "s3loop/s3/errors.hpp"
#include "s3loop/s3/s3_url.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace s3loop::jobs {

using boost::asio::awaitable;

namespace {

// `text` as one shell word, for a command a message suggests: single-quoted
// unless plain ('\'' for a quote inside); one holding a control character,
// which a message line could not show raw, in bash's $'...' with \xNN.
std::string shell_word(std::string_view text) {
  const auto plain = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '/' || c == '.' || c == '-' ||
           c == '_';
  };
  const auto control = [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7F;
  };
  if (!text.empty() && std::all_of(text.begin(), text.end(), plain)) return std::string(text);
  if (std::any_of(text.begin(), text.end(), control)) {
    std::string word = "$'";
    for (const char c : text) {
      if (control(c)) {
        word += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
      } else if (c == '\'' || c == '\\') {
        word += '\\';
        word += c;
      } else {
        word += c;
      }
    }
    return word + "'";
  }
  std::string word = "'";
  for (const char c : text) {
    if (c == '\'') {
      word += "'\\''";
    } else {
      word += c;
    }
  }
  return word + "'";
}

// A copy request's failure that is the source's: 412 (x-amz-copy-source-if-match:
// it changed) and NoSuchKey (gone), which is said of the request's key, the
// destination's, though it is the source that is missing.
Error source_side_of(Error error, const std::string& bucket, const std::string& key,
                     std::string_view since) {
  if (error.http_status == 412) {
    error.message += fmt::format(" (the source object changed after {}: copy it again)", since);
  } else if (error.s3_code == "NoSuchKey") {
    error.message =
        fmt::format("the source object {} no longer exists (NoSuchKey): deleted after {}",
                    s3::s3_uri(bucket, key), since);
    s3::append_request_id(error);
  }
  return error;
}

// The copies set the pace, not the listing: a page lists in about one round
// trip while its 1,000 keys take many, so a few pages ahead keep any number
// of copies fed. The listing's default (two pages per list worker) held
// 32,000 keys whenever the source had that many: ~5 MiB more peak RSS for
// 100,000 objects than for 1,000. A dry run copies nothing and takes keys as
// fast as they come: its listing keeps the default, every worker listing.
constexpr std::size_t kListPagesAhead = 4;

}  // namespace

Result<CopyOptions> normalise_copy_locations(CopyOptions options) {
  // (An S3Url built by hand skips parse_s3_url's checks.)
  for (const auto& [side, location] :
       {std::pair{"source", &options.source}, std::pair{"destination", &options.destination}}) {
    if (const std::string problem = s3::bucket_name_problem(location->bucket); !problem.empty()) {
      return make_error(ErrorKind::usage, fmt::format("{}: {}", side, problem));
    }
  }
  if (auto problem = list_concurrency_problem(options.list_concurrency, "--list-concurrency")) {
    return std::move(*problem);
  }
  auto as_directory = [](std::string& prefix) {
    if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  };
  if (!options.source.key.empty() && options.source.key.back() != '/') {
    options.named_object = options.source.key;
  }
  as_directory(options.source.key);
  as_directory(options.destination.key);
  // Every copy would fail alike, one line per object: say it once.
  if (options.destination.key.size() > s3::kMaxKeyBytes) {
    return make_error(ErrorKind::usage,
                      fmt::format("the destination prefix is {} bytes, and S3 keys are at "
                                  "most {}: no copy fits under it (choose a shorter one)",
                                  options.destination.key.size(), s3::kMaxKeyBytes));
  }
  if (options.source.bucket == options.destination.bucket &&
      options.destination.key.starts_with(options.source.key)) {
    // Named without its '/' ("x.csv" to "x.csv/"), the source may be an
    // object: "inside the source prefix" would not say why its own folder is
    // refused (its copy would make one, which the next run copies into itself).
    if (!options.named_object.empty()) {
      return make_error(
          ErrorKind::usage,
          fmt::format("destination s3://{}/{} lies inside s3://{}/{}, which the source s3://{}/{} "
                      "names too (a folder, or an object whose copy there makes one): choose a "
                      "destination outside it",
                      options.destination.bucket, options.destination.key, options.source.bucket,
                      options.source.key, options.source.bucket, options.named_object));
    }
    return make_error(ErrorKind::usage, "destination s3://" + options.destination.bucket + "/" +
                                            options.destination.key +
                                            " lies inside the source prefix s3://" +
                                            options.source.bucket + "/" + options.source.key +
                                            ": choose a destination outside it");
  }
  // The other way round, a copy can land on a source object before that
  // object is copied ("v/sub/" to "v/": v/sub/sub/x overwrites v/sub/x),
  // losing it -- and --verify, comparing with the overwritten source, would
  // pass. rclone refuses overlapping copies too.
  if (options.source.bucket == options.destination.bucket &&
      options.source.key.starts_with(options.destination.key)) {
    Error overlap = make_error(ErrorKind::usage,
                               "source s3://" + options.source.bucket + "/" + options.source.key +
                                   " lies inside the destination prefix s3://" +
                                   options.destination.bucket + "/" + options.destination.key +
                                   ": copies could overwrite source objects; choose a destination "
                                   "outside the source and not above it");
    if (options.named_object.empty()) return overlap;
    // A name may be one object, whose copy up cannot overwrite it: decided
    // once the listing shows whether it is a directory.
    options.refuse_if_directory = std::move(overlap);
    // "dir/k" into "dir/" names k itself -- if k is an object, not a folder.
    if (destination_key(options, options.named_object) == options.named_object) {
      options.refuse_if_object =
          make_error(ErrorKind::usage, "source and destination are the same object s3://" +
                                           options.source.bucket + "/" + options.named_object +
                                           ": choose another destination");
    }
  }
  for (const auto& filter : options.filters) {
    if (auto checked = check_filter(filter); !checked) return checked.error();
  }
  if (options.part_size < kMinPartSize || options.part_size > kMaxPartSize) {
    return make_error(ErrorKind::usage,
                      "--multipart-chunksize must be between 5 MiB and 5 GiB (S3's part limits)");
  }
  if (options.multipart_threshold == 0 || options.multipart_threshold > kMaxSingleCopy) {
    return make_error(
        ErrorKind::usage,
        "--multipart-threshold must be between 1 byte and 5 GiB (CopyObject's limit)");
  }
  options.normalised = true;
  return options;
}

std::string_view relative_key(const CopyOptions& options, const std::string& source_key) {
  const std::string_view key(source_key);
  // The named object lies beside the directory, not in it: keep its last
  // segment ("dir/k" -> "k"; rfind's npos + 1 is 0 for a top-level key).
  if (!options.named_object.empty() && source_key == options.named_object) {
    return key.substr(key.rfind('/') + 1);
  }
  return key.substr(options.source.key.size());
}

std::string destination_key(const CopyOptions& options, const std::string& source_key) {
  return options.destination.key + std::string(relative_key(options, source_key));
}

bool copy_selects(const CopyOptions& options, const std::string& source_key) {
  const std::string_view relative = relative_key(options, source_key);
  if (options.destination.key.empty() && relative.empty()) return false;
  return key_selected(options.filters, relative);
}

namespace {

// An object whose key is the source folder's own ("dir/") has no name at a
// bucket root: an empty folder marker is left out (nothing is lost), one
// that holds data is a failure to report, not a silent skip.
bool keyed_as_source_folder_at_root(const CopyOptions& options, const s3::ObjectInfo& object) {
  return options.destination.key.empty() && relative_key(options, object.key).empty() &&
         key_selected(options.filters, "");
}

bool has_no_name_at_destination(const CopyOptions& options, const s3::ObjectInfo& object) {
  return object.size > 0 && keyed_as_source_folder_at_root(options, object);
}

bool is_source_folder_marker(const CopyOptions& options, const s3::ObjectInfo& object) {
  return object.size == 0 && keyed_as_source_folder_at_root(options, object);
}

}  // namespace

std::optional<std::string> create_tagging_header(const std::vector<s3::Tag>& tags) {
  if (tags.empty()) return std::nullopt;
  std::string header = s3::tagging_header(tags);
  if (header.size() > kMaxTaggingHeader) return std::nullopt;
  return header;
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> plan_parts(std::uint64_t size,
                                                                std::uint64_t part_size) {
  // Double the part size until the object fits in S3's 10,000 parts, as
  // aws cli's s3transfer does (ChunksizeAdjuster): the same parts make the
  // same multipart ETag as aws cli's copy of the object (the smallest size
  // that fits made other parts, and a copy --skip-existing never matched).
  while (part_size > 0 && (size + part_size - 1) / part_size > kMaxParts) part_size *= 2;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> parts;
  for (std::uint64_t first = 0; first < size; first += part_size) {
    parts.emplace_back(first, std::min(size, first + part_size) - 1);
  }
  return parts;
}

Result<std::vector<std::string>> orphaned_uploads(const std::vector<s3::MultipartUpload>& listed,
                                                  const std::string& key,
                                                  const std::string& own_upload_id,
                                                  std::chrono::milliseconds window) {
  const auto own = std::find_if(listed.begin(), listed.end(), [&](const s3::MultipartUpload& u) {
    return u.key == key && u.upload_id == own_upload_id;
  });
  if (own == listed.end()) {
    return make_error(ErrorKind::protocol,
                      "our own upload " + own_upload_id + " is not in the listing");
  }
  if (!own->initiated_time) {
    return make_error(ErrorKind::protocol, "our own upload " + own_upload_id +
                                               " has an unreadable Initiated time '" +
                                               own->initiated + "'");
  }
  const s3::UtcMillis latest = *own->initiated_time;
  const s3::UtcMillis earliest = latest - window;
  std::vector<std::string> orphans;
  for (const auto& upload : listed) {
    if (upload.key != key || upload.upload_id == own_upload_id) continue;
    if (upload.initiator_id != own->initiator_id || !upload.initiated_time) continue;
    if (*upload.initiated_time < earliest || *upload.initiated_time > latest) continue;
    orphans.push_back(upload.upload_id);
  }
  return orphans;
}

awaitable<Result<std::optional<s3::ObjectInfo>>> find_named_object(s3::Client& client,
                                                                   const CopyOptions& options) {
  if (options.named_object.empty()) co_return std::optional<s3::ObjectInfo>();
  auto head = co_await client.head_object(options.source.bucket, options.named_object);
  if (!head) {
    if (head.error().http_status == 404) co_return std::optional<s3::ObjectInfo>();
    co_return head.error();
  }
  s3::ObjectInfo object;
  object.key = options.named_object;
  object.size = head->size;
  object.etag = head->etag;
  object.last_modified = head->last_modified;
  co_return std::optional<s3::ObjectInfo>(std::move(object));
}

awaitable<Result<void>> CopyJob::produce(s3::Client& client, const exec::Emit& emit) {
  if (!options_.normalised) {
    co_return make_error(ErrorKind::usage,
                         "the copy's options did not pass through "
                         "jobs::normalise_copy_locations: nothing copied");
  }
  // Uploads an earlier run of this copy created and, killed mid-copy, left
  // open: they cost storage until aborted. (Not in a dry run: it changes
  // nothing.)
  if (options_.journal != nullptr && !options_.dry_run) co_await abort_uploads_left_open(client);
  KeyListing keys;
  keys.bucket = options_.source.bucket;
  keys.prefix = options_.source.key;
  keys.concurrency = options_.list_concurrency;
  keys.ordered = false;  // a copy does not care in which order keys arrive
  if (!options_.dry_run) keys.max_buffered_pages = kListPagesAhead;
  std::uint64_t listed = 0;
  bool marker_listed = false;
  auto result = co_await list_keys(client, std::move(keys),
                                   [&](std::vector<s3::ObjectInfo>& objects) -> awaitable<bool> {
                                     listed += objects.size();
                                     // A directory inside the destination: nothing is copied.
                                     if (listed > 0 && options_.refuse_if_directory) {
                                       co_return false;
                                     }
                                     for (auto& object : objects) {
                                       if (!copy_selects(options_, object.key) &&
                                           !has_no_name_at_destination(options_, object)) {
                                         if (is_source_folder_marker(options_, object)) {
                                           marker_listed = true;
                                         }
                                         continue;
                                       }
                                       exec::WorkItem item;
                                       item.object = std::move(object);
                                       if (!co_await emit(std::move(item))) co_return false;
                                     }
                                     co_return true;
                                   });
  if (result && listed > 0 && options_.refuse_if_directory) co_return *options_.refuse_if_directory;
  if (result && listed > 0) co_await warn_if_object_beside_directory(client);
  if (result && listed == 1 && marker_listed) only_folder_marker_ = true;
  if (!result || listed > 0) co_return result;
  if (options_.named_object.empty()) {
    source_empty_ = true;
    co_return result;
  }

  // Nothing under "name/": the user may have named one object.
  auto named = co_await find_named_object(client, options_);
  if (!named) co_return named.error();
  if (!*named) source_empty_ = true;
  if (*named && options_.refuse_if_object) co_return *options_.refuse_if_object;
  if (!*named || !copy_selects(options_, (*named)->key)) co_return Result<void>();
  exec::WorkItem item;
  item.object = std::move(**named);
  co_await emit(std::move(item));
  co_return Result<void>();
}

awaitable<std::optional<std::string>> object_beside_directory_warning(s3::Client& client,
                                                                      const CopyOptions& options) {
  if (options.named_object.empty()) co_return std::nullopt;
  auto named = co_await find_named_object(client, options);
  if (!named || !*named) co_return std::nullopt;
  const std::string& key = options.named_object;
  const std::size_t slash = key.rfind('/');
  const std::string parent = key.substr(0, slash + 1);  // npos + 1 is 0: the bucket root
  const std::string name = key.substr(slash + 1);
  std::string message = "s3://" + options.source.bucket + "/" + key +
                        " is an object and a folder (" + key +
                        "/) alike: the folder is copied, the object is not";
  // The way to copy it alone is a filter on its parent, to the same
  // destination -- where that copy is allowed at all (within one bucket a
  // parent above the destination is refused), and where the name needs no
  // quoting: patterns have no escape for * ? [, and ' would end the shell's.
  CopyOptions parent_copy = options;
  parent_copy.source.key = parent;
  parent_copy.named_object.clear();
  parent_copy.refuse_if_directory.reset();
  parent_copy.refuse_if_object.reset();
  parent_copy.filters.clear();
  if (name.find_first_of("*?['") == std::string::npos &&
      normalise_copy_locations(std::move(parent_copy))) {
    message += " (to copy the object, copy 's3://" + options.source.bucket + "/" + parent +
               "' with --exclude '*' --include '" + name + "')";
  }
  co_return message;
}

awaitable<void> CopyJob::warn_if_object_beside_directory(s3::Client& client) {
  // "name" named a directory, which wins; an object of that very name beside
  // it is not copied. Say so, rather than leave it out without a word. A run
  // stopped by Ctrl-C asks nothing more.
  if (!options_.warn_object_beside_directory) co_return;
  if (client.interrupt_requested()) co_return;
  if (auto message = co_await object_beside_directory_warning(client, options_)) warn(*message);
}

void CopyJob::warn(const std::string& message) {
  if (!options_.on_warning) return;
  std::lock_guard lock(notify_mutex_);
  options_.on_warning(message);
}

void CopyJob::notify(const std::string& src, const std::string& dst, std::uint64_t size,
                     const Error* error) {
  if (!options_.on_object) return;
  std::lock_guard lock(notify_mutex_);
  options_.on_object(src, dst, size, error);
}

awaitable<Result<std::uint64_t>> CopyJob::process(exec::WorkerContext& context,
                                                  const exec::WorkItem& item) {
  const s3::ObjectInfo& object = item.object;
  const std::string dst_key = destination_key(options_, object.key);
  if (dst_key.empty()) {
    // The folder's own last segment, "trail/" of "mpk/trail/", as a prefix
    // to copy it to.
    const std::string folder = object.key.substr(0, object.key.size() - 1);
    const std::string suggested = folder.substr(folder.rfind('/') + 1) + "/";
    const Error error =
        make_error(ErrorKind::usage,
                   "its key is the source folder's own, which leaves it no name at the "
                   "bucket root, and it holds data: copy the folder to a prefix (s3loop "
                   "cp s3://" +
                       options_.source.bucket + "/" + object.key + " s3://" +
                       options_.destination.bucket + "/" + suggested + ")");
    notify(object.key, dst_key, object.size, &error);
    co_return error;
  }
  // S3 keys are at most 1024 bytes of UTF-8: a destination prefix longer
  // than the source's may push one over, and S3's 400 InvalidObjectName (or
  // KeyTooLongError) says neither why nor what to do. (Not a dry run's
  // promise either.)
  if (dst_key.size() > s3::kMaxKeyBytes) {
    const Error error = make_error(
        ErrorKind::usage, fmt::format("its destination key would be {} bytes, over S3's limit of "
                                      "{}: copy it under a shorter destination prefix",
                                      dst_key.size(), s3::kMaxKeyBytes));
    notify(object.key, dst_key, object.size, &error);
    co_return error;
  }
  // Skipped only when the journal saw this very object (same ETag and size)
  // copied: one overwritten since is copied again.
  if (options_.journal != nullptr &&
      options_.journal->finished(object.key, object.etag, object.size)) {
    ++skipped_;
    ++skipped_by_journal_;
    co_return std::uint64_t{0};
  }
  if (options_.skip_existing) {
    auto present = co_await destination_has(context.client(), object, dst_key);
    if (!present) {
      const Error error = present.error();
      notify(object.key, dst_key, object.size, &error);
      co_return error;
    }
    if (*present) {
      ++skipped_;
      if (options_.journal != nullptr && !options_.dry_run) record_finished(object, object.etag);
      co_return std::uint64_t{0};
    }
  }
  Result<void> outcome;
  std::string copied_etag = object.etag;
  if (options_.dry_run) {
    outcome = {};
  } else if (copies_in_parts(object.key, object.size, options_.multipart_threshold)) {
    outcome = co_await copy_multipart(context, object, dst_key, copied_etag);
  } else {
    auto copied = co_await context.client().copy_object(
        options_.source.bucket, object.key, options_.destination.bucket, dst_key, object.etag);
    if (copied) {
      if (options_.journal != nullptr && copy_may_be_of_another_version(object.etag, *copied)) {
        // Still the listed version now: that is what was copied (the copy's
        // ETag is the server's own). Else not recorded (a rerun copies it
        // again): recorded as listed, a source put back as it was would be
        // skipped over other content.
        auto now = co_await context.client().head_object(options_.source.bucket, object.key);
        if (!now || now->etag != object.etag) copied_etag.clear();
      }
    } else {
      outcome = source_side_of(copied.error(), options_.source.bucket, object.key, "it was listed");
    }
  }
  if (!outcome) {
    const Error error = outcome.error();
    notify(object.key, dst_key, object.size, &error);
    co_return error;
  }
  if (options_.journal != nullptr && !options_.dry_run && !copied_etag.empty()) {
    record_finished(object, copied_etag);
  }
  notify(object.key, dst_key, object.size, nullptr);
  co_return object.size;
}

bool copy_may_be_of_another_version(const std::string& listed, const std::string& copy_result) {
  return !listed.empty() && copy_result != listed;
}

void CopyJob::record_finished(const s3::ObjectInfo& object, const std::string& etag) {
  // What the next run's listing is compared with.
  auto recorded = options_.journal->record(object.key, etag, object.size);
  // The object is copied, so it is no failure; but the job stops.
  if (!recorded) stop_for_journal(recorded.error());
}

void CopyJob::stop_for_journal(Error error) {
  // A journal that cannot be written (disk full) fails every later record
  // too: going on would copy everything unrecorded and report each key. One
  // error stops the job; a rerun copies the unrecorded objects again, which
  // is harmless.
  std::lock_guard lock(fatal_mutex_);
  if (fatal_) return;
  fatal_ = std::move(error);
  fatal_->message += "; copy stopped (a rerun copies the objects it could not record again)";
}

void CopyJob::upload_ended(const std::string& upload_id) {
  // (Should the journal fail to write it -- a failure that stops the copy at
  // its next record anyway -- the next run's abort finds the upload gone,
  // which changes nothing.)
  if (options_.journal != nullptr) (void)options_.journal->record_upload_ended(upload_id);
}

awaitable<void> CopyJob::abort_uploads_left_open(s3::Client& client) {
  const auto& bucket = options_.destination.bucket;
  const auto& open = options_.journal->open_uploads();
  // Unlocked, the journal may be another run's at this moment, and its open
  // uploads that run's live ones: aborted, its copies would fail. Left for a
  // run that can lock the journal (or for the user).
  if (!open.empty() && !options_.journal->unlocked_reason().empty()) {
    orphan_cleanup_failures_ += open.size();
    warn(
        fmt::format("the journal could not be locked ({}), so another run may be using it: "
                    "the {} multipart upload{} it holds open {} not aborted (each may be "
                    "another run's, in progress); once no other run of this copy is going, "
                    "abort {}: aws s3api list-multipart-uploads --bucket {} lists {}",
                    options_.journal->unlocked_reason(), open.size(), open.size() == 1 ? "" : "s",
                    open.size() == 1 ? "is" : "are", open.size() == 1 ? "it" : "them", bucket,
                    open.size() == 1 ? "it" : "them"));
    co_return;
  }
  std::set<std::string> still_open;  // upload ids whose abort failed (warned of)
  for (const auto& upload : open) {
    // Stopped: the rest stay open in the journal, for the next run.
    if (client.interrupt_requested()) co_return;
    // (One completed before the kill lost its "ended" line is gone already:
    // no abort to count, and the object stays.)
    auto aborted = co_await client.abort_multipart_upload(bucket, upload.key, upload.upload_id);
    if (aborted) {
      if (*aborted) ++orphans_aborted_;
      upload_ended(upload.upload_id);
      continue;
    }
    ++orphan_cleanup_failures_;
    still_open.insert(upload.upload_id);
    warn(s3::s3_uri(bucket, upload.key) + ": an earlier run of this copy left its multipart " +
         "upload " + upload.upload_id +
         " open, and aborting it failed (it costs storage until aborted; the next run with " +
         "this journal tries again): " + aborted.error().message);
  }
  if (options_.journal->resumed() && !client.interrupt_requested()) {
    co_await warn_of_unknown_uploads(client, still_open);
  }
}

awaitable<void> CopyJob::warn_of_unknown_uploads(s3::Client& client, std::set<std::string> known) {
  // A run killed between sending a CreateMultipartUpload and reading its
  // reply never learnt the upload's id, so its journal cannot name it. Not
  // aborted: from here, such an upload cannot be told from another
  // program's, in progress. (Nor a failure, should the listing be refused:
  // it is a courtesy.)
  const auto& bucket = options_.destination.bucket;
  const auto& prefix = options_.destination.key;
  auto listed = co_await client.list_multipart_uploads(bucket, prefix);
  if (!listed) co_return;
  std::uint64_t uploads = 0;
  std::uint64_t keys = 0;
  const std::string* previous_key = nullptr;
  for (const auto& upload : *listed) {
    if (!upload.key.starts_with(prefix) || known.contains(upload.upload_id)) continue;
    ++uploads;
    // (Listed in key order: one key's uploads come together.)
    if (previous_key == nullptr || *previous_key != upload.key) ++keys;
    previous_key = &upload.key;
  }
  if (uploads == 0) co_return;
  orphan_cleanup_failures_ += keys;
  warn(fmt::format(
      "{}: {} multipart upload{} {} open there that the journal does not know of: a run of "
      "this copy killed while opening {} leaves {} so (each costs storage until aborted), or "
      "{} another program's, in progress; aws s3api list-multipart-uploads --bucket {} "
      "--prefix {} lists {}",
      s3::s3_uri(bucket, prefix), uploads, uploads == 1 ? "" : "s", uploads == 1 ? "is" : "are",
      uploads == 1 ? "it" : "them", uploads == 1 ? "it" : "them",
      uploads == 1 ? "it is" : "they are", bucket, shell_word(prefix),
      uploads == 1 ? "it" : "them"));
}

awaitable<void> CopyJob::explain_missing_part_source(s3::Client& client,
                                                     const std::string& source_key,
                                                     const std::string& etag, Error& error) {
  // Deleted after the HEAD, as the message says -- unless a HEAD still finds
  // that very version: then the server misread the key in x-amz-copy-source
  // (copy_source_key.hpp).
  auto now = co_await client.head_object(options_.source.bucket, source_key);
  if (!now || now->etag != etag) co_return;
  error.message = fmt::format(
      "UploadPartCopy of {} failed: the server says the source does not exist (NoSuchKey), "
      "but a HEAD finds it unchanged: the server misreads its key in x-amz-copy-source "
      "(radosgw 16.2 decodes it twice and takes '?versionId=' in it for a version): this "
      "server cannot copy it (such keys are copied with CopyObject, which reads them right, "
      "up to its limit of 5 GiB; this object is larger)",
      s3::s3_uri(options_.source.bucket, source_key));
  s3::append_request_id(error);
}

std::optional<Error> CopyJob::fatal_error() const {
  std::lock_guard lock(fatal_mutex_);
  return fatal_;
}

awaitable<Result<bool>> CopyJob::destination_has(s3::Client& client, const s3::ObjectInfo& object,
                                                 const std::string& dst_key) {
  auto head = co_await client.head_object(options_.destination.bucket, dst_key);
  if (!head) {
    if (head.error().http_status == 404) co_return false;
    co_return head.error();
  }
  co_return head->size == object.size && head->etag == object.etag;
}

awaitable<Result<void>> CopyJob::source_unchanged(s3::Client& client, const std::string& key,
                                                  const std::string& etag) {
  const auto& bucket = options_.source.bucket;
  auto now = co_await client.head_object(bucket, key);
  if (!now) co_return source_side_of(now.error(), bucket, key, "its copy started");
  if (now->etag == etag) co_return Result<void>();
  Error changed = make_error(
      ErrorKind::s3,
      fmt::format("the source object {} changed while its parts were copied (ETag {} when the "
                  "copy started, {} now): nothing was completed from them; copy it again",
                  s3::s3_uri(bucket, key), etag, now->etag));
  changed.http_status = 412;  // what S3 answers a part of another version
  co_return changed;
}

awaitable<Result<void>> CopyJob::copy_multipart(exec::WorkerContext& context,
                                                const s3::ObjectInfo& object,
                                                const std::string& dst_key,
                                                std::string& copied_etag) {
  // A journal that failed meanwhile (another object's record) stops the job:
  // an upload created now could not be recorded, and would only be aborted
  // (nor are the HEAD and GetObjectTagging before it worth sending).
  if (auto fatal = fatal_error()) co_return *fatal;
  s3::Client& client = context.client();
  const auto& src_bucket = options_.source.bucket;
  const auto& dst_bucket = options_.destination.bucket;
  // Over 5 GiB, a key radosgw's UploadPartCopy misreads (copy_source_key.hpp):
  // not copied when the key it would read is another object's.
  if (auto misread = misread_source_key(object.key)) {
    auto other = co_await client.head_object(src_bucket, *misread);
    if (other) {
      co_return make_error(
          ErrorKind::s3,
          fmt::format("{} was not copied: over 5 GiB, only UploadPartCopy can copy it, and a "
                      "server that misreads its x-amz-copy-source, as radosgw 16.2 does "
                      "(decoding it twice, taking '?versionId=' in it for a version), would "
                      "read the key as {}, which exists, and copy that object's bytes instead "
                      "(on AWS, which reads it as sent, the copy would be right: copy it there "
                      "with aws s3 cp)",
                      s3::s3_uri(src_bucket, object.key), s3::s3_uri(src_bucket, *misread)));
    }
    if (other.error().http_status != 404) {
      Error error = other.error();
      error.message = fmt::format(
          "{} was not copied: a HEAD of {}, which a server that misreads "
          "x-amz-copy-source as radosgw 16.2 does would copy instead, failed: {}",
          s3::s3_uri(src_bucket, object.key), s3::s3_uri(src_bucket, *misread), error.message);
      co_return error;
    }
  }
  // UploadPartCopy does not carry metadata over: read it from the source and
  // give it to the new upload, as CopyObject would have.
  auto head = co_await client.head_object(src_bucket, object.key);
  if (!head) co_return head.error();
  // Emptied since it was listed: no part can be cut from it, and an upload
  // completed without one is refused (MalformedXML, which named no cause).
  if (head->size == 0) {
    Error changed = make_error(
        ErrorKind::s3, fmt::format("the source object {} changed after it was listed ({} bytes "
                                   "then, empty now, ETag {}): nothing was copied; copy it again",
                                   s3::s3_uri(src_bucket, object.key), object.size, head->etag));
    changed.http_status = 412;  // what S3 answers a copy of another version
    co_return changed;
  }
  // Its parts are all copied from this version (x-amz-copy-source-if-match),
  // which may be newer than the listing's.
  copied_etag = head->etag;
  s3::Headers headers;
  // (An empty one too: left out, the server would make it binary/octet-stream,
  // where CopyObject keeps it empty.)
  if (head->content_type) headers.emplace_back("content-type", *head->content_type);
  for (const auto& meta : head->user_metadata) headers.push_back(meta);
  for (const auto& content : head->content_headers) headers.push_back(content);
  // Nor tags, which CopyObject copies too (tagging directive COPY). A source
  // whose tags cannot be read fails the copy, as it does `aws s3 cp`'s
  // (--copy-props default): a copy silently without them is not the object.
  auto tags = co_await client.get_object_tagging(src_bucket, object.key);
  if (!tags) {
    Error error = tags.error();
    error.message +=
        " (GetObjectTagging: a multipart copy reads the source's tags to carry "
        "them over, as CopyObject does)";
    co_return error;
  }
  if (auto tagging = create_tagging_header(*tags)) headers.emplace_back("x-amz-tagging", *tagging);

  const auto create_started = std::chrono::steady_clock::now();
  auto created = co_await client.create_multipart_upload(dst_bucket, dst_key, headers);
  if (!created) {
    // Its reply lost on every attempt, or cut off by Ctrl-C: the server may
    // have opened an upload whose id nobody knows (the search for a lost
    // attempt's upload needs our own, open, as its reference).
    if (created.error().sent_unanswered) {
      ++orphan_cleanup_failures_;
      warn(
          fmt::format("{}: CreateMultipartUpload got no reply, so the server may have "
                      "opened an upload that is left open, one per attempt (each costs storage "
                      "until aborted): aws s3api list-multipart-uploads --bucket {} --prefix {} "
                      "lists them",
                      s3::s3_uri(dst_bucket, dst_key), dst_bucket, shell_word(dst_key)));
    }
    co_return created.error();
  }
  const std::string& upload_id = created->upload_id;
  // In the journal at once: a run killed from here on leaves the upload
  // open, and the next run with this journal aborts it.
  Result<void> recorded;
  if (options_.journal != nullptr) {
    recorded = options_.journal->record_upload(dst_key, upload_id);
    if (!recorded) stop_for_journal(recorded.error());
  }
  // An earlier attempt may have created an upload too, whose reply was lost.
  // Looked for now, not after the copy: our own upload is still open, so the
  // listing holds it and its Initiated time, the server-clock reference that
  // tells the lost attempts' uploads apart from anybody else's. And they are
  // gone even if this copy fails or is interrupted later.
  if (created->attempts > 1) {
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - create_started);
    co_await abort_orphaned_uploads(client, dst_key, upload_id, took + kOrphanWindowMargin);
  }

  const auto parts = plan_parts(head->size, options_.part_size);
  std::vector<s3::CompletedPart> completed(parts.size());
  Result<void> outcome = recorded;  // a journal that failed: no part, the upload aborted
  // (The parts' tasks run on this loop only, one step at a time: no lock.)
  exec::WorkerContext::SubTask copy_part = [&](std::size_t i) -> awaitable<bool> {
    const int part_number = static_cast<int>(i) + 1;
    // Every part from the version the HEAD saw: a source overwritten during
    // the copy fails it instead of mixing old and new parts.
    auto etag = co_await client.upload_part_copy(src_bucket, object.key, dst_bucket, dst_key,
                                                 upload_id, part_number,
                                                 {parts[i].first, parts[i].second}, head->etag);
    if (!etag) {
      // The first part to fail tells why; the parts in flight with it just end.
      if (!outcome) co_return false;
      outcome = source_side_of(etag.error(), src_bucket, object.key, "its copy started");
      co_return false;
    }
    completed[i] = {part_number, std::move(*etag)};
    co_return true;
  };
  try {
    if (outcome) co_await context.run_parallel(parts.size(), options_.parts_in_flight, copy_part);
  } catch (const std::exception& e) {
    // Still this copy's failure: its upload is aborted below, not left open.
    // A part's own error, when one failed first, says more.
    if (outcome)
      outcome = make_error(ErrorKind::protocol, std::string("internal error: ") + e.what());
  } catch (...) {
    if (outcome) outcome = make_error(ErrorKind::protocol, "internal error");
  }
  // x-amz-copy-source-if-match makes S3 refuse a part of any other version,
  // but radosgw 16.2 ignores it: a source overwritten while its parts were
  // copied would complete as a mix of both versions, bytes that were never
  // one object (and of the old size, so --verify would not see it). Asked
  // again once every part is in, before anything is completed; and when a
  // part lay beyond the source's end (416 InvalidRange): a shorter version
  // replaced it, which is how that failure is then told.
  if (outcome) {
    outcome = co_await source_unchanged(client, object.key, head->etag);
  } else if (outcome.error().http_status == 416) {
    auto now = co_await source_unchanged(client, object.key, head->etag);
    if (!now) outcome = std::move(now);
  }
  if (outcome) {
    auto done =
        co_await client.complete_multipart_upload(dst_bucket, dst_key, upload_id, completed);
    if (done) upload_ended(upload_id);
    if (!done) {
      outcome = done.error();
    } else if (tags->empty()) {
      co_return Result<void>();
    } else {
      // Set again, whether or not the create carried them: radosgw 16.2
      // ignores x-amz-tagging on CreateMultipartUpload, and a set too large
      // for the header was left off it. (The upload is complete: nothing to
      // abort.)
      auto tagged = co_await client.put_object_tagging(dst_bucket, dst_key, *tags);
      if (tagged) co_return Result<void>();
      Error error = tagged.error();
      error.message +=
          " (the object was copied, but without its tags; --skip-existing would "
          "skip it: copy it again without)";
      co_return error;
    }
  }
  // Never leave an incomplete upload behind: it costs storage until aborted.
  // Also after Ctrl-C: the abort is a cleanup request, which the client
  // still sends (briefly). The copy's error is what the user needs to see,
  // so an abort failure is only appended to it. (An upload already gone --
  // completed by a CompleteMultipartUpload whose reply was lost or cut off
  // by Ctrl-C, or aborted by an attempt whose reply was lost -- is no abort
  // failure: abort_multipart_upload counts NoSuchUpload as done.)
  auto aborted = co_await client.abort_multipart_upload(dst_bucket, dst_key, upload_id);
  Error error = outcome.error();
  if (error.s3_code == "NoSuchKey") {
    co_await explain_missing_part_source(client, object.key, head->etag, error);
  }
  if (aborted) {
    upload_ended(upload_id);
    co_return error;
  }
  // Named with its key, so that it can be aborted by hand (an error that
  // stops the whole job is said once, in a line that names no object);
  // counted, so that the summary says an upload may be left open.
  ++orphan_cleanup_failures_;
  error.message += "; aborting its multipart upload " + upload_id + " (of " +
                   s3::s3_uri(dst_bucket, dst_key) +
                   ") also failed (if it is still open, it costs storage until aborted; "
                   "ListMultipartUploads shows it): " +
                   aborted.error().message;
  // A copy the interrupt cut off is not reported as failed (it is counted
  // as interrupted), but an upload left open must be heard of. An abort the
  // server read but had not answered when the grace after Ctrl-C ended has
  // likely gone through (a server under load answers late): "could not be
  // aborted" would be a false alarm, so it says may.
  if (error.kind == ErrorKind::cancelled) {
    const std::string left =
        aborted.error().sent_unanswered
            ? "may be left open: its abort went unanswered before the interrupt's grace ended "
              "(the server may have aborted it all the same"
            : "could not be aborted (" + aborted.error().message;
    warn(fmt::format(
        "{}: the copy was interrupted and its multipart upload {} {}; if open, it costs storage "
        "until aborted): aws s3api list-multipart-uploads --bucket {} --prefix {} lists it",
        s3::s3_uri(dst_bucket, dst_key), upload_id, left, dst_bucket, shell_word(dst_key)));
  }
  co_return error;
}

awaitable<void> CopyJob::abort_orphaned_uploads(s3::Client& client, const std::string& dst_key,
                                                const std::string& own_upload_id,
                                                std::chrono::milliseconds window) {
  const auto& bucket = options_.destination.bucket;
  std::string problem;
  auto listed = co_await client.list_multipart_uploads(bucket, dst_key);
  if (!listed) {
    problem = listed.error().message;
  } else if (auto orphans = orphaned_uploads(*listed, dst_key, own_upload_id, window); !orphans) {
    problem = orphans.error().message;
  } else {
    for (const auto& upload_id : *orphans) {
      // (An upload already gone is no failure: abort_multipart_upload.)
      auto aborted = co_await client.abort_multipart_upload(bucket, dst_key, upload_id);
      if (aborted) {
        if (*aborted) ++orphans_aborted_;
      } else {
        if (!problem.empty()) problem += "; ";
        problem += "upload " + upload_id + ": " + aborted.error().message;
      }
    }
  }
  if (problem.empty()) co_return;
  ++orphan_cleanup_failures_;
  warn(s3::s3_uri(bucket, dst_key) +
       ": CreateMultipartUpload needed more than one attempt, and an upload a lost attempt may "
       "have created could not be looked for or aborted (it costs storage until aborted; "
       "ListMultipartUploads shows it): " +
       problem);
}

}  // namespace s3loop::jobs
